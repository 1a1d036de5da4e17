/**
 * The paging benchmark shared by every query node: N records from the node's simulator through the node in per-page
 * mode inside a Node-RED runtime, against a bare loop of the same signed requests with axios (the system's own signer,
 * the simulator's demo credentials).
 *
 * Processes. The simulator runs in its own child process (this same script, role `sim`), seeded and warmed there, on
 * 127.0.0.1, so its store of N records and the garbage of building each answer are not counted against the node.
 *   - Throughput: after one uncounted read each, the node and the bare loop run interleaved (A B, B A, …) in the
 *     bench's own process against that simulator; the median of the rounds' node / bare ratios of records/s is the
 *     figure (target ≥ 0.9), the ratio of the two medians beside it.
 *   - Memory: each side and each size is measured in fresh children (role `node` or `axios`; three unless
 *     BENCH_PAGING_MEMORY_RUNS says otherwise, the median one reported) that each read all records once and report
 *     their peak RSS — the kernel's maxRSS of that whole process (it never goes down, hence one process per reading),
 *     with RSS also sampled every 5 ms and on each page. The node's child holds only Node-RED and the
 *     node; the bare side's child only axios and the signer. Sizes N and N/4 each get their own simulator (target:
 *     node < 200 MB at N, flat from N/4 to N).
 *
 *
 * Each memory child also reports where its memory is at its peak RSS and at the end of the read (V8 old / new /
 * large-object space, external memory such as Buffers, and the rest of RSS: binary, libraries, malloc), the full and
 * young collections V8 ran, and a mid-read reading: a full GC just after the page at 3/4 of the records was taken,
 * while the next page is read (what the reader holds while it runs; at the last page it has already let go of its
 * paging state), with whether the page it handed over is still reachable then.
 *
 * A spec may name variants (e.g. page sizes): the first is the headline, the others are measured the same way and
 * reported beside it.
 *
 * A bench script calls `pagingMain(spec)`; the role comes from BENCH_PAGING_ROLE (unset: the bench itself).
 * BENCH_MEASURE_FLAGS adds node flags to the memory children only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 * BENCH_PAGING_MEMORY_ONLY=1 skips the throughput rounds (memory children only).
 *
 * A third memory side, `runtime` (the control for "flat"), loads Node-RED and the same flow first (the node deployed,
 * idle), then reads with the bare loop: a process holding what the node's does, so its peak is what V8 does with that
 * runtime's heap whoever reads, and the node's own share of its peak is the difference.
 */
import http from 'http';
import { ChildProcess, spawn } from 'child_process';
import v8 from 'v8';
import { PerformanceObserver, constants } from 'perf_hooks';
import axios, { AxiosInstance } from 'axios';
import { BenchResult, Check, MB, atLeast, below, gc, interleave, log, main, maxRssMB, median, pairedRatio, quick, round, rssMB, timed } from './bench';
import type { Msg } from './nodered';
import { IDLE_SOCKET_MS } from '../../nodes/core/http';

/** Called with each page as it arrives: its record count, and the records (to see whether the reader lets go of them). */
export type Progress = (count: number, records: object) => void;

export interface PagingTarget {
    /** Node type, e.g. `jackyun-trade-query`. */
    nodeType: string;
    /** Loads [config module, node module] (required lazily: the bare side's process must not hold them). */
    modules: () => unknown[];
    /** The config node (id `c1`) pointing at the started simulator, limiter off (the bare loop has none either). */
    config: Msg;
    credentials: Msg;
    /** Extra node settings (params …); outputMode is forced to 'page'. */
    node?: Msg;
    /** The msg that starts one full read (e.g. `{params: {...}}`). */
    msg: () => Msg;
    /** One bare read of all N records with axios; calls `progress(n, records)` with each page's records; resolves with the total. */
    bare: (ax: AxiosInstance, progress: Progress) => Promise<number>;
}

export interface PagingSpec<I> {
    name: string;
    /**
     * In the simulator's process: seed `total` records, warm any memo with exactly what both sides send, start on
     * 127.0.0.1; resolves with what the clients need (JSON: URL, demo credentials, ranges …).
     */
    startSim: (total: number) => Promise<I>;
    /**
     * In a client process: the node and the bare loop against the simulator described by `info`, for one of the
     * spec's variants (undefined when it has none).
     */
    target: (info: I, total: number, variant?: string) => PagingTarget;
    /**
     * Settings read both ways (e.g. page sizes), each the same on both sides: the first is the headline (all the
     * figures and checks); each other one is measured too (throughput with `variantRounds` rounds, memory at both
     * sizes) and reported beside it under its own label.
     */
    variants?: string[];
    variantRounds?: number;
    /** What the bench seeded and how (for the notes). */
    notes: (total: number) => string[];
    /** Other counts than pagingCounts(). */
    counts?: { total: number; checkpoint: number; rounds: number };
    /** Rounds per side in a full run when a read is short (a second or two: more rounds tame the machine's noise). */
    rounds?: number;
}

/** Record counts: N and the checkpoint (N/4). */
export function pagingCounts(): { total: number; checkpoint: number; rounds: number } {
    return quick ? { total: 20000, checkpoint: 5000, rounds: 1 } : { total: 200000, checkpoint: 50000, rounds: 3 };
}

/**
 * An axios instance like a careful hand-written client: keep-alive (idle connections closed before the server closes
 * them, as the node's transport does), body as text (parsed by the caller).
 */
export function bareAxios(): AxiosInstance {
    return axios.create({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16, timeout: IDLE_SOCKET_MS }),
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        maxContentLength: 200 * 1024 * 1024,
        proxy: false,
    });
}

const k = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
const ROLE = 'BENCH_PAGING_ROLE';
/** BENCH_PAGING_MEMORY_ONLY=1: only the memory children (no throughput rounds), for looking into memory. */
const memoryOnly = process.env.BENCH_PAGING_MEMORY_ONLY === '1';
/** Memory sides: the node; the bare loop alone; the bare loop in a process holding Node-RED and the flow (see the top). */
type Side = 'node' | 'axios' | 'runtime';
/** The sides of the throughput rounds. */
type ReadSide = 'node' | 'axios';
const MEMORY_SIDES: Side[] = ['node', 'axios', 'runtime'];
const sideName: Record<Side, string> = { node: 'node alone', axios: 'axios alone', runtime: "axios in the node's runtime" };

/** Where a process's resident memory is at one moment (MB): V8's heap spaces, memory outside the heap, the rest. */
export interface Breakdown {
    rss: number;
    /** V8 old space + new space + large object space (+ code, map …): committed size of each space. */
    old: number;
    young: number;
    large: number;
    /** Committed size of all V8 heap spaces. */
    heap: number;
    /** Used bytes of all V8 heap spaces. */
    heapUsed: number;
    /** process.memoryUsage().external (Buffers, strings outside the heap …) and its arrayBuffers part. */
    external: number;
    arrayBuffers: number;
    /** RSS − committed heap − external: the binary, libraries, malloc of the runtime (sockets, zlib …), fragmentation. */
    rest: number;
}

export function breakdown(): Breakdown {
    const mu = process.memoryUsage();
    const space: Record<string, { size: number; used: number }> = {};
    let heap = 0;
    let heapUsed = 0;
    for (const s of v8.getHeapSpaceStatistics()) {
        space[s.space_name] = { size: s.space_size / MB, used: s.space_used_size / MB };
        heap += s.space_size / MB;
        heapUsed += s.space_used_size / MB;
    }
    const size = (name: string) => space[name]?.size ?? 0;
    const rss = mu.rss / MB;
    return {
        rss,
        old: size('old_space'),
        young: size('new_space'),
        large: size('large_object_space') + size('new_large_object_space'),
        heap,
        heapUsed,
        external: mu.external / MB,
        arrayBuffers: mu.arrayBuffers / MB,
        rest: rss - heap - mu.external / MB,
    };
}

/** What a memory child reports. */
interface Memory {
    side: Side;
    total: number;
    /** RSS after loading (Node-RED and the flow, or axios) and a full GC, before the read. */
    before: number;
    /** Highest RSS sampled during the read. */
    sampled: number;
    /** The kernel's peak RSS of the whole process. */
    maxRss: number;
    /** V8 heap still reachable after a full GC just after the page at 3/4 of the records, while the next is read. */
    heapMid: number;
    /** Whether the reader still held that page then (null: not measured). */
    previousKept: boolean | null;
    /** V8 heap still reachable after a full GC when the last page arrived. */
    heapEnd: number;
    /** Where the memory was at the highest sampled RSS, and at the end of the read (before any forced GC). */
    atPeak: Breakdown;
    atEnd: Breakdown;
    /** Full (mark-compact) and young (scavenge) collections during the read, forced ones excluded. */
    fullGcs: number;
    youngGcs: number;
    recordsPerSecond: number;
    /** Records per CPU second of this process during the read. */
    recordsPerCpuSecond: number;
    /** Peak RSS of every process measured for this figure, in the order run (this one is the median of them). */
    maxRssRuns?: number[];
}

function nodered(): typeof import('./nodered') {
    return require('./nodered');
}

function flowOf(target: PagingTarget): Msg[] {
    return nodered().withProbes([target.config, { id: 'n1', type: target.nodeType, z: 'f1', config: 'c1', params: {}, ...target.node, outputMode: 'page' }], 'n1', 1);
}

/** One full read by the node (flow already loaded); resolves with records/s. */
async function nodeRead(target: PagingTarget, total: number, progress: Progress): Promise<number> {
    const { seconds, result } = await timed(() => nodered().runQuery('n1', target.msg(), (m) => progress(Array.isArray(m.payload) ? m.payload.length : 1, m.payload), { expected: total }));
    if (result.records !== total) throw new Error(`the node emitted ${result.records} records, expected ${total}`);
    return total / seconds;
}

async function bareRead(target: PagingTarget, ax: AxiosInstance, total: number, progress: Progress): Promise<number> {
    const { seconds, result } = await timed(() => target.bare(ax, progress));
    if (result !== total) throw new Error(`the bare loop read ${result} records, expected ${total}`);
    return total / seconds;
}

function childArgs(extra: string[]): string[] {
    return [...extra, process.argv[1]];
}

/** Starts the simulator with `total` records in its own process; resolves when it listens. */
function startSimChild<I>(total: number): Promise<{ info: I; rss: number; stop: () => void }> {
    return new Promise((resolve, reject) => {
        const child: ChildProcess = spawn(process.execPath, childArgs([]), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, [ROLE]: 'sim', BENCH_PAGING_TOTAL: String(total) } });
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`the simulator (${total} records) did not start within 10 min`));
        }, 600000);
        child.once('message', (m: any) => {
            clearTimeout(timer);
            resolve({ info: m.info, rss: m.rss, stop: () => child.kill() });
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the simulator process exited (code ${code}) before it was ready`));
        });
    });
}

/**
 * Memory processes per side and size (BENCH_PAGING_MEMORY_RUNS, default 3; 1 with --quick): a peak RSS read once
 * moves by 5 – 20 MB from one fresh process to the next (when V8 happens to collect), so the figure is the median
 * process, with every reading beside it.
 */
const memoryRuns = Math.max(1, Number(process.env.BENCH_PAGING_MEMORY_RUNS ?? (quick ? 1 : 3)) || 1);

/** Reads all records `memoryRuns` times, each in a fresh process; the process with the median peak RSS. */
async function measureMedian<I>(side: Side, total: number, info: I, variant?: string): Promise<Memory> {
    const all: Memory[] = [];
    for (let i = 0; i < memoryRuns; i++) all.push(await measureChild(side, total, info, variant));
    const byPeak = [...all].sort((x, y) => x.maxRss - y.maxRss);
    return { ...byPeak[(byPeak.length - 1) >> 1], maxRssRuns: all.map((m) => m.maxRss) };
}

/** Reads all records once in a fresh process on `side`; resolves with its memory figures. */
function measureChild<I>(side: Side, total: number, info: I, variant?: string): Promise<Memory> {
    return new Promise((resolve, reject) => {
        const extra = (process.env.BENCH_MEASURE_FLAGS ?? '').split(/\s+/).filter(Boolean);
        // The bench's own node flags (--expose-gc, and e.g. --max-old-space-size from run-all --node-flag) apply here too.
        const child = spawn(process.execPath, childArgs([...process.execArgv, ...extra]), {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env: { ...process.env, [ROLE]: side, BENCH_PAGING_TOTAL: String(total), BENCH_PAGING_INFO: JSON.stringify(info), ...(variant !== undefined ? { BENCH_PAGING_VARIANT: variant } : {}) },
        });
        let result: Memory | undefined;
        child.on('message', (m: any) => (result = m));
        child.once('exit', (code) => {
            if (result && code === 0) resolve(result);
            else reject(new Error(`the ${side} memory run (${total} records) failed (exit code ${code})`));
        });
    });
}

/** Role `node` / `axios`: one read of all records, then report the figures to the parent and leave. */
async function measure<I>(spec: PagingSpec<I>, side: Side): Promise<void> {
    const total = Number(process.env.BENCH_PAGING_TOTAL);
    const target = spec.target(JSON.parse(process.env.BENCH_PAGING_INFO!), total, process.env.BENCH_PAGING_VARIANT);
    let ax: AxiosInstance | undefined;
    if (side !== 'axios') await nodered().loadFlow(target.modules(), flowOf(target), { c1: target.credentials });
    if (side !== 'node') ax = bareAxios();
    gc();
    const before = rssMB();
    // Every RSS sample also notes where the memory is, so the peak can be taken apart afterwards.
    let peak = 0;
    let atPeak = breakdown();
    const sample = () => {
        const b = breakdown();
        if (b.rss > peak) {
            peak = b.rss;
            atPeak = b;
        }
    };
    const timer = setInterval(sample, 5);
    timer.unref();
    // The collections V8 chose to run (the forced ones at 3/4 and at the end are left out).
    let forced = false;
    let fullGcs = 0;
    let youngGcs = 0;
    const obs = new PerformanceObserver((list) => {
        if (forced) return;
        for (const e of list.getEntries()) {
            const kind = (e as any).detail?.kind;
            if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;
            else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) youngGcs++;
        }
    });
    obs.observe({ entryTypes: ['gc'] });
    let seen = 0;
    let heapMid = NaN;
    let heapEnd = NaN;
    let atEnd: Breakdown | undefined;
    const fullGc = () => {
        forced = true;
        gc();
        const used = process.memoryUsage().heapUsed / MB;
        // GC entries are delivered later: ignore those of the forced collection.
        setImmediate(() => (forced = false));
        return used;
    };
    // Mid-read: once the page that reaches 3/4 of the records has been taken (counted), a full GC a moment later —
    // while the reader fetches and parses the next page — shows what the reader holds while it reads (at the last
    // page the paging has already ended and let go of its state), and a weak reference shows whether it still holds
    // the page it has already handed over.
    let previousKept: boolean | undefined;
    let midReading: (() => void) | undefined;
    const progress = (count: number, records: object) => {
        // A fast reader may bring the next page before the timer: then the reading is taken on its arrival.
        midReading?.();
        const prior = seen;
        seen += count;
        sample();
        if (prior < (total * 3) / 4 && seen >= (total * 3) / 4 && seen < total) {
            const handed = new WeakRef(records);
            const timer = setTimeout(() => midReading?.(), 1);
            midReading = () => {
                clearTimeout(timer);
                midReading = undefined;
                heapMid = fullGc();
                previousKept = handed.deref() !== undefined;
            };
        }
        if (prior < total && seen >= total) {
            atEnd = breakdown();
            // What the reader still holds when the last page is in (must not grow with the count).
            heapEnd = fullGc();
        }
    };
    const c0 = process.cpuUsage();
    const recordsPerSecond = side === 'node' ? await nodeRead(target, total, progress) : await bareRead(target, ax!, total, progress);
    const c = process.cpuUsage(c0);
    sample();
    clearInterval(timer);
    obs.disconnect();
    const m: Memory = {
        side,
        total,
        before,
        sampled: peak,
        maxRss: maxRssMB(),
        heapMid,
        previousKept: previousKept ?? null,
        heapEnd,
        atPeak,
        atEnd: atEnd ?? breakdown(),
        fullGcs,
        youngGcs,
        recordsPerSecond,
        recordsPerCpuSecond: total / ((c.user + c.system) / 1e6),
    };
    process.send!(m, () => process.exit(0));
}

/** Role `sim`: seed, warm and start the simulator, tell the parent, serve until the parent goes. */
async function serve<I>(spec: PagingSpec<I>): Promise<void> {
    const info = await spec.startSim(Number(process.env.BENCH_PAGING_TOTAL));
    gc();
    process.on('disconnect', () => process.exit(0));
    process.send!({ info, rss: rssMB() });
}

/** `old / new / large, external, rest` of a breakdown, in MB. */
function parts(b: Breakdown): string {
    return `V8 old ${round(b.old, 1)} / new ${round(b.young, 1)} / large ${round(b.large, 1)} (used ${round(b.heapUsed, 1)}), external ${round(b.external, 1)}, rest ${round(b.rest, 1)}`;
}

function describe(m: Memory): string {
    const runs = m.maxRssRuns && m.maxRssRuns.length > 1 ? `, the median of ${m.maxRssRuns.map((v) => round(v, 1)).join(' / ')}` : '';
    return `peak RSS ${round(m.maxRss, 1)} MB${runs} (sampled ${round(m.sampled, 1)}: ${parts(m.atPeak)}); at the end ${round(m.atEnd.rss, 1)}: ${parts(m.atEnd)}; heap after GC mid-read ${round(m.heapMid, 1)} (page handed over ${m.previousKept ? 'still held' : 'let go'}), at the end ${round(m.heapEnd, 1)}; ${m.fullGcs} full / ${m.youngGcs} young GCs; ${Math.round(m.recordsPerCpuSecond)} records per CPU s`;
}

/** Throughput and memory figures of one variant. */
interface Run {
    variant?: string;
    rounds: number;
    results: Record<ReadSide, number[]>;
    cpu: Record<ReadSide, number[]>;
    mem: Record<Side, Record<number, Memory>>;
}

/** Node and bare loop interleaved in this process, `rounds` rounds each; records/s and records per CPU second. */
async function throughput(target: PagingTarget, total: number, rounds: number): Promise<Pick<Run, 'results' | 'cpu'>> {
    // Records per CPU second of this process during each read: the client's own cost (the simulator's time and the
    // other processes of a shared machine are not in it), beside the wall-clock records/s the target is about.
    const cpu: Record<ReadSide, number[]> = { node: [], axios: [] };
    const cpuRate = async (side: ReadSide, read: () => Promise<number>) => {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const rate = await read();
        const c = process.cpuUsage(c0);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        cpu[side].push((rate * seconds) / ((c.user + c.system) / 1e6));
        return rate;
    };
    if (memoryOnly || rounds === 0) return { results: { node: [], axios: [] }, cpu };
    await nodered().loadFlow(target.modules(), flowOf(target), { c1: target.credentials });
    try {
        const ax = bareAxios();
        // One read per side first, not counted: both sides' code is then compiled and their connections open.
        await nodeRead(target, total, () => undefined);
        await bareRead(target, ax, total, () => undefined);
        const results = await interleave(rounds, {
            node: async () => {
                gc();
                return cpuRate('node', () => nodeRead(target, total, () => undefined));
            },
            axios: async () => {
                gc();
                return cpuRate('axios', () => bareRead(target, ax, total, () => undefined));
            },
        });
        return { results, cpu };
    } finally {
        await nodered().helper.unload();
    }
}

/** The bench: throughput rounds here, memory in fresh children, the simulator in its own process. */
async function bench<I>(spec: PagingSpec<I>): Promise<BenchResult> {
    const counts = spec.counts ?? pagingCounts();
    const { total, checkpoint } = counts;
    const rounds = !quick && spec.rounds ? spec.rounds : counts.rounds;
    const name = spec.name;
    const variants: Array<string | undefined> = spec.variants?.length ? spec.variants : [undefined];
    const runs: Run[] = variants.map((variant, i) => ({
        variant,
        rounds: i === 0 || quick ? rounds : Math.min(rounds, spec.variantRounds ?? rounds),
        results: { node: [], axios: [] },
        cpu: { node: [], axios: [] },
        mem: { node: {}, axios: {}, runtime: {} },
    }));
    const tag = (run: Run) => (run.variant ? ` (${run.variant})` : '');
    log(`${name}: starting the simulator with ${total} records in its own process`);
    const sim = await startSimChild<I>(total);
    const simRss = sim.rss;
    try {
        for (const run of runs) {
            log(`${name}${tag(run)}: ${total} records, ${run.rounds} round(s) per side, simulator RSS ${round(sim.rss, 1)} MB (its own process)`);
            Object.assign(run, await throughput(spec.target(sim.info, total, run.variant), total, run.rounds));
            for (const side of MEMORY_SIDES) {
                run.mem[side][total] = await measureMedian(side, total, sim.info, run.variant);
                log(`${name}${tag(run)}: ${sideName[side]}, ${total} records: ${describe(run.mem[side][total])}`);
            }
        }
    } finally {
        sim.stop();
    }
    const small = await startSimChild<I>(checkpoint);
    try {
        for (const run of runs) {
            for (const side of MEMORY_SIDES) {
                run.mem[side][checkpoint] = await measureMedian(side, checkpoint, small.info, run.variant);
                log(`${name}${tag(run)}: ${sideName[side]}, ${checkpoint} records: ${describe(run.mem[side][checkpoint])}`);
            }
        }
    } finally {
        small.stop();
    }

    const figures: BenchResult['figures'] = { records: total };
    const checks: Check[] = [];
    runs.forEach((run, i) => {
        const headline = i === 0;
        const pre = run.variant && !headline ? `${run.variant}: ` : '';
        const nodeRate = median(run.results.node);
        const bareRate = median(run.results.axios);
        const ratio = pairedRatio(run.results.node, run.results.axios);
        const nodeCpu = median(run.cpu.node);
        const bareCpu = median(run.cpu.axios);
        const cpuRatio = pairedRatio(run.cpu.node, run.cpu.axios);
        const n = run.mem.node;
        const a = run.mem.axios;
        const r = run.mem.runtime;
        // The node's own share of its peak: over a bare loop in a process holding the same Node-RED and flow.
        const share = (t: number) => n[t].maxRss - r[t].maxRss;
        log(`${name}${tag(run)}: node / axios records/s ${round(ratio, 3)} (median of the rounds' ratios; ratio of the medians ${round(nodeRate / bareRate, 3)}), per CPU second ${round(cpuRatio, 3)}`);
        const pair = (m: Record<number, Memory>, f: (x: Memory) => number) => `${round(f(m[checkpoint]), 1)} / ${round(f(m[total]), 1)}`;
        const readings = (m: Record<number, Memory>) => [checkpoint, total].map((t) => (m[t].maxRssRuns ?? [m[t].maxRss]).map((v) => round(v, 1)).join(' ')).join(' | ');
        const at = (m: Record<number, Memory>, f: (x: Memory) => Breakdown) => `${brief(f(m[checkpoint]))} | ${brief(f(m[total]))}`;
        checks.push(
            atLeast(`${pre}node / axios records/s`, ratio, 0.9),
            below(`${pre}node: peak RSS at ${k(total)} records (MB)`, n[total].maxRss, 200),
            { label: `${pre}node: peak RSS ${k(checkpoint)} → ${k(total)}`, value: `${round(n[checkpoint].maxRss, 1)} → ${round(n[total].maxRss, 1)} MB`, target: '≤ +10% (flat)', met: n[total].maxRss <= n[checkpoint].maxRss * 1.1 },
            {
                label: `${pre}bare loop in the node's runtime: peak RSS ${k(checkpoint)} → ${k(total)}`,
                value: `${round(r[checkpoint].maxRss, 1)} → ${round(r[total].maxRss, 1)} MB`,
                target: 'reported (the control)',
                met: null,
            },
            {
                // Grows by at most a tenth of the node's peak at the smaller count: what the node itself adds is flat.
                label: `${pre}node − bare loop in the node's runtime, peak RSS ${k(checkpoint)} → ${k(total)}`,
                value: `${round(share(checkpoint), 1)} → ${round(share(total), 1)} MB`,
                target: '≤ +10% of the node (flat)',
                met: share(total) - share(checkpoint) <= n[checkpoint].maxRss * 0.1,
            },
        );
        if (headline) {
            checks.push(
                {
                    // What the node adds over the bare loop is the node's own cost.
                    label: `node − axios peak RSS ${k(checkpoint)} → ${k(total)}`,
                    value: `${round(n[checkpoint].maxRss - a[checkpoint].maxRss, 1)} → ${round(n[total].maxRss - a[total].maxRss, 1)} MB`,
                    target: '≤ +10% (flat)',
                    met: n[total].maxRss - a[total].maxRss <= (n[checkpoint].maxRss - a[checkpoint].maxRss) * 1.1,
                },
                { label: `node: heap after GC mid-read ${k(checkpoint)} → ${k(total)}`, value: `${round(n[checkpoint].heapMid, 1)} → ${round(n[total].heapMid, 1)} MB`, target: '≤ +10% (flat)', met: n[total].heapMid <= n[checkpoint].heapMid * 1.1 },
                { label: `node: heap after GC at the last page ${k(checkpoint)} → ${k(total)}`, value: `${round(n[checkpoint].heapEnd, 1)} → ${round(n[total].heapEnd, 1)} MB`, target: '≤ +10% (flat)', met: n[total].heapEnd <= n[checkpoint].heapEnd * 1.1 },
            );
        }
        Object.assign(figures, {
            ...(run.variant ? { [`${pre}${headline ? 'headline: ' : ''}variant`]: run.variant } : {}),
            [`${pre}rounds`]: run.rounds,
            [`${pre}node records/s`]: Math.round(nodeRate),
            [`${pre}axios records/s`]: Math.round(bareRate),
            ...(headline
                ? {
                      'node records/s per round': run.results.node.map((v) => Math.round(v)).join(' '),
                      'axios records/s per round': run.results.axios.map((v) => Math.round(v)).join(' '),
                      'node records per CPU second': Math.round(nodeCpu),
                      'axios records per CPU second': Math.round(bareCpu),
                  }
                : {}),
            [`${pre}node / axios records/s, ratio of the medians`]: round(nodeRate / bareRate, 3),
            ...(headline ? { 'node / axios records/s, each round': run.results.node.map((v, r) => round(v / run.results.axios[r], 3)).join(' ') } : {}),
            [`${pre}node / axios records per CPU second`]: round(cpuRatio, 3),
            ...(headline ? { 'V8 heap limit (MB)': Math.round(v8.getHeapStatistics().heap_size_limit / MB), [`node: RSS before the read at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(n, (x) => x.before) } : {}),
            [`${pre}node: peak RSS at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(n, (x) => x.maxRss),
            ...(memoryRuns > 1 ? { [`${pre}node: peak RSS of each process, ${k(checkpoint)} | ${k(total)} (MB)`]: readings(n) } : {}),
            [`${pre}node: heap after GC mid-read, ${k(checkpoint)} / ${k(total)} (MB)`]: pair(n, (x) => x.heapMid),
            ...(headline
                ? {
                      [`node: heap after GC at the last page, ${k(checkpoint)} / ${k(total)} (MB)`]: pair(n, (x) => x.heapEnd),
                      [`node: at its peak RSS, ${k(checkpoint)} | ${k(total)}: V8 old / new / large-object space, external, rest (MB)`]: at(n, (x) => x.atPeak),
                      [`node: full / young GCs during the read, ${k(checkpoint)} / ${k(total)}`]: `${n[checkpoint].fullGcs} / ${n[checkpoint].youngGcs}, ${n[total].fullGcs} / ${n[total].youngGcs}`,
                      [`axios: RSS before the read at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(a, (x) => x.before),
                  }
                : {}),
            [`${pre}axios: peak RSS at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(a, (x) => x.maxRss),
            ...(memoryRuns > 1 ? { [`${pre}axios: peak RSS of each process, ${k(checkpoint)} | ${k(total)} (MB)`]: readings(a) } : {}),
            [`${pre}axios: heap after GC mid-read, ${k(checkpoint)} / ${k(total)} (MB)`]: pair(a, (x) => x.heapMid),
            ...(headline
                ? {
                      [`axios: heap after GC at the last page, ${k(checkpoint)} / ${k(total)} (MB)`]: pair(a, (x) => x.heapEnd),
                      [`axios: at its peak RSS, ${k(checkpoint)} | ${k(total)}: V8 old / new / large-object space, external, rest (MB)`]: at(a, (x) => x.atPeak),
                      [`axios: full / young GCs during the read, ${k(checkpoint)} / ${k(total)}`]: `${a[checkpoint].fullGcs} / ${a[checkpoint].youngGcs}, ${a[total].fullGcs} / ${a[total].youngGcs}`,
                  }
                : {}),
            [`${pre}bare loop in the node's runtime: peak RSS at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(r, (x) => x.maxRss),
            ...(memoryRuns > 1 ? { [`${pre}bare loop in the node's runtime: peak RSS of each process, ${k(checkpoint)} | ${k(total)} (MB)`]: readings(r) } : {}),
            ...(headline ? { [`bare loop in the node's runtime: at its peak RSS, ${k(checkpoint)} | ${k(total)}: V8 old / new / large-object space, external, rest (MB)`]: at(r, (x) => x.atPeak) } : {}),
            [`${pre}node − axios peak RSS at ${k(total)} (MB)`]: round(n[total].maxRss - a[total].maxRss, 1),
            [`${pre}page handed over still held mid-read: node / axios`]: `${held(n[total])} / ${held(a[total])}`,
        });
    });
    figures[`simulator RSS with ${k(total)} records, own process, not counted (MB)`] = round(simRss, 1);
    return {
        name,
        figures,
        checks,
        notes: [
            `Throughput: after one uncounted read per side, node and bare loop interleaved in one process, the simulator in its own process on 127.0.0.1; the ratio is the median of the rounds' ratios (each round's two reads are next to each other). Memory: each side and size read in ${memoryRuns} fresh process(es), each holding only Node-RED + the node (node side) or axios + the signer (bare side), and the bare loop once more in processes that first load Node-RED and the same flow, the node idle (the bare loop in the node's runtime: the control for "flat"); peak RSS = the kernel maxRSS of a process over its whole life (loading Node-RED included), cross-checked by RSS sampled every 5 ms during the read; the figures are those of the process with the median peak.`,
            'Heap after GC mid-read = V8 heap still reachable after a full GC just after the page at 3/4 of the records was taken, while the reader fetches the next one (what the reader holds while it runs); at the last page = the same when the last page is in. "Page handed over still held" = whether that page was still reachable then. At its peak RSS: V8 old / new / large-object space (committed), external (Buffers …), rest = RSS − V8 heap − external (the binary, libraries, malloc arenas).',
            ...spec.notes(total),
        ],
    };
}

/** `old/new/large, external, rest` of a breakdown, in whole MB (for the table). */
function brief(b: Breakdown): string {
    return `${Math.round(b.old)}/${Math.round(b.young)}/${Math.round(b.large)}, ${Math.round(b.external)}, ${Math.round(b.rest)}`;
}

function held(m: Memory): string {
    return m.previousKept === null ? 'n/a' : m.previousKept ? 'yes' : 'no';
}

/** Entry point of a paging bench script: the bench, or one of its child roles. */
export function pagingMain<I>(spec: PagingSpec<I>): void {
    const role = process.env[ROLE];
    const fail = (err: unknown) => {
        process.stderr.write(`${spec.name} (${role}): ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
    };
    if (role === 'sim') serve(spec).catch(fail);
    else if (role === 'node' || role === 'axios' || role === 'runtime') measure(spec, role).catch(fail);
    else main(spec.name, () => bench(spec));
}
