/**
 * Per-delivery cost of qeasy-callback against what it remembers: a node holding few delivered orders vs nodes holding
 * many, in one running Node-RED, over real HTTP on 127.0.0.1, interleaved. Each node remembers every signed delivery
 * (timestamp, signature) for two signature windows against replays, and the key of every order for the duplicate
 * window (default 24 h) in its node context. A busy shop (300 orders a minute) holds about 3,000 signatures (5-minute
 * window) and 430,000 order keys (24 h).
 *
 *   small: 100 orders delivered before (100 signatures, 100 keys)
 *   large: 10,000 orders delivered before (10,000 signatures, 10,000 keys)
 *   day:   100 signatures, and 100,000 keys put in its context directly (a day's keys at 70 orders a minute)
 *
 * Each side sends new signed orders one at a time (latency per delivery, answered at once); ms per delivery is the
 * figure, and the ratios large/small and day/small show whether a delivery costs in proportion to what is remembered.
 * Between rounds each node's duplicate store is cut back to its size at the start (oldest keys first), so the sides
 * keep their sizes; the signatures grow by the orders sent (at most rounds × per round).
 */
import { BenchResult, Check, interleave, log, main, median, pairedRatio, quick, round, timed } from './lib/bench';
import { Msg, getNode, helper, loadFlow } from './lib/nodered';
import { captureHttpNode, serveCallbacks } from './lib/qeasy';
import qeasyConfig = require('../nodes/qeasy/qeasy-config');
import qeasyCallback = require('../nodes/qeasy/qeasy-callback');

const SECRET = 'qeasy-bench-secret-5d1e8b';
const DEDUPE_KEY = 'qeasyDelivered';

main('qeasy-callback per-delivery cost vs what it remembers', async (): Promise<BenchResult> => {
    const sides = { small: 100, large: quick ? 2000 : 10000 } as const;
    const dayKeys = quick ? 20000 : 100000;
    const flow: Msg[] = [
        { id: 'f1', type: 'tab', label: 'bench' },
        { id: 'cap', type: 'capture-http', z: 'f1' },
        { id: 'c1', type: 'qeasy-config', auth: 'hmac', windowSeconds: 300, dedupeWindow: 86400 },
        ...['small', 'large', 'day'].map((id) => ({ id, type: 'qeasy-callback', z: 'f1', config: 'c1', path: `/qeasy/${id}`, wires: [['out']] })),
        { id: 'out', type: 'helper', z: 'f1' },
    ];
    await loadFlow([captureHttpNode, qeasyConfig, qeasyCallback], flow, { c1: { secret: SECRET } });
    let emitted = 0;
    getNode('out').on('input', () => emitted++);
    const callbacks = await serveCallbacks(SECRET);

    let sent = 0;
    const bad: string[] = [];
    const deliver = (side: string, tid: string) => {
        sent++;
        return callbacks.post(`/qeasy/${side}`, tid).then(({ status, text }) => {
            if (status !== 200 || JSON.parse(text).tid !== tid) bad.push(`${side} ${tid}: ${status} ${text.slice(0, 100)}`);
        });
    };

    // What each node remembers before the measured rounds.
    const t0 = Date.now();
    for (const [side, n] of Object.entries(sides)) {
        for (let i = 0; i < n; i++) await deliver(side, `${side}-fill-${i}`);
    }
    // A day's keys, put in the node's context before its first delivery (as a persistent store holds them at a start).
    const old: Record<string, unknown> = {};
    for (let i = 0; i < dayKeys; i++) old[`tid:day-old-${i}`] = { at: t0, status: 200, body: { shop_no: 'SHOP01', tid: `day-old-${i}`, number: `day-old-${i}` } };
    getNode('day').context().set(DEDUPE_KEY, old);
    for (let i = 0; i < sides.small; i++) await deliver('day', `day-fill-${i}`);
    log(`filled in ${Math.round((Date.now() - t0) / 1000)} s`);

    const size = (id: string) => Object.keys(getNode(id).context().get(DEDUPE_KEY) ?? {}).length;
    const nominal = { small: size('small'), large: size('large'), day: size('day') };
    // Cuts a node's duplicate store back to its size at the start, dropping the oldest keys (bench bookkeeping only).
    const trim = () => {
        for (const id of Object.keys(nominal) as Array<keyof typeof nominal>) {
            const ctx = getNode(id).context();
            const keys = ctx.get(DEDUPE_KEY) as Record<string, unknown>;
            const names = Object.keys(keys);
            for (let i = 0; i < names.length - nominal[id]; i++) delete keys[names[i]];
            ctx.set(DEDUPE_KEY, keys);
        }
    };

    const perRound = 100;
    const rounds = quick ? 3 : 5;
    let seq = 0;
    const side = (id: string) => async (): Promise<number> => {
        const { seconds } = await timed(async () => {
            for (let i = 0; i < perRound; i++) await deliver(id, `${id}-${seq++}`);
        });
        return (seconds * 1000) / perRound;
    };
    // Warm-up of every path (JIT, sockets, the first use of a store), not measured.
    for (const id of Object.keys(nominal)) await side(id)();
    trim();
    const res = await interleave(rounds, { small: side('small'), large: side('large'), day: side('day') }, trim);
    await new Promise((r) => setImmediate(r));
    await callbacks.close();
    await helper.unload();
    if (bad.length > 0) throw new Error(`${bad.length} deliveries failed, e.g. ${bad[0]}`);
    if (emitted !== sent) throw new Error(`${sent} new orders delivered, ${emitted} msgs emitted`);

    const figures: Record<string, number | string> = {
        'deliveries per round': perRound,
        rounds,
        'small: keys held': nominal.small,
        'large: keys held': nominal.large,
        'day: keys held': nominal.day,
        'small ms/delivery': round(median(res.small), 3),
        'large ms/delivery': round(median(res.large), 3),
        'day ms/delivery': round(median(res.day), 3),
    };
    const checks: Check[] = [
        { label: `large / small ms per delivery (${nominal.large} vs ${nominal.small} keys and signatures)`, value: round(pairedRatio(res.large, res.small), 2), target: '≤ 1.5 (reported)', met: pairedRatio(res.large, res.small) <= 1.5 },
        { label: `day / small ms per delivery (${nominal.day} vs ${nominal.small} keys)`, value: round(pairedRatio(res.day, res.small), 2), target: '≤ 1.5 (reported)', met: pairedRatio(res.day, res.small) <= 1.5 },
    ];
    return { name: 'qeasy-callback per-delivery cost vs what it remembers', figures, checks, notes: ['memory context store (Node-RED\'s default); reply at once; one delivery in flight; every order new and emitted once'] };
});
