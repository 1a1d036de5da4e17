/** Waiting in tests: for a time, or until a condition holds. */

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `everyMs` until it gives a truthy value, which it returns; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10000, everyMs = 10): Promise<T> {
    const started = Date.now();
    for (;;) {
        const v = await check();
        if (v) return v;
        if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await sleep(everyMs);
    }
}
