/**
 * Endpoint specs: what a node file declares. `registerEndpoint()` (endpoint.ts) turns a spec into a Node-RED node
 * type and does all the Node-RED work the same way for every node: parameters, validation, outputs, status,
 * paging modes, chunking, incremental sync, timeouts, cancellation and errors.
 */
import type { ConnectorError } from './errors';
import type { BaseClient, RequestContext } from './client';
import type { Text } from './i18n';

/**
 * A JSON Schema (draft-07 subset as ajv takes it). `title` = Chinese label, `x-title-en` = English label; `description`
 * = Chinese tip, `x-description-en` = English tip; `x-enum-titles` / `x-enum-titles-en` = an enum's option labels, in
 * the order of `enum` (resources/cn-erp-editor.js).
 */
export type JsonSchema = Record<string, unknown>;

/** What every spec function receives. */
export interface EndpointContext<C extends BaseClient = BaseClient> {
    client: C;
    /** Pass to every client call: cancellation on close, the node's timeout, backoff status. */
    request: RequestContext;
    /** Aborted when the node closes (redeploy) while working. */
    signal: AbortSignal;
    /** The input message (read-only; do not mutate). */
    msg: Record<string, unknown>;
    /** Progress for the node status ("page 3"): a text, or a key of the node's catalog shown in Node-RED's language. */
    progress(text: string | Text): void;
    /** A warning in the debug sidebar and log (never put secrets in it); a text or a key, as for progress(). */
    warn(text: string | Text): void;
}

interface SpecBase {
    /** Node type, e.g. `kingdee-bill-query`. */
    type: string;
    /** System id used in errors, e.g. `kingdee`. */
    system: string;
    /** The config node type holding the account, e.g. `kingdee-config`. */
    configType: string;
    /**
     * The parameters: every property is a node setting (TypedInput) that falls back to `msg.params.<name>`
     * (and, for query and action nodes, `msg.payload.<name>`) when left blank. Validated (with type coercion of
     * scalars and schema defaults) before anything is sent.
     */
    requestSchema: JsonSchema;
    /** Shape of the records this node emits on output 1 (help text, mapper source fields). */
    responseSchema?: JsonSchema;
}

/** One page of a paged read. */
export interface QueryPage<R = unknown> {
    records: R[];
    /** Total records across all pages, when the vendor reports it. */
    total?: number;
    /**
     * Set by a pager that knows this page may repeat records emitted well before the last few: a page read again, a
     * total that grew (rows moved while the result was paged), the first page of a time window sharing its start
     * with the previous window's end. dedupeBy checks against its whole window from such a page on.
     */
    mayRepeatEarlier?: true;
}

export interface IncrementalSpec {
    /** Parameter set to the watermark (minus the overlap) on each run, e.g. `startModified`. */
    startParam: string;
    /** Parameter set to the run's start time unless the user gave one, e.g. `endModified`. */
    endParam: string;
    /** Other names the vendor takes for the same end (Jackyun's `modified_end`): a first run keeps the user's end under any. */
    endAliases?: string[];
    /** Epoch ms → the parameter's wire form (e.g. China-time text, ms number). */
    format(ms: number): unknown;
    /**
     * Parameters that make a read leave part of its window out (a first row or page past the start, a cap on the rows),
     * each with the value that reads the whole window. Set otherwise, every incremental run would leave that part
     * unread and move the watermark past it: refused (blank is fine).
     */
    wholeWindow?: Record<string, number>;
    /**
     * Parameters that do not choose which records a window holds (a page size, a paging mode, the vendor's other name
     * for the start): a trigger giving them in msg.params still reads with the node's watermark. Any other parameter
     * the trigger chooses gets a watermark of its own (core readDigest); the window's own parameters never count.
     */
    notFilters?: string[];
    /**
     * Parameters that shape each record without choosing which records a window holds (a field list, the order, a key
     * the rows are ordered by). The watermark belongs to the node's own filter settings (core settingsDigest): edited
     * and deployed again, a filter makes the node read from the user's start; these, like notFilters, keep the
     * watermark. Unlike notFilters, a trigger giving them in msg.params still reads with a watermark of its own: two
     * triggers asking for other fields feed other flows, and sharing one watermark, each would miss what the other read.
     */
    shapeOnly?: string[];
}

export interface QuerySpec<C extends BaseClient = BaseClient> extends SpecBase {
    kind: 'query';
    /** Yields pages lazily; the kit stops pulling when the record cap is reached or the node closes. */
    query(ctx: EndpointContext<C>, params: Record<string, any>): AsyncIterable<QueryPage>;
    /** Present when the node offers incremental sync on a time parameter. */
    incremental?: IncrementalSpec;
}

/** The fate of one record of a write, in input order. */
export type RecordOutcome = { ok: true; result: unknown } | { ok: false; error: ConnectorError };

export interface WriteSpec<C extends BaseClient = BaseClient> extends SpecBase {
    kind: 'write';
    /** Each input record (an element of `msg.payload`) is validated against this before anything is sent. */
    recordSchema: JsonSchema;
    /** Records per request; the node's `chunkSize` parameter (if in requestSchema) overrides it. */
    chunkSize: number;
    /** Sending the same request twice cannot create a second record (enables retry after a timeout). */
    idempotent?: boolean;
    /**
     * Sends one chunk and returns one outcome per record, in the same order. Throw (a ConnectorError) only when the
     * whole chunk failed; the kit then decides between Catch and output 2 (see endpoint.ts).
     */
    writeChunk(ctx: EndpointContext<C>, records: unknown[], params: Record<string, any>): Promise<RecordOutcome[]>;
}

export interface ActionSpec<C extends BaseClient = BaseClient> extends SpecBase {
    kind: 'action';
    /** One call; its result goes to output 1 as `msg.payload`, its `failures` to output 2 one msg each. */
    run(ctx: EndpointContext<C>, params: Record<string, any>): Promise<{ result: unknown; failures?: Array<{ record: unknown; error: ConnectorError }> }>;
}

export type EndpointSpec<C extends BaseClient = BaseClient> = QuerySpec<C> | WriteSpec<C> | ActionSpec<C>;
