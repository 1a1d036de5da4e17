/**
 * One login for every caller of an account (ten concurrent requests with no session cause one login), shared by every
 * node using the config:
 *  - it runs under the client's lifetime, not the first caller's: a node closed (redeployed) while the login is in
 *    flight stops waiting for it, while the other nodes' calls still get the session;
 *  - a refused login (kind config: wrong credentials, a locked account) is remembered for a cooldown, doubling with
 *    each refusal in a row up to a maximum (a locked account: the maximum at once), and not sent again meanwhile:
 *    vendors lock or disable an account that keeps logging in with wrong credentials, and a polling flow would
 *    otherwise send one login per msg;
 *  - a refusal of the credentials (`details.credentials`, or `locked`) is remembered for every client sending the
 *    same login (`loginKey`) in this Node-RED — a redeploy, a copy of the config node, each click of the editor's Test
 *    connection (a client of its own each time) — and such clients send it one at a time, as the vendor counts their
 *    failures together: five clicks with a wrong password locked a Kingdee user for half an hour. Other credentials
 *    are another login, tried at once; a restart of Node-RED forgets them. Any other refusal (an unknown data centre)
 *    is the client's own: a redeploy tries at once.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ConnectorError, cancelledError } from './errors';
import { english } from './i18n';
import { monotonicNow } from './retry';

export interface SharedLoginOptions {
    system: string;
    /** Aborted when the client closes: the login in flight is abandoned. */
    lifetime: AbortSignal;
    /** First cooldown after a refused login (ms); doubles with each refusal in a row. */
    cooldownMs?: number;
    maxCooldownMs?: number;
    /** The login as one text, no secret in it (credentialsKey()): its refusals are kept for every client sending it. */
    loginKey: string;
}

interface Refusal {
    error: ConnectorError;
    until: number;
    /** Refusals in a row: the next cooldown doubles with each. */
    count: number;
}

/** Refusals of logins' credentials by loginKey, and the logins being sent, for every client of this Node-RED. */
const refusedLogins = new Map<string, Refusal>();
const loginsInFlight = new Map<string, Promise<unknown>>();

/**
 * `who` (the system, server and user: no secret) and a digest of the credentials the login sends, so that the same
 * login is known again without keeping its secrets: an HMAC under a key of this process, which never leaves it.
 */
export function credentialsKey(who: string, sent: unknown[]): string {
    return `${who} ${createHmac('sha256', processKey).update(JSON.stringify(sent)).digest('base64')}`;
}
const processKey = randomBytes(32);

/** What a login held back by every client's refusal adds to the refusal's text: runtime.test.loginHeld, in English. */
const inEnglish = english();
const heldText = (seconds: number) => inEnglish('runtime.test.loginHeld', { reason: '', seconds });

/**
 * A login not sent because the same credentials were refused (any client's): the refusal's text (redacted as the
 * error is) and the seconds left, for the editor's button to say in its language; undefined for any other error, or
 * when redaction changed the added text (a password that is a word of it).
 */
export function heldLogin(err: ConnectorError): { reason: string; seconds: number } | undefined {
    const seconds = (err.details as { heldForS?: unknown } | undefined)?.heldForS;
    if (typeof seconds !== 'number' || !err.message.endsWith(heldText(seconds))) return undefined;
    return { reason: err.message.slice(0, -heldText(seconds).length), seconds };
}

export class SharedLogin<T> {
    private inFlight: Promise<T> | undefined;
    /** Refused without a loginKey's sharing (not the credentials): this SharedLogin's own. */
    private ownRefusal: Refusal | undefined;
    private readonly cooldownMs: number;
    private readonly maxCooldownMs: number;

    constructor(private readonly options: SharedLoginOptions) {
        this.cooldownMs = options.cooldownMs ?? 60000;
        this.maxCooldownMs = options.maxCooldownMs ?? 30 * 60000;
    }

    /** Forgets the refusals kept for the clients of this Node-RED, as a restart does. */
    static forgetRefusals(): void {
        refusedLogins.clear();
    }

    /** The login's result, logging in if no login is in flight; `signal` ends this caller's wait only. */
    run(login: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
        const held = this.holding();
        if (held) return Promise.reject(this.heldError(held));
        if (!this.inFlight) {
            this.inFlight = this.logIn(login).finally(() => {
                this.inFlight = undefined;
            });
        }
        return signal ? waitUnlessAborted(this.inFlight, signal, this.options.system) : this.inFlight;
    }

    get busy(): boolean {
        return this.inFlight !== undefined;
    }

    /**
     * Resolves once the login in flight, if any, has settled (either way), or when `signal` aborts: a closing client
     * waits for the session a login already sent opens, to end it.
     */
    settled(signal: AbortSignal): Promise<void> {
        if (!this.inFlight) return Promise.resolve();
        return waitUnlessAborted(this.inFlight, signal, this.options.system).then(
            () => undefined,
            () => undefined,
        );
    }

    /**
     * Sends the login once no other client is sending the same one (two copies of a config node starting together,
     * a click of Test connection while a flow logs in): its refusal holds this one too, unsent.
     */
    private async logIn(login: (signal: AbortSignal) => Promise<T>): Promise<T> {
        const { loginKey: key, lifetime, system } = this.options;
        for (let other = loginsInFlight.get(key); other; other = loginsInFlight.get(key)) {
            await waitUnlessAborted(other, lifetime, system).catch(() => undefined);
            if (lifetime.aborted) throw cancelledError(system);
        }
        const held = this.holding();
        if (held) throw this.heldError(held);
        const attempt = login(lifetime).then(
            (result) => {
                this.ownRefusal = undefined;
                refusedLogins.delete(key);
                return result;
            },
            (err: unknown) => {
                if (err instanceof ConnectorError && err.kind === 'config') this.refused(err);
                throw err;
            },
        );
        loginsInFlight.set(key, attempt);
        try {
            return await attempt;
        } finally {
            if (loginsInFlight.get(key) === attempt) loginsInFlight.delete(key);
        }
    }

    private heldError(held: Refusal): ConnectorError {
        // On the monotonic clock: NTP setting the clock back would lengthen a cooldown by the step.
        const wait = Math.ceil((held.until - monotonicNow()) / 1000);
        if (held === this.ownRefusal) return held.error.copyWith({ message: `${held.error.message}; not tried again for ${wait} s (redeploy after fixing the settings to try at once)` });
        const details = { ...(held.error.details as object | undefined), heldForS: wait };
        return held.error.copyWith({ message: held.error.message + heldText(wait), details });
    }

    /** The refusal in force for this login: of its credentials (every client's), or this client's own. */
    private holding(): Refusal | undefined {
        const now = monotonicNow();
        const shared = refusedLogins.get(this.options.loginKey);
        if (shared && now < shared.until) return shared;
        return this.ownRefusal && now < this.ownRefusal.until ? this.ownRefusal : undefined;
    }

    private refused(error: ConnectorError): void {
        const now = monotonicNow();
        const details = error.details as { locked?: boolean; credentials?: boolean } | undefined;
        const locked = details?.locked === true;
        // The credentials refused (or the account locked): the vendor counts that failure whoever sends them. Any other
        // refusal (an unknown data centre, a clock, a page that is not the login's answer) is this client's: a
        // redeploy, once the server or clock is put right, tries at once.
        const shared = locked || details?.credentials === true;
        // A login not refused again within the longest cooldown after its last counts afresh (and is not kept).
        const fresh = (r: Refusal | undefined) => (r && now - r.until <= this.maxCooldownMs ? r : undefined);
        for (const [k, r] of refusedLogins) if (!fresh(r)) refusedLogins.delete(k);
        const count = fresh(shared ? refusedLogins.get(this.options.loginKey) : this.ownRefusal)?.count ?? 0;
        const cooldown = locked ? this.maxCooldownMs : Math.min(this.maxCooldownMs, this.cooldownMs * 2 ** count);
        const refusal = { error, until: now + cooldown, count: count + 1 };
        if (shared) refusedLogins.set(this.options.loginKey, refusal);
        else this.ownRefusal = refusal;
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
