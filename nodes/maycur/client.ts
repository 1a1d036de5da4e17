/**
 * 每刻 Maycur OpenAPI client (protocols.md §7). One per maycur-config (one app): logs in once and reuses
 * `entCode`/`tokenId` until shortly before the token's 30-minute life ends (refresh after 25 min, single-flight; a
 * refresh that fails leaves the token in use until its life ends);
 * an auth NACK drops the session and logs in once more before the one replay; a login refused for logging in too
 * often blocks further logins locally for the block period, so a blocked account is never hammered (Maycur disables
 * accounts that log in per request).
 */
import path from 'path';
import { BaseClient, ClientSettings, ConnectionCheck, ConnectorError, FREQUENCY_TEXT, HttpResponse, RequestContext, isBusyAnswer, SharedLogin, english, textError, monotonicNow, urlQueryProblem, parseVendorJson, type Text } from '../core';
import { chinaTime } from '../core/time';
import { maycurLogin } from './sign';

/** The config node's catalog in English: the login errors the test button shows are its texts (maycur-config.test.login*). */
const inEnglish = english(path.join(__dirname, 'maycur-config.js'));

/**
 * A login Maycur refused (`credentials`: for the app's code or secret, which every client sending them is held by;
 * `clock`: for its timestamp, this machine's clock, which the text tells to check instead of the code and secret).
 */
function refusedLogin(code: string, reason: string, credentials: boolean, httpStatus?: number, clock = false): ConnectorError {
    const text: Text = { key: clock ? 'maycur-config.test.loginRefusedClock' : 'maycur-config.test.loginRefused', vars: { reason } };
    return textError(inEnglish, text, { system: 'maycur', kind: 'config', code, httpStatus, details: { credentials } });
}

export const MAYCUR_HOSTS: Record<string, string> = {
    production: 'https://www.maycur.com',
    uat: 'https://uat.maycur.com',
    dingtalk: 'https://dt.maycur.com',
    'dingtalk-uat': 'https://dt-uat.maycur.com',
};

export interface MaycurSettings {
    baseUrl: string;
    appCode: string;
    /** paid/list `pageNum`: 1-based page number (the palette's fixed choice) or the seed's offset wording. */
    pagingMode?: 'page' | 'offset';
    /** Renew the token after this long (default 25 min; the vendor's tokens live 30). */
    refreshAfterMs?: number;
    /** How long logins stay blocked locally after LOGIN_TOO_FREQUENT (default 10 min). */
    loginBlockMs?: number;
    /** After a refused login, no new one for this long (default 1 min), doubling with each refusal in a row (to 30 min). */
    loginCooldownMs?: number;
    maxLoginCooldownMs?: number;
    /** The client's clock (tests). */
    now?: () => number;
}

export interface MaycurCredentials {
    appSecret: string;
}

export interface PaidListQuery {
    pageNum: number;
    pageSize: number;
    startPaidTime?: number;
    endPaidTime?: number;
    paymentNo?: string;
}

export interface PaidListPage {
    list: Record<string, unknown>[];
    totalCount?: number;
}

interface Session {
    entCode: string;
    tokenId: string;
    obtainedAt: number;
    /** Obtained by a re-login after a refusal. */
    renewed?: boolean;
    /** A call succeeded with it. */
    used?: boolean;
}

const AUTH_TEXT = /token|登录|过期|失效|expired/i;
// "当前登录用户无权访问该接口" names the login but is a permission refusal: a new session would be refused the same.
const PERMISSION_TEXT = /无权|权限|permission|forbidden|not allowed/i;
/**
 * A session obtained by a re-login after a refusal, refused in turn before any call succeeded with it and this soon,
 * is not renewed again: the refusal is not about the session, and a login per msg gets the account disabled (§7.2).
 */
const RENEWED_REFUSED_MS = 60000;
/** How long a tokenId lives (§7.2); renewed after refreshAfterMs, before then. */
const TOKEN_LIFE_MS = 30 * 60 * 1000;

/**
 * Logins an app may send in any minute: Maycur blocks an app that logs in more often (10 minutes; the vendor warns
 * frequent logins get the account disabled, §7.2). The editor's "test connection" logs in on every click, beside the
 * flows' own logins and those of a copy of the config node: each is counted.
 */
const LOGINS_PER_MINUTE = 5;

/** What the logins of one app (server and appCode) have to keep to, whichever config node or test sends them. */
interface AppLogins {
    /** Monotonic times of the logins sent in the last minute. */
    sent: number[];
    /** Maycur refused a login as too frequent: none is sent before this (monotonic). */
    blockedUntil: number;
}
const appLogins = new Map<string, AppLogins>();

export class MaycurClient extends BaseClient {
    readonly baseUrl: string;
    readonly appCode: string;
    readonly pagingMode: 'page' | 'offset';
    private readonly appSecret: string;
    private readonly refreshAfterMs: number;
    private readonly loginBlockMs: number;
    private readonly now: () => number;
    private session: Session | undefined;
    /** This app's logins, shared with every client of it. */
    private readonly logins: AppLogins;
    private readonly sharedLogin: SharedLogin<Session>;
    /** The tokenId each auth failure was answered to, so concurrent failures of one session cause one login. */
    private readonly failedToken = new WeakMap<ConnectorError, string>();
    /** Logins performed by this client (for status and tests). */
    loginCount = 0;

    constructor(settings: ClientSettings, maycur: MaycurSettings, credentials: MaycurCredentials) {
        super(settings);
        this.keepSecret(credentials.appSecret);
        this.baseUrl = maycur.baseUrl.replace(/\/+$/, '');
        this.appCode = maycur.appCode;
        this.pagingMode = maycur.pagingMode ?? 'page';
        this.appSecret = credentials.appSecret;
        this.refreshAfterMs = maycur.refreshAfterMs ?? 25 * 60 * 1000;
        this.loginBlockMs = maycur.loginBlockMs ?? 10 * 60 * 1000;
        this.now = maycur.now ?? Date.now;
        // A refused login (wrong or rotated secret, clock) is not sent again for a while, by any client of the app
        // with this secret (the test button's too): §7.2, frequent logins get the account disabled.
        const loginKey = this.loginKey([this.baseUrl, this.appCode], [this.appSecret]);
        this.sharedLogin = new SharedLogin({ system: 'maycur', lifetime: this.lifetime.signal, cooldownMs: maycur.loginCooldownMs, maxCooldownMs: maycur.maxLoginCooldownMs, loginKey });
        const app = this.accountId()!;
        if (!appLogins.has(app)) appLogins.set(app, { sent: [], blockedUntil: 0 });
        this.logins = appLogins.get(app)!;
    }

    /** Forgets every app's logins, as a restart of Node-RED does (tests: each test a Node-RED of its own). */
    static forgetLogins(): void {
        appLogins.clear();
    }

    protected accountKey(): string[] {
        return [this.baseUrl, this.appCode];
    }

    protected async beforeAttempt(ctx: RequestContext): Promise<void> {
        const s = this.session;
        if (!s) {
            await this.login(ctx);
            return;
        }
        if (this.now() - s.obtainedAt < this.refreshAfterMs) return;
        try {
            await this.login(ctx);
        } catch (err) {
            // Renewed early, the token still has minutes to live: a renewal that failed (logins blocked, the login
            // endpoint down) is no reason to fail the call. The token serves until its life ends or the server refuses it.
            const cancelled = err instanceof ConnectorError && err.kind === 'cancelled';
            if (cancelled || this.session !== s || this.now() - s.obtainedAt >= TOKEN_LIFE_MS) throw err;
        }
    }

    protected async reauthenticate(err: ConnectorError, ctx: RequestContext): Promise<void> {
        // Another call already renewed the session this error was answered to: replay with the new one.
        const failed = this.failedToken.get(err);
        if (this.session && failed !== undefined && failed !== this.session.tokenId) return;
        const s = this.session;
        if (s && failed === s.tokenId && s.renewed && !s.used && this.now() - s.obtainedAt < RENEWED_REFUSED_MS) {
            throw new ConnectorError({ system: 'maycur', kind: 'config', code: err.code, message: `${err.message} — the session renewed ${Math.round((this.now() - s.obtainedAt) / 1000)} s ago for the same refusal was refused too, so no new login is attempted for a minute (check the app's permissions in Maycur)` });
        }
        this.session = undefined;
        const renewed = await this.login(ctx);
        renewed.renewed = true;
    }

    /** Logs in (core/login.ts: concurrent callers share one login; a refused one is not repeated for a while). */
    private login(ctx: RequestContext): Promise<Session> {
        return this.sharedLogin.run(async (signal) => {
            let sent = false;
            const res = await this.scheduleUnlessPaused(
                async () => {
                    // Checked, counted and signed as it leaves the account's queue, not as it joins it: a login held
                    // there (a pause, a busy account) goes out later, maybe after another's login was refused as too
                    // frequent, and its signed timestamp is checked against Maycur's clock.
                    this.admitLogin();
                    const timestamp = String(Date.now());
                    const secret = maycurLogin(this.appSecret, this.appCode, timestamp);
                    // The signed login secret logs in for minutes, the tokenId for half an hour: neither is ever quoted.
                    this.keepSessionSecret(secret);
                    const body = JSON.stringify({ appCode: this.appCode, secret, timestamp });
                    sent = true;
                    const res = await this.http.request({ url: `${this.baseUrl}/api/openapi/auth/login`, headers: { 'Content-Type': 'application/json' }, body }, { signal });
                    // Before the slot goes back: an HTTP 429 pauses the account first (core/client.ts scheduleUnlessPaused),
                    // or a call queued behind the login went out into the limit. (401 is read below: a refused login.)
                    const statusError = res.status === 401 ? undefined : this.http.statusError(res);
                    if (statusError) throw statusError;
                    return res;
                },
                signal,
                () => !sent,
            );
            // The login call itself refused with 401: the app's code or secret, not a session (a refused login waits).
            // A refusal of the app's code or secret: every client sending them is held (core/login.ts).
            if (res.status === 401) throw refusedLogin('LOGIN_FAILED', 'HTTP 401', true, 401);
            const env = this.envelope(res);
            if (!isAck(env)) {
                const code = errorCode(env);
                const message = errorMessage(env);
                if (FREQUENCY_TEXT.test(`${code} ${message}`)) {
                    this.logins.blockedUntil = monotonicNow() + this.loginBlockMs;
                    throw this.blockedError(code, message);
                }
                // Maycur too busy to log anyone in did nothing: sent again after a backoff, not held back as a refusal of
                // the app's code or secret (core/login.ts holds config errors, for every client, telling to check them).
                if (isBusyAnswer(code, message)) throw new ConnectorError({ system: 'maycur', kind: 'transient', code: code || 'SYSTEM_BUSY', message: `login turned away, Maycur busy: ${message || code}`, safeToRepeat: true });
                // The timestamp (this machine's clock) or a malformed request is no refusal of the app's code or secret.
                const clock = /TIMESTAMP|时间|clock/i.test(`${code} ${message}`);
                const credentials = !clock && !/PARAM/i.test(`${code} ${message}`);
                throw refusedLogin(code || 'LOGIN_FAILED', message || code || 'NACK', credentials, undefined, clock);
            }
            const data = (env.data ?? {}) as Record<string, unknown>;
            if (typeof data.entCode !== 'string' || typeof data.tokenId !== 'string' || !data.tokenId) {
                throw new ConnectorError({ system: 'maycur', kind: 'config', code: 'LOGIN_NO_TOKEN', message: 'login answered ACK without data.entCode/data.tokenId' });
            }
            this.keepSessionSecret(data.tokenId);
            this.loginCount++;
            this.session = { entCode: data.entCode, tokenId: data.tokenId, obtainedAt: this.now() };
            return this.session;
        }, ctx.signal);
    }

    /**
     * Counts a login about to be sent, or refuses it: during Maycur's block of the app's logins, and as the sixth of
     * the app in a minute, which would get the app blocked (retried once the oldest is a minute old).
     */
    private admitLogin(): void {
        const now = monotonicNow();
        if (now < this.logins.blockedUntil) throw this.blockedError();
        this.logins.sent = this.logins.sent.filter((t) => now - t < 60000);
        if (this.logins.sent.length >= LOGINS_PER_MINUTE) {
            const waitMs = this.logins.sent[0] + 60000 - now;
            const text: Text = { key: 'maycur-config.test.loginsPerMinute', vars: { logins: this.logins.sent.length, seconds: Math.ceil(waitMs / 1000) } };
            throw textError(inEnglish, text, { system: 'maycur', kind: 'rate-limit', code: 'LOGINS_PER_MINUTE', retryAfterMs: waitMs, safeToRepeat: true });
        }
        this.logins.sent.push(now);
    }

    /** Maycur's frequency limits on logins hold logins only: the app's data calls with a token in hand go on. */
    protected pausesAccount(err: ConnectorError): boolean {
        return err.code !== 'LOGINS_PER_MINUTE' && err.code !== 'LOGIN_TOO_FREQUENT';
    }

    private blockedError(code?: string, message?: string): ConnectorError {
        // The block is kept on the monotonic clock (a clock set back would lengthen it); shown as the time it ends.
        const until = chinaTime(Date.now() + this.logins.blockedUntil - monotonicNow()).slice(11, 16);
        // Always LOGIN_TOO_FREQUENT, another code Maycur gave quoted: the code is what keeps the account's data calls
        // going (pausesAccount), whatever Maycur called the block.
        const said = code && code !== 'LOGIN_TOO_FREQUENT' ? `${code} ${message ?? ''}`.trim() : message;
        const text: Text = said ? { key: 'maycur-config.test.loginBlockedSaid', vars: { message: said, until } } : { key: 'maycur-config.test.loginBlocked', vars: { until } };
        return textError(inEnglish, text, { system: 'maycur', kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT', safeToRepeat: true });
    }

    /** Parses the JSON envelope; transport-level failures become classified errors. */
    private envelope(res: HttpResponse): Record<string, unknown> {
        if (res.status === 401) throw new ConnectorError({ system: 'maycur', kind: 'auth', code: 'HTTP_401', httpStatus: 401, message: 'HTTP 401: token not accepted' });
        const statusError = this.http.statusError(res);
        if (statusError) throw statusError;
        try {
            const v = parseVendorJson(res.body);
            if (v && typeof v === 'object' && !Array.isArray(v)) return v;
        } catch {
            /* below */
        }
        throw this.http.notJson(res, false);
    }

    /** One data call with the session headers; classifies NACKs (protocols.md §7.3). */
    async post(path: string, data: Record<string, unknown>, ctx: RequestContext = {}): Promise<unknown> {
        return this.call(async (opts) => {
            const session = this.session;
            if (!session) throw new ConnectorError({ system: 'maycur', kind: 'auth', code: 'NO_SESSION', message: 'not logged in' });
            const body = JSON.stringify({ timestamp: Date.now(), data });
            const res = await this.http.request({ url: `${this.baseUrl}${path}`, headers: { 'Content-Type': 'application/json', entCode: session.entCode, tokenId: session.tokenId }, body }, opts);
            let env: Record<string, unknown>;
            try {
                env = this.envelope(res);
            } catch (err) {
                if (err instanceof ConnectorError && err.kind === 'auth') this.failedToken.set(err, session.tokenId);
                throw err;
            }
            if (isAck(env)) {
                session.used = true;
                return env.data;
            }
            const code = errorCode(env);
            const message = errorMessage(env) || code || 'NACK';
            // Before the session words: "当前登录用户请求过于频繁" names the login but asks to slow down, and a re-login for
            // it is what gets the account disabled (§7.2).
            if (FREQUENCY_TEXT.test(`${code} ${message}`)) throw new ConnectorError({ system: 'maycur', kind: 'rate-limit', code: code || 'TOO_FREQUENT', message });
            // Busy: the call was turned away undone, and is asked again on the same session (core isBusyAnswer).
            if (isBusyAnswer(code, message)) throw new ConnectorError({ system: 'maycur', kind: 'transient', code: code || 'SYSTEM_BUSY', message, safeToRepeat: true });
            if (PERMISSION_TEXT.test(message) && !/^TOKEN/i.test(code)) throw new ConnectorError({ system: 'maycur', kind: 'config', code: code || 'NO_PERMISSION', message: `refused: ${message} (check the app's permissions in Maycur)` });
            if (/^TOKEN/i.test(code) || AUTH_TEXT.test(message)) {
                const err = new ConnectorError({ system: 'maycur', kind: 'auth', code: code || 'TOKEN_INVALID', message: `session not accepted: ${message}` });
                this.failedToken.set(err, session.tokenId);
                throw err;
            }
            throw new ConnectorError({ system: 'maycur', kind: 'business', code: code || 'NACK', message });
        }, ctx);
    }

    /** One page of paid payment transactions (protocols.md §7.4). `pageNum` is 1-based; offset mode converts it. */
    async paidList(q: PaidListQuery, ctx: RequestContext = {}): Promise<PaidListPage> {
        const data: Record<string, unknown> = {
            pageNum: this.pagingMode === 'offset' ? (q.pageNum - 1) * q.pageSize : q.pageNum,
            pageSize: q.pageSize,
        };
        if (q.startPaidTime !== undefined) data.startPaidTime = q.startPaidTime;
        if (q.endPaidTime !== undefined) data.endPaidTime = q.endPaidTime;
        if (q.paymentNo !== undefined && q.paymentNo !== '') data.paymentNo = q.paymentNo;
        const answer = await this.post('/api/openapi/paymenttransaction/paid/list', data, ctx);
        // The palette's documented shape is {pageNum,pageSize,totalCount,list}; a plain array (as the sibling
        // paymenttransaction/list answers) is accepted too.
        if (Array.isArray(answer)) return { list: answer as Record<string, unknown>[] };
        if (answer !== undefined && answer !== null && typeof answer !== 'object') {
            throw new ConnectorError({ system: 'maycur', kind: 'business', code: 'BAD_RESPONSE', message: `paid/list answered data that is no page: ${this.http.quote(JSON.stringify(answer), 120)}` });
        }
        const obj = (answer ?? {}) as Record<string, unknown>;
        const key = ['list', 'records', 'data'].find((k) => Array.isArray(obj[k])) ?? ['list', 'records', 'data'].find((k) => k in obj && obj[k] === null);
        const raw = obj.totalCount ?? obj.total;
        const total = raw === null || raw === undefined || raw === '' ? NaN : Number(raw);
        // The shape is unconfirmed (§7.5): an answer with payments under a key of its own (content, rows …) is not a
        // page without payments — taken for one, an incremental run would move its watermark past them.
        if (key === undefined && Object.keys(obj).length > 0 && total !== 0) {
            throw new ConnectorError({ system: 'maycur', kind: 'business', code: 'BAD_RESPONSE', message: `paid/list answered without a list (data.list, data.records or data.data): keys ${Object.keys(obj).slice(0, 10).join(', ')}` });
        }
        const list = key !== undefined && Array.isArray(obj[key]) ? obj[key] : [];
        return { list: list as Record<string, unknown>[], totalCount: Number.isFinite(total) ? total : undefined };
    }

    async checkConnection(ctx: RequestContext): Promise<ConnectionCheck> {
        const s = await this.login(ctx);
        return { message: `logged in (entCode ${s.entCode})`, key: 'loggedIn', vars: { entCode: String(s.entCode) } };
    }
}

function isAck(env: Record<string, unknown>): boolean {
    return String(env.code ?? '').toUpperCase() === 'ACK' || (env.code === undefined && env.success === true);
}

function errorCode(env: Record<string, unknown>): string {
    const c = env.errorCode ?? env.responseCode ?? (String(env.code ?? '').toUpperCase() === 'NACK' ? '' : env.code);
    return c === undefined || c === null ? '' : String(c);
}

function errorMessage(env: Record<string, unknown>): string {
    const m = env.message ?? env.errorMessage ?? env.msg;
    return m === undefined || m === null ? '' : String(m);
}

/**
 * A setting the config node cannot take: a text of the catalog (`maycur-config.test.setting.*`), whose English is the
 * message and which the editor's button shows in its language (core/config-node.ts), or an English message alone.
 */
export function maycurConfigError(problem: Text | string): ConnectorError {
    if (typeof problem === 'string') return new ConnectorError({ system: 'maycur', kind: 'config', code: 'CONFIG', message: problem });
    return textError(inEnglish, problem, { system: 'maycur', kind: 'config', code: 'CONFIG' });
}

/** The base URL chosen in the config node: a named host (production, uat, …) or a custom URL. */
export function maycurBaseUrl(config: Record<string, any>): string {
    const server = String(config.server || 'production');
    if (server !== 'custom') {
        const url = MAYCUR_HOSTS[server];
        if (!url) throw maycurConfigError({ key: 'maycur-config.test.setting.server', vars: { server } });
        return url;
    }
    const url = String(config.baseUrl ?? '').trim();
    if (!url) throw maycurConfigError({ key: 'maycur-config.test.setting.baseUrlRequired' });
    if (!/^https?:\/\/[^\s/]+/i.test(url)) throw maycurConfigError({ key: 'maycur-config.test.setting.baseUrl' });
    const query = urlQueryProblem(url);
    if (query) throw maycurConfigError(`baseUrl: ${query}`);
    // Every call's path starts /api/openapi/ (protocols.md §7.1–7.3): a base URL typed with it, or with a whole call's
    // path pasted from the docs, would send …/api/openapi/api/openapi/…. The base is what comes before it.
    return url.replace(/\/api\/openapi(\/.*)?$/, '');
}

