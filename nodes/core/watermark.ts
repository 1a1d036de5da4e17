/**
 * Incremental sync: a query node remembers up to when it has read (epoch ms) in its node context, in a store the
 * user selects (a persistent or shared store survives restarts). The next run starts from the watermark minus an
 * overlap, to catch records updated late or committed out of order.
 */
import { createHash } from 'crypto';
import type { Node } from 'node-red';
import type { Translate } from './i18n';

/** The node's own read's watermark: epoch ms, as every release kept it. */
const KEY = 'cnErpWatermark';
/**
 * The watermarks of the reads triggers choose (their own msg.params: another shop, another filter), in one object by
 * readDigest: `{ <digest>: { at, used } }`, `at` the epoch ms read up to (null after msg.resetWatermark: from the
 * user's start), `used` when it was last saved. Shared, one node fed by two injects, SHOP01 every half hour and SHOP02
 * every hour, had SHOP01's run move the watermark past SHOP02's records not yet read. One object, kept to the
 * READS_KEPT most recently saved reads, so that a trigger choosing a new read each time (a lookup fed records) does
 * not grow the node's context for ever; the reads let go of leave their lowest mark under DROPPED, from which one of
 * them coming back starts (read again, never skipped).
 */
const READS_KEY = 'cnErpWatermarkReads';
const READS_KEPT = 1000;
/** The entry of READS_KEY holding the lowest mark of the reads let go of (no digest: those are hex). */
const DROPPED = 'dropped';
/**
 * The digest of the node's own filter settings (settingsDigest) its watermarks belong to. Edited and deployed again,
 * the node read the new filter's records only from the old mark: a bill type changed on Monday lost every bill of
 * that type modified before. Absent (kept by an earlier release, or before the first run): the watermarks are kept.
 */
const SETTINGS_KEY = 'cnErpWatermarkSettings';

interface ReadMark {
    at: number | null;
    used: number;
}

/**
 * The digest a read is kept under among the node's reads, or undefined for the node's own read (nothing chosen).
 * `filters` holds the trigger's choices only (no window times, no page size), in any order.
 */
export function readDigest(filters: Record<string, unknown>): string | undefined {
    if (Object.keys(filters).length === 0) return undefined;
    return digestOf(filters);
}

/**
 * The digest of what the node's own settings choose of the records it reads: the config node's id and the account it
 * uses (another account, another database) and the filters set in the node at deploy (no window times, no page size,
 * no field list), in any order. Always a digest, with no filter too: a filter typed in later is a change.
 */
export function settingsDigest(config: string, filters: Record<string, unknown>): string {
    return digestOf({ config, filters });
}

/** 16 hex digits of the SHA-256 of a value as JSON, its objects' keys in order (also what stands for a secret in one). */
export function digestOf(v: unknown): string {
    return createHash('sha256').update(JSON.stringify(sortedKeys(v))).digest('hex').slice(0, 16);
}

/** Objects with their keys in order, at every depth: the same read whatever order its filters were written in. */
function sortedKeys(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(sortedKeys);
    if (v === null || typeof v !== 'object') return v;
    return Object.keys(v).sort().map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]);
}

/**
 * Where Node-RED keeps what a node puts in `store` when settings.js does not define it, or undefined when it does.
 * Node-RED keeps the values of a store it does not know in its default store (one log line, once per store name, at
 * the first use), which with the default settings is memory: the values are then lost on every restart. For the
 * caller's warning, which names what it keeps there and what losing it means: `kept` is how (no contextStorage in
 * settings.js: in memory, also cleared on every deploy that restarts the node; a default store in memory; another
 * default store), `vars` the store, the stores settings.js defines and the default one.
 */
export function undefinedStore(
    contextStorage: unknown,
    store: string | undefined,
): { kept: 'noContextStorage' | 'inMemory' | 'inDefault'; vars: { store: string; stores: string; fallback: string } } | undefined {
    if (!store) return undefined;
    const stores = (contextStorage && typeof contextStorage === 'object' ? contextStorage : {}) as Record<string, any>;
    const names = storeNames(contextStorage);
    if (names.includes(store) || (names.length === 0 && store === 'memory')) return undefined;
    if (names.length === 0) return { kept: 'noContextStorage', vars: { store, stores: '', fallback: '' } };
    // Node-RED's default store: the one named `default` (a name there is an alias), else the first one listed.
    const fallback = typeof stores.default === 'string' ? stores.default : names.includes('default') ? 'default' : names[0];
    return { kept: stores[fallback]?.module === 'memory' ? 'inMemory' : 'inDefault', vars: { store, stores: names.join(', '), fallback } };
}

/**
 * Whether a node's context in the default store is cleared whenever the node stops: settings.js sets no contextStorage,
 * so Node-RED keeps node context in memory and deletes it when the node closes — on every deploy that restarts the
 * node, not only on a restart of Node-RED (with any store configured it does not). An incremental query's watermark
 * there makes the run after each such deploy read again from the user's start.
 */
export function clearedOnDeploy(contextStorage: unknown, store: string | undefined): boolean {
    return storeNames(contextStorage).length === 0 && (!store || store === 'memory');
}

/** The stores settings.js defines (contextStorage's names; `_` is Node-RED's own). */
function storeNames(contextStorage: unknown): string[] {
    return contextStorage && typeof contextStorage === 'object' ? Object.keys(contextStorage).filter((n) => n !== '_') : [];
}

/** A stored watermark the node cannot read from (a context file edited by hand, another value under its key). */
export class UnreadableWatermark extends Error {}

/** A stored value as a warning or an error names it: its type, and a short text for a text or a number. */
function describeStored(value: unknown): string {
    if (typeof value === 'string') return `text (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    if (typeof value === 'number') return `the number ${value}`;
    if (Array.isArray(value)) return 'an array';
    return typeof value === 'object' ? 'an object' : `a ${typeof value} (${String(value)})`;
}

export class Watermark {
    constructor(
        private readonly node: Node,
        private readonly store: string | undefined,
        readonly overlapMs: number,
        /** Node-RED's language for the warning below (a warning is read in the debug sidebar, like the status). */
        private readonly _: Translate,
        /** The read a trigger chose (readDigest), or undefined: the node's own. */
        readonly read?: string,
        /** The digest of the node's settings (checkSettings, unsaved) to store before this watermark is first saved. */
        private readonly settings?: string,
    ) {}

    /**
     * The watermark of the read a trigger's `filters` choose (readDigest), in the same store with the same overlap;
     * `settings`, a digest of the node's settings none is stored for yet (checkSettings), is stored when it is saved.
     */
    forRead(filters: Record<string, unknown>, settings?: string): Watermark {
        return new Watermark(this.node, this.store, this.overlapMs, this._, readDigest(filters), settings);
    }

    /** The store's error, saying what failed in which store (a bare "ENOSPC" or "ECONNREFUSED" names neither). */
    private failed(what: string, err: unknown): Error {
        const where = this.store ? `"${this.store}"` : '(the default store)';
        return new Error(`watermark store ${where}: could not ${what} the watermark: ${err instanceof Error ? err.message : String(err)}`);
    }

    /**
     * Read up to when, or undefined: from the user's start. A read a trigger chose that has none of its own (a new
     * one, or one an earlier release kept in the node's own watermark) starts from the node's own, if any, or from the
     * mark of the reads let go of when that is earlier (it may be one of them).
     */
    async get(): Promise<number | undefined> {
        let dropped: number | undefined;
        if (this.read) {
            const reads = await this.reads();
            const mark = reads[this.read];
            if (mark !== undefined) return this.markAt(mark, this.read);
            if (reads[DROPPED] !== undefined) {
                dropped = this.markAt(reads[DROPPED], DROPPED);
                // One of the reads let go of was to start from the user's start.
                if (dropped === undefined) return undefined;
            }
        }
        const own = await this.own();
        return dropped === undefined ? own : Math.min(dropped, own ?? dropped);
    }

    /** A read's mark as a watermark (null: from the user's start), or the error naming it. */
    private markAt(mark: unknown, read: string): number | undefined {
        const at = (mark as ReadMark | null)?.at;
        if (typeof mark === 'object' && mark !== null && (at === null || (typeof at === 'number' && Number.isFinite(at)))) return at ?? undefined;
        throw this.unreadable(mark, `${READS_KEY}, read ${read}`);
    }

    /** The node's own watermark. */
    private async own(): Promise<number | undefined> {
        const value = await this.load(KEY);
        if (value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value))) return (value as number | null) ?? undefined;
        // Every release stores a number; a context file edited by hand may hold it as text: read as that number.
        if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) {
            const ms = Number(value);
            this.node.warn(this._('runtime.warn.watermarkText', { type: this.node.type, stored: JSON.stringify(value), at: new Date(ms).toISOString() }));
            return ms;
        }
        throw this.unreadable(value, KEY);
    }

    /**
     * Checks the node's own filter settings (settingsDigest) against those its watermarks were saved under. Others
     * (`changed`): every watermark of the node (its own read's and the reads triggers chose) is forgotten, so the read
     * starts from the user's start, and `digest` stored with it, so that a run failing after this does not forget the
     * watermarks it saves later, nor warn again. None stored, with a watermark (an earlier release's): `digest` is
     * stored and the watermark kept; stored now, not with the next watermark, or a filter edited before a run that
     * succeeds would go unseen. None stored and no watermark (a first run): `unsaved`, the digest to store with the
     * first watermark (forRead): a run that saves none leaves nothing behind (and a store that fails to save fails the
     * run after its read, as a failed watermark always did). `earlier`: the same settings' digest as the release before
     * computed it (an account taken otherwise since): stored, the watermarks are kept and `digest` stored instead.
     */
    async checkSettings(digest: string, earlier?: string): Promise<'same' | 'changed' | 'unsaved'> {
        const before = await this.load(SETTINGS_KEY);
        if (before === digest) return 'same';
        if (earlier !== undefined && before === earlier) {
            await this.save(SETTINGS_KEY, digest, 'save');
            return 'same';
        }
        if (typeof before === 'string') {
            await this.save(KEY, undefined, 'clear');
            await this.save(READS_KEY, undefined, 'clear');
            await this.save(SETTINGS_KEY, digest, 'save');
            return 'changed';
        }
        if ((await this.load(KEY)) === undefined && (await this.load(READS_KEY)) === undefined) return 'unsaved';
        await this.save(SETTINGS_KEY, digest, 'save');
        return 'same';
    }

    async set(ms: number): Promise<void> {
        // Before the watermark: saved after it, a failure would say the watermark stayed where it was.
        if (this.settings !== undefined) await this.save(SETTINGS_KEY, this.settings, 'save');
        return this.read ? this.saveRead(ms, 'save') : this.save(KEY, ms, 'save');
    }

    /** Forgets it: the next run reads from the user's start (a read a trigger chose, not from the node's own either). */
    clear(): Promise<void> {
        return this.read ? this.saveRead(null, 'clear') : this.save(KEY, undefined, 'clear');
    }

    // Read as no watermark, the run would silently read everything again from the user's start.
    private unreadable(value: unknown, key: string): UnreadableWatermark {
        const where = `${this.store ? `in store "${this.store}"` : 'in the default store'} (key ${key})`;
        return new UnreadableWatermark(`the watermark stored ${where} is ${describeStored(value)}, not a number of milliseconds: nothing was read and it was not moved; store the epoch milliseconds to read from, or send msg.resetWatermark = true${this.read ? ' with the same msg.params' : ''} to read again from your start`);
    }

    /** The node's reads (READS_KEY); anything but an object there is none. */
    private async reads(): Promise<Record<string, ReadMark>> {
        const v = await this.load(READS_KEY);
        return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, ReadMark>) : {};
    }

    /**
     * This read's mark saved; past READS_KEPT reads, the least recently saved are let go of, their lowest mark kept
     * under DROPPED (null, from the user's start, when one of them was).
     */
    private async saveRead(at: number | null, what: string): Promise<void> {
        const { [DROPPED]: before, [this.read!]: _this, ...others } = await this.reads();
        const used = (m: ReadMark) => (typeof m?.used === 'number' && Number.isFinite(m.used) ? m.used : 0);
        const byUse = Object.entries(others).sort((a, b) => used(b[1]) - used(a[1]));
        const letGo = [...(before !== undefined ? [before] : []), ...byUse.slice(READS_KEPT - 1).map(([, m]) => m)];
        // A new object: the memory store hands out the one it keeps.
        const reads: Record<string, ReadMark> = Object.fromEntries(byUse.slice(0, READS_KEPT - 1));
        if (letGo.length > 0) {
            const marks = letGo.map((m) => (typeof m?.at === 'number' && Number.isFinite(m.at) ? m.at : null));
            reads[DROPPED] = { at: marks.includes(null) ? null : Math.min(...(marks as number[])), used: Date.now() };
        }
        reads[this.read!] = { at, used: Date.now() };
        await this.save(READS_KEY, reads, what);
    }

    private load(key: string): Promise<unknown> {
        return new Promise((resolve, reject) => {
            // A custom store may throw rather than call back.
            try {
                this.node.context().get(key, this.store as string, (err: Error | undefined, value: unknown) => (err ? reject(this.failed('read', err)) : resolve(value)));
            } catch (err) {
                reject(this.failed('read', err));
            }
        });
    }

    private save(key: string, value: unknown, what: string): Promise<void> {
        return new Promise((resolve, reject) => {
            try {
                this.node.context().set(key, value, this.store as string, (err?: Error) => (err ? reject(this.failed(what, err)) : resolve()));
            } catch (err) {
                reject(this.failed(what, err));
            }
        });
    }
}
