/**
 * HTTP transport on axios shared by every client. It never interprets vendor envelopes: it returns status, headers
 * and the body as text (clients parse it: Kingdee's `response_error:` prefix and WMS XML need the raw text), and it
 * turns network failures into classified ConnectorErrors.
 */
import http from 'http';
import https from 'https';
import net from 'net';
import { TLSSocket } from 'tls';
import axios, { AxiosError, AxiosInstance } from 'axios';
import { ConnectorError, cancelledError } from './errors';
import { english, type Text } from './i18n';

const inEnglish = english();

export interface TransportOptions {
    system: string;
    /** Default per-request timeout in milliseconds. */
    timeoutMs?: number;
    /** Accept a self-signed certificate (on-premise servers). */
    allowSelfSigned?: boolean;
    /** Largest response body accepted, in bytes. */
    maxResponseBytes?: number;
    /** How long a kept-alive connection may sit unused before this side closes it (default IDLE_SOCKET_MS). */
    idleSocketMs?: number;
}

/**
 * Kept-alive connections unused this long are closed by us. Servers close idle connections too (Node's after 5 s,
 * gateways after 5 – 75 s): a request sent on a connection the server is closing at that moment fails with "socket
 * hang up" or ECONNRESET, and a write failing so may or may not have been done. Closing ours first, under the
 * shortest common server timeout, avoids that race (Node's own global agent closes idle sockets after 5 s).
 */
export const IDLE_SOCKET_MS = 4000;

export interface HttpRequest {
    method?: 'GET' | 'POST';
    url: string;
    headers?: Record<string, string>;
    /** Query-string parameters (encoded by axios). */
    query?: Record<string, string>;
    /** Body sent exactly as given: clients that sign the body serialise it themselves. */
    body?: string;
}

export interface HttpResponse {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
    /** The address called, without its query (a 404 names it: the path is what is wrong). */
    url?: string;
}

export interface CallOptions {
    signal?: AbortSignal;
    timeoutMs?: number;
    /** A write msg's bodies refused as too large: one at least as large as them is not sent (see RefusedSizes). */
    refusedSizes?: RefusedSizes;
}

const SAFE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL', 'ERR_BAD_OPTION_VALUE']);

/** How HTML pages and XML write `"` and `'` (escape-html, .NET, Spring: &quot; &#39;; Python: &#x27;; Go: &#34;; PHP: &#039;; XML: &apos;), or leave them. */
const HTML_QUOTES = ['&quot;', '&#34;', '"'];
const HTML_APOSTROPHES = ['&#39;', '&#x27;', '&#039;', '&apos;', "'"];

/**
 * Every form in which an answer may quote `value` back: as sent (raw, URL-encoded, inside a JSON string, and that
 * inside another), and each of these as a page or a serializer writes what it quotes: HTML-escaped (every template
 * engine escapes what it shows; a password with & < > " ' in it shown so is the password all the same), and in a JSON
 * string with characters written as \uXXXX (.NET's and Java's serializers for & < > ' + and everything past ASCII;
 * Python's for everything past ASCII).
 */
function secretForms(value: string): string[] {
    const json = JSON.stringify(value).slice(1, -1);
    // A JSON body quoted inside a JSON string (an error's message quoting the request) holds it escaped twice.
    const sent = [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), json, JSON.stringify(json).slice(1, -1)];
    const forms = new Set(sent);
    for (const f of sent) {
        for (const quot of HTML_QUOTES) {
            for (const apos of HTML_APOSTROPHES) forms.add(f.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? quot : apos)));
        }
        for (const chars of [/[&<>'+`\u0080-\uffff]/g, /[\u0080-\uffff]/g]) {
            for (const upper of [true, false]) {
                forms.add(f.replace(chars, (c) => {
                    const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
                    return `\\u${upper ? hex.toUpperCase() : hex}`;
                }));
            }
        }
    }
    return [...forms];
}

export class HttpTransport {
    readonly system: string;
    readonly defaultTimeoutMs: number;
    private readonly axios: AxiosInstance;
    private readonly httpAgent: http.Agent;
    private readonly httpsAgent: https.Agent;
    /** Credentials of the account, and its latest session ids, each in every form a request carries it (see keepSecret). */
    private readonly secrets = new Map<string, string[]>();
    private readonly sessionSecrets = new Map<string, string[]>();

    constructor(options: TransportOptions) {
        this.system = options.system;
        this.defaultTimeoutMs = options.timeoutMs ?? 30000;
        // An agent's timeout applies to the sockets in its free list (a request in flight has its own timeout).
        const timeout = options.idleSocketMs ?? IDLE_SOCKET_MS;
        this.httpAgent = idleTimeoutOnly(new http.Agent({ keepAlive: true, maxSockets: 16, timeout }));
        this.httpsAgent = idleTimeoutOnly(new https.Agent({ keepAlive: true, maxSockets: 16, timeout, rejectUnauthorized: !options.allowSelfSigned }));
        this.axios = axios.create({
            proxy: proxyFromEnvironment(),
            httpAgent: this.httpAgent,
            httpsAgent: this.httpsAgent,
            maxContentLength: options.maxResponseBytes ?? 50 * 1024 * 1024,
            maxBodyLength: Infinity,
            // Bytes, decoded here in the charset the answer names (decodeBody): axios reads text as UTF-8 whatever it says.
            responseType: 'arraybuffer',
            transformResponse: [(data: unknown) => data],
            validateStatus: () => true,
            maxRedirects: 0,
        });
    }

    async request(req: HttpRequest, options: CallOptions = {}): Promise<HttpResponse> {
        if (options.signal?.aborted) throw cancelledError(this.system);
        const refused = options.refusedSizes;
        const size = refused ? Buffer.byteLength(req.body ?? '') : 0;
        const known = refused?.refusal(req.url, size, this.system);
        if (known) throw known;
        try {
            const res = await this.axios.request({
                method: req.method ?? 'POST',
                url: req.url,
                headers: req.headers,
                params: req.query,
                data: req.body,
                // Past 2^31 ms Node's timers fire at once: a huge setting would time every request out instantly.
                timeout: Math.min(options.timeoutMs ?? this.defaultTimeoutMs, 2147483647),
                signal: options.signal,
            });
            const headers = res.headers as HttpResponse['headers'];
            const answer: HttpResponse = { status: res.status, headers, body: decodeBody(res.data, headers['content-type']), url: req.url };
            if (refused) {
                if (refusedAsTooLarge(answer)) refused.refused(req.url, size, 'REQUEST_TOO_LARGE');
                else refused.answered(req.url, size);
            }
            return answer;
        } catch (err) {
            const e = this.classifyNetworkError(err, options, req);
            if (refused && e.code === 'RESET_WHILE_SENDING') refused.refused(req.url, size, 'RESET_WHILE_SENDING');
            throw e;
        }
    }

    /**
     * Marks a value (a credential, a session id, a token) that must never be quoted: error pages and gateways echo
     * the request back (its body, URL or headers), and an answer quoted in an error would carry it into msg.error,
     * Catch, the log and the test-connection answer. Values shorter than 4 characters are not looked for. Session
     * values renew for ever: only the latest few are kept (an old one is no longer accepted by the server anyway).
     */
    keepSecret(value: unknown, session = false): void {
        if (typeof value !== 'string' || value.length < 4) return;
        const store = session ? this.sessionSecrets : this.secrets;
        store.delete(value);
        store.set(value, secretForms(value));
        if (store.size > 16) store.delete(store.keys().next().value as string);
    }

    /** `text` with every kept secret replaced by ***. */
    redact(text: string): string {
        let out = text;
        // Longest first: a secret containing another is replaced whole.
        const forms = [...this.secrets.values(), ...this.sessionSecrets.values()].flat().sort((a, b) => b.length - a.length);
        for (const form of forms) if (out.includes(form)) out = out.split(form).join('***');
        return out;
    }

    /** The start of an answer for an error message: redacted before it is cut, so no part of a secret is left at the cut. */
    quote(body: string, max = 120): string {
        return this.redact(body).slice(0, max);
    }

    /**
     * A 2xx answer that is not the vendor's JSON (a portal's or a proxy's page at a wrong address, a cut-off body):
     * quoted, and said in the editor's language too. `safeToRepeat`: whether the call may be sent again.
     */
    notJson(res: HttpResponse, safeToRepeat?: boolean): ConnectorError {
        const text: Text = { key: 'runtime.error.notJson', vars: { answer: this.quote(res.body, 120) } };
        return new ConnectorError({ system: this.system, kind: 'transient', code: 'BAD_RESPONSE', message: inEnglish(text.key, text.vars), safeToRepeat, details: { text } });
    }

    /** Generic mapping of a non-2xx status (protocols.md §0): 5xx transient, 429 rate-limit, other 4xx config. */
    statusError(res: HttpResponse): ConnectorError | undefined {
        if (res.status >= 200 && res.status < 300) return undefined;
        const snippet = this.quote(res.body, 200);
        if (res.status === 429) {
            return new ConnectorError({ system: this.system, kind: 'rate-limit', code: 'HTTP_429', httpStatus: 429, message: `HTTP 429 Too Many Requests`, retryAfterMs: parseRetryAfter(res.headers['retry-after']) });
        }
        if (refusedAsTooLarge(res)) return requestTooLarge(this.system);
        if (res.status >= 500) {
            // 503 means the server refused before doing anything; other 5xx may have half-done the work.
            return new ConnectorError({ system: this.system, kind: 'transient', code: `HTTP_${res.status}`, httpStatus: res.status, message: `HTTP ${res.status} from server${snippet ? `: ${snippet}` : ''}`, safeToRepeat: res.status === 503, retryAfterMs: parseRetryAfter(res.headers['retry-after']), details: { answer: snippet } });
        }
        // A 404 or 405 says the address is wrong: named (redacted, without its query), as a msg at Catch shows no other
        // trace of which of the config node's addresses was called.
        const called = (res.status === 404 || res.status === 405) && res.url ? ` (called: ${this.redact(addressOf(res.url))})` : '';
        // The answer's start apart too: the Test connection button quotes it within its own words (core/config-node.ts).
        return new ConnectorError({ system: this.system, kind: 'config', code: `HTTP_${res.status}`, httpStatus: res.status, message: `HTTP ${res.status} from server${snippet ? `: ${snippet}` : ''}${called}`, details: { answer: snippet } });
    }

    close(): void {
        this.httpAgent.destroy();
        this.httpsAgent.destroy();
    }

    /** The node closed while the request was out: the server may go on and act on it. */
    private cancelledInFlight(): ConnectorError {
        return new ConnectorError({ system: this.system, kind: 'cancelled', code: 'CANCELLED', message: 'cancelled: the node was closed while the request was in flight', safeToRepeat: false });
    }

    private classifyNetworkError(err: unknown, options: CallOptions, req: HttpRequest): ConnectorError {
        if (err instanceof ConnectorError) return err;
        const ax = err as AxiosError;
        if (options.signal?.aborted || axios.isCancel(err) || ax.code === 'ERR_CANCELED') return this.cancelledInFlight();
        const code = ax.code ?? 'NETWORK';
        // The cause keeps axios's code and message only: an AxiosError holds the request (its config: body, headers),
        // and a login body or a signed request would carry credentials into any log or inspection of the error.
        const cause = Object.assign(new Error(ax.message), { name: ax.name, code: ax.code });
        if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
            const ms = options.timeoutMs ?? this.defaultTimeoutMs;
            // Timed out before its connection was ever open (a firewall dropping the connection attempt, a server
            // rebooting, a slow name lookup): nothing of the request left this host, so it is safe to send again, as
            // after a refused connection. Once connected, the server may have the request and act on it.
            const request = ax.request as http.ClientRequest | undefined;
            if (request && !opened(request.socket)) {
                const server = originOf(req.url);
                const text = networkText(server, 'CONNECT_TIMEOUT', { key: 'runtime.test.networkWhy.CONNECT_TIMEOUT', vars: { ms } });
                return new ConnectorError({ system: this.system, kind: 'transient', code: 'CONNECT_TIMEOUT', message: `could not connect to ${server} within ${ms} ms; nothing was sent`, safeToRepeat: true, cause, details: { text } });
            }
            return new ConnectorError({ system: this.system, kind: 'transient', code: 'TIMEOUT', message: `no answer within ${ms} ms`, safeToRepeat: false, cause });
        }
        if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/i.test(ax.message)) {
            const limit = this.axios.defaults.maxContentLength as number;
            const size = limit % (1024 * 1024) === 0 ? `${limit / 1024 / 1024} MB` : `${limit} bytes`;
            return new ConnectorError({ system: this.system, kind: 'config', code: 'RESPONSE_TOO_LARGE', message: `the answer is larger than ${size}, the most one call reads: ask for fewer records per call (lower the page size, or a write node's chunk size)`, cause });
        }
        if (code === 'ERR_INVALID_URL' || code === 'ERR_BAD_OPTION_VALUE') {
            return new ConnectorError({ system: this.system, kind: 'config', code: 'BAD_URL', message: `invalid server URL`, cause });
        }
        if (/certificate|self[- ]signed|CERT_/i.test(String(code) + ax.message)) {
            return new ConnectorError({ system: this.system, kind: 'config', code: 'TLS', message: `TLS certificate rejected (${code}); allow self-signed certificates in the config node if this is an on-premise server`, cause });
        }
        if ((code === 'ECONNRESET' || code === 'EPIPE') && (ax.request as http.ClientRequest | undefined)?.writableFinished === false) {
            // Cut off before the whole body was handed to the connection: the server never had the request, so nothing
            // of it was processed. A front server refusing a body over its limit may reset so instead of answering 413.
            const size = Buffer.byteLength(req.body ?? '');
            return new ConnectorError({ system: this.system, kind: 'transient', code: 'RESET_WHILE_SENDING', message: `connection reset while the request (${size} bytes) was being sent; nothing of it was processed (a server refusing a request this large may reset the connection instead of answering 413: if it happens again, ${FEWER_RECORDS})`, safeToRepeat: true, cause });
        }
        // Said with the server it was for (a wrong address or port is the usual cause), and as a text of the catalog
        // for the editor's Test connection button to say in its language.
        const server = originOf(req.url);
        const text = networkText(server, code, { key: NETWORK_WHY.has(code) ? `runtime.test.networkWhy.${code}` : 'runtime.test.networkWhy.other' });
        return new ConnectorError({ system: this.system, kind: 'transient', code, message: `network error: ${code} (${server})`, safeToRepeat: SAFE_NETWORK_CODES.has(code), cause, details: { text } });
    }
}

/**
 * An answer's body as text, in the charset its Content-Type names: a vendor's or its gateway's answer in GBK or GB18030
 * (an older ASP.NET or PHP server, a Chinese error page) read as UTF-8 had every Chinese character turned to U+FFFD,
 * silently, and a name or an address was written on garbled. As browsers decide (WHATWG encoding sniffing): a byte-order
 * mark first — a server's default label (GBK) on a UTF-8 body with a BOM made it unreadable —, then the label. No label,
 * or one Node does not know: UTF-8, unless the bytes are not UTF-8 and an XML declaration names the encoding (a PHP
 * WMS answering GBK XML as bare text/xml).
 */
function decodeBody(data: unknown, contentType: unknown): string {
    if (typeof data === 'string') return data;
    if (!Buffer.isBuffer(data)) return data === undefined || data === null ? '' : String(data);
    const bom = bomEncoding(data);
    // TextDecoder drops the BOM of its own encoding.
    if (bom) return new TextDecoder(bom).decode(data);
    const label = typeof contentType === 'string' ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] : undefined;
    const decoder = label ? decoderFor(label) : undefined;
    if (decoder && decoder.encoding !== 'utf-8') return decoder.decode(data);
    if (!decoder) {
        const declared = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(data.subarray(0, 200).toString('latin1'))?.[1];
        const xml = declared ? decoderFor(declared) : undefined;
        if (xml && xml.encoding !== 'utf-8' && !isUtf8(data)) return xml.decode(data);
    }
    return data.toString('utf8');
}

/** The encoding a byte-order mark at the start names, or undefined: it decides before any label (WHATWG). */
export function bomEncoding(data: Buffer): string | undefined {
    if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return 'utf-8';
    if (data[0] === 0xff && data[1] === 0xfe) return 'utf-16le';
    if (data[0] === 0xfe && data[1] === 0xff) return 'utf-16be';
    return undefined;
}

/** A decoder for a charset label, or undefined for one Node does not know. */
function decoderFor(label: string): TextDecoder | undefined {
    try {
        return new TextDecoder(label);
    } catch {
        return undefined;
    }
}

function isUtf8(data: Buffer): boolean {
    try {
        new TextDecoder('utf-8', { fatal: true }).decode(data);
        return true;
    } catch {
        return false;
    }
}

/** "could not reach `server`: `why` (`code`)" as a text of the catalog, for the editor's button to say in its language. */
function networkText(server: string, code: string, why: Text): Text {
    return { key: 'runtime.test.network', vars: { server, code, why } };
}

/** The network errors the catalog explains (runtime.test.networkWhy.*). */
const NETWORK_WHY = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The scheme, host and port of a URL: never its path or query, which may carry a signature or a key. */
function originOf(url: string): string {
    try {
        return new URL(url).origin;
    } catch {
        return '(invalid URL)';
    }
}

/** A URL without its query or fragment, which may carry a signature or a key (its user and password dropped too). */
function addressOf(url: string): string {
    try {
        const u = new URL(url);
        return u.origin + u.pathname;
    } catch {
        return '(invalid URL)';
    }
}

/**
 * Whether the server's front refused the body as over its limit: HTTP 413, or IIS and ASP.NET (in front of K/3 Cloud),
 * which refuse without a 413: request filtering answers 404.13 (maxAllowedContentLength, 30 MB by default), ASP.NET a
 * 500 "Maximum request length exceeded" (maxRequestLength, 4 MB by default; "超过了最大请求长度" on a Chinese server).
 * None handed the request to the service.
 */
function refusedAsTooLarge(res: HttpResponse): boolean {
    return res.status === 413 || (res.status === 404 && /\b404\.13\b/.test(res.body)) || (res.status === 500 && /Maximum request length exceeded|超过了最大请求长度/i.test(res.body));
}

/** How a write's request refused as too large gets smaller; a query's says instead what makes it large (queryTooLarge). */
const FEWER_RECORDS = 'send fewer records per request: lower the chunk size';

/**
 * A query's request refused as too large (REQUEST_TOO_LARGE, RESET_WHILE_SENDING) says what makes it large instead of
 * naming a chunk size, which a query does not have: its request is as large as its parameters (a long filter, a list
 * of bill numbers), the largest named. Any other error is returned as it is.
 */
export function queryTooLarge(err: ConnectorError, params: Record<string, unknown>): ConnectorError {
    if ((err.code !== 'REQUEST_TOO_LARGE' && err.code !== 'RESET_WHILE_SENDING') || !err.message.includes(FEWER_RECORDS)) return err;
    let largest: [string, number] | undefined;
    for (const [name, value] of Object.entries(params)) {
        let text: string | undefined;
        try {
            text = typeof value === 'string' ? value : JSON.stringify(value);
        } catch {
            continue;
        }
        const size = Buffer.byteLength(text ?? '');
        if (!largest || size > largest[1]) largest = [name, size];
    }
    const size = largest && (largest[1] >= 1024 ? `${Math.round(largest[1] / 1024)} KB` : `${largest[1]} bytes`);
    const advice = largest ? `make the query smaller: its largest parameter is ${largest[0]} (${size}); send fewer values in it per msg (a long list split over several msgs)` : 'make the query smaller: send fewer values per msg';
    return err.copyWith({ message: err.message.replace(FEWER_RECORDS, advice) });
}

/**
 * HTTP 413 (Payload Too Large): the server's front (nginx's client_max_body_size, 1 MB by default; IIS's
 * maxRequestLength) refused the body before the service read it, so nothing of it was processed and it is safe to send
 * again in smaller requests. Sent again as it is, it is refused again: never retried (write.ts sends a write's records
 * again in halves, and a record refused on its own fails alone).
 */
export function requestTooLarge(system: string): ConnectorError {
    return new ConnectorError({ system, kind: 'validation', code: 'REQUEST_TOO_LARGE', httpStatus: 413, message: `HTTP 413: the request is larger than the server accepts; nothing of it was processed (${FEWER_RECORDS}, or ask the server's administrator to raise its request body limit)`, safeToRepeat: true });
}

/**
 * The request bodies of one msg's writes refused as too large, by URL: a front server refuses every body over its
 * limit, so a body at least as large as one it refused is not sent but refused at once the same way (nothing of it
 * processed), and the write kit sends its records again in halves or fails a record alone as it would have. Without
 * this, a server refusing every bill (each alone over its limit, or a proxy resetting every request whatever its
 * size) cost two requests a bill: each chunk halved down to single bills, each sent and refused.
 *
 * A body refused is remembered only while no body as large went through (an answer of any kind: the front took it
 * in full). A reset while sending may also be the network's: a body is refused once two bodies at most as large were
 * reset; a 413 (or IIS's equivalents) counts at once.
 */
export class RefusedSizes {
    /** The errors refusal() made: nothing was sent, so the call takes no slot of the account's rate (Limiter). */
    private static readonly unsent = new WeakSet<object>();

    static sentNothing(err: unknown): boolean {
        return typeof err === 'object' && err !== null && RefusedSizes.unsent.has(err);
    }

    /** By URL: the largest body answered, the smallest refused with a 413, the two smallest reset (ascending). */
    private readonly byUrl = new Map<string, { answered: number; tooLarge: number; resets: number[] }>();

    /** The error a body of `size` bytes to `url` is certain to meet, when one at most as large was refused. */
    refusal(url: string, size: number, system: string): ConnectorError | undefined {
        const at = this.byUrl.get(url);
        let err: ConnectorError | undefined;
        if (at && size >= at.tooLarge) {
            err = requestTooLarge(system).copyWith({ message: `not sent: HTTP 413: a request of ${at.tooLarge} bytes was already refused as larger than the server accepts, and this one is ${size} bytes; nothing of it was processed (${FEWER_RECORDS}, or ask the server's administrator to raise its request body limit)` });
        } else if (at && at.resets.length >= 2 && size >= at.resets[1]) {
            // Two resets of bodies at most as large: one alone may have been the network's, and a larger body reset
            // after it says nothing of the sizes between them.
            err = new ConnectorError({ system, kind: 'transient', code: 'RESET_WHILE_SENDING', message: `not sent: the server reset the connection of requests of ${at.resets[1]} bytes and more while they were being sent, and this one is ${size} bytes; nothing of it was processed (a front server refusing requests this large resets them instead of answering 413; if it refuses even small requests, check the proxy or firewall in front of the server)`, safeToRepeat: true });
        }
        if (err) RefusedSizes.unsent.add(err);
        return err;
    }

    refused(url: string, size: number, code: 'REQUEST_TOO_LARGE' | 'RESET_WHILE_SENDING'): void {
        const at = this.at(url);
        // Refused though a body as large went through: not for its size.
        if (size <= at.answered) return;
        if (code === 'REQUEST_TOO_LARGE') {
            at.tooLarge = Math.min(at.tooLarge, size);
        } else {
            at.resets = [...at.resets, size].sort((a, b) => a - b).slice(0, 2);
        }
    }

    answered(url: string, size: number): void {
        const at = this.at(url);
        at.answered = Math.max(at.answered, size);
        // A body as large as one refused went through: that refusal was not for its size.
        if (at.tooLarge <= size) at.tooLarge = Infinity;
        at.resets = at.resets.filter((reset) => reset > size);
    }

    private at(url: string) {
        let at = this.byUrl.get(url);
        if (!at) this.byUrl.set(url, (at = { answered: -1, tooLarge: Infinity, resets: [] }));
        return at;
    }
}

/**
 * `agent` without its idle timeout on the sockets it opens. Node also sets an agent's timeout on each new socket while
 * it looks the host up and connects, where the request's own timeout does not yet apply: a lookup or a connection
 * slower than the idle time (a first name server not answering costs 5 s) failed every call as "no answer within
 * 30000 ms", a write as possibly processed, with nothing sent. The request's timeout covers connecting (axios's timer),
 * and the agent still puts its timeout on the sockets it keeps (keepSocketAlive).
 */
function idleTimeoutOnly<A extends http.Agent>(agent: A): A {
    const connecting = agent as unknown as { createConnection(options: object, callback: unknown): unknown };
    const open = connecting.createConnection;
    connecting.createConnection = function (this: A, options: object, callback: unknown) {
        const socket = open.call(this, { ...options, timeout: undefined }, callback);
        if (socket instanceof net.Socket) whenConnected(socket);
        return socket;
    };
    // Kept out of every copy of the agent's options (the agent's own reads it, keepSocketAlive): axios makes an https
    // request through HTTPS_PROXY with a CONNECT tunnel agent built from them, which took it as the time to open the
    // tunnel, and a proxy slower than that failed the call with nothing sent (ETIMEOUT, a write as possibly processed).
    const options = (agent as unknown as { options: Record<string, unknown> }).options;
    Object.defineProperty(options, 'timeout', { value: options.timeout, enumerable: false, writable: true, configurable: true });
    return agent;
}

/**
 * The sockets of the agents (idleTimeoutOnly) whose connection opened: TCP connected, and for TLS the handshake done
 * (before it, a request's bytes wait in the socket, unsent). A request timing out on a socket not among them sent
 * nothing (CONNECT_TIMEOUT, safe to repeat).
 */
const connectedSockets = new WeakSet<object>();

function whenConnected(socket: net.Socket): void {
    socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => void connectedSockets.add(socket));
}

/**
 * Whether a request's socket was open for its bytes to reach the server. A TLS socket says so itself: its alpnProtocol
 * is null until the handshake is done (false after one without ALPN). That covers the sockets axios makes without our
 * agents: an https request through HTTPS_PROXY goes through a CONNECT tunnel of axios's own, and its timeouts, unseen
 * by whenConnected, were all taken for "nothing was sent", a write the server had sent again.
 */
function opened(socket: net.Socket | null | undefined): boolean {
    if (!socket) return false;
    if (socket instanceof TLSSocket) return socket.alpnProtocol !== null;
    return connectedSockets.has(socket);
}

/** The variables axios reads a proxy from (either case), as its own env lookup does. */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy'];

/**
 * `false` (connect directly) when no proxy variable is set; otherwise undefined, and axios applies HTTP_PROXY /
 * HTTPS_PROXY / ALL_PROXY / NO_PROXY to each request itself. Read once per transport (a config node's start): with no
 * proxy at all, axios would still look the environment up and parse the URL for every call, and in a long read that
 * per-request work doubled V8's full collections (guanyi paging bench: 21 vs 40 mark-compacts per 100k records).
 */
export function proxyFromEnvironment(env: NodeJS.ProcessEnv = process.env): false | undefined {
    return PROXY_VARIABLES.some((name) => env[name] || env[name.toUpperCase()]) ? undefined : false;
}

/** delay-seconds (a negative or fractional count tolerated). */
const RETRY_SECONDS = /^[+-]?\d+(\.\d+)?$/;
/** HTTP-date in its three forms (IMF-fixdate, RFC 850, asctime): a day name, a month name and a time of day. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s.*\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b.*\b\d{1,2}:\d{2}:\d{2}\b/i;

/**
 * Retry-After in ms: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); anything else is no hint (the usual backoff).
 * Only those forms are read: V8's Date.parse guesses a date from any text with a number in it ("3600 (1 hour)" is the
 * year 3600), and a wait of centuries would pause every node of the account until a redeploy.
 */
export function parseRetryAfter(value: unknown): number | undefined {
    if (typeof value !== 'string') return undefined;
    const text = value.trim();
    if (RETRY_SECONDS.test(text)) return Math.max(0, Number(text) * 1000);
    if (!HTTP_DATE.test(text)) return undefined;
    // An HTTP-date is GMT; the asctime form does not write it, and Date.parse would read it in the host's zone (a wait
    // 8 hours longer in Los Angeles, none in Shanghai). A zone that is written is kept.
    const date = Date.parse(/[a-z]$|[+-]\d{2}:?\d{2}$/i.test(text) ? text : `${text} GMT`);
    return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Cookies from Set-Cookie headers as name → value (session cookies of Kingdee and similar). */
export function parseSetCookie(header: string | string[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of Array.isArray(header) ? header : header ? [header] : []) {
        const pair = line.split(';', 1)[0];
        const eq = pair.indexOf('=');
        if (eq > 0) out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    return out;
}
