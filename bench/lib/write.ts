/**
 * The write benchmark shared by every write node: R records through the node at config-node concurrency 1 and at
 * concurrency 4 under the same rate limit, the two sides interleaved in one Node-RED runtime (one simulator; each round
 * deploys its side's config node and write node alone: config nodes of one account share one limiter). The simulator
 * answers after a fixed latency (a `delay` fault on every request, the harness's own mechanism) so that concurrency
 * matters: at concurrency 1 the latency bounds the rate, at 4 the limiter does. From the simulator's recorded request timestamps: the observed request rate vs the configured one (target:
 * within 5% on the rate-bound side).
 */
import type { SimRequest, SimServer } from '../../test/sim/harness';
import { BenchResult, Check, interleave, log, median, quick, round, timed, within } from './bench';
import { Correlator, Msg, getNode, helper, loadFlow, pump, withSharedProbes } from './nodered';

export interface WriteTarget {
    nodeType: string;
    /** [config module, node module]. */
    modules: unknown[];
    sim: SimServer;
    /** The config node with this id, concurrency and rate limit, pointing at the started simulator. */
    config: (id: string, concurrency: number, rps: number) => Msg;
    credentials: Msg;
    /** Extra node settings (params …). */
    node?: Msg;
    /** `count` fresh records (unique keys), `tag` distinguishes the sides and rounds. */
    records: (tag: string, first: number, count: number) => unknown[];
    /** Records per input msg (the node chunks them into requests itself). */
    recordsPerMsg: number;
    /** Requests that count toward the limiter's rate (e.g. data calls, not logins). */
    isData: (req: SimRequest) => boolean;
    /** Configured requests per second (the same on both config nodes). */
    rps: number;
    /** Simulated server latency per request, ms. */
    latencyMs: number;
    /** Records per side: full and quick. */
    total: { full: number; quick: number };
    /** Records the simulator's store holds (checked: both sides' records, each once). */
    stored?: () => number;
    /** Msgs in flight at once (enough to keep 4 requests busy). */
    window?: number;
    notes?: string[];
}

export async function writeBench(name: string, t: WriteTarget): Promise<BenchResult> {
    const total = quick ? t.total.quick : t.total.full;
    const rounds = quick ? 1 : 2;
    const perRound = Math.ceil(total / rounds / t.recordsPerMsg) * t.recordsPerMsg;
    const msgsPerRound = perRound / t.recordsPerMsg;
    const window = t.window ?? 8;
    const sim = t.sim;
    // Every request waits `latencyMs` before it is answered (then processed normally).
    sim.inject({ type: 'delay', ms: t.latencyMs }, Number.POSITIVE_INFINITY);
    sim.recordLimit = perRound * 4 + 1000;

    const stats: Record<'c1' | 'c4', { ok: number; failed: number; caught: number; rates: number[]; requests: number }> = {
        c1: { ok: 0, failed: 0, caught: 0, rates: [], requests: 0 },
        c4: { ok: 0, failed: 0, caught: 0, rates: [], requests: 0 },
    };
    const correlator = new Correlator(600000);
    // The two sides are one account: deployed together, their config nodes would share one limiter (the account's),
    // at the stricter concurrency. Each round deploys the side it measures alone.
    const deploy = async (key: 'c1' | 'c4') => {
        const nodeId = key === 'c1' ? 'w1' : 'w4';
        const flow = withSharedProbes([t.config(key, key === 'c1' ? 1 : 4, t.rps), { id: nodeId, type: t.nodeType, config: key, params: {}, ...t.node }], [{ id: nodeId, outputs: 2 }]);
        await loadFlow(t.modules, flow, { [key]: t.credentials });
        getNode(`${nodeId}-out1`).on('input', (m: Msg) => {
            stats[key].ok += typeof m.count === 'number' ? m.count : Array.isArray(m.payload) ? m.payload.length : 1;
        });
        getNode(`${nodeId}-out2`).on('input', () => stats[key].failed++);
        getNode('caught').on('input', (m: Msg) => {
            stats[key].caught++;
            correlator.settle(m);
        });
        getNode('completed').on('input', (m: Msg) => correlator.settle(m));
    };
    log(`${name}: ${perRound * rounds} records per side in ${rounds} round(s), ${t.recordsPerMsg} per msg, ${window} msgs in flight, ${t.rps} req/s, ${t.latencyMs} ms latency`);

    const side = (key: 'c1' | 'c4', nodeId: string) => async (r: number) => {
        await deploy(key);
        sim.clearRequests();
        const tag = `${key}r${r}`;
        const { seconds } = await timed(() =>
            pump(msgsPerRound, window, async (i) => {
                const benchId = `${tag}-${i}`;
                const done = correlator.wait(benchId);
                getNode(nodeId).receive({ benchId, payload: t.records(tag, i * t.recordsPerMsg, t.recordsPerMsg) });
                await done;
            }),
        );
        const data = sim.requests.filter(t.isData);
        stats[key].requests += data.length;
        if (data.length > 1) {
            const span = (data[data.length - 1].time - data[0].time) / 1000;
            stats[key].rates.push((data.length - 1) / span);
        }
        await helper.unload();
        return perRound / seconds;
    };
    const results = await interleave(rounds, { c1: side('c1', 'w1'), c4: side('c4', 'w4') });
    sim.clearFaults();

    for (const key of ['c1', 'c4'] as const) {
        const s = stats[key];
        if (s.ok !== perRound * rounds || s.failed > 0 || s.caught > 0) {
            throw new Error(`${key}: ${s.ok} saved, ${s.failed} failed, ${s.caught} msgs caught; expected ${perRound * rounds} saved`);
        }
    }
    if (t.stored && t.stored() !== 2 * perRound * rounds) throw new Error(`the simulator stored ${t.stored()} records, expected ${2 * perRound * rounds}`);
    const c1 = median(results.c1);
    const c4 = median(results.c4);
    const rate1 = median(stats.c1.rates);
    const rate4 = median(stats.c4.rates);
    const checks: Check[] = [
        { label: 'records/s concurrency 4 / 1', value: round(c4 / c1, 2), target: `> 1 while latency × rate > 1 (here ${round((t.latencyMs / 1000) * t.rps, 2)})`, met: c4 / c1 > 1 },
        within('observed req/s at concurrency 4 (rate-bound)', rate4, t.rps, 0.05),
    ];
    return {
        name,
        figures: {
            'records per side': perRound * rounds,
            'requests per side': stats.c4.requests,
            'configured req/s': t.rps,
            'server latency (ms)': t.latencyMs,
            'records/s concurrency 1': round(c1, 1),
            'records/s concurrency 4': round(c4, 1),
            'observed req/s concurrency 1': round(rate1, 2),
            'observed req/s concurrency 4': round(rate4, 2),
            'rounds': rounds,
        },
        checks,
        notes: [
            `observed rate = (requests − 1) / (last − first arrival) from ${sim.name} simulator's recorded request times, per round, median; latency from a \`delay\` fault on every request.`,
            ...(t.notes ?? []),
        ],
    };
}
