/**
 * qeasy-callback: the receiving end of an "open callback" (开放式的回调方法, seed 003). An upstream platform POSTs one
 * order or an array of orders; this node authenticates the delivery (qeasy-config), validates it against seed 003's
 * request table, drops repeated deliveries, starts the flow, and answers with the order echoed back
 * (protocols.md §9.2) — or with what the flow answers, when "reply after the flow" is chosen.
 *
 * Route: `POST <httpNodeRoot><path>` on RED.httpNode, as an http-in node registers it:
 *   capture (rate limit → 415 → 413, raw bytes kept) → the user's httpNodeMiddleware → CORS → handler.
 * The raw body is captured first, like Node-RED's own http-in raw mode (rawBodyCapture in 21-httpin.js), so the
 * signature is checked over the exact bytes even if a middleware would parse JSON: `req._body` is set, which every
 * body-parser honours by skipping the request.
 * Handler: 401 (not authentic; generic message) → replayed (ts, sig) → stored reply → 400 (charset, malformed JSON,
 * then schema, listing each field) → duplicate (same key and same content: same reply again, no msg) → msg + reply.
 *
 * A duplicate is the same delivery again: the same duplicate key (the shop and the tid by default) and the same order
 * (a short digest of its seed fields is kept beside the key, one per version of the order seen within the window, up
 * to MAX_VERSIONS). An order changed since (paid → refunded) is new; a version seen before (a late retry of the paid
 * one after the refund) is a duplicate, answered as that version was.
 */
import { createHash } from 'crypto';
import type { IncomingMessage, ServerResponse } from 'http';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { compileRecordSchema, describeErrors, formatErrors, FieldError } from '../core/validate';
import { StatusReporter } from '../core/status';
import { isEnvVarText } from '../core/params';
import { MAX_TIMER_MS } from '../core/retry';
import { translator, type Text } from '../core/i18n';
import { mayHoldLongIntegers, parseVendorJson } from '../core/json';
import { bomEncoding } from '../core/http';
import { clearedOnDeploy, undefinedStore } from '../core/watermark';
import requestSchema from './schemas/order-request.json';
import responseSchema from './schemas/order-response.json';
import { echoReply, fieldOf, Order, QeasyConfigNode } from './callback';
import { DEFAULT_DEDUPE_KEY, dedupePaths } from './settings';

type Msg = Record<string, any>;
type Req = IncomingMessage & { ip?: string; body?: unknown; _body?: boolean; skipRawBodyParser?: boolean; qeasyRawBody?: Buffer; qeasyCharset?: string; qeasyDeferred?: boolean };
type Res = ServerResponse & { send?: (b: unknown) => unknown };

interface StoredReply {
    at: number;
    status: number;
    /** The reply; absent in a signature's entry kept without it (see `k`). */
    body?: unknown;
    /** A reply the flow sent as text (not JSON): sent again exactly, with its Content-Type. */
    text?: { body: string; contentType?: string };
    /**
     * The digest of the order answered (see digestOf), for a delivered order's key: a delivery with the same key and
     * a digest of none of its versions is a changed order, not a duplicate. Absent in what earlier releases stored
     * (see sameAsEcho).
     */
    d?: string;
    /**
     * The earlier versions of the order still within the window (at most MAX_VERSIONS − 1, newest first), each with
     * its own reply: a delivery of one of them is a duplicate too. Absent while the key has one version (most keys).
     */
    v?: StoredReply[];
    /**
     * A delivery's signature kept without its reply (duplicate check on): the same bytes replayed are the same orders,
     * answered from the replies stored under their keys (see `fromKeys` in handleAuthentic), one per order in request
     * order for an array. Kept so only when those entries outlive the signature and give back the very same answer;
     * else the signature keeps its reply, as it always does with the check off and as earlier releases stored it.
     */
    k?: 1;
}

interface CallbackDef extends NodeDef {
    config: string;
    path: string;
    maxBytes?: string | number;
    emit?: 'order' | 'all';
    dedupeKey?: string;
    dedupeWindow?: string | number;
    dedupeStore?: string;
    numberSource?: string;
    replyMode?: 'auto' | 'flow';
    replyTimeout?: string | number;
    /** Seconds an order answered 504 is held at most, waiting for the flow's late answer (blank: HOLD_TIMEOUTS reply timeouts). */
    replyHold?: string | number;
}

const validateOrder = compileRecordSchema(requestSchema);
const DEDUPE_CONTEXT_KEY = 'qeasyDelivered';
const SIGNATURES_CONTEXT_KEY = 'qeasySignatures';
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const DEFAULT_MAX_BYTES = 1024 * 1024;
/**
 * Reply after the flow, an order answered 504: the flow may still be at work on it (a push waiting for the account's
 * rate, a function node answering from a timer), and nothing tells when it is done with it (a function node that sends
 * later is reported done at once, a write node's output msg is another msg). So the order stays in hand, its copies
 * told to deliver again later, until the flow answers or for at most this many reply timeouts after the 504 (the
 * node's "hold after 504" setting, in seconds, says otherwise), at the latest until the duplicate window ends.
 */
const HOLD_TIMEOUTS = 10;
/** The versions of one order (one duplicate key) remembered within the window, each with its reply (see StoredReply.v). */
const MAX_VERSIONS = 8;

const ORDER_FIELDS = Object.keys((requestSchema as any).properties);
const LINE_FIELDS = Object.keys((requestSchema as any).properties.order_list.items.properties);

/**
 * What of an order tells one version from another: the fields of seed 003's request table only (a field the upstream
 * adds per send, its send time say, does not make a resend another order), and `order_list` with those of its line
 * table, its lines sorted by `oid` (a resend listing them in another order is the same order).
 */
function orderContent(order: Order): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of ORDER_FIELDS) if (order[k] !== undefined && k !== 'order_list') out[k] = order[k];
    if (Array.isArray(order.order_list)) {
        const lines = order.order_list.map((line) => {
            if (line === null || typeof line !== 'object') return line;
            const l: Record<string, unknown> = {};
            for (const k of LINE_FIELDS) if ((line as Order)[k] !== undefined) l[k] = (line as Order)[k];
            return l;
        });
        out.order_list = sortedLines(lines);
    } else if (order.order_list !== undefined) out.order_list = order.order_list;
    return out;
}

/** Lines sorted by `oid` (then by their canonical JSON, for lines sharing one). */
function sortedLines(lines: unknown[]): unknown[] {
    const keyed = lines.map((l) => ({ l, oid: String((l as Order | null)?.oid ?? ''), json: canonicalJson(l) }));
    keyed.sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : a.json < b.json ? -1 : a.json > b.json ? 1 : 0));
    return keyed.map((k) => k.l);
}

/**
 * A short digest of an order's content (see orderContent) as canonical JSON (keys sorted at every level, so a resend
 * whose fields come in another order or with other white space is the same order): 96 bits, kept beside the order's
 * duplicate key.
 */
function digestOf(order: Order): string {
    return createHash('sha256').update(canonicalJson(orderContent(order))).digest('base64url').slice(0, 16);
}
function canonicalJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
    if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o)
            .filter((k) => o[k] !== undefined)
            .sort();
        return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
    }
    return JSON.stringify(v) ?? 'null';
}

/** What a duplicate key's field may hold: text or a number, not empty. */
const keyValue = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && typeof v !== 'object';

/**
 * Whether a reply stored by an earlier release, with no digest beside it, was given to this order: the echo of this
 * very order (same shop, same fields, its lines in any order; `number` aside, its source may have been set otherwise).
 * Such an entry lies under a key naming no shop (`tid:<tid>`): any other reply (another shop's echo, a flow's answer
 * not naming the order) cannot tell which order it answered, and the order is taken as new.
 */
function sameAsEcho(body: unknown, order: Order, numberSource: string): boolean {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
    const b = body as Order;
    if (!keyValue(b.shop_no) || String(b.shop_no) !== String(order.shop_no)) return false;
    const content = (e: Order) => {
        const { number: _number, ...rest } = e;
        return canonicalJson(Array.isArray(rest.order_list) ? { ...rest, order_list: sortedLines(rest.order_list) } : rest);
    };
    return content(b) === content(echoReply(order, numberSource));
}

/** The versions an entry holds: itself (without its list) and the earlier ones, newest first. */
function versionsOf(e: StoredReply): StoredReply[] {
    const { v, ...latest } = e;
    return Array.isArray(v) ? [latest, ...v] : [latest];
}

/**
 * An entry holding the versions of `next` and `prev` (what is stored under the key) still within the window: the
 * newest is the entry itself (of two stored at the same time, `next`'s), the others, one per digest (the newest of
 * each), in its `v`, at most MAX_VERSIONS in all. An order's answer that comes late (after a 504, the order let go)
 * so joins the versions without replacing what a later delivery of the order stored meanwhile. Undefined when none
 * is still within the window.
 */
function withVersions(next: StoredReply, prev: StoredReply | undefined, windowMs: number, at: number): StoredReply | undefined {
    const all = [...versionsOf(next), ...(prev && typeof prev === 'object' ? versionsOf(prev) : [])].filter((x) => x && typeof x.at === 'number' && at - x.at <= windowMs);
    // (a stable sort: of equal times, the one listed first)
    all.sort((a, b) => b.at - a.at);
    const seen = new Set<string>();
    const kept: StoredReply[] = [];
    for (const x of all) {
        if (x.d !== undefined) {
            if (seen.has(x.d)) continue;
            seen.add(x.d);
        }
        kept.push(x);
        if (kept.length === MAX_VERSIONS) break;
    }
    if (kept.length === 0) return undefined;
    const [latest, ...earlier] = kept;
    return earlier.length > 0 ? { ...latest, v: earlier } : latest;
}

/**
 * What one context key of the duplicate store holds (the delivered keys, or the accepted signatures): entries kept for
 * `windowMs`, and their keys in the order they were stored, with the time of each (see `expire`).
 */
interface Kept {
    contextKey: string;
    windowMs: () => number;
    order?: Map<string, number>;
}

/** One save of `keep`: the entries it put under `kept.contextKey`, and what each replaced (see `forget`). */
interface Save {
    kept: Kept;
    saved: Map<string, StoredReply>;
    replaced: Map<string, StoredReply | undefined>;
}

/**
 * Drops the entries of `held` (what the store holds) older than `windowMs`, and returns `order`: their keys in the
 * order they were stored, with the time of each. The oldest are at its front, so expiry looks at those only, not at
 * every entry on every delivery. Built at the first save from what the store holds (a persistent store keeps the
 * entries of the node's previous run).
 */
function expire(held: Record<string, StoredReply>, order: Map<string, number> | undefined, windowMs: number, at: number): Map<string, number> {
    if (!order) {
        const times: Array<[string, number]> = [];
        for (const [k, v] of Object.entries(held)) {
            if (v && typeof v.at === 'number') times.push([k, v.at]);
            else delete held[k];
        }
        order = new Map(times.sort((a, b) => a[1] - b[1]));
    }
    for (const [k, t] of order) {
        if (at - t <= windowMs) break;
        order.delete(k);
        const v = held[k];
        if (!v || at - v.at > windowMs) delete held[k];
        else order.set(k, v.at);
    }
    return order;
}

function failure(code: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { success: false, code, message, ...extra };
}

/** Whether the answer rebuilt from the orders' stored replies is the one sent: the same JSON, the same text and type. */
function sameAnswer(rebuilt: { body: unknown; text?: StoredReply['text'] }, body: unknown, text?: StoredReply['text']): boolean {
    if (rebuilt.text?.body !== text?.body || rebuilt.text?.contentType !== text?.contentType) return false;
    if (rebuilt.body === body) return true;
    try {
        return JSON.stringify(rebuilt.body) === JSON.stringify(body);
    } catch {
        return false;
    }
}

/** A stored reply again, exactly as it was sent the first time. */
function answerStored(res: ServerResponse, stored: StoredReply): void {
    if (!stored.text) return answer(res, stored.status, stored.body);
    if (res.headersSent || res.writableEnded) return;
    res.writeHead(stored.status, { 'Content-Type': stored.text.contentType ?? 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(stored.text.body)) });
    res.end(stored.text.body);
}

const SECRET_HEADERS = new Set(['x-token', 'authorization']);

/** Request headers as the flow may see them: without the ones carrying the shared token. */
function withoutSecrets(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
    const out = { ...headers };
    for (const name of SECRET_HEADERS) delete out[name];
    return out;
}

/**
 * The request handed to the flow as msg.req, every view of its headers without the token: besides `headers`, Node
 * keeps `rawHeaders` (name, value, name, value …) and derives `headersDistinct` from it, and a debug node showing the
 * whole msg shows those too.
 */
function hideSecrets(req: IncomingMessage): void {
    const raw: string[] = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (!SECRET_HEADERS.has(req.rawHeaders[i].toLowerCase())) raw.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const distinct: Record<string, string[]> = {};
    for (let i = 0; i < raw.length; i += 2) (distinct[raw[i].toLowerCase()] ??= []).push(raw[i + 1]);
    Object.defineProperty(req, 'headers', { value: withoutSecrets(req.headers), enumerable: true, configurable: true });
    Object.defineProperty(req, 'rawHeaders', { value: raw, enumerable: true, configurable: true });
    Object.defineProperty(req, 'headersDistinct', { value: distinct, enumerable: true, configurable: true });
}

/**
 * What a flow sent through `res.send`: JSON text as its value, other text as it is (to be sent again exactly). JSON
 * text that may hold a whole number beyond 2^53 (an ERP's long id, which JSON.parse rounds) is kept as it is too, and
 * its value holds such a number as its exact text.
 */
function replyOf(body: unknown): { reply: unknown; text?: string; contentType?: string } {
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) return { reply: body };
    const text = body.toString();
    try {
        const reply = parseVendorJson(text);
        return mayHoldLongIntegers(text) ? { reply, text, contentType: 'application/json; charset=utf-8' } : { reply };
    } catch {
        return { reply: text, text };
    }
}

/**
 * What an http response node (or a flow's own code) needs of `msg.res._res` for one order of an array delivery:
 * status, headers and cookies are accepted, and the body it sends becomes that order's answer.
 */
function orderResponse(settle: (code: number, body: unknown) => boolean): Record<string, unknown> {
    let code = 200;
    const headers: Record<string, unknown> = {};
    const self: Record<string, unknown> = {
        status: (c: number) => ((code = Number(c) || 200), self),
        set: (name: string | Record<string, unknown>, value?: unknown) => {
            if (typeof name === 'object') Object.assign(headers, name);
            else headers[name.toLowerCase()] = value;
            return self;
        },
        get: (name: string) => headers[name.toLowerCase()],
        cookie: () => self,
        clearCookie: () => self,
        jsonp: (body: unknown) => settle(code, body),
        json: (body: unknown) => settle(code, body),
        send: (body: unknown) => settle(code, replyOf(body).reply),
        sendStatus: (c: number) => settle(Number(c) || 200, ''),
    };
    return self;
}

/** Writes a JSON answer unless one was already sent. */
function answer(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
}

/** `application/json`, `application/*+json`, `text/json`; returns the charset (default utf-8) or undefined if not JSON. */
function jsonCharset(contentType: string | undefined): string | undefined {
    const [type, ...params] = String(contentType ?? '').split(';');
    if (!/^\s*(?:application\/(?:[\w.+-]+\+)?json|text\/json)\s*$/i.test(type)) return undefined;
    for (const p of params) {
        const m = /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(p);
        if (m) return m[1].toLowerCase();
    }
    return 'utf-8';
}

function supportedCharset(label: string): boolean {
    try {
        new TextDecoder(label);
        return true;
    } catch {
        return false;
    }
}

interface Deferred {
    promise: Promise<void>;
    resolve(): void;
}
function deferred(): Deferred {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
}

function register(RED: NodeAPI) {
    const _ = translator(RED, __filename);

    function QeasyCallback(this: Node, def: CallbackDef) {
        RED.nodes.createNode(this, def);
        const node = this;
        const status = new StatusReporter(node);
        const config = RED.nodes.getNode(def.config) as QeasyConfigNode | null;
        const path = `/${String(def.path ?? '').trim().replace(/^\/+/, '')}`;
        const maxBytes = Number(def.maxBytes) > 0 ? Math.floor(Number(def.maxBytes)) : DEFAULT_MAX_BYTES;
        const emitMode = def.emit === 'all' ? 'all' : 'order';
        const replyMode = def.replyMode === 'flow' ? 'flow' : 'auto';
        const replyTimeoutMs = (Number(def.replyTimeout) > 0 ? Number(def.replyTimeout) : 30) * 1000;
        const holdMs = def.replyHold !== undefined && def.replyHold !== '' && Number(def.replyHold) >= 0 ? Number(def.replyHold) * 1000 : HOLD_TIMEOUTS * replyTimeoutMs;
        const dedupeStore = def.dedupeStore || undefined;

        if (!config) {
            node.warn(_('qeasy-callback.warn.noConfig'));
            status.error(_('runtime.status.noConfig'));
            return;
        }
        if ((RED.settings as any).httpNodeRoot === false) {
            node.warn(_('qeasy-callback.warn.httpNodeRoot'));
            status.error(_('qeasy-callback.status.httpNodeRoot'));
            return;
        }
        if (path === '/') {
            node.warn(_('qeasy-callback.warn.noPath'));
            status.error(_('qeasy-callback.status.noPath'));
            return;
        }
        // Still `${NAME}`: no subflow instance, flow or process sets that variable. Served as typed, the upstream's
        // posts to the shop's real path would all get 404 while the node showed itself listening.
        if (isEnvVarText(String(def.path ?? '').trim())) {
            node.warn(_('qeasy-callback.warn.pathEnvVar', { path: String(def.path).trim() }));
            status.error(_('qeasy-callback.status.path'));
            return;
        }
        const clash = editorClash(path, RED.settings as any);
        if (clash) {
            node.warn(_(clash.key, clash.vars));
            status.error(_('qeasy-callback.status.path'));
            return;
        }
        // Node settings win where filled in; otherwise the config node's defaults (shop_no,tid; 24 h; tid).
        const keyPaths = [String(def.dedupeKey ?? ''), config.dedupeKey, DEFAULT_DEDUPE_KEY].map(dedupePaths).find((p) => p.length > 0)!;
        const keyName = keyPaths.join(',');
        // The key earlier releases stored by default (`tid:<tid>`, whatever the shop), looked up when the key is the
        // new default: an order delivered before an upgrade is still known by its digest (or, stored without one, by
        // its echo: see sameAsEcho).
        const formerPath = keyName === DEFAULT_DEDUPE_KEY ? 'tid' : undefined;
        const dedupeWindowS = def.dedupeWindow !== undefined && def.dedupeWindow !== '' && Number(def.dedupeWindow) >= 0 ? Number(def.dedupeWindow) : config.dedupeWindowSeconds;
        const dedupeMs = dedupeWindowS * 1000;
        const numberSource = String(def.numberSource ?? '').trim() || config.numberSource || 'tid';
        // WDT's tid is unique within a shop only: a key without the shop (`tid`, the default config nodes of earlier
        // releases saved) puts two shops' orders of one tid under one key, where they share its versions and wait on
        // each other. Said at deploy, as such a config node does not show it.
        if (dedupeMs > 0 && !keyPaths.includes('shop_no')) node.warn(_('qeasy-callback.warn.dedupeKeyNoShop', { key: keyName }));
        // What the node keeps in its duplicate store: the keys of delivered orders (duplicate check on) and the
        // signatures of accepted deliveries (HMAC), so that a redeploy or a restart with a persistent store still knows them.
        const keepsKeys = dedupeMs > 0;
        const keepsSignatures = config.auth === 'hmac';
        // Node-RED quietly puts a store it does not know in its default one: said at deploy, not after the next restart.
        const noStore = keepsKeys || keepsSignatures ? undefinedStore((RED.settings as any).contextStorage, dedupeStore) : undefined;
        if (noStore) {
            const key = { noContextStorage: 'qeasy-callback.warn.dedupeStoreNoContextStorage', inMemory: 'qeasy-callback.warn.dedupeStoreInMemory', inDefault: 'qeasy-callback.warn.dedupeStoreInDefault' }[noStore.kept];
            // What the store holds, and what losing it on a restart means.
            const [what, lost] = keepsKeys && keepsSignatures
                ? ['qeasy-callback.warn.keptKeysAndSignatures', 'qeasy-callback.warn.lostKeysAndSignatures']
                : keepsKeys
                  ? ['qeasy-callback.warn.keptKeys', 'qeasy-callback.warn.lostKeys']
                  : ['qeasy-callback.warn.keptSignatures', 'qeasy-callback.warn.lostSignatures'];
            node.warn(_(key, { ...noStore.vars, what: _(what), lost: _(lost) }));
        } else if (clearedOnDeploy((RED.settings as any).contextStorage, dedupeStore)) {
            if (keepsKeys) node.warn(_('qeasy-callback.warn.dedupeClearedOnDeploy'));
            else if (keepsSignatures) node.warn(_('qeasy-callback.warn.signaturesClearedOnDeploy'));
        }

        const replaysInFlight = new Map<string, Promise<void>>();
        const pending = new Map<string, Promise<void>>();
        const waiting = new Set<{ timer: NodeJS.Timeout; cancel: () => void }>();
        // Deliveries being handled: a stopping node waits for them to record what the flow answered (see `store`).
        const handling = new Set<Promise<void>>();
        let received = 0;
        let closed = false;
        // Reads and writes of the duplicate store are serialised (held only for the read-modify-write, never while
        // a flow is working), so two copies of an order arriving together still make one msg.
        let lock: Promise<unknown> = Promise.resolve();
        const withLock = <T>(fn: () => Promise<T>): Promise<T> => {
            const p = lock.then(fn);
            lock = p.catch(() => undefined);
            return p;
        };

        // What the node holds of its duplicate store, by context key: read once, then kept as saved. Only this node
        // writes its node context, so after the first read its copy is what the store holds. A store handing out
        // copies (Node-RED's localfilesystem without cache reads and parses the node's whole context file on every
        // get) was otherwise read up to four times per delivery, every read as long as the keys of the whole window.
        // A failed save drops the copy (the store is read again); `generation` keeps a read that was under way while a
        // save was made from replacing the copy with what the store held before it.
        const heldCopy = new Map<string, Record<string, StoredReply>>();
        let generation = 0;
        const contextGet = (key: string): Promise<Record<string, StoredReply>> => {
            const copy = heldCopy.get(key);
            if (copy) return Promise.resolve(copy);
            const started = generation;
            return new Promise((resolve, reject) =>
                node.context().get(key, dedupeStore as string, (err: Error | undefined, v: unknown) => {
                    if (err) return reject(err);
                    const read = v && typeof v === 'object' ? (v as Record<string, StoredReply>) : {};
                    if (generation !== started) return resolve(heldCopy.get(key) ?? read);
                    // (the stored entries themselves, not a copy, with a store handing out what it keeps: see `keep`)
                    if (!heldCopy.has(key)) heldCopy.set(key, read);
                    resolve(heldCopy.get(key)!);
                }),
            );
        };
        const contextSet = (key: string, v: Record<string, StoredReply>): Promise<void> => {
            generation++;
            return new Promise((resolve, reject) =>
                node.context().set(key, v, dedupeStore as string, (err?: Error) => {
                    generation++;
                    if (err) {
                        heldCopy.delete(key);
                        return reject(err);
                    }
                    heldCopy.set(key, v);
                    resolve();
                }),
            );
        };

        /**
         * An order's duplicate key: `tid:T1` for one field (as earlier releases stored it), `shop_no,tid:["S1","T1"]`
         * for several. Undefined with the check off, or when a field of it is missing.
         */
        function keyOf(order: Order): string | undefined {
            if (!(dedupeMs > 0)) return undefined;
            const values: string[] = [];
            for (const p of keyPaths) {
                const v = fieldOf(order, p);
                if (!keyValue(v)) return undefined;
                values.push(String(v));
            }
            return values.length === 1 ? `${keyName}:${values[0]}` : `${keyName}:${JSON.stringify(values)}`;
        }
        function formerKeyOf(order: Order): string | undefined {
            const v = formerPath ? fieldOf(order, formerPath) : undefined;
            return keyValue(v) ? `${formerPath}:${String(v)}` : undefined;
        }

        // A (ts, sig) pair is valid while its ts is within the window of now, and a ts may lie up to one window ahead
        // of the time it arrives (a sender's clock running fast): it is remembered for two windows.
        const replayMs = () => 2 * config!.windowSeconds * 1000;
        const keysKept: Kept = { contextKey: DEDUPE_CONTEXT_KEY, windowMs: () => dedupeMs };
        const signaturesKept: Kept = { contextKey: SIGNATURES_CONTEXT_KEY, windowMs: replayMs };

        // An output wired to nothing: no msg goes anywhere, and nothing can answer an order answered 504.
        const wires = (node as unknown as { wires?: unknown[][] }).wires;
        const unwired = Array.isArray(wires) && !wires.some((w) => Array.isArray(w) && w.length > 0);

        /**
         * The wait for the flow's answers to orders already answered 504, held in `waiting` so a stopping node ends
         * it: `came` is true once `come()` is called, false when the node stops first, or the orders are let go
         * (a resend is then handled afresh): `holdMs` after the 504 ("hold after 504"), at the latest when the
         * duplicate window ends, at once when the node's output is wired to nothing. Whether the flow is done with an
         * order cannot be told (see HOLD_TIMEOUTS), so only the time lets it go.
         */
        function awaitLateAnswers(): { come: () => void; came: Promise<boolean> } {
            let come = (): void => undefined;
            const came = new Promise<boolean>((resolve) => {
                const cap = unwired ? 0 : Math.min(holdMs, dedupeMs, MAX_TIMER_MS);
                const end = (came: boolean) => {
                    clearTimeout(entry.timer);
                    waiting.delete(entry);
                    resolve(came);
                };
                const entry = { timer: setTimeout(() => end(false), cap), cancel: () => end(false) };
                waiting.add(entry);
                come = () => end(true);
            });
            return { come, came };
        }

        /**
         * Puts `entries` into what the store holds under `kept.contextKey`, dropping the expired ones, in one save.
         * Called under the lock. False when the node closed first (unless `evenIfClosed`): then nothing is saved.
         * A failed save is thrown. A save made is added to `saves`, for `forget`.
         */
        async function keep(kept: Kept, entries: Map<string, StoredReply>, evenIfClosed = false, saves?: Save[]): Promise<boolean> {
            if (closed && !evenIfClosed) return false;
            const held = await contextGet(kept.contextKey);
            if (closed && !evenIfClosed) return false;
            const at = Date.now();
            const order = expire(held, kept.order, kept.windowMs(), at);
            kept.order = order;
            // An order's key keeps its versions seen within the window, each with its reply (see withVersions).
            if (kept === keysKept) {
                for (const [k, v] of [...entries]) {
                    const merged = withVersions(v, held[k], kept.windowMs(), at);
                    if (merged) entries.set(k, merged);
                    else entries.delete(k);
                }
            }
            // What each new entry replaced (an expired one, or nothing), to be put back if the store fails.
            const replaced = new Map<string, StoredReply | undefined>();
            for (const [k, v] of entries) {
                if (!replaced.has(k)) replaced.set(k, held[k]);
                // Taken out first, so that the entry goes to the end of the stored order.
                delete held[k];
                held[k] = v;
            }
            try {
                await contextSet(kept.contextKey, held);
            } catch (err) {
                // `held` may be the store's own object (a memory store hands it out): these entries were not saved,
                // so they come out again, or a resend would be taken as a repeat.
                for (const [k, v] of replaced) {
                    if (v) held[k] = v;
                    else delete held[k];
                }
                // Nor were the entries expired above taken out of a store handing out copies: the order is built
                // again from what the store holds at the next save, or they would stay in it for good.
                kept.order = undefined;
                throw err;
            }
            for (const [k, v] of entries) {
                order.delete(k);
                order.set(k, v.at);
            }
            saves?.push({ kept, saved: new Map(entries), replaced });
            return true;
        }

        /**
         * Takes out again what `saves` put in the store (under the lock, even while the node stops): each key gets back
         * what it held before, unless a later save changed it since. For a delivery the node could not hand to a flow
         * after all: its resend must not be taken as a repeat.
         */
        function forget(saves: Save[]): Promise<void> {
            return withLock(async () => {
                for (const { kept, saved, replaced } of saves.splice(0).reverse()) {
                    const held = await contextGet(kept.contextKey);
                    for (const [k, v] of saved) {
                        const current = held[k];
                        if (!current || current.at !== v.at || current.d !== v.d) continue;
                        const before = replaced.get(k);
                        if (before) held[k] = before;
                        else delete held[k];
                    }
                    await contextSet(kept.contextKey, held);
                    // Built again from what the store holds at the next save.
                    kept.order = undefined;
                }
            });
        }

        // ---- step 1: rate limit, media type, size; keeps the exact bytes -------------------------------------------
        const capture = (req: Req, res: Res, next: (err?: unknown) => void) => {
            if (!config.admitRate()) {
                status.error('429');
                return answer(res, 429, failure('RATE_LIMITED', 'too many requests'), { 'Retry-After': '1' });
            }
            const charset = jsonCharset(req.headers['content-type']);
            if (!charset || !supportedCharset(charset)) {
                status.error('415');
                return answer(res, 415, failure('UNSUPPORTED_MEDIA_TYPE', charset ? `unsupported charset ${charset}` : 'Content-Type must be application/json'));
            }
            // A compressed body is not inflated (the signature is over the bytes sent, and a small gzip can inflate to
            // gigabytes): said as such, or a sender whose HTTP client compresses large bodies (Feign's request
            // compression, over 2 KB) got a bare 401 for exactly those orders.
            const coding = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
            if (coding !== '' && coding !== 'identity') {
                status.error('415');
                return answer(res, 415, failure('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${coding} is not supported: send the body uncompressed`), { 'Accept-Encoding': 'identity' });
            }
            req.qeasyCharset = charset;
            // Bytes already read before this route (Node-RED's raw capture of an http-in node on the same path).
            if ((req._body && !req.qeasyDeferred) || req.readableEnded) {
                if (Buffer.isBuffer(req.body)) req.qeasyRawBody = req.body;
                else if (typeof req.body === 'string') req.qeasyRawBody = Buffer.from(req.body, charset === 'utf-8' || charset === 'utf8' ? 'utf8' : 'latin1');
                else {
                    node.error('qeasy-callback: the request body was parsed before this route (a middleware mounted at the app level), so its exact bytes are gone and no signature can be checked');
                    status.error('500');
                    return answer(res, 500, failure('INTERNAL_ERROR', 'the callback could not be processed'));
                }
                if (req.qeasyRawBody.length > maxBytes) {
                    status.error('413');
                    return answer(res, 413, failure('PAYLOAD_TOO_LARGE', `body larger than ${maxBytes} bytes`));
                }
                return next();
            }
            const tooLarge = () => {
                status.error('413');
                answer(res, 413, failure('PAYLOAD_TOO_LARGE', `body larger than ${maxBytes} bytes`), { Connection: 'close' });
                req.resume();
            };
            const declared = Number(req.headers['content-length']);
            if (Number.isFinite(declared) && declared > maxBytes) return tooLarge();
            const chunks: Buffer[] = [];
            let size = 0;
            let finished = false;
            const onData = (chunk: Buffer) => {
                if (finished) return;
                size += chunk.length;
                if (size > maxBytes) {
                    finished = true;
                    chunks.length = 0;
                    req.removeListener('data', onData);
                    return tooLarge();
                }
                chunks.push(chunk);
            };
            req.on('data', onData);
            req.on('end', () => {
                if (finished) return;
                finished = true;
                const raw = Buffer.concat(chunks);
                req.qeasyRawBody = raw;
                // As Node-RED's raw capture does: body parsers further down see `_body` and leave the request alone.
                req.body = raw;
                req._body = true;
                req.skipRawBodyParser = true;
                next();
            });
            req.on('error', () => {
                finished = true;
            });
        };

        // ---- step 2: everything else -------------------------------------------------------------------------------
        async function handle(req: Req, res: Res): Promise<void> {
            const now = Date.now();
            const raw = req.qeasyRawBody;
            if (!raw) {
                node.error('qeasy-callback: the raw body was not captured');
                return answer(res, 500, failure('INTERNAL_ERROR', 'the callback could not be processed'));
            }
            const replayKey = config!.verify(req.headers, raw, now);
            if (replayKey === undefined) {
                status.error('401');
                return answer(res, 401, failure('UNAUTHORIZED', 'unauthorized'));
            }
            // A copy of a request still being handled waits for its outcome, then gets the same answer (or, if it
            // failed, is handled as a new attempt).
            while (replayKey && replaysInFlight.has(replayKey)) await replaysInFlight.get(replayKey);
            if (!replayKey) return handleAuthentic(req, res, now, raw, replayKey);
            const inFlight = deferred();
            replaysInFlight.set(replayKey, inFlight.promise);
            try {
                // Read from the duplicate store: a pair accepted before a redeploy or a restart is known too.
                const replayed = (await contextGet(SIGNATURES_CONTEXT_KEY))[replayKey];
                // (A clock set back can leave an expired pair behind a newer one: its time is checked too.)
                if (replayed && now - replayed.at <= replayMs()) {
                    if (replayed.k !== 1) return answerStored(res, replayed);
                    return await handleAuthentic(req, res, now, raw, replayKey, replayed);
                }
                return await handleAuthentic(req, res, now, raw, replayKey);
            } finally {
                replaysInFlight.delete(replayKey);
                inFlight.resolve();
            }
        }

        /** `replayed`: the signature's entry of an earlier delivery of these bytes, kept without its reply (see StoredReply.k). */
        async function handleAuthentic(req: Req, res: Res, now: number, raw: Buffer, replayKey: string, replayed?: StoredReply): Promise<void> {

            let text: string;
            // A byte-order mark names the encoding before the label does: a sender's UTF-8 body with a BOM under its
            // framework's default charset=GBK was read as GBK and refused as malformed JSON.
            const charset = bomEncoding(raw) ?? req.qeasyCharset ?? 'utf-8';
            try {
                text = new TextDecoder(charset, { fatal: true }).decode(raw);
            } catch {
                status.error('400');
                return answer(res, 400, failure('MALFORMED_JSON', `body: not valid ${charset} text`));
            }
            const withoutForbidden = (k: string, v: unknown) => (FORBIDDEN_KEYS.has(k) ? undefined : v);
            let asSent: unknown;
            try {
                asSent = JSON.parse(text, withoutForbidden);
            } catch (err) {
                status.error('400');
                return answer(res, 400, failure('MALFORMED_JSON', `body: not valid JSON (${(err as Error).message})`));
            }
            // A whole number beyond 2^53 (a platform's long order or line id) comes out of JSON.parse rounded, naming
            // another order, and two such keys can round to one: the flow, the reply and the duplicate key get its
            // exact text. The seed's types are checked on the body as sent, so a text field sent as a number is refused.
            const body = mayHoldLongIntegers(text) ? parseVendorJson(text, withoutForbidden) : asSent;
            const single = !Array.isArray(body);
            const orders = (single ? [body] : body) as Order[];
            const ordersAsSent = (single ? [asSent] : asSent) as Order[];
            const errors: FieldError[] = [];
            if (orders.length === 0) errors.push({ field: '(root)', reason: 'must hold at least one order' });
            orders.forEach((order, i) => {
                // The answer lists each as {field, reason}, as it always did (the texts are for the editor and the runtime's language).
                if (!validateOrder(ordersAsSent[i])) errors.push(...describeErrors(validateOrder.errors, single ? '' : `[${i}]`).map(({ field, reason }) => ({ field, reason })));
                // Without its duplicate key an order could not be recognised when it is delivered again.
                else if (dedupeMs > 0 && keyOf(order) === undefined) {
                    for (const p of keyPaths) {
                        const v = fieldOf(order, p);
                        if (keyValue(v)) continue;
                        const reason = v === undefined || v === null || v === '' ? 'is required (the duplicate key)' : 'must be text or a number (the duplicate key)';
                        errors.push({ field: `${single ? '' : `[${i}].`}${p}`, reason });
                    }
                }
            });
            if (errors.length > 0) {
                status.error('400');
                return answer(res, 400, failure('INVALID_ORDER', formatErrors(errors), { errors }));
            }

            // With reply after the flow, what is recorded is what the flow answered (see `store`).
            const flowAnswered = replyMode === 'flow';
            // What this delivery saved in the duplicate store (see `forget`).
            const saves: Save[] = [];
            /**
             * Keeps the answer to this delivery's (ts, sig) for its replays, in the duplicate store (after the orders'
             * keys). False when the node closed first (as `store`). A failed save is thrown (nothing recorded: a 500, and a replay
             * is handled again) when the duplicate check is off; with it on, the orders' keys recognise a replay.
             */
            const remember = async (code: number, reply: unknown, text?: StoredReply['text']): Promise<boolean> => {
                if (!replayKey || code >= 300) return true;
                const at = Date.now();
                try {
                    return await withLock(async () => {
                        let entry: StoredReply = text ? { at, status: code, body: reply, text } : { at, status: code, body: reply };
                        // With the duplicate check on, the orders' keys were saved just before, each with its reply: the
                        // signature keeps none (it would hold every reply a second time) when a replay can be answered
                        // from them, exactly as now, for as long as the signature is kept.
                        if (keepsKeys) {
                            const rebuilt = fromKeys(await contextGet(DEDUPE_CONTEXT_KEY).catch(() => ({})));
                            if (rebuilt && rebuilt.at + dedupeMs >= at + replayMs() && sameAnswer(rebuilt, reply, text)) entry = { at, status: code, k: 1 };
                        }
                        return keep(signaturesKept, new Map([[replayKey, entry]]), flowAnswered, saves);
                    });
                } catch (err) {
                    if (!keepsKeys) throw err;
                    node.error(`qeasy-callback: the signature of a delivery could not be kept in the duplicate store (${(err as Error).message}); its orders' keys were, and recognise a replay`);
                    return true;
                }
            };
            const deliveryHeader = req.headers['x-delivery-id'];
            const meta = {
                receivedAt: new Date(now).toISOString(),
                deliveryId: typeof deliveryHeader === 'string' && /^[\w.:-]{1,128}$/.test(deliveryHeader) ? deliveryHeader : RED.util.generateId(),
                remoteAddress: req.ip ?? req.socket?.remoteAddress,
            };

            // Admission: which orders are new, which were delivered before (stored reply), which are in flight. A
            // duplicate has the key and the content (digest) of a version of the order accepted under that key within
            // the window (the last one, or an earlier one delivered again: answered as that version was); one whose
            // content is none of them is new, and is handled once an earlier delivery of its key still in hand is done.
            const keys = orders.map(keyOf);
            const digests = orders.map((o, i) => (keys[i] ? digestOf(o) : undefined));
            const formerKeys = orders.map((o, i) => (keys[i] ? formerKeyOf(o) : undefined));
            /** What was stored for order `i` when the same order was delivered within the window, or undefined. */
            const deliveredBefore = (delivered: Record<string, StoredReply>, i: number): StoredReply | undefined => {
                const former = formerKeys[i];
                for (const e of [delivered[keys[i]!], former ? delivered[former] : undefined]) {
                    if (!e || typeof e !== 'object') continue;
                    for (const version of versionsOf(e)) {
                        if (!version || !(now - version.at <= dedupeMs)) continue;
                        if (version.d === undefined ? sameAsEcho(version.body, orders[i], numberSource) : version.d === digests[i]) return version;
                    }
                }
                return undefined;
            };
            /**
             * The answer to these orders from the replies stored under their keys (each order's own, one per order in
             * request order for an array, a single order's text as it was sent), with the time of the oldest: what a
             * replay of a signature kept without its reply gets. Undefined when one of them is not (or no longer) stored.
             */
            const fromKeys = (delivered: Record<string, StoredReply>): { body: unknown; text?: StoredReply['text']; at: number } | undefined => {
                const versions: StoredReply[] = [];
                let oldest = Infinity;
                for (let i = 0; i < orders.length; i++) {
                    const version = keys[i] ? deliveredBefore(delivered, i) : undefined;
                    if (!version) return undefined;
                    versions.push(version);
                    oldest = Math.min(oldest, version.at);
                }
                return single ? { body: versions[0].body, text: versions[0].text, at: oldest } : { body: versions.map((v) => v.body), at: oldest };
            };
            if (replayed) {
                // A replay of a delivery whose signature was kept without its reply: the same bytes, the same orders,
                // answered as the first delivery was, and not emitted.
                const rebuilt = keys.some((k) => k) ? fromKeys(await withLock(() => contextGet(DEDUPE_CONTEXT_KEY))) : undefined;
                if (rebuilt) return answerStored(res, { at: replayed.at, status: replayed.status, body: rebuilt.body, text: rebuilt.text });
                // Its reply is gone (the duplicate check turned off or its key or window changed by a redeploy since, the
                // order's version pushed out by newer ones): these very bytes were accepted and emitted, so they are
                // refused rather than handled as a delivery, which would emit the orders a second time.
                const why = !keepsKeys ? 'the duplicate check was turned off since' : 'its orders\' replies are no longer stored under their duplicate keys (the key or window changed since, or newer versions pushed them out)';
                node.warn(`qeasy-callback: a replay of a delivery accepted at ${new Date(replayed.at).toISOString()} was refused, not emitted again: ${why}`);
                status.error('409');
                return answer(res, 409, failure('REPLAYED', 'this delivery (the same timestamp and signature) was accepted before and is not handled again; its stored answer is no longer held'));
            }
            let fresh: number[] = [];
            let stored = new Map<number, StoredReply>();
            let mine: Map<string, Deferred> = new Map();
            for (;;) {
                const waitFor: Promise<void>[] = [];
                const admitted = await withLock(async () => {
                    const delivered = keys.some((k) => k) ? await contextGet(DEDUPE_CONTEXT_KEY) : {};
                    fresh = [];
                    stored = new Map();
                    const inBatch = new Set<string>();
                    keys.forEach((k, i) => {
                        const prior = k ? deliveredBefore(delivered, i) : undefined;
                        if (prior) stored.set(i, prior);
                        else if (k && pending.has(k)) waitFor.push(pending.get(k)!);
                        else if (k && inBatch.has(`${k}\u0000${digests[i]}`)) {
                            // the same order twice in one delivery: emitted once
                        } else {
                            // (two versions of an order in one delivery: both emitted, in request order)
                            fresh.push(i);
                            if (k) inBatch.add(`${k}\u0000${digests[i]}`);
                        }
                    });
                    if (waitFor.length > 0) return false;
                    mine = new Map();
                    for (const i of fresh) {
                        const k = keys[i];
                        if (k && !mine.has(k)) {
                            const d = deferred();
                            mine.set(k, d);
                            pending.set(k, d.promise);
                        }
                    }
                    return true;
                });
                if (admitted) break;
                // Another delivery of the same order is being handled: wait for its outcome, then look again. One
                // answered 504 may stay in the flow for long (see below): past the reply timeout, the caller is told
                // to deliver again later rather than the order being handled twice at once.
                let timer: NodeJS.Timeout | undefined;
                const over = await Promise.race([Promise.all(waitFor).then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), replyTimeoutMs)))]);
                clearTimeout(timer);
                if (closed) return answer(res, 503, failure('UNAVAILABLE', 'the callback node is stopping'));
                if (!over) return answer(res, 503, failure('IN_PROGRESS', 'an earlier delivery of this order is still being handled by the flow: deliver it again later'), { 'Retry-After': String(Math.ceil(replyTimeoutMs / 1000)) });
            }
            const release = () => {
                for (const [k, d] of mine) {
                    if (pending.get(k) === d.promise) pending.delete(k);
                    d.resolve();
                }
            };
            // A redeploy closed this node while the request was read or admitted: a msg sent now reaches no node
            // (the runtime has already taken the flow's nodes out), so the order must be neither recorded nor answered 200.
            if (closed) {
                release();
                return answer(res, 503, failure('UNAVAILABLE', 'the callback node is stopping'));
            }
            /**
             * Records the answer of each new order, under the lock, so a later copy gets the same answer. False when
             * the node closed first: then nothing is recorded (the orders can reach no flow). With reply after the
             * flow the orders reached the flow while the node was open, and what it answered is recorded even while
             * the node stops: a resend must not run them through the next flow again.
             */
            const store = (replyOf: (i: number) => unknown, code: number | ((i: number) => number), text?: StoredReply['text']) =>
                withLock(async () => {
                    if (closed && !flowAnswered) return false;
                    if (mine.size === 0) return true;
                    const entries = new Map<string, StoredReply>();
                    for (const i of fresh) {
                        const k = keys[i];
                        const status = typeof code === 'number' ? code : code(i);
                        // A failed order is not stored: its next delivery is handled again.
                        if (!k || status >= 300) continue;
                        const entry: StoredReply = text && single ? { at: now, status, body: replyOf(i), text, d: digests[i] } : { at: now, status, body: replyOf(i), d: digests[i] };
                        // (two versions of an order in one delivery: both kept, the later one as the latest)
                        const before = entries.get(k);
                        entries.set(k, before ? withVersions(entry, before, dedupeMs, now)! : entry);
                    }
                    return keep(keysKept, entries, flowAnswered, saves);
                });

            if (fresh.length === 0) {
                // Every order was delivered before: the same answer again, and no second msg.
                const replyBodies = orders.map((_, i) => stored.get(i)?.body ?? echoReply(orders[i], numberSource));
                const code = stored.get(0)?.status ?? 200;
                const reply = single ? replyBodies[0] : replyBodies;
                const text = single ? stored.get(0)?.text : undefined;
                await remember(code, reply, text);
                status.done(_('qeasy-callback.status.receivedRepeated', { n: received, repeated: orders.length }));
                return text ? answerStored(res, { at: now, status: code, body: reply, text }) : answer(res, code, reply);
            }

            /** The new order a copy later in the same delivery repeats (same duplicate key and content). */
            const firstOf = (i: number) => fresh.find((j) => keys[i] !== undefined && keys[j] === keys[i] && digests[j] === digests[i]);

            if (replyMode === 'auto') {
                // A second copy within the delivery is answered as the first (the reply its resend will get).
                const echoes = orders.map((o, i) => stored.get(i)?.body ?? echoReply(orders[firstOf(i) ?? i], numberSource));
                const reply = single ? echoes[0] : echoes;
                let kept: boolean;
                try {
                    kept = (await store((i) => echoes[i], 200)) && (await remember(200, reply));
                    // Closed while the keys or the signature were being saved (a store over the network answers late):
                    // the msg would reach no flow, so what was saved comes out again and the resend is handled anew.
                    if (!kept || closed) {
                        kept = false;
                        await forget(saves).catch((err) => node.error(`qeasy-callback: a delivery the stopping node did not hand to the flow is still recorded in the duplicate store (${(err as Error).message}): its resend will be taken as a repeat`));
                    }
                } finally {
                    release();
                }
                if (!kept) return answer(res, 503, failure('UNAVAILABLE', 'the callback node is stopping'));
                answer(res, 200, reply);
                emit(fresh.map((i) => orders[i]), single, meta);
                return;
            }

            if (!single && emitMode === 'order') {
                // Reply after the flow, an array of orders: one msg per new order, each answered on its own (an http
                // response node or msg.callback.reply); the caller gets the array of answers in request order once
                // all are in, each order's answer stored for its repeats.
                try {
                    await replyPerOrder(req, res, orders, fresh, stored, meta, store, remember, firstOf);
                } finally {
                    release();
                }
                return;
            }

            // Reply after the flow: one msg with the new orders; the flow answers through an http response node
            // (msg.res) or msg.callback.reply(body, status); no answer in time → 504. A single order's answer is sent
            // as the flow sends it; an array's is held back and made into one reply per order (see below).
            try {
                let sent: Msg | undefined;
                // The flow's answer after a 504: the order was handled all the same (pushed, say).
                let timedOut = false;
                let lateAnswer: (code: number, reply: unknown, text?: StoredReply['text']) => void = () => undefined;
                const late = new Promise<{ code: number; reply: unknown; text?: StoredReply['text'] }>((resolve) => (lateAnswer = (code, reply, text) => resolve({ code, reply, text })));
                const outcome = await new Promise<{ code: number; reply: unknown; text?: StoredReply['text'] }>((resolve) => {
                    let answered = false;
                    const finish = (code: number, reply: unknown, text?: StoredReply['text']) => {
                        if (answered) return false;
                        answered = true;
                        clearTimeout(entry.timer);
                        waiting.delete(entry);
                        resolve({ code, reply, text });
                        return true;
                    };
                    const fail = (code: number, body: unknown) => {
                        if (finish(code, body) && single) answer(res, code, body);
                    };
                    const entry = {
                        timer: setTimeout(() => {
                            timedOut = true;
                            fail(504, failure('REPLY_TIMEOUT', `the flow did not answer within ${replyTimeoutMs / 1000} s`));
                        }, replyTimeoutMs),
                        cancel: () => fail(503, failure('UNAVAILABLE', 'the callback node is stopping')),
                    };
                    waiting.add(entry);
                    // What an http response node sends (res.status().jsonp()/send() end in res.send) is captured, so a
                    // repeated delivery gets the same answer; after a 504 a late answer is dropped quietly.
                    const originalSend = res.send?.bind(res);
                    if (originalSend) {
                        res.send = (b: unknown) => {
                            if (answered && timedOut) {
                                const { reply, text, contentType } = replyOf(b);
                                lateAnswer(res.statusCode, reply, text === undefined ? undefined : { body: text, contentType });
                            }
                            if (answered || res.headersSent) return res;
                            const { reply, text } = replyOf(b);
                            if (!single) return (finish(res.statusCode, reply), res);
                            const out = originalSend(b);
                            const type = res.getHeader('content-type');
                            finish(res.statusCode, reply, text === undefined ? undefined : { body: text, contentType: type === undefined ? undefined : String(type) });
                            return out;
                        };
                    }
                    const originalSetHeader = res.setHeader.bind(res);
                    res.setHeader = ((name: string, value: any) => (res.headersSent ? res : originalSetHeader(name, value))) as any;
                    const callback = {
                        ...meta,
                        reply: (replyBody: unknown, code = 200) => {
                            if (answered && timedOut) lateAnswer(code, replyBody);
                            if (answered || res.headersSent) return false;
                            if (single) answer(res, code, replyBody);
                            return finish(code, replyBody);
                        },
                    };
                    received += fresh.length;
                    status.done(_('qeasy-callback.status.received', { n: received }));
                    const payload = single ? orders[fresh[0]] : fresh.map((i) => orders[i]);
                    // The flow sees the request without the shared token (debug nodes, logs).
                    hideSecrets(req);
                    req.body = payload;
                    sent = { _msgid: RED.util.generateId(), payload, callback, req, res: { _res: res } };
                    node.send(sent);
                });
                if (single) {
                    if (outcome.code < 300) {
                        await store(() => outcome.reply, outcome.code, outcome.text);
                        await remember(outcome.code, outcome.reply, outcome.text);
                    } else if (timedOut && !closed) {
                        // The caller got 504, but the flow may still be at work on the order (its push waiting for the
                        // account's rate): a 2xx answer that comes late is kept for the copies, so the upstream's
                        // resend does not push it again. Until it comes, or "hold after 504" has passed, the order
                        // stays in hand: a copy delivered meanwhile waits, then is told to deliver again later (see
                        // awaitLateAnswers). An answer coming after that is still kept.
                        const keepLate = async (a: { code: number; reply: unknown; text?: StoredReply['text'] }) => {
                            if (a.code >= 300) return;
                            await store(() => a.reply, a.code, a.text);
                            await remember(a.code, a.reply, a.text);
                        };
                        const wait = awaitLateAnswers();
                        void late.then(wait.come);
                        if (await wait.came) await keepLate(await late);
                        else void late.then((a) => (closed ? undefined : keepLate(a))).catch((err) => node.error(`qeasy-callback: ${(err as Error).message}`));
                    }
                    return;
                }
                // An array: the flow got the new orders only, so the caller's answer is put together in request order
                // from the flow's replies (an array of one reply per new order, or one answer for all of them), the
                // stored replies of repeats, and for a copy of an order within the array that order's reply.
                const { reply } = outcome;
                let code = outcome.code;
                let replyOfFresh = (_i: number): unknown => reply;
                if (Array.isArray(reply) && reply.length === fresh.length) replyOfFresh = (i) => reply[fresh.indexOf(i)];
                else if (Array.isArray(reply)) {
                    // Cannot be paired with the orders: each new order fails (and is not remembered, so a resend
                    // goes through the flow again), and the flow's author hears of it through Catch.
                    const message = `the flow answered ${fresh.length} new orders with an array of ${reply.length} replies: answer one reply per order of msg.payload, in its order`;
                    node.error(`qeasy-callback: ${message}`, sent);
                    status.error('500');
                    code = 500;
                    replyOfFresh = () => failure('INVALID_FLOW_REPLY', message);
                }
                const freshSet = new Set(fresh);
                const replies = orders.map((o, i) => {
                    if (freshSet.has(i)) return replyOfFresh(i);
                    if (stored.has(i)) return stored.get(i)!.body;
                    const first = firstOf(i);
                    return first === undefined ? echoReply(o, numberSource) : replyOfFresh(first);
                });
                if (code < 300) {
                    await store(replyOfFresh, code);
                    await remember(code, replies);
                }
                answer(res, code, replies);
            } finally {
                release();
            }
        }

        /** Reply after the flow for an array: see the caller. */
        async function replyPerOrder(
            req: Req,
            res: Res,
            orders: Order[],
            fresh: number[],
            stored: Map<number, StoredReply>,
            meta: Record<string, unknown>,
            store: (replyOf: (i: number) => unknown, code: number | ((i: number) => number)) => Promise<boolean>,
            remember: (code: number, reply: unknown) => Promise<boolean>,
            /** The new order a copy later in the same delivery repeats (same duplicate key). */
            firstOf: (i: number) => number | undefined,
        ): Promise<void> {
            const answers = new Map<number, { code: number; body: unknown }>();
            // The flow's answers after a 504 (see the single order's case): kept for the copies.
            const timedOut = new Set<number>();
            const late = new Map<number, { code: number; body: unknown }>();
            let lateAnswer = () => undefined as void;
            let timer: NodeJS.Timeout | undefined;
            await new Promise<void>((resolve) => {
                let open = fresh.length;
                const settle = (i: number, code: number, body: unknown): boolean => {
                    if (timedOut.has(i) && !late.has(i)) {
                        late.set(i, { code, body });
                        lateAnswer();
                    }
                    if (answers.has(i) || !waiting.has(entry)) return false;
                    answers.set(i, { code, body });
                    if (--open === 0) finish();
                    return true;
                };
                const finish = () => {
                    clearTimeout(timer);
                    waiting.delete(entry);
                    resolve();
                };
                const entry = {
                    timer: (timer = setTimeout(() => {
                        for (const i of fresh) {
                            if (answers.has(i)) continue;
                            answers.set(i, { code: 504, body: failure('REPLY_TIMEOUT', `the flow did not answer within ${replyTimeoutMs / 1000} s`) });
                            timedOut.add(i);
                        }
                        finish();
                    }, replyTimeoutMs)),
                    cancel: () => {
                        for (const i of fresh) if (!answers.has(i)) answers.set(i, { code: 503, body: failure('UNAVAILABLE', 'the callback node is stopping') });
                        finish();
                    },
                };
                waiting.add(entry);
                received += fresh.length;
                status.done(_('qeasy-callback.status.received', { n: received }));
                const headers = withoutSecrets(req.headers);
                for (const i of fresh) {
                    const callback = { ...meta, index: i, reply: (body: unknown, code = 200) => settle(i, code, body) };
                    const msg: Msg = { _msgid: RED.util.generateId(), payload: orders[i], callback, req: { headers, body: orders[i], ip: req.ip }, res: { _res: orderResponse((code, body) => settle(i, code, body)) } };
                    node.send(msg);
                }
            });
            // A copy of an order earlier in the delivery was not emitted: it gets that order's answer, not an echo.
            const replies = orders.map((o, i) => answers.get(i)?.body ?? stored.get(i)?.body ?? answers.get(firstOf(i) ?? -1)?.body ?? echoReply(o, numberSource));
            const codes = fresh.map((i) => answers.get(i)!.code);
            const code = codes.find((c) => c >= 300) ?? 200;
            await store((i) => answers.get(i)!.body, (i) => answers.get(i)!.code);
            await remember(code, replies);
            answer(res, code, replies);
            if (timedOut.size === 0 || closed) return;
            // Orders answered 504 the flow may still be at work on: their 2xx answers that come late are kept for the
            // copies, and the orders stay in hand until they come, or "hold after 504" has passed (see the single
            // order's case).
            const keepLate = () => store((i) => late.get(i)?.body, (i) => late.get(i)?.code ?? 504);
            const allLate = () => [...timedOut].every((i) => late.has(i));
            const wait = awaitLateAnswers();
            lateAnswer = () => {
                if (allLate()) wait.come();
            };
            lateAnswer();
            await wait.came;
            if (late.size > 0) await keepLate();
            if (!allLate() && !closed) {
                lateAnswer = () => {
                    if (closed) return;
                    void keepLate().catch((err) => node.error(`qeasy-callback: ${(err as Error).message}`));
                };
            }
        }

        function emit(fresh: Order[], single: boolean, meta: Record<string, unknown>): void {
            received += fresh.length;
            status.done(_('qeasy-callback.status.received', { n: received }));
            if (emitMode === 'all') {
                node.send({ _msgid: RED.util.generateId(), payload: single ? fresh[0] : fresh, callback: { ...meta } });
            } else {
                for (const order of fresh) node.send({ _msgid: RED.util.generateId(), payload: order, callback: { ...meta } });
            }
        }

        const handler = (req: Req, res: Res) => {
            const handled: Promise<void> = handle(req, res)
                .catch((err) => {
                    node.error(`qeasy-callback: ${(err as Error).message}`);
                    status.error('500');
                    answer(res, 500, failure('INTERNAL_ERROR', 'the callback could not be processed'));
                })
                .finally(() => handling.delete(handled));
            handling.add(handled);
        };

        // The user's httpNodeMiddleware and httpNodeCors apply as they do to http-in nodes (httpNodeRoot and
        // httpNodeAuth apply anyway: RED.httpNode is mounted under the root, behind the auth).
        const middleware: any[] = [];
        const httpNodeMiddleware = (RED.settings as any).httpNodeMiddleware;
        if (typeof httpNodeMiddleware === 'function') middleware.push(httpNodeMiddleware);
        else if (Array.isArray(httpNodeMiddleware)) middleware.push(...httpNodeMiddleware);
        const cors = (RED.settings as any).httpNodeCors;
        if (cors && cors.origin) middleware.push(corsMiddleware(cors));
        RED.httpNode.post(path, capture, ...middleware, handler);
        status.done(_('qeasy-callback.status.listening', { path }));

        // In Node-RED's default settings the admin app is mounted at the same root before RED.httpNode, and its JSON
        // body parser would consume this route's body first. As http-in's raw mode does (rawBodyCapture), a
        // middleware at the top of the root app marks this route's requests as read, so every body parser skips them
        // and `capture` reads the exact bytes itself.
        const rootApp = rootAppOf(RED.httpNode);
        const nodeRoot = normalisePath(String((RED.settings as any).httpNodeRoot ?? '/'));
        // This route's own layer decides what it serves (`:param` segments, any letter case), as express does.
        const httpNodeStack: any[] = (RED.httpNode as any)._router?.stack ?? (RED.httpNode as any).router?.stack ?? [];
        const routeLayer = [...httpNodeStack].reverse().find((l: any) => l.route?.stack?.some((r: any) => r.handle === handler));
        const servesPath = (pathname: string): boolean => {
            const p = normalisePath(pathname);
            const root = nodeRoot === '/' ? '' : nodeRoot;
            if (root && p.toLowerCase() !== root.toLowerCase() && !p.toLowerCase().startsWith(`${root.toLowerCase()}/`)) return false;
            const rest = p.slice(root.length) || '/';
            if (typeof routeLayer?.match === 'function') {
                try {
                    return routeLayer.match(rest) === true;
                } catch {
                    return false;
                }
            }
            return rest.toLowerCase() === normalisePath(path).toLowerCase();
        };
        /** The request's path, or undefined for a target no URL can be read from (`POST http://a:b/ …`): not this route's. */
        const pathnameOf = (url: string | undefined): string | undefined => {
            try {
                return new URL(url ?? '/', 'http://x').pathname;
            } catch {
                return undefined;
            }
        };
        const defer = (req: Req, _res: Res, next: () => void) => {
            // Runs before every request to the server (the editor's too): it must not throw, or express answers 500
            // with a stack trace naming the install paths.
            const pathname = !closed && req.method === 'POST' && !req._body && !req.readableEnded ? pathnameOf(req.url) : undefined;
            if (pathname !== undefined && servesPath(pathname)) {
                req._body = true;
                req.qeasyDeferred = true;
            }
            next();
        };
        const rootStack: any[] | undefined = rootApp?._router?.stack ?? rootApp?.router?.stack;
        if (rootApp && rootStack) {
            rootApp.use(defer);
            const i = rootStack.findIndex((l: any) => l.handle === defer);
            if (i > 0) rootStack.unshift(rootStack.splice(i, 1)[0]);
        }

        node.on('close', (done: () => void) => {
            closed = true;
            for (const w of [...waiting]) w.cancel();
            waiting.clear();
            // Remove exactly this node's route (the same path may be served by another node after a redeploy).
            const app = RED.httpNode as any;
            const stack: any[] = app._router?.stack ?? app.router?.stack ?? [];
            for (let i = stack.length - 1; i >= 0; i--) {
                const route = stack[i].route;
                if (route && route.stack.some((l: any) => l.handle === handler)) stack.splice(i, 1);
            }
            if (rootStack) {
                const i = rootStack.findIndex((l: any) => l.handle === defer);
                if (i >= 0) rootStack.splice(i, 1);
            }
            // Cleared and kept so: a delivery still arriving must not paint its outcome over the next node's status.
            status.close();
            // The deliveries cancelled above record what the flow had already answered before the node is gone (and
            // before the next node reads the store). They end at once: nothing they wait for is still running.
            void Promise.all(handling).then(() => done());
        });
    }

    RED.nodes.registerType('qeasy-callback', QeasyCallback as any);
}

/** First path segments of Node-RED's admin API and editor (and this palette's own admin routes). */
const EDITOR_SEGMENTS = new Set(['auth', 'flows', 'flow', 'nodes', 'settings', 'credentials', 'library', 'context', 'diagnostics', 'plugins', 'icons', 'locales', 'debug', 'inject', 'theme', 'red', 'vendor', 'types', 'comms', 'cn-erp']);

/**
 * The warning saying why `path` would also catch the editor's own requests, or undefined. This node marks its
 * requests' bodies as read before the admin app's JSON parser (see `defer`), so where the admin app sits under
 * httpNodeRoot (in Node-RED's default settings both are "/"), a path starting with a parameter, or with a segment of
 * the editor's, would take the body of every deploy.
 */
function editorClash(path: string, settings: { httpNodeRoot?: unknown; httpAdminRoot?: unknown }): Text | undefined {
    if (settings.httpAdminRoot === false) return undefined;
    const nodeRoot = normalisePath(String(settings.httpNodeRoot ?? '/'));
    const adminRoot = normalisePath(String(settings.httpAdminRoot ?? '/'));
    const under = nodeRoot === '/' ? adminRoot : adminRoot.toLowerCase() === nodeRoot.toLowerCase() ? '/' : adminRoot.toLowerCase().startsWith(`${nodeRoot.toLowerCase()}/`) ? adminRoot.slice(nodeRoot.length) : undefined;
    if (under === undefined) return undefined;
    const first = normalisePath(path).split('/')[1] ?? '';
    if (/^:|[*(]/.test(first)) return { key: 'qeasy-callback.warn.pathParameter', vars: { path, admin: adminRoot } };
    const taken = under === '/' ? EDITOR_SEGMENTS.has(first.toLowerCase()) : first.toLowerCase() === under.split('/')[1].toLowerCase();
    if (taken) return { key: 'qeasy-callback.warn.pathEditor', vars: { path, editor: under === '/' ? `${adminRoot}${adminRoot.endsWith('/') ? '' : '/'}${first}` : adminRoot } };
    return undefined;
}

/** The express app at the top (RED.httpNode is mounted on it under httpNodeRoot; alone in the test helper). */
function rootAppOf(app: any): any {
    let cur = app;
    while (cur && cur.parent) cur = cur.parent;
    return typeof cur?.use === 'function' ? cur : undefined;
}

/** A request path as routes compare it: single slashes, no trailing slash (http-in's getRouteKey). */
function normalisePath(p: string): string {
    return p.replace(/\/{2,}/g, '/').replace(/\/$/, '') || '/';
}

/** Access-Control-Allow-Origin as the `cors` package would set it for `httpNodeCors.origin`. */
function corsMiddleware(cors: { origin: unknown; credentials?: boolean }) {
    return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
        const origin = req.headers.origin;
        const allowed = cors.origin;
        let value: string | undefined;
        if (allowed === '*' || (allowed === true && !origin)) value = '*';
        else if (allowed === true) value = origin;
        else if (typeof allowed === 'string') value = allowed;
        else if (origin && Array.isArray(allowed) && allowed.some((a) => (a instanceof RegExp ? a.test(origin) : a === origin))) value = origin;
        else if (origin && allowed instanceof RegExp && allowed.test(origin)) value = origin;
        if (value) {
            res.setHeader('Access-Control-Allow-Origin', value);
            if (value !== '*') res.setHeader('Vary', 'Origin');
            if (cors.credentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
        }
        next();
    };
}

/** The schemas, for the mapper and the help (this node is not an endpoint spec, so core's spec route lacks them). */
register.schemas = { requestSchema, responseSchema };
export = register;
