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
    for (const request of requests) {
        const { indexes } = request;
        let answer: RecordOutcome[];
        try {
            answer = await write(request);
        } catch (thrown) {
            const err = toConnectorError(thrown, system);
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
