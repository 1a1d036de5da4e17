/**
 * The retry policy by error kind, once for every client (design.md "Errors are classified"):
 * transient and rate-limit get bounded exponential backoff with full jitter (Retry-After honoured),
 * auth gets exactly one re-authentication and one replay, everything else fails at once.
 * A write is sent again only when the server certainly did not act on it (error.safeToRepeat) or the
 * endpoint is idempotent by key: a duplicated bill is worse than a visible failure.
 */
import { ConnectorError, cancelledError, toConnectorError } from './errors';
import { chinaTimeText } from './time';
import { english, type Text } from './i18n';

const inEnglish = english();

export interface RetryPolicy {
    /** Further attempts after the first, for transient and rate-limit errors. */
    maxRetries: number;
    baseDelayMs: number;
    maxDelayMs: number;
    /**
     * The longest wait a vendor's rate-limit answer is waited out for (its Retry-After, a Qimen ban's seconds). A
     * longer one (a daily quota spent, a ban for hours) fails the call at once, saying until when, while the account
     * stays paused that long: held in flight, the msg looked hung with nothing at Catch, and every later msg queued
     * behind it to go out together when the ban ended.
     */
    longestWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30000, longestWaitMs: 15 * 60000 };

export interface RetryOptions {
    system: string;
    policy?: Partial<RetryPolicy>;
    signal?: AbortSignal;
    /** The call changes data on the server. */
    write?: boolean;
    /** Sending the same write twice cannot create a second record. */
    idempotent?: boolean;
    /** Called once on an auth error before the single replay (log in again). */
    reauthenticate?: (err: ConnectorError) => Promise<void>;
    /** Called before each wait, for status ("backing off 2 s"). */
    onBackoff?: (delayMs: number, err: ConnectorError, attempt: number) => void;
    /** Called on a rate-limit answer so the shared limiter pauses everyone on the account; false: it did not pause it. */
    onRateLimited?: (delayMs: number, err: ConnectorError) => unknown;
    /** Random source for jitter (tests). */
    random?: () => number;
}

export function backoffDelay(attempt: number, policy: RetryPolicy, err: ConnectorError, random: () => number = Math.random): number {
    const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
    const jittered = Math.round(cap / 2 + random() * (cap / 2));
    return err.retryAfterMs !== undefined ? Math.max(err.retryAfterMs, jittered) : jittered;
}

export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
    let retries = 0;
    let reauthenticated = false;
    for (let n = 0; ; n++) {
        if (options.signal?.aborted) throw cancelledError(options.system);
        let err: ConnectorError;
        try {
            return await attempt(n);
        } catch (e) {
            err = toConnectorError(e, options.system);
        }
        if (err.kind === 'cancelled' || !err.retryable) throw err;
        if (options.write && !options.idempotent && !err.safeToRepeat) throw err;
        // A write cut off while its body was being sent may be too large for the server: sent again as it is, it would
        // be cut off again. The write kit sends its records again in smaller requests instead (write.ts).
        if (options.write && err.code === 'RESET_WHILE_SENDING') throw err;
        if (err.kind === 'auth') {
            if (reauthenticated || !options.reauthenticate) throw err;
            reauthenticated = true;
            try {
                await options.reauthenticate(err);
                continue;
            } catch (e) {
                // The re-login itself failed. Nothing of the call was sent meanwhile, so a transient or rate-limit
                // failure of it is backed off and retried like any other (the next attempt logs in first).
                err = toConnectorError(e, options.system);
                if (err.kind !== 'transient' && err.kind !== 'rate-limit') throw err;
            }
        }
        const delay = backoffDelay(retries, policy, err, options.random);
        // The account's limiter pauses even when this call gives up: the next call must not go out at once into the
        // storm the vendor asked us to wait out.
        const paused = err.kind === 'rate-limit' && options.onRateLimited?.(delay, err) !== false;
        if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.longestWaitMs) throw notWaited(err, policy.longestWaitMs, paused);
        if (retries >= policy.maxRetries) throw err.copyWith({ message: `${err.message} (gave up after ${n + 1} attempts)`, cause: err });
        retries++;
        options.onBackoff?.(delay, err, retries);
        await sleep(delay, options.signal, options.system);
    }
}

/**
 * A rate-limit error whose wait is longer than the longest waited out: said so, with until when (still retryable).
 * `paused`: the account was paused for it (not for a 503's Retry-After, nor a client's own limit on logins): only then
 * are its other calls said to fail until then.
 */
export function notWaited(err: ConnectorError, longestWaitMs: number, paused = true): ConnectorError {
    // Said once, however many calls it passes up through (a lookup inside a write); a call the account's pause kept
    // from being sent (core/client.ts ACCOUNT_PAUSED) says it itself.
    if (saidNotWaited.has(err) || err.code === 'ACCOUNT_PAUSED') return err;
    // The wait in a text of the catalog too, which the node's status shows (in the editor's language) in place of the
    // message: after the vendor's words, the message's "until when" is past the 80 characters a status keeps.
    const vars = { seconds: Math.ceil(err.retryAfterMs! / 1000), until: chinaTimeText(Date.now() + err.retryAfterMs!), minutes: Math.round(longestWaitMs / 60000) };
    const text: Text = { key: paused ? 'runtime.error.notWaitedPaused' : 'runtime.error.notWaited', vars };
    const details = err.details !== null && typeof err.details === 'object' ? { ...(err.details as object), text } : { text };
    const said = err.copyWith({ message: `${err.message} (${inEnglish(text.key, text.vars)})`, details, cause: err });
    saidNotWaited.add(said);
    return said;
}
const saidNotWaited = new WeakSet<ConnectorError>();

/** Largest delay a Node.js timer takes (about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2147483647;

/**
 * Milliseconds on a clock that never steps, for waits (a backoff, the limiter's slots and pauses). Date.now is the
 * wall clock: NTP setting it back an hour during a wait made every call of the account wait that hour as well.
 */
export function monotonicNow(): number {
    return performance.now();
}

export function sleep(ms: number, signal?: AbortSignal, system = 'core'): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(cancelledError(system));
        const until = monotonicNow() + ms;
        let timer: NodeJS.Timeout;
        const onAbort = () => {
            clearTimeout(timer);
            reject(cancelledError(system));
        };
        // A wait past what a timer takes (a Retry-After of weeks) is made of several timers, not one firing at once.
        const arm = () => {
            timer = setTimeout(() => {
                if (monotonicNow() < until) return arm();
                signal?.removeEventListener('abort', onAbort);
                resolve();
            }, Math.min(Math.max(0, until - monotonicNow()), MAX_TIMER_MS));
        };
        arm();
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
