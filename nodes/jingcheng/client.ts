/**
 * 精诚ERP Jingcheng client for ExtApi_RecvExSheet. No public protocol exists (protocols.md §8): everything here is
 * the palette's configurable assumption — JSON POST of one return sheet to {baseUrl}/{path}, auth none / static
 * token header / md5 signature (jingchengSign), and a success rule (dotted path + expected value, compared as text).
 * A sheet is never sent twice after a timeout or an unclear answer: the server's idempotency is unknown.
 */
import path from 'path';
import { BaseClient, ClientSettings, ConnectionCheck, ConnectorError, RequestContext, decimalText, english, textError, nonFiniteNumber, parseVendorJson, validationError, type Text } from '../core';
import { jingchengSign } from './sign';

/**
 * The config node's catalog in English: the settings it refuses and the refusals the test button shows are its texts
 * (jingcheng-config.test.*), which the button shows in the editor's language (details.text, core/config-node.ts).
 */
const inEnglish = english(path.join(__dirname, 'jingcheng-config.js'));

export type JingchengAuthMode = 'none' | 'token' | 'md5';

export interface JingchengSettings {
    baseUrl: string;
    /** Interface path under baseUrl (default `ExtApi_RecvExSheet`). */
    path?: string;
    auth?: JingchengAuthMode;
    tokenHeader?: string;
    /** Header value; `<token>` is replaced by the token (default `Bearer <token>`). */
    tokenTemplate?: string;
    timestampHeader?: string;
    signHeader?: string;
    /** Dotted path of the success flag in the answer (default `success`). */
    successPath?: string;
    /** Expected value, compared as text (default `true`). */
    successValue?: string;
    /** Dotted path of the message in the answer (default `message`). */
    messagePath?: string;
    /** Dotted path of the error code in the answer (default `code`). */
    codePath?: string;
    /** Fixed headers added to every request. */
    extraHeaders?: Record<string, string>;
}

export interface JingchengCredentials {
    token?: string;
    secret?: string;
}

export interface RecvResult {
    SheetID: unknown;
    response: unknown;
    /** The server answered that it holds this SheetID already (DUPLICATE_SHEET): not received again, and there. */
    alreadyPresent?: true;
}

/**
 * The answer to a SheetID the server holds already (protocols.md §8.2). It is an outcome, not a failure: a sheet whose
 * answer was lost, replayed after the outage, is in the ERP, as kingdee-batch-save's alreadyPresent bills are.
 */
const DUPLICATE_SHEET = 'DUPLICATE_SHEET';

/** `a.b.0.c` → value (undefined when absent). */
export function readPath(obj: unknown, path: string): unknown {
    let cur: unknown = obj;
    for (const part of path.split('.').filter((p) => p !== '')) {
        if (cur === null || typeof cur !== 'object') return undefined;
        cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
}

/**
 * Numbers in the sheet go on the wire as their decimal text (the interface's fields are all strings), as the mapper
 * rounds them: a sheet built in a function node or by a mapper path rule sends 3 × 19.9 as "59.7", not
 * "59.699999999999996", and 1e-7 as "0.0000001". NaN or Infinity (a sum over a missing amount) is no amount: the sheet
 * is refused naming the field (validation, output 2), never sent with "NaN" in it.
 */
export function toWireSheet(sheet: Record<string, unknown>): Record<string, unknown> {
    const scalar = (v: unknown, field: string) => {
        if (typeof v !== 'number') return v;
        const nonFinite = nonFiniteNumber(v);
        if (nonFinite) throw validationError('jingcheng', field, `${nonFinite}; not sent`);
        return decimalText(v);
    };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(sheet)) {
        if (k === 'Items' && Array.isArray(v)) {
            out[k] = v.map((item, i) => (item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).map(([ik, iv]) => [ik, scalar(iv, `Items[${i}].${ik}`)])) : item));
        } else out[k] = scalar(v, k);
    }
    return out;
}

export class JingchengClient extends BaseClient {
    readonly url: string;
    private readonly s: Required<Omit<JingchengSettings, 'extraHeaders' | 'path' | 'baseUrl'>> & { extraHeaders: Record<string, string> };
    private readonly creds: JingchengCredentials;

    constructor(settings: ClientSettings, jc: JingchengSettings, credentials: JingchengCredentials) {
        super(settings);
        this.keepSecret(credentials.token, credentials.secret);
        const path = (jc.path ?? 'ExtApi_RecvExSheet').replace(/^\/+/, '');
        this.url = `${jc.baseUrl.replace(/\/+$/, '')}/${path}`;
        this.s = {
            auth: jc.auth ?? 'none',
            tokenHeader: jc.tokenHeader || 'Authorization',
            tokenTemplate: jc.tokenTemplate || 'Bearer <token>',
            timestampHeader: jc.timestampHeader || 'X-Timestamp',
            signHeader: jc.signHeader || 'X-Sign',
            successPath: jc.successPath || 'success',
            successValue: jc.successValue ?? 'true',
            messagePath: jc.messagePath || 'message',
            codePath: jc.codePath || 'code',
            extraHeaders: jc.extraHeaders ?? {},
        };
        this.creds = credentials;
        const template = this.s.auth === 'token' ? tokenTemplateProblem(this.s.tokenTemplate) : undefined;
        if (template) throw jingchengConfigError(template);
    }

    /** The ERP's service, a company's own server: what it limits is its own load, whoever calls (the token is a secret). */
    protected accountKey(): string[] {
        return [this.url];
    }

    /** Headers of one request: extra headers, then the auth mode's (computed per attempt: fresh timestamp). */
    private headers(body: string): Record<string, string> {
        const h: Record<string, string> = { ...this.s.extraHeaders, 'Content-Type': 'application/json; charset=utf-8' };
        if (this.s.auth === 'token') {
            const token = this.creds.token ?? '';
            h[this.s.tokenHeader] = this.s.tokenTemplate.split('<token>').join(token);
        } else if (this.s.auth === 'md5') {
            const ts = String(Math.floor(Date.now() / 1000));
            h[this.s.timestampHeader] = ts;
            h[this.s.signHeader] = jingchengSign(body, ts, this.creds.secret ?? '');
        }
        return h;
    }

    /**
     * Sends one return sheet. Resolves with the server's answer when it meets the success rule, or marked alreadyPresent
     * when it says the SheetID is there already (DUPLICATE_SHEET); otherwise throws a
     * classified ConnectorError (protocols.md §8.2): 401/403 and 3xx config, 429 rate-limit, 5xx/network transient, other 4xx
     * validation, 200 failing the rule business, each with the server's message.
     */
    async receiveSheet(sheet: Record<string, unknown>, ctx: RequestContext = {}): Promise<RecvResult> {
        const body = JSON.stringify(toWireSheet(sheet));
        return this.call(async (opts) => {
            const res = await this.http.request({ url: this.url, headers: this.headers(body), body }, opts);
            let answer: unknown;
            try {
                answer = parseVendorJson(res.body);
            } catch {
                answer = undefined;
            }
            const message = (fallback: string) => {
                const m = answer === undefined ? undefined : readPath(answer, this.s.messagePath);
                return m === undefined || m === null || m === '' ? fallback : String(m);
            };
            const code = (fallback: string) => {
                const c = answer === undefined ? undefined : readPath(answer, this.s.codePath);
                return c === undefined || c === null || c === '' ? fallback : String(c);
            };
            if (res.status === 401 || res.status === 403) {
                // The server's own words, what to check around them in the editor's language.
                const said = message('');
                const text: Text = { key: 'jingcheng-config.test.authRefused', vars: { status: res.status, reason: said || { key: 'jingcheng-config.test.unauthorized' } } };
                throw textError(inEnglish, text, { system: 'jingcheng', kind: 'config', code: code(`HTTP_${res.status}`), httpStatus: res.status });
            }
            // 413: the server's front refused the body before the service read it (an error page, no answer of its own).
            if (res.status === 413 || res.status === 429 || res.status >= 500) throw this.http.statusError(res)!;
            // A redirect (http:// moved to https://, a login page) says nothing about the sheet: the URL is wrong.
            if (res.status < 400 && (res.status < 200 || res.status >= 300)) throw this.http.statusError(res)!;
            if (res.status < 200 || res.status >= 300) {
                throw new ConnectorError({ system: 'jingcheng', kind: 'validation', code: code(`HTTP_${res.status}`), httpStatus: res.status, message: message(`HTTP ${res.status}: ${this.http.quote(res.body, 200)}`), safeToRepeat: false });
            }
            if (answer === undefined || answer === null || typeof answer !== 'object') {
                // A 2xx we cannot read: the sheet may have been stored.
                throw this.http.notJson(res, false);
            }
            const flag = readPath(answer, this.s.successPath);
            if (flag !== undefined && flag !== null && String(flag) === this.s.successValue) return { SheetID: sheet.SheetID, response: answer };
            if (code('') === DUPLICATE_SHEET) return { SheetID: sheet.SheetID, response: answer, alreadyPresent: true };
            throw new ConnectorError({ system: 'jingcheng', kind: 'business', code: code('REJECTED'), message: message(`${this.s.successPath} is ${JSON.stringify(flag)}, expected ${this.s.successValue}`), safeToRepeat: false });
        }, ctx, { write: true });
    }

    /**
     * There is no harmless call: posts an empty JSON object `{}` (no SheetID), which a server should refuse, and
     * reads whether authentication passed (401/403 → refused) from the answer. A 404/405 is no refusal of the sheet:
     * nothing answers at that URL (and nothing checked the credentials).
     */
    async checkConnection(ctx: RequestContext): Promise<ConnectionCheck> {
        try {
            await this.receiveSheet({}, ctx);
            return { message: 'reachable; warning: the server accepted an empty sheet', key: 'emptyAccepted' };
        } catch (err) {
            if (err instanceof ConnectorError && err.kind === 'validation' && (err.httpStatus === 404 || err.httpStatus === 405)) {
                const text: Text = { key: 'jingcheng-config.test.noInterface', vars: { url: this.url, status: err.httpStatus, reason: err.message } };
                throw textError(inEnglish, text, { system: err.system, kind: 'config', code: `HTTP_${err.httpStatus}`, httpStatus: err.httpStatus, details: err.details });
            }
            if (err instanceof ConnectorError && (err.kind === 'validation' || err.kind === 'business')) {
                return { message: `reachable, authentication accepted (an empty sheet was refused as expected: ${err.message})`, key: 'accepted', vars: { answer: err.message } };
            }
            throw err;
        }
    }
}

/**
 * A setting the config node cannot take: a text of the catalog (`jingcheng-config.test.setting.*`), whose English is
 * the message and which the editor's button shows in its language (core/config-node.ts), or an English message alone.
 */
export function jingchengConfigError(problem: Text | string): ConnectorError {
    if (typeof problem === 'string') return new ConnectorError({ system: 'jingcheng', kind: 'config', code: 'CONFIG', message: problem });
    return textError(inEnglish, problem, { system: 'jingcheng', kind: 'config', code: 'CONFIG' });
}

/** The text `jingcheng-config.test.setting.<name>` about setting `field`. */
export function jingchengSetting(name: string, field: string, vars: Record<string, string> = {}): Text {
    return { key: `jingcheng-config.test.setting.${name}`, vars: { field, ...vars } };
}

export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A character an HTTP header value cannot carry (a control character, or one past Latin-1 such as Chinese text). The
 * HTTP client drops such characters without a word: "精诚总部" would go out as an empty header.
 */
export const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Why a token header template cannot be used (a reason to follow the field's name), or undefined. Without `<token>`
 * (a template written `Bearer {token}` or `Bearer $token`) the token has no place in the header: sent without it, or
 * with the raw token instead, every sheet fails as "authentication refused".
 */
export function tokenTemplateProblem(template: string): Text | undefined {
    // Not quoted: a template without <token> is most often one with the token itself pasted in ("Bearer eyJ…").
    return template.includes('<token>') ? undefined : jingchengSetting('tokenTemplate', 'tokenTemplate');
}

/** `extraHeaders`: a JSON object of header name → text (from the editor as text, or already an object). */
export function parseExtraHeaders(value: unknown): Record<string, string> {
    if (value === undefined || value === null || value === '') return {};
    let obj: unknown = value;
    if (typeof value === 'string') {
        try {
            // A value written as a long number (a tenant id) is sent with every digit, not rounded (see core/json.ts).
            obj = parseVendorJson(value);
        } catch {
            throw jingchengConfigError(jingchengSetting('jsonObject', 'extraHeaders'));
        }
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw jingchengConfigError(jingchengSetting('jsonObject', 'extraHeaders'));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        if (!HEADER_NAME.test(k)) throw jingchengConfigError(jingchengSetting('headerName', 'extraHeaders', { name: k }));
        if (v !== null && typeof v === 'object') throw jingchengConfigError(jingchengSetting('headerValueText', 'extraHeaders', { name: k }));
        const text = String(v ?? '');
        const bad = NOT_IN_HEADER.exec(text);
        if (bad) throw jingchengConfigError(jingchengSetting('headerValueChar', 'extraHeaders', { name: k, char: JSON.stringify(bad[0]) }));
        out[k] = text;
    }
    return out;
}

