/**
 * 每刻 Maycur OpenAPI simulator (protocols.md §7). Speaks:
 *   POST /api/openapi/auth/login  {"appCode","secret","timestamp"}    secret = sha256hex(appSecret:appCode:timestamp)
 *        timestamp (ms) within ±5 min of the simulator's clock; more than 5 logins per appCode within a minute blocks
 *        logins for 10 min (NACK LOGIN_TOO_FREQUENT); tokens live 30 min.
 *   POST /api/openapi/paymenttransaction/paid/list   headers entCode, tokenId;
 *        body {"timestamp","data":{pageNum,pageSize,startPaidTime,endPaidTime,paymentNo}} (or the fields flat);
 *        pageNum 1-based page number, pageSize default 20, max 100; time range inclusive on paidTime;
 *        rows ordered by paidTime then paymentNo; data {pageNum,pageSize,totalCount,list}.
 *        `timestamp` is not required: §7.3 says many endpoints take it, and a client misspelling it (`timeStamp`)
 *        still works, so the vendor does not insist on it (the client always sends it; test/maycur checks that).
 *   Every call: Content-Type application/json (a charset, if given, must be utf-8), else NACK PARAM_ERROR; secrets
 *        checked by the simulator's own verifier (./verify.ts, independent of the client's signer); paths matched
 *        case-sensitively (only Kingdee's are case-insensitive, §1.1).
 *   Failures: {"code":"NACK","success":false,"errorCode","message","data":null} with HTTP 200.
 * Vendor faults: 'token-expired' (alias 'session-expired'), 'rate-limit' (login: LOGIN_TOO_FREQUENT; data call:
 * REQUEST_TOO_FREQUENT), 'system-busy' (SYSTEM_BUSY 系统繁忙, login or data call: nothing done).
 */
import crypto from 'crypto';
import { SimServer, SimRequest, SimResponse, contentType } from '../harness';
import { maycurSecretOk } from './verify';

export const MAYCUR_DEMO = { appCode: 'AP_DEMO_0001', appSecret: 'maycur-demo-secret-0001', entCode: 'EC2024000001' };

/**
 * Demo payer accounts: payerAccountNumber → the Kingdee organisation that pays from it (the seed's push looks up
 * TargetOrgId by this number). Kept here so the demo and the Kingdee seed data agree.
 */
export const MAYCUR_DEMO_ACCOUNTS: Record<string, { orgNumber: string; name: string }> = {
    '6222000000000001': { orgNumber: '100', name: '某某科技有限公司' },
    '6222000000000002': { orgNumber: '101', name: '某某科技（上海）有限公司' },
};

export interface MaycurPayment {
    paymentNo: string;
    paymentBizCode: string;
    /** The reimbursement/payment-request bill number in Kingdee (CN_PAYAPPLY FBillNo in the demo). */
    payeeTargetBusinessCode: string;
    payerAccountName: string;
    payerAccountNumber: string;
    payableAmount: number;
    paidTime: number;
    auditTimeStamp: number;
    [extra: string]: unknown;
}

export interface MaycurSimOptions {
    appCode?: string;
    appSecret?: string;
    entCode?: string;
    /** Payments to serve; default: the demo's ten (FKSQ000101..FKSQ000110). */
    payments?: MaycurPayment[];
    /** Generate this many payments instead (paging tests). */
    count?: number;
    tokenTtlMs?: number;
    loginsPerMinute?: number;
    loginBlockMs?: number;
    /** Largest accepted pageSize. */
    maxPageSize?: number;
}

const CLOCK_WINDOW_MS = 5 * 60 * 1000;

/** The demo's paid payments: ten payments of Jan 2024, each naming a Kingdee CN_PAYAPPLY bill FKSQ000101..110. */
export function demoPayments(count = 10, first = Date.UTC(2024, 0, 9, 2, 0, 0)): MaycurPayment[] {
    const accounts = Object.entries(MAYCUR_DEMO_ACCOUNTS);
    const out: MaycurPayment[] = [];
    for (let i = 0; i < count; i++) {
        const [number, acct] = accounts[i % accounts.length];
        const paidTime = first + i * 3600 * 1000;
        const n = String(101 + i).padStart(6, '0');
        out.push({
            paymentNo: `PAY202401${String(i + 1).padStart(6, '0')}`,
            paymentBizCode: `FK${String(i + 1).padStart(6, '0')}`,
            payeeTargetBusinessCode: `FKSQ${n}`,
            payerAccountName: acct.name,
            payerAccountNumber: number,
            payableAmount: Math.round((1000 + i * 137.5) * 100) / 100,
            paidTime,
            auditTimeStamp: paidTime - 3600 * 1000,
        });
    }
    return out;
}

interface Token {
    entCode: string;
    issuedAt: number;
}

export class MaycurSim extends SimServer {
    readonly appCode: string;
    readonly appSecret: string;
    readonly entCode: string;
    payments: MaycurPayment[];
    tokenTtlMs: number;
    loginsPerMinute: number;
    loginBlockMs: number;
    maxPageSize: number;
    /** Successful logins (tokens issued). */
    logins = 0;
    /** Every login request, refused ones included. */
    loginAttempts = 0;
    /** Interpretation of pageNum: the palette's page number (default) or the seed's offset wording. */
    pagingMode: 'page' | 'offset' = 'page';
    /**
     * A tenant that serves at most this many payments a page whatever pageSize asks (the cap applied before paging, as
     * servers that cap silently do): page numbers count pages of that size, an offset is an offset. Unset: pageSize is served.
     */
    servesAtMost: number | undefined;
    /**
     * Page mode as Java servers often page (PageHelper's `reasonable`, set in many Spring Boot projects): a pageNum
     * below 1 reads page 1 and one past the last page reads the last page, instead of refusing or answering empty.
     */
    reasonable = false;
    /**
     * Page mode as MyBatis-Plus pages by default: a pageNum below 1 reads page 1, one past the last page answers an
     * empty list (unlike `reasonable`). Unset, a pageNum below 1 is refused.
     */
    belowOneIsFirst = false;
    /** Added to Date.now() for the simulator's clock (fast-forward token ageing with advance()). */
    private clockOffsetMs = 0;
    private readonly tokens = new Map<string, Token>();
    private loginTimes: number[] = [];
    private blockedUntil = 0;

    constructor(options: MaycurSimOptions = {}) {
        super('maycur');
        this.appCode = options.appCode ?? MAYCUR_DEMO.appCode;
        this.appSecret = options.appSecret ?? MAYCUR_DEMO.appSecret;
        this.entCode = options.entCode ?? MAYCUR_DEMO.entCode;
        this.payments = options.payments ?? demoPayments(options.count ?? 10);
        this.tokenTtlMs = options.tokenTtlMs ?? 30 * 60 * 1000;
        this.loginsPerMinute = options.loginsPerMinute ?? 5;
        this.loginBlockMs = options.loginBlockMs ?? 10 * 60 * 1000;
        this.maxPageSize = options.maxPageSize ?? 100;
        this.route('POST', '/api/openapi/auth/login', (req) => this.login(req));
        this.route('POST', '/api/openapi/paymenttransaction/paid/list', (req) => this.authed(req, (body) => this.paidList(body)));
    }

    now(): number {
        return Date.now() + this.clockOffsetMs;
    }

    /**
     * Fast-forwards the token clock: every issued token ages by `ms` (31 min → all expired). Login timestamps are
     * still checked against the real clock, so the client (which cannot be fast-forwarded) can log in again.
     */
    advance(ms: number): void {
        for (const t of this.tokens.values()) t.issuedAt -= ms;
    }

    /** Expires every token now: the next data call answers TOKEN_INVALID. */
    expireTokens(): void {
        this.tokens.clear();
    }

    /** Blocks logins as if the account logged in too often. */
    blockLogins(ms = this.loginBlockMs): void {
        this.blockedUntil = Date.now() + ms;
    }

    get validTokens(): number {
        return [...this.tokens.values()].filter((t) => this.now() - t.issuedAt < this.tokenTtlMs).length;
    }

    /** Data calls only (no logins). */
    get dataRequests(): SimRequest[] {
        return this.requests.filter((r) => !/\/auth\/login$/i.test(r.path));
    }

    protected vendorFault(name: string, req: SimRequest): SimResponse {
        if (name === 'token-expired' || name === 'session-expired') return nack('TOKEN_INVALID', 'tokenId无效或已过期');
        if (name === 'rate-limit') {
            if (/\/auth\/login$/i.test(req.path)) return nack('LOGIN_TOO_FREQUENT', '登录过于频繁，账号已被临时禁止登录，请10分钟后再试');
            return nack('REQUEST_TOO_FREQUENT', '请求过于频繁，请稍后再试');
        }
        if (name === 'system-busy') return nack('SYSTEM_BUSY', '系统繁忙，请稍后重试');
        return super.vendorFault(name, req);
    }

    private login(req: SimRequest): SimResponse {
        this.loginAttempts++;
        const badType = contentTypeProblem(req);
        if (badType) return badType;
        const body = parse(req.body);
        if (!body) return nack('PARAM_ERROR', '请求体不是合法的JSON');
        const now = Date.now();
        if (now < this.blockedUntil) return nack('LOGIN_TOO_FREQUENT', '登录过于频繁，账号已被临时禁止登录，请10分钟后再试');
        const { appCode, secret, timestamp } = body as Record<string, unknown>;
        if (typeof appCode !== 'string' || appCode === '') return nack('PARAM_ERROR', 'appCode不能为空');
        if (typeof secret !== 'string' || secret === '') return nack('PARAM_ERROR', 'secret不能为空');
        const ts = typeof timestamp === 'number' ? (Number.isInteger(timestamp) ? timestamp : NaN) : typeof timestamp === 'string' && /^\d+$/.test(timestamp) ? Number(timestamp) : NaN;
        if (!Number.isFinite(ts)) return nack('PARAM_ERROR', 'timestamp必须是毫秒时间戳');
        if (Math.abs(now - ts) > CLOCK_WINDOW_MS) return nack('TIMESTAMP_INVALID', 'timestamp与服务器时间相差超过5分钟');
        if (appCode !== this.appCode) return nack('APP_NOT_FOUND', 'appCode不存在');
        // Exact comparison, case included (protocols.md §0): an uppercase hex secret is refused.
        if (!maycurSecretOk(secret, this.appSecret, this.appCode, timestamp as string | number)) return nack('SECRET_INVALID', 'secret校验失败');
        this.loginTimes = this.loginTimes.filter((t) => now - t < 60000);
        if (this.loginTimes.length >= this.loginsPerMinute) {
            this.blockedUntil = now + this.loginBlockMs;
            return nack('LOGIN_TOO_FREQUENT', '登录过于频繁，账号已被临时禁止登录，请10分钟后再试');
        }
        this.loginTimes.push(now);
        this.logins++;
        const tokenId = crypto.randomBytes(16).toString('hex');
        this.tokens.set(tokenId, { entCode: this.entCode, issuedAt: this.now() });
        return { body: { code: 'ACK', success: true, message: '登录成功', data: { entCode: this.entCode, tokenId } } };
    }

    private authed(req: SimRequest, next: (body: Record<string, unknown>) => SimResponse): SimResponse {
        const tokenId = String(req.headers.tokenid ?? '');
        const entCode = String(req.headers.entcode ?? '');
        const token = this.tokens.get(tokenId);
        if (!token || token.entCode !== entCode) return nack('TOKEN_INVALID', 'tokenId无效或已过期');
        if (this.now() - token.issuedAt >= this.tokenTtlMs) {
            this.tokens.delete(tokenId);
            return nack('TOKEN_INVALID', 'tokenId无效或已过期');
        }
        const badType = contentTypeProblem(req);
        if (badType) return badType;
        const body = parse(req.body);
        if (!body) return nack('PARAM_ERROR', '请求体不是合法的JSON');
        return next(body);
    }

    private paidList(body: Record<string, unknown>): SimResponse {
        const data = (body.data && typeof body.data === 'object' ? body.data : body) as Record<string, unknown>;
        const num = (name: string): number | undefined | null => {
            const v = data[name];
            if (v === undefined || v === null || v === '') return undefined;
            if (typeof v === 'number' && Number.isFinite(v)) return v;
            if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
            return null;
        };
        const fields = ['pageNum', 'pageSize', 'startPaidTime', 'endPaidTime'] as const;
        const values: Record<string, number | undefined> = {};
        for (const f of fields) {
            const v = num(f);
            if (v === null) return nack('PARAM_ERROR', `${f}必须是数字`);
            values[f] = v;
        }
        const pageSize = values.pageSize ?? 20;
        if (pageSize < 1 || pageSize > this.maxPageSize) return nack('PARAM_ERROR', `pageSize必须在1到${this.maxPageSize}之间`);
        let pageNum = values.pageNum ?? (this.pagingMode === 'page' ? 1 : 0);
        if (this.pagingMode === 'page' && (this.reasonable || this.belowOneIsFirst) && pageNum < 1) pageNum = 1;
        if (this.pagingMode === 'page' ? pageNum < 1 : pageNum < 0) return nack('PARAM_ERROR', 'pageNum不合法');
        const paymentNo = data.paymentNo === undefined || data.paymentNo === null || data.paymentNo === '' ? undefined : String(data.paymentNo);
        const rows = this.payments
            .filter((p) => (values.startPaidTime === undefined || p.paidTime >= values.startPaidTime) && (values.endPaidTime === undefined || p.paidTime <= values.endPaidTime))
            .filter((p) => paymentNo === undefined || p.paymentNo === paymentNo)
            .sort((a, b) => a.paidTime - b.paidTime || (a.paymentNo < b.paymentNo ? -1 : a.paymentNo > b.paymentNo ? 1 : 0));
        const served = this.servesAtMost ? Math.min(pageSize, this.servesAtMost) : pageSize;
        if (this.pagingMode === 'page' && this.reasonable) pageNum = Math.max(1, Math.min(pageNum, Math.ceil(rows.length / served)));
        const start = this.pagingMode === 'page' ? (pageNum - 1) * served : pageNum;
        return { body: { code: 'ACK', success: true, message: '', data: { pageNum, pageSize: served, totalCount: rows.length, list: rows.slice(start, start + served) } } };
    }
}

/** §7.2/§7.3: requests are sent as `Content-Type: application/json`; anything else is refused. */
function contentTypeProblem(req: SimRequest): SimResponse | undefined {
    const ct = contentType(req);
    if (ct && ct.type === 'application/json' && (ct.params.charset === undefined || ct.params.charset === 'utf-8')) return undefined;
    return nack('PARAM_ERROR', `Content-Type必须是application/json: ${req.headers['content-type'] ?? '(无)'}`);
}

function nack(errorCode: string, message: string): SimResponse {
    return { body: { code: 'NACK', success: false, errorCode, message, data: null } };
}

function parse(text: string): Record<string, unknown> | undefined {
    try {
        const v = JSON.parse(text);
        return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
    } catch {
        return undefined;
    }
}
