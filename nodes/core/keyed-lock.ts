/**
 * Work that holds a set of keys while it runs: work sharing a key with work in progress waits until that work has
 * ended (resolved or failed). A duplicate guard that checks and then saves uses it so that two writes of one record
 * cannot both pass the check: the second checks after the first has saved.
 *
 * Keys are taken all at once, only when none is held, so two pieces of work waiting for each other's keys cannot
 * block one another. A waiter waits for the work holding its key, which ends by itself (its requests have timeouts
 * and are cancelled when their node closes), or until its own `signal` aborts (its node closing: it never started).
 *
 * Work that failed without knowing whether its save was done (no answer in time: the server may still be saving) can
 * keep its keys a while longer (`holdAfter`): the caller gets the error at once, the next check of those keys waits,
 * so it finds what the server finished meanwhile instead of saving it a second time.
 */
import { cancelledError } from './errors';

export class KeyedLock {
    private readonly held = new Set<string>();
    private waiting: Array<() => void> = [];

    /** `system`: the one named by the cancelled error of a waiter whose signal aborted. */
    constructor(private readonly system = 'core') {}

    /**
     * `holdAfter(err)`: milliseconds the keys stay held after `work` failed with `err` (0 or less: none). `signal`
     * aborting while other work holds the keys rejects with a cancelled error, and `work` is never run.
     */
    async run<T>(keys: Iterable<string>, work: () => Promise<T>, holdAfter?: (err: unknown) => number, signal?: AbortSignal): Promise<T> {
        const wanted = [...new Set(keys)];
        while (wanted.some((k) => this.held.has(k))) {
            if (signal?.aborted) throw cancelledError(this.system);
            await new Promise<void>((resolve) => {
                const wake = () => {
                    signal?.removeEventListener('abort', wake);
                    resolve();
                };
                this.waiting.push(wake);
                signal?.addEventListener('abort', wake, { once: true });
            });
        }
        for (const k of wanted) this.held.add(k);
        let holdMs = 0;
        try {
            return await work();
        } catch (err) {
            holdMs = holdAfter?.(err) ?? 0;
            throw err;
        } finally {
            if (holdMs > 0) setTimeout(() => this.release(wanted), Math.min(holdMs, 2147483647)).unref();
            else this.release(wanted);
        }
    }

    private release(keys: string[]): void {
        for (const k of keys) this.held.delete(k);
        // Every waiter looks again; those whose keys are still held wait once more.
        const wake = this.waiting;
        this.waiting = [];
        for (const resolve of wake) resolve();
    }

    /** Keys held now (tests, status). */
    get size(): number {
        return this.held.size;
    }
}
