/**
 * Jackyun (吉客云) simulator: the native open API and the Qimen custom-API gateway in front of it
 * (protocols.md §2, §3.3–3.5). Reference behaviour of the palette:
 *
 *   POST /open/openapi/do   form-urlencoded method, appkey, version (v1.0 | 1.0), contenttype (json), timestamp, bizcontent,
 *        sign, every one required; sign = Jackyun md5 (lower-case) with the Jackyun secret; envelope {code:200|…, msg,
 *        subCode, result:{data, contextId}}
 *   POST /router/qm         TOP system parameters (query or form) + content + jky* inner parameters (form). Required:
 *        app_key, method, timestamp, format=json, v=2.0, sign, target_app_key, customerId (§3.3; sign_method defaults
 *        to md5, partner_id optional); missing → {"error_response":{code:21|28|30|40,…}}, wrong → 22|29|31|41|11.
 *        outer sign = TOP (md5 | hmac | hmac-sha256, uppercase) with the Qimen secret → {"error_response":{code:25,…}} when wrong
 *        inner (§3.4): jkyappkey, jkymethod (= method), jkycustomerid (= the tenant), jkytimestamp (checked against the
 *        clock like timestamp), jkyversion (1.0 | v1.0), jkysign all required; jkysign = Jackyun md5 over {appkey, bizcontent,
 *        contenttype, method, timestamp, version} with the Jackyun secret
 *        → {"response":{"flag":"failure","code":…,"message":…}} when missing or wrong; success {"response":{"flag":"success",
 *        "result":{data, contextId}}} or, with `jackyunData` on, {"response":{"flag":"success","jackyunData":"<json text>"}}
 *   A body is read only as application/x-www-form-urlencoded (charset, if given, utf-8): else 0130010001 / TOP error 41.
 *   Every timestamp (and every time in the trade query) must be exactly `yyyy-MM-dd HH:mm:ss`, China time.
 *   Signatures are verified by verify.ts, written from protocols.md independently of the clients' signers.
 *
 * jackyun.tradenotsensitiveinfos.list.get (seed 000): a time range (modified_begin/_end ≡ startModified/endModified,
 * created, audit, consign), tradeNo or sourceTradeNos is required; each pair both-or-neither and ≤ 7 days (inclusive on both ends);
 * pageIndex from 0; pageSize ≤ maxPageSize (default 200); hasTotal=1 adds totalResults; `scrollId` in the request
 * switches to cursor mode (pageIndex ignored). Trades are ordered by modified time, then trade number.
 * `dataAsString` sends result.data as JSON text in PascalCase ({"Trades","ScrollId","TotalResults"}) with the
 * scrollId also at result.scrollId, as seen on real tenants.
 */
import crypto from 'crypto';
import { SimServer, SimRequest, SimResponse, chinaTime, contentType, toJson } from '../harness';
// The simulator's own signers and time parser (verify.ts), not the clients': a client signer bug must fail here.
import { jackyunSignature, topSignature, strictChinaTime } from './verify';

export const JACKYUN_DEMO = {
    /** Native Jackyun app (also the inner jky* app behind Qimen). */
    appKey: 'jky-demo-187657',
    appSecret: 'f0d1483f1f2e49cea3dfd48c8d7e3c23',
    /** Qimen app of the integrator. */
    qimenAppKey: 'qm-demo-23456789',
    qimenSecret: 'qimen-demo-secret-0001',
    /** Jackyun's app on Qimen (target_app_key). */
    targetAppKey: '21363512',
    /** Jackyun tenant id (jkycustomerid / customerId). */
    customerId: 'jky-demo-tenant',
};

export const TRADE_METHOD = 'jackyun.tradenotsensitiveinfos.list.get';
const DAY = 86400000;
const WINDOW_MAX_MS = 7 * DAY;

/** Time-range pairs of the request: [begin, end, stored field]. */
const RANGES: Array<[string, string, keyof SimTrade]> = [
    ['modified_begin', 'modified_end', 'gmtModified'],
    ['startModified', 'endModified', 'gmtModified'],
    ['startCreated', 'endCreated', 'gmtCreate'],
    ['startAuditTime', 'endAuditTime', 'auditTime'],
    ['startConsignTime', 'endConsignTime', 'consignTime'],
];

export interface SimTrade {
    tradeNo: string;
    tradeStatus: string;
    tradeType: string;
    sourceTradeNo: string;
    gmtCreate: number;
    gmtModified: number;
    auditTime: number;
    consignTime: number;
    /** The trade as the API returns it (times as China-time text), without tradeNo. */
    body: Record<string, unknown>;
}

export interface JackyunSimOptions {
    credentials?: Partial<typeof JACKYUN_DEMO>;
    /** Trades to generate (default 150). */
    trades?: number;
    /** Modified time of the first trade, epoch ms (default 2024-01-01 00:00:00 China time). */
    base?: number;
    /** Span over which modified times are spread (default 35 days). */
    spanDays?: number;
    maxPageSize?: number;
    /** Accepted clock skew (default ±10 min). */
    skewMs?: number;
}

const GOODS = [
    { goodsNo: 'MAT001', goodsName: '螺丝', specName: 'M6', unit: '个', price: 0.5, cateName: '五金', brandName: '吉客' },
    { goodsNo: 'MAT002', goodsName: '螺母', specName: 'M6', unit: '个', price: 0.3, cateName: '五金', brandName: '吉客' },
    { goodsNo: 'MAT003', goodsName: '行李包 花之春', specName: '红色', unit: '件', price: 199, cateName: '箱包', brandName: '衣服' },
    { goodsNo: 'MAT004', goodsName: '保温杯 <500ml> & 杯套', specName: '白色', unit: '只', price: 59.9, cateName: '家居', brandName: '吉客' },
    { goodsNo: 'MAT005', goodsName: '数据线', specName: '1米', unit: '根', price: 19.9, cateName: '数码', brandName: '吉客' },
];
const STATUSES = ['6000', '9090', '5030'];

/** Small deterministic PRNG so every run has the same store. */
function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 4294967296;
    };
}

function money(n: number): string {
    return n.toFixed(2);
}

export class JackyunSim extends SimServer {
    readonly creds: typeof JACKYUN_DEMO;
    readonly trades: SimTrade[] = [];
    readonly base: number;
    maxPageSize: number;
    skewMs: number;
    /** Send result.data as a JSON string in PascalCase. */
    dataAsString = false;
    /** Qimen answers carry the payload as `jackyunData` (JSON text) instead of `result`. */
    jackyunData = false;
    /** The total written when one is asked, whatever the count (0: a server whose int total was never counted). */
    totalAs: number | undefined = undefined;
    /**
     * Benchmarks only: memoise each query's filtered, ordered result (keyed on its filters and the store's size), so a
     * page costs a slice instead of a filter and sort of the whole store. Tests leave it off (they edit trades in place).
     */
    memoiseResults = false;
    /**
     * A tenant that serves at most this many trades a page whatever pageSize asks (the cap applied before paging, as
     * servers that cap silently do); pageIndex counts pages of that size. Unset: pageSize is served.
     */
    servesAtMost: number | undefined;
    /**
     * Scroll ids issued as JSON numbers beyond 2^53 (a Java `long`, as some tenants give them): an id sent back rounded
     * (1234567890123456789 read by JSON.parse is 1234567890123456800) is refused as unknown, as the server would.
     */
    longScrollIds = false;
    private readonly memo = new Map<string, SimTrade[]>();
    /** Successful data calls per entry point. */
    calls = { direct: 0, qimen: 0 };
    private readonly scrolls = new Map<string, { keys: string[]; offset: number }>();

    constructor(options: JackyunSimOptions = {}) {
        super('jackyun');
        this.creds = { ...JACKYUN_DEMO, ...options.credentials };
        this.base = options.base ?? Date.UTC(2023, 11, 31, 16, 0, 0);
        this.maxPageSize = options.maxPageSize ?? 200;
        this.skewMs = options.skewMs ?? 10 * 60000;
        this.generate(options.trades ?? 150, options.spanDays ?? 35);
        this.route('POST', '/open/openapi/do', (req) => this.direct(req));
        this.route('POST', '/router/qm', (req) => this.qimen(req));
    }

    /** Trades (API shape, tradeNo included) whose modified time lies in [from, to], ordered as the API orders them. */
    tradesModifiedBetween(from: number, to: number): SimTrade[] {
        return this.sorted(this.trades.filter((t) => t.gmtModified >= from && t.gmtModified <= to));
    }

    addTrade(trade: SimTrade): void {
        this.trades.push(trade);
    }

    // ---------------------------------------------------------------- store

    private generate(count: number, spanDays: number): void {
        const rand = rng(20240101);
        const span = spanDays * DAY;
        const times: number[] = [];
        for (let i = 0; i < count; i++) times.push(this.base + Math.floor((i * span) / count / 1000) * 1000);
        // Trades exactly on each 7-day boundary (window-split edge cases).
        for (let b = this.base + WINDOW_MAX_MS; b < this.base + span; b += WINDOW_MAX_MS) times.push(b);
        times.sort((a, b) => a - b);
        times.forEach((modified, i) => {
            const no = `JY${chinaTime(this.base).slice(0, 4)}${String(i + 1).padStart(6, '0')}`;
            const created = modified - Math.floor(rand() * 3 * DAY / 1000) * 1000;
            const audit = created + 600000;
            const consign = audit + 3600000;
            const lines = 1 + Math.floor(rand() * 3);
            const goodsDetail: Record<string, unknown>[] = [];
            let total = 0;
            for (let l = 0; l < lines; l++) {
                const g = GOODS[Math.floor(rand() * GOODS.length)];
                const qty = 1 + Math.floor(rand() * 5);
                const sum = g.price * qty;
                total += sum;
                goodsDetail.push({
                    goodsNo: g.goodsNo, goodsName: g.goodsName, specName: g.specName, barcode: `69${g.goodsNo.slice(3)}0000${l}`, sellCount: String(qty), unit: g.unit,
                    sellPrice: money(g.price), sellTotal: money(sum), cost: money(g.price * 0.6), discountTotal: '0.00', shareFavourableFee: '0.00', goodsMemo: '',
                    cateName: g.cateName, brandName: g.brandName, isFit: '0', isGift: '0', taxRate: '0.13', isPresell: '0',
                    sourceTradeNo: `TB${no.slice(2)}`, subTradeId: `${no}-${l + 1}`, platCode: 'TMALL', shopId: '1001', shopName: '吉客云天猫旗舰店',
                    customerName: '张三', customerCode: 'CUST001', tradeStatus: STATUSES[i % STATUSES.length], payStatus: '已付款',
                    gmtCreate: chinaTime(created), gmtModified: chinaTime(modified), auditTime: chinaTime(audit), consignTime: chinaTime(consign), tradeTime: chinaTime(created),
                    tradeOrderPayList: [
                        {
                            payType: '1', payNo: `PAY${no.slice(2)}`, payment: money(sum), customerPayment: money(sum), chargeType: '1', chargeCurrency: '人民币', chargeCurrencyCode: 'CNY', chargeExchangeRate: '1',
                            accountName: '支付宝', chargeAccount: 'alipay@example.com', companyName: '演示科技有限公司',
                            tradeOrderColumnExt: { tradeId: String(100000 + i), warehouseCode: 'CK01', warehouseName: '杭州仓', logisticName: '顺丰速运', mainPostid: `SF${1000000 + i}`, shopCode: 'SHOP01', tradeType: '1', isDelete: '0' },
                        },
                    ],
                });
            }
            this.trades.push({
                tradeNo: no,
                tradeStatus: STATUSES[i % STATUSES.length],
                tradeType: i % 5 === 0 ? '2' : '1',
                sourceTradeNo: `TB${no.slice(2)}`,
                gmtCreate: created,
                gmtModified: modified,
                auditTime: audit,
                consignTime: consign,
                body: {
                    checkTotal: money(total), postFee: '8.00', otherFee: '0.00', sellerMemo: i % 7 === 0 ? '加急 & 包装<易碎>' : '', buyerMemo: i % 4 === 0 ? '请尽快发货' : '',
                    tradeStatus: STATUSES[i % STATUSES.length], tradeType: i % 5 === 0 ? '2' : '1', shopName: '吉客云天猫旗舰店', gmtCreate: chinaTime(created), gmtModified: chinaTime(modified),
                    goodsDetail,
                },
            });
        });
    }

    private sorted(list: SimTrade[]): SimTrade[] {
        return list.slice().sort((a, b) => a.gmtModified - b.gmtModified || (a.tradeNo < b.tradeNo ? -1 : a.tradeNo > b.tradeNo ? 1 : 0));
    }

    private wire(t: SimTrade): Record<string, unknown> {
        // Shallow: the answer is serialised at once, so the store cannot be changed through it.
        return { tradeNo: t.tradeNo, sourceTradeNo: t.sourceTradeNo, ...t.body };
    }

    // ---------------------------------------------------------------- faults

    protected vendorFault(name: string, req: SimRequest): SimResponse {
        const viaQimen = req.path.toLowerCase().endsWith('/router/qm');
        if (name === 'rate-limit') {
            return viaQimen
                ? { body: { error_response: { code: 7, msg: 'App Call Limited', sub_code: 'accesscontrol.limited-by-app-access-count', sub_msg: '调用频率超限', request_id: this.requestId() } } }
                : { body: this.jkyFailure('0130030001', '接口调用过于频繁，超过每秒1次的限流') };
        }
        if (name === 'unsubscribed') return viaQimen ? { body: { response: { flag: 'failure', code: '0130010005', message: '应用未订阅该接口' } } } : { body: this.jkyFailure('0130010005', '应用未订阅该接口') };
        if (name === 'unknown-error') return { body: this.jkyFailure('0130020001', '未知错误') };
        if (name === 'system-busy') return { body: this.jkyFailure('0130020002', '系统繁忙，请稍后重试') };
        return super.vendorFault(name, req);
    }

    private requestId(): string {
        return crypto.randomBytes(6).toString('hex');
    }

    private jkyFailure(subCode: string, msg: string, code = 0): Record<string, unknown> {
        return { code, msg, subCode, result: { data: null, contextId: this.requestId() } };
    }

    // ---------------------------------------------------------------- entry points

    private form(req: SimRequest): Record<string, string> {
        const out: Record<string, string> = { ...req.query };
        for (const [k, v] of new URLSearchParams(req.body)) out[k] = v;
        return out;
    }

    /**
     * §2.1 and §3.3: both gateways take an `application/x-www-form-urlencoded` UTF-8 body. A Java servlet reads form
     * fields from no other body, so a body sent under another Content-Type (or none) is refused here rather than read
     * as a form anyway; a charset other than UTF-8 would decode Chinese values into other text than was signed.
     * Without a body (every parameter in the query) there is nothing to misread.
     */
    private formTypeProblem(req: SimRequest): string | undefined {
        if (req.body === '') return undefined;
        const ct = contentType(req);
        // Java knows UTF-8 also as UTF8.
        if (ct && ct.type === 'application/x-www-form-urlencoded' && [undefined, 'utf-8', 'utf8'].includes(ct.params.charset)) return undefined;
        return `Content-Type必须是application/x-www-form-urlencoded;charset=utf-8: ${req.headers['content-type'] ?? '(无)'}`;
    }

    /** Not exactly `yyyy-MM-dd HH:mm:ss`, not a real time, or further than skewMs from the clock. */
    private skewed(ts: string | undefined): boolean {
        const t = strictChinaTime(ts);
        return Number.isNaN(t) || Math.abs(Date.now() - t) > this.skewMs;
    }

    private direct(req: SimRequest): SimResponse {
        const badType = this.formTypeProblem(req);
        if (badType) return { body: this.jkyFailure('0130010001', badType) };
        const p = this.form(req);
        // §2.1: all six parameters are sent and signed, plus the sign itself.
        for (const k of ['method', 'appkey', 'version', 'contenttype', 'timestamp', 'bizcontent', 'sign']) {
            if (!p[k]) return { body: this.jkyFailure('0130010001', `缺少必要参数${k}`) };
        }
        if (p.appkey !== this.creds.appKey) return { body: this.jkyFailure('0130010002', 'appkey不存在或已停用') };
        if (p.contenttype.toLowerCase() !== 'json') return { body: this.jkyFailure('0130010001', `contenttype不支持${p.contenttype}，应为json`) };
        if (p.version !== 'v1.0' && p.version !== '1.0') return { body: this.jkyFailure('0130010001', `version不支持${p.version}，应为v1.0`) };
        if (this.skewed(p.timestamp)) return { body: this.jkyFailure('0130010004', '时间戳格式错误(yyyy-MM-dd HH:mm:ss)或超出允许范围') };
        if (p.sign !== jackyunSignature(p, this.creds.appSecret)) return { body: this.jkyFailure('0130010003', '签名验证失败') };
        if (p.method !== TRADE_METHOD) return { body: this.jkyFailure('0130010005', `应用未订阅该接口${p.method}`) };
        const answer = this.tradeQuery(p.bizcontent);
        if ('error' in answer) return { body: this.jkyFailure(answer.error[0], answer.error[1]) };
        this.calls.direct++;
        return { body: { code: 200, msg: '', subCode: '', result: { ...answer.extra, data: answer.data, contextId: this.requestId() } } };
    }

    private qimen(req: SimRequest): SimResponse {
        const p = this.form(req);
        const topError = (code: number, msg: string, sub?: string) => ({ body: { error_response: { code, msg, sub_code: sub, request_id: this.requestId() } } });
        const missing = (k: string) => topError(40, `Missing required arguments:${k}`, `isv.missing-parameter:${k}`);
        const invalid = (k: string) => topError(41, `Invalid arguments:${k}`, `isv.invalid-parameter:${k}`);
        const badType = this.formTypeProblem(req);
        if (badType) return topError(41, 'Invalid arguments:Content-Type', 'isv.invalid-parameter:Content-Type');
        if (!p.app_key) return topError(28, 'Missing App Key');
        if (p.app_key !== this.creds.qimenAppKey) return topError(29, 'Invalid App Key');
        if (!p.method) return topError(21, 'Missing Method');
        if (!p.timestamp) return topError(30, 'Missing Timestamp');
        if (this.skewed(p.timestamp)) return topError(31, 'Invalid Timestamp', 'isv.invalid-timestamp');
        // §3.3/§3.4: format=json and v=2.0 are sent (TOP would default format to xml).
        if (!p.format) return missing('format');
        if (p.format !== 'json') return invalid('format');
        if (!p.v) return missing('v');
        if (p.v !== '2.0') return invalid('v');
        if (!p.sign) return topError(25, 'Invalid signature', 'isv.missing-signature');
        const expected = topSignature(p, this.creds.qimenSecret, p.sign_method || 'md5');
        if (expected === undefined) return topError(25, 'Invalid signature', 'isv.invalid-sign-method');
        if (p.sign !== expected) return topError(25, 'Invalid signature', 'isv.invalid-signature');
        if (!p.target_app_key) return missing('target_app_key');
        if (p.target_app_key !== this.creds.targetAppKey) return topError(11, 'Insufficient isv permissions', 'isv.target-app-key-invalid');
        // customerId routes the call to the Jackyun tenant (§3.3).
        if (!p.customerId) return missing('customerId');
        if (p.customerId !== this.creds.customerId) return invalid('customerId');
        if (p.method !== TRADE_METHOD) return topError(22, 'Invalid Method');
        const failure = (code: string, message: string) => ({ body: { response: { flag: 'failure', code, message, sub_code: code, sub_message: message } } });
        // §3.4 inner Jackyun parameters: none is filled in from the outer ones.
        for (const k of ['jkyappkey', 'jkymethod', 'jkycustomerid', 'jkytimestamp', 'jkyversion', 'jkysign']) {
            if (!p[k]) return failure('0130010001', `缺少必要参数${k}`);
        }
        if (p.jkyappkey !== this.creds.appKey) return failure('0130010002', 'jkyappkey不存在或已停用');
        if (p.jkymethod !== p.method) return failure('0130010001', 'jkymethod与method不一致');
        // §3.4: jkyversion=1.0; the inner call is a Jackyun call, which takes no other version (§2.1, as direct()).
        if (p.jkyversion !== '1.0' && p.jkyversion !== 'v1.0') return failure('0130010001', `jkyversion不支持${p.jkyversion}，应为1.0`);
        if (p.jkycustomerid !== this.creds.customerId) return failure('0130010002', `吉客云租户jkycustomerid未授权该应用: ${p.jkycustomerid}`);
        if (this.skewed(p.jkytimestamp)) return failure('0130010004', 'jkytimestamp格式错误(yyyy-MM-dd HH:mm:ss)或超出允许范围');
        const inner = jackyunSignature({ appkey: p.jkyappkey, bizcontent: p.content ?? '', contenttype: 'JSON', method: p.jkymethod, timestamp: p.jkytimestamp, version: p.jkyversion }, this.creds.appSecret);
        if (p.jkysign !== inner) return failure('0130010003', '吉客云签名(jkysign)验证失败');
        const answer = this.tradeQuery(p.content ?? '');
        if ('error' in answer) return failure(answer.error[0], answer.error[1]);
        this.calls.qimen++;
        const result = { ...answer.extra, data: answer.data, contextId: this.requestId() };
        if (this.jackyunData) return { body: { response: { flag: 'success', code: '200', message: '', jackyunData: toJson({ code: 200, msg: '', subCode: '', result }) } } };
        return { body: { response: { flag: 'success', code: '200', message: '', result } } };
    }

    // ---------------------------------------------------------------- the trade query

    private tradeQuery(bizcontent: string): { data: unknown; extra: Record<string, unknown> } | { error: [string, string] } {
        let q: Record<string, any>;
        try {
            q = JSON.parse(bizcontent || '{}');
        } catch {
            return { error: ['0130010006', 'bizcontent不是合法的JSON'] };
        }
        if (q === null || typeof q !== 'object' || Array.isArray(q)) return { error: ['0130010006', 'bizcontent不是合法的JSON'] };
        const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
        const filters: Array<(t: SimTrade) => boolean> = [];
        let hasRange = false;
        for (const [b, e, field] of RANGES) {
            const from = str(q[b]);
            const to = str(q[e]);
            if (!from && !to) continue;
            if (!from || !to) return { error: ['0130040001', `${b}和${e}必须同时存在`] };
            const f = strictChinaTime(from);
            const t = strictChinaTime(to);
            if (Number.isNaN(f) || Number.isNaN(t)) return { error: ['0130040002', `${b}/${e}时间格式错误，应为yyyy-MM-dd HH:mm:ss`] };
            if (t < f) return { error: ['0130040003', `${e}不能早于${b}`] };
            if (t - f > WINDOW_MAX_MS) return { error: ['0130040004', `${b}与${e}时间间隔不能超过七天`] };
            hasRange = true;
            filters.push((tr) => (tr[field] as number) >= f && (tr[field] as number) <= t);
        }
        const tradeNos = str(q.tradeNo).split(',').map((s) => s.trim()).filter(Boolean);
        const sourceNos = str(q.sourceTradeNos).split(',').map((s) => s.trim()).filter(Boolean);
        // Seed 000: a time range and 线上单号 (sourceTradeNos) cannot both be empty; tradeNo is taken as well.
        if (!hasRange && tradeNos.length === 0 && sourceNos.length === 0) return { error: ['0130040005', '时间范围与线上单号不能同时为空'] };
        if (tradeNos.length) filters.push((t) => tradeNos.includes(t.tradeNo));
        if (sourceNos.length) filters.push((t) => sourceNos.includes(t.sourceTradeNo));
        if (str(q.tradeStatus)) filters.push((t) => str(q.tradeStatus).split(',').includes(t.tradeStatus));
        if (str(q.tradeType)) filters.push((t) => str(q.tradeType).split(',').includes(t.tradeType));
        const pageSize = q.pageSize === undefined || q.pageSize === '' ? 50 : Number(q.pageSize);
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > this.maxPageSize) return { error: ['0130040006', `pageSize必须在1到${this.maxPageSize}之间`] };
        const pageIndex = q.pageIndex === undefined || q.pageIndex === '' ? 0 : Number(q.pageIndex);
        if (!Number.isInteger(pageIndex) || pageIndex < 0) return { error: ['0130040007', 'pageIndex必须是从0开始的整数'] };
        const served = this.servesAtMost ? Math.min(pageSize, this.servesAtMost) : pageSize;
        const memoKey = this.memoiseResults ? JSON.stringify([...RANGES.flatMap(([b, e]) => [str(q[b]), str(q[e])]), tradeNos, sourceNos, str(q.tradeStatus), str(q.tradeType), this.trades.length]) : '';
        let ordered = memoKey ? this.memo.get(memoKey) : undefined;
        if (!ordered) {
            ordered = this.sorted(this.trades.filter((t) => filters.every((f) => f(t))));
            if (memoKey) this.memo.set(memoKey, ordered);
        }

        let page: SimTrade[];
        let scrollId: string | bigint | undefined;
        if (q.scrollId !== undefined) {
            // Cursor mode: "" starts a cursor over a snapshot of the result; each id moves it by one page.
            // An id sent as a JSON number is read as its digits, exactly, as the Java server reads a long.
            const asked = typeof q.scrollId === 'number' ? (/"scrollId"\s*:\s*(-?\d+)/.exec(bizcontent)?.[1] ?? String(q.scrollId)) : String(q.scrollId);
            let cursor: { keys: string[]; offset: number } | undefined;
            if (q.scrollId === '') cursor = { keys: ordered.map((t) => t.tradeNo), offset: 0 };
            else cursor = this.scrolls.get(asked);
            if (!cursor) return { error: ['0130040008', 'scrollId无效或已过期'] };
            this.scrolls.delete(asked);
            const keys = cursor.keys.slice(cursor.offset, cursor.offset + served);
            const byNo = new Map(this.trades.map((t) => [t.tradeNo, t]));
            page = keys.map((k) => byNo.get(k)!).filter(Boolean);
            // A long id is 19 digits and odd: no double holds it exactly, so a rounded one never matches.
            scrollId = this.longScrollIds ? (1000000000000000000n + (BigInt(`0x${crypto.randomBytes(8).toString('hex')}`) % 8000000000000000000n)) | 1n : crypto.randomBytes(8).toString('hex');
            this.scrolls.set(String(scrollId), { keys: cursor.keys, offset: cursor.offset + served });
        } else {
            page = ordered.slice(pageIndex * served, (pageIndex + 1) * served);
        }
        const trades = page.map((t) => this.wire(t));
        const withTotal = str(q.hasTotal) === '1';
        if (this.dataAsString) {
            const data: Record<string, unknown> = { Trades: trades };
            if (scrollId !== undefined) data.ScrollId = scrollId;
            if (withTotal) data.TotalResults = this.totalAs ?? ordered.length;
            return { data: toJson(data), extra: scrollId !== undefined ? { scrollId } : {} };
        }
        const data: Record<string, unknown> = { trades };
        if (scrollId !== undefined) data.scrollId = scrollId;
        if (withTotal) data.totalResults = this.totalAs ?? ordered.length;
        return { data, extra: {} };
    }
}
