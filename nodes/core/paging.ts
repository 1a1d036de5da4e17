/**
 * Paging helpers: a vendor's pages become an async generator (lazy: the next page is fetched only when the
 * previous one has been emitted), and time windows longer than an API allows are split.
 *
 * Memory: a generator keeps its locals alive across every await. A page held in a loop variable (or by `for await`
 * or `yield*`) stays reachable while the next page is requested and parsed: two pages in memory instead of one, and
 * the older one lives long enough to be moved to V8's old space, which then grows until a full collection. So every
 * paging generator here clears its page variable right after the yield and reads pages in helpers whose locals end
 * with them (the same rule for the clients' own generators).
 */
import { ConnectorError, textError } from './errors';
import type { QueryPage } from './spec';
import { english, type Text } from './i18n';

const inEnglish = english();

/**
 * Splits [start, end] (epoch ms, inclusive) into consecutive windows no longer than `maxMs`. Consecutive windows
 * share their boundary instant; vendors whose ranges are inclusive on both ends must dedupe on it (see dedupeBy).
 */
export function splitWindow(start: number, end: number, maxMs: number): Array<[number, number]> {
    if (!(maxMs > 0)) throw new RangeError('maxMs must be positive');
    if (end < start) throw new RangeError('end is before start');
    const out: Array<[number, number]> = [];
    for (let from = start; ; from += maxMs) {
        const to = Math.min(from + maxMs, end);
        out.push([from, to]);
        if (to >= end) break;
    }
    return out;
}

/** The warning for a short page whose total says more follow: the server serves fewer a page than asked. */
export function shortPageWarning(page: number, count: number, pageSize: number, total: number, what: 'records' | 'trades' = 'records'): Text {
    return { key: what === 'trades' ? 'runtime.warn.shortPageTrades' : 'runtime.warn.shortPage', vars: { page, count, pageSize, total } };
}

/**
 * The error for a page that came back empty while its total says more records follow the `before` rows ahead of it
 * (a replica behind, a cache miss, a deep-paging limit). Taken for the end, the read would end complete and an
 * incremental run move its watermark past the rest for good; failed, the watermark stays and the next run reads them.
 * `times` the page was asked; without it, a cursor's page (asked once: a cursor cannot be asked again).
 */
export function emptyPageError(system: string, page: number, total: number, before: number, times?: number): ConnectorError {
    const text: Text = times === undefined ? { key: 'runtime.error.emptyCursorPage', vars: { page, total, before } } : { key: 'runtime.error.emptyPage', vars: { page, times, total, before } };
    return textError(inEnglish, text, { system, kind: 'transient', code: 'EMPTY_PAGE', safeToRepeat: true });
}

/** How many more times pageNumbers asks for a forward page that came back empty while its total says more follow. */
const EMPTY_PAGE_RETRIES = 2;

/**
 * The pages a read of pageNumbers may read again, since it last read a page forward, beyond twice the pages it read
 * forward. A change of the total has at most every page read forward so far read again (each once), so twice that
 * allows for two changes in a row; the few more, for a short read. A read in a busy system (a row leaving every few
 * pages) reads pages forward between its re-reads; a total that flips between two values (two replicas, one a row
 * behind, answering in turn) reads pages again without end and never one forward: past this, the read fails.
 */
const REREAD_SLACK = 10;

/**
 * The error for a success answer that holds no `expected` list (the caller tells) while it counts records (`total`
 * above 0) or holds a non-empty list under another key (a server naming the list otherwise, or an answer cut of it);
 * undefined when it is an empty page. Taken for an empty page, the read would stop there (and an incremental run move
 * its watermark past those records). `holder` is the object the list belongs in, `where` names it in the message.
 */
export function missingListError(system: string, holder: Record<string, unknown>, total: number | undefined, where: string, expected: string): ConnectorError | undefined {
    if ((total ?? 0) <= 0 && !Object.values(holder).some((v) => Array.isArray(v) && v.length > 0)) return undefined;
    return new ConnectorError({ system, kind: 'business', code: 'BAD_RESPONSE', message: `${where} holds no ${expected} list: keys ${Object.keys(holder).slice(0, 10).join(', ')}` });
}

/**
 * Pages of a page-number API: calls `fetchPage(n, pageSize)` for n = start, start+1, … (`first` is the API's number of
 * its first page, 0 or 1) until a short page, an empty page, or the reported `total` reached. `pageSize` is the size
 * to ask: the one given, or the smaller one a server turns out to serve (below); an API paging by offset computes it
 * from that size.
 *
 * Rows leaving the result while it is paged (a record modified during the read moves past the window's end) move
 * every later row up: the first rows of the next page slide onto the page just read and would never be read. A total
 * that shrank between two pages says so: the pages before the one just read are read again, as many as rows left,
 * after it (the records already emitted are dropped by dedupeBy, which every caller wraps this in). Rows added while
 * paging move rows down instead: repeats, also dropped; but rows of a page still waiting to be read again move onto
 * the pages after it, read again too. Rows leaving and as many arriving between two pages leave the total as it was:
 * that is not seen.
 *
 * A forward page that comes back empty while its total says more rows follow the pages before it is asked again
 * (twice); still empty, the read fails (emptyPageError) rather than end there, complete, past those rows. A total
 * that keeps changing from one answer to the next has pages read again past a budget (REREAD_SLACK): the read fails
 * (TOTAL_UNSTABLE) rather than go on for ever. Both fail with nothing skipped: an incremental run keeps its watermark.
 *
 * `offsetCheck`, for an API whose servers may read the page number as a record offset: such a server answers page n
 * with rows n, n+1 … and page n+1 with rows n+1, n+2 …, so the first row is never read and each page repeats all but
 * one row of the page before; dedupeBy would drop the repeats without a word and the total end the read early. A page
 * read right after the page before it, the total unchanged, that repeats all but one of that page's rows (all of its
 * own when it is short; one row only after a short page) fails the read with `offsetCheck.fail` before it is handed over. Rows moving mid-read repeat
 * a few rows, and change the total unless as many leave as arrive between the two pages.
 */
export async function* pageNumbers<R>(
    fetchPage: (n: number, pageSize: number) => Promise<QueryPage<R>>,
    options: {
        /** The vendor, for the errors (ConnectorError.system). */
        system: string;
        first: number;
        pageSize: number;
        start?: number;
        warn?: (text: Text) => void;
        offsetCheck?: {
            key: (r: R) => unknown;
            fail: (seen: { page: number; repeated: number; count: number }) => Error;
            /**
             * For a reader sending offsets: the error for page 2 still empty after a full page 1 while the total says
             * more follow (instead of emptyPageError) — what a server reading the offset as a page number answers.
             */
            empty?: (seen: { page: number; total: number; before: number; times: number }) => Error;
        };
    },
): AsyncGenerator<QueryPage<R>> {
    const { first } = options;
    const start = options.start ?? first;
    // The page size the server serves. One that caps it below what was asked, without a word, sends a short page
    // while the total it reports says more follow: stopping there would end the read (and move the watermark) past
    // every record after it. Servers cap before counting pages, so its pages are numbered at the size it serves.
    let pageSize = options.pageSize;
    let highest = start - 1;
    let ended = false;
    let lastTotal: number | undefined;
    let totalIgnored = false;
    // Pages to read again before going on, lowest first.
    const again: number[] = [];
    // Pages read again so far, and the lowest and highest totals taken: for the budget of pages read again.
    let reread = 0;
    let low = Infinity;
    let high = -Infinity;
    // The keys of the page just read forward, for offsetCheck: keys only, never the page itself.
    let before: { n: number; total: number | undefined; full: boolean; keys: Set<unknown> } | undefined;
    // Let go of each page once handed over (see the note at the top of this file).
    let page: QueryPage<R> | undefined;
    for (;;) {
        if (again.length === 0 && ended) return;
        const n = again.length > 0 ? again.shift()! : highest + 1;
        const forward = n > highest;
        // Counted since the last page read forward: a busy read (a row leaving every few pages) goes on, a total
        // flipping between two values never reads a page forward.
        if (forward) {
            highest = n;
            reread = 0;
        } else if (++reread > 2 * (highest - start + 1) + REREAD_SLACK) {
            const text: Text = { key: 'runtime.error.totalUnstable', vars: { low, high, again: reread - 1, forward: highest - start + 1 } };
            throw textError(inEnglish, text, { system: options.system, kind: 'transient', code: 'TOTAL_UNSTABLE', safeToRepeat: true });
        }
        const asked = pageSize;
        page = await fetchPage(n, pageSize);
        // The rows on the pages before this one. An empty forward page whose trusted total says more follow them is
        // not the end (below, count < pageSize would take it for one): asked again, then the read fails.
        const rowsBefore = (n - first) * pageSize;
        for (let times = 1; forward && page.records.length === 0 && !totalIgnored && page.total !== undefined && rowsBefore < page.total; times++) {
            // Counted from 1, as the node's status counts pages (Jackyun numbers them from 0).
            if (times > EMPTY_PAGE_RETRIES) {
                const secondAfterFull = n === first + 1 && before?.n === first && before.full;
                const seen = { page: n - first + 1, total: page.total, before: rowsBefore, times };
                throw (secondAfterFull && options.offsetCheck?.empty?.(seen)) || emptyPageError(options.system, seen.page, page.total, rowsBefore, times);
            }
            page = await fetchPage(n, pageSize);
        }
        const count = page.records.length;
        // The total as answered: the offset check compares it from page to page.
        let total = page.total;
        if (options.offsetCheck) {
            const { key, fail } = options.offsetCheck;
            // Each row's key made once (keys cost: a read of 200,000 rows makes them for every row).
            const pageKeys = forward ? page.records.map(key) : [];
            if (forward && count > 0 && before !== undefined && before.n === n - 1 && total !== undefined && total === before.total) {
                // It fails only with at most `allowed` rows of its own: counting stops past that (a page of new rows,
                // the usual one, after its second row).
                const allowed = count - Math.min(count, asked - 1);
                let repeated = 0;
                let own = 0;
                for (const k of pageKeys) {
                    if (before.keys.has(k)) repeated++;
                    else if (++own > allowed) break;
                }
                // One row repeating after a full page proves nothing: one row arriving in front and one leaving at the
                // end repeat it too (an offset-reading server's page after a full one holds all but one of its rows).
                if (own <= allowed && repeated > 0 && repeated >= Math.min(count, asked - 1) && (count > 1 || !before.full)) throw fail({ page: n, repeated, count });
            }
            // Only the page read just before counts: pages read again in between mean rows moved.
            before = forward ? { n, total, full: count >= asked, keys: new Set(pageKeys.filter((k) => k !== undefined && k !== null)) } : undefined;
        }
        // A total below the rows this very page proves are there (a Java int left 0 when no total was counted, or
        // counted on the first page only) is not one: taken, it would end the read here, green, past the rest. Once
        // one is found so, no later total of the read is taken either (an empty last page answering 0 would read as
        // every row gone and send the read back over its pages, for ever).
        const upTo = rowsBefore + count;
        if (totalIgnored) total = undefined;
        else if (total !== undefined && count > 0 && total < upTo) {
            options.warn?.({ key: 'runtime.warn.totalBelowPage', vars: { page: n, count: upTo, total } });
            totalIgnored = true;
            total = undefined;
        }
        if (forward && count > 0 && count < pageSize && total !== undefined && upTo < total) {
            options.warn?.(shortPageWarning(n, count, pageSize, total));
            pageSize = count;
        }
        // A page read again, or read after rows were added, may repeat records from further back than the last page.
        const moved = !forward || (total !== undefined && lastTotal !== undefined && total > lastTotal);
        if (count > 0) yield moved ? { ...page, mayRepeatEarlier: true } : page;
        page = undefined;
        if (total !== undefined && lastTotal !== undefined && total !== lastTotal) {
            // Rows left or arrived since the last page was read. Every row not yet read was then on this page, on a
            // page waiting to be read again, or past the highest page read; each moved up (rows left) or down (rows
            // arrived) by at most as many rows, onto pages read before: those are read again. This page was read
            // after the change.
            const shift = Math.ceil(Math.abs(total - lastTotal) / pageSize);
            const waiting = forward ? [n] : [n, ...again, highest + 1];
            for (const p of waiting) {
                for (let j = 1; j <= shift; j++) {
                    const m = total < lastTotal ? p - j : p + j;
                    if (m < start) break;
                    if (m > highest) {
                        // Rows of a page still to read again moved past the highest page read: the read goes on.
                        if (p <= highest) ended = false;
                        break;
                    }
                    if (m !== n && !again.includes(m)) again.push(m);
                }
            }
            again.sort((a, b) => a - b);
        }
        if (total !== undefined) {
            lastTotal = total;
            low = Math.min(low, total);
            high = Math.max(high, total);
        }
        if (forward && (count < pageSize || (total !== undefined && (n - first + 1) * pageSize >= total))) ended = true;
    }
}

/**
 * How many of the most recent keys dedupeBy remembers: far more than rows can shift between two pages of one run,
 * and a fixed amount of memory however long the read (a year of orders must not grow the node).
 */
export const DEDUPE_WINDOW = 10000;

/**
 * How many of the most recent keys every record is checked against while no page says rows moved (at least this
 * many, at most twice): rows shifting across one page boundary and the boundary instant of consecutive windows
 * repeat the last records. Looking a key up among 10,000 costs about half a microsecond (cache misses), as much as
 * the rest of the node's paging path per record; among 1,000 a tenth of that.
 */
export const RECENT_KEYS = 1000;

/**
 * The keys of a run's records: the last `window` in order, and two small sets (a generation each) of the most
 * recent for the cheap check. `indexAll()` builds one set of the whole window, checked from then on to the end of
 * the run (once rows moved, a page read later may repeat older ones again).
 */
class RunKeys {
    private readonly order: unknown[];
    private oldest = 0;
    private full = false;
    private readonly generation: number;
    private current = new Set<unknown>();
    private previous = new Set<unknown>();
    private all: Set<unknown> | undefined;

    constructor(private readonly window: number) {
        this.order = new Array(window);
        // Never more than `window` keys in the two generations together.
        this.generation = Math.min(RECENT_KEYS, Math.max(1, Math.floor(window / 2)));
    }

    has(k: unknown): boolean {
        return this.all ? this.all.has(k) : this.current.has(k) || this.previous.has(k);
    }

    add(k: unknown): void {
        if (this.all) {
            if (this.full) this.all.delete(this.order[this.oldest]);
            this.all.add(k);
        } else {
            if (this.current.size >= this.generation) {
                this.previous = this.current;
                this.current = new Set();
            }
            this.current.add(k);
        }
        this.order[this.oldest] = k;
        this.oldest = (this.oldest + 1) % this.window;
        if (this.oldest === 0) this.full = true;
    }

    indexAll(): void {
        if (this.all) return;
        this.all = new Set(this.full ? this.order : this.order.slice(0, this.oldest));
        this.current = this.previous = new Set();
    }
}

/**
 * Drops records whose key was seen earlier in this run: rows shifting across a page boundary while paging, pages read
 * again, and the shared boundary instant of consecutive time windows. Every record is checked against the last
 * RECENT_KEYS keys; from the first page marked `mayRepeatEarlier` on, against the last `window`. Keeps keys only,
 * oldest forgotten first, so memory stays small and flat.
 */
export async function* dedupeBy<R>(pages: AsyncIterable<QueryPage<R>>, key: (r: R) => unknown, window = DEDUPE_WINDOW): AsyncGenerator<QueryPage<R>> {
    const keys = new RunKeys(window);
    const unseen = (r: R) => {
        const k = key(r);
        if (k === undefined || k === null) return true;
        if (keys.has(k)) return false;
        keys.add(k);
        return true;
    };
    const source = pages[Symbol.asyncIterator]();
    // The next page without the records already seen; its locals end with it, so nothing of a page outlives its turn.
    const next = async (): Promise<QueryPage<R> | undefined> => {
        const r = await source.next();
        if (r.done) return undefined;
        if (r.value.mayRepeatEarlier) keys.indexAll();
        const records = r.value.records.filter(unseen);
        return records.length === r.value.records.length ? r.value : { ...r.value, records };
    };
    let ended = false;
    let page: QueryPage<R> | undefined;
    try {
        while ((page = await next()) !== undefined) {
            yield page;
            // Not held while the next page is read (see the note at the top of this file).
            page = undefined;
        }
        ended = true;
    } finally {
        // Stopped early (record cap, error downstream): end the source's paging too.
        if (!ended) await source.return?.();
    }
}
