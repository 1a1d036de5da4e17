/**
 * A context store module for `settings.contextStorage`, standing in for one a user configures. What it saved outlives
 * the node and Node-RED (by context key: each test using it has one node), as a file or database store's does.
 * `copies`: it keeps JSON text and get hands out a copy, as such stores do; otherwise get hands out the saved object
 * itself, as Node-RED's memory store does. `fail` may refuse a get or a set with an error (a store gone away, a full
 * disk); `setDelayMs` answers saves late, as a store over the network does.
 */
export function fakeContextStore(options: { copies?: boolean; fail?: (op: 'get' | 'set', key: string) => Error | undefined; setDelayMs?: number } = {}) {
    const saved = new Map<string, unknown>();
    const write = (key: string, v: unknown) => saved.set(key, options.copies ? JSON.stringify(v) : v);
    const read = (key: string): any => {
        const v = saved.get(key);
        return options.copies && typeof v === 'string' ? JSON.parse(v) : v;
    };
    const set = (key: string, v: unknown, cb: (err?: Error) => void) => {
        const err = options.fail?.('set', key);
        if (err) return cb(err);
        write(key, v);
        cb();
    };
    const module = () => ({
        open: () => Promise.resolve(),
        close: () => Promise.resolve(),
        get: (_scope: string, key: string, cb: (err?: Error, v?: unknown) => void) => {
            const err = options.fail?.('get', key);
            return err ? cb(err) : cb(undefined, read(key));
        },
        set: (_scope: string, key: string, v: unknown, cb: (err?: Error) => void) => (options.setDelayMs ? setTimeout(() => set(key, v, cb), options.setDelayMs) : set(key, v, cb)),
        keys: (_scope: string, cb: (err?: Error, k?: string[]) => void) => cb(undefined, []),
        delete: () => Promise.resolve(),
        clean: () => Promise.resolve(),
    });
    return { module, read, write, clear: () => saved.clear() };
}
