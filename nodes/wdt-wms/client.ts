/**
 * WDT WMS (旺店通WMS) client (protocols.md §4): query-string system parameters, XML `<request>` body built with
 * fast-xml-parser's XMLBuilder (every value escaped), WDT WMS sign over query + body (whitespace stripped), and the
 * `<response><flag/><code/><message/></response>` answer. The `qimen` style speaks the same operation with the
 * Qimen names (taobao.qimen.order.cancel, app_key/customerId, plain TOP sign).
 */
import path from 'path';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { BaseClient, ClientSettings, ConnectionCheck, ConnectorError, ErrorKind, FREQUENCY_TEXT, RequestContext, isBusyAnswer, chinaTime, english, textError, parseVendorJson, urlQueryProblem, type Text } from '../core';
import { wdtWms } from './sign';
import { top as topSign } from '../qimen/sign';
import { isRemoteServiceError, topErrorKind, topGatewayError } from '../qimen/gateway';

export const WDT_WMS_URL = 'https://wmsapi.wdtwms.com/wms_api/wdt_service.php';
/** Qimen's router for the standard (WMS) shape (protocols.md §3.2): the address of the Qimen style when blank. */
export const QIMEN_ROUTER_URL = 'https://qimen.api.taobao.com/router/qimen/service';
const SYSTEM = 'wdt-wms';
/**
 * The config node's catalog in English: the settings it refuses and the refusals the test button shows are its texts
 * (wdt-wms-config.test.*), which the button shows in the editor's language (details.text, core/config-node.ts).
 */
const inEnglish = english(path.join(__dirname, 'wdt-wms-config.js'));

export type WmsApiStyle = 'wdt' | 'qimen';

export interface WdtWmsSettings {
    serviceUrl: string;
    appkey: string;
    sid: string;
    format?: 'xml';
    apiStyle?: WmsApiStyle;
}

export interface WmsAnswer {
    flag: string;
    code: string;
    message: string;
    [key: string]: unknown;
}

/** One cancellation (seed 001 + the Qimen standard's ownerCode/orderId). */
export interface CancelRecord {
    warehouseCode: string;
    ownerCode?: string;
    orderCode: string;
    orderId?: string;
    orderType: string;
    cancelReason: string;
    extendProps?: Record<string, unknown> | string;
}

const builder = new XMLBuilder({ ignoreAttributes: false, format: false, suppressEmptyNode: false, processEntities: true });
// htmlEntities: fast-xml-parser decodes character references (&#x5355;) only with it; they are text like any other.
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, processEntities: true, htmlEntities: true, trimValues: true });
/** What an extendProps key must look like to become an element name (the record schema's propertyNames). */
const EXTEND_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Characters XML 1.0 cannot carry, not even escaped: the WMS's parser refuses the whole document. */
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

/** An HTML line break in a WMS message. */
const LINE_BREAK = /<br\s*\/?>/gi;

function text(v: unknown): string {
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The text of a request value; refused, naming its field, when it holds a character XML cannot carry. */
function xmlText(field: string, v: unknown): string {
    const t = text(v);
    const bad = NOT_XML.exec(t);
    if (bad) {
        const code = `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
        throw new ConnectorError({ system: SYSTEM, kind: 'validation', code: 'INVALID_RECORD', field, message: `${field}: contains the character ${code}, which XML cannot carry; nothing was sent` });
    }
    return t;
}

/**
 * The Qimen gateway's own refusal (`<error_response>`, protocols.md §3.5): given before the request reached the WMS, so
 * sending it again is safe, but for a remote service error (15, or a service's own code such as 520), which the WMS may
 * have half-done unless it refused it (isv.*: business, this record's failure). There is no session to renew here: a session code is a configuration problem.
 */
function gatewayRefusal(err: Record<string, unknown>): ConnectorError {
    const kind = topErrorKind(Number(err.code), err.sub_code);
    return topGatewayError(SYSTEM, err, { kind: kind === 'auth' ? 'config' : kind, safeToRepeat: !isRemoteServiceError(Number(err.code)) }, { type: 'wdt-wms-config', inEnglish });
}

/** The `<request>` document of a cancellation, elements in the Qimen order, empty optional fields left out. */
export function cancelXml(record: CancelRecord): string {
    const request: Record<string, unknown> = {};
    for (const k of ['warehouseCode', 'ownerCode', 'orderCode', 'orderId', 'orderType', 'cancelReason'] as const) {
        const v = record[k];
        if (v !== undefined && v !== null && text(v) !== '') request[k] = xmlText(k, v);
    }
    let ext = record.extendProps;
    if (typeof ext === 'string' && ext.trim().startsWith('{')) {
        try {
            // A long id in it is written with every digit (JSON.parse would round it; see core/json.ts).
            ext = parseVendorJson(ext) as Record<string, unknown>;
        } catch {
            /* kept as text */
        }
    }
    if (ext && typeof ext === 'object' && !Array.isArray(ext)) {
        // The keys become element names: the rule the record schema applies to an object, for JSON text too.
        const bad = Object.keys(ext).find((k) => !EXTEND_KEY.test(k));
        if (bad !== undefined) throw new ConnectorError({ system: SYSTEM, kind: 'validation', code: 'INVALID_RECORD', field: 'extendProps', message: `extendProps: key "${bad.slice(0, 40)}" cannot be an XML element name (letters, digits, _ . -, not starting with a digit)` });
    }
    if (ext !== undefined && ext !== null && ext !== '') {
        if (typeof ext === 'object' && !Array.isArray(ext)) {
            const children: Record<string, string> = {};
            for (const [k, v] of Object.entries(ext)) if (v !== undefined && v !== null) children[k] = xmlText(`extendProps.${k}`, v);
            if (Object.keys(children).length) request.extendProps = children;
        } else {
            request.extendProps = xmlText('extendProps', ext);
        }
    }
    return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, request }) as string;
}

/**
 * A refusal saying the order is cancelled already (单据已取消, 已作废, "already cancelled"): what a cancel sent twice (a
 * replay after a lost answer) may get, as some WMS builds answer a second cancel with failure (§4.4 defines no answer
 * for it [unconfirmed]). The order is cancelled, which is what was asked.
 */
export function isAlreadyCancelled(code: string, message: string): boolean {
    // The code says it, whatever the message adds ("单据已取消，不能取消": cannot, being cancelled).
    if (/^ORDER_(ALREADY_)?CANCEL+ED$/i.test(code)) return true;
    if (/NOT_?(EXIST|FOUND)|CAN_?NOT|PARTIAL/i.test(code)) return false;
    // Messages that only mention a cancelled state: the order is missing ("不存在或已取消"), part of it is cancelled
    // ("部分明细已取消"), or cancelled is one of two states ("已作废或已发货，无法取消").
    if (/不存在|未找到|找不到|部分|或已|not\s+(exist|found)|partial/i.test(message)) return false;
    // 已取消, and as often 已经取消 / 已被取消 / 已经被作废 (already, has been): the same state in other words.
    return /已(?:经)?(?:被)?(?:取消|作废)|already\s+(been\s+)?cancel/i.test(message);
}

/**
 * §4.4: flag=failure is business, or config when it is about the signature, appkey or sid; frequency → rate-limit;
 * "system busy" (SYSTEM_BUSY 系统繁忙) → transient: the WMS turned the call away without looking at the order.
 */
export function classifyWms(code: string, message: string): ErrorKind {
    const t = `${code} ${message}`;
    // A frequency text is a rate limit even when it names the appkey or sid (core FREQUENCY_TEXT).
    if (FREQUENCY_TEXT.test(t)) return 'rate-limit';
    if (isBusyAnswer(code, message)) return 'transient';
    // A call quota used up (接口调用次数超限): the account's calls, not the order.
    if (/(?:调用|访问|请求)次数\S{0,3}(?:超|达到?上限|用完)/.test(message)) return 'rate-limit';
    // A code about the order: its message may quote the order's code (SIGN-001, SID-7), no account word.
    if (/^ORDER_|NOT_?(EXIST|FOUND)|CAN_?NOT/i.test(code)) return 'business';
    // Whole words: "sid" is in "outside" and "sign" in "assign", which name a refused order, not the account.
    // 时间戳 as "timestamp": the host's clock (skew), which no retry of the record mends (protocols.md §0).
    if (/签名|时间戳|\b(sign\w*|appkey|app_key|sid|customerid|timestamp)\b/i.test(t)) return 'config';
    // Looser words than FREQUENCY_TEXT: only after the account words.
    if (/frequent|rate.?limit/i.test(t)) return 'rate-limit';
    return 'business';
}

export class WdtWmsClient extends BaseClient {
    readonly settings: Required<WdtWmsSettings>;

    constructor(
        clientSettings: ClientSettings,
        settings: WdtWmsSettings,
        private readonly secret: string,
    ) {
        super(clientSettings);
        this.keepSecret(secret);
        // A setting refused naming it: a text of the catalog (wdt-wms-config.test.setting.<name>), or the core's English.
        const cfg = (field: string, problem: string | { name: string }) => {
            if (typeof problem === 'string') return new ConnectorError({ system: SYSTEM, kind: 'config', code: 'CONFIG', field, message: `${field}: ${problem}` });
            const said: Text = { key: `wdt-wms-config.test.setting.${problem.name}`, vars: { field } };
            return textError(inEnglish, said, { system: SYSTEM, kind: 'config', code: 'CONFIG', field });
        };
        const apiStyle = settings.apiStyle || 'wdt';
        if (apiStyle !== 'wdt' && apiStyle !== 'qimen') throw cfg('apiStyle', { name: 'apiStyle' });
        // Blank: the style's own address (through Qimen, blank sent Qimen's calls to WDT's own host).
        const serviceUrl = settings.serviceUrl || (apiStyle === 'qimen' ? QIMEN_ROUTER_URL : WDT_WMS_URL);
        if (!/^https?:\/\//i.test(serviceUrl)) throw cfg('serviceUrl', { name: 'serviceUrl' });
        const query = urlQueryProblem(serviceUrl);
        if (query) throw cfg('serviceUrl', query);
        if (!settings.appkey) throw cfg('appkey', { name: 'required' });
        if (!secret) throw cfg('secret', { name: 'required' });
        if (!settings.sid) throw cfg('sid', { name: 'required' });
        if (settings.format && settings.format !== 'xml') throw cfg('format', { name: 'format' });
        this.settings = { serviceUrl, appkey: settings.appkey, sid: settings.sid, format: 'xml', apiStyle };
    }

    protected accountKey(): string[] {
        return [this.settings.serviceUrl, this.settings.sid, this.settings.appkey];
    }

    /** The signed query string of one call. */
    signedQuery(method: string, body: string): Record<string, string> {
        const s = this.settings;
        const timestamp = chinaTime(Date.now());
        if (s.apiStyle === 'qimen') {
            const q: Record<string, string> = { method, app_key: s.appkey, customerId: s.sid, format: 'xml', v: '2.0', sign_method: 'md5', timestamp };
            q.sign = topSign(q, body, this.secret, 'md5');
            return q;
        }
        const q: Record<string, string> = { method, timestamp, format: 'xml', appkey: s.appkey, sign_method: 'md5', sid: s.sid };
        q.sign = wdtWms(q, body, this.secret);
        return q;
    }

    /** One WMS call with an XML body; resolves with the `<response>` on flag=success, throws a classified error otherwise. */
    request(method: string, body: string, ctx: RequestContext = {}, write = true): Promise<WmsAnswer> {
        return this.call(async (opts) => {
            const res = await this.http.request({ url: this.settings.serviceUrl, query: this.signedQuery(method, body), headers: { 'Content-Type': 'text/xml;charset=utf-8' }, body }, opts);
            const statusError = this.http.statusError(res);
            if (statusError) throw statusError;
            let response: Record<string, unknown> | undefined;
            let gatewayError: Record<string, unknown> | undefined;
            try {
                // A truncated or broken document is not an answer, whatever its <flag> says. Blank lines or a BOM before
                // the XML declaration (PHP servers print them) are not: a document may not start with them, so they go.
                // A line break the PHP server wrote into a message as HTML (<br/>, raw or escaped) is a space: raw, it
                // would make the message mixed content, shown as JSON ({"br":"","#text":…}) with its words run together.
                const body = res.body.trim().replace(LINE_BREAK, ' ');
                const doc = XMLValidator.validate(body) === true ? parser.parse(body) : undefined;
                response = doc?.response;
                gatewayError = doc?.error_response;
            } catch {
                response = undefined;
            }
            if (gatewayError && typeof gatewayError === 'object') throw gatewayRefusal(gatewayError);
            if (!response || typeof response !== 'object') {
                // Not an answer the WMS composed (cut short, a gateway's page): the cancel may have been performed. Quoted with
                // the address (a portal's page, a JSON service at the wrong URL), in the editor's language too.
                const said: Text = { key: 'wdt-wms-config.test.notResponse', vars: { url: this.settings.serviceUrl, answer: this.http.quote(res.body, 120) } };
                throw textError(inEnglish, said, { system: SYSTEM, kind: 'transient', code: 'BAD_RESPONSE', safeToRepeat: false });
            }
            const answer: WmsAnswer = { ...response, flag: text(response.flag), code: text(response.code), message: text(response.message ?? response.msg).replace(LINE_BREAK, ' ') };
            delete answer.msg;
            if (answer.flag === 'success') return answer;
            const kind = classifyWms(answer.code, answer.message);
            // The WMS's own words; the palette's around them in the editor's language. A refusal of the account, which
            // the test button shows, carries that text (details.text); a business one's details are the answer alone,
            // as the cancel node passes them on (an order cancelled already).
            const said: Text = { key: 'wdt-wms-config.test.refused', vars: { reason: answer.message || { key: 'wdt-wms-config.test.noReason.failure' } } };
            const init = { system: SYSTEM, kind, code: answer.code || 'FAILURE', details: answer, safeToRepeat: kind === 'rate-limit' || kind === 'config' || kind === 'transient' };
            if (kind === 'config') throw textError(inEnglish, said, init);
            throw new ConnectorError({ ...init, message: inEnglish(said.key, said.vars) });
        }, ctx, { write });
    }

    /** WDT_WMS_ORDER_CANCEL (or taobao.qimen.order.cancel in the qimen style). */
    cancelOrder(record: CancelRecord, ctx: RequestContext = {}): Promise<WmsAnswer> {
        const method = this.settings.apiStyle === 'qimen' ? 'taobao.qimen.order.cancel' : 'WDT_WMS_ORDER_CANCEL';
        return this.request(method, cancelXml(record), ctx, true);
    }

    /** Cancels an order code that cannot exist: a signature problem answers SIGN_ERROR, a good account ORDER_NOT_EXIST. */
    async checkConnection(ctx: RequestContext): Promise<ConnectionCheck> {
        try {
            await this.cancelOrder({ warehouseCode: '__test__', orderCode: '__cn-erp-connection-test__', orderType: 'QTCK', cancelReason: 'connection test' }, ctx);
            return { message: 'connected to WDT WMS', key: 'connected' };
        } catch (err) {
            if (err instanceof ConnectorError && (err.kind === 'business' || err.kind === 'validation')) {
                return { message: `connected to WDT WMS (signature accepted; test order answered ${err.code})`, key: 'signatureAccepted', vars: { code: err.code } };
            }
            throw err;
        }
    }
}
