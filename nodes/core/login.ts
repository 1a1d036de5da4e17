/**
 * One login for every caller of an account (ten concurrent requests with no session cause one login), shared by every
 * node using the config:
 *  - it runs under the client's lifetime, not the first caller's: a node closed (redeployed) while the login is in
 *    flight stops waiting for it, while the other nodes' calls still get the session;
 *  - a refused login (kind config: wrong credentials, a locked account) is remembered for a cooldown, doubling with
 *    each refusal in a row up to a maximum (a locked account: the maximum at once), and not sent again meanwhile:
 *    vendors lock or disable an account that keeps logging in with wrong credentials, and a polling flow would
 *    otherwise send one login per msg. A redeploy (a new client) tries at once.
 */
import { ConnectorError, cancelledError } from './errors';
import { monotonicNow } from './retry';

export interface SharedLoginOptions {
    system: string;
    /** Aborted when the client closes: the login in flight is abandoned. */
    lifetime: AbortSignal;
    /** First cooldown after a refused login (ms); doubles with each refusal in a row. */
    cooldownMs?: number;
    maxCooldownMs?: number;
}

export class SharedLogin<T> {
    private inFlight: Promise<T> | undefined;
    private refused: { error: ConnectorError; until: number } | undefined;
    private refusals = 0;
    private readonly cooldownMs: number;
    private readonly maxCooldownMs: number;

    constructor(private readonly options: SharedLoginOptions) {
        this.cooldownMs = options.cooldownMs ?? 60000;
        this.maxCooldownMs = options.maxCooldownMs ?? 30 * 60000;
    }

    /** The login's result, logging in if no login is in flight; `signal` ends this caller's wait only. */
    run(login: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
        const refused = this.refused;
        // On the monotonic clock: NTP setting the clock back would lengthen a cooldown by the step.
        if (refused && monotonicNow() < refused.until) {
            const wait = Math.ceil((refused.until - monotonicNow()) / 1000);
            return Promise.reject(refused.error.copyWith({ message: `${refused.error.message}; not tried again for ${wait} s (redeploy after fixing the settings to try at once)` }));
        }
        if (!this.inFlight) {
            this.inFlight = login(this.options.lifetime)
                .then(
                    (result) => {
                        this.refused = undefined;
                        this.refusals = 0;
                        return result;
                    },
                    (err: unknown) => {
                        if (err instanceof ConnectorError && err.kind === 'config') {
                            const locked = (err.details as { locked?: boolean } | undefined)?.locked === true;
                            const cooldown = locked ? this.maxCooldownMs : Math.min(this.maxCooldownMs, this.cooldownMs * 2 ** this.refusals);
                            this.refusals++;
                            this.refused = { error: err, until: monotonicNow() + cooldown };
                        }
                        throw err;
                    },
                )
                .finally(() => {
                    this.inFlight = undefined;
                });
        }
        return signal ? waitUnlessAborted(this.inFlight, signal, this.options.system) : this.inFlight;
    }

    get busy(): boolean {
        return this.inFlight !== undefined;
    }
}

/** `promise`, or a cancelled error as soon as `signal` aborts (the promise itself goes on for its other waiters). */
function waitUnlessAborted<T>(promise: Promise<T>, signal: AbortSignal, system: string): Promise<T> {
    if (signal.aborted) return Promise.reject(cancelledError(system));
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(cancelledError(system));
        signal.addEventListener('abort', onAbort, { once: true });
        promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
}
