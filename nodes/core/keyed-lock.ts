/**
 * Work that holds a set of keys while it runs: work sharing a key with work in progress waits until that work has
 * ended (resolved or failed). A duplicate guard that checks and then saves uses it so that two writes of one record
 * cannot both pass the check: the second checks after the first has saved.
 *
 * Keys are taken all at once, only when none is held, so two pieces of work waiting for each other's keys cannot
 * block one another. A waiter is not cancelled on its own: it waits for the work holding its key, which ends by
 * itself (its requests have timeouts and are cancelled when their node closes).
 */
export class KeyedLock {
    private readonly held = new Set<string>();
    private waiting: Array<() => void> = [];

    async run<T>(keys: Iterable<string>, work: () => Promise<T>): Promise<T> {
        const wanted = [...new Set(keys)];
        while (wanted.some((k) => this.held.has(k))) await new Promise<void>((resolve) => this.waiting.push(resolve));
        for (const k of wanted) this.held.add(k);
        try {
            return await work();
        } finally {
            for (const k of wanted) this.held.delete(k);
            // Every waiter looks again; those whose keys are still held wait once more.
            const wake = this.waiting;
            this.waiting = [];
            for (const resolve of wake) resolve();
        }
    }

    /** Keys held now (tests, status). */
    get size(): number {
        return this.held.size;
    }
}
