/**
 * Jackyun (吉客云) client, two modes (protocols.md §2, §3.3–3.5):
 *  - direct: POST form to open.jackyun.com/open/openapi/do, Jackyun md5 sign with the Jackyun secret;
 *  - qimen:  POST to the Qimen app's /router/qm; TOP system parameters in the query, `content` + inner jky* parameters
 *            in the form; jkysign with the Jackyun secret, outer TOP sign (md5 | hmac | hmac-sha256) with the Qimen secret.
 * Both answers are normalised to Jackyun's `result` ({data, scrollId?}); errors are classified as §2.3 and §3.5 say.
 */
import path from 'path';
import { BaseClient, ClientSettings, ConnectionCheck, ConnectorError, ErrorKind, FREQUENCY_TEXT, QueryPage, isBusyAnswer, isBlankValue, RequestContext, chinaTime, dedupeBy, emptyPageError, english, textError, missingListError, pageNumbers, shortPageWarning, splitWindow, parseChinaTime, toEpochEndMs, toEpochMs, urlQueryProblem, validationError, parseVendorJson, type Text } from '../core';
import { jackyun as jackyunSign, jackyunViaQimen } from './sign';
import { top as topSign, TopSignMethod, TOP_SIGN_METHODS } from '../qimen/sign';
import { topErrorKind, topGatewayError } from '../qimen/gateway';

export const JACKYUN_DIRECT_URL = 'https://open.jackyun.com/open/openapi/do';
export const TRADE_METHOD = 'jackyun.tradenotsensitiveinfos.list.get';
export const WINDOW_MAX_MS = 7 * 86400000;
const SYSTEM = 'jackyun';
/**
 * The config node's catalog in English: the settings it refuses and the refusals the test button shows are its texts
 * (jackyun-config.test.*), which the button shows in the editor's language (details.text, core/config-node.ts).
 */
const inEnglish = english(path.join(__dirname, 'jackyun-config.js'));
const CATALOG = { type: 'jackyun-config', inEnglish };

export type JackyunMode = 'direct' | 'qimen';

export interface JackyunSettings {
    mode: JackyunMode;
    /** direct: the open-API URL; qimen: the Qimen app's /router/qm URL. */
    gatewayUrl: string;
    /** Jackyun app key (direct `appkey`, Qimen `jkyappkey`). */
    appKey: string;
    /** `version` sent in direct mode (`v1.0`). */
    version?: string;
    qimenAppKey?: string;
    targetAppKey?: string;
    customerId?: string;
    partnerId?: string;
    signMethod?: TopSignMethod;
    /** Largest pageSize ever sent (the server's cap); blank: 200. */
    maxPageSize?: number | string;
}

export interface JackyunCredentials {
    appSecret?: string;
    qimenSecret?: string;
}

/** Jackyun's `result` after normalisation. */
export interface JackyunResult {
    data: Record<string, unknown>;
    scrollId?: string;
    raw: Record<string, unknown>;
}

/** Time-range pairs of jackyun.tradenotsensitiveinfos.list.get; the first two are aliases of the modified range. */
const RANGE_PAIRS: Array<[string, string]> = [
    ['modified_begin', 'modified_end'],
    ['startModified', 'endModified'],
    ['startCreated', 'endCreated'],
    ['startAuditTime', 'endAuditTime'],
    ['startConsignTime', 'endConsignTime'],
];

/** The trade's own time each range selects on (seed 000 response fields), by the range's start parameter. */
const RANGE_FIELDS: Record<string, string> = { modified_begin: 'gmtModified', startModified: 'gmtModified', startCreated: 'gmtCreate', startAuditTime: 'auditTime', startConsignTime: 'consignTime' };

/**
 * Jackyun `code != 200` and Qimen `flag=failure` (§2.3): signature/appkey/subscription → config, frequency → rate-limit,
 * a server saying it is busy → transient (core isBusyAnswer: the read is asked again, not failed as business).
 */
export function classifyJackyun(text: string, code = ''): ErrorKind {
    // A frequency text is a rate limit even when it names the appkey (core FREQUENCY_TEXT).
    if (FREQUENCY_TEXT.test(text)) return 'rate-limit';
    if (isBusyAnswer(code, text)) return 'transient';
    // `sign` as a word's start only (or Qimen's inner `jkysign`): startConsignTime (a business refusal naming a field)
    // is no signature text. A timestamp refused is the clock's (§0: clock skew is config), not the request's.
    if (/签名|(?<![a-z])(?:jky)?sign|appkey|app_key|未授权|权限|未订阅|订阅|permission|unauthori[sz]ed|时间戳|(?<![a-z])timestamp/i.test(text)) return 'config';
    // Looser words than FREQUENCY_TEXT: only after the account words. A count of calls within one clause (超过每秒1次),
    // not "超过7天，请缩小范围后再次查询" (a window too long, which no retry mends); a limit on calls, not a page size's.
    if (/超过[^，。,;；]{0,10}(?<!再)次|frequen|(?:call|request|access|api|qps)s?\s*limit|limited\b/i.test(text)) return 'rate-limit';
    return 'business';
}

function parseMaybeJson(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    const t = value.trim();
    if (!t.startsWith('{') && !t.startsWith('[')) return value;
    try {
        return parseVendorJson(t);
    } catch {
        return value;
    }
}

function isObj(v: unknown): v is Record<string, any> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value under `key` whatever its casing (`trades`, `Trades`, `TRADES`). */
export function pick(obj: Record<string, unknown>, key: string): unknown {
    if (key in obj) return obj[key];
    const lower = key.toLowerCase();
    for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
    return undefined;
}

function asArray(v: unknown): unknown[] {
    const parsed = parseMaybeJson(v);
    if (Array.isArray(parsed)) return parsed;
    if (parsed === undefined || parsed === null || parsed === '') return [];
    return [parsed];
}

/**
 * A count of the answer (totalResults): a number or numeric text, else undefined. Jackyun writes null fields out
 * (`"data":null` in its error envelope), and Number(null) is 0: a total of 0 would end the read after its first page.
 */
function countOf(v: unknown): number | undefined {
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
}

/** Jackyun's envelope {code, msg, subCode, result} (§2.3), not a `result` ({data, contextId}) or a Qimen response. */
function isJackyunEnvelope(v: Record<string, unknown>): boolean {
    // An error worded with `message` (as Qimen words its own) is one too when no data sits beside it: read as a
    // result, it would pass for a window without trades.
    return 'code' in v && ('result' in v || 'msg' in v || 'subCode' in v || ('message' in v && !('data' in v)));
}

const hasOwn = (obj: object, key: string) => Object.prototype.hasOwnProperty.call(obj, key);

/**
 * The key of `obj` that equals `lower` ignoring case (`goodsdetail` → `goodsDetail`, `GoodsDetail`, …). Keys of
 * another length are skipped without lower-casing them: a goods line has ~100 keys and this runs for every line.
 */
function keyLike(obj: Record<string, unknown>, exact: string, lower: string): string | undefined {
    if (hasOwn(obj, exact)) return exact;
    for (const k in obj) if (k.length === lower.length && k.toLowerCase() === lower) return k;
    return undefined;
}

/** A copy of `obj` with `from` renamed to `to` in place of order (the rare case of a key in another casing). */
function renamed(obj: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k in obj) out[k === from ? to : k] = obj[k];
    return out;
}

/** A goods line: tradeOrderPayList always an array, each pay's tradeOrderColumnExt parsed when it came as JSON text. */
function normaliseLine(raw: unknown): Record<string, unknown> {
    if (!isObj(raw)) return { tradeOrderPayList: [] };
    let line = raw;
    const key = keyLike(line, 'tradeOrderPayList', 'tradeorderpaylist');
    if (key !== undefined && key !== 'tradeOrderPayList') line = renamed(line, key, 'tradeOrderPayList');
    const value = line.tradeOrderPayList;
    const pays = Array.isArray(value) ? value : asArray(value);
    for (let i = 0; i < pays.length; i++) {
        const pay = pays[i];
        if (!isObj(pay)) pays[i] = {};
        else if (typeof pay.tradeOrderColumnExt === 'string') pay.tradeOrderColumnExt = parseMaybeJson(pay.tradeOrderColumnExt);
    }
    if (value !== pays) line.tradeOrderPayList = pays;
    return line;
}

/**
 * One trade in seed 000's response shape: `TradeNo`, goodsDetail[] with tradeOrderPayList[] kept as arrays.
 * Works on a freshly parsed answer, in place: a record already in shape is returned as it is (no copy; a page holds
 * 1000 trades of ~100-key lines), and an object is rebuilt only when a key arrives in another casing.
 */
export function normaliseTrade(raw: unknown): Record<string, unknown> {
    if (!isObj(raw)) return { goodsDetail: [] };
    let t = raw;
    // The usual casings are looked up directly; the keys are scanned only when neither is there.
    const rename = hasOwn(t, 'tradeNo') || (!hasOwn(t, 'TradeNo') && keyLike(t, 'TradeNo', 'tradeno') !== undefined);
    const goodsKey = keyLike(t, 'goodsDetail', 'goodsdetail');
    if (rename || (goodsKey !== undefined && goodsKey !== 'goodsDetail')) {
        // Seed 000 names the number `TradeNo` (the API sends `tradeNo`); an existing `TradeNo` wins.
        const out: Record<string, unknown> = {};
        for (const k in t) {
            if (k.length === 7 && k.toLowerCase() === 'tradeno') {
                if (out.TradeNo === undefined) out.TradeNo = t.TradeNo !== undefined ? t.TradeNo : t[k];
            } else {
                out[k === goodsKey ? 'goodsDetail' : k] = t[k];
            }
        }
        t = out;
    }
    const value = t.goodsDetail;
    const goods = Array.isArray(value) ? value : asArray(value);
    for (let i = 0; i < goods.length; i++) goods[i] = normaliseLine(goods[i]);
    if (value !== goods) t.goodsDetail = goods;
    return t;
}

/** One page of the trade query. */
interface TradePage {
    records: Record<string, unknown>[];
    total?: number;
    scrollId?: string;
}

/** A validated time range of the request. */
interface Range {
    begin: string;
    end: string;
    from: number;
    to: number;
}

/** Progress of a trade query: the page read now (from 1), in window `window` of `windows` (a long range is split). */
export type TradeProgress = (page: number, window: number, windows: number) => void;

export class JackyunClient extends BaseClient {
    readonly settings: Required<Pick<JackyunSettings, 'mode' | 'gatewayUrl' | 'appKey' | 'version' | 'signMethod'>> & JackyunSettings & { maxPageSize: number };

    constructor(
        clientSettings: ClientSettings,
        settings: JackyunSettings,
        private readonly creds: JackyunCredentials,
    ) {
        super(clientSettings);
        this.keepSecret(creds.appSecret, creds.qimenSecret);
        // A setting refused naming it: a text of the catalog (jackyun-config.test.setting.<name>), or the core's English.
        const cfg = (field: string, problem: string | { name: string; vars?: Record<string, string> }) => {
            if (typeof problem === 'string') return new ConnectorError({ system: SYSTEM, kind: 'config', code: 'CONFIG', field, message: `${field}: ${problem}` });
            const text: Text = { key: `jackyun-config.test.setting.${problem.name}`, vars: { field, ...problem.vars } };
            return textError(inEnglish, text, { system: SYSTEM, kind: 'config', code: 'CONFIG', field });
        };
        if (settings.mode !== 'direct' && settings.mode !== 'qimen') throw cfg('mode', { name: 'mode' });
        if (!settings.appKey) throw cfg('appKey', { name: 'required' });
        if (!creds.appSecret) throw cfg('appSecret', { name: 'required' });
        const signMethod = settings.signMethod || 'md5';
        if (!TOP_SIGN_METHODS.includes(signMethod)) throw cfg('signMethod', { name: 'signMethod', vars: { methods: TOP_SIGN_METHODS.join(', ') } });
        let gatewayUrl = settings.gatewayUrl;
        if (settings.mode === 'direct') {
            gatewayUrl = gatewayUrl || JACKYUN_DIRECT_URL;
        } else {
            if (!gatewayUrl) throw cfg('gatewayUrl', { name: 'gatewayUrlQimen' });
            if (!settings.qimenAppKey) throw cfg('qimenAppKey', { name: 'requiredQimen' });
            if (!creds.qimenSecret) throw cfg('qimenSecret', { name: 'requiredQimen' });
            if (!settings.targetAppKey) throw cfg('targetAppKey', { name: 'requiredQimen' });
            // §3.3/§3.4: customerId (outer, tenant routing) and jkycustomerid (inner) are sent on every Qimen call.
            if (!settings.customerId) throw cfg('customerId', { name: 'customerId' });
        }
        if (!/^https?:\/\//i.test(gatewayUrl)) throw cfg('gatewayUrl', { name: 'gatewayUrl' });
        const query = urlQueryProblem(gatewayUrl);
        if (query) throw cfg('gatewayUrl', query);
        // Anything but a whole number from 1 (a `${NAME}` set to a word, 0.5) was read as 200, or as a page size of 0.
        const maxPageSize = isBlankValue(settings.maxPageSize) ? 200 : Number(settings.maxPageSize);
        if (!Number.isInteger(maxPageSize) || maxPageSize < 1) throw cfg('maxPageSize', { name: 'maxPageSize', vars: { got: String(JSON.stringify(settings.maxPageSize)) } });
        this.settings = { ...settings, gatewayUrl, version: settings.version || 'v1.0', signMethod, maxPageSize };
    }

    /** The gateway and the app it counts requests of: Jackyun's AppKey, through Qimen the Qimen app's (TOP code 7). */
    protected accountKey(): string[] {
        const s = this.settings;
        return [s.gatewayUrl, s.mode === 'direct' ? s.appKey : s.qimenAppKey!];
    }

    /**
     * Through Qimen, the Qimen app above also serves other Jackyun tenants: the tenant (customerId) and the Jackyun app
     * and AppKey it reaches are the account whose trades an incremental node reads (a config node edited from the test
     * tenant to production's kept the test's watermark). No secret.
     */
    accountIdentity(): string | undefined {
        const s = this.settings;
        const id = super.accountIdentity();
        return s.mode === 'direct' || id === undefined ? id : JSON.stringify([id, s.targetAppKey, s.appKey, s.customerId]);
    }

    /** One API call; resolves with the normalised `result`. */
    invoke(method: string, biz: Record<string, unknown>, ctx: RequestContext = {}): Promise<JackyunResult> {
        return this.call(async (opts) => {
            const content = JSON.stringify(biz);
            const timestamp = chinaTime(Date.now());
            let req;
            if (this.settings.mode === 'direct') {
                const form: Record<string, string> = { method, appkey: this.settings.appKey, version: this.settings.version, contenttype: 'json', timestamp, bizcontent: content };
                form.sign = jackyunSign(form, this.creds.appSecret!);
                req = { url: this.settings.gatewayUrl, headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(form).toString() };
            } else {
                const s = this.settings;
                const query: Record<string, string> = { app_key: s.qimenAppKey!, target_app_key: s.targetAppKey!, format: 'json', v: '2.0', sign_method: s.signMethod, method, timestamp, customerId: s.customerId! };
                if (s.partnerId) query.partner_id = s.partnerId;
                const form: Record<string, string> = { content, jkymethod: method, jkyappkey: s.appKey, jkycustomerid: s.customerId!, jkytimestamp: timestamp, jkyversion: '1.0' };
                form.jkysign = jackyunViaQimen({ jkyappkey: s.appKey, content, method, timestamp }, this.creds.appSecret!);
                query.sign = topSign({ ...query, ...form }, '', this.creds.qimenSecret!, s.signMethod);
                req = { url: s.gatewayUrl, query, headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(form).toString() };
            }
            const res = await this.http.request(req, opts);
            const statusError = this.http.statusError(res);
            if (statusError) throw statusError;
            let body: unknown;
            try {
                body = parseVendorJson(res.body);
            } catch {
                // A web page (a portal's address, a proxy's page): quoted with the address, in the editor's language too.
                const text: Text = { key: 'jackyun-config.test.notJson', vars: { url: this.settings.gatewayUrl, answer: this.http.quote(res.body, 120) } };
                throw textError(inEnglish, text, { system: SYSTEM, kind: 'transient', code: 'BAD_RESPONSE', safeToRepeat: true });
            }
            return this.settings.mode === 'direct' ? this.readEnvelope(body) : this.readQimen(body);
        }, ctx, { write: false });
    }

    /** Jackyun's own envelope {code, msg, subCode, result}. */
    private readEnvelope(body: unknown): JackyunResult {
        if (!isObj(body) || !('code' in body)) throw this.notEnvelope(body);
        const code = Number(body.code);
        if (code !== 200) {
            const msg = String(body.msg ?? body.message ?? '');
            const sub = String(body.subCode ?? '');
            // Jackyun's own words; the palette's around them in the editor's language (jackyun-config.test.refused*).
            const text: Text = { key: sub ? 'jackyun-config.test.refusedSub' : 'jackyun-config.test.refused', vars: { reason: msg || { key: 'jackyun-config.test.noReason.error' }, ...(sub ? { subCode: sub } : {}) } };
            throw textError(inEnglish, text, { system: SYSTEM, kind: classifyJackyun(`${msg} ${sub}`, sub), code: sub || String(body.code), details: { code: body.code, subCode: sub } });
        }
        // No `result` but a `data` beside the code (an envelope of another build): the body is the result.
        // (`result: null` too: Jackyun writes its null fields out.)
        return this.readResult((body.result === undefined || body.result === null) && body.data !== undefined && body.data !== null ? body : body.result);
    }

    /**
     * A direct answer that is no Jackyun envelope (no `code`). Read as one, it was "Jackyun: error" under code
     * "undefined", whatever it said: a Qimen gateway's TOP error (the /router/qm address of a Qimen app, which the
     * dialog keeps when the mode is switched to direct) is a setting to correct, said with Qimen's reason; anything else
     * is quoted with the address.
     */
    private notEnvelope(body: unknown): ConnectorError {
        const url = this.settings.gatewayUrl;
        if (isObj(body) && isObj(body.error_response)) {
            const err = body.error_response;
            const said = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
            const reason = [said(err.msg), said(err.sub_msg)].filter((v, i, all) => v !== '' && all.indexOf(v) === i).join(': ') || said(err.code);
            const text: Text = { key: 'jackyun-config.test.qimenAddress', vars: { url, reason, code: said(err.code) } };
            return textError(inEnglish, text, { system: SYSTEM, kind: 'config', code: 'QIMEN_ADDRESS', field: 'gatewayUrl', details: { error_response: err } });
        }
        const text: Text = { key: 'jackyun-config.test.notEnvelope', vars: { url, answer: this.http.quote(JSON.stringify(body) ?? String(body), 160) } };
        return textError(inEnglish, text, { system: SYSTEM, kind: 'business', code: 'BAD_RESPONSE', field: 'gatewayUrl' });
    }

    /** Qimen answers: TOP error_response, or {"response":{flag, …, result | jackyunData}}. */
    private readQimen(body: unknown): JackyunResult {
        if (!isObj(body)) throw new ConnectorError({ system: SYSTEM, kind: 'business', code: 'BAD_RESPONSE', message: 'unexpected answer from Qimen' });
        const err = body.error_response;
        // No session is sent, so none can be renewed: a session code (26, 27) is a configuration problem, as in wdt-wms.
        if (isObj(err)) throw topGatewayError(SYSTEM, err, topErrorKind(Number(err.code), err.sub_code) === 'auth' ? { kind: 'config' } : {}, CATALOG);
        const response = isObj(body.response) ? body.response : body;
        // Jackyun's own envelope answered unwrapped (§3.7: where the payload sits in /router/qm answers is
        // unconfirmed): its code decides, or an error envelope would pass for an answer without trades.
        if (response.flag === undefined && isJackyunEnvelope(response)) return this.readEnvelope(response);
        if (response.flag !== undefined && response.flag !== 'success') {
            // The reason may be in message or only in sub_message / sub_code (an empty message is no reason).
            const text = (...keys: string[]) => keys.map((k) => (response[k] === undefined || response[k] === null ? '' : String(response[k]).trim())).find((v) => v !== '') ?? '';
            const message = text('message', 'msg', 'sub_message', 'sub_msg');
            const sub = text('sub_message', 'sub_msg');
            const code = text('code', 'sub_code');
            const subCode = text('sub_code');
            // Qimen's words (its message, and its sub-message where it says more); the palette's around them in the
            // editor's language (jackyun-config.test.viaQimen*).
            const reason: Text | string = sub && sub !== message ? { key: 'jackyun-config.test.reasonSub', vars: { message, sub } } : message || { key: 'jackyun-config.test.noReason.failure' };
            const said: Text = subCode && subCode !== code ? { key: 'jackyun-config.test.viaQimenSub', vars: { reason, subCode } } : { key: 'jackyun-config.test.viaQimen', vars: { reason } };
            throw textError(inEnglish, said, { system: SYSTEM, kind: classifyJackyun(`${message} ${sub} ${code} ${subCode}`, code), code: code || 'FAILURE' });
        }
        const raw = response.result ?? response.jackyunData;
        // No payload where §3.4 puts it: an answer of another shape, not a window without trades (taken for one, an
        // incremental run would move its watermark past trades never read).
        if (raw === undefined || raw === null || raw === '') {
            throw new ConnectorError({ system: SYSTEM, kind: 'business', code: 'BAD_RESPONSE', message: `Qimen answered without Jackyun's result (no response.result or response.jackyunData): ${this.http.quote(JSON.stringify(body), 160)}` });
        }
        const payload = parseMaybeJson(raw);
        // jackyunData may carry the whole Jackyun envelope (an error one possibly without `result`).
        if (isObj(payload) && isJackyunEnvelope(payload)) return this.readEnvelope(payload);
        return this.readResult(payload);
    }

    private readResult(answer: unknown): JackyunResult {
        // The result as JSON text (as its data may come, §2.4) is read as what it says; text that is no JSON (an error
        // worded as text, a cut-off document, "null") is an answer of another shape: taken for a result without data,
        // it passed for a window without trades.
        const result = parseMaybeJson(answer);
        this.notText('result', result);
        let r = isObj(result) ? result : {};
        // The trades straight in the result, without its `data` (as some tenants answer): read as its data.
        if (!('data' in r) && (pick(r, 'trades') !== undefined || pick(r, 'scrollId') !== undefined)) r = { data: r };
        const data = parseMaybeJson(r.data);
        this.notText('result.data', data);
        // A list where the result or its data belongs is an answer of another shape, not a window without trades
        // (taken for one, an incremental run would move its watermark past trades never read).
        for (const [where, v] of [['result', result], ['result.data', data]] as const) {
            if (Array.isArray(v) && v.length > 0) {
                throw new ConnectorError({ system: SYSTEM, kind: 'business', code: 'BAD_RESPONSE', message: `${where} is a list of ${v.length}, not an object holding trades: ${this.http.quote(JSON.stringify(v), 160)}` });
            }
        }
        const d = isObj(data) ? data : {};
        const scroll = pick(d, 'scrollId') ?? pick(r, 'scrollId');
        return { data: d, scrollId: scroll === undefined || scroll === null ? undefined : String(scroll), raw: r };
    }

    /** Throws when `value` (at `where`) is neither absent (null, "") nor an object or list: text, a number, a boolean. */
    private notText(where: string, value: unknown): void {
        if (value === undefined || value === null || value === '' || typeof value === 'object') return;
        throw new ConnectorError({ system: SYSTEM, kind: 'business', code: 'BAD_RESPONSE', message: `${where} is ${typeof value === 'string' ? 'text' : `a ${typeof value}`}, not an object holding trades: ${this.http.quote(JSON.stringify(value), 160)}` });
    }

    // ------------------------------------------------------------------ trade query (seed 000)

    /**
     * Pages of jackyun.tradenotsensitiveinfos.list.get as seed 000's trade records. The one time range longer than
     * 7 days (if any) is split into consecutive ≤ 7-day windows; pages run from pageIndex (0) or by scroll id; records
     * are deduplicated on TradeNo across window and page boundaries. Validation errors are thrown before anything is sent.
     */
    queryTrades(params: Record<string, any>, ctx: RequestContext = {}, progress?: TradeProgress, warn?: (text: Text) => void): AsyncIterable<QueryPage> {
        return dedupeBy(this.tradePages(params, ctx, progress, warn), (r: any) => r.TradeNo);
    }

    /** The pages of queryTrades() before deduplication: window after window, page after page. */
    tradePages(params: Record<string, any>, ctx: RequestContext = {}, progress?: TradeProgress, warn?: (text: Text) => void): AsyncGenerator<QueryPage> {
        const self = this;
        async function* windows(): AsyncGenerator<QueryPage> {
            // Lazily, so the kit reports a bad parameter like any other failure, before anything is sent.
            const plan = self.planTradeQuery(params);
            // The trades of the window before whose time (on the split range) is at its end or later, or unknown
            // (not in `fields`): the only ones the next window, sharing that instant, can repeat. dedupeBy remembers
            // the last 10,000 trades only, and a busy week holds more than that between a trade's two copies (the
            // order within a window need not follow the split time); these few are remembered for the next window.
            let atEnd = new Set<unknown>();
            for (let w = 0; w < plan.windows.length; w++) {
                const field = plan.split ? RANGE_FIELDS[plan.split.begin] : undefined;
                const end = plan.split ? parseChinaTime(plan.windows[w][plan.split.end]) : NaN;
                const repeats = atEnd;
                atEnd = new Set();
                const biz = { ...plan.base, ...plan.windows[w] };
                // The first page asked (pageIndex) is where the read starts: the first window's, every later window
                // from its own first page.
                const windowPlan = w === 0 ? plan : { ...plan, first: 0 };
                // Not `yield*`: it keeps the last page it passed on while it waits for the next one.
                const pages = self.pagesOf(biz, windowPlan, ctx, (p) => progress?.(p, w + 1, plan.windows.length), warn);
                let next: IteratorResult<QueryPage> | undefined;
                let page: QueryPage | undefined;
                let firstOfWindow = w > 0;
                try {
                    while (!(next = await pages.next()).done) {
                        page = next.value;
                        next = undefined;
                        // A window's total is the run's only when there is one window.
                        if (plan.windows.length > 1 && page.total !== undefined) page = withoutTotal(page);
                        if (field !== undefined) page = splitRepeats(page, field, end, repeats, atEnd);
                        // A trade at the instant two windows share is in both (dropped above); a trade modified while the
                        // windows are read may move into a later one: checked against the last 10,000 (dedupeBy).
                        if (firstOfWindow) page = { ...page, mayRepeatEarlier: true };
                        firstOfWindow = false;
                        yield page;
                        page = undefined;
                    }
                } finally {
                    // Stopped early (record cap, error): end the window's paging as `yield*` would.
                    if (!next?.done) await pages.return(undefined);
                }
            }
        }
        return windows();
    }

    /** Checks the parameters and works out the windows; throws a validation error naming the field. */
    planTradeQuery(params: Record<string, any>): { base: Record<string, unknown>; windows: Array<Record<string, string>>; split?: { begin: string; end: string }; pageSize: number; first: number; scroll: boolean; hasTotal: boolean } {
        const present = (v: unknown) => !isBlankValue(v);
        // The two modified pairs are aliases: merge them (incremental mode sets startModified/endModified).
        const p: Record<string, any> = { ...params };
        const userUsedUnderscore = present(p.modified_begin) || present(p.modified_end);
        const modBegin = present(p.startModified) ? p.startModified : p.modified_begin;
        const modEnd = present(p.endModified) ? p.endModified : p.modified_end;
        delete p.modified_begin;
        delete p.modified_end;
        delete p.startModified;
        delete p.endModified;
        const names: Record<string, [string, string]> = {};
        if (present(modBegin) || present(modEnd)) {
            const pair: [string, string] = userUsedUnderscore ? ['modified_begin', 'modified_end'] : ['startModified', 'endModified'];
            p[pair[0]] = modBegin;
            p[pair[1]] = modEnd;
        }
        const ranges: Array<Range> = [];
        for (const [b, e] of RANGE_PAIRS) {
            if (!present(p[b]) && !present(p[e])) continue;
            // An end without its start on the modified pair is, most often, incremental sync's own end (now) on a first
            // run given no start: say so, rather than ask to pair an end the user never set.
            const hint = b === 'startModified' || b === 'modified_begin' ? ` (with incremental sync on, the node sets ${e} to now itself: give the first run's start here; Jackyun reads at most 7 days a call, so there is no "from the beginning")` : '';
            if (!present(p[b])) throw validationError(SYSTEM, b, `is required together with ${e}${hint}`);
            if (!present(p[e])) throw validationError(SYSTEM, e, `is required together with ${b}`);
            const from = toEpochMs(p[b]);
            // Both ends inclusive, to the second: a date alone as the end is the whole of that day (23:59:59).
            const to = toEpochEndMs(p[e]);
            if (Number.isNaN(from)) throw validationError(SYSTEM, b, `is not a time (use yyyy-MM-dd HH:mm:ss, China time): ${JSON.stringify(p[b])}`);
            if (Number.isNaN(to)) throw validationError(SYSTEM, e, `is not a time (use yyyy-MM-dd HH:mm:ss, China time): ${JSON.stringify(p[e])}`);
            if (to < from) throw validationError(SYSTEM, e, `the window ends before it starts (${chinaTime(to)} < ${chinaTime(from)})`);
            ranges.push({ begin: b, end: e, from, to });
            names[b] = [b, e];
        }
        // Seed 000: the range and 线上单号 (the online order number, sourceTradeNos) cannot both be empty; tradeNo as well.
        if (ranges.length === 0 && !present(p.tradeNo) && !present(p.sourceTradeNos)) {
            throw validationError(SYSTEM, 'modified_begin', 'a time range (modified, created, audit or consign), tradeNo or sourceTradeNos is required');
        }
        const long = ranges.filter((r) => r.to - r.from > WINDOW_MAX_MS);
        // A long range is split up to tomorrow at most (a clock a little ahead): trades are not modified, created,
        // audited or shipped in the future, and an end typed as 2099 would be thousands of empty 7-day calls.
        if (long.length > 1) throw validationError(SYSTEM, long[1].begin, `only one time range may be longer than 7 days (${long.map((r) => r.begin).join(', ')} are)`);
        const requested = present(p.pageSize) ? Number(p.pageSize) : 200;
        if (!Number.isInteger(requested) || requested < 1) throw validationError(SYSTEM, 'pageSize', 'must be a positive integer');
        const pageSize = Math.min(requested, this.settings.maxPageSize);
        const first = present(p.pageIndex) ? Number(p.pageIndex) : 0;
        if (!Number.isInteger(first) || first < 0) throw validationError(SYSTEM, 'pageIndex', 'must be an integer from 0');
        const scroll = p.pagingMode === 'scroll';
        const hasTotal = String(p.hasTotal ?? '1') !== '0';

        const base: Record<string, unknown> = {};
        for (const k of ['tradeNo', 'tradeStatus', 'tradeType', 'sourceTradeNos', 'fields']) if (present(p[k])) base[k] = String(p[k]);
        // Lists typed "T1, T2": whether Jackyun trims each value is not documented, and " T2" would match no trade.
        for (const k of ['tradeNo', 'sourceTradeNos', 'fields']) if (typeof base[k] === 'string') base[k] = (base[k] as string).split(',').map((v) => v.trim()).filter(Boolean).join(',');
        if (typeof base.fields === 'string') {
            const listed = base.fields.split(',').map((s) => s.trim());
            // Trades are told apart by their number (the instant two windows share, pages read again): left out of
            // the fields, it would not come back and every repeat would be emitted.
            if (!listed.some((f) => f.toLowerCase() === 'tradeno')) base.fields += ',tradeNo';
            if (scroll && !listed.includes('scrollId')) base.fields += ',scrollId';
        }
        for (const r of ranges) {
            if (long.includes(r)) continue;
            base[r.begin] = chinaTime(r.from);
            base[r.end] = chinaTime(r.to);
        }
        const windows: Array<Record<string, string>> = long.length
            ? splitWindow(long[0].from, Math.max(long[0].from, Math.min(long[0].to, Date.now() + 86400000)), WINDOW_MAX_MS).map(([from, to]) => ({ [long[0].begin]: chinaTime(from), [long[0].end]: chinaTime(to) }))
            : [{}];
        return { base, windows, ...(long.length ? { split: { begin: long[0].begin, end: long[0].end } } : {}), pageSize, first, scroll, hasTotal };
    }

    /**
     * The pages of one window, by page number or by cursor. Each page is read by tradePage(), whose locals end with it,
     * and the generators let go of it as soon as it has been taken (core/paging.ts explains why).
     */
    private pagesOf(biz: Record<string, unknown>, plan: { pageSize: number; first: number; scroll: boolean; hasTotal: boolean }, ctx: RequestContext, progress: (page: number) => void, warn?: (text: Text) => void): AsyncGenerator<QueryPage> {
        if (plan.scroll) return this.scrollPages(biz, plan, ctx, progress, warn);
        // By page number, the total asked on every page: a total that shrinks says trades left the window while it
        // was paged, and pageNumbers reads again the pages they moved trades onto (queryTrades drops the repeats).
        // Asked at the size pageNumbers gives (smaller once the server is found serving fewer a page than asked).
        return pageNumbers(async (n, pageSize) => {
            progress(n - plan.first + 1);
            const got = await this.tradePage(plan.hasTotal ? { ...biz, pageSize, pageIndex: n, hasTotal: 1 } : { ...biz, pageSize, pageIndex: n }, ctx);
            return got.total === undefined ? { records: got.records } : { records: got.records, total: got.total };
        }, { system: SYSTEM, first: 0, start: plan.first, pageSize: plan.pageSize, warn });
    }

    /** The pages of one window in cursor mode: the first call with scrollId "", then the scroll id each answer gives. */
    private async *scrollPages(biz: Record<string, unknown>, plan: { pageSize: number; hasTotal: boolean }, ctx: RequestContext, progress: (page: number) => void, warn?: (text: Text) => void): AsyncGenerator<QueryPage> {
        let scrollId = '';
        let seen = 0;
        let warnedShort = false;
        let total: number | undefined;
        let got: TradePage | undefined;
        for (let page = 1; ; page++) {
            progress(page);
            const body: Record<string, unknown> = { ...biz, pageSize: plan.pageSize, scrollId };
            if (plan.hasTotal && page === 1) body.hasTotal = 1;
            got = await this.tradePage(body, ctx);
            if (page === 1) total = got.total;
            const count = got.records.length;
            const nextScrollId = got.scrollId;
            seen += count;
            // A total below the trades already read is not one (core pageNumbers): taken, it would end the read here.
            if (total !== undefined && seen > total) {
                warn?.({ key: 'runtime.warn.totalBelowPage', vars: { page, count: seen, total } });
                total = undefined;
            }
            if (count > 0) yield total !== undefined ? { records: got.records, total } : { records: got.records };
            got = undefined;
            // An empty page while the total says more trades follow is not the end (core pageNumbers), and a cursor's
            // page cannot be asked again: the read fails rather than end complete past them.
            if (count === 0 && total !== undefined && seen < total) throw emptyPageError(SYSTEM, page, total, seen);
            if (count === 0 || (total !== undefined && seen >= total)) return;
            if (count < plan.pageSize) {
                // A short page ends the read, unless the total says more follow: the server serves fewer a page than
                // asked (as pageNumbers reads on, see core/paging.ts).
                if (total === undefined) return;
                if (!warnedShort) warn?.(shortPageWarning(page, count, plan.pageSize, total, 'trades'));
                warnedShort = true;
            }
            if (!nextScrollId) throw new ConnectorError({ system: SYSTEM, kind: 'business', code: 'NO_SCROLL_ID', message: 'cursor mode: the answer carries no scrollId (list scrollId in fields?)' });
            scrollId = nextScrollId;
        }
    }

    /** One page of trades in seed 000's shape, with the answer's total and scroll id. */
    private async tradePage(body: Record<string, unknown>, ctx: RequestContext): Promise<TradePage> {
        const result = await this.invoke(TRADE_METHOD, body, ctx);
        const list = pick(result.data, 'trades');
        const total = countOf(pick(result.data, 'totalResults'));
        // Trades under a key of another name are not an empty page (core missingListError).
        const missing = list === undefined || list === null ? missingListError(SYSTEM, result.data, total, "the answer's data", 'trades/Trades') : undefined;
        if (missing) throw missing;
        return { records: asArray(list).map(normaliseTrade), total, scrollId: result.scrollId };
    }

    async checkConnection(ctx: RequestContext): Promise<ConnectionCheck> {
        const now = Date.now();
        const result = await this.invoke(TRADE_METHOD, { startModified: chinaTime(now - 3600000), endModified: chinaTime(now), pageIndex: 0, pageSize: 1, hasTotal: 1 }, ctx);
        const total = countOf(pick(result.data, 'totalResults'));
        const qimen = this.settings.mode === 'qimen';
        const sign = qimen ? this.settings.signMethod : 'md5';
        return {
            message: `connected to Jackyun (${qimen ? 'via Qimen' : 'direct'}, sign ${sign})${total !== undefined ? `: ${total} trades modified in the last hour` : ''}`,
            key: `${qimen ? 'qimen' : 'direct'}${total !== undefined ? 'Trades' : ''}`,
            vars: { sign, total: total ?? '' },
        };
    }
}

/**
 * `page` without the trades in `repeats` (the window before's, at the instant the two share); the trades whose `field`
 * is at `end` or later, or cannot be read, are added to `atEnd` (the next window's repeats).
 */
function splitRepeats(page: QueryPage, field: string, end: number, repeats: Set<unknown>, atEnd: Set<unknown>): QueryPage {
    const records = repeats.size ? page.records.filter((r: any) => !repeats.has(r.TradeNo)) : page.records;
    for (const r of records as Array<Record<string, unknown>>) {
        if (r.TradeNo === undefined || r.TradeNo === null) continue;
        const at = toEpochMs(pick(r, field));
        if (!(at < end)) atEnd.add(r.TradeNo);
    }
    return records === page.records || records.length === page.records.length ? page : { ...page, records };
}

function withoutTotal(page: QueryPage): QueryPage {
    const { total: _windowTotal, ...rest } = page;
    return rest;
}
