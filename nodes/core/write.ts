/**
 * The write rules shared by every write node, beside runWrite in endpoint.ts: what a chunk's answer proves, and how a
 * chunk sent in several requests (one per shop, organisation, way of naming the source) settles its records.
 *
 * One rule throughout: once a request may have been written, nothing after a failure is sent, and only the records of
 * the request that failed are in doubt; the records never sent are NOT_SENT, safe to replay.
 */
import { ConnectorError, sentWriteError, toConnectorError } from './errors';
import type { RecordOutcome } from './spec';

/** An answer accounting for fewer (or more) records than were sent: sent, so possibly written, never to Catch. */
export function outcomeMismatch(system: string, answered: number, sent: number): ConnectorError {
    return new ConnectorError({
        system,
        kind: 'business',
        code: 'OUTCOME_MISMATCH',
        message: `the answer accounts for ${answered} of ${sent} records (the request may have been processed: check the target before replaying)`,
        safeToRepeat: false,
        possiblyProcessed: true,
    });
}

/**
 * Thrown by writeInRequests when a request of the chunk failed after one may have been written: `outcomes` holds the
 * records settled so far (the failed request's included); runWrite marks the others, and the rest of the msg, not sent.
 */
export class StoppedMidChunk extends Error {
    constructor(
        readonly outcomes: Array<RecordOutcome | undefined>,
        readonly reason: ConnectorError,
    ) {
        super(reason.message);
        this.name = 'StoppedMidChunk';
    }
}

/**
 * Sends a chunk's records in several requests, in order; `write` sends one request and returns one outcome for each
 * of its `indexes` (positions in the chunk).
 * `outcomes` may already hold records settled without a request (refused before sending); the rest are filled in.
 *
 * A request that fails:
 *  - refused as too large (REQUEST_TOO_LARGE, HTTP 413), or its connection reset before its body was all sent
 *    (RESET_WHILE_SENDING, as some front servers refuse a body over their limit): nothing of it was processed; sent
 *    again as two requests of half its records each (the same request otherwise), down to a single record, which
 *    fails alone, and the next request goes on: a refused body is never sent again as it was (and one at least as
 *    large as bodies the server refused in the msg is refused by the transport without being sent: RefusedSizes);
 *  - refused by the vendor while the chunk has other requests, or while the msg does (`msgHasOthers`: its other
 *    requests fell in other chunks): the refusal is that request's (an unknown shop, organisation…): its records fail
 *    with it and the next request goes on;
 *  - any other failure while no request of the chunk went through: thrown, and the kit decides for the chunk as for a
 *    single request (Catch while nothing of the msg can have been written);
 *  - otherwise (its answer lost, or a failure after a request went through): its records fail with it, marked possibly
 *    processed when its answer was lost, and the msg stops there (StoppedMidChunk).
 */
export async function writeInRequests<R extends { indexes: number[] }>(
    system: string,
    target: string,
    outcomes: Array<RecordOutcome | undefined>,
    requests: R[],
    write: (request: R) => Promise<RecordOutcome[]>,
    msgHasOthers = false,
): Promise<RecordOutcome[]> {
    let wentThrough = false;
    const queue = requests.slice();
    for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
        const { indexes } = request;
        let answer: RecordOutcome[];
        try {
            answer = await write(request);
        } catch (thrown) {
            if (thrown instanceof StoppedMidChunk) {
                // The request was itself sent in parts (writeChunk's own requests) and stopped after one may have been written.
                // Its outcomes must be its records', one each: any other count cannot be matched to them.
                if (thrown.outcomes.length !== indexes.length) {
                    const failure = outcomeMismatch(system, thrown.outcomes.length, indexes.length);
                    for (const i of indexes) outcomes[i] = { ok: false, error: failure };
                    throw new StoppedMidChunk(outcomes, failure);
                }
                indexes.forEach((i, k) => (outcomes[i] = thrown.outcomes[k]));
                throw new StoppedMidChunk(outcomes, thrown.reason);
            }
            const err = toConnectorError(thrown, system);
            if ((err.code === 'REQUEST_TOO_LARGE' || err.code === 'RESET_WHILE_SENDING') && err.safeToRepeat) {
                if (indexes.length === 1) {
                    outcomes[indexes[0]] = { ok: false, error: err.code === 'REQUEST_TOO_LARGE' ? recordTooLarge(err) : err };
                } else {
                    const half = Math.ceil(indexes.length / 2);
                    queue.unshift({ ...request, indexes: indexes.slice(0, half) }, { ...request, indexes: indexes.slice(half) });
                }
                continue;
            }
            if (thrown instanceof ConnectorError && err.kind === 'business' && (requests.length > 1 || msgHasOthers)) {
                for (const i of indexes) outcomes[i] = { ok: false, error: err };
                continue;
            }
            // A lost answer is settled here even for the chunk's first request: the kit would mark the whole chunk.
            if (!wentThrough && !err.outcomeUnknown) throw err;
            const failure = sentWriteError(err, target);
            for (const i of indexes) outcomes[i] = { ok: false, error: failure };
            throw new StoppedMidChunk(outcomes, err);
        }
        wentThrough = true;
        if (answer.length !== indexes.length) {
            const failure = outcomeMismatch(system, answer.length, indexes.length);
            for (const i of indexes) outcomes[i] = { ok: false, error: failure };
            throw new StoppedMidChunk(outcomes, failure);
        }
        indexes.forEach((i, k) => (outcomes[i] = answer[k]));
    }
    return outcomes as RecordOutcome[];
}

/** A record refused with HTTP 413 in a request of its own: fewer records per request cannot help it. */
function recordTooLarge(err: ConnectorError): ConnectorError {
    return err.copyWith({ message: "HTTP 413: this record alone is larger than the server accepts in one request; nothing of it was processed (make it smaller, e.g. split the bill, or ask the server's administrator to raise its request body limit)" });
}

/**
 * A chunk's records sent in one request by `write` (the node's writeChunk), by the rules of writeInRequests: refused
 * as too large, they are sent again in halves, so one oversized bill fails alone and the others of its chunk are written.
 */
export function writeFitting(system: string, records: unknown[], write: (records: unknown[]) => Promise<RecordOutcome[]>): Promise<RecordOutcome[]> {
    const all = { indexes: records.map((_r, i) => i) };
    return writeInRequests(system, 'the target', new Array(records.length), [all], ({ indexes }) => write(indexes.length === records.length ? records : indexes.map((i) => records[i])));
}

/**
 * What a write node works out from its whole msg (the shops of all its trades), once per msg: `ctx` is the msg's (one
 * per msg, the same for each of its chunks), `cache` the node's. Worked out again for every chunk, it made a msg cost
 * its size times its number of chunks (50,000 trades in chunks of 50: 50 million trades looked at).
 */
export function oncePerMsg<T>(cache: WeakMap<object, T>, ctx: object, compute: () => T): T {
    if (!cache.has(ctx)) cache.set(ctx, compute());
    return cache.get(ctx) as T;
}
