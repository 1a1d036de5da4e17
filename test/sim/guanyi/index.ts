/**
 * 管易云 Guanyi ERP open API simulator (protocols.md §6). Speaks:
 *   POST /rest/erp_open  raw JSON, flat: appkey, sessionkey, method, business parameters, sign.
 *        Content-Type application/json with charset=utf-8 (what the official demo sends), else PARAM_ERROR.
 *        sign = uppercase hex md5(secret + jsonText without sign + secret), compared exactly by the simulator's own
 *        verifier (./verify.ts, independent of the client's signer); accepted when either the raw body minus its
 *        `sign` member or the parsed object minus `sign` re-serialised (key order kept) matches.
 *        The path is matched case-sensitively (only Kingdee's are case-insensitive, §1.1).
 *   method gy.erp.trade.return.get: filters of seed 002's request table; page_no from 1, page_size default 10,
 *        at most 100; returns ordered by create_date then code;
 *        {"success":true,…,"tradeReturns":[…],"total":n} (the list under `listKey`, none when it is null).
 *   Failures: HTTP 200 {"success":false,"errorCode","subErrorCode","errorDesc","subErrorDesc"}:
 *        bad appkey APPKEY_INVALID, bad sessionkey SESSIONKEY_INVALID (sessionkey无效), bad sign SIGN_INVALID,
 *        unknown method METHOD_INVALID, bad parameter PARAM_ERROR.
 * Vendor faults: 'rate-limit' (REQUEST_LIMIT 调用过于频繁), 'system-busy' (SYSTEM_BUSY 系统繁忙).
 */
import { SimServer, SimRequest, SimResponse, chinaTime, contentType } from '../harness';
import { guanyiSignProblem } from './verify';

export const GUANYI_DEMO = { appkey: '112233', sessionkey: 'gy-demo-sessionkey-0001', secret: 'gy-demo-secret-0001' };

export type GuanyiReturn = Record<string, any>;

export interface GuanyiSimOptions {
    appkey?: string;
    sessionkey?: string;
    secret?: string;
    /** Returns to serve; default demoReturns(25). */
    returns?: GuanyiReturn[];
    /** Generate this many instead. */
    count?: number;
    maxPageSize?: number;
}

const METHOD = 'gy.erp.trade.return.get';

/** Request field → record field, for the exact-match filters. */
const EXACT: Record<string, (r: GuanyiReturn) => unknown[]> = {
    code: (r) => [r.code],
    shop_code: (r) => [r.shop_code],
    platform_code: (r) => [r.platform_code],
    express_no: (r) => [r.express_num],
    receiver_phone: (r) => [r.receiver_phone],
    warehousein_code: (r) => [r.warehousein_code],
    warehouseout_code: (r) => [r.warehouseout_code],
    cancel: (r) => [r.cancel],
    no_parcel: (r) => [r.sanwu_package],
    receive: (r) => payments(r).map((p) => p.receive),
    agree: (r) => payments(r).map((p) => p.agree_refuse),
    return_type: (r) => payments(r).map((p) => p.return_type),
    vip_name: (r) => payments(r).map((p) => p.vip_name),
    receiver_name: (r) => payments(r).map((p) => p.receiver_name),
    drp_tenant_name: (r) => payments(r).map((p) => p.drp_tenant_name),
};

/** Time ranges: [start field, end field, record time]. */
const RANGES: Array<[string, string, (r: GuanyiReturn) => string | undefined]> = [
    ['start_create', 'end_create', (r) => r.create_date],
    ['in_begin_time', 'in_end_time', (r) => r.receive_date],
    ['modify_start_date', 'modify_end_date', (r) => payments(r).map((p) => p.modify_date).sort().pop()],
];

/**
 * A request or record time, `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd` (its midnight), as comparable ms (both China
 * time, so no zone is applied); NaN for any other form or a day/time that does not exist. Compared as times, not as
 * text: as text a date alone sorts before its own midnight.
 */
function rangeTime(text: string): number {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/.exec(text);
    if (!m) return NaN;
    const [y, mo, d, h, mi, sec] = m.slice(1).map((v) => Number(v ?? 0));
    const t = Date.UTC(y, mo - 1, d, h, mi, sec);
    const back = new Date(t);
    return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && sec < 60 ? t : NaN;
}

/** Filter values compared as text, with booleans and 0/1 flags alike (cancel=0 matches cancel:false). */
function flag(v: unknown): string {
    if (v === true || v === 'true') return '1';
    if (v === false || v === 'false') return '0';
    return String(v);
}

/** The payments of a return; tolerant of the odd shapes tests store (details as JSON text, a lone payment object). */
function payments(r: GuanyiReturn): Array<Record<string, any>> {
    const list = (v: unknown): any[] => {
        if (typeof v === 'string') {
            try {
                v = JSON.parse(v);
            } catch {
                return [];
            }
        }
        return Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : [];
    };
    return list(r.details).flatMap((d: any) => list(d?.payments));
}

export class GuanyiSim extends SimServer {
    appkey: string;
    sessionkey: string;
    secret: string;
    maxPageSize: number;
    readonly returns: GuanyiReturn[];
    /**
     * Benchmarks only: memoise each query's filtered, ordered result (keyed on its filters and the store's size), so a
     * page costs a slice instead of a filter and sort of the whole store. Tests leave it off (they edit returns in place).
     */
    memoiseResults = false;
    /** The key the page's list is answered under (§6.3: `tradeReturns`); another (a server naming it otherwise) or null (an answer cut of its list). */
    listKey: string | null = 'tradeReturns';
    private readonly memo = new Map<string, GuanyiReturn[]>();

    constructor(options: GuanyiSimOptions = {}) {
        super('guanyi');
        this.appkey = options.appkey ?? GUANYI_DEMO.appkey;
        this.sessionkey = options.sessionkey ?? GUANYI_DEMO.sessionkey;
        this.secret = options.secret ?? GUANYI_DEMO.secret;
        this.maxPageSize = options.maxPageSize ?? 100;
        this.returns = options.returns ?? demoReturns(options.count ?? 25);
        this.route('POST', /\/rest\/erp_open$/, (req) => this.open(req));
    }

    /** Parsed JSON bodies of the recorded requests. */
    get bodies(): Array<Record<string, any>> {
        return this.requests.map((r) => {
            try {
                return JSON.parse(r.body);
            } catch {
                return {};
            }
        });
    }

    protected vendorFault(name: string, req: SimRequest): SimResponse {
        if (name === 'rate-limit') return fail('REQUEST_LIMIT', '调用过于频繁,请稍后再试');
        if (name === 'system-busy') return fail('SYSTEM_BUSY', '系统繁忙,请稍后再试');
        return super.vendorFault(name, req);
    }

    private open(req: SimRequest): SimResponse {
        const ct = contentType(req);
        if (!ct || ct.type !== 'application/json' || ct.params.charset !== 'utf-8') return fail('PARAM_ERROR', `Content-Type必须是application/json;charset=utf-8: ${req.headers['content-type'] ?? '(无)'}`);
        let body: Record<string, any>;
        try {
            body = JSON.parse(req.body);
        } catch {
            return fail('PARAM_ERROR', '请求报文不是有效的JSON');
        }
        if (!body || typeof body !== 'object' || Array.isArray(body)) return fail('PARAM_ERROR', '请求报文不是JSON对象');
        if (body.appkey !== this.appkey) return fail('APPKEY_INVALID', 'appkey不存在');
        if (body.sessionkey !== this.sessionkey) return fail('SESSIONKEY_INVALID', 'sessionkey无效');
        if (guanyiSignProblem(req.body, this.secret)) return fail('SIGN_INVALID', '签名sign验证失败');
        if (body.method !== METHOD) return fail('METHOD_INVALID', `方法不存在: ${body.method}`);
        return this.returnGet(body);
    }

    private returnGet(q: Record<string, any>): SimResponse {
        const pageNo = q.page_no === undefined || q.page_no === '' ? 1 : Number(q.page_no);
        const pageSize = q.page_size === undefined || q.page_size === '' ? 10 : Number(q.page_size);
        if (!Number.isInteger(pageNo) || pageNo < 1) return fail('PARAM_ERROR', 'page_no必须是大于0的整数', 'page_no');
        if (!Number.isInteger(pageSize) || pageSize < 1) return fail('PARAM_ERROR', 'page_size必须是大于0的整数', 'page_size');
        if (pageSize > this.maxPageSize) return fail('PARAM_ERROR', `page_size不能大于${this.maxPageSize}`, 'page_size');
        for (const [from, to] of RANGES) {
            for (const f of [from, to]) {
                if (q[f] !== undefined && q[f] !== '' && Number.isNaN(rangeTime(String(q[f])))) return fail('PARAM_ERROR', `${f}格式错误,应为yyyy-MM-dd HH:mm:ss`, f);
            }
        }
        const memoKey = this.memoiseResults ? JSON.stringify([...[...Object.keys(EXACT), ...RANGES.flatMap(([from, to]) => [from, to])].map((f) => (q[f] === undefined ? '' : flag(q[f]))), this.returns.length]) : '';
        const memoised = memoKey ? this.memo.get(memoKey) : undefined;
        const rows =
            memoised ??
            this.returns
                .filter((r) => Object.entries(EXACT).every(([f, get]) => q[f] === undefined || q[f] === '' || get(r).some((v) => flag(v) === flag(q[f]))))
                .filter((r) =>
                    RANGES.every(([from, to, get]) => {
                        const t = get(r);
                        if ((q[from] ?? '') === '' && (q[to] ?? '') === '') return true;
                        const at = t ? rangeTime(t) : NaN;
                        if (Number.isNaN(at)) return false;
                        return (q[from] === undefined || q[from] === '' || at >= rangeTime(String(q[from]))) && (q[to] === undefined || q[to] === '' || at <= rangeTime(String(q[to])));
                    }),
                )
                .sort((a, b) => (a.create_date < b.create_date ? -1 : a.create_date > b.create_date ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
        if (memoKey && !memoised) this.memo.set(memoKey, rows);
        const page = rows.slice((pageNo - 1) * pageSize, pageNo * pageSize);
        return { body: { success: true, errorCode: '', subErrorCode: '', errorDesc: '', subErrorDesc: '', requestMethod: METHOD, ...(this.listKey === null ? {} : { [this.listKey]: page }), total: rows.length } };
    }
}

function fail(errorCode: string, errorDesc: string, sub = ''): SimResponse {
    return { body: { success: false, errorCode, subErrorCode: sub ? `isv.${sub}` : '', errorDesc, subErrorDesc: sub ? errorDesc : '', requestMethod: METHOD } };
}

const SHOPS = [
    { shop_code: 'SHOP01', shop_name: '天猫旗舰店' },
    { shop_code: 'SHOP02', shop_name: '京东自营店' },
];
const ITEMS = [
    { item_code: 'G001', sku_code: 'G001-RED', item_name: '保温杯', price: 50 },
    { item_code: 'G002', sku_code: 'G002-L', item_name: '棉质T恤', price: 79 },
    { item_code: 'G003', sku_code: 'G003', item_name: '帆布包', price: 35.5 },
];
const REASONS = ['七天无理由', '尺码不合适', '质量问题', '发错货'];

/** Seed 002's returns: `count` return sheets in Jan 2024, each with 1–2 detail lines and one payment per line. */
export function demoReturns(count = 25, first = Date.UTC(2024, 0, 8, 2, 0, 0)): GuanyiReturn[] {
    const out: GuanyiReturn[] = [];
    for (let i = 0; i < count; i++) {
        const shop = SHOPS[i % SHOPS.length];
        const created = first + i * 2 * 3600 * 1000;
        const code = `RTN${String(i + 1).padStart(6, '0')}`;
        const lines = 1 + (i % 2);
        const receivedAt = i % 5 === 4 ? undefined : chinaTime(created + 24 * 3600 * 1000);
        // Every seventh return was cancelled (RTN000007, RTN000014, …).
        const cancelled = i % 7 === 6;
        const details = Array.from({ length: lines }, (_, k) => {
            const item = ITEMS[(i + k) % ITEMS.length];
            const qty = 1 + ((i + k) % 3);
            const amount = Math.round(item.price * qty * 100) / 100;
            return {
                qty,
                price: item.price,
                amount,
                note: '',
                oid: `OID${i + 1}-${k + 1}`,
                sku_code: item.sku_code,
                item_sku_id: `${item.sku_code}-ID`,
                sku_note: '',
                item_name: item.item_name,
                amount_after: amount,
                post_fee: 0,
                item_code: item.item_code,
                item_id: `${item.item_code}-ID`,
                real_in: receivedAt ? qty : 0,
                discount_fee: 0,
                detail_unique: '',
                detail_batch: '',
                is_gift: false,
                combine_item_code: '',
                other_service_fee: 0,
                total_cost_price: Math.round(amount * 0.6 * 100) / 100,
                payments: [
                    {
                        payment: amount,
                        account: 'alipay-buyer@example.com',
                        pay_type_code: 'zhifubao',
                        pay_time: chinaTime(created + 3600 * 1000),
                        refund_phase: 'after_sale',
                        refund_type: 'return_goods',
                        return_type: 'R01',
                        receive: receivedAt ? 1 : 0,
                        agree_refuse: 1,
                        order_code: `SO${String(i + 1).padStart(6, '0')}`,
                        modify_date: chinaTime(created + 3600 * 1000),
                        business_man: '李四',
                        receiver_name: '王五',
                        receiver_mobile: '13900000000',
                        receiver_zip: '200000',
                        receiver_address: '上海市浦东新区世纪大道100号',
                        area_name: '上海 上海市 浦东新区',
                        drp_tenant_name: '',
                        drp_tenant_mobile: '',
                        cancel_date: cancelled ? chinaTime(created + 2 * 3600 * 1000) : '',
                        warehousein_name: '上海退货仓',
                        vip_name: `会员${i + 1}`,
                        platform_status: 'SUCCESS',
                        refund_codes: `RF${String(i + 1).padStart(6, '0')}`,
                    },
                ],
            };
        });
        out.push({
            id: String(5241000000 + i + 1),
            code,
            reason: REASONS[i % REASONS.length],
            create_date: chinaTime(created),
            approve_date: chinaTime(created + 1800 * 1000),
            approve: true,
            receive_date: receivedAt ?? '',
            cancel: cancelled,
            shop_name: shop.shop_name,
            shop_code: shop.shop_code,
            platform_code: `TB${String(880000 + i + 1)}`,
            platform_refund_id: `RF-TB-${i + 1}`,
            sanwu_package: false,
            vip_code: `VIP${String(i + 1).padStart(4, '0')}`,
            warehousein_code: 'WH-SH-RTN',
            warehouseout_code: 'WH-SH',
            location_code: 'A-01',
            express_code: 'SF',
            express_name: '顺丰速运',
            express_num: `SF${String(1000000000 + i)}`,
            receiver_phone: '13900000000',
            details,
        });
    }
    return out;
}
