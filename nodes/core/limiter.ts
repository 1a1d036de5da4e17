/**
 * One limiter per vendor account, shared by every node using it: at most `rps` requests started per second (evenly
 * spaced, so a burst never exceeds what the vendor counts in any one second) and at most `concurrency` in flight. A
 * rate-limit answer pauses the whole account via `pause()`.
 *
 * Config nodes of one account (a duplicated one, a flow imported with its own copy, one inside a subflow used twice)
 * share one: `Limiter.forAccount` gives each a handle onto the account's, which applies the strictest of their
 * settings and lives while any of them does.
 */
import { cancelledError } from './errors';
import { MAX_TIMER_MS, monotonicNow } from './retry';

/** A config node's rate and concurrency, as the limiter takes them and as told when two of one account differ. */
export interface Limits {
    /** Requests started per second; 0 or less = unlimited. */
    rps: number;
    /** Requests in flight at once; 0 or less = unlimited. */
    concurrency: number;
}

export interface LimiterOptions extends Limits {
    system?: string;
    /**
     * Takes the account's settings while a config node has it (the editor's connection test, with the dialog's values
     * not yet deployed: a rate typed there must not slow the running flows); its own apply to an account of guests only.
     */
    guest?: boolean;
}

/** What `Limiter.forAccount` tells a config node joining an account whose other config nodes are set otherwise. */
export interface LimitsDiffer {
    /** The joining one's. */
    own: Limits;
    /** Another config node's of the account. */
    other: Limits;
    /** What the account's limiter applies now: the strictest of all. */
    applied: Limits;
}

/**
 * A request waiting for its turn. When it starts it lets go of everything (start becomes undefined): an abort
 * listener, even removed, can point to its waiter until V8 collects the listener, and a waiter still holding its
 * callbacks would hold the request's answer with them (see schedule()).
 */
interface Waiter {
    /** `previous`: when the next start was due before this one took its slot. */
    start?: (previous: number) => void;
    reject?: (err: Error) => void;
    signal?: AbortSignal;
    onAbort?: () => void;
    /** The handle it was queued through: only its own waiters are rejected when it closes. */
    owner?: Limiter;
    /** Told of a pause set while it waits (its node's status says "account paused", not "…"). */
    onPaused?: (ms: number) => void;
}

/** Rejects a waiter taken out of the queue, dropping its abort listener. */
function rejectWaiter(w: Waiter, err: Error): void {
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
    w.reject?.(err);
}

/** The limit a setting sets, 0 or less meaning none. */
const bound = (n: number) => (n > 0 ? n : Infinity);

/** The strictest of the settings (the lowest limit; 0 = unlimited loses to any). */
function strictest(all: Limits[]): Limits {
    const rps = Math.min(...all.map((l) => bound(l.rps)));
    const concurrency = Math.min(...all.map((l) => bound(l.concurrency)));
    return { rps: rps === Infinity ? 0 : rps, concurrency: concurrency === Infinity ? 0 : concurrency };
}

/** The accounts whose config nodes share a limiter, by key (system and account, no secret). */
const accounts = new Map<string, Account>();

/**
 * What an account's limiter still owed the vendor when its last config node closed, by key: when its last request
 * started and until when a rate-limit answer holds it. A deploy closes every config node it restarts before it starts
 * the new ones; without this the new ones would send at once, inside the old interval and through the vendor's pause
 * (a storm of rate-limit answers at 3 a.m., redeployed into). Kept only while it still holds something back.
 */
const leftBehind = new Map<string, { intervalMs: number; nextStartAt: number; pausedUntil: number }>();

/** The state every handle onto one account shares: the spacing, the pause, the requests in flight and the queue. */
class Account {
    intervalMs = 0;
    concurrency = Infinity;
    nextStartAt = 0;
    pausedUntil = 0;
    active = 0;
    readonly queue: Waiter[] = [];
    timer: NodeJS.Timeout | undefined;
    /** The handles using it, each with its config node's settings. */
    readonly members = new Map<Limiter, Limits & { guest?: boolean }>();

    constructor(readonly key?: string) {
        const now = monotonicNow();
        for (const [k, left] of leftBehind) if (Math.max(left.pausedUntil, left.nextStartAt) <= now) leftBehind.delete(k);
        const left = key === undefined ? undefined : leftBehind.get(key);
        if (left) {
            // As if the old members had left one by one: update() moves the next start to the new members' interval.
            leftBehind.delete(key!);
            Object.assign(this, left);
        }
    }

    /** The last member left: what the next account of this key must still keep to (see leftBehind). */
    leave(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        if (this.key === undefined || accounts.get(this.key) !== this) return;
        accounts.delete(this.key);
        if (Math.max(this.pausedUntil, this.nextStartAt) > monotonicNow()) {
            leftBehind.set(this.key, { intervalMs: this.intervalMs, nextStartAt: this.nextStartAt, pausedUntil: this.pausedUntil });
        }
    }

    /** Applies the strictest settings of the members (one joined or left) and starts what they now allow. */
    update(): void {
        const all = [...this.members.values()];
        const hosts = all.filter((m) => !m.guest);
        const applied = strictest(hosts.length > 0 ? hosts : all);
        const intervalMs = applied.rps > 0 ? 1000 / applied.rps : 0;
        // The next start keeps its distance from the last one at the new interval: a stricter member joining must
        // not let the next call out at the old, shorter spacing.
        if (intervalMs !== this.intervalMs) {
            if (this.nextStartAt > 0) this.nextStartAt += intervalMs - this.intervalMs;
            this.intervalMs = intervalMs;
            if (this.timer) clearTimeout(this.timer);
            this.timer = undefined;
        }
        this.concurrency = bound(applied.concurrency);
        this.drain();
    }

    /** Starts what the rate and concurrency allow; `timerFired` when the rate timer woke it for the next slot. */
    drain(timerFired = false): void {
        if (this.timer) return;
        while (this.queue.length > 0 && this.active < this.concurrency) {
            const now = monotonicNow();
            const startAt = Math.max(this.nextStartAt, this.pausedUntil);
            if (startAt > now) {
                // Capped: a longer delay (a pause for a Retry-After of weeks) would fire after 1 ms, and again, and again.
                this.timer = setTimeout(() => {
                    this.timer = undefined;
                    this.drain(true);
                }, Math.min(startAt - now, MAX_TIMER_MS));
                return;
            }
            const waiter = this.queue.shift()!;
            const start = waiter.start!;
            if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
            waiter.start = waiter.reject = waiter.onAbort = waiter.signal = waiter.owner = waiter.onPaused = undefined;
            // Space starts evenly. The start the rate timer woke keeps the slot it waited for, so a timer firing a
            // little late does not slow the rate (no drift). Any other start counts from now: a request arriving (or
            // freed by the concurrency bound) just after a slot would otherwise start just before the next one, two
            // requests within one interval; after an idle period nothing is banked either.
            const base = timerFired && now - startAt < this.intervalMs ? startAt : now;
            timerFired = false;
            const previous = this.nextStartAt;
            this.nextStartAt = base + this.intervalMs;
            start(previous);
        }
    }
}

export class Limiter {
    private readonly account: Account;
    private readonly system: string;

    /**
     * A limiter of its own, or with `key` (see forAccount) a handle onto the account's, made with the first handle
     * and ended with the last one closing. A redeploy (every handle closed, then new ones made) so starts a new one,
     * which keeps to what the old one still held back: a rate-limit pause, and the interval since its last start.
     */
    constructor(options: LimiterOptions, key?: string) {
        this.system = options.system ?? 'core';
        let account = key === undefined ? undefined : accounts.get(key);
        if (!account) {
            account = new Account(key);
            if (key !== undefined) accounts.set(key, account);
        }
        this.account = account;
        account.members.set(this, { rps: options.rps, concurrency: options.concurrency, guest: options.guest });
        account.update();
    }

    /**
     * A handle onto the limiter of the account `key` names (the system and who the vendor counts requests against,
     * no secret), shared by the clients of every config node of that account: it applies the strictest of their
     * settings. `differs` hears when another config node of the account is set otherwise than `options`.
     */
    static forAccount(key: string, options: LimiterOptions, differs?: (limits: LimitsDiffer) => void): Limiter {
        const own = strictest([options]);
        const others = [...(accounts.get(key)?.members.values() ?? [])].filter((m) => !m.guest).map((l) => strictest([l]));
        const other = others.find((l) => l.rps !== own.rps || l.concurrency !== own.concurrency);
        const limiter = new Limiter(options, key);
        if (other && !options.guest) differs?.({ own, other, applied: strictest([own, ...others]) });
        return limiter;
    }

    /** Forgets what accounts no config node has any more kept for the next one (leftBehind), as a restart does. */
    static forgetClosedAccounts(): void {
        leftBehind.clear();
    }

    /**
     * Runs `fn` when the rate and concurrency allow; rejects with a cancelled error if `signal` aborts first. A failure
     * `unsent` says sent nothing (a body refused before sending) gives its slot back to the next call. `first` queues
     * it ahead of the calls already waiting. `onPaused` is told of a pause of a second or more set while it waits.
     */
    schedule<T>(fn: () => Promise<T>, signal?: AbortSignal, unsent?: (err: unknown) => boolean, first = false, onPaused?: (ms: number) => void): Promise<T> {
        if (signal?.aborted) return Promise.reject(cancelledError(this.system));
        const a = this.account;
        return new Promise<T>((resolve, reject) => {
            const waiter: Waiter = {
                reject,
                owner: this,
                onPaused,
                start: (previous) => {
                    a.active++;
                    const taken = a.nextStartAt;
                    const failed = (err: unknown) => {
                        // Unless a later call took the slot after it: the next start is due as if this one never started.
                        if (unsent?.(err) && a.nextStartAt === taken) {
                            a.nextStartAt = previous;
                            if (a.timer) clearTimeout(a.timer);
                            a.timer = undefined;
                        }
                        reject(err);
                    };
                    fn().then(resolve, failed).finally(() => {
                        a.active--;
                        a.drain();
                    });
                },
            };
            if (first) a.queue.unshift(waiter);
            else a.queue.push(waiter);
            a.drain();
            // An abort listener only while the request waits (most start at once), made outside this closure: one
            // made here reaches `resolve` and so the answer, and a listener per request on a run's long-lived signal
            // kept the answers of a long read alive through V8's young collections (jackyun paging: 6 MB surviving
            // each instead of 0.6, 15 ms pauses instead of 3, +12 MB peak RSS).
            if (signal && waiter.start) this.cancelOnAbort(waiter, signal);
        });
    }

    /** Takes `waiter` out of the queue and rejects it if `signal` aborts before it starts. */
    private cancelOnAbort(waiter: Waiter, signal: AbortSignal): void {
        waiter.signal = signal;
        waiter.onAbort = () => {
            const i = this.account.queue.indexOf(waiter);
            if (i >= 0) {
                this.account.queue.splice(i, 1);
                waiter.reject?.(cancelledError(this.system));
            }
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
    }

    /**
     * Holds every new start of the account for `ms` (a vendor said "too many requests"). The calls already waiting, of
     * every node of the account, are told (their nodes say so) — or, with `refuse` (a pause too long to wait out),
     * rejected with its error: nothing of them was sent.
     */
    pause(ms: number, refuse?: (leftMs: number) => Error): void {
        const a = this.account;
        a.pausedUntil = Math.max(a.pausedUntil, monotonicNow() + ms);
        a.drain();
        const left = this.pausedFor();
        if (refuse) {
            for (const w of a.queue.splice(0)) rejectWaiter(w, refuse(left));
        } else if (left >= 1000) {
            for (const w of [...a.queue]) w.onPaused?.(left);
        }
    }

    /** How long new starts are still held by a pause (0 when none). */
    pausedFor(): number {
        return Math.max(0, this.account.pausedUntil - monotonicNow());
    }

    /** Requests of the account waiting for their turn. */
    get pending(): number {
        return this.account.queue.length;
    }

    /** Requests of the account in flight. */
    get inFlight(): number {
        return this.account.active;
    }

    /** Rejects this handle's requests still queued, never another config node's. */
    cancelQueued(): void {
        const a = this.account;
        const mine = a.queue.filter((w) => w.owner === this);
        for (let i = a.queue.length - 1; i >= 0; i--) if (a.queue[i].owner === this) a.queue.splice(i, 1);
        for (const w of mine) rejectWaiter(w, cancelledError(this.system));
    }

    /**
     * Rejects this handle's requests still queued (its config node closing), never another config node's, and leaves
     * the account: the others' settings apply from now; the last one leaving ends it.
     */
    close(): void {
        this.cancelQueued();
        const a = this.account;
        if (!a.members.delete(this)) return;
        if (a.members.size > 0) return a.update();
        a.leave();
    }
}
