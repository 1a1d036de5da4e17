/**
 * 管易云 Guanyi ERP open API client (protocols.md §6). One per guanyi-config: raw JSON POST of a flat body
 * (appkey, sessionkey, method, business parameters, sign) to the configured URL; the body text is serialised once,
 * signed (guanyi) and sent as is. `success === true` is success; failures classified by errorCode/errorDesc (§6.3).
 */
import path from 'path';
import { BaseClient, ClientSettings, ConnectionCheck, ConnectorError, FREQUENCY_TEXT, RequestContext, digestOf, isBusyAnswer, english, textError, missingListError, parseVendorJson, type Text } from '../core';
import { guanyiBody } from './sign';

/** The config node's catalog in English: the refusals the test button shows are its texts (guanyi-config.test.*). */
const inEnglish = english(path.join(__dirname, 'guanyi-config.js'));

export const GUANYI_DEFAULT_URL = 'http://v2.api.guanyierp.com/rest/erp_open';

export interface GuanyiSettings {
    url: string;
    appkey: string;
}

export interface GuanyiCredentials {
    sessionkey: string;
    secret: string;
}

export interface ReturnPage {
    records: Array<Record<string, unknown>>;
    total?: number;
}

// Whole words only for `sign` ("SIGN_INVALID" matches, "assign" does not).
const CONFIG_TEXT = /sessionkey|session_key|签名|(?<![a-z])sign(?![a-z])|appkey|app_key/i;
// Looser than core FREQUENCY_TEXT (tested first): only after the account words.
const RATE_TEXT = /(?<![a-z])limit/i;

/** An array from an array, a JSON array text, a single object, or nothing (→ []). */
function asArray(v: unknown): unknown[] {
    if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
        try {
            v = parseVendorJson(v);
        } catch {
            /* kept as text */
        }
    }
    if (Array.isArray(v)) return v;
    if (v === undefined || v === null || v === '') return [];
    return [v];
}

/**
 * The answer's `tradeReturns` as a list (an array, a JSON-text list, a lone return), or undefined when it holds none:
 * missing, null, empty text, or a value that is no list (a number, a plain text).
 */
function returnList(v: unknown): unknown[] | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    const list = asArray(v);
    return Array.isArray(v) || list.every((x) => x !== null && typeof x === 'object') ? list : undefined;
}

/** The object itself (a freshly parsed answer is ours to shape: no copy per record), or {} for anything else. */
function obj(v: unknown): Record<string, unknown> {
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * One `tradeReturns` element shaped like seed 002's response table: `details` is always an array and each detail's
 * `payments` too (a missing list becomes [], a JSON text or a lone object is unwrapped); other fields pass as they are.
 * Works in place on the parsed answer: a record already in shape is returned as it is.
 */
export function normaliseReturn(raw: unknown): Record<string, unknown> {
    const r = obj(raw);
    const details = asArray(r.details);
    for (let i = 0; i < details.length; i++) {
        const detail = obj(details[i]);
        const payments = asArray(detail.payments);
        for (let j = 0; j < payments.length; j++) payments[j] = obj(payments[j]);
        if (detail.payments !== payments) detail.payments = payments;
        details[i] = detail;
    }
    if (r.details !== details) r.details = details;
    return r;
}

/**
 * A setting the config node cannot take: a text of the catalog (`guanyi-config.test.setting.*`), whose English is the
 * message and which the editor's button shows in its language (core/config-node.ts), or an English message alone.
 */
export function guanyiConfigError(problem: Text | string): ConnectorError {
    if (typeof problem === 'string') return new ConnectorError({ system: 'guanyi', kind: 'config', code: 'CONFIG', message: problem });
    return textError(inEnglish, problem, { system: 'guanyi', kind: 'config', code: 'CONFIG' });
}

export class GuanyiClient extends BaseClient {
    readonly url: string;
    readonly appkey: string;
    private readonly creds: GuanyiCredentials;

    constructor(settings: ClientSettings, g: GuanyiSettings, credentials: GuanyiCredentials) {
        super(settings);
        this.keepSecret(credentials.sessionkey, credentials.secret);
        this.url = g.url;
        this.appkey = g.appkey;
        this.creds = credentials;
    }

    /** The app; the sessionkey (the shop's account within it) is a secret, so the app's shops count as one. */
    protected accountKey(): string[] {
        return [this.url, this.appkey];
    }

    /**
     * The account whose returns an incremental node reads is the sessionkey's, not the app's: a config node edited from
     * one account's sessionkey to another's (test to production, under one appkey) kept the first one's watermark and
     * skipped the other's earlier returns. The sessionkey is a secret: only a digest of it.
     */
    accountIdentity(): string | undefined {
        return JSON.stringify([super.accountIdentity(), digestOf(this.creds.sessionkey)]);
    }

    /** Classifies a `success:false` answer (protocols.md §6.3; a server saying it is busy: transient). */
    classify(answer: Record<string, unknown>): ConnectorError {
        const code = String(answer.errorCode || answer.subErrorCode || 'FAILED');
        const desc = [answer.errorDesc, answer.subErrorDesc].filter((x) => x !== undefined && x !== null && x !== '').map(String);
        const message = [...new Set(desc)].join(': ') || code;
        const text = `${answer.errorCode ?? ''} ${answer.subErrorCode ?? ''} ${message}`;
        const rateLimit = () => new ConnectorError({ system: 'guanyi', kind: 'rate-limit', code, message, safeToRepeat: true });
        // A frequency text is a rate limit even when it names the appkey or sessionkey (core FREQUENCY_TEXT).
        if (FREQUENCY_TEXT.test(text)) return rateLimit();
        // Busy: Guanyi did nothing with the read, which is asked again (core isBusyAnswer), not failed as business.
        if (isBusyAnswer(String(answer.errorCode ?? ''), text)) return new ConnectorError({ system: 'guanyi', kind: 'transient', code, message, safeToRepeat: true });
        if (CONFIG_TEXT.test(text)) {
            // Guanyi's own words, what to check around them in the editor's language.
            const refused: Text = { key: 'guanyi-config.test.credentials', vars: { reason: message } };
            return textError(inEnglish, refused, { system: 'guanyi', kind: 'config', code });
        }
        if (RATE_TEXT.test(text)) return rateLimit();
        const sub = String(answer.subErrorCode ?? '');
        return new ConnectorError({ system: 'guanyi', kind: 'business', code, message, field: /^isv\./.test(sub) ? sub.slice(4) : undefined });
    }

    /** One API call; resolves with the answer when success is true. Read-only methods only. */
    async invoke(method: string, params: Record<string, unknown>, ctx: RequestContext = {}): Promise<Record<string, any>> {
        const { body } = guanyiBody({ appkey: this.appkey, sessionkey: this.creds.sessionkey, method, ...params }, this.creds.secret);
        return this.call(async (opts) => {
            const res = await this.http.request({ url: this.url, headers: { 'Content-Type': 'application/json;charset=utf-8' }, body }, opts);
            const statusError = this.http.statusError(res);
            if (statusError) throw statusError;
            let answer: unknown;
            try {
                answer = parseVendorJson(res.body);
            } catch {
                answer = undefined;
            }
            if (!answer || typeof answer !== 'object' || Array.isArray(answer)) {
                throw this.http.notJson(res);
            }
            const a = answer as Record<string, any>;
            if (a.success === true) return a;
            throw this.classify(a);
        }, ctx, { write: false });
    }

    /**
     * One page of gy.erp.trade.return.get (page_no from 1), read from `tradeReturns` (the key seen in a real call; the
     * unconfirmed `returns`/`trade_returns` are not read, §6.3), records normalised. An answer without that list that
     * counts returns or holds a list under another key is BAD_RESPONSE, not an empty page (core missingListError).
     */
    async returnGet(params: Record<string, unknown>, pageNo: number, pageSize: number, ctx: RequestContext = {}): Promise<ReturnPage> {
        const a = await this.invoke('gy.erp.trade.return.get', { ...params, page_no: pageNo, page_size: pageSize }, ctx);
        const list = returnList(a.tradeReturns);
        const n = Number(a.total);
        const total = a.total === undefined || a.total === null || a.total === '' || !Number.isFinite(n) ? undefined : n;
        const missing = list === undefined ? missingListError('guanyi', a, total, 'the answer', 'tradeReturns') : undefined;
        if (missing) throw missing;
        return { records: (list ?? []).map(normaliseReturn), total };
    }

    async checkConnection(ctx: RequestContext): Promise<ConnectionCheck> {
        const p = await this.returnGet({}, 1, 1, ctx);
        const returns = p.total ?? p.records.length;
        return { message: `connected to ${this.url}: ${returns} returns visible`, key: 'connected', vars: { url: this.url, returns } };
    }
}
