/**
 * The simulator framework every system's simulator plugs into: an HTTP server on 127.0.0.1 (free port unless one is
 * given), request recording, and fault injection for the next N matching calls. A simulator subclass registers
 * routes and answers with its vendor's real protocol; the faults it cannot express generically (a vendor rate-limit
 * answer, a vendor session-expired answer) it provides through `vendorFault()`.
 */
import http from 'http';
import { AddressInfo } from 'net';
import { URL } from 'url';

export interface SimRequest {
    method: string;
    /** Path without the query string, e.g. `/k3cloud/Kingdee…ExecuteBillQuery.common.kdsvc`. */
    path: string;
    query: Record<string, string>;
    headers: http.IncomingHttpHeaders;
    /** Raw body text exactly as received (signatures cover it). */
    body: string;
    /** The body's bytes exactly as received (for signatures over the bytes sent). */
    raw?: Buffer;
    /** Milliseconds since epoch when the request arrived. */
    time: number;
    /** The remote address (for inbound-webhook tests). */
    remote?: string;
    /** The fault this request got instead of (or besides) a normal answer, if any. */
    fault?: Fault;
    /**
     * Set by a simulator that turned the request away without acting on it, by its own rules rather than an injected
     * fault (a session another request's fault ended): why. A write may be sent again after it.
     */
    refused?: string;
}

export interface SimResponse {
    status?: number;
    headers?: Record<string, string | string[]>;
    /** Objects are sent as JSON; strings as they are. */
    body?: unknown;
}

export type Fault =
    /** `afterMs`: answered that long after the request came (a slow rate-limit answer, while other calls queue). */
    | { type: 'http'; status: number; body?: string; headers?: Record<string, string>; afterMs?: number }
    | { type: 'reset' }
    /** Wait `ms` before answering (beyond the client's timeout, the client gives up; the request still happens). */
    | { type: 'delay'; ms: number; thenProcess?: boolean }
    /** Process the request normally (the write happens), then reset the connection: the client never sees the answer. */
    | { type: 'reset-after-processing' }
    /** Process the request normally, then answer with `bytes` of spaces after the answer (larger than a client reads). */
    | { type: 'pad-after-processing'; bytes: number }
    /** Process the request normally, then answer 200 with only the first `bytes` of the answer (a gateway cut it short). */
    | { type: 'truncate-after-processing'; bytes?: number }
    /** A vendor-specific answer, e.g. 'rate-limit', 'session-expired'. */
    | { type: 'vendor'; name: string }
    /**
     * An error page quoting the request back (its URL with the query, its headers, or its body), as some gateways do.
     * `escape`: quoted as a real page or answer would quote it: 'html', HTML-escaped (&amp; &lt; &gt; &quot; &#39;, as
     * every template engine escapes what it shows); 'json', in a JSON error (.NET's and Java's serializers write &, <,
     * >, ', + and every character past ASCII as \uXXXX). Default: as it came.
     */
    | { type: 'echo'; status: number; part: 'url' | 'headers' | 'body'; escape?: 'html' | 'json' };

/**
 * A seeded mix of faults: every request matching `match` that no queued fault (inject()) claims draws, with
 * probability `rate`, one of `faults` by weight. A fault with `max` stops being drawn after that many; one with its own
 * `match` is only drawn for the requests it matches. The same seed and the same request sequence give the same faults.
 */
export interface FaultMix {
    seed: number;
    /** Probability (0..1) that a matching request gets a fault. */
    rate: number;
    faults: Array<{ fault: Fault; weight?: number; max?: number; match?: (req: SimRequest) => boolean }>;
    match?: (req: SimRequest) => boolean;
    /**
     * Each fault of the list is drawn once before any is drawn again (among those a request may get): a seed that
     * happened never to draw one (a lost answer, a timed-out write still processed) left it untested. See undrawnFaults.
     */
    everyKind?: boolean;
}

/** Text as an HTML page shows it (escape-html, Spring's HtmlUtils, .NET's HtmlEncode). */
export function htmlEscape(text: string): string {
    return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Text inside a JSON string as .NET's serializers write it (System.Text.Json's default encoder): HTML characters and non-ASCII as \uXXXX. */
export function jsonAscii(text: string): string {
    return JSON.stringify(text)
        .slice(1, -1)
        .replace(/[&<>'+`\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** A small seeded PRNG (mulberry32): reproducible fault mixes and test data. */
/**
 * Ordinal comparison by UTF-16 code unit (Java's TreeMap, PHP's ksort for ASCII keys), spelt out rather than left to
 * Array.prototype.sort's default and never localeCompare: the order vendors sort signed parameters in.
 */
export function ordinal(a: string, b: string): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        const d = a.charCodeAt(i) - b.charCodeAt(i);
        if (d !== 0) return d;
    }
    return a.length - b.length;
}

export function seededRandom(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

interface PendingFault {
    fault: Fault;
    remaining: number;
    match?: (req: SimRequest) => boolean;
}

type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface SimServerOptions {
    /**
     * Match string route paths ignoring case. Off by default: paths are compared exactly. Only a vendor documented to
     * accept any case (Kingdee, protocols.md §1.1) opts in. RegExp routes follow their own flags either way.
     */
    caseInsensitivePaths?: boolean;
}

/**
 * The media type and parameters of a request's Content-Type (type and parameter names lower-cased, parameter values
 * unquoted and lower-cased), or undefined when the header is absent.
 */
export function contentType(req: SimRequest): { type: string; params: Record<string, string> } | undefined {
    const h = req.headers['content-type'];
    const value = Array.isArray(h) ? h[0] : h;
    if (value === undefined) return undefined;
    const [type, ...rest] = value.split(';');
    const params: Record<string, string> = {};
    for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq < 0) continue;
        params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    }
    return { type: type.trim().toLowerCase(), params };
}

interface Route {
    method: string;
    path: string | RegExp;
    handler: Handler;
}

export class SimServer {
    readonly name: string;
    readonly requests: SimRequest[] = [];
    /** Keep at most this many recorded requests (benchmarks push hundreds of thousands). */
    recordLimit = 10000;
    /** Counts every request, recorded or not. */
    requestCount = 0;
    /**
     * The largest request body accepted, in bytes, as a front server sets it (nginx's client_max_body_size, 1 MB by
     * default): a larger one is answered 413 with nginx's error page and never reaches the vendor's service.
     */
    maxBodyBytes = Infinity;
    /** A body declared over maxBodyBytes gets its connection reset at once, unread, instead of a 413 page. */
    oversizeReset = false;
    private server: http.Server | undefined;
    private readonly routes: Route[] = [];
    private readonly faults: PendingFault[] = [];
    private readonly afterHooks: Array<{ change: () => void; match?: (req: SimRequest) => boolean }> = [];
    private readonly sockets = new Set<import('net').Socket>();
    private url = '';
    private mix: { spec: FaultMix; random: () => number; drawn: number[] } | undefined;
    /** Every fault handed out (queued or drawn from a mix), in order. */
    readonly faultLog: Array<{ req: SimRequest; fault: Fault }> = [];

    /** String routes match paths ignoring case (SimServerOptions.caseInsensitivePaths). */
    readonly caseInsensitivePaths: boolean;

    constructor(name: string, options: SimServerOptions = {}) {
        this.name = name;
        this.caseInsensitivePaths = options.caseInsensitivePaths ?? false;
    }

    get baseUrl(): string {
        if (!this.url) throw new Error(`${this.name} simulator is not started`);
        return this.url;
    }

    route(method: string, path: string | RegExp, handler: Handler): this {
        this.routes.push({ method: method.toUpperCase(), path, handler });
        return this;
    }

    /** The next `count` requests (matching `match`, if given) get `fault` instead of a normal answer. */
    inject(fault: Fault, count = 1, match?: (req: SimRequest) => boolean): this {
        this.faults.push({ fault, remaining: count, match });
        return this;
    }

    /**
     * Runs `change` once, right after the first request matching `match` (if given) was handled and before its answer
     * is sent: the store changing while a client pages through it (a record edited in the vendor's system).
     */
    afterRequest(change: () => void, match?: (req: SimRequest) => boolean): this {
        this.afterHooks.push({ change, match });
        return this;
    }

    /** From now on, requests without a queued fault draw from `mix` (undefined: no more random faults). */
    injectRandom(mix: FaultMix | undefined): this {
        this.mix = mix ? { spec: mix, random: seededRandom(mix.seed), drawn: mix.faults.map(() => 0) } : undefined;
        return this;
    }

    /** The faults of the random mix never drawn so far (none when there is no mix; a fault allowed 0 times is not counted). */
    undrawnFaults(): Fault[] {
        const mix = this.mix;
        return mix ? mix.spec.faults.filter((f, k) => mix.drawn[k] === 0 && f.max !== 0).map((f) => f.fault) : [];
    }

    clearFaults(): void {
        this.faults.length = 0;
        this.mix = undefined;
    }

    clearRequests(): void {
        this.requests.length = 0;
        this.requestCount = 0;
    }

    /** Subclasses answer named vendor faults ('rate-limit', 'session-expired', …) in their vendor's own words. */
    protected vendorFault(name: string, _req: SimRequest): SimResponse {
        throw new Error(`${this.name} simulator has no vendor fault named "${name}"`);
    }

    async start(port = 0): Promise<string> {
        if (this.server) return this.url;
        const server = http.createServer((req, res) => this.onRequest(req, res));
        server.keepAliveTimeout = 5000;
        server.on('connection', (socket) => {
            this.sockets.add(socket);
            socket.on('close', () => this.sockets.delete(socket));
        });
        await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(port, '127.0.0.1', () => resolve());
        });
        this.server = server;
        const address = server.address() as AddressInfo;
        this.url = `http://127.0.0.1:${address.port}`;
        return this.url;
    }

    async stop(): Promise<void> {
        const server = this.server;
        if (!server) return;
        this.server = undefined;
        for (const socket of this.sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        this.url = '';
    }

    private takeFault(req: SimRequest): Fault | undefined {
        const i = this.faults.findIndex((f) => !f.match || f.match(req));
        let fault: Fault | undefined;
        if (i >= 0) {
            const pending = this.faults[i];
            pending.remaining--;
            if (pending.remaining <= 0) this.faults.splice(i, 1);
            fault = pending.fault;
        } else {
            fault = this.drawFault(req);
        }
        if (fault) {
            req.fault = fault;
            this.faultLog.push({ req, fault });
        }
        return fault;
    }

    private drawFault(req: SimRequest): Fault | undefined {
        const mix = this.mix;
        if (!mix || (mix.spec.match && !mix.spec.match(req))) return undefined;
        // Two draws per matching request whatever happens, so one decision never shifts the next.
        const hit = mix.random() < mix.spec.rate;
        const pick = mix.random();
        if (!hit) return undefined;
        let eligible = mix.spec.faults.map((f, k) => ({ f, k })).filter(({ f, k }) => (f.max === undefined || mix.drawn[k] < f.max) && (!f.match || f.match(req)));
        if (mix.spec.everyKind && eligible.some(({ k }) => mix.drawn[k] === 0)) eligible = eligible.filter(({ k }) => mix.drawn[k] === 0);
        const total = eligible.reduce((sum, { f }) => sum + (f.weight ?? 1), 0);
        let at = pick * total;
        for (const { f, k } of eligible) {
            at -= f.weight ?? 1;
            if (at < 0) {
                mix.drawn[k]++;
                return f.fault;
            }
        }
        return undefined;
    }

    private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
        if (this.oversizeReset && Number(req.headers['content-length']) > this.maxBodyBytes) {
            const url = new URL(req.url ?? '/', 'http://127.0.0.1');
            const simReq: SimRequest = { method: (req.method ?? 'GET').toUpperCase(), path: url.pathname, query: {}, headers: req.headers, body: '', time: Date.now(), fault: { type: 'reset' } };
            this.requestCount++;
            if (this.requests.length < this.recordLimit) this.requests.push(simReq);
            this.faultLog.push({ req: simReq, fault: simReq.fault! });
            req.socket.destroy();
            return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            const url = new URL(req.url ?? '/', 'http://127.0.0.1');
            const query: Record<string, string> = {};
            for (const [k, v] of url.searchParams) query[k] = v;
            const raw = Buffer.concat(chunks);
            const simReq: SimRequest = {
                method: (req.method ?? 'GET').toUpperCase(),
                path: url.pathname,
                query,
                headers: req.headers,
                body: raw.toString('utf8'),
                raw,
                time: Date.now(),
                remote: req.socket.remoteAddress,
            };
            this.requestCount++;
            if (this.requests.length < this.recordLimit) this.requests.push(simReq);
            if (raw.length > this.maxBodyBytes) {
                simReq.fault = { type: 'http', status: 413 };
                this.faultLog.push({ req: simReq, fault: simReq.fault });
                return this.write(res, { status: 413, headers: { 'Content-Type': 'text/html', Connection: 'close' }, body: NGINX_413 });
            }
            this.dispatch(simReq, res).catch((err) => {
                if (!res.headersSent) {
                    res.writeHead(500, { 'Content-Type': 'text/plain' });
                    res.end(`simulator error: ${err instanceof Error ? err.message : String(err)}`);
                }
            });
        });
    }

    private async dispatch(req: SimRequest, res: http.ServerResponse): Promise<void> {
        const fault = this.takeFault(req);
        if (fault) {
            switch (fault.type) {
                case 'http':
                    if (fault.afterMs) await new Promise((r) => setTimeout(r, fault.afterMs));
                    return this.write(res, { status: fault.status, headers: fault.headers, body: fault.body ?? `HTTP ${fault.status}` });
                case 'reset':
                    req.headers.connection = 'close';
                    res.socket?.destroy();
                    return;
                case 'delay':
                    await new Promise((r) => setTimeout(r, fault.ms));
                    if (res.socket?.destroyed) {
                        if (fault.thenProcess) await this.handle(req);
                        return;
                    }
                    break;
                case 'reset-after-processing':
                    await this.handle(req);
                    res.socket?.destroy();
                    return;
                case 'pad-after-processing': {
                    const answer = await this.handle(req);
                    const text = typeof answer.body === 'string' ? answer.body : toJson(answer.body ?? '');
                    return this.write(res, { status: answer.status, headers: answer.headers, body: text + ' '.repeat(fault.bytes) });
                }
                case 'truncate-after-processing': {
                    const answer = await this.handle(req);
                    const text = typeof answer.body === 'string' ? answer.body : toJson(answer.body ?? '');
                    return this.write(res, { status: 200, headers: answer.headers, body: text.slice(0, fault.bytes ?? 40) });
                }
                case 'vendor':
                    return this.write(res, this.vendorFault(fault.name, req));
                case 'echo': {
                    const url = `${req.path}${Object.keys(req.query).length ? `?${new URLSearchParams(req.query)}` : ''}`;
                    const quoted = fault.part === 'url' ? url : fault.part === 'headers' ? Object.entries(req.headers).filter(([k]) => !/^(host|connection|accept|accept-encoding|user-agent|content-length|content-type)$/.test(k)).map(([k, v]) => `${k}: ${v}`).join('\n') : req.body;
                    if (fault.escape === 'json') return this.write(res, { status: fault.status, headers: { 'Content-Type': 'application/json' }, body: `{"Message":"request refused: ${jsonAscii(quoted)}"}` });
                    const shown = fault.escape === 'html' ? htmlEscape(quoted) : quoted;
                    return this.write(res, { status: fault.status, headers: { 'Content-Type': 'text/html' }, body: `${shown}<html><body>request refused</body></html>` });
                }
            }
        }
        const answer = await this.handle(req);
        const hook = this.afterHooks.findIndex((h) => !h.match || h.match(req));
        if (hook >= 0) this.afterHooks.splice(hook, 1)[0].change();
        this.write(res, answer);
    }

    /** Routes a request to its handler; 404 in plain text when none matches. */
    protected async handle(req: SimRequest): Promise<SimResponse> {
        for (const route of this.routes) {
            if (route.method !== req.method && route.method !== '*') continue;
            const hit =
                typeof route.path === 'string'
                    ? this.caseInsensitivePaths
                        ? route.path.toLowerCase() === req.path.toLowerCase()
                        : route.path === req.path
                    : route.path.test(req.path);
            if (hit) return route.handler(req);
        }
        return { status: 404, body: `no route for ${req.method} ${req.path}` };
    }

    private write(res: http.ServerResponse, answer: SimResponse): void {
        if (res.socket?.destroyed) return;
        const headers: Record<string, string | string[]> = { ...answer.headers };
        let body: string;
        if (typeof answer.body === 'string') {
            body = answer.body;
            if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'text/plain; charset=utf-8';
        } else {
            body = answer.body === undefined ? '' : toJson(answer.body);
            if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json; charset=utf-8';
        }
        headers['Content-Length'] = String(Buffer.byteLength(body));
        res.writeHead(answer.status ?? 200, headers);
        res.end(body);
    }
}

/** nginx's page for a body over client_max_body_size. */
const NGINX_413 = '<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n';

/**
 * JSON text of an answer. A BigInt is written as a JSON number with all its digits, as a vendor's Java `long` id is
 * sent (JSON.stringify refuses BigInt); a plain answer costs a plain JSON.stringify.
 */
export function toJson(value: unknown): string {
    try {
        return JSON.stringify(value);
    } catch (err) {
        if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    }
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `\u0000bigint:${v}` : v)).replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

export { chinaTime, parseChinaTime } from '../../nodes/core/time';
