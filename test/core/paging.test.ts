import should from 'should';
import { splitWindow, pageNumbers, dedupeBy, QueryPage, RECENT_KEYS, english, ConnectorError } from '../../nodes/core';

const inEnglish = english();

const DAY = 86400000;

describe('core/paging', () => {
    it('splits 30 days into five consecutive windows of at most 7 days', () => {
        const start = Date.UTC(2024, 0, 1);
        const w = splitWindow(start, start + 30 * DAY, 7 * DAY);
        should(w.length).equal(5);
        should(w[0]).eql([start, start + 7 * DAY]);
        should(w[4]).eql([start + 28 * DAY, start + 30 * DAY]);
        for (let i = 1; i < w.length; i++) should(w[i][0]).equal(w[i - 1][1]);
        for (const [a, b] of w) should(b - a).be.belowOrEqual(7 * DAY);
    });

    it('keeps a window of exactly the maximum whole, and one millisecond more makes two', () => {
        should(splitWindow(0, 7 * DAY, 7 * DAY)).eql([[0, 7 * DAY]]);
        should(splitWindow(0, 7 * DAY + 1, 7 * DAY)).eql([[0, 7 * DAY], [7 * DAY, 7 * DAY + 1]]);
        should(splitWindow(5, 5, DAY)).eql([[5, 5]]);
    });

    it('refuses an end before the start', () => {
        should(() => splitWindow(10, 5, DAY)).throw(/end is before start/);
    });

    it('pages until a short page and fetches lazily', async () => {
        const fetched: number[] = [];
        const pages = pageNumbers(async (n): Promise<QueryPage<number>> => {
            fetched.push(n);
            return { records: n < 3 ? [1, 2] : [3] };
        }, { system: 'test', first: 1, pageSize: 2 });
        const it = pages[Symbol.asyncIterator]();
        await it.next();
        should(fetched).eql([1]);
        const rest: number[] = [];
        for (let r = await it.next(); !r.done; r = await it.next()) rest.push(...r.value.records);
        should(fetched).eql([1, 2, 3]);
        should(rest).eql([1, 2, 3]);
    });

    it('a server serving fewer records a page than asked while its total says more follow: read on at the size it serves, warned once', async () => {
        const rows = Array.from({ length: 10 }, (_, i) => i);
        const fetched: number[] = [];
        const warnings: string[] = [];
        // Caps every page at 3 (pages numbered at that size), whatever page size is asked.
        const pages = pageNumbers(async (n): Promise<QueryPage<number>> => {
            fetched.push(n);
            return { records: rows.slice((n - 1) * 3, n * 3), total: rows.length };
        }, { system: 'test', first: 1, pageSize: 5, warn: (t) => warnings.push(inEnglish(t.key, t.vars)) });
        const got: number[] = [];
        for await (const p of pages) got.push(...p.records);
        should(got).eql(rows);
        should(fetched).eql([1, 2, 3, 4]);
        should(warnings).have.length(1);
        should(warnings[0]).match(/page 1 brought 3 records for a page size of 5 while the total \(10\) says more follow/);
    });

    it('a short last page that the total agrees with ends the read without a warning', async () => {
        const warnings: string[] = [];
        const fetched: number[] = [];
        const pages = pageNumbers(async (n): Promise<QueryPage<number>> => {
            fetched.push(n);
            return { records: n === 1 ? [1, 2, 3, 4, 5] : [6, 7], total: 7 };
        }, { system: 'test', first: 1, pageSize: 5, warn: (t) => warnings.push(inEnglish(t.key, t.vars)) });
        for await (const _ of pages) void _;
        should(fetched).eql([1, 2]);
        should(warnings).eql([]);
    });

    it('a total below the records the pages already hold (0 from a server that counted none) is not taken: the read goes on to a short page, warned once', async () => {
        const rows = Array.from({ length: 23 }, (_, i) => i);
        const fetched: number[] = [];
        const warnings: string[] = [];
        const pages = pageNumbers(async (n): Promise<QueryPage<number>> => {
            fetched.push(n);
            // A Java int left 0 on every page; then a total counted on the first page only (5), below page 2's rows.
            return { records: rows.slice(n * 10, n * 10 + 10), total: 0 };
        }, { system: 'test', first: 0, pageSize: 10, warn: (t) => warnings.push(inEnglish(t.key, t.vars)) });
        const got: number[] = [];
        for await (const p of pages) got.push(...p.records);
        should(got).eql(rows);
        should(fetched).eql([0, 1, 2]);
        should(warnings).eql(["10 records by page 0, more than the answer's total (0): the total is not taken (reading on to a short page)"]);
        const first: number[] = [];
        for await (const p of pageNumbers(async (n) => ({ records: rows.slice(n * 10, n * 10 + 10), total: n === 0 ? 15 : 5 }), { system: 'test', first: 0, pageSize: 10 })) first.push(...p.records);
        should(first).eql(rows);
        // A total counted on the first page only, the rows an exact multiple of the page size: the empty last page's
        // 0 is not taken for every row gone (the read went back over its pages for ever).
        const three = Array.from({ length: 300 }, (_, i) => i);
        const asked: number[] = [];
        const out: number[] = [];
        for await (const p of pageNumbers(async (n) => {
            asked.push(n);
            if (asked.length > 20) throw new Error(`pages asked: ${asked.join(',')}`);
            return { records: three.slice((n - 1) * 100, n * 100), total: n === 1 ? 300 : 0 };
        }, { system: 'test', first: 1, pageSize: 100 })) out.push(...p.records);
        should(asked).eql([1, 2, 3, 4]);
        should(out).eql(three);
    });

    describe('an empty page while the total says more records follow', () => {
        const rows = Array.from({ length: 30 }, (_, i) => i);
        /** Reads pages of 10 of `rows` (total 30), page `emptyPage` answered empty its first `emptyTimes` times. */
        const read = async (emptyPage: number, emptyTimes: number) => {
            const fetched: number[] = [];
            const out: number[] = [];
            let empties = 0;
            for await (const p of pageNumbers(async (n): Promise<QueryPage<number>> => {
                fetched.push(n);
                if (n === emptyPage && empties++ < emptyTimes) return { records: [], total: rows.length };
                return { records: rows.slice((n - 1) * 10, n * 10), total: rows.length };
            }, { system: 'test', first: 1, pageSize: 10 })) out.push(...p.records);
            return { fetched, out };
        };

        it('is asked again: once it holds records, the read goes on to the end', async () => {
            for (const times of [1, 2]) {
                const { fetched, out } = await read(2, times);
                should(out).eql(rows);
                should(fetched).eql([1, ...Array(times + 1).fill(2), 3]);
            }
        });

        it('still empty after two more asks: the read fails (EMPTY_PAGE, transient, safe to repeat) instead of ending complete', async () => {
            const err = await read(2, 3).then(() => undefined, (e: ConnectorError) => e);
            should(err).be.instanceOf(ConnectorError);
            should(err).match({ system: 'test', kind: 'transient', code: 'EMPTY_PAGE', safeToRepeat: true });
            should(err!.message).equal('page 2 came back empty 3 times while the total (30) says more records follow the 10 on the pages before it: the read was stopped so that those records are not skipped (an incremental node keeps its watermark, so the next run reads them)');
            should((err!.details as { text: unknown }).text).eql({ key: 'runtime.error.emptyPage', vars: { page: 2, times: 3, total: 30, before: 10 } });
        });

        it('an empty page the total agrees with (rows exactly a multiple of the page size, no total, or a total not taken) ends the read as before, the empty page asked once', async () => {
            const page = (records: number[], total?: number): QueryPage<number> => (total === undefined ? { records } : { records, total });
            let left = false;
            const cases: Array<[string, (n: number) => QueryPage<number>, number[]]> = [
                // 20 rows leave after page 1: page 2 empty, its total at the rows before it (page 1 is read again).
                ['total at the rows before it', (n) => (n === 1 ? page(rows.slice(0, 10), left ? 10 : ((left = true), 30)) : page([], 10)), [1, 2, 1]],
                ['no total', (n) => page(rows.slice((n - 1) * 10, n * 10).filter((r) => r < 20)), [1, 2, 3]],
                ['a total found below the rows (not taken)', (n) => page(rows.slice((n - 1) * 10, n * 10).filter((r) => r < 20), n === 1 ? 30 : 5), [1, 2, 3]],
            ];
            for (const [what, answer, expected] of cases) {
                const fetched: number[] = [];
                for await (const p of pageNumbers(async (n) => (fetched.push(n), answer(n)), { system: 'test', first: 1, pageSize: 10 })) void p;
                should(fetched).eql(expected, what);
            }
        });
    });

    describe('a total that changes from one answer to the next', () => {
        it('flipping between two values (two replicas, one a row behind): the read fails (TOTAL_UNSTABLE) within a bounded number of pages instead of going on for ever', async () => {
            const rows = Array.from({ length: 30 }, (_, i) => i);
            let calls = 0;
            const fetched: number[] = [];
            const err = await (async () => {
                for await (const p of pageNumbers(async (n): Promise<QueryPage<number>> => {
                    fetched.push(n);
                    if (++calls > 1000) throw new Error(`pages asked: ${fetched.slice(0, 20).join(',')} …`);
                    return { records: rows.slice((n - 1) * 10, n * 10), total: calls % 2 === 0 ? 31 : 30 };
                }, { system: 'test', first: 1, pageSize: 10 })) void p;
            })().then(() => undefined, (e: Error) => e);
            should(err).be.instanceOf(ConnectorError);
            should(err).match({ system: 'test', kind: 'transient', code: 'TOTAL_UNSTABLE', safeToRepeat: true });
            should(err!.message).match(/^the total kept changing from one answer to the next \(values from 30 to 31\): \d+ pages were read again since the last page read forward \(3 read forward in all\), and the read was stopped so that no record is skipped/);
            // The three pages forward, twice as many read again, and the few more.
            should(fetched.length).be.belowOrEqual(3 + 2 * 3 + 10);
        });

        it('genuine changes still have pages read again and the read completes: many rows leaving at once, and a row leaving after every page of a long read', async () => {
            // 300 rows in pages of 10; after page 10, 45 rows already read leave at once.
            let rows = Array.from({ length: 300 }, (_, i) => i);
            let fetched: number[] = [];
            let out: number[] = [];
            for await (const p of dedupeBy(pageNumbers(async (n): Promise<QueryPage<number>> => {
                fetched.push(n);
                const page = { records: rows.slice((n - 1) * 10, n * 10), total: rows.length };
                if (fetched.length === 10) rows = rows.slice(45);
                return page;
            }, { system: 'test', first: 1, pageSize: 10 }), (r: number) => r)) out.push(...p.records);
            should(Array.from({ length: 300 }, (_, i) => i).filter((r) => !out.includes(r))).eql([]);
            // Page 11 sees the total 45 lower: pages 6 – 10 are read again, then the read goes on.
            should(fetched.slice(10, 17)).eql([11, 6, 7, 8, 9, 10, 12]);
            // 200 rows in pages of 10; after every forward page one row already read leaves: every page after the
            // first sees a smaller total and has the page before it read again.
            rows = Array.from({ length: 200 }, (_, i) => i);
            const all = rows.slice();
            fetched = [];
            out = [];
            let highest = 0;
            for await (const p of dedupeBy(pageNumbers(async (n): Promise<QueryPage<number>> => {
                fetched.push(n);
                const page = { records: rows.slice((n - 1) * 10, n * 10), total: rows.length };
                if (n > highest) {
                    highest = n;
                    rows = rows.slice(1);
                }
                return page;
            }, { system: 'test', first: 1, pageSize: 10 }), (r: number) => r)) out.push(...p.records);
            should(all.filter((r) => !out.includes(r))).eql([]);
            should(fetched.length).be.above(highest);
        });
    });

    it('review: a read under steady churn (3 answers in 5 see one more record leave the window), which completes with nothing missed, is not failed as TOTAL_UNSTABLE', async () => {
        // 500 records in pages of 10; after 3 of every 5 answers one record (anywhere) is modified and leaves the
        // window: the total only falls (500 → 475ish), the read makes steady progress forward. Without the budget
        // it ends after some 190 requests for 40 pages forward, every record still in the window read.
        let rows = Array.from({ length: 500 }, (_, i) => i);
        const all = rows.slice();
        const gone = new Set<number>();
        let asked = 0;
        const out = new Set<number>();
        const err = await (async () => {
            for await (const p of dedupeBy(pageNumbers(async (n, size): Promise<QueryPage<number>> => {
                asked++;
                if (asked > 5000) throw new Error('the read went on for ever');
                const page = { records: rows.slice((n - 1) * size, n * size), total: rows.length };
                if (Math.floor((asked * 3) / 5) > Math.floor(((asked - 1) * 3) / 5)) {
                    const i = (asked * 7919) % rows.length;
                    gone.add(rows[i]);
                    rows = [...rows.slice(0, i), ...rows.slice(i + 1)];
                }
                return page;
            }, { system: 'test', first: 1, pageSize: 10 }), (r: number) => r)) for (const r of p.records) out.add(r);
        })().then(() => undefined, (e: Error) => e);
        should(err).be.undefined();
        should(all.filter((r) => !out.has(r) && !gone.has(r))).eql([]);
    });

    it('stops at the reported total without asking for an empty page', async () => {
        const fetched: number[] = [];
        const out: number[] = [];
        for await (const p of pageNumbers(async (n) => {
            fetched.push(n);
            return { records: [n * 2, n * 2 + 1], total: 4 };
        }, { system: 'test', first: 0, pageSize: 2 })) out.push(...p.records);
        should(fetched).eql([0, 1]);
        should(out).eql([0, 1, 2, 3]);
    });

    it('a total that shrinks between two pages has the pages before read again, as many as rows left, then goes on', async () => {
        // 10 rows, pages of 2 from page 1; after page 2 is read, rows 1 and 2 (on page 1, already read) leave: every
        // later row moves up two places, so rows 5 and 6 slide onto page 2, which was read before.
        let rows = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        const fetched: number[] = [];
        const out: number[] = [];
        const src = pageNumbers(async (n): Promise<QueryPage<number>> => {
            fetched.push(n);
            const page = { records: rows.slice((n - 1) * 2, n * 2), total: rows.length };
            if (fetched.length === 2) rows = rows.filter((r) => r > 2);
            return page;
        }, { system: 'test', first: 1, pageSize: 2 });
        for await (const p of dedupeBy(src, (r: number) => r)) out.push(...p.records);
        should(out.sort((a, b) => a - b)).eql([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        // page 3 showed 8 rows where there were 10: two rows at most slid back across one page boundary, so page 2
        // is read again (now rows 5 and 6), then page 4 ends the read at the new total
        should(fetched).eql([1, 2, 3, 2, 4]);
    });

    it('rows leaving again while a page is read again: the pages before it are read again too, nothing skipped', async () => {
        // 4 rows, pages of 1. Row 1 leaves before page 3 is read: page 2 is to be read again (row 3 slid onto it).
        // Row 2 leaves before that re-read: row 3 slides on, onto page 1, read only before both left.
        let rows = [1, 2, 3, 4];
        const fetched: number[] = [];
        const out: number[] = [];
        const src = pageNumbers(async (n): Promise<QueryPage<number>> => {
            fetched.push(n);
            if (fetched.length === 3) rows = rows.filter((r) => r !== 1);
            if (fetched.length === 4) rows = rows.filter((r) => r !== 2);
            return { records: rows.slice(n - 1, n), total: rows.length };
        }, { system: 'test', first: 1, pageSize: 1 });
        for await (const p of dedupeBy(src, (r: number) => r)) out.push(...p.records);
        should(rows.filter((r) => !out.includes(r))).eql([]);
        should(out.filter((r, i) => out.indexOf(r) !== i)).eql([]);
    });

    it('rows arriving while a page waits to be read again: the pages after it are read again too, nothing skipped', async () => {
        // 6 rows, pages of 2. Row 1 leaves before page 3 is read (page 2 to be read again: row 5 slid onto it); two
        // rows arrive at the front before that re-read, moving row 5 down onto page 3, read only before.
        let rows = [1, 2, 3, 4, 5, 6];
        const fetched: number[] = [];
        const out: number[] = [];
        const src = pageNumbers(async (n): Promise<QueryPage<number>> => {
            fetched.push(n);
            if (fetched.length === 3) rows = rows.filter((r) => r !== 1);
            if (fetched.length === 4) rows = [-1, 0, ...rows];
            return { records: rows.slice((n - 1) * 2, n * 2), total: rows.length };
        }, { system: 'test', first: 1, pageSize: 2 });
        for await (const p of dedupeBy(src, (r: number) => r)) out.push(...p.records);
        should([2, 3, 4, 5, 6].filter((r) => !out.includes(r))).eql([]);
        should(out.filter((r, i) => out.indexOf(r) !== i)).eql([]);
    });

    it('marks the pages read again, and a page read after rows were added, as mayRepeatEarlier; no other', async () => {
        let rows = Array.from({ length: 10 }, (_, i) => i + 1);
        const marks: Array<[number[], boolean]> = [];
        let call = 0;
        const src = pageNumbers(async (n): Promise<QueryPage<number>> => {
            call++;
            // Before the third call rows 1 and 2 leave (page 2 is read again); before the fifth two rows are added
            // at the front.
            if (call === 3) rows = rows.filter((r) => r > 2);
            if (call === 5) rows = [-1, 0, ...rows];
            return { records: rows.slice((n - 1) * 2, n * 2), total: rows.length };
        }, { system: 'test', first: 1, pageSize: 2 });
        for await (const p of src) marks.push([p.records, p.mayRepeatEarlier === true]);
        should(marks).eql([
            [[1, 2], false],
            [[3, 4], false],
            [[7, 8], false],
            [[5, 6], true], // page 2 read again
            [[7, 8], true], // page 4 after two rows were added: repeats page 3
            [[9, 10], false],
        ]);
    });

    it('drops repeats from thousands of records back once a page says rows moved: rows arriving and leaving mid-read, each row emitted once', async () => {
        // 20,000 rows in pages of 1,000. After page 8, 3,000 rows are added at the front: pages 9 – 11 repeat rows
        // emitted 2,000 to 3,000 records earlier, more than the recent keys every record is checked against. After
        // page 14, 2,500 rows leave at the front: pages are read again.
        const pageSize = 1000;
        let rows = Array.from({ length: 20000 }, (_, i) => ({ id: i + 1 }));
        let call = 0;
        const src = pageNumbers(async (n): Promise<QueryPage<{ id: number }>> => {
            call++;
            if (call === 9) rows = [...Array.from({ length: 3000 }, (_, i) => ({ id: -i - 1 })), ...rows];
            if (call === 15) rows = rows.slice(2500);
            return { records: rows.slice((n - 1) * pageSize, n * pageSize), total: rows.length };
        }, { system: 'test', first: 1, pageSize });
        const counts = new Map<number, number>();
        for await (const p of dedupeBy(src, (r) => r.id)) for (const r of p.records) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
        should([...counts].filter(([, c]) => c > 1)).eql([]);
        // Every row there was at the start is emitted (rows added mid-read may be too).
        const missing = Array.from({ length: 20000 }, (_, i) => i + 1).filter((id) => !counts.has(id));
        should(missing).eql([]);
    });

    it('checks records without a mayRepeatEarlier page against the most recent keys: a repeat from the page before is dropped', async () => {
        async function* src() {
            yield { records: Array.from({ length: RECENT_KEYS }, (_, i) => i) };
            yield { records: [RECENT_KEYS - 3, RECENT_KEYS - 2, RECENT_KEYS - 1, RECENT_KEYS] };
        }
        const out: number[] = [];
        for await (const p of dedupeBy(src(), (r: number) => r)) out.push(...p.records);
        should(out.length).equal(RECENT_KEYS + 1);
        should(out[RECENT_KEYS]).equal(RECENT_KEYS);
    });

    describe('offsetCheck: a server reading the page number as a record offset', () => {
        const rows = Array.from({ length: 12 }, (_, i) => i);
        const check = { key: (r: number) => r, fail: (seen: { page: number; repeated: number; count: number }) => new Error(`offset at page ${seen.page}: ${seen.repeated}/${seen.count}`) };
        const read = async (fetch: (n: number, size: number) => QueryPage<number>, pageSize: number, offsetCheck?: typeof check) => {
            const out: number[] = [];
            for await (const p of dedupeBy(pageNumbers(async (n, size) => fetch(n, size), { system: 'test', first: 1, pageSize, offsetCheck }), (r: number) => r)) out.push(...p.records);
            return out;
        };
        const offsets = (n: number, size: number) => ({ records: rows.slice(n, n + size), total: rows.length });

        it('page 2 repeating all but one row of page 1, the total unchanged, fails the read before page 2 is handed over', async () => {
            await should(read(offsets, 5, check)).be.rejectedWith('offset at page 2: 4/5');
            // Without the check: the first row is never read, green (the defect the check is for). (Page 3 holds
            // more rows than the total allows: the total is not taken, the read goes on to a short page.)
            should(await read(offsets, 5)).eql(rows.slice(1));
        });

        it('a short page 2 repeating all its rows fails too (a first page short of the total)', async () => {
            const few = [0, 1, 2, 3];
            await should(read((n, size) => ({ records: few.slice(n, n + size), total: few.length }), 5, check)).be.rejectedWith('offset at page 2: 2/2');
        });

        it('a last page of one row that repeats (one row arrived in front, one left at the end): not taken for offsets', async () => {
            let now = rows.slice(0, 6);
            let calls = 0;
            const churn = (n: number, size: number) => {
                if (++calls === 2) now = [-1, ...now.slice(0, -1)];
                return { records: now.slice((n - 1) * size, n * size), total: now.length };
            };
            // Page 2 holds row 4 alone, read on page 1 already: a repeat, dropped; the read ends green.
            should(await read(churn, 5, check)).eql([0, 1, 2, 3, 4]);
        });

        it('rows moving between two pages repeat a few rows, or change the total: not taken for offsets', async () => {
            // One row arrives at the front and one leaves at the end after page 1: the total stays, page 2 repeats one row.
            let now = rows.slice();
            let calls = 0;
            const churn = (n: number, size: number) => {
                if (++calls === 2) now = [-1, ...now.slice(0, -1)];
                return { records: now.slice((n - 1) * size, n * size), total: now.length };
            };
            should(await read(churn, 5, check)).eql(rows.slice(0, 11));
            // Four rows arrive at the front after page 1: page 2 repeats 4 of 5 rows, but the total grew.
            now = rows.slice();
            calls = 0;
            const arrive = (n: number, size: number) => {
                if (++calls === 2) now = [-4, -3, -2, -1, ...now];
                return { records: now.slice((n - 1) * size, n * size), total: now.length };
            };
            const out = await read(arrive, 5, check);
            should(rows.filter((r) => !out.includes(r))).eql([]);
        });
    });

    it('starts at a later page when asked, and ends at the total counted from the first page', async () => {
        const fetched: number[] = [];
        for await (const p of pageNumbers(async (n): Promise<QueryPage<number>> => {
            fetched.push(n);
            return { records: [n, n], total: 8 };
        }, { system: 'test', first: 1, start: 3, pageSize: 2 })) void p;
        should(fetched).eql([3, 4]);
    });

    it('drops records seen earlier in the run (window boundaries)', async () => {
        async function* src() {
            yield { records: [{ id: 1 }, { id: 2 }] };
            yield { records: [{ id: 2 }, { id: 3 }] };
        }
        const out: number[] = [];
        for await (const p of dedupeBy(src(), (r: { id: number }) => r.id)) out.push(...p.records.map((r) => r.id));
        should(out).eql([1, 2, 3]);
    });

    it('remembers only the last `window` keys: a repeat within the window is dropped, one older than it passes', async () => {
        async function* src() {
            yield { records: [{ id: 1 }, { id: 2 }, { id: 3 }] };
            // 3 is within the last 3 keys; 1 was forgotten when 4 came in.
            yield { records: [{ id: 3 }, { id: 4 }, { id: 1 }] };
        }
        const out: number[] = [];
        for await (const p of dedupeBy(src(), (r: { id: number }) => r.id, 3)) out.push(...p.records.map((r) => r.id));
        should(out).eql([1, 2, 3, 4, 1]);
    });

    it('drops rows shifted across page boundaries all through a long read, with a window smaller than the read', async () => {
        const pageSize = 100;
        const pagesTotal = 2000;
        async function* src() {
            for (let p = 0; p < pagesTotal; p++) {
                // Each page repeats the last two rows of the page before (rows shifting while paging).
                const start = Math.max(0, p * pageSize - 2);
                yield { records: Array.from({ length: pageSize + (p === 0 ? 0 : 2) }, (_, i) => ({ id: start + i })) };
            }
        }
        const ids: number[] = [];
        for await (const p of dedupeBy(src(), (r: { id: number }) => r.id, 1000)) for (const r of p.records) ids.push(r.id);
        should(ids.length).equal(pageSize * pagesTotal);
        should(ids.every((id, i) => id === i)).be.true();
    });
});
