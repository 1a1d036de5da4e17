/**
 * Kingdee K/3 Cloud (金蝶云星空) WebAPI simulator (protocols.md §1). Reference behaviour of the palette:
 *
 *   POST {virtualDir}Kingdee.BOS.WebApi.ServicesStub.AuthService.{ValidateUser|LoginByAppSecret|LoginBySign|Logout}.common.kdsvc
 *   POST {virtualDir}Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.{ExecuteBillQuery|BatchSave|Save|Push|ExcuteOperation}.common.kdsvc
 *
 * Both body forms (`{"parameters":[…]}` and named, case-insensitive names; `data` as object or JSON text); the
 * Content-Type is not checked. Malformed JSON → `response_error:{…}`. Logins answer LoginResultType 1 with
 * KDSVCSessionId and the two session cookies, or 0 with the vendor's Message (MessageCode 002005000003016 for a bad
 * signature). Sessions are carried by the `kdservice-sessionid` header or cookie, the `ASP.NET_SessionId` cookie or the
 * `SID` header; they expire after `idleMs` or on `expireSessions()`. Per-request API-signature headers (X-Kd-*,
 * and the whole X-Api-* set when any X-Api-* header is present: version, nonce, signheaders, timestamp within ±300 s)
 * are verified exactly. Signatures are checked by ./verify.ts, written from protocols.md, not by the client's signer. A missing/expired session
 * or a bad header signature answers the MsgCode 1 envelope (wrapped `[[…]]` by ExecuteBillQuery). A signed request that
 * carries no live session opens one and sets its cookies, as a login does; one carrying a live session uses it (§1.4).
 * ExecuteBillQuery on a bill form answers one row per entry (分录) when FieldKeys name an entry field, else one row per
 * bill; TopRowCount/StartRow/Limit count those rows. FilterString and OrderString compare as SQL Server does: datetime
 * columns as times (a literal that is no time fails the query), text ignoring case and trailing spaces, NULL matching
 * no comparison (`is [not] null` tests it) and sorting first. A saved bill's organisation field, named by
 * `{"FNumber": …}` or by its internal id `{"FOrgID": …}`, is stored as K/3 Cloud answers it: the field alone is the
 * organisation's id (what a filter on it compares), `<field>.FNumber` its number. ExcuteOperation's Cancel (作废) voids
 * bills as K/3 Cloud does: FCANCELSTATUS, FCANCELDATE and FCANCELLERID change, FModifyDate does not (`voidBills`).
 * Option `autoBillNo`: a coding rule numbering bills itself, ignoring the FBillNo sent.
 */
import crypto from 'crypto';
import { SimServer, SimRequest, SimResponse } from '../harness';
import { expectedApiSignature, expectedKdSignature, expectedLoginSign, gatewayKeyOf } from './verify';
import { MAYCUR_DEMO_ACCOUNTS } from '../maycur';

export const KINGDEE_DEMO = {
    acctId: '65f0a1b2c3d4e5f6',
    username: 'demo',
    password: 'Demo@2024',
    /** `<clientId>_<secPart>`: secPart is 32 Base64 chars decoding to 24 bytes, as real app ids are. */
    appId: '225649_7eeAwdDqQkoY0aUvSe4q3/2rUo4UUqlE',
    appSecret: '0a8f7bcd1234e5f6a7b8c9d0e1f2a3b4',
    lcid: 2052,
    /** The server's virtual directory; the config node's server URL is `baseUrl + virtualDir`. */
    virtualDir: '/k3cloud/',
};

/** Seed 001 (退料申请查询) names no FormId; 退料申请 is PUR_MRAPP in K/3 Cloud [unconfirmed]. */
export const RETURN_REQUEST_FORM = 'PUR_MRAPP';

/** The demo user's internal id (Context.UserId of a login; who voids a bill: FCANCELLERID). */
const DEMO_USER_ID = 16394;

const SVC = /^(.*\/)Kingdee\.BOS\.WebApi\.ServicesStub\.(AuthService|DynamicFormService)\.(\w+)\.common\.kdsvc$/i;
const SESSION_LOST = '会话信息已丢失，请重新登录';

export type Row = Record<string, unknown>;

export interface SimForm {
    /** Primary key field(s) in sort order, e.g. ['FID', 'FEntity_FEntryID']; a bill form's first key is the bill's. */
    keys: string[];
    /** One row per entry (分录) for a bill form, the header's fields repeated on each; one per record otherwise. */
    rows: Row[];
    /**
     * A bill form's entry fields (stored column names, lower case), filled by `addBill` from the entries it is given.
     * The server builds its SQL from the fields asked: only when FieldKeys name an entry field does it join the entry
     * table and answer one row per entry; header fields alone give one row per bill.
     */
    entryFields?: Set<string>;
}

/** Adds a bill to a bill form: one row per entry, the header's fields on each; the entries' fields become entry fields. */
export function addBill(form: SimForm, head: Row, entries: Row[]): void {
    form.entryFields ??= new Set();
    for (const e of entries) {
        for (const k of Object.keys(e)) form.entryFields.add(k.toLowerCase());
        form.rows.push({ ...head, ...e });
    }
}

export interface KingdeeSimOptions {
    credentials?: Partial<typeof KINGDEE_DEMO>;
    /** LoginBySign algorithm this server wants (older servers: sha1). */
    signAlgorithm?: 'sha256' | 'sha1';
    /** Largest page ExecuteBillQuery returns (WebAPIMaxQueryLimit), default 2000. */
    maxLimit?: number;
    /** Return-request bills to seed (2 entries each), default 10. */
    returnRequests?: number;
    /** Idle session expiry, default 20 min. */
    idleMs?: number;
    /** Accepted clock skew for signed logins and headers, default 300 s. */
    skewSeconds?: number;
    /** The server clock's offset from this machine's (seconds): a skewed server rejects signed logins and headers. */
    clockOffsetS?: number;
    /** Dates in query results as `/Date(ms+0800)/` instead of ISO text. */
    netDates?: boolean;
    /** Lock the account: every login answers 登录失败次数超限. */
    locked?: boolean;
    /**
     * Lock the account after this many failed logins of its user in a row (wrong password, app secret or signature),
     * as K/3 Cloud's password policy does (密码策略: 锁定用户). Default: never.
     */
    lockAfterFailures?: number;
    /** What a signed request carrying a session the server no longer has gets (see KingdeeSim.staleSignedSession). */
    staleSignedSession?: 'renew' | 'refuse';
    /**
     * Bill numbers unique within the bill's main business organisation (SAL_OutStock 发货组织 FStockOrgID,
     * SAL_SaleOrder 销售组织 FSaleOrgId), as under a coding rule (编码规则) kept per organisation, instead of within
     * the whole form (the default).
     */
    billNoPerOrg?: boolean;
    /**
     * The bill types' coding rule (编码规则) numbers every saved bill itself and takes no number from outside: the FBillNo
     * a new bill is sent with is ignored (not checked, not stored) and the bill gets the next number of the rule
     * (XSCKD000001 …), as K/3 Cloud does when the rule does not allow manual numbers. A modification keeps its number.
     * Default false: a bill sent with a FBillNo is saved under it.
     */
    autoBillNo?: boolean;
    /**
     * An older K/3 Cloud: a login answers no KDSVCSessionId and sets the `ASP.NET_SessionId` cookie only, and a
     * session is carried by that cookie alone (the `kdservice-sessionid` header and cookie are ignored). Default false.
     */
    aspSessionOnly?: boolean;
    /**
     * Save, BatchSave and Push do their work (bills saved, targets made) and then throw: each answers
     * `response_error:` with this exception message, as K/3 Cloud does when something after the save fails (a SQL
     * timeout, a plug-in's exception). Also settable on the simulator (KingdeeSim.throwAfterWrite); undefined: never.
     */
    throwAfterWrite?: string;
}

interface Session {
    id: string;
    asp: string;
    lastUsed: number;
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function responseStatus(errors: Array<{ FieldName: string | null; Message: string; DIndex: number }>, success: Array<Record<string, unknown>> = [], msgCode = 0): Record<string, unknown> {
    const ok = errors.length === 0;
    return { ErrorCode: ok ? '' : 500, IsSuccess: ok, Errors: errors, SuccessEntitys: success, SuccessMessages: [], MsgCode: ok ? 0 : msgCode };
}

function envelope(errors: Array<{ FieldName: string | null; Message: string; DIndex: number }>, msgCode: number): Record<string, unknown> {
    return { Result: { ResponseStatus: responseStatus(errors, [], msgCode) } };
}

class SimFault extends Error {
    constructor(
        message: string,
        readonly msgCode: number,
        readonly fieldName: string | null = null,
    ) {
        super(message);
    }
}

// ---------- FilterString subset -------------------------------------------------------------------------------------

type Tok = { t: 'id' | 'str' | 'num' | 'op' | 'lp' | 'rp' | 'comma'; v: string };

function tokenize(text: string): Tok[] {
    const out: Tok[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (/\s/.test(c)) {
            i++;
        } else if (c === "'") {
            let s = '';
            i++;
            for (;;) {
                if (i >= text.length) throw new SimFault('过滤条件语法错误: 字符串未结束', 4);
                if (text[i] === "'") {
                    if (text[i + 1] === "'") {
                        s += "'";
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                s += text[i++];
            }
            out.push({ t: 'str', v: s });
        } else if (c === '(') {
            out.push({ t: 'lp', v: c });
            i++;
        } else if (c === ')') {
            out.push({ t: 'rp', v: c });
            i++;
        } else if (c === ',') {
            out.push({ t: 'comma', v: c });
            i++;
        } else if (/[<>=!]/.test(c)) {
            const two = text.slice(i, i + 2);
            if (['<>', '>=', '<=', '!='].includes(two)) {
                out.push({ t: 'op', v: two === '!=' ? '<>' : two });
                i += 2;
            } else {
                out.push({ t: 'op', v: c });
                i++;
            }
        } else if (/[-\d]/.test(c) && /[\d.]/.test(text[i + 1] ?? '') || /\d/.test(c)) {
            const m = /^-?\d+(\.\d+)?/.exec(text.slice(i))!;
            out.push({ t: 'num', v: m[0] });
            i += m[0].length;
        } else if (/[A-Za-z_\u4e00-\u9fff]/.test(c)) {
            const m = /^[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*/.exec(text.slice(i))!;
            out.push({ t: 'id', v: m[0] });
            i += m[0].length;
        } else {
            throw new SimFault(`过滤条件语法错误: 无法识别的字符 ${c}`, 4);
        }
    }
    return out;
}

type Pred = ((get: (field: string) => unknown) => boolean) & { fields?: string[] };

/** A stored datetime value: K/3 Cloud answers datetime columns as zone-less ISO text (protocols.md §1.5). */
const DATETIME_VALUE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?$/;

/**
 * A datetime text as SQL Server converts it to `datetime` (zone-less, so as comparable ms), or NaN when it fails:
 * yyyy-MM-dd, yyyy/M/d or yyyyMMdd, then optionally ` H:mm[:ss[.fff]]`, or ISO 8601 `THH:mm:ss[.fff][Z]`. A date alone
 * is its midnight; an offset (+08:00), a missing piece or a day that does not exist fails the conversion.
 */
export function sqlDateTime(text: string): number {
    const m = /^(\d{4})(?:-(\d{2})-(\d{2})|\/(\d{1,2})\/(\d{1,2})|(\d{2})(\d{2}))(?:( )(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?|(T)(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z?)?$/.exec(text.trim());
    if (!m) return NaN;
    const y = Number(m[1]);
    const mo = Number(m[2] ?? m[4] ?? m[6]);
    const d = Number(m[3] ?? m[5] ?? m[7]);
    const h = Number(m[9] ?? m[14] ?? 0);
    const mi = Number(m[10] ?? m[15] ?? 0);
    const s = Number(m[11] ?? m[16] ?? 0);
    const ms = Math.round(Number('0.' + (m[12] ?? m[17] ?? '0')) * 1000);
    const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    const back = new Date(t);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return NaN;
    return t;
}

const isNull = (v: unknown) => v === null || v === undefined;
/** Text as SQL Server's default collation (Chinese_PRC_CI_AS) compares it: case ignored, trailing spaces ignored. */
const collated = (v: unknown) => str(v).replace(/ +$/, '').toLowerCase();

/**
 * A column's value against a FilterString literal, as SQL Server compares them (the server turns the filter into
 * SQL): a datetime column converts the literal to a time (failing the query when it cannot); a number on either side
 * compares numbers (the text converted, failing when it is no number); text compares collated. NULLs are the
 * caller's: they match no comparison.
 */
function compare(column: unknown, literal: unknown): number {
    if (typeof column === 'string' && DATETIME_VALUE.test(column) && typeof literal === 'string') {
        const t = sqlDateTime(literal);
        if (Number.isNaN(t)) throw new SimFault(`从字符串转换日期和/或时间时，转换失败: '${literal}'`, 4);
        return sqlDateTime(column) - t;
    }
    if (typeof column === 'number' || typeof literal === 'number' || typeof column === 'boolean') {
        const a = Number(column);
        const b = Number(literal);
        if (!Number.isFinite(a) || !Number.isFinite(b)) throw new SimFault(`将值 '${str(Number.isFinite(a) ? literal : column)}' 转换为数值类型时失败`, 4);
        return a - b;
    }
    const a = collated(column);
    const b = collated(literal);
    return a < b ? -1 : a > b ? 1 : 0;
}

/** ORDER BY of two column values: NULLs first (SQL Server), times as times, numbers as numbers, text collated. */
function orderCompare(a: unknown, b: unknown): number {
    if (isNull(a) || isNull(b)) return isNull(a) ? (isNull(b) ? 0 : -1) : 1;
    if (typeof a === 'string' && typeof b === 'string' && DATETIME_VALUE.test(a) && DATETIME_VALUE.test(b)) return sqlDateTime(a) - sqlDateTime(b);
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const x = collated(a);
    const y = collated(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

export function parseFilter(text: string): Pred {
    const toks = tokenize(text);
    /** The field names the filter refers to (the server refuses unknown ones). */
    const fields: string[] = [];
    let p = 0;
    const peek = () => toks[p];
    const kw = (word: string) => peek()?.t === 'id' && peek().v.toLowerCase() === word;
    const fail = (): never => {
        throw new SimFault(`过滤条件语法错误: ${text}`, 4);
    };
    const value = (): unknown => {
        const t = toks[p++];
        if (!t) fail();
        if (t.t === 'str') return t.v;
        if (t.t === 'num') return Number(t.v);
        return fail();
    };
    const primary = (): Pred => {
        if (peek()?.t === 'lp') {
            p++;
            const inner = or();
            if (toks[p++]?.t !== 'rp') fail();
            return inner;
        }
        const f = toks[p++];
        if (!f || f.t !== 'id') return fail();
        const field = f.v;
        fields.push(field);
        if (kw('is')) {
            p++;
            const not = kw('not');
            if (not) p++;
            if (!kw('null')) fail();
            p++;
            return (get) => isNull(get(field)) !== not;
        }
        let negate = false;
        if (kw('not')) {
            negate = true;
            p++;
        }
        if (kw('like')) {
            p++;
            const pattern = str(value());
            const re = new RegExp('^' + pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.') + '$', 'i');
            return (get) => !isNull(get(field)) && re.test(str(get(field))) !== negate;
        }
        if (kw('in')) {
            p++;
            if (toks[p++]?.t !== 'lp') fail();
            const list: unknown[] = [value()];
            while (peek()?.t === 'comma') {
                p++;
                list.push(value());
            }
            if (toks[p++]?.t !== 'rp') fail();
            return (get) => !isNull(get(field)) && list.some((v) => compare(get(field), v) === 0) !== negate;
        }
        if (negate) fail();
        const op = toks[p++];
        if (!op || op.t !== 'op') return fail();
        const v = value();
        // SQL: a comparison with NULL is unknown, so the row is not selected (whatever the operator).
        const cmp = (test: (c: number) => boolean): Pred => (get) => !isNull(get(field)) && test(compare(get(field), v));
        switch (op.v) {
            case '=':
                return cmp((c) => c === 0);
            case '<>':
                return cmp((c) => c !== 0);
            case '>':
                return cmp((c) => c > 0);
            case '>=':
                return cmp((c) => c >= 0);
            case '<':
                return cmp((c) => c < 0);
            case '<=':
                return cmp((c) => c <= 0);
        }
        return fail();
    };
    const and = (): Pred => {
        let left = primary();
        while (kw('and')) {
            p++;
            const l = left;
            const r = primary();
            left = (get) => l(get) && r(get);
        }
        return left;
    };
    const or = (): Pred => {
        let left = and();
        while (kw('or')) {
            p++;
            const l = left;
            const r = and();
            left = (get) => l(get) || r(get);
        }
        return left;
    };
    if (toks.length === 0) return Object.assign(() => true, { fields });
    const pred: Pred = or();
    if (p !== toks.length) fail();
    return Object.assign((get: (field: string) => unknown) => pred(get), { fields });
}

/** Whether a request is a login (ValidateUser, LoginByAppSecret, LoginBySign), not a data call nor a Logout. */
export const isKingdeeLogin = (req: { path: string }): boolean => /AuthService\.(?!Logout)/i.test(req.path);

// ---------- the simulator -------------------------------------------------------------------------------------------

export class KingdeeSim extends SimServer {
    readonly creds: typeof KINGDEE_DEMO;
    readonly forms = new Map<string, SimForm>();
    signAlgorithm: 'sha256' | 'sha1';
    maxLimit: number;
    idleMs: number;
    skewSeconds: number;
    clockOffsetS: number;
    netDates: boolean;
    locked: boolean;
    /** See KingdeeSimOptions.lockAfterFailures. */
    lockAfterFailures: number;
    /** Failed logins of the user in a row (wrong password, app secret or signature). */
    failedLogins = 0;
    /** Every login call (any of the three), successful or not. */
    loginCount = 0;
    /** Successful logins. */
    loginSuccesses = 0;
    /** Sessions ended by a Logout call. */
    logouts = 0;
    /** Requests accepted through the API-signature headers. */
    apiSignedCount = 0;
    /** Sessions opened by signed requests that came without a live one. */
    apiSessionsOpened = 0;
    /**
     * What a correctly signed request carrying a session the server no longer has (idle, expired) gets. 'renew'
     * (default): the headers authenticate it and a new session is opened, with its cookies: what the vendor's SDKs
     * imply, as they send the kept cookie with the headers on every call and never drop it nor retry (they only take
     * the next Set-Cookie). 'refuse': the MsgCode 1 session-lost answer, as a server going by the cookie first would
     * give [unconfirmed].
     */
    staleSignedSession: 'renew' | 'refuse';
    /** See KingdeeSimOptions.billNoPerOrg. */
    private readonly billNoPerOrg: boolean;
    /** See KingdeeSimOptions.autoBillNo. */
    autoBillNo: boolean;
    /** See KingdeeSimOptions.aspSessionOnly. */
    aspSessionOnly: boolean;
    /** See KingdeeSimOptions.throwAfterWrite. */
    throwAfterWrite: string | undefined;
    private readonly sessions = new Map<string, Session>();
    private nextId = 200001;
    private nextNumber = 1;

    constructor(options: KingdeeSimOptions = {}) {
        super('kingdee', { caseInsensitivePaths: true });
        this.creds = { ...KINGDEE_DEMO, ...options.credentials };
        this.signAlgorithm = options.signAlgorithm ?? 'sha256';
        this.maxLimit = options.maxLimit ?? 2000;
        this.idleMs = options.idleMs ?? 20 * 60000;
        this.skewSeconds = options.skewSeconds ?? 300;
        this.clockOffsetS = options.clockOffsetS ?? 0;
        this.netDates = options.netDates ?? false;
        this.locked = options.locked ?? false;
        this.lockAfterFailures = options.lockAfterFailures ?? Infinity;
        this.staleSignedSession = options.staleSignedSession ?? 'renew';
        this.billNoPerOrg = options.billNoPerOrg ?? false;
        this.autoBillNo = options.autoBillNo ?? false;
        this.aspSessionOnly = options.aspSessionOnly ?? false;
        this.throwAfterWrite = options.throwAfterWrite;
        this.seed(options.returnRequests ?? 10);
        this.route('POST', SVC, (req) => this.service(req));
    }

    /** The server's clock in Unix seconds. */
    private nowSeconds(): number {
        return Date.now() / 1000 + this.clockOffsetS;
    }

    /** The config node's server URL for this simulator. */
    get serverUrl(): string {
        return this.baseUrl + this.creds.virtualDir;
    }

    /** Rows of a form (live array: tests may inspect or add). */
    rows(formId: string): Row[] {
        return this.form(formId).rows;
    }

    /** Ends every session now (the next call answers MsgCode 1). */
    expireSessions(): void {
        this.sessions.clear();
    }

    /** Sessions the server holds: each is a user logged in (idle ones until their next request finds them expired). */
    get sessionCount(): number {
        return this.sessions.size;
    }

    private form(formId: string): SimForm {
        for (const [k, f] of this.forms) if (k.toLowerCase() === formId.toLowerCase()) return f;
        throw new SimFault(`业务对象"${formId}"不存在`, 4);
    }

    private seed(returnRequests: number): void {
        this.forms.set('BD_Currency', { keys: ['FCURRENCYID'], rows: [{ FCURRENCYID: 1, FNumber: 'PRE001', FCODE: 'CNY', FName: '人民币' }, { FCURRENCYID: 7, FNumber: 'PRE007', FCODE: 'USD', FName: '美元' }] });
        const mats = ['螺丝', '螺母', '垫片', '弹簧', '轴承'];
        this.forms.set('BD_MATERIAL', { keys: ['FMATERIALID'], rows: mats.map((n, i) => ({ FMATERIALID: 100001 + i, FNumber: `MAT00${i + 1}`, FName: n, FDocumentStatus: 'C', FForbidStatus: 'A' })) });
        this.forms.set('BD_Customer', { keys: ['FCUSTID'], rows: [{ FCUSTID: 300001, FNumber: 'CUST001', FName: '杭州示例商贸有限公司', FDocumentStatus: 'C' }] });
        this.forms.set('BD_STOCK', { keys: ['FStockId'], rows: [{ FStockId: 400001, FNumber: 'CK01', FName: '成品仓' }, { FStockId: 400002, FNumber: 'WH01', FName: 'WMS仓' }] });
        this.forms.set('ORG_Organizations', { keys: ['FOrgID'], rows: [{ FOrgID: 1, FNumber: '100', FName: '总部' }, { FOrgID: 100101, FNumber: '101', FName: '杭州分公司' }] });
        this.forms.set('BD_BillType', {
            keys: ['FBillTypeID'],
            rows: [
                { FBillTypeID: 'ad0779a4685a43a08f08d2e42d7bf3e9', FNumber: 'XSCKD01_SYS', FName: '标准销售出库单' },
                { FBillTypeID: '6f3c1f0b2e8d4b4f9a7e5c1d2b3a4f50', FNumber: 'TLSQ01_SYS', FName: '标准退料申请' },
            ],
        });
        // Seed 001: 退料申请 bills TL2024010001…, two entries each, stock WH01. Seed 001's field table lists the
        // header's fields first, then the entry's (FEntity) from FRowType on.
        // Most of them voided (作废状态 FCANCELSTATUS 'B' 已作废), the WMS orders of which example 02 cancels; every fourth
        // from the third on (TL2024010003, TL2024010007, …) not voided ('A' 未作废). TL2024010010, whose WMS order has
        // shipped, is voided. Voided later the same day than last saved: 作废 sets FCANCELSTATUS, FCANCELDATE (作废日期)
        // and FCANCELLERID (作废人), never FModifyDate, which only a save changes (see voidBills).
        const ret: SimForm = { keys: ['FID', 'FEntity_FEntryID'], rows: [] };
        for (let b = 0; b < returnRequests; b++) {
            const fid = 500001 + b;
            const day = String(1 + (b % 28)).padStart(2, '0');
            const voided = b % 4 !== 2;
            const head: Row = {
                FID: fid,
                FBillNo: `TL202401${String(b + 1).padStart(4, '0')}`,
                FDocumentStatus: b % 3 === 2 ? 'B' : 'C',
                'FStockOrgId.FNumber': '100',
                FDate: `2024-01-${day}T00:00:00`,
                // A basic-data field: as Kingdee answers it, the bill type's internal id; its number under .FNumber.
                FBillTypeID: '6f3c1f0b2e8d4b4f9a7e5c1d2b3a4f50',
                'FBillTypeID.FNumber': 'TLSQ01_SYS',
                FOwnerTypeIdHead: 'BD_OwnerOrg',
                'FOwnerIdHead.FNumber': '100',
                FAffairType: 'Dassembly',
                FEE: 0,
                'FDeptID.FNumber': 'BM001',
                FNote: `退料申请 ${b + 1}`,
                FCreateDate: `2024-01-${day}T09:30:00`,
                FModifyDate: `2024-01-${day}T10:00:00`,
                FAPPROVEDATE: b % 3 === 2 ? null : `2024-01-${day}T11:00:00`,
                FCANCELDATE: voided ? `2024-01-${day}T16:30:00` : null,
                FCANCELSTATUS: voided ? 'B' : 'A',
                FCANCELLERID: voided ? DEMO_USER_ID : 0,
                FSubProOwnTypeIdH: 'BD_OwnerOrg',
                'FSubProOwnerIdH.FNumber': '100',
            };
            const entries: Row[] = [0, 1].map((e) => ({
                FRowType: 'Standard',
                'FMaterialID.FNumber': `MAT00${((b + e) % 5) + 1}`,
                'FMaterialID.FBARCODE': `69000000${String(((b + e) % 5) + 1).padStart(5, '0')}`,
                'FUnitID.FNumber': 'Pcs',
                FQty: 10 + b + e,
                Fee_ETY: 0,
                'FStockID.FNumber': 'WH01',
                FStockStatusID: 'KCZT01_SYS',
                FDescription: '',
                FMTONO: '',
                FOwnerTypeID: 'BD_OwnerOrg',
                'FOwnerID.FNumber': '100',
                FKeeperTypeID: 'BD_KeeperOrg',
                'FKeeperID.FNumber': '100',
                FBomID: 0,
                FProduceDate: null,
                FEXPIRYDATE: null,
                'FLOT.FNumber': '',
                FSrcBillTypeId: '',
                FSrcBillNo: '',
                FEntity_FEntryID: 600001 + b * 2 + e,
            }));
            addBill(ret, head, entries);
        }
        this.forms.set(RETURN_REQUEST_FORM, ret);
        // Ten audited payment requests FKSQ000101…110 (one entry each) and FKSQ000111, not yet audited (cannot be pushed).
        const payApply: SimForm = { keys: ['FID'], rows: [] };
        for (let i = 0; i < 11; i++) {
            addBill(payApply, { FID: 700001 + i, FBillNo: `FKSQ000${101 + i}`, FDate: '2024-02-01T00:00:00', FPAYORGID: 1, 'FPAYORGID.FNumber': '100', FAPPLYAMOUNTFOR_H: 1000 + i * 10, FDocumentStatus: i < 10 ? 'C' : 'B', FPushed: false }, [{ FPAYAPPLYENTRY_FEntryID: 710001 + i }]);
        }
        this.forms.set('CN_PAYAPPLY', payApply);
        this.forms.set('AP_PAYBILL', { keys: ['FID'], rows: [] });
        // Seed 004 looks up the push's TargetOrgId by the paying account: bank accounts (银行账号 CN_BANKACNT) holding the
        // Maycur demo's payer accounts, each used by the organisation named in MAYCUR_DEMO_ACCOUNTS (FUseOrgId = its FOrgID).
        const orgs = this.forms.get('ORG_Organizations')!.rows;
        this.forms.set('CN_BANKACNT', {
            keys: ['FBANKACNTID'],
            rows: Object.entries(MAYCUR_DEMO_ACCOUNTS).map(([number, acct], i) => {
                const org = orgs.find((o) => o.FNumber === acct.orgNumber);
                return { FBANKACNTID: 800001 + i, FNumber: number, FName: `${acct.name} 基本户`, FUseOrgId: org?.FOrgID ?? 0, 'FUseOrgId.FNumber': acct.orgNumber, FDocumentStatus: 'C', FForbidStatus: 'A' };
            }),
        });
        // Filled by Save/BatchSave (its entry fields are those `save` gives `addBill`).
        this.forms.set('SAL_OutStock', { keys: ['FID', 'FEntity_FEntryID'], rows: [] });
        // A form whose entry is not FEntity (销售订单, entry FSaleOrderEntry; keys spelt as K/3 Cloud does), so that the
        // save node is tried on a form other than seed 000's. Filled by Save/BatchSave.
        this.forms.set('SAL_SaleOrder', { keys: ['FID', 'FSaleOrderEntry_FEntryID'], rows: [] });
    }

    // ---- transport ----

    protected vendorFault(name: string, req: SimRequest): SimResponse {
        const m = SVC.exec(req.path);
        const wrap = (b: unknown) => (m && m[3].toLowerCase() === 'executebillquery' ? [[b]] : b);
        if (name === 'session-expired') {
            const sid = this.sessionIdOf(req);
            if (sid) this.sessions.delete(sid);
            return { body: wrap(envelope([{ FieldName: null, Message: SESSION_LOST, DIndex: 0 }], 1)) };
        }
        if (name === 'rate-limit') return { body: wrap(envelope([{ FieldName: null, Message: '调用限制：接口调用次数超过限制，请稍后再试', DIndex: 0 }], 14)) };
        return super.vendorFault(name, req);
    }

    private responseError(message: string): SimResponse {
        return { body: 'response_error:' + JSON.stringify({ Message: message, InnerExWrapper: null, InnerException: null }) };
    }

    private service(req: SimRequest): SimResponse {
        const m = SVC.exec(req.path)!;
        if (m[1].toLowerCase() !== this.creds.virtualDir.toLowerCase()) return { status: 404, body: `no route for ${req.path}` };
        const svc = m[3].toLowerCase();
        let body: unknown;
        try {
            body = JSON.parse(req.body);
        } catch (err) {
            return this.responseError(`请求格式错误: ${(err as Error).message}`);
        }
        if (!isObj(body)) return this.responseError('请求格式错误: 请求体必须是 JSON 对象');
        const positional = Array.isArray(body.parameters) ? (body.parameters as unknown[]) : undefined;
        const named = (name: string): unknown => {
            for (const k of Object.keys(body as object)) if (k.toLowerCase() === name.toLowerCase()) return (body as any)[k];
            return undefined;
        };
        const arg = (i: number, name: string) => (positional ? positional[i] : named(name));
        try {
            if (m[2].toLowerCase() === 'authservice') return svc === 'logout' ? this.logout(req) : this.auth(svc, arg, !!positional);
            const wrap = svc === 'executebillquery';
            const auth = this.authorised(req);
            if (!auth.ok) req.refused = 'session lost';
            if (!auth.ok) return { body: wrap ? [[envelope([{ FieldName: null, Message: SESSION_LOST, DIndex: 0 }], 1)]] : envelope([{ FieldName: null, Message: SESSION_LOST, DIndex: 0 }], 1) };
            const res = this.operation(svc, m[3], wrap, arg);
            if (auth.setCookie) res.headers = { ...res.headers, 'Set-Cookie': auth.setCookie };
            return res;
        } catch (err) {
            if (err instanceof SimFault) return { body: envelope([{ FieldName: err.fieldName, Message: err.message, DIndex: 0 }], err.msgCode) };
            throw err;
        }
    }

    /** A write's answer, or (throwAfterWrite) the exception its service threw once the write was done. */
    private afterWrite(answer: SimResponse): SimResponse {
        return this.throwAfterWrite === undefined ? answer : this.responseError(this.throwAfterWrite);
    }

    /** One DynamicFormService operation of an authorised request. */
    private operation(svc: string, name: string, wrap: boolean, arg: (i: number, name: string) => unknown): SimResponse {
        const parseData = (v: unknown): Record<string, any> => {
            if (typeof v === 'string') {
                try {
                    v = JSON.parse(v);
                } catch (err) {
                    throw Object.assign(new Error(`data 不是有效的 JSON: ${(err as Error).message}`), { responseError: true });
                }
            }
            if (!isObj(v)) throw new SimFault('参数错误: data 必须是对象', 8);
            return v;
        };
        try {
            switch (svc) {
                case 'executebillquery':
                    return { body: this.executeBillQuery(parseData(arg(0, 'data'))) };
                case 'batchsave':
                case 'save':
                    return this.afterWrite({ body: this.save(str(arg(0, 'formid')), parseData(arg(1, 'data')), svc === 'batchsave') });
                case 'push':
                    return this.afterWrite({ body: this.push(str(arg(0, 'formid')), parseData(arg(1, 'data'))) });
                case 'excuteoperation':
                    return { body: this.executeOperation(str(arg(0, 'formid')), str(arg(1, 'opNumber')), parseData(arg(2, 'data'))) };
                default:
                    return this.responseError(`服务 ${name} 未在模拟器中实现`);
            }
        } catch (err) {
            if ((err as any).responseError) return this.responseError((err as Error).message);
            if (err instanceof SimFault) {
                const b = envelope([{ FieldName: err.fieldName, Message: err.message, DIndex: 0 }], err.msgCode);
                return { body: wrap ? [[b]] : b };
            }
            throw err;
        }
    }

    // ---- auth ----

    private loginFail(message: string, code: string | null = null): SimResponse {
        return { body: { Message: message, MessageCode: code, LoginResultType: 0, IsSuccessByAPI: false, KDSVCSessionId: null, Context: null, Lcid: 2052, AccessToken: null, FormId: null } };
    }

    /** A login of the user refused for its credentials: counted towards the lock. */
    private wrongCredentials(message: string, code: string | null = null): SimResponse {
        if (++this.failedLogins >= this.lockAfterFailures) this.locked = true;
        return this.loginFail(message, code);
    }

    /** Logout ends the session the request carries (the server's other sessions stay); `true` either way. */
    private logout(req: SimRequest): SimResponse {
        const sid = this.sessionIdOf(req);
        if (sid && this.sessions.delete(sid)) this.logouts++;
        return { body: true };
    }

    private auth(svc: string, arg: (i: number, name: string) => unknown, positional: boolean): SimResponse {
        if (!['validateuser', 'loginbyappsecret', 'loginbysign'].includes(svc)) return this.responseError(`服务 ${svc} 未在模拟器中实现`);
        this.loginCount++;
        if (this.locked) return this.loginFail('登录失败次数超限，账户已被锁定，请30分钟后再试');
        const c = this.creds;
        const acct = str(arg(0, svc === 'validateuser' ? 'acctid' : 'acctId'));
        const user = str(arg(1, 'username'));
        if (acct !== c.acctId) return this.loginFail(`数据中心[${acct}]不存在`);
        if (user !== c.username) return this.loginFail('用户名或密码错误');
        let lcid: unknown;
        if (svc === 'validateuser') {
            if (str(arg(2, 'password')) !== c.password) return this.wrongCredentials('用户名或密码错误');
            lcid = arg(3, 'lcid');
        } else if (svc === 'loginbyappsecret') {
            if (str(arg(2, 'appId')) !== c.appId || str(arg(3, 'appSecret')) !== c.appSecret) return this.wrongCredentials('应用ID或应用密钥错误', '002005000003016');
            lcid = arg(4, 'lcid');
        } else {
            if (!positional) return this.responseError('LoginBySign 只接受 parameters 参数');
            const appId = str(arg(2, 'appId'));
            const ts = str(arg(3, 'timestamp'));
            const sign = str(arg(4, 'sign'));
            lcid = arg(5, 'lcid');
            if (appId !== c.appId) return this.loginFail('应用ID不存在', '002005000003016');
            if (!/^\d+$/.test(ts) || Math.abs(Number(ts) - this.nowSeconds()) > this.skewSeconds) return this.loginFail('签名已过期，请检查时间戳', '002005000003016');
            if (sign !== expectedLoginSign(acct, user, appId, c.appSecret, ts, this.signAlgorithm)) return this.wrongCredentials('签名验证失败', '002005000003016');
        }
        this.loginSuccesses++;
        this.failedLogins = 0;
        const s = this.openSession();
        return {
            headers: { 'Set-Cookie': this.sessionCookies(s) },
            body: { Message: null, MessageCode: null, LoginResultType: 1, IsSuccessByAPI: true, ...(this.aspSessionOnly ? {} : { KDSVCSessionId: s.id }), Context: { UserId: DEMO_USER_ID, UserName: user, DBid: acct, Lcid: Number(lcid) || 2052 }, Lcid: Number(lcid) || 2052, AccessToken: null, FormId: null },
        };
    }

    private cookies(req: SimRequest): Record<string, string> {
        const out: Record<string, string> = {};
        for (const part of str(req.headers.cookie).split(';')) {
            const eq = part.indexOf('=');
            if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
        }
        return out;
    }

    private sessionIdOf(req: SimRequest): string | undefined {
        const cookies = this.cookies(req);
        if (this.aspSessionOnly) {
            const asp = cookies['ASP.NET_SessionId'];
            for (const s of this.sessions.values()) if (asp && s.asp === asp) return s.id;
            return asp || undefined;
        }
        const candidates = [str(req.headers['kdservice-sessionid']), cookies['kdservice-sessionid'] ?? '', str(req.headers.sid)];
        for (const c of candidates) if (c && this.sessions.has(c)) return c;
        const asp = cookies['ASP.NET_SessionId'];
        if (asp) for (const s of this.sessions.values()) if (s.asp === asp) return s.id;
        return candidates.find((c) => c) || undefined;
    }

    private openSession(): Session {
        const s: Session = { id: crypto.randomBytes(16).toString('hex'), asp: crypto.randomBytes(12).toString('base64url'), lastUsed: Date.now() };
        this.sessions.set(s.id, s);
        return s;
    }

    private sessionCookies(s: Session): string[] {
        const asp = `ASP.NET_SessionId=${s.asp}; path=/; HttpOnly`;
        return this.aspSessionOnly ? [asp] : [`kdservice-sessionid=${s.id}; path=/`, asp];
    }

    /** The live session a request carries (its idle time restarted), or undefined. */
    private liveSession(req: SimRequest): Session | undefined {
        const sid = this.sessionIdOf(req);
        const s = sid ? this.sessions.get(sid) : undefined;
        if (!s) return undefined;
        if (Date.now() - s.lastUsed > this.idleMs) {
            this.sessions.delete(s.id);
            return undefined;
        }
        s.lastUsed = Date.now();
        return s;
    }

    /** Whether a request may run, and the cookies of the session a signed request opened. */
    private authorised(req: SimRequest): { ok: boolean; setCookie?: string[] } {
        if (req.headers['x-kd-appkey'] === undefined) return { ok: this.liveSession(req) !== undefined };
        if (!this.headerSignatureOk(req)) return { ok: false };
        if (this.liveSession(req)) return { ok: true };
        if (this.sessionIdOf(req) !== undefined && this.staleSignedSession === 'refuse') return { ok: false };
        this.apiSessionsOpened++;
        return { ok: true, setCookie: this.sessionCookies(this.openSession()) };
    }

    /**
     * §1.4 header mode. X-Kd-*: the appId, Base64 appData `acctId,username,lcid,orgNum` and its kdHmac. When any
     * X-Api-* header is there, the whole gateway set must be: X-Api-ClientID (the appId's clientId), X-Api-Auth-Version
     * 2.0, x-api-timestamp (Unix seconds, or ms when > 10^12) within the skew window, x-api-nonce = the timestamp (both
     * SDKs send it so), x-api-signheaders naming exactly x-api-timestamp,x-api-nonce (case-insensitive: Java sends
     * X-Api-TimeStamp,X-Api-Nonce), and X-Api-Signature over this request's path.
     */
    private headerSignatureOk(req: SimRequest): boolean {
        const has = (n: string) => req.headers[n.toLowerCase()] !== undefined;
        const h = (n: string) => str(req.headers[n.toLowerCase()]);
        const c = this.creds;
        const appId = h('X-Kd-Appkey');
        if (appId !== c.appId) return false;
        const appDataB64 = h('X-Kd-Appdata');
        if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(appDataB64) || appDataB64 === '') return false;
        const appData = Buffer.from(appDataB64, 'base64').toString('utf8');
        const parts = appData.split(',');
        if (parts.length !== 4) return false;
        const [acct, user, lcid, orgNum] = parts;
        if (acct !== c.acctId || user !== c.username) return false;
        // An unset orgNum is "0" (Python SDK; the palette follows it), not Java's "null".
        if (!/^\d+$/.test(lcid) || orgNum === '' || orgNum === 'null') return false;
        if (h('X-Kd-Signature') !== expectedKdSignature(appId, appData, c.appSecret)) return false;
        const apiHeaders = Object.keys(req.headers).filter((k) => k.toLowerCase().startsWith('x-api-'));
        if (apiHeaders.length > 0) {
            for (const n of ['X-Api-ClientID', 'X-Api-Auth-Version', 'x-api-timestamp', 'x-api-nonce', 'x-api-signheaders', 'X-Api-Signature']) if (!has(n) || h(n) === '') return false;
            if (h('X-Api-Auth-Version') !== '2.0') return false;
            if (h('x-api-signheaders').toLowerCase() !== 'x-api-timestamp,x-api-nonce') return false;
            const tsText = h('x-api-timestamp');
            if (!/^\d{1,13}$/.test(tsText)) return false;
            let ts = Number(tsText);
            if (ts > 1e12) ts = ts / 1000;
            if (Math.abs(ts - this.nowSeconds()) > this.skewSeconds) return false;
            if (h('x-api-nonce') !== tsText) return false;
            const key = gatewayKeyOf(c.appId);
            if (!key || h('X-Api-ClientID') !== key.clientId) return false;
            if (h('X-Api-Signature') !== expectedApiSignature(c.appId, req.path, tsText, h('x-api-nonce'))) return false;
        }
        this.apiSignedCount++;
        return true;
    }

    // ---- ExecuteBillQuery ----

    /** The stored column a field key names (case-insensitive), or undefined. */
    private column(row: Row, key: string): string | undefined {
        const lower = key.toLowerCase();
        for (const k of Object.keys(row)) if (k.toLowerCase() === lower) return k;
        // Seed 001's flattened spelling FMaterialID_FNumber ≡ FMaterialID.FNumber.
        const us = key.lastIndexOf('_');
        if (us > 0) {
            const dotted = (key.slice(0, us) + '.' + key.slice(us + 1)).toLowerCase();
            for (const k of Object.keys(row)) if (k.toLowerCase() === dotted) return k;
        }
        return undefined;
    }

    private field(row: Row, key: string): { found: boolean; value: unknown } {
        const k = this.column(row, key);
        return k === undefined ? { found: false, value: undefined } : { found: true, value: row[k] };
    }

    private executeBillQuery(data: Record<string, any>): unknown {
        const pick = (n: string) => {
            for (const k of Object.keys(data)) if (k.toLowerCase() === n.toLowerCase()) return data[k];
            return undefined;
        };
        const formId = str(pick('FormId'));
        if (!formId) throw new SimFault('单据标识为空: FormId', 5);
        const form = this.form(formId);
        const fieldKeys = pick('FieldKeys');
        if (typeof fieldKeys !== 'string' || fieldKeys.trim() === '') throw new SimFault('参数错误: FieldKeys 必须是逗号分隔的字符串', 8);
        const keys = fieldKeys.split(',').map((k) => k.trim()).filter(Boolean);
        const sample: Row = form.rows[0] ?? Object.fromEntries(form.keys.map((k) => [k, null]));
        for (const k of keys) if (form.rows.length > 0 && !this.field(sample, k).found) throw new SimFault(`字段"${k}"在业务对象"${formId}"中不存在`, 9, k);
        const filterText = pick('FilterString');
        if (filterText !== undefined && filterText !== null && typeof filterText !== 'string') throw new SimFault('参数错误: FilterString 必须是字符串', 8);
        const pred = parseFilter(str(filterText));
        // The server turns these into SQL: a field the form does not have fails the query (MsgCode 9).
        const known = (k: string, what: string) => {
            if (form.rows.length > 0 && !this.field(sample, k).found) throw new SimFault(`${what}中的字段"${k}"在业务对象"${formId}"中不存在`, 9, k);
        };
        for (const f of pred.fields ?? []) known(f, '过滤条件');
        let rows = form.rows.filter((r) => pred((f) => this.field(r, f).value));
        // FieldKeys naming no entry field: one row per bill, the first of its entries that pass the filter. A filter on
        // an entry field thus selects the bills having such an entry, once each [unconfirmed: public sources are
        // silent on it; a server joining the entry table for the filter might repeat the bill per matching entry].
        const entryFields = form.entryFields;
        if (entryFields && form.rows.length > 0 && !keys.some((k) => entryFields.has(str(this.column(sample, k)).toLowerCase()))) {
            const billKey = form.keys[0];
            const seen = new Set<unknown>();
            rows = rows.filter((r) => {
                if (seen.has(r[billKey])) return false;
                seen.add(r[billKey]);
                return true;
            });
        }
        const order = str(pick('OrderString')).trim();
        if (order) {
            const spec = order.split(',').map((part) => {
                const [f, dir] = part.trim().split(/\s+/);
                if (dir !== undefined && !/^(asc|desc)$/i.test(dir)) throw new SimFault(`排序条件语法错误: ${order}`, 4);
                known(f, '排序条件');
                return { f, desc: (dir ?? '').toUpperCase() === 'DESC' };
            });
            rows = rows
                .map((r, i) => ({ r, i }))
                .sort((a, b) => {
                    for (const s of spec) {
                        const c = orderCompare(this.field(a.r, s.f).value, this.field(b.r, s.f).value);
                        if (c !== 0) return s.desc ? -c : c;
                    }
                    return a.i - b.i;
                })
                .map((x) => x.r);
        } else {
            // No order: the database's heap order, which is not stable across calls [palette: shuffled per call
            // would be harsh; a rotation by the call count keeps tests deterministic yet shows the skip/repeat].
            const shift = this.requestCount % Math.max(1, rows.length);
            rows = rows.slice(shift).concat(rows.slice(0, shift));
        }
        const top = Number(pick('TopRowCount') ?? 0) || 0;
        if (top > 0) rows = rows.slice(0, top);
        const start = Number(pick('StartRow') ?? 0) || 0;
        const limitAsked = Number(pick('Limit') ?? 0) || 0;
        const limit = limitAsked <= 0 ? this.maxLimit : Math.min(limitAsked, this.maxLimit);
        return rows.slice(start, start + limit).map((r) => keys.map((k) => this.out(this.field(r, k).value)));
    }

    private out(v: unknown): unknown {
        if (this.netDates && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(v)) {
            const ms = Date.parse(v + '+08:00');
            return `/Date(${ms}+0800)/`;
        }
        return v;
    }

    // ---- Save / BatchSave ----

    private numberOf(v: unknown, key = 'FNumber'): string | undefined {
        if (!isObj(v)) return undefined;
        for (const k of Object.keys(v)) if (k.toLowerCase() === key.toLowerCase()) return str(v[k]);
        return undefined;
    }

    private exists(formId: string, number: string): boolean {
        return this.form(formId).rows.some((r) => str(r.FNumber) === number);
    }

    /**
     * The organisation an organisation field of a Model names: by its number `{"FNumber": "100"}` or by its internal id
     * `{"FOrgID": 1}` (the key K/3 Cloud's own Save templates give it, `{"FOrgID": 0, "FNUMBER": "100"}`), the number
     * first; anything else is refused as ill-formed [the vendor's reading of other keys, FID say, is unconfirmed].
     */
    private orgOf(v: unknown): { row?: Row; error?: string } {
        const n = this.numberOf(v, 'FNumber');
        const orgs = this.rows('ORG_Organizations');
        if (n !== undefined && n !== '') {
            const row = orgs.find((o) => str(o.FNumber) === n);
            return row ? { row } : { error: `的编码值["${n}"]不存在` };
        }
        const id = this.numberOf(v, 'FOrgID');
        if (id !== undefined && Number(id) !== 0) {
            const row = orgs.find((o) => str(o.FOrgID) === id);
            return row ? { row } : { error: `的内码值["${id}"]不存在` };
        }
        return { error: '的值格式错误，应为 {"FNumber":"…"} 或 {"FOrgID":…}' };
    }

    /** A bill's organisation fields as stored: the internal id (as K/3 Cloud answers the field) and its number. */
    private orgColumns(field: string, v: unknown): Row {
        const row = this.orgOf(v).row;
        return { [field]: row?.FOrgID ?? 0, [`${field}.FNumber`]: row?.FNumber ?? null };
    }

    /** Whether a saved bill of organisation (number) `org` and a new bill naming `given` share one run of numbers. */
    private sameNumbering(org: unknown, given: unknown): boolean {
        return !this.billNoPerOrg || str(org) === str(this.orgOf(given).row?.FNumber);
    }

    private validateOutStock(model: Record<string, any>, index: number): Array<{ FieldName: string | null; Message: string; DIndex: number }> {
        const errs: Array<{ FieldName: string | null; Message: string; DIndex: number }> = [];
        const err = (f: string, m: string) => errs.push({ FieldName: f, Message: m, DIndex: index });
        const required: Array<[string, string]> = [['FDate', '日期'], ['FSaleOrgID', '销售组织'], ['FCustomerID', '客户'], ['FStockOrgID', '发货组织']];
        for (const [f, label] of required) if (model[f] === undefined || model[f] === null || model[f] === '') err(f, `字段“${label}”是必填项`);
        const ref = (f: string, formId: string, value: unknown, label: string) => {
            if (value === undefined || value === null || value === '') return;
            if (formId === 'ORG_Organizations') {
                const { error } = this.orgOf(value);
                return error === undefined ? undefined : err(f, `字段“${label}”${error}`);
            }
            const n = this.numberOf(value, 'FNumber');
            if (n === undefined) return err(f, `字段“${label}”的值格式错误，应为 {"FNumber":"…"}`);
            if (!this.exists(formId, n)) err(f, `字段“${label}”的编码值["${n}"]不存在`);
        };
        ref('FSaleOrgID', 'ORG_Organizations', model.FSaleOrgID, '销售组织');
        ref('FStockOrgID', 'ORG_Organizations', model.FStockOrgID, '发货组织');
        ref('FCustomerID', 'BD_Customer', model.FCustomerID, '客户');
        if (model.FBillTypeID !== undefined) {
            const bt = this.numberOf(model.FBillTypeID, 'FNUMBER');
            if (bt === undefined || !this.exists('BD_BillType', bt)) err('FBillTypeID', `字段“单据类型”的编码值["${bt ?? ''}"]不存在`);
        }
        const entries = model.FEntity;
        if (!Array.isArray(entries) || entries.length === 0) err('FEntity', '明细信息至少需要一行');
        else
            entries.forEach((e: any) => {
                if (!isObj(e)) return err('FEntity', '明细行必须是对象');
                if (e.FMaterialID === undefined) err('FMaterialID', '字段“物料编码”是必填项');
                ref('FMaterialID', 'BD_MATERIAL', e.FMaterialID, '物料编码');
                ref('FStockID', 'BD_STOCK', e.FStockID, '仓库');
                if (e.FRealQty === undefined || !(Number(e.FRealQty) > 0)) err('FRealQty', '字段“实发数量”必须大于0');
            });
        // Under a coding rule numbering bills itself the number sent is ignored, so never a duplicate.
        const no = this.autoBillNo ? '' : str(model.FBillNo);
        // FID 0 or blank creates a bill; an existing bill's FID modifies it (its own number is no duplicate).
        const fid = Number(model.FID) || 0;
        if (fid && !this.rows('SAL_OutStock').some((r) => r.FID === fid)) err('FID', `单据内码“${fid}”不存在`);
        if (no && this.rows('SAL_OutStock').some((r) => r.FBillNo === no && r.FID !== fid && this.sameNumbering(r['FStockOrgID.FNumber'], model.FStockOrgID))) err('FBillNo', `单据编号“${no}”已经存在，不能重复`);
        return errs;
    }

    /** SAL_SaleOrder's checks: header 日期, 销售组织 FSaleOrgId, 客户 FCustId; lines FSaleOrderEntry with 物料 FMaterialId and 销售数量 FQty. */
    private validateSaleOrder(model: Record<string, any>, index: number): Array<{ FieldName: string | null; Message: string; DIndex: number }> {
        const errs: Array<{ FieldName: string | null; Message: string; DIndex: number }> = [];
        const err = (f: string, m: string) => errs.push({ FieldName: f, Message: m, DIndex: index });
        const ref = (f: string, formId: string, value: unknown, label: string) => {
            if (value === undefined || value === null || value === '') return err(f, `字段“${label}”是必填项`);
            if (formId === 'ORG_Organizations') {
                const { error } = this.orgOf(value);
                return error === undefined ? undefined : err(f, `字段“${label}”${error}`);
            }
            const n = this.numberOf(value, 'FNumber');
            if (n === undefined) return err(f, `字段“${label}”的值格式错误，应为 {"FNumber":"…"}`);
            if (!this.exists(formId, n)) err(f, `字段“${label}”的编码值["${n}"]不存在`);
        };
        if (!model.FDate) err('FDate', '字段“日期”是必填项');
        ref('FSaleOrgId', 'ORG_Organizations', model.FSaleOrgId, '销售组织');
        ref('FCustId', 'BD_Customer', model.FCustId, '客户');
        const entries = model.FSaleOrderEntry;
        if (!Array.isArray(entries) || entries.length === 0) err('FSaleOrderEntry', '明细信息至少需要一行');
        else
            entries.forEach((e: any) => {
                if (!isObj(e)) return err('FSaleOrderEntry', '明细行必须是对象');
                ref('FMaterialId', 'BD_MATERIAL', e.FMaterialId, '物料编码');
                if (e.FQty === undefined || !(Number(e.FQty) > 0)) err('FQty', '字段“销售数量”必须大于0');
            });
        const no = this.autoBillNo ? '' : str(model.FBillNo);
        const fid = Number(model.FID) || 0;
        if (fid && !this.rows('SAL_SaleOrder').some((r) => r.FID === fid)) err('FID', `单据内码“${fid}”不存在`);
        if (no && this.rows('SAL_SaleOrder').some((r) => r.FBillNo === no && r.FID !== fid && this.sameNumbering(r['FSaleOrgId.FNumber'], model.FSaleOrgId))) err('FBillNo', `单据编号“${no}”已经存在，不能重复`);
        return errs;
    }

    private save(formId: string, data: Record<string, any>, batch: boolean): unknown {
        if (!formId) throw new SimFault('单据标识为空: formid', 5);
        const form = ['SAL_OutStock', 'SAL_SaleOrder'].find((f) => f.toLowerCase() === formId.toLowerCase());
        if (!form) throw new SimFault(`模拟器不支持保存业务对象"${formId}"`, 4);
        const outStock = form === 'SAL_OutStock';
        const model = data.Model ?? data.model;
        const models: unknown[] = batch ? (Array.isArray(model) ? model : (null as any)) : isObj(model) ? [model] : (null as any);
        if (!models) throw new SimFault(batch ? '参数错误: BatchSave 的 Model 必须是数组' : '参数错误: Save 的 Model 必须是对象', 8, 'Model');
        const errors: Array<{ FieldName: string | null; Message: string; DIndex: number }> = [];
        const success: Array<Record<string, unknown>> = [];
        const needReturn = Array.isArray(data.NeedReturnFields) ? (data.NeedReturnFields as string[]) : [];
        const returnData: Row[] = [];
        models.forEach((m, i) => {
            if (!isObj(m)) return errors.push({ FieldName: null, Message: 'Model 元素必须是对象', DIndex: i });
            const errs = outStock ? this.validateOutStock(m, i) : this.validateSaleOrder(m, i);
            if (errs.length) return errors.push(...errs);
            const store = this.form(form);
            const fid = Number(m.FID) || 0;
            const old = fid ? store.rows.find((r) => r.FID === fid) : undefined;
            // A modification replaces the bill's rows (IsDeleteEntry), keeping its id and, unless given, its number.
            if (old) for (let k = store.rows.length - 1; k >= 0; k--) if (store.rows[k].FID === fid) store.rows.splice(k, 1);
            const id = old ? fid : this.nextId++;
            const sent = this.autoBillNo ? '' : str(m.FBillNo);
            const number = sent || (old ? str(old.FBillNo) : `${outStock ? 'XSCKD' : 'XSDD'}${String(this.nextNumber++).padStart(6, '0')}`);
            const date = str(m.FDate).length === 10 ? `${m.FDate}T00:00:00` : str(m.FDate);
            const status = data.IsAutoSubmitAndAudit === true || data.IsAutoSubmitAndAudit === 'true' ? 'C' : 'A';
            const [head, entries]: [Row, Row[]] = outStock
                ? [
                      { FID: id, FBillNo: number, FDate: date, FDocumentStatus: status, 'FCustomerID.FNumber': this.numberOf(m.FCustomerID), ...this.orgColumns('FSaleOrgID', m.FSaleOrgID), ...this.orgColumns('FStockOrgID', m.FStockOrgID), FNote: m.FNote ?? '' },
                      (m.FEntity as any[]).map((e, k) => ({
                          'FMaterialID.FNumber': this.numberOf(e.FMaterialID),
                          'FStockID.FNumber': this.numberOf(e.FStockID) ?? null,
                          FRealQty: Number(e.FRealQty),
                          // Seed 000's source order number on the lines (网店订单号): a duplicate guard's source-id field.
                          FJKShopNumber: str(e.FJKShopNumber),
                          FEntity_FEntryID: id * 10 + k,
                      })),
                  ]
                : [
                      { FID: id, FBillNo: number, FDate: date, FDocumentStatus: status, 'FCustId.FNumber': this.numberOf(m.FCustId), ...this.orgColumns('FSaleOrgId', m.FSaleOrgId), FNote: m.FNote ?? '' },
                      (m.FSaleOrderEntry as any[]).map((e, k) => ({
                          'FMaterialId.FNumber': this.numberOf(e.FMaterialId),
                          FQty: Number(e.FQty),
                          // A custom source-order field on the lines: a duplicate guard's source-id field.
                          F_QKZI_SourceBillNo: str(e.F_QKZI_SourceBillNo),
                          FSaleOrderEntry_FEntryID: id * 10 + k,
                      })),
                  ];
            addBill(store, head, entries);
            success.push({ Id: String(id), Number: number, DIndex: i });
            if (needReturn.length) returnData.push(Object.fromEntries(needReturn.map((f) => [f, f.toUpperCase() === 'FID' ? id : f.toUpperCase() === 'FBILLNO' ? number : null])));
        });
        const status = responseStatus(errors, success, 11);
        if (errors.length) status.IsSuccess = false;
        const result: Record<string, unknown> = { ResponseStatus: status, NeedReturnData: returnData };
        if (!batch && success.length === 1) Object.assign(result, { Id: success[0].Id, Number: success[0].Number });
        return { Result: result };
    }

    // ---- 作废 (void) ----

    /**
     * Voids (作废) bills of a form, by number, as K/3 Cloud's Cancel operation does: FCANCELSTATUS 'B' (已作废),
     * FCANCELDATE the server's time now (China time, zone-less) or `at`, FCANCELLERID the user; FModifyDate is left as it
     * was (only a save changes it), so a read by modification time never sees a bill voided after its last save.
     * Every entry row of each bill. Returns the numbers voided; a number no bill has, or one voided already, is not
     * [which document statuses may be voided is not checked: unconfirmed].
     */
    voidBills(formId: string, numbers: string[], at?: string): string[] {
        const rows = this.rows(formId);
        const when = at ?? new Date(this.nowSeconds() * 1000 + 8 * 3600000).toISOString().slice(0, 19);
        const done: string[] = [];
        for (const no of numbers) {
            const bill = rows.filter((r) => str(r.FBillNo) === no);
            if (bill.length === 0 || bill.every((r) => r.FCANCELSTATUS === 'B')) continue;
            for (const r of bill) Object.assign(r, { FCANCELSTATUS: 'B', FCANCELDATE: when, FCANCELLERID: DEMO_USER_ID });
            done.push(no);
        }
        return done;
    }

    /**
     * ExcuteOperation (sic, protocols.md §1.1) `[formid, opNumber, data]`: only opNumber Cancel (作废), with
     * `data.Numbers` (a list) or `data.Ids` (comma text); the answer has the Save shape, an Errors entry for a bill not
     * found or voided already.
     */
    private executeOperation(formId: string, opNumber: string, data: Record<string, any>): unknown {
        if (!formId) throw new SimFault('单据标识为空: formid', 5);
        if (opNumber.toLowerCase() !== 'cancel') throw new SimFault(`模拟器不支持操作"${opNumber}"`, 4);
        const rows = this.rows(formId);
        const list = (v: unknown) => (Array.isArray(v) ? v.map(str) : str(v).split(',')).map((x) => x.trim()).filter(Boolean);
        const byNumber = list(data.Numbers);
        const numbers = byNumber.length ? byNumber : list(data.Ids).map((id) => str(rows.find((r) => str(r.FID) === id)?.FBillNo ?? `#${id}`));
        if (numbers.length === 0) throw new SimFault('参数错误: Ids 和 Numbers 不能同时为空', 8, 'Numbers');
        const errors: Array<{ FieldName: string | null; Message: string; DIndex: number }> = [];
        const success: Array<Record<string, unknown>> = [];
        numbers.forEach((no, i) => {
            const row = rows.find((r) => str(r.FBillNo) === no);
            if (!row) return errors.push({ FieldName: null, Message: `单据“${no}”不存在`, DIndex: i });
            if (this.voidBills(formId, [no]).length === 0) return errors.push({ FieldName: null, Message: `单据“${no}”已经作废，不能重复作废`, DIndex: i });
            success.push({ Id: String(row.FID), Number: no, DIndex: i });
        });
        const status = responseStatus(errors, success, 11);
        return { Result: { ResponseStatus: status } };
    }

    // ---- Push ----

    private push(formId: string, data: Record<string, any>): unknown {
        if (!formId) throw new SimFault('单据标识为空: formid', 5);
        if (formId.toLowerCase() !== 'cn_payapply') throw new SimFault(`模拟器不支持下推业务对象"${formId}"`, 4);
        const enableDefault = data.IsEnableDefaultRule === true || data.IsEnableDefaultRule === 'true';
        const target = str(data.TargetFormId);
        if (!str(data.RuleId) && !enableDefault) throw new SimFault('参数错误: RuleId 为空且未启用默认转换规则', 8, 'RuleId');
        if (enableDefault && !target) throw new SimFault('参数错误: 启用默认转换规则时必须指定 TargetFormId', 8, 'TargetFormId');
        if (target && target.toLowerCase() !== 'ap_paybill') throw new SimFault(`没有从 CN_PAYAPPLY 到 ${target} 的转换规则`, 4, 'TargetFormId');
        const list = (v: unknown) => (Array.isArray(v) ? v.map(str) : str(v).split(',')).map((x) => x.trim()).filter(Boolean);
        const numbers = list(data.Numbers);
        const ids = list(data.Ids);
        const entryIds = list(data.EntryIds);
        // EntryIds set → entry-level push and Ids/Numbers are ignored; else Numbers, else Ids (protocols.md §1.7).
        type By = 'Number' | 'Id' | 'EntryId';
        const sources: Array<{ by: By; v: string }> = (entryIds.length ? entryIds.map((v) => ({ by: 'EntryId' as By, v })) : numbers.length ? numbers.map((v) => ({ by: 'Number' as By, v })) : ids.map((v) => ({ by: 'Id' as By, v })));
        if (sources.length === 0) throw new SimFault('参数错误: Ids、Numbers 和 EntryIds 不能同时为空', 8, 'Numbers');
        const errors: Array<{ FieldName: string | null; Message: string; DIndex: number }> = [];
        const success: Array<Record<string, unknown>> = [];
        const src = this.rows('CN_PAYAPPLY');
        const column: Record<By, string> = { Number: 'FBillNo', Id: 'FID', EntryId: 'FPAYAPPLYENTRY_FEntryID' };
        const missing: Record<By, string> = { Number: '单据编号为“%”的源单不存在', Id: '内码为“%”的源单不存在', EntryId: '分录内码为“%”的源单分录不存在' };
        sources.forEach((s, i) => {
            const row = src.find((r) => str(r[column[s.by]]) === s.v);
            if (!row) return errors.push({ FieldName: null, Message: missing[s.by].replace('%', s.v), DIndex: i });
            if (row.FDocumentStatus !== 'C') return errors.push({ FieldName: null, Message: `源单“${row.FBillNo}”未审核，不能下推`, DIndex: i });
            if (row.FPushed) return errors.push({ FieldName: null, Message: `源单“${row.FBillNo}”已经全部下推，不能重复下推`, DIndex: i });
            row.FPushed = true;
            const id = this.nextId++;
            const number = `FKD${String(this.nextNumber++).padStart(8, '0')}`;
            // The target's organisation (付款组织, its main one): TargetOrgId, an organisation's internal id, else the
            // source's, as a conversion rule commonly maps it.
            const orgId = Number(data.TargetOrgId) || Number(row.FPAYORGID) || 0;
            const org = this.rows('ORG_Organizations').find((o) => o.FOrgID === orgId);
            this.rows('AP_PAYBILL').push({
                FID: id,
                FBillNo: number,
                FDate: row.FDate,
                FSRCBILLNO: row.FBillNo,
                FSRCBILLID: row.FID,
                FPAYORGID: orgId,
                'FPAYORGID.FNumber': org?.FNumber ?? null,
                FPAYTOTALAMOUNTFOR_H: row.FAPPLYAMOUNTFOR_H,
                FDocumentStatus: 'A',
                TargetOrgId: data.TargetOrgId ?? 0,
                // What the conversion received, for tests: the rule used, the bill type and the plug-ins' parameters.
                FRuleId: str(data.RuleId) || (enableDefault ? 'default' : ''),
                FBillTypeID: str(data.TargetBillTypeId),
                CustomParams: data.CustomParams ?? null,
            });
            success.push({ Id: String(id), Number: number, DIndex: i });
        });
        const status = responseStatus(errors, success, 11);
        return { Result: { ResponseStatus: status, ConvertResponseStatus: responseStatus(errors, success, 11) } };
    }
}
