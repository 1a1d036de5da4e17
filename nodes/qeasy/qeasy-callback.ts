/**
 * qeasy-callback: the receiving end of an "open callback" (开放式的回调方法, seed 003). An upstream platform POSTs one
 * order or an array of orders; this node authenticates the delivery (qeasy-config), validates it against seed 003's
 * request table, drops repeated deliveries, starts the flow, and answers with the order echoed back
 * (protocols.md §9.2) — or with what the flow answers, when "reply after the flow" is chosen.
 *
 * Order of checks: 415 (not JSON) → 413 (too large) → 401 (not authentic; generic message) → 400 (malformed JSON,
 * then schema, listing each field) → duplicate (same reply again, no msg) → msg.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { compileRecordSchema, describeErrors, FieldError } from '../core/validate';
import { StatusReporter } from '../core/status';
import orderSchema from './schemas/order-request.json';
import { echoReply, Order, QeasyConfigNode } from './callback';

type Msg = Record<string, any>;

interface StoredReply {
    at: number;
    status: number;
    body: unknown;
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
}

const validateOrder = compileRecordSchema(orderSchema);
const DEDUPE_KEY = 'qeasyDelivered';
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function failure(code: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { success: false, code, message, ...extra };
}

class BodyTooLarge extends Error {}

/** Reads the raw body (the signature covers the exact bytes) with a size limit. */
function readRawBody(req: IncomingMessage & { body?: unknown; _body?: boolean }, limit: number): Promise<Buffer> {
    // A middleware before us already consumed the stream: use what it kept if it kept the bytes.
    if (req._body || req.readableEnded) {
        if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
        if (typeof req.body === 'string') return Promise.resolve(Buffer.from(req.body, 'utf8'));
        return Promise.reject(new Error('the request body was already parsed by another middleware, so its exact bytes are gone'));
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let done = false;
        req.on('data', (chunk: Buffer) => {
            if (done) return;
            size += chunk.length;
            if (size > limit) {
                done = true;
                req.resume();
                return reject(new BodyTooLarge());
            }
            chunks.push(chunk);
        });
        req.on('end', () => {
            if (!done) resolve(Buffer.concat(chunks));
        });
        req.on('error', (err) => {
            if (!done) reject(err);
        });
    });
}

export = function (RED: NodeAPI) {
    function QeasyCallback(this: Node, def: CallbackDef) {
        RED.nodes.createNode(this, def);
        const node = this;
        const status = new StatusReporter(node);
        const config = RED.nodes.getNode(def.config) as QeasyConfigNode | null;
        const path = `/${String(def.path ?? '').replace(/^\/+/, '')}`;
        const maxBytes = Number(def.maxBytes) > 0 ? Number(def.maxBytes) : 1024 * 1024;
        const emitMode = def.emit === 'all' ? 'all' : 'order';
        const dedupeKey = def.dedupeKey || 'tid';
        const dedupeMs = (Number(def.dedupeWindow) >= 0 && def.dedupeWindow !== '' && def.dedupeWindow !== undefined ? Number(def.dedupeWindow) : 86400) * 1000;
        const dedupeStore = def.dedupeStore || undefined;
        const numberSource = def.numberSource || 'tid';
        const replyMode = def.replyMode === 'flow' ? 'flow' : 'auto';
        const replyTimeoutMs = (Number(def.replyTimeout) > 0 ? Number(def.replyTimeout) : 30) * 1000;
        const replays = new Map<string, StoredReply>();
        const waiting = new Set<NodeJS.Timeout>();
        let received = 0;
        // Deliveries are deduplicated one at a time, so two copies arriving together still make one msg.
        let queue: Promise<unknown> = Promise.resolve();

        if (!config) {
            status.error('no config');
            return;
        }
        if (path === '/') {
            node.warn('qeasy-callback: a path is required');
            status.error('no path');
            return;
        }

        const contextGet = (): Promise<Record<string, StoredReply>> =>
            new Promise((resolve, reject) => node.context().get(DEDUPE_KEY, dedupeStore as string, (err: Error | undefined, v: unknown) => (err ? reject(err) : resolve((v as Record<string, StoredReply>) ?? {}))));
        const contextSet = (v: Record<string, StoredReply>): Promise<void> =>
            new Promise((resolve, reject) => node.context().set(DEDUPE_KEY, v, dedupeStore as string, (err?: Error) => (err ? reject(err) : resolve())));

        const send = (res: ServerResponse & { status?: any }, code: number, body: unknown) => {
            if (res.headersSent) return;
            const text = JSON.stringify(body);
            res.writeHead(code, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
            res.end(text);
        };

        function keyOf(order: Order): string | undefined {
            const v = order[dedupeKey];
            return v === undefined || v === null || v === '' ? undefined : `${dedupeKey}:${String(v)}`;
        }

        async function handle(req: IncomingMessage & { ip?: string }, res: ServerResponse): Promise<void> {
            const now = Date.now();
            for (const [k, v] of replays) if (now - v.at > config!.windowSeconds * 1000) replays.delete(k);
            const type = String(req.headers['content-type'] ?? '');
            if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
                status.error('415');
                return send(res, 415, failure('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json'));
            }
            let raw: Buffer;
            try {
                raw = await readRawBody(req, maxBytes);
            } catch (err) {
                if (err instanceof BodyTooLarge) {
                    status.error('413');
                    return send(res, 413, failure('PAYLOAD_TOO_LARGE', `body larger than ${maxBytes} bytes`));
                }
                status.error('400');
                return send(res, 400, failure('BAD_REQUEST', (err as Error).message));
            }
            const replayKey = config!.verify(req.headers, raw, now);
            if (replayKey === undefined) {
                status.error('401');
                return send(res, 401, failure('UNAUTHORIZED', 'unauthorized'));
            }
            const replayed = replayKey ? replays.get(replayKey) : undefined;
            if (replayed) return send(res, replayed.status, replayed.body);

            let body: unknown;
            try {
                body = JSON.parse(raw.toString('utf8'), (k, v) => (FORBIDDEN_KEYS.has(k) ? undefined : v));
            } catch (err) {
                status.error('400');
                return send(res, 400, failure('MALFORMED_JSON', `body: not valid JSON (${(err as Error).message})`));
            }
            const single = !Array.isArray(body);
            const orders = (single ? [body] : body) as Order[];
            const errors: FieldError[] = [];
            if (orders.length === 0) errors.push({ field: 'body', reason: 'must hold at least one order' });
            orders.forEach((order, i) => {
                if (!validateOrder(order)) errors.push(...describeErrors(validateOrder.errors, single ? '' : `[${i}]`));
            });
            if (errors.length > 0) {
                status.error('400');
                return send(res, 400, failure('INVALID_ORDER', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), { errors }));
            }

            const remember = (code: number, reply: unknown) => {
                if (replayKey) replays.set(replayKey, { at: Date.now(), status: code, body: reply });
            };
            const callbackMeta = {
                receivedAt: new Date(now).toISOString(),
                deliveryId: String(req.headers['x-delivery-id'] ?? RED.util.generateId()),
                remoteAddress: req.ip ?? req.socket?.remoteAddress,
            };

            await (queue = queue.then(async () => {
                const delivered = dedupeMs > 0 ? await contextGet() : {};
                for (const [k, v] of Object.entries(delivered)) if (now - v.at > dedupeMs) delete delivered[k];
                const fresh = orders.filter((o) => {
                    const k = keyOf(o);
                    return !k || !delivered[k];
                });
                if (fresh.length === 0) {
                    // Every order was delivered before: the same answer again, and no second msg.
                    const stored = orders.map((o) => delivered[keyOf(o)!]);
                    const reply = single ? stored[0].body : stored.map((s) => (Array.isArray(s.body) ? s.body[0] : s.body));
                    remember(stored[0].status, reply);
                    send(res, stored[0].status, reply);
                    return;
                }
                if (replyMode === 'auto') {
                    const replies = orders.map((o) => echoReply(o, numberSource));
                    const reply = single ? replies[0] : replies;
                    for (const o of fresh) {
                        const k = keyOf(o);
                        if (k) delivered[k] = { at: now, status: 200, body: echoReply(o, numberSource) };
                    }
                    if (dedupeMs > 0) await contextSet(delivered);
                    remember(200, reply);
                    send(res, 200, reply);
                    emit(fresh, single, callbackMeta);
                    return;
                }
                // Reply after the flow: one msg with the new orders; the flow answers through an http response
                // node (msg.res) or msg.callback.reply(body, status).
                await new Promise<void>((resolve) => {
                    let answered = false;
                    const finish = (code: number, reply: unknown) => {
                        if (answered) return;
                        answered = true;
                        clearTimeout(timer);
                        waiting.delete(timer);
                        remember(code, reply);
                        for (const o of fresh) {
                            const k = keyOf(o);
                            if (k && code < 300) delivered[k] = { at: now, status: code, body: reply };
                        }
                        (dedupeMs > 0 && code < 300 ? contextSet(delivered) : Promise.resolve()).catch((err) => node.error(err)).finally(resolve);
                    };
                    const timer = setTimeout(() => {
                        send(res, 504, failure('REPLY_TIMEOUT', `the flow did not answer within ${replyTimeoutMs / 1000} s`));
                        finish(504, undefined);
                    }, replyTimeoutMs);
                    waiting.add(timer);
                    // Capture what an http response node sends, so a repeated delivery gets the same answer.
                    const expressRes = res as ServerResponse & { send?: (b: unknown) => unknown };
                    const originalSend = expressRes.send?.bind(expressRes);
                    if (originalSend) {
                        expressRes.send = (b: unknown) => {
                            let reply: unknown = b;
                            if (typeof b === 'string') {
                                try {
                                    reply = JSON.parse(b);
                                } catch {
                                    reply = b;
                                }
                            }
                            const out = originalSend(b);
                            finish(res.statusCode, reply);
                            return out;
                        };
                    }
                    const meta = {
                        ...callbackMeta,
                        reply: (replyBody: unknown, code = 200) => {
                            if (answered) return false;
                            send(res, code, replyBody);
                            finish(code, replyBody);
                            return true;
                        },
                    };
                    const payload = single ? fresh[0] : fresh;
                    received += fresh.length;
                    status.done(`received ${received}`);
                    node.send({ _msgid: RED.util.generateId(), payload, callback: meta, req, res: { _res: res } });
                });
            }));
        }

        function emit(fresh: Order[], single: boolean, meta: Record<string, unknown>): void {
            received += fresh.length;
            status.done(`received ${received}`);
            if (emitMode === 'all') {
                node.send({ _msgid: RED.util.generateId(), payload: single ? fresh[0] : fresh, callback: { ...meta } });
            } else {
                for (const order of fresh) node.send({ _msgid: RED.util.generateId(), payload: order, callback: { ...meta } });
            }
        }

        const handler = (req: IncomingMessage, res: ServerResponse) => {
            handle(req, res).catch((err) => {
                node.error(`qeasy-callback: ${(err as Error).message}`);
                send(res, 500, failure('INTERNAL_ERROR', 'the callback could not be processed'));
            });
        };
        // The user's httpNodeMiddleware and CORS setting apply as they do to http-in nodes.
        const middleware: any[] = [];
        const httpNodeMiddleware = (RED.settings as any).httpNodeMiddleware;
        if (typeof httpNodeMiddleware === 'function') middleware.push(httpNodeMiddleware);
        else if (Array.isArray(httpNodeMiddleware)) middleware.push(...httpNodeMiddleware);
        const cors = (RED.settings as any).httpNodeCors;
        if (cors && cors.origin) {
            middleware.push((_req: unknown, res: ServerResponse, next: () => void) => {
                res.setHeader('Access-Control-Allow-Origin', Array.isArray(cors.origin) ? cors.origin.join(',') : String(cors.origin === true ? '*' : cors.origin));
                next();
            });
        }
        RED.httpNode.post(path, ...middleware, handler);
        status.done(`listening on ${path}`);

        node.on('close', (done: () => void) => {
            for (const t of waiting) clearTimeout(t);
            waiting.clear();
            // Remove exactly this node's route (the same path may be served by another node after a redeploy).
            const stack = (RED.httpNode as any)._router?.stack ?? (RED.httpNode as any).router?.stack ?? [];
            for (let i = stack.length - 1; i >= 0; i--) {
                const route = stack[i].route;
                if (route && route.path === path && route.methods.post && route.stack.some((l: any) => l.handle === handler)) stack.splice(i, 1);
            }
            status.clear();
            done();
        });
    }

    RED.nodes.registerType('qeasy-callback', QeasyCallback as any);
};
