/**
 * 旺店通·企业版 WDT openapi2 client (protocols.md §5). One per wdt-config (one seller account, sid + appkey): form
 * POST to `{baseUrl}/{api}.php`, system parameters sid/appkey/timestamp (Unix seconds, fresh per attempt)/sign; the
 * business parameters are flat form fields with nested structures as JSON text, serialised once so that the text
 * signed is the text sent. Flat JSON answers, `code` 0 = success; failures classified by their message (§5.3).
 */
import path from 'path';
import { BaseClient, ClientSettings, ConnectionCheck, ConnectorError, FREQUENCY_TEXT, HttpResponse, isBusyAnswer, RequestContext, decimalText, english, textError, isRoundedInteger, nonFiniteNumber, parseVendorJson, urlQueryProblem, type Text } from '../core';
import { wdt } from './sign';

/** The config node's catalog in English: the refusals the test button shows are its texts (wdt-config.test.*). */
const inEnglish = english(path.join(__dirname, 'wdt-config.js'));

export const WDT_HOSTS: Record<string, string> = {
    production: 'https://api.wangdian.cn/openapi2',
    sandbox: 'https://sandbox.wangdian.cn/openapi2',
};

export interface WdtSettings {
    baseUrl: string;
    sid: string;
    appkey: string;
}

export interface WdtCredentials {
    appsecret: string;
}

export interface TradePushResult {
    newCount: number;
    chgCount: number;
    /** Per-trade refusals by tid (the vendor's message). */
    errors: Map<string, string>;
    /** Entries of the error list that name no trade of the call. */
    unmatched: Array<{ tid: string; error: string }>;
    /** Strict mode refused the whole batch: no trade of the call was accepted. */
    batchRejected?: string;
    message: string;
    /** The answer carries new_count or chg_count (newCount + chgCount is then what WDT says it stored). */
    counted: boolean;
}

// Whole words only for the ASCII terms ("assign" or "inside" in a business message are not about the account).
const CONFIG_TEXT = /签名|(?<![a-z])sign(?![a-z])|appkey|app_key|appsecret|(?<![a-z])sid(?![a-z])|卖家账号/i;
const CLOCK_TEXT = /时间戳|timestamp/i;
// Looser than core FREQUENCY_TEXT (tested first): only after the account and clock words.
const RATE_TEXT = /超过|(?<![a-z])limit/i;

/**
 * A setting the config node cannot take: its text of the catalog (`wdt-config.test.setting.*`), the English as the
 * message and the text for the editor's button, in its language (core/config-node.ts).
 */
export function wdtConfigError(text: Text): ConnectorError {
    return textError(inEnglish, text, { system: 'wdt', kind: 'config', code: 'CONFIG' });
}

/** A refusal of the account or the clock: WDT's own words (`reason`) and what to check, as a text of the catalog. */
function refusal(code: unknown, key: 'clock' | 'credentials', reason: string): ConnectorError {
    const text: Text = { key: `wdt-config.test.${key}`, vars: { reason } };
    return textError(inEnglish, text, { system: 'wdt', kind: 'config', code: String(code) });
}

/**
 * Whether `text` (an answer's message) names the trade `tid` as a word of its own: "T2 货品不存在" or "订单T2:…" names
 * T2, while "T20", "T2-1" (a line's oid) and "AT2" do not.
 */
export function namesTid(text: string, tid: string): boolean {
    const t = tid.trim();
    if (!t) return false;
    const escaped = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![A-Za-z0-9_.-])${escaped}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`).test(text);
}

// The platform ids of a trade and of its lines (seed 003 types them string): a number there can only be a whole one.
const TRADE_IDS = new Set(['tid', 'purchase_id', 'pay_id']);
const LINE_IDS = new Set(['oid', 'goods_id', 'spec_id']);

/**
 * The first field of a trade (`tid`, `order_list[0].oid`) given as a number whose text, as toWireTrade sends it, is
 * not the value meant, with why; undefined when there is none. A whole number beyond 2^53 has lost its last digits (a
 * Taobao tid of 19 digits, which TOP sends as a JSON number, read by Node-RED's JSON parsing): pushed, it names a
 * trade that does not exist, and two trades rounding to one are stored by WDT as one. An id with a fraction is no id.
 */
export function inexactNumberField(trade: Record<string, unknown>): { field: string; reason: string } | undefined {
    const check = (v: unknown, field: string, id: boolean) => {
        if (isRoundedInteger(v)) return { field, reason: `a number beyond 2^53 cannot hold every digit: it arrived rounded (as ${v}); send it as text` };
        const nonFinite = nonFiniteNumber(v);
        if (nonFinite) return { field, reason: nonFinite };
        if (id && typeof v === 'number' && !Number.isInteger(v)) return { field, reason: `${v} is not a whole number, so no id; send it as text` };
        return undefined;
    };
    for (const [k, v] of Object.entries(trade)) {
        const found = k === 'order_list' ? undefined : check(v, k, TRADE_IDS.has(k));
        if (found) return found;
    }
    const lines = Array.isArray(trade.order_list) ? trade.order_list : [];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as Record<string, unknown> | null;
        if (!line || typeof line !== 'object') continue;
        for (const [k, v] of Object.entries(line)) {
            const found = check(v, `order_list[${i}].${k}`, LINE_IDS.has(k));
            if (found) return found;
        }
    }
    return undefined;
}

/**
 * Numbers go on the wire as their decimal text (every trade_push field is a string), as the mapper rounds them: a price
 * of 3 × 19.9 made in a flow goes as "59.7", not "59.699999999999996", 1e-7 as "0.0000001". is_auto_wms goes only as 1: seed
 * 003 says a trade outside auto-flow mode must not carry it at all (0 or blank would not be "not auto-flow").
 */
export function toWireTrade(trade: Record<string, unknown>): Record<string, unknown> {
    const scalar = (v: unknown) => (typeof v === 'number' ? decimalText(v) : v);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(trade)) {
        if (k === 'is_auto_wms' && String(v).trim() !== '1') continue;
        if (k === 'order_list' && Array.isArray(v)) {
            out[k] = v.map((line) => (line && typeof line === 'object' && !Array.isArray(line) ? Object.fromEntries(Object.entries(line).map(([lk, lv]) => [lk, scalar(lv)])) : line));
        } else out[k] = scalar(v);
    }
    return out;
}

export class WdtClient extends BaseClient {
    readonly baseUrl: string;
    readonly sid: string;
    readonly appkey: string;
    private readonly appsecret: string;

    constructor(settings: ClientSettings, w: WdtSettings, credentials: WdtCredentials) {
        super(settings);
        this.keepSecret(credentials.appsecret);
        this.baseUrl = w.baseUrl.replace(/\/+$/, '');
        this.sid = w.sid;
        this.appkey = w.appkey;
        this.appsecret = credentials.appsecret;
    }

    protected accountKey(): string[] {
        return [this.baseUrl, this.sid, this.appkey];
    }

    /** Signed form body of one attempt (fresh timestamp). */
    formBody(fields: Record<string, string>, nowMs = Date.now()): string {
        const params: Record<string, string> = { sid: this.sid, appkey: this.appkey, timestamp: String(Math.floor(nowMs / 1000)), ...fields };
        params.sign = wdt(params, this.appsecret);
        return new URLSearchParams(params).toString();
    }

    private parse(res: HttpResponse): Record<string, any> {
        const statusError = this.http.statusError(res);
        if (statusError) throw statusError;
        let obj: unknown;
        try {
            obj = parseVendorJson(res.body);
        } catch {
            obj = undefined;
        }
        if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
            throw this.http.notJson(res, false);
        }
        return obj as Record<string, any>;
    }

    /**
     * Classifies a non-zero `code` (protocols.md §5.3; a busy server → transient). `aboutRecord`: the message names a record of the call, so 超过 or
     * "limit" in it is about that record ("T2 receiver_address长度超过255"), not a call limit to back off and repeat.
     */
    classify(code: unknown, message: string, aboutRecord = false): ConnectorError {
        const text = message || `code ${code}`;
        const rateLimit = () => new ConnectorError({ system: 'wdt', kind: 'rate-limit', code: String(code), message: text, safeToRepeat: true, retryAfterMs: 1100 });
        // A frequency text is a rate limit even when it names the sid or appkey (core FREQUENCY_TEXT).
        if (FREQUENCY_TEXT.test(text)) return rateLimit();
        // The server too busy to take the call (系统繁忙) did nothing with it: sent again after a backoff, as the other
        // vendors' busy answers are (core isBusyAnswer), not a refusal to Catch that no replay filter takes up.
        if (isBusyAnswer(String(code ?? ''), message)) return new ConnectorError({ system: 'wdt', kind: 'transient', code: String(code), message: text, safeToRepeat: true });
        if (CLOCK_TEXT.test(text)) return refusal(code, 'clock', text);
        if (CONFIG_TEXT.test(text)) return refusal(code, 'credentials', text);
        if (RATE_TEXT.test(text) && !aboutRecord) return rateLimit();
        return new ConnectorError({ system: 'wdt', kind: 'business', code: String(code), message: text, safeToRepeat: false });
    }

    /**
     * One openapi2 call. Resolves with the answer when `code` is 0; `acceptFailure` may claim a non-zero answer
     * (strict-mode trade_push with a per-trade list) instead of it being thrown; `namesRecord` tells whether a
     * failure's message names a record of the call (classify's `aboutRecord`).
     */
    async request(api: string, fields: Record<string, string>, ctx: RequestContext = {}, write = false, acceptFailure?: (answer: Record<string, any>) => boolean, namesRecord?: (message: string) => boolean): Promise<Record<string, any>> {
        return this.call(async (opts) => {
            const res = await this.http.request({ url: `${this.baseUrl}/${api}.php`, headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: this.formBody(fields) }, opts);
            const answer = this.parse(res);
            if (Number(answer.code) === 0 && String(answer.code ?? '').trim() !== '') return answer;
            if (acceptFailure?.(answer)) return answer;
            const message = String(answer.message ?? '');
            throw this.classify(answer.code, message, namesRecord?.(message) ?? false);
        }, ctx, { write });
    }

    /** trade_push (protocols.md §5.1): per-trade errors keyed by tid. */
    async tradePush(shopNo: string, strictSwitch: '0' | '1', trades: Array<Record<string, unknown>>, ctx: RequestContext = {}): Promise<TradePushResult> {
        const tradeList = JSON.stringify(trades.map(toWireTrade));
        // The list's name is unconfirmed (§5.5): error_list, errors, else a list named as failures (fail_list, failed_trades…).
        const listOf = (a: Record<string, any>): unknown[] | undefined => {
            if (Array.isArray(a.error_list)) return a.error_list;
            if (Array.isArray(a.errors)) return a.errors;
            const named = Object.keys(a).find((k) => /err|fail|invalid|reject|refus/i.test(k) && Array.isArray(a[k]));
            return named === undefined ? undefined : a[named];
        };
        // The tids sent, by their text as WDT may echo it (surrounding spaces dropped).
        const sentTid = new Map(trades.map((t) => [String(t.tid).trim(), String(t.tid)] as const));
        const entryTid = (e: unknown) => String((e as Record<string, unknown> | null)?.tid ?? (e as Record<string, unknown> | null)?.src_tid ?? '').trim();
        // A non-zero answer whose list names trades of the call is strict mode's per-trade refusal, whatever words its
        // message repeats from the trades' errors ("数量超过库存" is no call limit); without a list, a message naming one is
        // no call limit either. Non-strict, such a message is a trade's refusal in a call whose good trades were stored:
        // the call's outcome, not an error to Catch, whose replay would push those again.
        const namesSent = (m: string) => [...sentTid.keys()].some((t) => namesTid(m, t));
        const perTrade = (a: Record<string, any>) => (listOf(a) ?? []).some((e) => sentTid.has(entryTid(e))) || (strictSwitch === '0' && namesSent(String(a.message ?? '')));
        const answer = await this.request('trade_push', { shop_no: shopNo, switch: strictSwitch, trade_list: tradeList }, ctx, true, perTrade, namesSent);
        const errors = new Map<string, string>();
        const unmatched: Array<{ tid: string; error: string }> = [];
        for (const e of listOf(answer) ?? []) {
            const entry = (e ?? {}) as Record<string, unknown>;
            const tid = sentTid.get(entryTid(entry));
            const error = String(entry.error ?? entry.message ?? entry.msg ?? '');
            if (tid !== undefined) errors.set(tid, error || 'refused');
            else unmatched.push({ tid: String(entry.tid ?? entry.src_tid ?? ''), error });
        }
        const ok = Number(answer.code) === 0;
        return {
            newCount: Number(answer.new_count) || 0,
            chgCount: Number(answer.chg_count) || 0,
            errors,
            unmatched,
            batchRejected: ok ? undefined : String(answer.message || `code ${answer.code}`),
            message: String(answer.message ?? ''),
            counted: [answer.new_count, answer.chg_count].some((v) => v !== undefined && v !== null && String(v).trim() !== ''),
        };
    }

    async checkConnection(ctx: RequestContext): Promise<ConnectionCheck> {
        const a = await this.request('shop', { page_no: '0', page_size: '1' }, ctx);
        const shops = String(a.total_count ?? '?');
        return { message: `connected to ${this.baseUrl} as ${this.sid}: ${shops} shops`, key: 'connected', vars: { url: this.baseUrl, sid: this.sid, shops } };
    }
}

/**
 * A custom URL as users paste it → the openapi2 base: `https://h/openapi2/`, `https://h/openapi2/trade_push.php`
 * and `https://h` all become `https://h/openapi2`; any other path is kept (a gateway may mount it elsewhere).
 */
export function normaliseBase(url: string): string {
    let u = url.trim().replace(/[?#].*$/, '');
    u = u.replace(/\/[A-Za-z0-9_]+\.php$/i, '').replace(/\/+$/, '');
    if (/^https?:\/\/[^/]+$/i.test(u)) u += '/openapi2';
    return u;
}

/** The server's base URL from the config: production, sandbox or a custom URL (see normaliseBase). */
export function wdtBaseUrl(config: Record<string, any>): string {
    const server = String(config.server || 'production');
    if (server === 'custom') {
        const url = String(config.baseUrl ?? '').trim();
        if (!url) throw wdtConfigError({ key: 'wdt-config.test.setting.baseUrlRequired' });
        if (!/^https?:\/\/[^\s/]+/i.test(url)) throw wdtConfigError({ key: 'wdt-config.test.setting.baseUrl' });
        if (urlQueryProblem(url)) throw wdtConfigError({ key: 'wdt-config.test.setting.baseUrlQuery' });
        return normaliseBase(url);
    }
    const host = WDT_HOSTS[server];
    if (!host) throw wdtConfigError({ key: 'wdt-config.test.setting.server', vars: { server } });
    return host;
}

