/**
 * The paging benchmark shared by every query node: N records from the node's simulator through the node in per-page
 * mode inside a Node-RED runtime, against a bare loop of the same signed requests with axios (the system's own signer,
 * the simulator's demo credentials).
 *
 * Processes. The simulator runs in its own child process (this same script, role `sim`), seeded and warmed there, on
 * 127.0.0.1, so its store of N records and the garbage of building each answer are not counted against the node.
 *   - Throughput: the node and the bare loop run interleaved (A B, B A, …) in the bench's own process against that
 *     simulator; the ratio of their median records/s is the figure (target ≥ 0.9).
 *   - Memory: each side and each size is measured in a fresh child (role `node` or `axios`) that reads all records
 *     once and reports its peak RSS — the kernel's maxRSS of that whole process (it never goes down, hence one process
 *     per figure), with RSS also sampled every 5 ms and on each page. The node's child holds only Node-RED and the
 *     node; the bare side's child only axios and the signer. Sizes N and N/4 each get their own simulator (target:
 *     node < 200 MB at N, flat from N/4 to N).
 *
 * A bench script calls `pagingMain(spec)`; the role comes from BENCH_PAGING_ROLE (unset: the bench itself).
 * BENCH_MEASURE_FLAGS adds node flags to the memory children only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
import http from 'http';
import { ChildProcess, spawn } from 'child_process';
import v8 from 'v8';
import axios, { AxiosInstance } from 'axios';
import { BenchResult, Check, MB, RssSampler, atLeast, below, gc, interleave, log, main, maxRssMB, median, quick, round, rssMB, timed } from './bench';
import type { Msg } from './nodered';

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
    /** One bare read of all N records with axios; calls `progress(n)` with each page's record count; resolves with the total. */
    bare: (ax: AxiosInstance, progress: (records: number) => void) => Promise<number>;
}

export interface PagingSpec<I> {
    name: string;
    /**
     * In the simulator's process: seed `total` records, warm any memo with exactly what both sides send, start on
     * 127.0.0.1; resolves with what the clients need (JSON: URL, demo credentials, ranges …).
     */
    startSim: (total: number) => Promise<I>;
    /** In a client process: the node and the bare loop against the simulator described by `info`. */
    target: (info: I, total: number) => PagingTarget;
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
const ROLE = 'BENCH_PAGING_ROLE';
type Side = 'node' | 'axios';

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
    /** V8 heap still reachable after a full GC when the last page arrived. */
    heapEnd: number;
    recordsPerSecond: number;
}

function nodered(): typeof import('./nodered') {
    return require('./nodered');
}

function flowOf(target: PagingTarget): Msg[] {
    return nodered().withProbes([target.config, { id: 'n1', type: target.nodeType, z: 'f1', config: 'c1', params: {}, ...target.node, outputMode: 'page' }], 'n1', 1);
}

/** One full read by the node (flow already loaded); resolves with records/s. */
async function nodeRead(target: PagingTarget, total: number, progress: (records: number) => void): Promise<number> {
    const { seconds, result } = await timed(() => nodered().runQuery('n1', target.msg(), (m) => progress(Array.isArray(m.payload) ? m.payload.length : 1), { expected: total }));
    if (result.records !== total) throw new Error(`the node emitted ${result.records} records, expected ${total}`);
    return total / seconds;
}

async function bareRead(target: PagingTarget, ax: AxiosInstance, total: number, progress: (records: number) => void): Promise<number> {
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

/** Reads all records once in a fresh process on `side`; resolves with its memory figures. */
function measureChild<I>(side: Side, total: number, info: I): Promise<Memory> {
    return new Promise((resolve, reject) => {
        const extra = (process.env.BENCH_MEASURE_FLAGS ?? '').split(/\s+/).filter(Boolean);
        // The bench's own node flags (--expose-gc, and e.g. --max-old-space-size from run-all --node-flag) apply here too.
        const child = spawn(process.execPath, childArgs([...process.execArgv, ...extra]), {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env: { ...process.env, [ROLE]: side, BENCH_PAGING_TOTAL: String(total), BENCH_PAGING_INFO: JSON.stringify(info) },
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
    const target = spec.target(JSON.parse(process.env.BENCH_PAGING_INFO!), total);
    let ax: AxiosInstance | undefined;
    if (side === 'node') await nodered().loadFlow(target.modules(), flowOf(target), { c1: target.credentials });
    else ax = bareAxios();
    gc();
    const before = rssMB();
    const sampler = new RssSampler().start(5);
    sampler.reset();
    let seen = 0;
    let heapEnd = NaN;
    const progress = (records: number) => {
        const prior = seen;
        seen += records;
        sampler.sample();
        if (prior < total && seen >= total) {
            // What the reader still holds when the last page is in (must not grow with the count).
            gc();
            heapEnd = process.memoryUsage().heapUsed / MB;
        }
    };
    const recordsPerSecond = side === 'node' ? await nodeRead(target, total, progress) : await bareRead(target, ax!, total, progress);
    sampler.sample();
    sampler.stop();
    const m: Memory = { side, total, before, sampled: sampler.peak, maxRss: maxRssMB(), heapEnd, recordsPerSecond };
    process.send!(m, () => process.exit(0));
}

/** Role `sim`: seed, warm and start the simulator, tell the parent, serve until the parent goes. */
async function serve<I>(spec: PagingSpec<I>): Promise<void> {
    const info = await spec.startSim(Number(process.env.BENCH_PAGING_TOTAL));
    gc();
    process.on('disconnect', () => process.exit(0));
    process.send!({ info, rss: rssMB() });
}

/** The bench: throughput rounds here, memory in fresh children, the simulator in its own process. */
async function bench<I>(spec: PagingSpec<I>): Promise<BenchResult> {
    const counts = spec.counts ?? pagingCounts();
    const { total, checkpoint } = counts;
    const rounds = !quick && spec.rounds ? spec.rounds : counts.rounds;
    const name = spec.name;
    log(`${name}: starting the simulator with ${total} records in its own process`);
    const sim = await startSimChild<I>(total);
    const mem: Record<Side, Record<number, Memory>> = { node: {}, axios: {} };
    const simRss = sim.rss;
    let results: Record<Side, number[]>;
    // Records per CPU second of this process during each read: the client's own cost (the simulator's time and the
    // other processes of a shared machine are not in it), beside the wall-clock records/s the target is about.
    const cpu: Record<Side, number[]> = { node: [], axios: [] };
    const cpuRate = async (side: Side, read: () => Promise<number>) => {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const rate = await read();
        const c = process.cpuUsage(c0);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        cpu[side].push((rate * seconds) / ((c.user + c.system) / 1e6));
        return rate;
    };
    try {
        const target = spec.target(sim.info, total);
        await nodered().loadFlow(target.modules(), flowOf(target), { c1: target.credentials });
        const ax = bareAxios();
        log(`${name}: ${total} records, ${rounds} round(s) per side, simulator RSS ${round(sim.rss, 1)} MB (its own process)`);
        results = await interleave(rounds, {
            node: async () => {
                gc();
                return cpuRate('node', () => nodeRead(target, total, () => undefined));
            },
            axios: async () => {
                gc();
                return cpuRate('axios', () => bareRead(target, ax, total, () => undefined));
            },
        });
        await nodered().helper.unload();
        for (const side of ['node', 'axios'] as Side[]) {
            mem[side][total] = await measureChild(side, total, sim.info);
            log(`${name}: ${side} alone, ${total} records: peak RSS ${round(mem[side][total].maxRss, 1)} MB`);
        }
    } finally {
        sim.stop();
    }
    const small = await startSimChild<I>(checkpoint);
    try {
        for (const side of ['node', 'axios'] as Side[]) {
            mem[side][checkpoint] = await measureChild(side, checkpoint, small.info);
            log(`${name}: ${side} alone, ${checkpoint} records: peak RSS ${round(mem[side][checkpoint].maxRss, 1)} MB`);
        }
    } finally {
        small.stop();
    }

    const nodeRate = median(results.node);
    const bareRate = median(results.axios);
    const ratio = nodeRate / bareRate;
    const nodeCpu = median(cpu.node);
    const bareCpu = median(cpu.axios);
    const n = mem.node;
    const a = mem.axios;
    log(`${name}: node / axios records/s ${round(ratio, 3)}, per CPU second ${round(nodeCpu / bareCpu, 3)}`);
    const pair = (m: Record<number, Memory>, f: (x: Memory) => number) => `${round(f(m[checkpoint]), 1)} / ${round(f(m[total]), 1)}`;
    const checks: Check[] = [
        atLeast('node / axios records/s', ratio, 0.9),
        below(`node: peak RSS at ${k(total)} records (MB)`, n[total].maxRss, 200),
        { label: `node: peak RSS ${k(checkpoint)} → ${k(total)}`, value: `${round(n[checkpoint].maxRss, 1)} → ${round(n[total].maxRss, 1)} MB`, target: '≤ +10% (flat)', met: n[total].maxRss <= n[checkpoint].maxRss * 1.1 },
        {
            // Both processes' peaks grow with a longer read (V8 lets garbage build up before a full collection); what
            // the node adds over the bare loop is the node's own cost.
            label: `node − axios peak RSS ${k(checkpoint)} → ${k(total)}`,
            value: `${round(n[checkpoint].maxRss - a[checkpoint].maxRss, 1)} → ${round(n[total].maxRss - a[total].maxRss, 1)} MB`,
            target: '≤ +10% (flat)',
            met: n[total].maxRss - a[total].maxRss <= (n[checkpoint].maxRss - a[checkpoint].maxRss) * 1.1,
        },
        { label: `node: heap after GC ${k(checkpoint)} → ${k(total)}`, value: `${round(n[checkpoint].heapEnd, 1)} → ${round(n[total].heapEnd, 1)} MB`, target: '≤ +10% (flat)', met: n[total].heapEnd <= n[checkpoint].heapEnd * 1.1 },
    ];
    return {
        name,
        figures: {
            records: total,
            rounds,
            'node records/s': Math.round(nodeRate),
            'axios records/s': Math.round(bareRate),
            'node records/s per round': results.node.map((v) => Math.round(v)).join(' '),
            'axios records/s per round': results.axios.map((v) => Math.round(v)).join(' '),
            'node records per CPU second': Math.round(nodeCpu),
            'axios records per CPU second': Math.round(bareCpu),
            'node / axios records per CPU second': round(nodeCpu / bareCpu, 3),
            'V8 heap limit (MB)': Math.round(v8.getHeapStatistics().heap_size_limit / MB),
            [`node: RSS before the read at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(n, (x) => x.before),
            [`node: peak RSS at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(n, (x) => x.maxRss),
            [`node: peak RSS sampled during the read at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(n, (x) => x.sampled),
            [`node: heap after GC at the last page, ${k(checkpoint)} / ${k(total)} (MB)`]: pair(n, (x) => x.heapEnd),
            [`axios: RSS before the read at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(a, (x) => x.before),
            [`axios: peak RSS at ${k(checkpoint)} / ${k(total)} (MB)`]: pair(a, (x) => x.maxRss),
            [`axios: heap after GC at the last page, ${k(checkpoint)} / ${k(total)} (MB)`]: pair(a, (x) => x.heapEnd),
            [`node − axios peak RSS at ${k(total)} (MB)`]: round(n[total].maxRss - a[total].maxRss, 1),
            [`simulator RSS with ${k(total)} records, own process, not counted (MB)`]: round(simRss, 1),
        },
        checks,
        notes: [
            'Throughput: node and bare loop interleaved in one process, the simulator in its own process on 127.0.0.1. Memory: each side and size read once in a fresh process holding only Node-RED + the node (node side) or axios + the signer (bare side); peak RSS = the kernel maxRSS of that process over its whole life (loading Node-RED included), cross-checked by RSS sampled every 5 ms during the read. Heap after GC = what stays reachable when the last page is in.',
            ...spec.notes(total),
        ],
    };
}

/** Entry point of a paging bench script: the bench, or one of its child roles. */
export function pagingMain<I>(spec: PagingSpec<I>): void {
    const role = process.env[ROLE];
    const fail = (err: unknown) => {
        process.stderr.write(`${spec.name} (${role}): ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
    };
    if (role === 'sim') serve(spec).catch(fail);
    else if (role === 'node' || role === 'axios') measure(spec, role).catch(fail);
    else main(spec.name, () => bench(spec));
}
