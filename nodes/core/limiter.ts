/**
 * One limiter per config node (one vendor account), shared by every node using it: at most `rps` requests started
 * per second (evenly spaced, so a burst never exceeds what the vendor counts in any one second) and at most
 * `concurrency` in flight. A rate-limit answer pauses the whole account via `pause()`.
 */
import { cancelledError } from './errors';

export interface LimiterOptions {
    /** Requests started per second; 0 or less = unlimited. */
    rps: number;
    /** Requests in flight at once; 0 or less = unlimited. */
    concurrency: number;
    system?: string;
}

interface Waiter {
    start: () => void;
    reject: (err: Error) => void;
    signal?: AbortSignal;
    onAbort?: () => void;
}

export class Limiter {
    private readonly intervalMs: number;
    private readonly concurrency: number;
    private readonly system: string;
    private nextStartAt = 0;
    private pausedUntil = 0;
    private active = 0;
    private readonly queue: Waiter[] = [];
    private timer: NodeJS.Timeout | undefined;

    constructor(options: LimiterOptions) {
        this.intervalMs = options.rps > 0 ? 1000 / options.rps : 0;
        this.concurrency = options.concurrency > 0 ? options.concurrency : Infinity;
        this.system = options.system ?? 'core';
    }

    /** Runs `fn` when the rate and concurrency allow; rejects with a cancelled error if `signal` aborts first. */
    schedule<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
        if (signal?.aborted) return Promise.reject(cancelledError(this.system));
        return new Promise<T>((resolve, reject) => {
            const waiter: Waiter = {
                signal,
                reject,
                start: () => {
                    this.active++;
                    fn().then(resolve, reject).finally(() => {
                        this.active--;
                        this.drain();
                    });
                },
            };
            if (signal) {
                waiter.onAbort = () => {
                    const i = this.queue.indexOf(waiter);
                    if (i >= 0) {
                        this.queue.splice(i, 1);
                        reject(cancelledError(this.system));
                    }
                };
                signal.addEventListener('abort', waiter.onAbort, { once: true });
            }
            this.queue.push(waiter);
            this.drain();
        });
    }

    /** Holds every new start for `ms` (a vendor said "too many requests"). */
    pause(ms: number): void {
        this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
        this.drain();
    }

    get pending(): number {
        return this.queue.length;
    }

    get inFlight(): number {
        return this.active;
    }

    /** Rejects everything still queued (config node closing). */
    close(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        for (const w of this.queue.splice(0)) {
            if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
            w.reject(cancelledError(this.system));
        }
    }

    private drain(): void {
        if (this.timer) return;
        while (this.queue.length > 0 && this.active < this.concurrency) {
            const now = Date.now();
            const startAt = Math.max(this.nextStartAt, this.pausedUntil);
            if (startAt > now) {
                this.timer = setTimeout(() => {
                    this.timer = undefined;
                    this.drain();
                }, startAt - now);
                return;
            }
            const waiter = this.queue.shift()!;
            if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
            // Space starts evenly. A timer that fired a little late does not shift the schedule (no drift);
            // after an idle period the schedule restarts from now (no banked burst).
            const base = now - this.nextStartAt < this.intervalMs ? this.nextStartAt : now;
            this.nextStartAt = base + this.intervalMs;
            waiter.start();
        }
    }
}
