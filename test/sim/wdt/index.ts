/**
 * 旺店通·企业版 WDT openapi2 simulator (protocols.md §5). Speaks:
 *   POST /openapi2/trade_push.php   form fields sid, appkey, timestamp (Unix s, ±300 s), sign, shop_no, switch,
 *        trade_list (JSON array of trades with order_list lines). sign = §5.2 over all fields (./verify.ts, not the
 *        client's signer), compared exactly. trade_list is decoded as PHP's json_decode does (an escaped unpaired
 *        surrogate fails the whole call: 'trade_list不是有效的JSON').
 *        Unknown shop_no fails the whole call; switch=0 accepts the good trades and lists the bad ones in
 *        error_list [{tid, error}]; switch=1 (strict, the vendor's default) accepts nothing if one trade is bad.
 *        Answer {"code":0,"message":"","new_count":n,"chg_count":m,"error_list":[…]}: a tid already stored for the
 *        shop counts as changed. A trade carrying is_auto_wms at all, whatever its value, is stored in auto-flow mode
 *        (seed 003: outside that mode the field must not be sent).
 *   POST /openapi2/shop.php         shop_no?, page_no (from 0), page_size → {"code":0,"total_count":"n","shoplist":[…]}
 *   Failures: HTTP 200 {"code":<non-zero>,"message":"…"} in the vendor's words.
 * Vendor faults: 'rate-limit' (code 1090 接口调用过于频繁), 'system-busy' (code 1080 系统繁忙: nothing done).
 */
import { SimServer, SimRequest, SimResponse } from '../harness';
import { expectedWdtSign, phpJsonDecode } from './verify';

export const WDT_DEMO = { sid: 'wdtdemo', appkey: 'wdt-demo-appkey', appsecret: 'wdt-demo-secret-0001', shopNo: 'SHOP01' };

/** Demo goods: merchant codes (spec_no) and their goods_no; seed 003's pushed orders use G001/G001-RED. */
export const WDT_DEMO_GOODS: Array<{ goods_no: string; spec_no: string; goods_name: string; spec_name: string }> = [
    { goods_no: 'G001', spec_no: 'G001-RED', goods_name: '保温杯', spec_name: '红色' },
    { goods_no: 'G001', spec_no: 'G001-BLUE', goods_name: '保温杯', spec_name: '蓝色' },
    { goods_no: 'G002', spec_no: 'G002-L', goods_name: '棉质T恤', spec_name: 'L码' },
    { goods_no: 'G002', spec_no: 'G002-M', goods_name: '棉质T恤', spec_name: 'M码' },
    { goods_no: 'G003', spec_no: 'G003', goods_name: '帆布包', spec_name: '' },
];

export interface WdtSimOptions {
    sid?: string;
    appkey?: string;
    appsecret?: string;
    /** More seller accounts the server knows, besides the one above (two accounts on one server). */
    otherAccounts?: Array<{ sid: string; appkey: string; appsecret: string }>;
    /** Shops known to the ERP (default SHOP01, SHOP02). */
    shops?: string[];
    goods?: typeof WDT_DEMO_GOODS;
    /** Largest trade_list accepted (default 100). */
    maxTrades?: number;
    clockWindowS?: number;
    /** The server's clock minus the real one, in seconds (simulates a skewed host: the client's time looks off). */
    clockOffsetS?: number;
}

export interface StoredTrade {
    shop_no: string;
    trade: Record<string, unknown>;
    /** How many pushes created/updated it. */
    pushes: number;
    /** Taken in auto-flow mode (自动流转模式): the trade carried is_auto_wms. */
    autoFlow: boolean;
}

export class WdtSim extends SimServer {
    sid: string;
    appkey: string;
    appsecret: string;
    readonly otherAccounts: Array<{ sid: string; appkey: string; appsecret: string }>;
    readonly shops: Set<string>;
    readonly goods: typeof WDT_DEMO_GOODS;
    maxTrades: number;
    clockWindowS: number;
    clockOffsetS: number;
    /** Accepted trades by `shop_no/tid`, in arrival order. */
    readonly trades = new Map<string, StoredTrade>();

    constructor(options: WdtSimOptions = {}) {
        super('wdt');
        this.sid = options.sid ?? WDT_DEMO.sid;
        this.appkey = options.appkey ?? WDT_DEMO.appkey;
        this.appsecret = options.appsecret ?? WDT_DEMO.appsecret;
        this.otherAccounts = options.otherAccounts ?? [];
        this.shops = new Set(options.shops ?? ['SHOP01', 'SHOP02']);
        this.goods = options.goods ?? WDT_DEMO_GOODS;
        this.maxTrades = options.maxTrades ?? 100;
        this.clockWindowS = options.clockWindowS ?? 300;
        this.clockOffsetS = options.clockOffsetS ?? 0;
        this.route('POST', /\/openapi2\/trade_push\.php$/, (req) => this.guard(req, (p) => this.tradePush(p)));
        this.route('POST', /\/openapi2\/shop\.php$/, (req) => this.guard(req, (p) => this.shopQuery(p)));
    }

    /** Requests that reached trade_push. */
    get pushRequests(): SimRequest[] {
        return this.requests.filter((r) => r.path.endsWith('/trade_push.php'));
    }

    /** Parsed form fields of a recorded request. */
    static form(req: SimRequest): Record<string, string> {
        const out: Record<string, string> = {};
        for (const [k, v] of new URLSearchParams(req.body)) out[k] = v;
        return out;
    }

    protected vendorFault(name: string, req: SimRequest): SimResponse {
        if (name === 'rate-limit') return { body: { code: 1090, message: '接口调用过于频繁,请稍后再试' } };
        if (name === 'system-busy') return { body: { code: 1080, message: '系统繁忙,请稍后再试' } };
        return super.vendorFault(name, req);
    }

    private guard(req: SimRequest, handler: (p: Record<string, string>) => SimResponse): SimResponse {
        const ct = String(req.headers['content-type'] ?? '');
        if (!/application\/x-www-form-urlencoded/i.test(ct)) return fail(1020, '请求格式错误,需要application/x-www-form-urlencoded');
        const p = WdtSim.form(req);
        if (!p.sid || !p.appkey || !p.timestamp || !p.sign) return fail(1030, '缺少系统参数(sid/appkey/timestamp/sign)');
        const account = [{ sid: this.sid, appkey: this.appkey, appsecret: this.appsecret }, ...this.otherAccounts].find((a) => a.sid === p.sid);
        if (!account) return fail(1040, `卖家账号sid不存在: ${p.sid}`);
        if (p.appkey !== account.appkey) return fail(1050, 'appkey不存在或未授权');
        if (!/^\d+$/.test(p.timestamp) || Math.abs(Date.now() / 1000 + this.clockOffsetS - Number(p.timestamp)) > this.clockWindowS) return fail(1060, '时间戳timestamp超出允许范围,请检查服务器时间');
        if (p.sign !== expectedWdtSign(p, account.appsecret)) return fail(1070, '签名sign错误');
        return handler(p);
    }

    private goodsKnown(line: Record<string, unknown>): boolean {
        const spec = line.spec_no === undefined || line.spec_no === '' ? undefined : String(line.spec_no);
        if (spec !== undefined) return this.goods.some((g) => g.spec_no === spec);
        const goods = line.goods_no === undefined || line.goods_no === '' ? undefined : String(line.goods_no);
        return goods !== undefined && this.goods.some((g) => g.goods_no === goods);
    }

    /** Why one trade is refused, or undefined when it is acceptable. */
    private tradeError(t: unknown): string | undefined {
        if (!t || typeof t !== 'object' || Array.isArray(t)) return '订单格式错误';
        const trade = t as Record<string, unknown>;
        if (!trade.tid) return '原始单号tid不能为空';
        const lines = trade.order_list;
        if (!Array.isArray(lines) || lines.length === 0) return '订单货品明细order_list不能为空';
        for (const l of lines) {
            const line = (l ?? {}) as Record<string, unknown>;
            if (!line.oid) return '子订单编号oid不能为空';
            if (line.num === undefined || line.num === '' || !(Number(line.num) > 0)) return `子订单${line.oid}数量num无效`;
            if (line.price === undefined || line.price === '' || !(Number(line.price) >= 0)) return `子订单${line.oid}单价price无效`;
            if (!this.goodsKnown(line)) return `子订单${line.oid}货品不存在: ${line.spec_no || line.goods_no || ''}`;
        }
        return undefined;
    }

    private tradePush(p: Record<string, string>): SimResponse {
        if (!p.shop_no) return fail(100, '店铺编号shop_no不能为空');
        if (!this.shops.has(p.shop_no)) return fail(100, `店铺不存在: ${p.shop_no}`);
        // Decoded as the PHP server decodes it: a half character escaped in any trade fails the whole call.
        const list = phpJsonDecode(p.trade_list ?? '');
        if (list === undefined) return fail(100, 'trade_list不是有效的JSON');
        if (!Array.isArray(list) || list.length === 0) return fail(100, 'trade_list不能为空');
        if (list.length > this.maxTrades) return fail(100, `一次最多推送${this.maxTrades}个订单`);
        const strict = p.switch !== '0';
        const errors: Array<{ tid: string; error: string }> = [];
        const good: Array<Record<string, unknown>> = [];
        for (const t of list) {
            const e = this.tradeError(t);
            if (e) errors.push({ tid: String((t as Record<string, unknown>)?.tid ?? ''), error: e });
            else good.push(t as Record<string, unknown>);
        }
        if (strict && errors.length > 0) return { body: { code: 100, message: `严格模式下订单校验失败: ${errors[0].tid} ${errors[0].error}`, new_count: 0, chg_count: 0, error_list: errors } };
        let newCount = 0;
        let chgCount = 0;
        for (const trade of good) {
            const key = `${p.shop_no}/${trade.tid}`;
            const had = this.trades.get(key);
            const autoFlow = Object.prototype.hasOwnProperty.call(trade, 'is_auto_wms');
            if (had) {
                chgCount++;
                this.trades.set(key, { shop_no: p.shop_no, trade, pushes: had.pushes + 1, autoFlow });
            } else {
                newCount++;
                this.trades.set(key, { shop_no: p.shop_no, trade, pushes: 1, autoFlow });
            }
        }
        return { body: { code: 0, message: '', new_count: newCount, chg_count: chgCount, error_list: errors } };
    }

    private shopQuery(p: Record<string, string>): SimResponse {
        const all = [...this.shops].filter((s) => !p.shop_no || s === p.shop_no);
        const size = Math.min(Number(p.page_size) || 40, 100);
        const page = Number(p.page_no) || 0;
        const rows = all.slice(page * size, page * size + size).map((s, i) => ({ shop_id: String(i + 1), shop_no: s, shop_name: s === 'SHOP01' ? '天猫旗舰店' : `店铺${s}`, platform_id: '1' }));
        return { body: { code: 0, message: '', total_count: String(all.length), shoplist: rows } };
    }
}

function fail(code: number, message: string): SimResponse {
    return { body: { code, message } };
}

/** A trade as seed 003's pushed orders carry it (qeasy-callback's shape), with `n` lines of demo goods. */
export function demoTrade(tid: string, options: { shop?: string; specNo?: string; lines?: number } = {}): Record<string, unknown> {
    const lines = options.lines ?? 1;
    const order_list = Array.from({ length: lines }, (_, i) => ({
        oid: `${tid}-${i + 1}`,
        num: '2',
        price: '50.00',
        status: '30',
        refund_status: '0',
        goods_id: 'P1001',
        spec_id: 'S1001',
        goods_no: 'G001',
        spec_no: options.specNo ?? 'G001-RED',
        goods_name: '保温杯',
        spec_name: '红色',
        adjust_amount: '0',
        discount: '0',
        share_discount: '0',
    }));
    return {
        tid,
        trade_status: '30',
        pay_status: '2',
        delivery_term: '1',
        trade_time: '2024-01-09 10:00:00',
        pay_time: '2024-01-09 10:05:00',
        fenxiao_type: '0',
        buyer_nick: '张三',
        receiver_name: '张三',
        receiver_province: '上海',
        receiver_city: '上海市',
        receiver_district: '浦东新区',
        receiver_address: '世纪大道100号',
        receiver_mobile: '13800000000',
        logistics_type: '-1',
        post_amount: '0',
        cod_amount: '0',
        ext_cod_fee: '0',
        other_amount: '0',
        paid: String(100 * lines),
        order_list,
    };
}
