/**
 * Kingdee K/3 Cloud (金蝶云星空) WebAPI client (protocols.md §1). One per config node: one session shared by every
 * Kingdee node of the account.
 *
 *  - auth modes: `password` (ValidateUser), `appsecret` (LoginByAppSecret), `sign` (LoginBySign, sha256 | sha1),
 *    `apisign` (per-request X-Kd-* / X-Api-* headers, no login call; the session a signed request opens is kept and
 *    sent back with the headers, as the vendor's SDKs do, so that each request does not open another);
 *  - one shared login in beforeAttempt (core/login.ts: ten concurrent calls → one login, not cancelled by one
 *    caller's node closing), the login request itself going through the limiter; a refused login is reported in the
 *    user's words as a `config` error and remembered for `loginCooldownMs`, doubling with each refusal in a row (a
 *    locked account: the maximum at once), for every client sending the same login (Test connection's, a
 *    redeploy's), so that neither flows nor the button hammer the server (and lock the user);
 *  - a session-lost answer (MsgCode 1, also `[[…]]`-wrapped) → `auth` → exactly one re-login and one replay;
 *  - close() logs the session out (A.Logout): a redeploy or a click of Test connection leaves no session behind;
 *  - `response_error:` is tested before JSON parsing; MsgCode classified as §1.8.
 */
import path from 'path';
import { BaseClient, ClientSettings, ConnectionCheck, ConnectorError, ErrorKind, HttpResponse, QueryPage, RequestContext, SharedLogin, parseSetCookie, RecordOutcome, english, textError, isBlankValue, endSessionLimit, urlQueryProblem, parseVendorJson, serverKey, type Text } from '../core';
import { kingdeeApiHeaders, kingdeeAppData, kingdeeKdSignature, kingdeeLogin, KingdeeLoginAlgorithm, kingdeeClientSecret, splitAppId } from './sign';

const SYSTEM = 'kingdee';
const A = 'Kingdee.BOS.WebApi.ServicesStub.AuthService.';
const D = 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.';
/** The config node's catalog in English: a refused login's message is its text there (kingdee-config.test.login*). */
const inEnglish = english(path.join(__dirname, 'kingdee-config.js'));

export type KingdeeAuthMode = 'password' | 'appsecret' | 'sign' | 'apisign';

export interface KingdeeSettings {
    /** e.g. `http://host/k3cloud/` (a trailing `/` is added when missing). */
    serverUrl: string;
    acctId: string;
    username: string;
    /** Blank: 2052 (简体中文). */
    lcid?: number | string;
    orgNum?: string;
    authMode: KingdeeAuthMode;
    /** appsecret / sign / apisign: `<clientId>_<secPart>`. */
    appId?: string;
    signAlgorithm?: KingdeeLoginAlgorithm;
    /** 'named' `{"formid","data"}` (default) or 'positional' `{"parameters":[…]}`. */
    bodyForm?: 'named' | 'positional';
    /** The server's WebAPIMaxQueryLimit: 2000 (default) up to 10000. */
    maxLimit?: number;
    /**
     * How long a refused login is remembered before the next attempt (ms), default 60 s. Each further refusal in a
     * row doubles it, up to `maxLoginCooldownMs` (default 30 min, the vendor's lock time); a locked account waits
     * the maximum at once.
     */
    loginCooldownMs?: number;
    maxLoginCooldownMs?: number;
}

export interface KingdeeCredentials {
    password?: string;
    appSecret?: string;
}

interface Session {
    id: string;
    cookies: Record<string, string>;
    user?: string;
}

export interface KdError {
    FieldName?: string | null;
    Message?: string;
    DIndex?: unknown;
}

export interface KdStatus {
    ErrorCode?: unknown;
    IsSuccess?: unknown;
    Errors?: KdError[];
    SuccessEntitys?: Array<{ Id?: unknown; Number?: unknown; BillNo?: unknown; DIndex?: unknown }>;
    MsgCode?: unknown;
}

/** §1.8 MsgCode → kind. */
export function classifyMsgCode(code: number): ErrorKind {
    switch (code) {
        case 1:
            return 'auth';
        case 2:
        case 7:
        case 15:
            return 'config';
        case 3:
        case 5:
        case 8:
            return 'validation';
        case 13:
            return 'transient';
        case 14:
            return 'rate-limit';
        default:
            return 'business';
    }
}

const SESSION_WORDS = /会话信息已丢失|会话已过期|请重新登录|session lost/i;
/**
 * Kingdee's own words for a request it could not read (its body or `data` not JSON, parsed before anything is done):
 * the only write exception that proves nothing was saved. Not the JSON library's words ("JsonReader", "parsing
 * value", "反序列化", "invalid JSON"): the node always sends JSON it serialised itself, and a save plug-in parsing an
 * external system's HTML answer throws those after the bills were saved. Reads keep a wider test (responseError).
 */
const UNREADABLE_REQUEST = /请求格式错误/;
/** MsgCodes whose Errors describe individual records (DIndex) of a Save/BatchSave/Push. */
const PER_RECORD_CODES = new Set([0, 4, 6, 9, 10, 11, 12]);

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
/** Text as Kingdee's database compares it (SQL Server's default collation): case and trailing spaces ignored. */
export const collated = (v: string) => v.replace(/ +$/, '').toLowerCase();
/** A record's position as Kingdee reports it (DIndex): a number, or its text ("0") as lenient answers give it. */
const dIndexOf = (v: unknown): number | undefined => (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '') ? Number(v) : undefined);

/** The ResponseStatus of an answer: `{Result:{ResponseStatus}}`, unwrapped or `[[…]]`-wrapped. */
export function responseStatusOf(body: unknown): KdStatus | undefined {
    let b = body;
    if (Array.isArray(b) && Array.isArray(b[0]) && b.length === 1 && b[0].length === 1 && isObj(b[0][0])) b = b[0][0];
    if (isObj(b) && isObj(b.Result) && isObj(b.Result.ResponseStatus)) return b.Result.ResponseStatus as KdStatus;
    return undefined;
}

/**
 * A Push answer's ResponseStatus with the conversion's refusals (a source not audited, closed, no rule) that are listed
 * only in ConvertResponseStatus: read alone, ResponseStatus leaves those sources with no outcome ("may have been
 * processed"), or, every source refused, fails the call "without a message". Errors listed in both are taken once.
 */
function pushStatusOf(answer: unknown): KdStatus | undefined {
    const status = responseStatusOf(answer);
    const convert = (answer as any)?.Result?.ConvertResponseStatus as KdStatus | undefined;
    if (!status || !isObj(convert) || !Array.isArray(convert.Errors) || convert.Errors.length === 0) return status;
    const key = (e: KdError) => JSON.stringify([dIndexOf(e?.DIndex) ?? null, str(e?.Message)]);
    const listed = new Set((status.Errors ?? []).map(key));
    const extra = convert.Errors.filter((e) => !listed.has(key(e)));
    return extra.length === 0 ? status : { ...status, Errors: [...(status.Errors ?? []), ...extra], MsgCode: Number(status.MsgCode) || convert.MsgCode };
}

export function isSessionLost(status: KdStatus | undefined): boolean {
    if (!status) return false;
    if (Number(status.MsgCode) === 1) return true;
    if (String(status.IsSuccess).toLowerCase() === 'true') return false;
    return (status.Errors ?? []).some((e) => SESSION_WORDS.test(str(e?.Message)));
}

function errorsText(errors: KdError[] | undefined): string {
    const parts = (errors ?? []).map((e) => (e?.FieldName ? `${e.FieldName}: ${str(e.Message)}` : str(e?.Message))).filter(Boolean);
    return parts.join('; ') || 'the server reported a failure without a message';
}

/** `/Date(1704067200000+0800)/` → `2024-01-01T08:00:00` (China time, like the server's other dates); without an offset → UTC ISO. */
export function convertNetDate(v: unknown): unknown {
    if (typeof v !== 'string') return v;
    const m = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(v);
    if (!m) return v;
    const ms = Number(m[1]);
    if (!m[2]) return new Date(ms).toISOString();
    const sign = m[2][0] === '-' ? -1 : 1;
    const offMs = sign * (Number(m[2].slice(1, 3)) * 60 + Number(m[2].slice(3))) * 60000;
    return new Date(ms + offMs).toISOString().slice(0, 19);
}

/** Reference suffixes the integration platform flattens with `_` (seed 001: FMaterialID_FNumber ≡ FMaterialID.FNumber). */
const FLAT_SUFFIX = /^(.+)_(FNumber|FName|FBARCODE|FShortName|FSpecification|FDataValue|FCode)$/i;

/** The key sent to the server for a requested field key: flattened reference spellings become dotted. */
export function wireFieldKey(key: string): string {
    const m = FLAT_SUFFIX.exec(key);
    return m ? `${m[1]}.${m[2]}` : key;
}

/**
 * Primary keys of common basic-data forms (bills use FID). No prototype: looked up by the FormId a msg gives, and
 * "constructor" or "__proto__" found Object's own, which went out as a field key.
 */
const BASEDATA_KEYS: Record<string, string> = Object.assign(Object.create(null), {
    bd_material: 'FMATERIALID',
    bd_customer: 'FCUSTID',
    bd_supplier: 'FSUPPLIERID',
    bd_stock: 'FStockId',
    bd_currency: 'FCURRENCYID',
    bd_department: 'FDEPTID',
    bd_empinfo: 'FID',
    org_organizations: 'FOrgID',
    bd_unit: 'FUNITID',
    bd_billtype: 'FBillTypeID',
    cn_bankacnt: 'FBANKACNTID',
});

/**
 * The main business organisation (主业务组织) of common forms, lower-case form id → field: the organisation whose
 * coding rule (编码规则) numbers the bill, commonly one rule or one sequence per organisation, so two organisations
 * may hold one bill number (and two shops one source order number). SAL_OutStock as seed 000 spells it; the others
 * as K/3 Cloud's WebAPI field lists do [unconfirmed beyond SAL_OutStock and SAL_SaleOrder; AP_PAYBILL: 付款组织].
 * Another organisation field of the bill would still find a replay (it carries the same organisation), and never
 * finds more than a lookup across the data centre.
 */
const MAIN_ORG_FIELDS: Record<string, string> = Object.assign(Object.create(null), {
    sal_outstock: 'FStockOrgID',
    sal_returnstock: 'FStockOrgId',
    sal_saleorder: 'FSaleOrgId',
    sal_deliverynotice: 'FDeliveryOrgID',
    pur_purchaseorder: 'FPurchaseOrgId',
    pur_requisition: 'FApplicationOrgId',
    pur_receivebill: 'FStockOrgId',
    pur_mrb: 'FStockOrgId',
    stk_instock: 'FStockOrgId',
    stk_misdelivery: 'FStockOrgId',
    stk_miscellaneous: 'FStockOrgId',
    stk_transferdirect: 'FStockOutOrgId',
    ap_paybill: 'FPAYORGID',
});

/** A form's main business organisation field, or undefined when it is not known. */
export function mainOrgFieldOf(formId: string): string | undefined {
    return MAIN_ORG_FIELDS[formId.toLowerCase()];
}

/**
 * Where a lookup looks: among the bills of one organisation, named in its header field `field` by the organisation's
 * number, or by its internal id (FOrgID: K/3 Cloud compares a basic-data field named alone by its id).
 */
export type OrgScope = { field: string; number: string; id?: undefined } | { field: string; id: number; number?: undefined };

/** The primary key a query orders by: the node's setting, else FID for bills or the basic-data form's own key. */
export function primaryKeyOf(formId: string, primaryKey?: string): string {
    return (primaryKey && primaryKey.trim()) || BASEDATA_KEYS[formId.toLowerCase()] || 'FID';
}

/** The stable order of a query: the user's order + the primary key (and entry ids) as tiebreakers. */
export function stableOrder(formId: string, keys: string[], orderString: string | undefined, primaryKey?: string): string {
    const pk = primaryKeyOf(formId, primaryKey);
    const parts = (orderString ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const used = new Set(parts.map((p) => p.split(/\s+/)[0].toLowerCase()));
    const add = (k: string) => {
        if (!used.has(k.toLowerCase())) {
            parts.push(k);
            used.add(k.toLowerCase());
        }
    };
    for (const k of pk.split(',').map((s) => s.trim()).filter(Boolean)) add(k);
    for (const k of keys) if (/_FEntryID$/i.test(k)) add(k);
    return parts.join(',');
}

/** How a Push names its source bills: by bill number, internal id or (entry-level push) entry id. */
export type PushSourceKind = 'Number' | 'Id' | 'EntryId';

export interface BillQueryParams {
    FormId: string;
    FieldKeys: string | string[];
    FilterString?: string;
    OrderString?: string;
    TopRowCount?: number;
    StartRow?: number;
    Limit?: number;
    SubSystemId?: string;
    /** Primary key used as the stable order (default FID / the basic-data key). */
    PrimaryKey?: string;
}

export class KingdeeClient extends BaseClient {
    readonly settings: KingdeeSettings & { serverUrl: string; lcid: number; maxLimit: number; bodyForm: 'named' | 'positional'; signAlgorithm: KingdeeLoginAlgorithm; loginCooldownMs: number; maxLoginCooldownMs: number };
    private session: Session | undefined;
    private readonly sharedLogin: SharedLogin<Session>;
    /** Logins sent (tests, status). */
    loginCount = 0;
    /**
     * The rows a page the server was found to serve, below the page size asked (its WebAPIMaxQueryLimit below the
     * config's maxLimit): later reads ask no more (queryBills).
     */
    servedLimit: number | undefined;
    private warnedServedLimit = false;

    constructor(
        clientSettings: ClientSettings,
        settings: KingdeeSettings,
        private readonly creds: KingdeeCredentials,
    ) {
        super(clientSettings);
        this.keepSecret(creds.password, creds.appSecret);
        // A setting refused naming it: a text of the catalog (kingdee-config.test.setting.<name>), which the "test
        // connection" button shows in the editor's language, or an English reason of its own.
        const cfg = (field: string, problem: string | { name: string; vars?: Record<string, string> }) => {
            if (typeof problem === 'string') return new ConnectorError({ system: SYSTEM, kind: 'config', code: 'CONFIG', field, message: `${field}: ${problem}` });
            return textError(inEnglish, { key: `kingdee-config.test.setting.${problem.name}`, vars: { field, ...problem.vars } }, { system: SYSTEM, kind: 'config', code: 'CONFIG', field });
        };
        let url = str(settings.serverUrl).trim();
        if (!url) throw cfg('serverUrl', { name: 'required' });
        if (!/^https?:\/\//i.test(url)) throw cfg('serverUrl', { name: 'url' });
        const query = urlQueryProblem(url);
        if (query) throw cfg('serverUrl', query);
        if (!url.endsWith('/')) url += '/';
        if (!settings.acctId) throw cfg('acctId', { name: 'required' });
        if (!settings.username) throw cfg('username', { name: 'required' });
        const mode = settings.authMode;
        if (!['password', 'appsecret', 'sign', 'apisign'].includes(mode)) throw cfg('authMode', { name: 'authMode' });
        if (mode === 'password' && !creds.password) throw cfg('password', { name: 'required' });
        if (mode !== 'password') {
            if (!settings.appId) throw cfg('appId', { name: 'required' });
            if (!creds.appSecret) throw cfg('appSecret', { name: 'required' });
        }
        if (mode === 'apisign') {
            try {
                kingdeeClientSecret(splitAppId(settings.appId!).secPart);
            } catch (err) {
                throw cfg('appId', (err as Error).message);
            }
        }
        const alg = settings.signAlgorithm || 'sha256';
        if (alg !== 'sha256' && alg !== 'sha1') throw cfg('signAlgorithm', 'must be sha256 or sha1');
        // Sent as each page's Limit: 2.5 went to the server as Limit 2.5. No number at all (a `${NAME}` no variable
        // replaced) is refused too: read as 2000, a server allowing fewer rows a page ended the read after one page.
        const askedLimit = settings.maxLimit === undefined ? 0 : Number(settings.maxLimit);
        if (Number.isNaN(askedLimit) || (askedLimit > 0 && !Number.isInteger(askedLimit))) throw cfg('maxLimit', `must be a whole number of rows from 1 to 10000 (got ${settings.maxLimit})`);
        const maxLimit = Number(settings.maxLimit) > 0 ? Math.min(10000, Number(settings.maxLimit)) : 2000;
        // Sent at login and signed with: anything but a whole number (a `${NAME}` set to a word) was read as 2052.
        const lcid = isBlankValue(settings.lcid) ? 2052 : Number(settings.lcid);
        if (!Number.isInteger(lcid) || lcid < 1) throw cfg('lcid', `must be a language id, a whole number such as 2052 (简体中文), 1033 (English) or 3076 (繁體中文) (got ${JSON.stringify(settings.lcid)})`);
        this.settings = {
            ...settings,
            serverUrl: url,
            lcid,
            maxLimit,
            bodyForm: settings.bodyForm === 'positional' ? 'positional' : 'named',
            signAlgorithm: alg,
            loginCooldownMs: settings.loginCooldownMs ?? 60000,
            maxLoginCooldownMs: settings.maxLoginCooldownMs ?? 30 * 60000,
        };
        const s = this.settings;
        // API-signature mode: X-Kd-Signature has no timestamp in it, so it is the same on every request and, with the
        // app id and app data sent in clear beside it, authenticates a request on its own for as long as the app
        // secret is valid: as secret as the app secret, never quoted in an error (an answer may echo the headers).
        if (mode === 'apisign') this.keepSecret(kingdeeKdSignature(s.appId!, creds.appSecret!, kingdeeAppData(s.acctId, s.username, s.lcid, s.orgNum)));
        // Kingdee locks the user after failed logins in a row, whichever client sends them (登录失败次数超限): the key
        // is the user and the credentials the login checks (API-signature mode has no login).
        const checked = mode === 'password' ? [creds.password] : mode === 'appsecret' ? [s.appId, creds.appSecret] : [s.appId, creds.appSecret, alg];
        const loginKey = this.loginKey([url, s.acctId, s.username], [mode, ...checked]);
        this.sharedLogin = new SharedLogin({ system: SYSTEM, lifetime: this.lifetime.signal, cooldownMs: s.loginCooldownMs, maxCooldownMs: s.maxLoginCooldownMs, loginKey });
    }

    /**
     * The server's data centre, and the user (password login) or the app (the others) it counts requests of: the app
     * by its client id, as the part of the appId after `_` gives the signing secret.
     */
    protected accountKey(): string[] {
        const s = this.settings;
        return [s.serverUrl, s.acctId, s.authMode === 'password' ? `user ${s.username}` : `app ${s.appId!.split('_')[0]}`];
    }

    /**
     * The account whose bills an incremental node reads: the data centre, the user whatever the login mode (the user's
     * data permissions choose the bills; the app logs in as that user) and, in API-signature mode, the organisation
     * (orgNum): a config node edited from organisation 100 to 101 kept 100's watermark and skipped 101's earlier bills.
     * No secret. The language, the page limit and the limits choose none.
     */
    accountIdentity(): string | undefined {
        const s = this.settings;
        const org = s.authMode === 'apisign' && s.orgNum ? [`org ${s.orgNum}`] : [];
        return JSON.stringify([SYSTEM, serverKey(s.serverUrl), s.acctId, `user ${s.username}`, ...org]);
    }

    /** The account as releases before took it (accountKey): a watermark they saved goes on. */
    earlierAccountIdentity(): string | undefined {
        return this.accountId();
    }

    private url(service: string): string {
        return this.settings.serverUrl + service + '.common.kdsvc';
    }

    /**
     * The transport's status error. The service paths are fixed, so a 404 or 405 means the server URL does not lead to
     * the WebAPI, most often for want of its virtual directory (http://host/ instead of http://host/k3cloud/).
     */
    private statusError(res: HttpResponse): ConnectorError | undefined {
        const err = this.http.statusError(res);
        if (err && (res.status === 404 || res.status === 405)) {
            // With the same hint as a text of the catalog, for the Test connection button to say in the editor's language.
            const text: Text = { key: 'kingdee-config.test.noWebApi', vars: { server: this.settings.serverUrl, status: res.status } };
            return err.copyWith({ message: `${err.message}; no Kingdee WebAPI at ${this.settings.serverUrl}: check the server URL (serverUrl), the WebAPI root with its virtual directory, e.g. http://host/k3cloud/`, details: { ...(err.details as object | undefined), text } });
        }
        return err;
    }

    // ---------- login / session ----------

    /**
     * Session modes: not without a session — found lost (dropped by the call that found it so, before its slot went
     * back) or being renewed (a login sets it before its slot goes back): sent, the call would only be answered
     * "session lost", a request of the account's quota wasted while it logs in again.
     */
    protected readyToSend(): boolean {
        return this.settings.authMode === 'apisign' || this.session !== undefined;
    }

    protected async beforeAttempt(ctx: RequestContext): Promise<void> {
        if (this.settings.authMode === 'apisign' || this.session) return;
        await this.ensureSession(ctx);
    }

    private async ensureSession(ctx: RequestContext): Promise<Session> {
        if (this.session) return this.session;
        // login() sets the session itself, inside its limiter slot: set again here, after the slot went back, it would
        // bring back a session a call queued behind the login had meanwhile found lost.
        return this.sharedLogin.run((signal) => this.login(signal), ctx.signal);
    }

    protected async reauthenticate(err: ConnectorError, ctx: RequestContext): Promise<void> {
        const failed = (err.details as { sessionId?: string } | undefined)?.sessionId;
        // Another caller may already have renewed the session: only drop the one that failed.
        // A call sent without a session (dropped meanwhile) finds the renewed one in place and just replays.
        if (this.session && this.session.id === failed) this.session = undefined;
        // API-signature mode has no login: the replay goes with the headers alone, and they open a new session.
        if (this.settings.authMode === 'apisign') return;
        await this.ensureSession(ctx);
    }

    /**
     * API-signature mode: keeps the session a signed request opened (§1.4: its `kdservice-sessionid` and the other
     * cookies set with it), to be sent back with the headers like a login's; a later answer setting another replaces it.
     */
    private keepSignedSession(setCookie: string | string[] | undefined): void {
        const cookies = parseSetCookie(setCookie);
        const id = cookies['kdservice-sessionid'];
        if (id) {
            this.keepCookiesSecret(cookies, id);
            this.session = { id, cookies };
        } else if (this.session && Object.keys(cookies).length > 0) {
            this.keepCookiesSecret(cookies);
            this.session = { ...this.session, cookies: { ...this.session.cookies, ...cookies } };
        }
    }

    /**
     * The session (id and cookies) is as good as the password until it expires: never quoted in an error. Short
     * cookie values are settings (Theme=standard, a language), not session keys: redacting them would garble messages.
     */
    private keepCookiesSecret(cookies: Record<string, string>, ...ids: string[]): void {
        this.keepSessionSecret(...ids, ...Object.values(cookies).filter((v) => v.length >= 16));
    }

    private async login(signal: AbortSignal): Promise<Session> {
        const s = this.settings;
        const c = this.creds;
        let service: string;
        let positional: unknown[];
        let named: Record<string, unknown> | undefined;
        if (s.authMode === 'password') {
            service = A + 'ValidateUser';
            positional = [s.acctId, s.username, c.password, s.lcid];
            named = { acctid: s.acctId, username: s.username, password: c.password, lcid: s.lcid };
        } else if (s.authMode === 'appsecret') {
            service = A + 'LoginByAppSecret';
            positional = [s.acctId, s.username, s.appId, c.appSecret, s.lcid];
            named = { acctId: s.acctId, username: s.username, appId: s.appId, appSecret: c.appSecret, lcid: s.lcid };
        } else {
            service = A + 'LoginBySign';
            const ts = String(Math.floor(Date.now() / 1000));
            positional = [s.acctId, s.username, s.appId, ts, kingdeeLogin(s.acctId, s.username, s.appId!, c.appSecret!, ts, s.signAlgorithm), s.lcid];
            named = undefined; // LoginBySign: positional only (§1.1)
        }
        const body = JSON.stringify(s.bodyForm === 'positional' || !named ? { parameters: positional } : named);
        this.loginCount++;
        // `signal` (the client's lifetime) takes a login out of the queue, but one already sent is let finish: the
        // server may have opened its session, which the closing client logs out (endSession) instead of leaving it.
        // The answer is read before the login gives its slot back: a rate-limit answer (HTTP 429, a call limit) pauses the
        // account first (BaseClient.scheduleUnlessPaused), or a call queued behind the login went out into the limit.
        const { answer, status, statusCode, session } = await this.scheduleUnlessPaused(async () => {
            const res = await this.http.request({ url: this.url(service), headers: { 'Content-Type': 'application/json' }, body });
            const httpErr = this.statusError(res);
            if (httpErr) throw httpErr;
            if (res.body.startsWith('response_error:')) throw this.responseError(res.body, 'login');
            let answer: any;
            try {
                answer = parseVendorJson(res.body);
            } catch {
                // A portal's or a proxy's page: quoted, and said in the editor's language too.
                const text: Text = { key: 'kingdee-config.test.loginNotJson', vars: { server: this.settings.serverUrl, answer: this.http.quote(res.body, 120) } };
                throw textError(inEnglish, text, { system: SYSTEM, kind: 'config', code: 'BAD_LOGIN_RESPONSE' });
            }
            // A login turned away before it was checked may come in the general envelope, no LoginResultType in it: a call
            // limit (MsgCode 14) or a conflict (13) is waited out and sent again — held as a refused login, every node of
            // the account stopped for a minute with a config error at 3 a.m. —, any other a refusal quoting its Errors.
            const general = isObj(answer) && answer.LoginResultType === undefined ? responseStatusOf(answer) : undefined;
            const status = general && String(general.IsSuccess).toLowerCase() !== 'true' ? general : undefined;
            const statusCode = status ? Number(status.MsgCode) || 0 : undefined;
            const statusKind = statusCode === undefined ? undefined : classifyMsgCode(statusCode);
            if (statusKind === 'rate-limit' || statusKind === 'transient') {
                throw new ConnectorError({ system: SYSTEM, kind: statusKind, code: `MSGCODE_${statusCode}`, message: `login: ${errorsText(status!.Errors)}`, safeToRepeat: true });
            }
            // Set before the slot goes back: the call next in the queue goes with it (see readyToSend).
            const session = isObj(answer) && Number(answer.LoginResultType) === 1 ? (this.session = this.sessionOf(res.headers['set-cookie'], answer)) : undefined;
            return { answer, status, statusCode, session };
        }, signal, undefined, true); // first: ahead of the calls queued, which wait for its session (a re-login)
        if (!isObj(answer) || Number(answer.LoginResultType) !== 1) {
            const vendor = str(answer?.Message) || (status ? errorsText(status.Errors) : '');
            const code = str(answer?.MessageCode) || (statusCode !== undefined ? `MSGCODE_${statusCode}` : `LOGIN_${str(answer?.LoginResultType) || 'FAILED'}`);
            // Why, in the user's words: a text of the config node's catalog (kingdee-config.test.hint.*).
            let hint: Text | undefined;
            // The credentials refused (counted towards the user's lock, whoever sends them), or something else.
            let credentials = true;
            const locked = /次数超限|锁定|locked/i.test(vendor);
            if (locked) hint = { key: 'kingdee-config.test.hint.locked' };
            else if (/密码|password/i.test(vendor)) hint = { key: 'kingdee-config.test.hint.password' };
            else if (s.authMode === 'appsecret' && (code === '002005000003016' || /应用|密钥|app ?id|secret/i.test(vendor))) hint = { key: 'kingdee-config.test.hint.appSecret' };
            else if (code === '002005000003016' || /签名|sign/i.test(vendor)) {
                hint = s.authMode === 'sign' ? { key: 'kingdee-config.test.hint.signatureSigned', vars: { algorithm: s.signAlgorithm } } : { key: 'kingdee-config.test.hint.signature' };
                // A timestamp out of the server's window: the clock, not the credentials.
                credentials = !/过期|时间戳|timestamp|expired/i.test(vendor);
            } else {
                credentials = false;
                if (/数据中心|acct/i.test(vendor)) hint = { key: 'kingdee-config.test.hint.dataCentre' };
            }
            // The same text for the editor's button, in its language (core/config-node.ts); the vendor's reason as it said it.
            const reason = vendor || { key: 'kingdee-config.test.noReason' };
            const text: Text = { key: hint ? 'kingdee-config.test.loginRefused' : 'kingdee-config.test.loginRefusedNoHint', vars: { user: s.username, reason, ...(hint ? { hint } : {}) } };
            throw textError(inEnglish, text, { system: SYSTEM, kind: 'config', code, details: { locked, credentials } });
        }
        return session!;
    }

    /** The session a successful login's answer opens. */
    private sessionOf(setCookie: string | string[] | undefined, answer: any): Session {
        const s = this.settings;
        const cookies = parseSetCookie(setCookie);
        // An older K/3 Cloud answers no KDSVCSessionId and keeps the session in the ASP.NET_SessionId cookie alone (sent
        // back with every call, as every login cookie is); its value then stands for the session.
        const id = str(answer.KDSVCSessionId) || cookies['kdservice-sessionid'] || cookies['ASP.NET_SessionId'];
        if (!id) throw new ConnectorError({ system: SYSTEM, kind: 'config', code: 'NO_SESSION', message: 'login succeeded but the server returned no session id' });
        this.keepCookiesSecret(cookies, id);
        return { id, cookies, user: str(answer?.Context?.UserName) || s.username };
    }

    /**
     * Logs the session out (A.Logout, no parameters): a session left to idle out keeps the user logged in on the server
     * for its idle time, one more with each redeploy and each click of Test connection. A login sent before the close
     * is waited for, and its session logged out too. Best effort, before `deadline`; not sent while the account waits
     * out a rate-limit pause longer than the close's time limit (not waited for either). API-signature mode has no login, nor a logout the vendor documents for
     * it: the session its signed requests opened is left to idle out.
     */
    protected async endSession(deadline: AbortSignal): Promise<void> {
        if (this.settings.authMode === 'apisign') return;
        await this.sharedLogin.settled(deadline);
        const session = this.session;
        this.session = undefined;
        // A pause outlasting the close's time limit (a ban of hours) would hold the redeploy for the whole limit, the
        // logout never sent: the session is left to idle out at once.
        if (!session || deadline.aborted || this.limiter.pausedFor() >= endSessionLimit.ms) return;
        const logout = { url: this.url(A + 'Logout'), headers: this.sessionHeaders(session), body: JSON.stringify({ parameters: [] }) };
        await this.limiter.schedule(() => this.http.request(logout, { signal: deadline }), deadline, undefined, true);
    }

    /**
     * A `response_error:` answer: the service threw. A read or a login: `validation` when the words say the request
     * was malformed, else `business`, never retried. A write (`write`): the service may have thrown after saving (a
     * SQL timeout, a plug-in's exception in the save's later steps, the answer's own building), so unless Kingdee says
     * it could not read the request (UNREADABLE_REQUEST), nothing proves the bills were not saved: `transient`, not safe
     * to repeat, as an answer that cannot be read: its records go to output 2 marked possibly processed, never to
     * Catch as "nothing written" (whose replay would save them twice), and the duplicate guard holds their values as
     * for a lost answer.
     */
    private responseError(body: string, what: string, write = false): ConnectorError {
        const text = body.slice('response_error:'.length);
        let message = this.http.quote(text, 300);
        try {
            const j = parseVendorJson(text);
            if (isObj(j) && j.Message) message = str(j.Message);
        } catch {
            /* keep text */
        }
        if (write && !UNREADABLE_REQUEST.test(message)) {
            return new ConnectorError({ system: SYSTEM, kind: 'transient', code: 'RESPONSE_ERROR', message: `${what}: the server threw: ${message}`, safeToRepeat: false });
        }
        const malformed = /格式|参数|JSON|format|parameter|malformed/i.test(message);
        return new ConnectorError({ system: SYSTEM, kind: malformed ? 'validation' : 'business', code: 'RESPONSE_ERROR', message: `${what}: the server threw: ${message}`, safeToRepeat: false });
    }

    private headers(path: string): { headers: Record<string, string>; sessionId?: string } {
        const s = this.settings;
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (s.authMode === 'apisign') {
            const ts = Math.floor(Date.now() / 1000);
            Object.assign(headers, kingdeeApiHeaders({ path, appId: s.appId!, appSecret: this.creds.appSecret!, acctId: s.acctId, username: s.username, lcid: s.lcid, orgNum: s.orgNum, timestamp: ts, nonce: ts }));
        }
        const session = this.session;
        if (!session) return { headers };
        return { headers: { ...headers, ...this.sessionHeaders(session) }, sessionId: session.id };
    }

    /** A session as the Python SDK sends it: the `kdservice-sessionid` header and every login cookie. */
    private sessionHeaders(session: Session): Record<string, string> {
        const cookies = { 'kdservice-sessionid': session.id, ...session.cookies };
        return {
            'Content-Type': 'application/json',
            'kdservice-sessionid': session.id,
            Cookie: ['Theme=standard', ...Object.entries(cookies).map(([k, v]) => `${k}=${v}`)].join(';'),
        };
    }

    /**
     * One DynamicFormService call through the kit's limiter/retry: returns the parsed JSON. Throws `auth` on a lost
     * session (safe to repeat: the server did nothing), the MsgCode's kind on a whole-call failure; per-record
     * failures of writes are returned for the caller to split.
     */
    async invoke(operation: string, formId: string | undefined, data: Record<string, unknown>, ctx: RequestContext, write: boolean): Promise<unknown> {
        const service = D + operation;
        const url = this.url(service);
        const path = new URL(url).pathname;
        const s = this.settings;
        const body =
            formId === undefined
                ? JSON.stringify(s.bodyForm === 'positional' ? { parameters: [JSON.stringify(data)] } : { data })
                : JSON.stringify(s.bodyForm === 'positional' ? { parameters: [formId, JSON.stringify(data)] } : { formid: formId, data });
        return this.call(
            async (opts) => {
                const { headers, sessionId } = this.headers(path);
                const res = await this.http.request({ url, headers, body }, opts);
                if (res.status === 519) throw new ConnectorError({ system: SYSTEM, kind: 'config', code: 'HTTP_519', httpStatus: 519, message: `${operation}: the Kingdee API gateway rejected the request signature (HTTP 519)` });
                const httpErr = this.statusError(res);
                if (httpErr) throw httpErr;
                if (s.authMode === 'apisign') this.keepSignedSession(res.headers['set-cookie']);
                if (res.body.startsWith('response_error:')) throw this.responseError(res.body, operation, write);
                let answer: unknown;
                try {
                    answer = parseVendorJson(res.body);
                } catch {
                    // Cut short or garbled on the way (a proxy, a gateway): a write may have been performed all the same.
                    throw new ConnectorError({ system: SYSTEM, kind: 'transient', code: 'BAD_RESPONSE', message: `${operation}: the server's answer is not JSON: ${this.http.quote(res.body, 120)}`, safeToRepeat: false });
                }
                const status = operation === 'Push' ? pushStatusOf(answer) : responseStatusOf(answer);
                // A write answer naming saved records was acted on although the session was lost in its course: sent
                // again after a re-login, those would be saved twice. It is read record by record below (the next call
                // finds the session lost and logs in again).
                if (isSessionLost(status) && !(write && (status!.SuccessEntitys ?? []).length > 0)) {
                    // Sent with a kept session, the refusal may be of that session (expired on the server) rather than
                    // of the headers: it is dropped and the call replayed once with the headers alone (nothing was done).
                    if (s.authMode === 'apisign' && !sessionId) throw new ConnectorError({ system: SYSTEM, kind: 'config', code: 'MSGCODE_1', message: `${operation}: the server rejected the API signature (${errorsText(status!.Errors)}); check appId, appSecret, user, data centre and the clock` });
                    // Dropped before the slot goes back: the calls queued behind this one wait for the re-login.
                    if (s.authMode !== 'apisign' && sessionId !== undefined && this.session?.id === sessionId) this.session = undefined;
                    throw new ConnectorError({ system: SYSTEM, kind: 'auth', code: 'MSGCODE_1', message: `${operation}: ${errorsText(status!.Errors)}`, safeToRepeat: true, details: { sessionId } });
                }
                if (status && String(status.IsSuccess).toLowerCase() !== 'true') {
                    const code = Number(status.MsgCode) || 0;
                    // An answer naming saved records is read record by record whatever its MsgCode: thrown whole, a
                    // network-control conflict (13) or call limit (14) would be sent again and save those twice.
                    const saved = (status.SuccessEntitys ?? []).length > 0;
                    const perRecord = write && (saved || (PER_RECORD_CODES.has(code) && (status.Errors ?? []).some((e) => dIndexOf(e?.DIndex) !== undefined)));
                    if (!perRecord || operation === 'ExecuteBillQuery') {
                        const kind = classifyMsgCode(code);
                        const first = (status.Errors ?? []).find((e) => e?.FieldName);
                        throw new ConnectorError({
                            system: SYSTEM,
                            kind,
                            code: `MSGCODE_${code}`,
                            message: `${operation}: ${errorsText(status.Errors)}`,
                            field: first?.FieldName ?? undefined,
                            // Refused before acting: call limit, locked bill, bad parameters.
                            safeToRepeat: kind === 'rate-limit' || kind === 'validation' || code === 13,
                        });
                    }
                    // Records refused for the call limit beside saved ones: read record by record, and the account
                    // waits all the same, as after a call refused whole for it.
                    if (classifyMsgCode(code) === 'rate-limit') this.rateLimitedWithin(new ConnectorError({ system: SYSTEM, kind: 'rate-limit', code: `MSGCODE_${code}`, message: `${operation}: ${errorsText(status.Errors)}` }));
                }
                return answer;
            },
            ctx,
            { write },
        );
    }

    // ---------- ExecuteBillQuery ----------

    /** One ExecuteBillQuery call → rows as arrays in FieldKeys order. */
    async executeBillQuery(data: Record<string, unknown>, ctx: RequestContext): Promise<unknown[][]> {
        const answer = await this.invoke('ExecuteBillQuery', undefined, data, ctx, false);
        // Each row is a list of values; a list of anything else (an object from a proxy or a wrong endpoint) is not
        // an answer, and read as rows it would give records of undefined values.
        if (!Array.isArray(answer) || !answer.every(Array.isArray)) throw new ConnectorError({ system: SYSTEM, kind: 'business', code: 'BAD_RESPONSE', message: 'ExecuteBillQuery: the answer is not a list of rows' });
        return answer as unknown[][];
    }

    /**
     * Lazily pages a bill query: stable order, StartRow/Limit, until a short page; rows keyed by the requested keys.
     * `warn` hears, once per read, of one bill's rows spanning two pages while no entry id orders them (below), and,
     * once per client, of a server serving fewer rows a page than asked (below); without `warn`, the call's (`ctx.warn`).
     *
     * A server whose WebAPIMaxQueryLimit is below the Limit asked answers a page of its own limit (protocols.md §1.5,
     * paging rule 3): taken for the last page, it ended the read early (an incremental run's watermark then moved
     * past rows never read; the duplicate guard's lookups missed bills and saved them again). So a short page of at
     * least MIN_SERVED_LIMIT rows (no Kingdee server serves fewer unless its administrator set it so) is not taken
     * for the last until the next StartRow is asked, at that page's size: no rows there, it was the last (one request
     * more, only for a read ending on a page that large); rows there, the server's limit is that size: the read goes
     * on at it, the client keeps it for its later reads, and the user is told once to lower maxLimit.
     * `confirmEnd`: every short page with rows is checked so, whatever its size (a lookup that must miss no row: a
     * server an administrator set below MIN_SERVED_LIMIT would otherwise end it on its first page).
     */
    async *queryBills(params: BillQueryParams, ctx: RequestContext, progress?: (page: number) => void, warn?: (t: Text) => void, confirmEnd = false): AsyncGenerator<QueryPage<Record<string, unknown>>> {
        const keys = normaliseFieldKeys(params.FieldKeys);
        const wire = keys.map(wireFieldKey);
        const asked = Math.min(Number(params.Limit) > 0 ? Number(params.Limit) : this.settings.maxLimit, this.settings.maxLimit);
        let pageSize = Math.min(asked, this.servedLimit ?? Infinity);
        const cap = Number(params.TopRowCount) > 0 ? Number(params.TopRowCount) : Infinity;
        const warnServed = warn ?? ctx.warn;
        // Learnt by an earlier read of this client (a guard's lookup, without a node to tell): said now, once.
        if (pageSize < asked) this.warnServedLimit(asked, warnServed);
        // The page just read was short but may be the server's own limit: the next one tells (see above).
        let probing = false;
        const order = stableOrder(params.FormId, wire, params.OrderString, params.PrimaryKey);
        // Entry rows of one bill tie on the bill's key: unless an entry id is in the order, the server may order them
        // differently for each page, and a bill whose rows span two pages can lose one row and repeat another
        // (protocols.md §1.5, paging rule 1). The entity's key name depends on the form, so it cannot be added here:
        // the user is told once, when it happens (the bill key must be among the fields to see it).
        const pkParts = primaryKeyOf(params.FormId, params.PrimaryKey).split(',').map((k) => k.trim()).filter(Boolean);
        const pk = pkParts[0];
        // Rows are told apart by their values (below). Without the key among the fields, two rows of equal values (one
        // material and quantity on two bills) look alike, and a row moved onto the place of the last one emitted would
        // be taken for it and skipped: the key is asked too, after the fields, and kept beside the records (not in them).
        const hidden = pkParts.filter((k) => !wire.some((w) => w.toLowerCase() === k.toLowerCase()));
        const billKey = warn && !/_FEntryID\b/i.test(order) ? keys.find((k) => k.toLowerCase() === pk.toLowerCase()) : undefined;
        // Not among the fields, the bill key is the one asked beside them (its value in `tails`): the warning is due all the same.
        const billHidden = warn && !/_FEntryID\b/i.test(order) && billKey === undefined && hidden.length === 1 && hidden[0] === pk;
        let lastBill: unknown;
        let warned = false;
        const first = Number(params.StartRow) > 0 ? Number(params.StartRow) : 0;
        // Where the next unread row is on the server, and how many rows were emitted.
        let start = first;
        let seen = 0;
        // Rows leaving the filter while it is paged (a bill modified during an incremental read: its FModifyDate moves
        // past the window's end) move every later row up, and the first rows of the next page would slide onto the
        // page already read. So each page after the first starts one row early, at the last row emitted: found there,
        // nothing moved; found further on, rows were added before it (those before it are repeats); not found, rows
        // left before it, and the read steps back a page at a time until it finds one of the last rows it emitted.
        let recent: string[] = [];
        const checkpoints: string[] = [];
        let warnedRepeat = false;
        // A generator keeps its locals alive across every await: a page held in a loop variable would stay alive
        // while the next one is read (two pages at once, each old enough to be moved to V8's old space). The page is
        // built by billPage() and let go of as soon as it has been taken.
        let records: Record<string, unknown>[] | undefined;
        // The hidden key's values of the page's rows, when there is one.
        let tails: unknown[] | undefined;
        const id = (i: number) => rowIdentity(records![i], keys, tails?.[i]);
        const read = async (from: number, limit: number) => {
            const got = await this.billPage(keys, hidden.length, { FormId: params.FormId, FieldKeys: [...wire, ...hidden].join(','), FilterString: params.FilterString ?? '', OrderString: order, TopRowCount: 0, StartRow: from, Limit: limit, SubSystemId: params.SubSystemId ?? '' }, ctx);
            tails = got.tails;
            return got.records;
        };
        for (let page = 1; seen < cap; page++) {
            let from = seen === 0 ? start : start - 1;
            // A page after the first holds the last row emitted and at least one more (asked for one row, Limit 1, it
            // would hold that row alone and the read would never move on).
            let limit = seen === 0 ? Math.min(pageSize, cap) : Math.min(Math.max(pageSize, 2), cap - seen + 1);
            records = await read(from, limit);
            let skip = 0;
            if (seen > 0) {
                // The usual case, nothing moved: the page starts with the last row emitted (taken as such even when
                // later rows share its values).
                let resume = records.length > 0 && id(0) === recent[recent.length - 1] ? { at: 0, atCheckpoint: false } : resumePoint(records, keys, recent, checkpoints, tails);
                while (resume.at < 0 && from > first) {
                    from = Math.max(first, from - pageSize);
                    limit = pageSize;
                    records = await read(from, limit);
                    resume = resumePoint(records, keys, recent, checkpoints, tails);
                }
                if ((resume.at < 0 || resume.atCheckpoint) && !warnedRepeat) {
                    warnedRepeat = true;
                    const vars = { rows: RECENT_ROWS, form: params.FormId };
                    warn?.(resume.at < 0 ? { key: 'kingdee-bill-query.warn.rowsLeftFromStart', vars: { ...vars, start: first } } : { key: 'kingdee-bill-query.warn.rowsLeftCheckpoint', vars: { ...vars, checkpoint: CHECKPOINT_EVERY } });
                }
                skip = resume.at + 1;
            }
            // As the server answered it (the row read again at its start included), before any is skipped or cut.
            const got = records.length;
            const full = got === limit;
            progress?.(page);
            if (skip > 0 || seen + records.length > cap) {
                records = records.slice(skip, skip + cap - seen);
                tails = tails?.slice(skip, skip + cap - seen);
            }
            const count = records.length;
            if (probing) {
                probing = false;
                // Nothing after the short page: it was the last.
                if (count === 0) return;
                // More rows: the short page was the server's limit, the size this read goes on at. Learnt (for later
                // reads, and told) when the check page is full too, or the short page a round size (a multiple of
                // 500, as a limit is set): a short check page after one of another size is more likely a row saved
                // at the end while the last page was read.
                // Below MIN_SERVED_LIMIT (checked only with confirmEnd), only a size a limit is set to (a multiple of
                // 100): a check page filled by rows saved meanwhile must not leave later reads at a few rows a page.
                if ((full || pageSize % 500 === 0) && (pageSize >= MIN_SERVED_LIMIT || pageSize % 100 === 0)) {
                    this.servedLimit = pageSize;
                    this.warnServedLimit(asked, warnServed);
                }
            }
            if ((billKey !== undefined || billHidden) && count > 0) {
                const bill = (i: number) => (billKey !== undefined ? records![i][billKey] : tails?.[i]);
                const firstBill = bill(0);
                if (!warned && seen > 0 && firstBill !== undefined && firstBill !== null && firstBill === lastBill) {
                    warned = true;
                    warn!({ key: 'kingdee-bill-query.warn.entryRowsSplit', vars: { key: billKey ?? pk, bill: String(firstBill), form: params.FormId } });
                }
                lastBill = bill(count - 1);
            }
            if (count > 0) {
                const last = Math.min(count, RECENT_ROWS);
                recent = Array.from({ length: last }, (_, i) => id(count - last + i));
            }
            // Every CHECKPOINT_EVERY-th row emitted, the last CHECKPOINTS of them.
            for (let i = (CHECKPOINT_EVERY - 1 - (seen % CHECKPOINT_EVERY)); i < count; i += CHECKPOINT_EVERY) checkpoints.push(id(i));
            if (checkpoints.length > CHECKPOINTS) checkpoints.splice(0, checkpoints.length - CHECKPOINTS);
            if (count > 0) yield { records };
            records = tails = undefined;
            seen += count;
            start = from + skip + count;
            if (!full) {
                // Short, but maybe of the server's limit (see above): unless the server is known to serve as many as asked.
                if ((got >= MIN_SERVED_LIMIT || (confirmEnd && count > 0)) && limit > (this.servedLimit ?? 0) && seen < cap) {
                    probing = true;
                    pageSize = got;
                    continue;
                }
                return;
            }
        }
    }

    /** Tells the user once per client (when there is a node to tell) that the server serves fewer rows a page than asked. */
    private warnServedLimit(asked: number, warn: ((t: Text) => void) | undefined): void {
        if (this.warnedServedLimit || warn === undefined || this.servedLimit === undefined) return;
        this.warnedServedLimit = true;
        warn({ key: 'runtime.warn.serverPageLimit', vars: { served: this.servedLimit, asked, setting: 'maxLimit' } });
    }

    /**
     * One ExecuteBillQuery page as records keyed by the requested keys (the rows are let go of on return), and the
     * values of the `hidden` keys asked after them, one per row (a list when several), when there are any.
     */
    private async billPage(keys: string[], hidden: number, data: Record<string, unknown>, ctx: RequestContext): Promise<{ records: Record<string, unknown>[]; tails: unknown[] | undefined }> {
        const rows = await this.executeBillQuery(data, ctx);
        const records = rows.map((r) => {
            const o: Record<string, unknown> = {};
            keys.forEach((k, i) => (o[k] = convertNetDate(Array.isArray(r) ? r[i] : undefined)));
            return o;
        });
        const n = keys.length;
        return { records, tails: hidden === 0 ? undefined : rows.map((r) => (hidden === 1 ? r[n] : r.slice(n))) };
    }

    /**
     * All rows of a query (small lookups: the duplicate guard, a push's targets): a short page is the last only once
     * the next StartRow is found empty (one request more when rows were found), since a row missed here is a bill
     * saved or pushed twice.
     */
    async queryAll(params: BillQueryParams, ctx: RequestContext): Promise<Record<string, unknown>[]> {
        const out: Record<string, unknown>[] = [];
        for await (const p of this.queryBills(params, ctx, undefined, undefined, true)) out.push(...p.records);
        return out;
    }

    /**
     * Duplicate guard: which of `values` already exist in `formId` under `field` (FBillNo or a source-id field), among
     * the bills of one organisation when `org` is given (its field, and its number or id); → value → {Id, Number} of the
     * first bill found (billsByField).
     */
    async existingBills(formId: string, field: string, values: string[], ctx: RequestContext, primaryKey?: string, org?: OrgScope): Promise<Map<string, { Id: string; Number: string }>> {
        const found = new Map<string, { Id: string; Number: string }>();
        for (const [v, bills] of await this.billsByField(formId, field, values, ctx, { primaryKey, setting: 'duplicateField', org })) found.set(v, bills[0]);
        return found;
    }

    /**
     * The bills of `formId` holding each of `values` in `field` (billsOf), → value → its bills {Id, Number}, for
     * values with bills. `org`: only the bills of that organisation (a basic-data field of the header, matched by its
     * number or its id).
     */
    async billsByField(formId: string, field: string, values: string[], ctx: RequestContext, opts: { primaryKey?: string; setting: string; org?: OrgScope }): Promise<Map<string, Array<{ Id: string; Number: string }>>> {
        const lists = await this.billsOf(formId, field, values.map((value) => ({ value, org: opts.org })), ctx, opts);
        const found = new Map<string, Array<{ Id: string; Number: string }>>();
        values.forEach((v, i) => lists[i].length > 0 && found.set(v, lists[i]));
        return found;
    }

    /**
     * The bills of `formId` holding each ask's value in `field`, among the bills of its organisation when it names one
     * (the duplicate guard; the push's targets of sources already pushed, by their source-number field): one list per
     * ask, each bill {Id, Number} once (an entry field matches once per entry line), in key order. Looked up with
     * ExecuteBillQuery `field in (…)` in slices of 200 values, quoted, for every organisation at once: when the asks
     * name several (or some name none) the organisation field is asked beside (its FNumber, or the field itself for its
     * id) and each bill goes to the asks of its own organisation. Bills answer with FID/FBillNo; basic-data forms
     * (BD_MATERIAL …) have neither, so their own key and FNumber are asked. `setting` names the node setting the field
     * comes from, in the error refusing one that is no field key. `statusKey`: that field of each bill is asked beside
     * and given as its `status` (a push's targets: FDocumentStatus, a draft's Z).
     */
    async billsOf(formId: string, field: string, asks: Array<{ value: string; org?: OrgScope }>, ctx: RequestContext, opts: { primaryKey?: string; setting: string; statusKey?: string }): Promise<Array<Array<{ Id: string; Number: string; status?: string }>>> {
        const basic = BASEDATA_KEYS[formId.toLowerCase()];
        const pk = primaryKeyOf(formId, opts.primaryKey);
        const numberKey = basic ? 'FNumber' : 'FBillNo';
        const found = asks.map(() => [] as Array<{ Id: string; Number: string; status?: string }>);
        const unique = [...new Set(asks.map((a) => a.value).filter((v) => v !== ''))];
        if (!/^[A-Za-z_][\w.]*$/.test(field)) throw new ConnectorError({ system: SYSTEM, kind: 'validation', code: 'INVALID_INPUT', field: opts.setting, message: `${opts.setting}: "${field}" is not a field key` });
        const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
        for (const a of asks) if (a.org && !/^[A-Za-z_]\w*$/.test(a.org.field)) throw new ConnectorError({ system: SYSTEM, kind: 'validation', code: 'INVALID_INPUT', field: 'duplicateOrgField', message: `duplicateOrgField: "${a.org.field}" is not a field key` });
        // Where the asks look: one organisation (filtered by the server, as before), or several (or all: an ask naming
        // none), each row's organisation then asked beside and matched here.
        const orgKeyOf = (org: OrgScope) => (org.id !== undefined ? org.field : `${org.field}.FNumber`);
        const orgValueOf = (org: OrgScope) => (org.id !== undefined ? String(org.id) : collated(org.number));
        const scopes = new Map<string, OrgScope | undefined>();
        for (const a of asks) scopes.set(a.org ? JSON.stringify([orgKeyOf(a.org).toLowerCase(), orgValueOf(a.org)]) : '', a.org);
        const everywhere = scopes.has('');
        const only = scopes.size === 1 ? [...scopes.values()][0] : undefined;
        const orgs = [...scopes.values()].filter((o): o is OrgScope => o !== undefined);
        let orgFilter = '';
        if (only) orgFilter = only.id !== undefined ? ` and ${only.field} = ${only.id}` : ` and ${only.field}.FNumber = ${quote(only.number)}`;
        else if (!everywhere && orgs.length > 0) {
            const terms = new Map<string, string[]>();
            for (const o of orgs) terms.set(orgKeyOf(o), [...(terms.get(orgKeyOf(o)) ?? []), o.id !== undefined ? String(o.id) : quote(o.number)]);
            orgFilter = ` and (${[...terms].map(([k, list]) => `${k} in (${list.join(',')})`).join(' or ')})`;
        }
        const orgKeys = scopes.size > 1 ? orgs.map(orgKeyOf) : [];
        const inOrg = (row: Record<string, unknown>, org: OrgScope | undefined) => !org || orgKeys.length === 0 || collated(str(row[orgKeyOf(org)])) === orgValueOf(org);
        for (let i = 0; i < unique.length; i += 200) {
            const slice = unique.slice(i, i + 200);
            const filter = `${field} in (${slice.map(quote).join(',')})` + orgFilter;
            const keys = [...new Set([field, pk, numberKey, ...orgKeys, ...(opts.statusKey ? [opts.statusKey] : [])])];
            for (const row of await this.queryAll({ FormId: formId, FieldKeys: keys, FilterString: filter, PrimaryKey: pk }, ctx)) {
                const v = str(row[field]);
                const hit = { Id: str(row[pk]), Number: str(row[numberKey]), ...(opts.statusKey ? { status: str(row[opts.statusKey]) } : {}) };
                // The database compares text ignoring case and trailing spaces (SQL Server's default collation): the
                // row is the bill of every value asked equal to its own that way, not only of the one spelt as it is;
                // missed, those would be saved a second time.
                const owners = asks.flatMap((a, k) => (collated(a.value) === collated(v) ? [k] : []));
                const own = owners.filter((k) => inOrg(row, asks[k].org));
                // A row without its key, or one the filter matched that is none of the values (or organisations) asked
                // even so (the database folds more than that: full-width letters; a number field's '001' is 1): whose
                // bill it is cannot be told, and taken for nobody's, the duplicate guard would save it again. (A row of
                // one asked organisation holding another's value is no answer to any ask: the filter pairs them all.)
                if (hit.Id === '' || owners.length === 0 || (orgKeys.length > 0 && !everywhere && !orgs.some((o) => inOrg(row, o)))) {
                    const which = hit.Id === '' ? `a row without its ${pk}` : owners.length === 0 ? `a bill (${pk} ${hit.Id}) whose ${field} "${v}" is none of the values asked` : `a bill (${pk} ${hit.Id}) of an organisation (${orgKeys.map((k) => `${k} "${str(row[k])}"`).join(', ')}) none of those asked`;
                    throw new ConnectorError({ system: SYSTEM, kind: 'business', code: 'BAD_RESPONSE', field: opts.setting, message: `ExecuteBillQuery: looking up ${formId} by ${field}, the server answered ${which}: which record's bill it is cannot be told (check ${opts.setting}, and that field's values in Kingdee)` });
                }
                for (const k of own) if (!found[k].some((b) => b.Id === hit.Id)) found[k].push(hit);
            }
        }
        return found;
    }

    // ---------- BatchSave ----------

    /** BatchSave of `models`; one outcome per model, matched by DIndex. */
    async batchSave(formId: string, models: Record<string, unknown>[], options: Record<string, unknown>, ctx: RequestContext): Promise<RecordOutcome[]> {
        const data: Record<string, unknown> = { ...options, Model: models };
        const answer = await this.invoke('BatchSave', formId, data, ctx, true);
        const status = responseStatusOf(answer);
        if (!status) throw new ConnectorError({ system: SYSTEM, kind: 'transient', code: 'BAD_RESPONSE', message: 'BatchSave: the answer has no ResponseStatus', safeToRepeat: false });
        const returnDataOf = pairReturnData((answer as any)?.Result?.NeedReturnData, status.SuccessEntitys ?? []);
        return this.withoutSecretsIn(splitOutcomes(models.length, status, (e, i) => {
            const returnData = returnDataOf(e);
            return { Id: str(e.Id), Number: str(e.Number ?? e.BillNo), ...(returnData !== undefined ? { returnData } : {}), model: models[i] };
        }, 'BatchSave'));
    }

    // ---------- Push ----------

    /**
     * One Push request for sources all named one way (the server reads only one of Numbers, Ids and EntryIds, EntryIds
     * first, so a chunk naming them several ways takes one request per kind: see kingdee-push); outcomes matched
     * by DIndex.
     */
    async push(formId: string, kind: PushSourceKind, values: string[], options: Record<string, unknown>, ctx: RequestContext): Promise<RecordOutcome[]> {
        const data: Record<string, unknown> = { ...options, Ids: kind === 'Id' ? values.join(',') : '', Numbers: kind === 'Number' ? values : [], EntryIds: kind === 'EntryId' ? values.join(',') : '' };
        const answer = await this.invoke('Push', formId, data, ctx, true);
        const status = pushStatusOf(answer);
        if (!status) throw new ConnectorError({ system: SYSTEM, kind: 'transient', code: 'BAD_RESPONSE', message: 'Push: the answer has no ResponseStatus', safeToRepeat: false });
        const target = (e: SuccessEntity) => ({ Id: str(e.Id), Number: str(e.Number ?? e.BillNo) });
        // A source made into several target bills: the first's Id and Number, and `targets` listing them all.
        return this.withoutSecretsIn(splitOutcomes(values.length, status, (e, k, all) => ({ ...target(e), FormId: options.TargetFormId ?? null, source: { FormId: formId, [kind]: values[k] }, ...(all.length > 1 ? { targets: all.map(target) } : {}) }), 'Push'));
    }

    /**
     * The saved records' requestErrors (Kingdee's words for no record, which may quote the request back) without a
     * kept secret: they go out on output 1 and into a warning. (A record's refusal is redacted by the endpoint.)
     */
    private withoutSecretsIn(outcomes: RecordOutcome[]): RecordOutcome[] {
        for (const o of outcomes) {
            if (!o.ok || !isObj(o.result) || !Array.isArray(o.result.requestErrors)) continue;
            const errors = o.result.requestErrors as KdError[];
            o.result = { ...o.result, requestErrors: errors.map((e) => (isObj(e) && typeof e.Message === 'string' ? { ...e, Message: this.withoutSecrets(e.Message) } : e)) };
        }
        return outcomes;
    }

    async checkConnection(ctx: RequestContext): Promise<ConnectionCheck> {
        let who = this.settings.username;
        if (this.settings.authMode !== 'apisign') who = (await this.ensureSession(ctx)).user ?? who;
        const rows = await this.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE', FilterString: " FNUMBER='PRE001' ", TopRowCount: 0, StartRow: 0, Limit: 0 }, ctx);
        const code = Array.isArray(rows[0]) ? str(rows[0][0]) : '';
        // The way of logging in by its name in the editor's language (a zh-CN editor showed "sign", "password").
        const vars = { acctId: this.settings.acctId, user: String(who ?? ''), authMode: { key: `kingdee-config.test.mode.${this.settings.authMode}` }, code };
        const key = code ? 'connected' : 'noCurrency';
        return { message: inEnglish(`kingdee-config.test.${key}`, vars), key, vars };
    }
}

/** FieldKeys as a list: a comma string or an array of strings. */
export function normaliseFieldKeys(v: unknown): string[] {
    const list = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : undefined;
    if (!list) throw new ConnectorError({ system: SYSTEM, kind: 'validation', code: 'INVALID_INPUT', field: 'FieldKeys', message: 'FieldKeys: must be a comma-separated string or a list of field keys' });
    const keys = list.map((k) => {
        if (typeof k !== 'string') throw new ConnectorError({ system: SYSTEM, kind: 'validation', code: 'INVALID_INPUT', field: 'FieldKeys', message: 'FieldKeys: every field key must be a string' });
        return k.trim();
    }).filter(Boolean);
    if (keys.length === 0) throw new ConnectorError({ system: SYSTEM, kind: 'validation', code: 'INVALID_INPUT', field: 'FieldKeys', message: 'FieldKeys: at least one field key is required' });
    for (const k of keys) if (!/^[A-Za-z_][\w.]*$/.test(k)) throw new ConnectorError({ system: SYSTEM, kind: 'validation', code: 'INVALID_INPUT', field: 'FieldKeys', message: `FieldKeys: "${k}" is not a field key` });
    return keys;
}

/**
 * The fewest rows a page a short page must hold to be checked for being the server's own limit rather than the last
 * page (queryBills): Kingdee servers serve 2000 (10 000 from 23.11) unless their administrator lowered it; 1000 leaves
 * room for that, while a read ending on a smaller page (most reads) costs no request more. Lookups that must miss no
 * row (queryAll: the duplicate guard's, a push's targets) check every short page with rows, whatever its size.
 */
const MIN_SERVED_LIMIT = 1000;

/** How many of the last rows emitted a bill query looks for when it checks where the next page starts. */
const RECENT_ROWS = 20;
/**
 * Beyond those, every CHECKPOINT_EVERY-th row emitted is remembered, the last CHECKPOINTS of them (10,000 rows
 * back): when all of the last rows left the result, the read goes on from the latest of these still in it.
 */
const CHECKPOINT_EVERY = 50;
const CHECKPOINTS = 200;

/** A row's values as text: what tells two rows of one query apart (with the key, asked beside them when not among them). */
function rowIdentity(row: Record<string, unknown>, keys: string[], tail?: unknown): string {
    const values = keys.map((k) => row[k]);
    if (tail !== undefined) values.push(tail);
    return JSON.stringify(values);
}

/**
 * Where the rows already emitted end on a page that did not start with the last of them (rows moved, or a page read
 * again further back): the index of the last row emitted, or −1 when no row emitted is known to be on the page.
 * `recent` are the last rows emitted, oldest first. The most recent of them found on the page wins (the ones after it
 * left the result); when several rows of the page have its values (a bill's identical entry lines, when no key is
 * among the fields), the one whose preceding rows match the rows emitted before it for longest is taken, the earliest
 * of those: an unread row that only shares the values is not mistaken for it. When none of them is on the page, the
 * most recent of the sparser `checkpoints` (earlier rows emitted, oldest first) found is taken, at its earliest place
 * (`atCheckpoint`): what follows it up to where the read had got is emitted again, rather than anything unread skipped.
 */
export function resumePoint(rows: Record<string, unknown>[], keys: string[], recent: string[], checkpoints: string[], tails?: unknown[]): { at: number; atCheckpoint: boolean } {
    const ids = rows.map((r, i) => rowIdentity(r, keys, tails?.[i]));
    for (let j = recent.length - 1; j >= 0; j--) {
        let best = -1;
        let bestRun = 0;
        for (let i = 0; i < ids.length; i++) {
            if (ids[i] !== recent[j]) continue;
            let run = 1;
            while (i - run >= 0 && j - run >= 0 && ids[i - run] === recent[j - run]) run++;
            if (run > bestRun) {
                best = i;
                bestRun = run;
            }
        }
        if (best >= 0) return { at: best, atCheckpoint: false };
    }
    for (let j = checkpoints.length - 1; j >= 0; j--) {
        const i = ids.indexOf(checkpoints[j]);
        if (i >= 0) return { at: i, atCheckpoint: true };
    }
    return { at: -1, atCheckpoint: false };
}

type SuccessEntity = NonNullable<KdStatus['SuccessEntitys']>[number];

/**
 * NeedReturnData → the saved bill (SuccessEntity) each item is of. An item naming its bill (FID or FBillNo, as
 * NeedReturnFields usually ask) goes to the entity of that Id or Number, whatever the order of either list: the
 * entities may come out of order (lenient answers list DIndex 2 before 0) while the items follow the bills as saved,
 * and paired by position, one record got another bill's FID and FBillNo (written back to the wrong source order).
 * Items naming no bill are paired by position only when the entities are in DIndex order and the counts agree (either
 * list's order then gives the same pairs); otherwise, or when an item names another bill than its entity, none is given.
 */
function pairReturnData(returnData: unknown, successes: SuccessEntity[]): (e: SuccessEntity) => unknown {
    const none = () => undefined;
    if (!Array.isArray(returnData) || returnData.length === 0) return none;
    const keyed = (item: unknown, name: string) => {
        if (!isObj(item)) return undefined;
        const k = Object.keys(item).find((x) => x.toLowerCase() === name);
        return k === undefined || isBlankValue(item[k]) ? undefined : str(item[k]);
    };
    const named = returnData.map((item) => ({ id: keyed(item, 'fid'), number: keyed(item, 'fbillno') }));
    if (named.every((n) => n.id !== undefined || n.number !== undefined)) {
        return (e) => {
            const id = str(e?.Id);
            const number = str(e?.Number ?? e?.BillNo);
            const hits = returnData.filter((_, k) => (named[k].id === undefined || named[k].id === id) && (named[k].number === undefined || collated(named[k].number!) === collated(number)) && (named[k].id !== undefined ? id !== '' : number !== ''));
            return hits.length === 1 ? hits[0] : undefined;
        };
    }
    const positions = successes.map((e) => dIndexOf(e?.DIndex));
    const inOrder = positions.every((p, k) => p !== undefined && (k === 0 || p > positions[k - 1]!));
    if (!inOrder || returnData.length !== successes.length) return none;
    return (e) => returnData[successes.indexOf(e)];
}

/** Per msg, the texts of errors naming no record already warned of. */
const warnedRequestErrors = new WeakMap<object, Set<string>>();

/**
 * Warns of the errors naming no record that saved records of a chunk carry (requestErrors), each text once per msg
 * (a msg of many chunks may get the same one for each): `warn` gets their texts.
 */
export function warnRequestErrors(msg: object, outcomes: Array<RecordOutcome | undefined>, warn: (errors: string) => void): void {
    const warned = warnedRequestErrors.get(msg) ?? new Set<string>();
    const fresh = new Set<string>();
    for (const o of outcomes) {
        const list = o?.ok && isObj(o.result) && Array.isArray(o.result.requestErrors) ? (o.result.requestErrors as KdError[]) : [];
        for (const e of list) {
            const text = errorsText([e]);
            if (!warned.has(text)) fresh.add(text);
        }
    }
    if (fresh.size === 0) return;
    for (const text of fresh) warned.add(text);
    warnedRequestErrors.set(msg, warned);
    warn([...fresh].join('; '));
}

/**
 * Matches SuccessEntitys and Errors back to the n sent records by DIndex. `result` gets the first entity listed for a
 * record and all of them (a Push may make several target bills of one source).
 */
function splitOutcomes(n: number, status: KdStatus, result: (e: SuccessEntity, i: number, all: SuccessEntity[]) => unknown, op: string): RecordOutcome[] {
    const out: RecordOutcome[] = new Array(n);
    const errs = new Map<number, KdError[]>();
    // Errors naming no record of the chunk (no DIndex, or one outside it): their text goes to the records left without an outcome.
    const unattributed: KdError[] = [];
    for (const e of status.Errors ?? []) {
        const i = dIndexOf(e?.DIndex);
        if (i !== undefined && Number.isInteger(i) && i >= 0 && i < n) errs.set(i, [...(errs.get(i) ?? []), e]);
        else unattributed.push(e);
    }
    const code = Number(status.MsgCode) || 0;
    const successes = status.SuccessEntitys ?? [];
    // Positions outside the chunk beside saved bills: the answer does not number the records as they were sent (say
    // from 1), so which record each saved bill is cannot be told; matched by DIndex all the same, a refused record
    // would be reported saved as another's bill. Every record is possibly processed, the bills listed with them.
    const outside = [...successes, ...(status.Errors ?? [])].map((e) => dIndexOf(e?.DIndex)).filter((i): i is number => i !== undefined && !(Number.isInteger(i) && i >= 0 && i < n));
    if (successes.length > 0 && outside.length > 0) {
        const bills = successes.map((e) => str(e?.Number ?? e?.BillNo) || str(e?.Id)).join(', ');
        const error = new ConnectorError({
            system: SYSTEM,
            kind: 'business',
            code: 'OUTCOME_MISMATCH',
            message: `${op}: the answer places records at positions outside the ${n} sent (DIndex ${[...new Set(outside)].join(', ')}): which record each bill it lists as saved (${bills}) belongs to cannot be told${status.Errors?.length ? ` (errors: ${errorsText(status.Errors)})` : ''}; check Kingdee before replaying`,
            safeToRepeat: false,
            possiblyProcessed: true,
            details: { saved: successes, errors: status.Errors ?? [] },
        });
        return Array.from({ length: n }, () => ({ ok: false, error }));
    }
    // Nothing saved and only the first record blamed, of several: the server refused the call as a whole (a wrong
    // form id, no conversion rule) and reports it at DIndex 0. Every record gets that reason, through the whole msg.
    if (n > 1 && successes.length === 0 && errs.size === 1 && errs.has(0)) {
        const list = errs.get(0)!;
        throw new ConnectorError({
            system: SYSTEM,
            kind: classifyMsgCode(code || 4),
            code: `MSGCODE_${code}`,
            message: `${op}: ${errorsText(list)} (the call was refused as a whole: nothing was saved)`,
            field: list.find((e) => e.FieldName)?.FieldName ?? undefined,
            safeToRepeat: true,
            details: { errors: list },
        });
    }
    // Records listed as saved and refused both (saved, then the automatic audit failed under IsAutoSubmitAndAudit):
    // the bill may exist, so they are not to be replayed blindly.
    const savedToo = new Map<number, SuccessEntity>();
    // Several entities at one DIndex are all kept: one overwriting the other hid a target bill Kingdee made.
    const saves = new Map<number, SuccessEntity[]>();
    for (const e of successes) {
        const i = dIndexOf(e?.DIndex);
        if (i === undefined || !Number.isInteger(i) || i < 0 || i >= n) continue;
        const listed = saves.get(i);
        if (listed) listed.push(e);
        else saves.set(i, [e]);
    }
    // Errors naming no record beside saved ones (an automatic submit or audit failing, a warning): no saved bill is
    // failed for them, but each carries them, so that they are seen.
    const savedResult = (i: number, all: SuccessEntity[]) => {
        const r = result(all[0], i, all);
        return unattributed.length > 0 && isObj(r) ? { ...r, requestErrors: unattributed } : r;
    };
    for (const [i, all] of saves) {
        if (errs.has(i)) savedToo.set(i, all[0]);
        else out[i] = { ok: true, result: savedResult(i, all) };
    }
    for (let i = 0; i < n; i++) {
        if (out[i]) continue;
        const list = errs.get(i);
        const saved = savedToo.get(i);
        out[i] = {
            ok: false,
            error: new ConnectorError({
                system: SYSTEM,
                kind: list ? classifyMsgCode(code || 4) : 'business',
                code: list ? `MSGCODE_${code}` : 'NO_OUTCOME',
                message: list
                    ? `${errorsText(list)}${saved ? ` (also listed as saved${saved.Number ? ` as ${saved.Number}` : ''}${saved.Id ? `, Id ${saved.Id}` : ''}: check Kingdee before replaying)` : ''}`
                    : `${op}: the server reported neither success nor an error for this record${unattributed.length ? ` (errors naming no record: ${errorsText(unattributed)})` : ''}; it may have been processed: check Kingdee before replaying`,
                field: list?.find((e) => e.FieldName)?.FieldName ?? undefined,
                safeToRepeat: false,
                // The server acted on the request and did not say what became of this record, or said it saved it as
                // well as refused it: it may have been saved.
                possiblyProcessed: !list || saved !== undefined,
                details: list ? { errors: list, ...(saved ? { saved } : {}) } : unattributed.length ? { errors: unattributed } : undefined,
            }),
        };
    }
    return out;
}
