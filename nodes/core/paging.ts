/**
 * Paging helpers: a vendor's pages become an async generator (lazy: the next page is fetched only when the
 * previous one has been emitted), and time windows longer than an API allows are split.
 */
import type { QueryPage } from './spec';

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

/**
 * Pages of an offset/page-number API: calls `fetchPage(n)` for n = first, first+1, … until a short page, an empty
 * page, or `total` reached.
 */
export async function* pageNumbers<R>(
    fetchPage: (n: number) => Promise<QueryPage<R>>,
    options: { first: number; pageSize: number },
): AsyncGenerator<QueryPage<R>> {
    let seen = 0;
    for (let n = options.first; ; n++) {
        const page = await fetchPage(n);
        seen += page.records.length;
        if (page.records.length > 0) yield page;
        if (page.records.length < options.pageSize) return;
        if (page.total !== undefined && seen >= page.total) return;
    }
}

/**
 * How many of the most recent keys dedupeBy remembers: far more than rows can shift between two pages of one run,
 * and a fixed amount of memory however long the read (a year of orders must not grow the node).
 */
export const DEDUPE_WINDOW = 10000;

/**
 * Drops records whose key was seen among the last `window` keys of this run: rows shifting across a page boundary
 * while paging, and the shared boundary instant of consecutive time windows, both repeat a record within a page or
 * two. Keeps keys only, oldest forgotten first, so memory stays small and flat.
 */
export async function* dedupeBy<R>(pages: AsyncIterable<QueryPage<R>>, key: (r: R) => unknown, window = DEDUPE_WINDOW): AsyncGenerator<QueryPage<R>> {
    const seen = new Set<unknown>();
    const order: unknown[] = new Array(window);
    let oldest = 0;
    for await (const page of pages) {
        const records = page.records.filter((r) => {
            const k = key(r);
            if (k === undefined || k === null) return true;
            if (seen.has(k)) return false;
            if (seen.size >= window) seen.delete(order[oldest]);
            order[oldest] = k;
            oldest = (oldest + 1) % window;
            seen.add(k);
            return true;
        });
        yield records.length === page.records.length ? page : { ...page, records };
    }
}
