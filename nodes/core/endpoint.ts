/**
 * registerEndpoint(): turns an endpoint spec into a Node-RED node type. Everything Node-RED-specific that every
 * endpoint node does lives here, once:
 *
 *  - input handler (msg, send, done), done() exactly once, work in flight cancelled on close;
 *  - parameters (params.ts) validated against the spec's request schema before anything is sent;
 *  - query: lazy paging, output modes (all / page / record), record cap, incremental watermark;
 *  - write: each record validated, chunking, outcomes per record → output 1 (saved) or output 2 (failed);
 *  - status, timeouts and errors.
 *
 * Conservation rule: every input record leaves on output 1 or output 2, or the whole msg goes to Catch through
 * done(err) with nothing emitted for it. A whole-message failure goes to Catch only while nothing of the message can
 * have been written; once a chunk may have been written, the remaining records go to output 2 one by one, so a
 * replay of the failures never re-sends what was saved.
 */
import { MAX_TIMER_MS } from './retry';
import { RefusedSizes } from './http';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { BaseClient, RequestContext } from './client';
import { ConnectorError, notSentError, sentWriteError, textError, toConnectorError } from './errors';
import { ParamReader, TypedValue, isBlankValue, isPlainObject } from './params';
import type { ActionSpec, EndpointContext, EndpointSpec, IncrementalSpec, QuerySpec, RecordOutcome, WriteSpec } from './spec';
import { RunTally, StatusReporter, writtenBefore, writtenUnguarded } from './status';
import { english, Text, Translate, translator } from './i18n';
import { unsendableValue, type UnsendableKind } from './json';
import { compileParamsSchema, compileRecordSchema, describeErrors, formatErrors } from './validate';
import { UnreadableWatermark, Watermark, clearedOnDeploy, settingsDigest, undefinedStore } from './watermark';
import { toEpochEndMs } from './time';
import { queryTooLarge } from './http';
import type { ConfigNode } from './config-node';
import { StoppedMidChunk, outcomeMismatch, writeFitting } from './write';
import { ACK_PROPERTY, AckRun, acknowledge, HeldAtCount, followTickets, hasOpenTicket, holdTickets, openAckRun, ticketLost } from './ack';

export type OutputMode = 'all' | 'page' | 'record';

interface EndpointNodeDef extends NodeDef {
    config: string;
    params?: Record<string, TypedValue>;
    outputMode?: OutputMode;
    maxRecords?: string | number;
    timeout?: string | number;
    incremental?: boolean;
    watermarkStore?: string;
    overlapMinutes?: string | number;
    /** 'read': the watermark advances when the read ends; 'ack': when every emitted msg was acknowledged downstream. */
    watermarkCommit?: 'read' | 'ack';
    /** Ack mode: minutes to wait for the acknowledgements before the run is abandoned (0 = for ever; default 30). */
    ackTimeout?: string | number;
}

type Msg = Record<string, any>;
type Send = (msg: Msg | Array<Msg | Msg[] | null>) => void;
type Done = (err?: Error) => void;

/**
 * The ack timeout setting (minutes) in ms: blank → 30; 0 → undefined, wait for ever; capped to what a timer takes.
 * A value that is no number of minutes, or negative, is `refused` (the node warns at deploy) and taken as blank.
 */
export function ackTimeout(value: unknown): { ms: number | undefined; refused: boolean } {
    // Spaces are blank, as they look: Number(' ') is 0, which would wait for ever.
    const n = isBlankValue(value) ? undefined : num(value);
    const refused = !isBlankValue(value) && (n === undefined || n < 0);
    const minutes = n === undefined || refused ? 30 : n;
    return { ms: minutes === 0 ? undefined : Math.min(Math.max(1, Math.round(minutes * 60000)), MAX_TIMER_MS), refused };
}

/** One input msg of an incremental query node waiting for its turn. */
interface Trigger {
    msg: Msg;
    send: Send;
    done: Done;
    /** Triggers merged into this one while it waited (an inject firing on during a long run). */
    merged?: number;
}

/** The acknowledgement side of an incremental run in ack mode. */
interface AckWait {
    ackRun: AckRun;
    /** Resolves once the run settled: watermark committed, or the run abandoned. */
    settled: Promise<void>;
    release: () => void;
    /** Every ticket came back and the commit has begun: too late to abandon. */
    committing: boolean;
    timer?: NodeJS.Timeout;
}

/**
 * Ends an ack wait without committing: its timer cleared, its tickets forgotten (late ones are ignored), the run
 * released so the next trigger can start. Returns how many tickets were still out.
 */
function abandonWait(ack: AckWait): number {
    if (ack.timer) clearTimeout(ack.timer);
    ack.timer = undefined;
    const missing = ack.ackRun.abandon();
    ack.release();
    return missing;
}

/**
 * Where a run's msgs still out were last delivered, for the ack timeout's warning: the node holding them is what the
 * integrator has to look at (most often a Switch node with no rule for some records).
 */
function heldAtText(held: HeldAtCount[], _: Translate): string {
    if (held.length === 0) return _('runtime.warn.heldNowhere');
    const shown = held.slice(0, 3).map((h) => {
        const node = h.subflow ? _('runtime.warn.heldInSubflow', { node: h.node, subflow: h.subflow }) : h.node;
        return _(h.msgs === 1 ? 'runtime.warn.heldAtNodeOne' : 'runtime.warn.heldAtNode', { node, n: h.msgs });
    });
    if (held.length > 3) shown.push(_(held.length === 4 ? 'runtime.warn.heldMoreOne' : 'runtime.warn.heldMore', { n: held.length - 3 }));
    const text = _('runtime.warn.heldAt', { nodes: shown.join(_('runtime.warn.listSeparator')) });
    return held.some((h) => !h.completes) ? text + _('runtime.warn.heldSwitchHint') : text;
}

/** An incremental run in progress: reading, then (ack mode) waiting for its acknowledgements. */
interface IncrementalRun {
    ack?: AckWait;
    /** The read is over (ack mode: the run may still wait for its acknowledgements). */
    readEnded?: boolean;
}

/**
 * Status of an incremental query node: while a trigger waits for the run in progress, every text says so, and
 * while the run waits for its acknowledgements the node shows how many are still out.
 */
class RunStatus extends StatusReporter {
    private note = '';
    private last: { kind: 'working' | 'backingOff' | 'done'; text: string; failures?: boolean } | undefined;

    constructor(
        node: Node,
        private readonly _: Translate,
    ) {
        super(node);
    }

    /** `note` is appended to every text from now on (and to the one shown now), after a " · "; '' removes it. */
    setNote(note: string): void {
        if (note === this.note) return;
        this.note = note;
        // A countdown ("account paused: N s") goes on with the note.
        const last = this.last;
        if (last) this.keepingCountdown(() => this.show(last.kind, last.text, true, last.failures));
    }

    working(text: string, force = false): void {
        this.show('working', text, force);
    }

    backingOff(text: string): void {
        this.show('backingOff', text);
    }

    done(text: string, hadFailures = false): void {
        this.show('done', text, false, hadFailures);
    }

    /** The read is over; the run waits for acknowledgements before the next trigger's turn. */
    waitingForAcks(outstanding: number): void {
        if (this.closed) return;
        this.last = undefined;
        const text = this._(outstanding === 1 ? 'runtime.status.waitingForAck' : 'runtime.status.waitingForAcks', { n: outstanding });
        this.put({ fill: 'yellow', shape: 'ring', text: this.withNote(text) });
    }

    private show(kind: 'working' | 'backingOff' | 'done', text: string, force = false, failures = false): void {
        this.last = { kind, text, failures };
        const shown = this.withNote(text);
        if (kind === 'working') super.working(shown, force);
        else if (kind === 'backingOff') super.backingOff(shown);
        else super.done(shown, failures);
    }

    private withNote(text: string): string {
        return this.note ? `${text} · ${this.note}` : text;
    }
}

const specs = new Map<string, EndpointSpec<any>>();
const specRoutes = new WeakSet<object>();

/** The spec registered for a node type (the mapper reads target schemas from here). */
export function getSpec(type: string): EndpointSpec<any> | undefined {
    return specs.get(type);
}

/**
 * Error for a whole message. Node-RED's Catch node copies an error's own `code` and `cause` into its msg.error, so
 * the vendor code and the classification ({system, kind, code, message, retryable}) reach Catch flows.
 */
class WholeMessageError extends Error {
    readonly code: string;
    readonly cause: MsgErrorShape;
    declare readonly connectorError: ConnectorError;

    constructor(message: string, connectorError: ConnectorError) {
        super(message);
        this.code = connectorError.code;
        this.cause = connectorError.toMsgError();
        // Not enumerable: Node-RED hands this error to every log handler when no Catch node takes it, and one printing
        // or serialising it would show the ConnectorError's details and causes (Kingdee's refused session id).
        Object.defineProperty(this, 'connectorError', { value: connectorError });
    }
}

type MsgErrorShape = ReturnType<ConnectorError['toMsgError']>;

const inEnglish = english();

/** A whole-message input error (bad parameters, bad payload, no config): never sent, never retried. */
function inputError(system: string, message: string, field?: string): ConnectorError {
    return new ConnectorError({ system, kind: 'validation', code: 'INVALID_INPUT', message, field });
}

/** A record holding a value that cannot be sent as it is (see unsendableValue), refused naming the field, before anything is sent. */
function unsendableError(system: string, at: { field: string; value: string; kind: UnsendableKind }): ConnectorError {
    const key = `runtime.error.${at.kind}Field`;
    return textError(inEnglish, { key, vars: { field: at.field || '(root)', value: at.value } }, { system, kind: 'validation', code: 'INVALID_RECORD', field: at.field || '(root)' });
}

/** No business document nests this deep; deeper input is hostile and would overflow Node-RED's msg cloning. */
const MAX_DEPTH = 100;

/**
 * What makes a msg part unfit to handle, named from `name`: nested deeper than `limit` (no business document does;
 * Node-RED's msg cloning would overflow), or a part that throws when read (a getter, a proxy: Node-RED copying the
 * msg for Catch would throw out of done() and stop Node-RED). Undefined when it is fine. One walk without recursion
 * and without paths; the path of an unreadable part is found only then.
 */
export function unfitInput(value: unknown, name: string, limit = MAX_DEPTH): string | undefined {
    // Objects and their depths on two stacks, values left off (only a child's level counts): this runs on every msg,
    // and a pair per value made a msg of 100,000 bills hold the event loop for most of a second.
    const objects: object[] = [];
    const depths: number[] = [];
    const enter = (v: unknown, d: number) => {
        if (v !== null && typeof v === 'object') {
            objects.push(v);
            depths.push(d);
        }
    };
    const deeper = () => `${name}: nested deeper than ${limit} levels`;
    try {
        if (limit < 0) return deeper();
        enter(value, 0);
        while (objects.length > 0) {
            const v = objects.pop()!;
            const d = depths.pop()! + 1;
            if (Array.isArray(v)) {
                if (v.length > 0 && d > limit) return deeper();
                for (let i = 0; i < v.length; i++) enter(v[i], d);
            } else {
                const children = Object.values(v);
                if (children.length > 0 && d > limit) return deeper();
                for (const child of children) enter(child, d);
            }
        }
    } catch (err) {
        const part = unreadablePart(value, name) ?? { path: name, reason: err instanceof Error ? err.message : String(err) };
        return `${part.path}: cannot be read (${part.reason})`;
    }
    return undefined;
}

/**
 * The first part of a value that cannot be read (a getter or a proxy that throws), as a path from `name` and the
 * reason; undefined when every part reads. Walks without recursion, each object once (cycles are fine).
 */
function unreadablePart(value: unknown, name: string): { path: string; reason: string } | undefined {
    const seen = new Set<object>();
    const stack: Array<[unknown, string]> = [[value, name]];
    while (stack.length > 0) {
        const [v, path] = stack.pop()!;
        if (v === null || typeof v !== 'object' || seen.has(v)) continue;
        seen.add(v);
        let keys: string[];
        try {
            keys = Object.keys(v);
        } catch (err) {
            return { path, reason: err instanceof Error ? err.message : String(err) };
        }
        for (const k of keys) {
            const at = Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`;
            try {
                stack.push([(v as Record<string, unknown>)[k], at]);
            } catch (err) {
                return { path: at, reason: err instanceof Error ? err.message : String(err) };
            }
        }
    }
    return undefined;
}

/**
 * msg properties besides params that the kit reads, with what each accepts. A bad one is named rather than quietly
 * becoming an empty read (maxRecords -1), a default, or an instant timeout (timers overflow past 2^31 ms).
 */
const MSG_SETTINGS: Array<{ prop: string; query?: boolean; ok(v: unknown): boolean; reason: string }> = [
    { prop: 'requestTimeout', ok: (v) => (typeof v === 'number' || typeof v === 'string') && Number(v) >= 1 && Number(v) <= 2147483647, reason: 'must be a number of milliseconds from 1 to 2147483647' },
    { prop: 'maxRecords', query: true, ok: (v) => (typeof v === 'number' || typeof v === 'string') && Number.isInteger(Number(v)) && Number(v) >= 0, reason: 'must be a whole number ≥ 0' },
    { prop: 'outputMode', query: true, ok: (v) => v === 'all' || v === 'page' || v === 'record', reason: 'must be "all", "page" or "record"' },
    // As text too: a change node set to string, an http-in query parameter.
    { prop: 'resetWatermark', query: true, ok: (v) => typeof v === 'boolean' || v === 'true' || v === 'false', reason: 'must be true or false' },
];

/** Whether the msg asks to forget the watermark (true, or the text "true"; see MSG_SETTINGS). */
function resetAsked(msg: Msg): boolean {
    return msg.resetWatermark === true || msg.resetWatermark === 'true';
}

function num(value: unknown): number | undefined {
    if (value === '' || value === undefined || value === null) return undefined;
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
}

/**
 * What a trigger chose of the records an incremental read holds (ParamReader.fromTrigger): its parameters but the
 * window's own and those that only say how it is paged (the spec's notFilters).
 */
function readFilters(inc: IncrementalSpec, chosen: Record<string, unknown>): Record<string, unknown> {
    const notChoosing = new Set([inc.startParam, inc.endParam, ...(inc.endAliases ?? []), ...Object.keys(inc.wholeWindow ?? {}), ...(inc.notFilters ?? [])]);
    return Object.fromEntries(Object.entries(chosen).filter(([name]) => !notChoosing.has(name)));
}

/**
 * Whether a trigger asks for the same read as one already waiting, so the two can share one run: every property
 * equal but the msg id, the watermark reset (passed on) and a payload that is not an object (an inject's timestamp).
 * Anything else differing (msg.params, an object payload, a topic, an HTTP request awaiting its answer, a correlation
 * id) gets a run of its own: merged, it would get no output.
 */
export function sameRead(a: Msg, b: Msg): boolean {
    const ask = (m: Msg) => {
        const { _msgid, resetWatermark, payload, ...rest } = m;
        return isPlainObject(payload) || Array.isArray(payload) ? { ...rest, payload } : rest;
    };
    return sameData(ask(a), ask(b));
}

/**
 * Plain objects and arrays compared by content, anything else (an HTTP response, a Buffer) by identity; past
 * MAX_DEPTH levels (or a cycle) they count as different, which only costs a run of its own.
 */
function sameData(a: unknown, b: unknown, depth = 0): boolean {
    if (Object.is(a, b)) return true;
    if (depth > MAX_DEPTH) return false;
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameData(v, b[i], depth + 1));
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameData(a[k], b[k], depth + 1));
}

/**
 * The msg's properties but its payload and the outcome of an earlier pass: `error` and `recordIndex` of an output-2
 * msg, `error` and `_error` of a Catch msg. A replayed msg carries them in; copied out, a record saved on the replay
 * would leave output 1 still saying it failed (a failure gets its own).
 */
export function withoutOutcome(base: Msg): Msg {
    const { payload: _replaced, error: _error, _error: _caught, recordIndex: _index, ...rest } = base;
    return rest;
}

/**
 * A fresh msg for an output, carrying the input msg's other properties (topic, correlation ids…). The input's payload
 * is left out of the copy, as it is replaced: a write batch's failures each get a msg, and copying the whole batch
 * into every one of them made a batch's failures cost its size squared.
 */
export function derive(RED: NodeAPI, base: Msg, payload: unknown, extra: Msg = {}): Msg {
    const out = RED.util.cloneMessage(withoutOutcome(base));
    delete out._msgid;
    out._msgid = RED.util.generateId();
    out.payload = payload;
    // A delivery ticket belongs to the msg the query emitted; what a write node emits is past acknowledgement.
    delete out[ACK_PROPERTY];
    return Object.assign(out, extra);
}

/**
 * The output-2 msgs made of one msg holding several records, when that msg was a piece of a sequence (`msg.parts`: a
 * Split node's, a Batch node's): a sequence of their own, each its failure's place in it, the msg's `parts` kept
 * beneath, as a Split node nests them. Copied as they were, each failure would claim the piece's place, and a Join
 * node behind output 2 would keep one of them. What has one msg of its own (a single record, output 1) keeps `parts`,
 * unless (`single`) that msg was a piece of a text (`parts.type` "string" or "buffer": a Split of NDJSON into lines, a
 * file in node reading lines): its failure is a record, no longer a line of that text, and a file node writes a text's
 * last piece without its line end: the next failure appended to a failures file would run on in the same line.
 */
export function asSequence(RED: NodeAPI, failures: Msg[], single = false): void {
    const outer = failures[0]?.parts;
    if (outer === undefined || outer === null || typeof outer !== 'object') return;
    if (single && outer.type !== 'string' && outer.type !== 'buffer') return;
    const id = RED.util.generateId();
    failures.forEach((f, index) => (f.parts = { id, index, count: failures.length, type: 'array', len: 1, parts: f.parts }));
}

/**
 * `nodeFile`: the node's js (`__filename`), when its spec shows texts of its own catalog (see i18n.ts); the shared
 * `runtime.*` texts need none.
 */
export function registerEndpoint<C extends BaseClient>(RED: NodeAPI, spec: EndpointSpec<C>, nodeFile?: string): void {
    specs.set(spec.type, spec);
    const _ = translator(RED, nodeFile);
    registerSpecRoute(RED);
    const paramNames = Object.keys(((spec.requestSchema as any).properties ?? {}) as object);
    const validateParams = compileParamsSchema(spec.requestSchema);
    const validateRecord = spec.kind === 'write' ? compileRecordSchema(spec.recordSchema) : undefined;

    function EndpointNode(this: Node, def: EndpointNodeDef) {
        RED.nodes.createNode(this, def);
        const node = this;
        const status = new RunStatus(node, _);
        const configNode = RED.nodes.getNode(def.config) as ConfigNode<C> | null;
        const reader = new ParamReader(RED, node, paramNames, def.params ?? {}, spec.kind !== 'write', _);
        const inFlight = new Set<AbortController>();
        // Each incremental run starts `overlap` minutes before the last one's end. Unset or invalid → 10 (a negative one
        // would leave a gap between runs whose records nobody reads).
        const overlapSetting = num(def.overlapMinutes);
        const overlap = overlapSetting === undefined || overlapSetting < 0 ? 10 : overlapSetting;
        const watermark = spec.kind === 'query' && spec.incremental && def.incremental ? new Watermark(node, def.watermarkStore || undefined, overlap * 60000, _) : undefined;
        if (watermark && overlap !== overlapSetting && def.overlapMinutes !== undefined && def.overlapMinutes !== '') {
            node.warn(_('runtime.warn.overlapMinutes', { type: spec.type, got: JSON.stringify(def.overlapMinutes) }));
        }
        // Node-RED quietly puts a store it does not know in its default one: said at deploy, not after the next restart.
        const noStore = watermark ? undefinedStore((RED.settings as any).contextStorage, def.watermarkStore || undefined) : undefined;
        if (noStore) {
            const key = { noContextStorage: 'runtime.warn.watermarkStoreNoContextStorage', inMemory: 'runtime.warn.watermarkStoreInMemory', inDefault: 'runtime.warn.watermarkStoreInDefault' }[noStore.kept];
            node.warn(_(key, { type: spec.type, ...noStore.vars }));
        }
        else if (watermark && clearedOnDeploy((RED.settings as any).contextStorage, def.watermarkStore || undefined)) node.warn(_('runtime.warn.watermarkClearedOnDeploy', { type: spec.type }));
        // Seconds per request; blank → the config node's. Zero or less is not used: axios takes 0 for "no timeout" and
        // a negative one fails every request with a misleading "network error: ERR_OUT_OF_RANGE".
        const timeoutSetting = num(def.timeout);
        const nodeTimeoutMs = timeoutSetting !== undefined && timeoutSetting > 0 ? timeoutSetting * 1000 : undefined;
        if (nodeTimeoutMs === undefined && def.timeout !== undefined && def.timeout !== '') {
            node.warn(_('runtime.warn.timeout', { type: spec.type, got: JSON.stringify(def.timeout) }));
        }
        // Blank (a node saved before it had the setting, or written by hand): one msg per page, as the dialog's default.
        const nodeOutputMode: OutputMode = isBlankValue(def.outputMode) ? 'page' : def.outputMode!;
        // The record cap; one that is no whole number ≥ 0 is not used (a `${NAME}` left as typed, no such variable set).
        const maxRecordsSetting = num(def.maxRecords);
        const maxRecords = maxRecordsSetting !== undefined && Number.isInteger(maxRecordsSetting) && maxRecordsSetting >= 0 ? maxRecordsSetting : undefined;
        if (spec.kind === 'query' && maxRecords === undefined && def.maxRecords !== undefined && def.maxRecords !== '') {
            node.warn(_('runtime.warn.maxRecords', { type: spec.type, got: JSON.stringify(def.maxRecords) }));
        }
        let closing = false;
        const tally = new RunTally();

        if (!configNode) status.error(_('runtime.status.noConfig'));

        // Incremental runs take turns: one reads (and, in ack mode, waits for its acknowledgements) at a time, so the
        // next reads from the watermark the earlier one committed instead of the same window. Triggers wait in order;
        // one asking for the same read as the last waiting trigger (an inject firing again) is merged into it, since
        // the waiting run reads everything up to its own start anyway.
        const { ms: ackTimeoutMs, refused: ackTimeoutRefused } = ackTimeout(def.ackTimeout);
        if (watermark && def.watermarkCommit === 'ack' && ackTimeoutRefused) {
            node.warn(_('runtime.warn.ackTimeout', { type: spec.type, got: JSON.stringify(def.ackTimeout) }));
        }
        const ackTimeoutMinutes = ackTimeoutMs === undefined ? '' : Number((ackTimeoutMs / 60000).toFixed(3));
        /**
         * What a trigger chose, as the request reads it: coerced as the parameters will be (7 and "7" are one read), and
         * without a value equal to the parameter's default (given or not, one read).
         */
        function chosenAsRead(chosen: Record<string, unknown>, params: Record<string, unknown>): Record<string, unknown> {
            const read: Record<string, unknown> = { ...params };
            validateParams(read);
            const props: Record<string, { default?: unknown }> = (spec.requestSchema as any).properties ?? {};
            return Object.fromEntries(Object.keys(chosen).filter((name) => !sameData(read[name], props[name]?.default)).map((name) => [name, read[name]]));
        }
        /**
         * The digest of the node's own filter settings (settingsDigest): the config node (by the id it has in the flow,
         * the same in every instance of a subflow and after every deploy) and the account it uses (edited in place from
         * a test data centre to production's, the id stays: production's records before the test's mark were skipped),
         * and the filters set in the node at deploy
         * (ParamReader.fromSettings), as the request reads them, less the window's own parameters and those that only
         * shape the records or the paging (the spec's notFilters and shapeOnly). `earlier`: the digest with the account
         * as the release before took it (BaseClient.earlierAccountIdentity), when that differs: stored, it is this one.
         */
        function ownSettings(inc: IncrementalSpec, params: Record<string, unknown>): { digest: string; earlier?: string } {
            const shape = new Set(inc.shapeOnly ?? []);
            const filters = Object.fromEntries(Object.entries(readFilters(inc, chosenAsRead(reader.fromSettings(params), params))).filter(([name]) => !shape.has(name)));
            const config = String((configNode as { _alias?: string } | null)?._alias ?? def.config ?? '');
            const client = configNode?.getClient();
            const digestOf = (account: string | undefined) => settingsDigest(account === undefined ? config : JSON.stringify([config, account]), filters);
            const account = client?.accountIdentity();
            const earlier = client?.earlierAccountIdentity();
            return { digest: digestOf(account), earlier: earlier === account ? undefined : digestOf(earlier) };
        }
        let current: IncrementalRun | undefined;
        const waiting: Trigger[] = [];

        node.on('input', (msg: Msg, send: Send, done: Done) => {
            if (closing) {
                // Never handled, so never accounted for: its query's run is told at once (see execute's finished()).
                ticketLost(msg);
                return done(new Error(`${spec.type}: the node is closing`));
            }
            if (!watermark) {
                void execute({ msg, send, done });
                return;
            }
            if (!current) return startRun({ msg, send, done });
            const last = waiting[waiting.length - 1];
            if (last && sameRead(last.msg, msg)) {
                // A reset asked for by the merged msg is not lost: the waiting run starts from scratch.
                const reset = resetAsked(msg) && !resetAsked(last.msg);
                if (reset) last.msg.resetWatermark = true;
                // Warned of once per waiting trigger (and for a reset passed on); the others are counted and summed up
                // when its run starts: an inject firing every few seconds through an hour-long run is one line, not hundreds.
                last.merged = (last.merged ?? 0) + 1;
                if (last.merged === 1 || reset) node.warn(_(reset ? 'runtime.warn.mergedReset' : 'runtime.warn.merged', { type: spec.type }));
                return done();
            }
            waiting.push({ msg, send, done });
            status.setNote(waitingNote());
            if (current.ack && !current.ack.committing && current.ack.ackRun.outstanding > 0 && current.readEnded) status.waitingForAcks(current.ack.ackRun.outstanding);
        });

        function waitingNote(): string {
            return waiting.length === 0 ? '' : waiting.length === 1 ? _('runtime.status.nextRunWaiting') : _('runtime.status.runsWaiting', { n: waiting.length });
        }

        function startRun(trigger: Trigger): void {
            const run: IncrementalRun = {};
            current = run;
            const more = (trigger.merged ?? 0) - 1;
            if (more > 0) node.warn(_(more === 1 ? 'runtime.warn.moreMergedOne' : 'runtime.warn.moreMerged', { type: spec.type, n: more }));
            execute(trigger, run)
                .then(() => {
                    run.readEnded = true;
                    const ack = run.ack;
                    if (!ack) return;
                    if (!ack.committing && ack.ackRun.outstanding > 0) {
                        if (waiting.length > 0) status.waitingForAcks(ack.ackRun.outstanding);
                        if (ackTimeoutMs !== undefined && !closing) ack.timer = setTimeout(() => giveUp(ack), ackTimeoutMs);
                    }
                    return ack.settled;
                })
                .catch((err) => node.error(`${spec.type}: ${err instanceof Error ? err.message : String(err)}`))
                .then(() => {
                    if (run.ack?.timer) clearTimeout(run.ack.timer);
                    if (current === run) current = undefined;
                    const next = waiting.shift();
                    status.setNote(waitingNote());
                    if (next && !closing) startRun(next);
                });
        }

        /** Acknowledgements that did not come in time: nothing committed, so the next run reads those records again. */
        function giveUp(ack: AckWait): void {
            ack.timer = undefined;
            if (ack.committing) return;
            const issued = ack.ackRun.issued;
            const where = heldAtText(ack.ackRun.heldAt(), _);
            const missing = abandonWait(ack);
            node.warn(_('runtime.warn.notAcknowledged', { type: spec.type, missing, issued, minutes: ackTimeoutMinutes, where }));
            status.done(_('runtime.status.notAcknowledged', { n: missing }), true);
        }

        /** One input msg to its end: done() or done(err), exactly once. */
        function execute(trigger: Trigger, run?: IncrementalRun): Promise<void> {
            const { msg, send, done } = trigger;
            const abort = new AbortController();
            inFlight.add(abort);
            // A query fed a msg with a delivery ticket (a lookup between a query in ack mode and its writes) hands it
            // back only once every msg it emits for it was acknowledged in turn: its msgs carry tickets of this run.
            // Its completion of the msg comes when the read ends, before those msgs are written: it holds the msg meanwhile.
            const passOn = spec.kind === 'query' && hasOpenTicket(msg) ? openAckRun(() => acknowledge(msg), () => ticketLost(msg), msg) : undefined;
            if (passOn) holdTickets(msg);
            // Work cut off by a close (deploy, shutdown) ends on the outputs of a stopping node, where nothing picks it
            // up: not accounted for, so the ticket never comes back and the watermark stays where it was; the query's
            // run is told at once rather than after its ack timeout. A msg that reached Catch whole is accounted for.
            const finished = () => {
                if (closing) {
                    passOn?.abandon();
                    ticketLost(msg);
                } else if (passOn) {
                    passOn.seal();
                } else if (spec.kind !== 'query') {
                    acknowledge(msg);
                }
            };
            return handle(msg, send, abort.signal, run, passOn)
                .then(() => {
                    finished();
                    done();
                })
                .catch((err: unknown) => {
                    const e = err instanceof WholeMessageError ? err : new WholeMessageError(err instanceof Error ? err.message : String(err), toConnectorError(err, spec.system));
                    const ce = e.connectorError;
                    // Catch moves this to msg._error and puts its own {message, source, code, cause} in msg.error. A
                    // caught msg fed back keeps Catch's `source`: Node-RED counts a msg's catches by it and ends a
                    // Catch → this node loop at ten instead of letting it hammer the vendor for ever.
                    const source = isPlainObject(msg.error) ? msg.error.source : undefined;
                    msg.error = ce.toMsgError();
                    if (source !== undefined) msg.error.source = source;
                    // Its records failed too: the next msg of the run must not show the run green with none failed.
                    if (spec.kind === 'write') tally.addCaught(msg.payload);
                    // Why, in Node-RED's language where the error is a text of the shared catalog, else its message
                    // (a vendor's own words; a config node's catalog is not the endpoint's to read).
                    const said = (ce.details as { text?: Text } | undefined)?.text;
                    status.error(ce.code, said && said.key.startsWith('runtime.') ? _(said.key, said.vars) : ce.message);
                    finished();
                    done(e);
                })
                .finally(() => inFlight.delete(abort));
        }

        node.on('close', (_removed: boolean, done: () => void) => {
            closing = true;
            for (const a of inFlight) a.abort();
            // A trigger still waiting for its turn never runs: it ends as any msg arriving at a closing node does.
            for (const queued of waiting.splice(0)) {
                ticketLost(queued.msg);
                queued.done(new Error(`${spec.type}: the node is closing (this trigger was waiting for the run before it)`));
            }
            // A run waiting for acknowledgements is abandoned: late tickets are ignored and the watermark stays.
            const ack = current?.ack;
            if (ack && !ack.committing) abandonWait(ack);
            status.close();
            // Give aborted calls a moment to settle so no timer or socket outlives the node.
            const started = Date.now();
            const wait = () => (inFlight.size === 0 || Date.now() - started > 2000 ? done() : setTimeout(wait, 10));
            wait();
        });

        async function handle(msg: Msg, send: Send, signal: AbortSignal, run?: IncrementalRun, passOn?: AckRun): Promise<void> {
            for (const prop of ['payload', 'params'] as const) {
                const unfit = unfitInput(msg[prop], prop);
                if (unfit) {
                    // Replaced so that the msg can still travel to Catch (Node-RED copies it on the way).
                    msg[prop] = `[removed: ${unfit}]`;
                    throw new WholeMessageError(`${spec.type}: ${unfit}`, inputError(spec.system, unfit, prop));
                }
            }
            for (const setting of MSG_SETTINGS) {
                const v = msg[setting.prop];
                if (v === undefined || v === null || v === '' || (setting.query && spec.kind !== 'query') || setting.ok(v)) continue;
                const reason = `${setting.prop}: ${setting.reason}`;
                throw new WholeMessageError(`${spec.type}: ${reason}`, inputError(spec.system, reason, setting.prop));
            }
            if (!configNode) throw new WholeMessageError(`${spec.type}: no ${spec.configType} is selected`, new ConnectorError({ system: spec.system, kind: 'config', code: 'NO_CONFIG', message: `no ${spec.configType} is selected` }));
            status.working('…', true);
            let params: Record<string, any>;
            try {
                params = await reader.read(msg);
            } catch (err) {
                throw new WholeMessageError(`${spec.type}: ${(err as Error).message}`, inputError(spec.system, (err as Error).message, (err as { field?: string }).field));
            }
            let watermarkEnd: number | undefined;
            // The watermark of the read this trigger asks for: the node's, or its own for other records (readDigest).
            let mark: Watermark | undefined;
            if (watermark && spec.kind === 'query' && spec.incremental) {
                const inc = spec.incremental;
                // Filters typed into the node edited since its watermarks were saved: they belong to other records.
                const { digest: settings, earlier } = ownSettings(inc, params);
                const seen = await watermark.checkSettings(settings, earlier);
                if (seen === 'changed') node.warn(_('runtime.warn.watermarkSettingsChanged', { type: spec.type }));
                mark = watermark.forRead(readFilters(inc, chosenAsRead(reader.fromTrigger(params), params)), seen === 'unsaved' ? settings : undefined);
                if (resetAsked(msg)) await mark.clear();
                let from: number | undefined;
                try {
                    from = await mark.get();
                } catch (err) {
                    if (!(err instanceof UnreadableWatermark)) throw err;
                    throw new WholeMessageError(`${spec.type}: ${err.message}`, new ConnectorError({ system: spec.system, kind: 'config', code: 'WATERMARK_INVALID', message: err.message }));
                }
                watermarkEnd = Date.now();
                // A minute's grace: a clock slewed back by milliseconds (NTP) is no reason to stop, with overlap 0 too.
                if (from !== undefined && from - watermark.overlapMs - 60000 > watermarkEnd) {
                    // Committed while the clock ran ahead: the window would start after it ends, and committing now
                    // would skip what changed between the last real read and now.
                    const reason = `the stored watermark (${new Date(from).toISOString()}) is later than now (${new Date(watermarkEnd).toISOString()}) by more than the overlap: was the clock set back? Nothing was read and the watermark was not moved (read from it, what changed since the last run would be skipped); send msg.resetWatermark = true${mark.read ? ' with the same msg.params' : ''} to read again from your start`;
                    throw new WholeMessageError(`${spec.type}: ${reason}`, new ConnectorError({ system: spec.system, kind: 'config', code: 'WATERMARK_AHEAD', message: reason }));
                }
                // Within the grace, the window starts no later than it ends (what lies between was read last run).
                if (from !== undefined) params[inc.startParam] = inc.format(Math.min(from - watermark.overlapMs, watermarkEnd));
                // A blank end (an unset env variable, '' in msg.params) is no end: the run reads to now.
                const userEndParam = [inc.endParam, ...(inc.endAliases ?? [])].find((name) => !isBlankValue(params[name]));
                if (userEndParam === undefined || from !== undefined) {
                    params[inc.endParam] = inc.format(watermarkEnd);
                } else {
                    // The first run keeps the user's end: the watermark may not pass what was read (the next run would
                    // start after a gap).
                    // Read as the node reads it (a date alone: the end of that day), or the next run reads that day again.
                    const userEnd = toEpochEndMs(params[userEndParam]);
                    if (userEnd < watermarkEnd) watermarkEnd = userEnd;
                }
            }
            if (!validateParams(params)) {
                const errors = describeErrors(validateParams.errors);
                throw new WholeMessageError(`${spec.type}: invalid parameters: ${formatErrors(errors)}`, inputError(spec.system, formatErrors(errors), errors[0]?.field));
            }
            // A number the schema takes but JSON cannot carry: "1e400" (or a sum over nothing) read as ±Infinity or NaN
            // in a field with no limit would reach the vendor as null; a BigInt would throw naming nothing.
            const unsendable = unsendableValue(params);
            if (unsendable) {
                const reason = inEnglish(`runtime.error.${unsendable.kind}Field`, { field: unsendable.field || '(root)', value: unsendable.value });
                throw new WholeMessageError(`${spec.type}: ${reason}`, inputError(spec.system, reason, unsendable.field || undefined));
            }
            // A first row or page past the start, or a cap on the rows, would leave part of every run's window unread.
            if (watermark && spec.kind === 'query') {
                for (const [name, whole] of Object.entries(spec.incremental?.wholeWindow ?? {})) {
                    const v = params[name];
                    if (isBlankValue(v) || Number(v) === whole) continue;
                    const reason = `${name}: must be ${whole} with incremental sync (${JSON.stringify(v)} leaves part of each run's window unread, and the watermark would move past it: those records would never be read)`;
                    throw new WholeMessageError(`${spec.type}: ${reason}`, inputError(spec.system, reason, name));
                }
            }
            const client = configNode.getClient();
            const timeoutMs = num(msg.requestTimeout) ?? nodeTimeoutMs;
            // A vendor's words quoted in a warning (an error listed for no record) may echo the request: no secret.
            const warn: EndpointContext<C>['warn'] = (text) => node.warn(client.withoutSecrets(typeof text === 'string' ? text : _(text.key, text.vars)));
            const request: RequestContext = {
                signal,
                timeoutMs,
                onBackoff: (delayMs, err) => status.backingOff(_('runtime.status.retryIn', { code: err.code, seconds: Math.ceil(delayMs / 1000) })),
                onAccountPaused: (ms) => status.countdown(ms, (seconds) => _('runtime.status.accountPaused', { seconds })),
                refusedSizes: spec.kind === 'write' ? new RefusedSizes() : undefined,
                warn,
            };
            const ctx: EndpointContext<C> = {
                client,
                request,
                signal,
                msg,
                progress: (text) => status.working(typeof text === 'string' ? text : _(text.key, text.vars)),
                warn,
            };
            if (spec.kind === 'query') {
                if (mark && watermarkEnd !== undefined && def.watermarkCommit === 'ack') {
                    const committed = mark;
                    const end = watermarkEnd;
                    let release!: () => void;
                    const settled = new Promise<void>((resolve) => (release = resolve));
                    const ack: AckWait = { ackRun: undefined as unknown as AckRun, settled, release, committing: false };
                    // A msg this run emits may be copied down several wires, or made into several msgs: each must be accounted for.
                    followTickets(RED.hooks);
                    ack.ackRun = openAckRun(
                        () => {
                            ack.committing = true;
                            if (ack.timer) clearTimeout(ack.timer);
                            committed
                                .set(end)
                                .catch((err) => node.error(`${spec.type}: ${err.message} (the watermark stays where it was, so the next run reads these records again)`))
                                .finally(release);
                        },
                        () => {
                            node.warn(_('runtime.warn.cutOff', { type: spec.type }));
                            abandonWait(ack);
                        },
                    );
                    if (run) run.ack = ack;
                    let complete: boolean;
                    try {
                        complete = await runQuery(spec, ctx, params, msg, send, passOn ? [ack.ackRun, passOn] : [ack.ackRun]);
                    } catch (err) {
                        abandonWait(ack);
                        throw err;
                    }
                    if (complete) ack.ackRun.seal();
                    else abandonWait(ack);
                } else {
                    const complete = await runQuery(spec, ctx, params, msg, send, passOn ? [passOn] : []);
                    if (mark && watermarkEnd !== undefined && complete) {
                        try {
                            await mark.set(watermarkEnd);
                        } catch (err) {
                            // The records are out already: Catch learns that they will come again.
                            const reason = `${(err as Error).message} (the records were sent; the watermark stays where it was, so the next run reads these records again)`;
                            throw new WholeMessageError(`${spec.type}: ${reason}`, new ConnectorError({ system: spec.system, kind: 'transient', code: 'WATERMARK_STORE', message: reason }));
                        }
                    }
                }
            } else if (spec.kind === 'write') {
                await runWrite(spec, ctx, params, msg, send);
            } else {
                await runAction(spec, ctx, params, msg, send);
            }
        }

        /** Resolves false when the record cap stopped the read before the end of its window. */
        async function runQuery(qs: QuerySpec<C>, ctx: EndpointContext<C>, params: Record<string, any>, msg: Msg, send: Send, ackRuns: AckRun[]): Promise<boolean> {
            // With a ticket per emitted msg (one per run) when a watermark waits for the writes.
            const emit = (payload: unknown, extra: Msg) => {
                const out = derive(RED, msg, payload, extra);
                if (ackRuns.length > 0) out[ACK_PROPERTY] = ackRuns.length === 1 ? ackRuns[0].issue(out) : ackRuns.map((r) => r.issue(out));
                send([out, null]);
            };
            const mode: OutputMode = (['all', 'page', 'record'] as const).includes(msg.outputMode) ? msg.outputMode : nodeOutputMode;
            const cap = num(msg.maxRecords) ?? maxRecords ?? Infinity;
            const collected: unknown[] = [];
            let count = 0;
            let pages = 0;
            let complete = false;
            const iterator = qs.query(ctx, params)[Symbol.asyncIterator]();
            // The next page, or undefined at the end. Read in a function of its own and let go of after it is sent, so
            // a page is not held here while the next one is read (nodes/core/paging.ts explains why).
            const nextPage = async () => {
                try {
                    const next = await iterator.next();
                    return next.done ? undefined : next.value;
                } catch (err) {
                    const ce = queryTooLarge(toConnectorError(err, qs.system), params);
                    const where = mode === 'all' ? '' : ` (after ${count} records in ${pages} pages already sent)`;
                    throw new WholeMessageError(`${qs.type}: ${ce.message}${where}`, ce);
                }
            };
            let page: { records: unknown[]; total?: number } | undefined;
            let records: unknown[] | undefined;
            // Records were left unread on a page the cap cut.
            let cut = false;
            // The run was abandoned mid-read (a msg of it cut off downstream by a deploy): the rest of the window is
            // the next run's to read. Sent on, each record of it would be written now and again then.
            const abandoned = () => ackRuns.some((r) => !r.open);
            let stopped = false;
            try {
                while (count < cap) {
                    // Asked before a page is asked for and once it is in (the run may end while it is read).
                    if (abandoned()) {
                        stopped = true;
                        break;
                    }
                    page = await nextPage();
                    if (page === undefined) {
                        complete = true;
                        break;
                    }
                    if (abandoned()) {
                        stopped = true;
                        break;
                    }
                    cut = count + page.records.length > cap;
                    records = cut ? page.records.slice(0, cap - count) : page.records;
                    pages++;
                    const first = count;
                    count += records.length;
                    const meta = { page: pages, first, count: records.length, total: page.total };
                    if (mode === 'all') {
                        for (const r of records) collected.push(r);
                    } else if (mode === 'page') {
                        emit(records, { page: meta });
                    } else {
                        for (let i = 0; i < records.length; i++) emit(records[i], { page: { ...meta, index: first + i } });
                    }
                    status.working(_('runtime.status.pageRecords', { page: pages, records: count }));
                    page = records = undefined;
                }
                // The cap reached on a page's last record: whether anything follows is known only by asking. A window
                // holding exactly the cap would otherwise count as cut short, and its watermark would never move.
                if (!complete && !cut && !stopped && watermark) complete = (await nextPage()) === undefined;
            } finally {
                // Stop the vendor paging (cap reached, run abandoned or error): releases its generator.
                await iterator.return?.();
            }
            if (stopped) {
                node.warn(_('runtime.warn.readStopped', { type: qs.type, records: count, pages }));
                status.done(_('runtime.status.recordsPages', { records: count, pages }), true);
                return false;
            }
            if (mode === 'all') emit(collected, { count, pages });
            // Records after the cap were never read: moving the watermark past them would skip them for good. The
            // next run reads from the same start: a cap kept below what a run reads reads the same records for ever,
            // so the run shows yellow, not as a sync that went well.
            const capped = !complete && !!watermark;
            status.done(_('runtime.status.recordsPages', { records: count, pages }), capped);
            if (capped) node.warn(_('runtime.warn.capped', { type: qs.type, cap }));
            return complete;
        }

        async function runWrite(ws: WriteSpec<C>, ctx: EndpointContext<C>, params: Record<string, any>, msg: Msg, send: Send): Promise<void> {
            const payload = msg.payload;
            const single = isPlainObject(payload);
            if (!single && !Array.isArray(payload)) {
                const reason = `payload: must be a record object or an array of records (got ${payload === null ? 'null' : typeof payload})`;
                throw new WholeMessageError(`${ws.type}: ${reason}`, inputError(ws.system, reason, 'payload'));
            }
            const records: unknown[] = single ? [payload] : (payload as unknown[]);
            const outcomes: RecordOutcome[] = new Array(records.length);
            const valid: number[] = [];
            records.forEach((record, i) => {
                if (validateRecord!(record)) {
                    // NaN would go as null (a blank quantity or price the vendor saves as 0), half a character as U+FFFD
                    // or a refused call; neither is a type error to the schema, which leaves most fields unlisted anyway.
                    const unsendable = unsendableValue(record);
                    if (unsendable) outcomes[i] = { ok: false, error: unsendableError(ws.system, unsendable) };
                    else valid.push(i);
                } else {
                    const errors = describeErrors(validateRecord!.errors, single ? '' : `payload[${i}]`);
                    outcomes[i] = { ok: false, error: new ConnectorError({ system: ws.system, kind: 'validation', code: 'INVALID_RECORD', field: errors[0]?.field, message: formatErrors(errors) }) };
                }
            });
            const chunkSize = Math.max(1, num(params.chunkSize) ?? ws.chunkSize);
            let written = 0;
            let mayHaveWritten = false;
            for (let start = 0; start < valid.length; start += chunkSize) {
                const indexes = valid.slice(start, start + chunkSize);
                try {
                    const result = await writeFitting(ws.system, indexes.map((i) => records[i]), (chunk) => ws.writeChunk(ctx, chunk, params));
                    // The vendor answered, so the chunk was sent and may have been written: a count that does not
                    // match sends its records to output 2 marked so, never to Catch, whose replay would write them twice.
                    mayHaveWritten = true;
                    if (result.length !== indexes.length) throw outcomeMismatch(ws.system, result.length, indexes.length);
                    indexes.forEach((i, k) => (outcomes[i] = result[k]));
                    written += indexes.length;
                    status.working(_('runtime.status.saved', { saved: written, total: valid.length }));
                } catch (err) {
                    let reason: ConnectorError;
                    if (err instanceof StoppedMidChunk) {
                        // A request of the chunk failed after one may have been written: it settled its own records.
                        reason = err.reason;
                        indexes.forEach((i, k) => (outcomes[i] = err.outcomes[k] ?? { ok: false, error: notSentError(ws.system, reason, 'an earlier request') }));
                    } else {
                        reason = toConnectorError(err, ws.system);
                        if (!mayHaveWritten && !reason.outcomeUnknown && reason.kind !== 'cancelled') {
                            // Nothing of this message reached the vendor's books: the whole message goes to Catch.
                            throw new WholeMessageError(`${ws.type}: ${reason.message}`, reason);
                        }
                        const failure = sentWriteError(reason);
                        for (const i of indexes) outcomes[i] = { ok: false, error: failure };
                    }
                    for (const i of valid.slice(start + chunkSize)) {
                        outcomes[i] = { ok: false, error: notSentError(ws.system, reason, 'an earlier batch') };
                    }
                    break;
                }
            }
            emitOutcomes(ctx.client, records, outcomes, single, msg, send);
        }

        async function runAction(as: ActionSpec<C>, ctx: EndpointContext<C>, params: Record<string, any>, msg: Msg, send: Send): Promise<void> {
            let answer: Awaited<ReturnType<ActionSpec<C>['run']>>;
            try {
                answer = await as.run(ctx, params);
            } catch (err) {
                const ce = toConnectorError(err, as.system);
                throw new WholeMessageError(`${as.type}: ${ce.message}`, ce);
            }
            send([derive(RED, msg, answer.result), null]);
            const failures = (answer.failures ?? []).map((f) => derive(RED, msg, f.record, { error: ctx.client.redacted(f.error).toMsgError(f.record) }));
            asSequence(RED, failures);
            for (const f of failures) send([null, f]);
            const failed = answer.failures?.length ?? 0;
            status.done(failed ? _('runtime.status.doneFailed', { failed }) : _('runtime.status.done'), failed > 0);
        }

        function emitOutcomes(client: C, records: unknown[], outcomes: RecordOutcome[], single: boolean, msg: Msg, send: Send): void {
            const saved: unknown[] = [];
            const failures: Msg[] = [];
            outcomes.forEach((o, i) => {
                if (o.ok) saved.push(o.result);
                // A vendor's refusal of the record may quote the request back: no secret on output 2 (call() redacts thrown errors only).
                else failures.push(derive(RED, msg, records[i], { error: client.redacted(o.error).toMsgError(records[i]), recordIndex: i }));
            });
            asSequence(RED, failures, single);
            for (const f of failures) send([null, f]);
            const failed = failures.length;
            if (saved.length > 0) send([derive(RED, msg, single ? saved[0] : saved, { count: saved.length }), null]);
            const before = saved.filter(writtenBefore).length;
            tally.add(saved.length - before, failed, before, saved.filter(writtenUnguarded).length);
            const counts = { ok: tally.ok, already: tally.already, failed: tally.failed };
            const text = _(tally.already > 0 ? 'runtime.status.okAlreadyFailed' : 'runtime.status.okFailed', counts);
            const unguarded = tally.unguarded > 0 ? `; ${_('runtime.status.unguarded', { n: tally.unguarded })}` : '';
            status.done(text + unguarded, tally.failed > 0 || tally.unguarded > 0);
            // Cut off by a close, the failures go out of a stopping node, maybe into a stopping flow: said in the log too.
            if (closing && failed > 0) {
                const possibly = outcomes.filter((o) => !o.ok && o.error.possiblyProcessed).length;
                node.warn(_('runtime.warn.closedWithFailures', { type: spec.type, msgid: msg._msgid, failed, possibly }));
            }
        }
    }

    RED.nodes.registerType(spec.type, EndpointNode as any);
}

/** GET /cn-erp/specs/:type → the schemas of an endpoint, for the editor's parameter table, help and the mapper. */
function registerSpecRoute(RED: NodeAPI): void {
    if (specRoutes.has(RED.httpAdmin)) return;
    specRoutes.add(RED.httpAdmin);
    RED.httpAdmin.get('/cn-erp/specs/:type', RED.auth.needsPermission('flows.read'), (req: any, res: any) => {
        const spec = specs.get(String(req.params.type));
        if (!spec) return res.status(404).json({ error: 'unknown node type' });
        res.json({
            type: spec.type,
            kind: spec.kind,
            system: spec.system,
            requestSchema: spec.requestSchema,
            responseSchema: spec.responseSchema ?? null,
            recordSchema: spec.kind === 'write' ? spec.recordSchema : null,
        });
    });
}
