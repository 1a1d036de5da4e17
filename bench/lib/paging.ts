/**
 * The paging benchmark shared by every query node: N records from the node's simulator through the node in per-page
 * mode inside a Node-RED runtime, against a bare loop of the same signed requests with axios (the system's own signer,
 * the simulator's demo credentials), interleaved in the same process. Prints records/s of each side, their ratio
 * (target ≥ 0.9), and the process's peak RSS while the node had passed N/4 records and N records (target < 200 MB,
 * flat as the count grows).
 */
import http from 'http';
import v8 from 'v8';
import axios, { AxiosInstance } from 'axios';
import { BenchResult, Check, MB, RssSampler, atLeast, below, gc, interleave, log, median, quick, round, rssMB, timed } from './bench';
import { Msg, helper, loadFlow, runQuery, withProbes } from './nodered';

export interface PagingTarget {
    /** Node type, e.g. `jackyun-trade-query`. */
    nodeType: string;
    /** [config module, node module] (compiled, required relatively). */
    modules: unknown[];
    /** The config node (id `c1`) pointing at the started simulator, limiter off (the bare loop has none either). */
    config: Msg;
    credentials: Msg;
    /** Extra node settings (params …); outputMode is forced to 'page'. */
    node?: Msg;
    /** The msg that starts one full read (e.g. `{params: {...}}`). */
    msg: () => Msg;
    /** One bare read of all N records with axios; calls `progress(n)` with each page's record count; resolves with the total. */
    bare: (ax: AxiosInstance, progress: (records: number) => void) => Promise<number>;
    /** What the bench seeded and how (for the notes). */
    notes?: string[];
    /** Other counts than pagingCounts() (a simulator too slow for 200k in reasonable time). */
    counts?: { total: number; checkpoint: number; rounds: number };
}

/** Record counts: N and the checkpoint (N/4). */
export function pagingCounts(): { total: number; checkpoint: number; rounds: number } {
    return quick ? { total: 20000, checkpoint: 5000, rounds: 1 } : { total: 200000, checkpoint: 50000, rounds: 3 };
}

/** An axios instance like a careful hand-written client: keep-alive, body as text (parsed by the caller). */
export function bareAxios(): AxiosInstance {
    return axios.create({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }),
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        maxContentLength: 200 * 1024 * 1024,
        proxy: false,
    });
}

const k = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

export async function pagingBench(name: string, target: PagingTarget): Promise<BenchResult> {
    const { total, checkpoint, rounds } = target.counts ?? pagingCounts();
    await loadFlow(target.modules, withProbes([target.config, { id: 'n1', type: target.nodeType, z: 'f1', config: 'c1', params: {}, ...target.node, outputMode: 'page' }], 'n1', 1), { c1: target.credentials });
    const ax = bareAxios();
    gc();
    const baseline = rssMB();
    log(`${name}: ${total} records, ${rounds} round(s) per side, baseline RSS ${round(baseline, 1)} MB`);

    const sampler = new RssSampler().start(10);
    type Side = 'node' | 'axios';
    const peaks: Record<Side, { cp: number[]; end: number[]; heapCp: number[]; heapEnd: number[] }> = {
        node: { cp: [], end: [], heapCp: [], heapEnd: [] },
        axios: { cp: [], end: [], heapCp: [], heapEnd: [] },
    };
    let pages = 0;

    /**
     * Counts records of one read; at the checkpoint and at the end keeps the peak RSS so far and the heap retained
     * after a full GC (what the reader holds on to: must not grow with the count). Both sides do the same work.
     */
    const meter = (side: Side) => {
        let seen = 0;
        let n = 0;
        sampler.reset();
        return (records: number) => {
            n++;
            const before = seen;
            seen += records;
            sampler.sample();
            if (before < checkpoint && seen >= checkpoint) {
                peaks[side].cp.push(sampler.peak);
                gc();
                peaks[side].heapCp.push(process.memoryUsage().heapUsed / MB);
            }
            if (before < total && seen >= total) {
                peaks[side].end.push(sampler.peak);
                gc();
                peaks[side].heapEnd.push(process.memoryUsage().heapUsed / MB);
                pages = n;
            }
        };
    };

    const results = await interleave(rounds, {
        node: async () => {
            gc();
            const progress = meter('node');
            const { seconds, result } = await timed(() => runQuery('n1', target.msg(), (m) => progress(Array.isArray(m.payload) ? m.payload.length : 1), { expected: total }));
            if (result.records !== total) throw new Error(`the node emitted ${result.records} records, expected ${total}`);
            return total / seconds;
        },
        axios: async () => {
            gc();
            const progress = meter('axios');
            const { seconds, result } = await timed(() => target.bare(ax, progress));
            if (result !== total) throw new Error(`the bare loop read ${result} records, expected ${total}`);
            return total / seconds;
        },
    });
    sampler.stop();
    await helper.unload();

    const nodeRate = median(results.node);
    const bareRate = median(results.axios);
    const ratio = nodeRate / bareRate;
    const max = (xs: number[]) => Math.max(...xs);
    const rssCp = max(peaks.node.cp);
    const rssEnd = max(peaks.node.end);
    const heapCp = max(peaks.node.heapCp);
    const heapEnd = max(peaks.node.heapEnd);
    const checks: Check[] = [
        atLeast('node / axios records/s', ratio, 0.9),
        below(`peak RSS at ${k(total)} records (MB)`, rssEnd, 200),
        { label: `peak RSS ${k(checkpoint)} → ${k(total)}`, value: `${round(rssCp, 1)} → ${round(rssEnd, 1)} MB`, target: '≤ +10% (flat)', met: rssEnd <= rssCp * 1.1 },
        { label: `heap after GC ${k(checkpoint)} → ${k(total)}`, value: `${round(heapCp, 1)} → ${round(heapEnd, 1)} MB`, target: '≤ +10% (flat)', met: heapEnd <= heapCp * 1.1 },
    ];
    return {
        name,
        figures: {
            records: total,
            pages,
            rounds,
            'node records/s': Math.round(nodeRate),
            'axios records/s': Math.round(bareRate),
            'node records/s per round': results.node.map((v) => Math.round(v)).join(' '),
            'axios records/s per round': results.axios.map((v) => Math.round(v)).join(' '),
            'V8 heap limit (MB)': Math.round(v8.getHeapStatistics().heap_size_limit / MB),
            'RSS before (MB)': round(baseline, 1),
            [`node: peak RSS at ${k(checkpoint)} / ${k(total)} (MB)`]: `${round(rssCp, 1)} / ${round(rssEnd, 1)}`,
            [`node: heap after GC at ${k(checkpoint)} / ${k(total)} (MB)`]: `${round(heapCp, 1)} / ${round(heapEnd, 1)}`,
            [`axios: peak RSS at ${k(checkpoint)} / ${k(total)} (MB)`]: `${round(max(peaks.axios.cp), 1)} / ${round(max(peaks.axios.end), 1)}`,
            [`node − axios peak RSS at ${k(total)} (MB)`]: round(rssEnd - max(peaks.axios.end), 1),
            [`axios: heap after GC at ${k(checkpoint)} / ${k(total)} (MB)`]: `${round(max(peaks.axios.heapCp), 1)} / ${round(max(peaks.axios.heapEnd), 1)}`,
        },
        checks,
        notes: [
            'RSS and heap figures are the whole process: Node-RED runtime, the node, and the in-process simulator with its store of all records and the garbage of building each answer; the axios figures show that floor. Heap after GC = what stays reachable at that point of the read.',
            ...(target.notes ?? []),
        ],
    };
}
