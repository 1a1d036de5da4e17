/**
 * Shared pieces of the conservation tests (issue 9): the seed, the fault mixes a vendor API really produces, a
 * sequential driver around the node test helper, and the bookkeeping that checks the promise — at-least-once
 * delivery with idempotent writes: no record lost, none written twice, every failure visible.
 *
 * Messages are sent one after another so that, for a given seed, the simulator sees the same request sequence and
 * draws the same faults on every run (CONSERVATION_SEED=<n> replays another mix). Every assertion message names the
 * seed.
 */
import should from 'should';
import type { Fault, FaultMix, SimRequest, SimServer } from '../sim/harness';
export { seededRandom } from '../sim/harness';
import { run, Msg, RunResult } from '../helpers/nodered';

export type { Msg };

/** The seed of this run: CONSERVATION_SEED or a fixed default per test. */
export function seedFor(defaultSeed: number): number {
    const env = process.env.CONSERVATION_SEED;
    return env !== undefined && env !== '' && Number.isFinite(Number(env)) ? Number(env) >>> 0 : defaultSeed;
}

/** Client timeout (config node `timeout`, seconds) and the simulator delay that outlasts it. */
export const TIMEOUT_S = 0.4;
export const DELAY_MS = 600;
export const MAX_RETRIES = 3;
export const RETRY_BASE_MS = 2;

/** The settings every config node of these tests shares: fast retries, a short timeout, no limiter. */
export const FAST = { rps: 0, concurrency: 0, retryBaseMs: RETRY_BASE_MS, maxRetries: MAX_RETRIES, timeout: TIMEOUT_S };

export interface MixOptions {
    rate?: number;
    /** Requests that may get a fault (default all). */
    match?: (req: SimRequest) => boolean;
    /** The vendor's own rate-limit answer (vendorFault name), drawn at most `rateLimitMax` times. */
    rateLimit?: string;
    rateLimitMax?: number;
    rateLimitMatch?: (req: SimRequest) => boolean;
    /** The vendor's session-expired answer (vendorFault name), at most `sessionMax` times. */
    session?: string;
    sessionMax?: number;
    sessionMatch?: (req: SimRequest) => boolean;
    /** Delays beyond the client timeout, at most this many (each costs a timeout). */
    delayMax?: number;
    delayMatch?: (req: SimRequest) => boolean;
    /** Lost answers of processed requests (reset after processing), at most this many. */
    lostMax?: number;
    lostMatch?: (req: SimRequest) => boolean;
}

/**
 * The faults real vendor APIs produce: 503 (refused before acting), 500/502 (may have acted), connection resets before
 * the server read the request, answers lost after the server acted, answers slower than the client's timeout (acted
 * or not), the vendor's rate-limit answer and its session-expired answer.
 */
export function vendorMix(seed: number, o: MixOptions = {}): FaultMix {
    const faults: FaultMix['faults'] = [
        { fault: { type: 'http', status: 503, body: 'Service Unavailable' }, weight: 3 },
        { fault: { type: 'http', status: 502, body: 'Bad Gateway' }, weight: 2 },
        { fault: { type: 'http', status: 500, body: 'Internal Server Error' }, weight: 1 },
        { fault: { type: 'reset' }, weight: 3 },
        { fault: { type: 'reset-after-processing' }, weight: 2, max: o.lostMax, match: o.lostMatch },
        { fault: { type: 'delay', ms: DELAY_MS, thenProcess: true }, weight: 1, max: o.delayMax ?? 3, match: o.delayMatch },
        { fault: { type: 'delay', ms: DELAY_MS }, weight: 1, max: o.delayMax ?? 3, match: o.delayMatch },
    ];
    if (o.rateLimit) faults.push({ fault: { type: 'vendor', name: o.rateLimit }, weight: 2, max: o.rateLimitMax, match: o.rateLimitMatch });
    if (o.session) faults.push({ fault: { type: 'vendor', name: o.session }, weight: 2, max: o.sessionMax, match: o.sessionMatch });
    return { seed, rate: o.rate ?? 0.15, faults, match: o.match, everyKind: true };
}

/** Faults after which the server certainly did nothing: a write may be sent again. */
export function refusedBeforeActing(f: Fault | undefined, sessionFault?: string, rateFault?: string): boolean {
    if (!f) return false;
    if (f.type === 'http') return f.status === 503 || f.status === 429;
    if (f.type === 'vendor') return f.name === sessionFault || f.name === rateFault;
    return false;
}

/** Sends the msgs one by one (each to completion: done() or Catch) and returns what each produced. */
export async function drive(id: string, msgs: Msg[], outputs: number, timeoutMs = 30000): Promise<RunResult[]> {
    const results: RunResult[] = [];
    for (const m of msgs) results.push(await run(id, m, outputs, timeoutMs));
    return results;
}

/** Waits until requests the simulator delayed have been processed (they outlive the client's timeout). */
export function settle(ms = DELAY_MS + 100): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

/** Counts of values; `dups` lists those seen more than once. */
export function tally<T>(values: T[]): { counts: Map<T, number>; dups: T[] } {
    const counts = new Map<T, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return { counts, dups: [...counts].filter(([, n]) => n > 1).map(([v]) => v) };
}

/** An assertion whose message names the seed (and the first offenders). */
export function expect(ok: boolean, seed: number, what: string, detail: unknown = ''): void {
    if (!ok) throw new Error(`[seed ${seed}] ${what}${detail === '' ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail).slice(0, 600)}`}`);
}

export interface AttemptReport {
    /** Logical calls (requests grouped by what they ask for). */
    calls: number;
    /** Calls that were sent more than once. */
    retried: number;
    /** The most attempts one call took. */
    maxAttempts: number;
}

/**
 * Groups the simulator's requests into logical calls by `key` (the part of a request that stays the same across
 * retries: the body without its per-attempt timestamp and signature) and checks that no call took more attempts than
 * the retry policy allows: 1 + maxRetries, plus one replay after a re-login when the vendor answered session-expired.
 * For writes (`isWrite`), an attempt may follow another only when the earlier one was refused before the server acted.
 */
export function checkAttempts(
    sim: SimServer,
    seed: number,
    options: { key: (r: SimRequest) => string | undefined; isWrite?: (r: SimRequest) => boolean; sessionFault?: string; rateFault?: string; maxRetries?: number; idempotent?: boolean },
): AttemptReport {
    should(sim.requestCount).equal(sim.requests.length, `[seed ${seed}] recordLimit too small to check attempts`);
    const maxRetries = options.maxRetries ?? MAX_RETRIES;
    const groups = new Map<string, SimRequest[]>();
    for (const r of sim.requests) {
        const k = options.key(r);
        if (k === undefined) continue;
        const g = groups.get(k);
        if (g) g.push(r);
        else groups.set(k, [r]);
    }
    let retried = 0;
    let maxAttempts = 0;
    for (const [k, g] of groups) {
        const auth = g.filter((r) => r.fault?.type === 'vendor' && r.fault.name === options.sessionFault).length;
        expect(g.length - Math.min(auth, 1) <= maxRetries + 1, seed, `a call was sent ${g.length} times (maxRetries ${maxRetries}, ${auth} session answers)`, k.slice(0, 300));
        if (g.length > 1) retried++;
        maxAttempts = Math.max(maxAttempts, g.length);
        if (options.isWrite?.(g[0]) && !options.idempotent) {
            for (let i = 0; i < g.length - 1; i++) {
                const f = g[i].fault;
                // Or the simulator turned it away itself (a session another request's fault had ended).
                expect(refusedBeforeActing(f, options.sessionFault, options.rateFault) || g[i].refused !== undefined, seed, `a write was sent again after an answer that leaves its outcome unknown (${JSON.stringify(f ?? 'no fault')})`, k.slice(0, 300));
            }
        }
    }
    return { calls: groups.size, retried, maxAttempts };
}

/**
 * How a write whose outcome is unknown is marked on output 2: msg.error.possiblyProcessed, not retryable (sending it
 * again may write it twice), and the message says so.
 */
export function possiblyProcessed(m: Msg): boolean {
    return m.error?.possiblyProcessed === true && m.error.retryable === false && /may have been processed/.test(String(m.error.message ?? ''));
}

export interface WriteAccount {
    ok: number;
    failed: number;
    caughtMsgs: number;
    unknown: number;
}

/**
 * Checks one write node's run: every record of every msg left exactly once on output 1 or output 2, or its msg went
 * to Catch with nothing emitted for it; the vendor's store holds each record saved on output 1 exactly once, nothing
 * of a caught msg, and a record of output 2 only when it is marked as possibly processed (never twice).
 */
export function checkWrites(
    seed: number,
    msgs: Msg[],
    results: RunResult[],
    keys: { input: (record: any) => string; saved: (result: any) => string },
    stored: Map<string, number>,
): WriteAccount {
    const acc: WriteAccount = { ok: 0, failed: 0, caughtMsgs: 0, unknown: 0 };
    const all: string[] = [];
    msgs.forEach((m, i) => {
        const r = results[i];
        const inKeys: string[] = (Array.isArray(m.payload) ? m.payload : [m.payload]).map(keys.input);
        all.push(...inKeys);
        const out1: string[] = r.outputs[0].flatMap((o) => (Array.isArray(o.payload) ? o.payload : [o.payload])).map(keys.saved);
        const out2: string[] = r.outputs[1].map((o) => keys.input(o.payload));
        if (r.caught) {
            acc.caughtMsgs++;
            expect(out1.length === 0 && out2.length === 0, seed, `msg ${i} went to Catch after emitting records`, { out1: out1.length, out2: out2.length, error: r.caught.error?.message });
            const written = inKeys.filter((k) => (stored.get(k) ?? 0) > 0);
            expect(written.length === 0, seed, `msg ${i} went to Catch although the target holds some of its records`, { written, error: r.caught.error?.message });
            return;
        }
        const seen = tally([...out1, ...out2]);
        expect(seen.dups.length === 0, seed, `msg ${i}: records emitted twice`, seen.dups);
        const missing = inKeys.filter((k) => !seen.counts.has(k));
        expect(missing.length === 0, seed, `msg ${i}: records lost (on neither output, msg not caught)`, missing);
        const extra = [...seen.counts.keys()].filter((k) => !inKeys.includes(k));
        expect(extra.length === 0, seed, `msg ${i}: records emitted that were not sent`, extra);
        for (const k of out1) expect(stored.get(k) === 1, seed, `msg ${i}: record ${k} on output 1 is stored ${stored.get(k) ?? 0} times`);
        for (const o of r.outputs[1]) {
            const k = keys.input(o.payload);
            expect(o.error && typeof o.error.message === 'string' && o.error.system, seed, `msg ${i}: failed record ${k} without msg.error`, o.error);
            const n = stored.get(k) ?? 0;
            if (possiblyProcessed(o)) acc.unknown++;
            expect(n === 0 || (n === 1 && possiblyProcessed(o)), seed, `msg ${i}: record ${k} on output 2 is stored ${n} times (${o.error.kind} ${o.error.code}: ${o.error.message})`);
        }
        acc.ok += out1.length;
        acc.failed += out2.length;
    });
    const input = tally(all);
    expect(input.dups.length === 0, seed, 'test data: input keys must be unique', input.dups);
    for (const [k, n] of stored) expect(n === 1, seed, `record ${k} is stored ${n} times`);
    const strays = [...stored.keys()].filter((k) => !input.counts.has(k));
    expect(strays.length === 0, seed, 'the target holds records nobody sent', strays);
    return acc;
}

/** A query run: the records a msg emitted (flattened over output modes), in order. */
export function emitted(r: RunResult): any[] {
    return r.outputs[0].flatMap((o) => (Array.isArray(o.payload) ? o.payload : [o.payload]));
}

/**
 * Checks one query node's runs: a run that completed emitted exactly the simulator's data set for its window (same
 * records, same order, none twice); a run that went to Catch emitted no record twice and none outside its window.
 */
export function checkQueries(seed: number, runs: Array<{ expected: string[]; result: RunResult }>, key: (record: any) => string): { completed: number; caught: number; records: number; caughtErrors: string[] } {
    let completed = 0;
    let caught = 0;
    let records = 0;
    const caughtErrors: string[] = [];
    runs.forEach(({ expected, result }, i) => {
        const got = emitted(result).map(key);
        const seen = tally(got);
        expect(seen.dups.length === 0, seed, `run ${i}: records emitted twice`, seen.dups);
        if (result.caught) {
            caught++;
            caughtErrors.push(String(result.caught.error?.message));
            const want = new Set(expected);
            const outside = got.filter((k) => !want.has(k));
            expect(outside.length === 0, seed, `run ${i} (caught: ${result.caught.error?.message}): records outside the window`, outside);
            return;
        }
        completed++;
        records += got.length;
        const missing = expected.filter((k) => !seen.counts.has(k));
        expect(missing.length === 0, seed, `run ${i}: ${missing.length} records of the window lost`, missing.slice(0, 20));
        expect(got.length === expected.length, seed, `run ${i}: emitted ${got.length} records, the window holds ${expected.length}`);
        expect(JSON.stringify(got) === JSON.stringify(expected), seed, `run ${i}: records out of the vendor's order`);
    });
    return { completed, caught, records, caughtErrors };
}

/** The faults the simulator handed out, by kind (for the report and to prove the mix was exercised). */
export function faultSummary(sim: SimServer): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { fault } of sim.faultLog) {
        const name = fault.type === 'http' ? `http ${fault.status}` : fault.type === 'vendor' ? fault.name : fault.type === 'delay' ? `delay${fault.thenProcess ? '+processed' : ''}` : fault.type;
        out[name] = (out[name] ?? 0) + 1;
    }
    return out;
}

/** Prints a one-line summary per test (seed, faults, outcome counts) so a failing run can be replayed. */
export function report(title: string, seed: number, sim: SimServer, extra: Record<string, unknown>): void {
    // Every kind of fault of the mix met the node at least once: the test showed it holds under each, whatever the seed.
    expect(sim.undrawnFaults().length === 0, seed, 'faults of the mix never drawn', sim.undrawnFaults());
    if (process.env.CONSERVATION_QUIET) return;
    // eslint-disable-next-line no-console
    console.log(`      [conservation] ${title}: seed ${seed}; ${sim.requestCount} requests; faults ${JSON.stringify(faultSummary(sim))}; ${JSON.stringify(extra)}`);
}
