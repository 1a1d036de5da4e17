/**
 * WDT WMS (旺店通WMS) simulator (protocols.md §4), reference behaviour of the palette:
 *
 *   POST /wms_api/wdt_service.php?method=WDT_WMS_ORDER_CANCEL&appkey&sid&timestamp&format=xml&sign_method=md5&sign
 *        body XML <request>…</request>; sign = WDT WMS scheme (whitespace stripped, PHP-empty skipped, uppercase)
 *        Required: method, timestamp, format=xml, appkey, sid, sign_method=md5, sign; no Qimen name (app_key,
 *        customerId, v) may appear. Only on /wms_api/wdt_service.php.
 *   Qimen names: method=taobao.qimen.order.cancel or order.cancel with app_key/customerId/v and the plain TOP sign of
 *        §3.1 (no whitespace strip; sign_method md5 by default, hmac or hmac-sha256 when named; format xml if sent),
 *        on the same path or on /router/qimen/service; no native name (appkey, sid) may appear.
 *   The method picks the scheme: a native method under Qimen names (or the reverse) is refused. Content-Type must be
 *   text/xml (charset utf-8 if named); timestamp exactly `yyyy-MM-dd HH:mm:ss` China time within ±10 min. Signatures
 *   are checked by ./verify.ts, written from protocols.md, not by the client's signers.
 *   Answer: <response><flag>success|failure</flag><code/><message/></response>
 *
 * Codes [palette]: SIGN_ERROR 签名错误, PARAM_ERROR (missing field / unknown orderType), ORDER_NOT_EXIST 单据不存在,
 * ORDER_CANNOT_CANCEL 单据已发货，不能取消; cancelling an already-cancelled order succeeds again (message 单据已取消).
 * A body with a character XML 1.0 does not allow (U+0000–U+001F but TAB, LF, CR; U+FFFE, U+FFFF) is not well-formed:
 * PARAM_ERROR.
 * Rate limit on demand (vendorFault('rate-limit')): REQUEST_TOO_FREQUENT 接口调用过于频繁.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { SimServer, SimRequest, SimResponse } from '../harness';
import { expectedTopSign, expectedWmsSign, strictChinaTime } from './verify';

export const WDT_WMS_DEMO = {
    appkey: 'wdt-wms-demo-appkey',
    secret: 'wdt-wms-demo-secret-312165b5977a',
    sid: 'demoWMS',
};

/** Qimen order-cancel orderType codes (protocols.md §4.3). */
export const ORDER_TYPES = ['JYCK', 'HHCK', 'BFCK', 'PTCK', 'DBCK', 'B2BCK', 'QTCK', 'B2BRK', 'SCRK', 'LYRK', 'CCRK', 'CGRK', 'DBRK', 'QTRK', 'XTRK', 'THRK', 'HHRK', 'CNJG', 'CGTH'];

export const CANCEL_METHODS = ['WDT_WMS_ORDER_CANCEL', 'taobao.qimen.order.cancel', 'order.cancel'];
/** The cancel under the native WDT WMS scheme (§4.1). */
export const NATIVE_METHODS = ['WDT_WMS_ORDER_CANCEL'];
/** The cancel under the Qimen/TOP scheme (§3.2, §4.4). */
export const QIMEN_METHODS = ['taobao.qimen.order.cancel', 'order.cancel'];

export type WmsOrderStatus = 'created' | 'shipped' | 'cancelled';

export interface WmsOrder {
    orderCode: string;
    warehouseCode: string;
    orderType: string;
    ownerCode?: string;
    status: WmsOrderStatus;
}

export interface WmsCancellation {
    method: string;
    /** The parsed <request> (every value as text). */
    request: Record<string, any>;
    /** The raw body as received. */
    body: string;
    flag: 'success' | 'failure';
    code: string;
}

export interface WdtWmsSimOptions {
    credentials?: Partial<typeof WDT_WMS_DEMO>;
    /** Orders of the demo book; default TL2024010001..TL2024010010 in WH01 (CGTH), TL2024010010 shipped. */
    orders?: WmsOrder[];
    skewMs?: number;
    /**
     * What a cancel of an order already cancelled gets: 'success' (default, 单据已取消 with flag success) or 'failure'
     * (ORDER_CANCELLED 单据已取消): §4.4 defines neither, and WMS builds may answer either [unconfirmed].
     */
    alreadyCancelled?: 'success' | 'failure';
}

/** The demo order book matching the Kingdee return-request bills of seed 001. */
export function demoOrders(): WmsOrder[] {
    const out: WmsOrder[] = [];
    for (let i = 1; i <= 10; i++) {
        out.push({ orderCode: `TL20240100${String(i).padStart(2, '0')}`, warehouseCode: 'WH01', orderType: 'CGTH', ownerCode: 'OW01', status: i === 10 ? 'shipped' : 'created' });
    }
    return out;
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, processEntities: true });
const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });

export class WdtWmsSim extends SimServer {
    readonly creds: typeof WDT_WMS_DEMO;
    readonly orders = new Map<string, WmsOrder>();
    readonly cancellations: WmsCancellation[] = [];
    skewMs: number;
    alreadyCancelled: 'success' | 'failure';

    constructor(options: WdtWmsSimOptions = {}) {
        super('wdt-wms');
        this.alreadyCancelled = options.alreadyCancelled ?? 'success';
        this.creds = { ...WDT_WMS_DEMO, ...options.credentials };
        this.skewMs = options.skewMs ?? 10 * 60000;
        for (const o of options.orders ?? demoOrders()) this.orders.set(o.orderCode, { ...o });
        this.route('POST', '/wms_api/wdt_service.php', (req) => this.service(req));
        this.route('POST', '/router/qimen/service', (req) => this.service(req));
    }

    addOrder(order: WmsOrder): void {
        this.orders.set(order.orderCode, { ...order });
    }

    protected vendorFault(name: string, req: SimRequest): SimResponse {
        if (name === 'rate-limit') return this.answer('failure', 'REQUEST_TOO_FREQUENT', '接口调用过于频繁，请稍后再试');
        if (name === 'system-busy') return this.answer('failure', 'SYSTEM_BUSY', '系统繁忙，请稍后重试');
        return super.vendorFault(name, req);
    }

    private answer(flag: 'success' | 'failure', code: string, message: string): SimResponse {
        const xml = '<?xml version="1.0" encoding="utf-8"?>' + builder.build({ response: { flag, code, message } });
        return { headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: xml };
    }

    /** Why the system parameters, the Content-Type or the sign are refused, or undefined when they pass. */
    private systemCheck(req: SimRequest, q: Record<string, string>): SimResponse | undefined {
        const method = q.method ?? '';
        const qimenRouter = req.path.toLowerCase().startsWith('/router/');
        const native = NATIVE_METHODS.includes(method);
        const viaQimen = QIMEN_METHODS.includes(method);
        if (!native && !viaQimen) return this.answer('failure', 'METHOD_NOT_EXIST', `接口${method}不存在`);
        if (native && qimenRouter) return this.answer('failure', 'METHOD_NOT_EXIST', `接口${method}不能经奇门路由调用`);
        const ct = String(req.headers['content-type'] ?? '');
        const ctm = /^\s*text\/xml\s*(?:;\s*charset\s*=\s*"?([\w-]+)"?\s*)?$/i.exec(ct);
        if (!ctm || (ctm[1] !== undefined && ctm[1].toLowerCase() !== 'utf-8')) return this.answer('failure', 'PARAM_ERROR', `Content-Type必须为text/xml;charset=utf-8: ${ct}`);
        const missing = (names: string[]) => names.find((n) => q[n] === undefined || q[n] === '');
        let expected: string | undefined;
        if (native) {
            const foreign = ['app_key', 'customerId', 'v'].find((n) => q[n] !== undefined);
            if (foreign) return this.answer('failure', 'PARAM_ERROR', `接口${method}不接受奇门参数${foreign}`);
            const absent = missing(['method', 'timestamp', 'format', 'appkey', 'sid', 'sign_method', 'sign']);
            if (absent) return this.answer('failure', 'PARAM_ERROR', `缺少系统参数${absent}`);
            if (q.format !== 'xml') return this.answer('failure', 'PARAM_ERROR', `format[${q.format}]不支持, 只支持xml`);
            if (q.sign_method !== 'md5') return this.answer('failure', 'SIGN_ERROR', `sign_method[${q.sign_method}]不支持, 只支持md5`);
            if (q.appkey !== this.creds.appkey) return this.answer('failure', 'SIGN_ERROR', 'appkey不存在');
            if (q.sid !== this.creds.sid) return this.answer('failure', 'SIGN_ERROR', 'sid不存在');
            expected = expectedWmsSign(q, req.body, this.creds.secret);
        } else {
            const foreign = ['appkey', 'sid'].find((n) => q[n] !== undefined);
            if (foreign) return this.answer('failure', 'PARAM_ERROR', `奇门接口${method}不接受旺店通参数${foreign}`);
            const absent = missing(['method', 'v', 'app_key', 'customerId', 'timestamp', 'sign']);
            if (absent) return this.answer('failure', 'PARAM_ERROR', `缺少系统参数${absent}`);
            if (q.format !== undefined && q.format !== 'xml') return this.answer('failure', 'PARAM_ERROR', `format[${q.format}]不支持, 只支持xml`);
            if (!/^\d+\.\d+$/.test(q.v)) return this.answer('failure', 'PARAM_ERROR', `v[${q.v}]不合法`);
            if (q.app_key !== this.creds.appkey) return this.answer('failure', 'SIGN_ERROR', 'app_key不存在');
            if (q.customerId !== this.creds.sid) return this.answer('failure', 'SIGN_ERROR', 'customerId(sid)不存在');
            expected = expectedTopSign(q, req.body, this.creds.secret, q.sign_method ?? 'md5');
            if (expected === undefined) return this.answer('failure', 'SIGN_ERROR', `签名错误: 不支持的sign_method[${q.sign_method}]`);
        }
        if (q.sign !== expected) return this.answer('failure', 'SIGN_ERROR', '签名错误');
        const ts = strictChinaTime(q.timestamp);
        if (Number.isNaN(ts)) return this.answer('failure', 'SIGN_ERROR', `timestamp[${q.timestamp}]格式错误, 应为yyyy-MM-dd HH:mm:ss`);
        if (Math.abs(Date.now() - ts) > this.skewMs) return this.answer('failure', 'SIGN_ERROR', 'timestamp超出允许范围');
        return undefined;
    }

    private service(req: SimRequest): SimResponse {
        const q = req.query;
        const method = q.method ?? '';
        const refused = this.systemCheck(req, q);
        if (refused) return refused;

        // Any conformant XML parser (PHP's libxml2 or expat) refuses a document holding a character XML 1.0 does not allow.
        if (/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.test(req.body)) return this.answer('failure', 'PARAM_ERROR', 'XML格式错误: 非法字符');
        let request: Record<string, any>;
        try {
            const doc = parser.parse(req.body);
            request = doc?.request;
        } catch {
            return this.answer('failure', 'PARAM_ERROR', 'XML格式错误');
        }
        if (!request || typeof request !== 'object') return this.answer('failure', 'PARAM_ERROR', '缺少request节点');
        const record = (flag: 'success' | 'failure', code: string, message: string) => {
            this.cancellations.push({ method, request, body: req.body, flag, code });
            return this.answer(flag, code, message);
        };
        for (const field of ['warehouseCode', 'orderCode', 'orderType', 'cancelReason']) {
            const v = request[field];
            if (typeof v !== 'string' || v.trim() === '') return record('failure', 'PARAM_ERROR', `${field}不能为空`);
        }
        if (!ORDER_TYPES.includes(request.orderType)) return record('failure', 'PARAM_ERROR', `orderType[${request.orderType}]不合法`);
        const order = this.orders.get(request.orderCode);
        if (!order || order.warehouseCode !== request.warehouseCode) return record('failure', 'ORDER_NOT_EXIST', `单据不存在: ${request.orderCode}`);
        if (request.ownerCode && order.ownerCode && request.ownerCode !== order.ownerCode) return record('failure', 'ORDER_NOT_EXIST', `单据不存在: ${request.orderCode}(货主不匹配)`);
        if (order.status === 'shipped') return record('failure', 'ORDER_CANNOT_CANCEL', '单据已发货，不能取消');
        if (order.status === 'cancelled') return this.alreadyCancelled === 'success' ? record('success', '0', '单据已取消') : record('failure', 'ORDER_CANCELLED', '单据已取消，不能重复取消');
        order.status = 'cancelled';
        return record('success', '0', '成功');
    }
}
