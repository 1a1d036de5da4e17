/**
 * What "commit after the writes" costs the rest of the runtime: a query node in ack mode follows its msgs through
 * Node-RED's message hooks (nodes/core/ack.ts followTickets: onSend, preDeliver, onReceive, onComplete), and while
 * they are registered they run for every msg of every flow — an integrator's MQTT or HTTP flow beside one incremental
 * sync included. Measured: msgs/s through a flow of Node-RED's core nodes only (function → change →
 * switch → function, sent to two wires: a sink, and a Split/Join pair before a second sink; the sinks are function
 * nodes returning null, as a debug node ends a msg), 16 msgs in flight, in one runtime, interleaved:
 *   none    (a) no hooks registered (no ack-mode run open);
 *   hooks   (b) an ack-mode run open, its hooks registered as the query node registers them, msgs carrying no
 *           ticket (the other flows, while a sync runs);
 *   ticket  (c) the same, every msg carrying a ticket of the open run (what a sync's own msgs pay);
 *   empty   four hooks that do nothing: the part of (b) that is Node-RED's dispatch, whoever registers hooks.
 * A msg is finished when both sinks had it. The hooks are taken off between rounds (RED.hooks.remove) and put back
 * (followTickets), so the sides share the runtime, the flow and the JIT. Checked besides: once the run is over, no
 * hook is left registered (the other flows between runs run as in (a)).
 */
import path from 'path';
import { BenchResult, atLeast, gc, interleave, log, main, median, pairedRatio, quick, round, sleep, timed } from './lib/bench';
import { Msg, getNode, helper, loadFlow, pump } from './lib/nodered';
import { runtimeHooks } from '../test/helpers/nodered';
import { ACK_PROPERTY, AckRun, followTickets, openAckRun } from '../nodes/core/ack';

const nodeRedPath = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
const coreDir = path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath)] })), 'core');
const [functionNode, changeNode, switchNode, splitNode] = ['function/10-function.js', 'function/15-change.js', 'function/10-switch.js', 'sequence/17-split.js'].map((f) => require(path.join(coreDir, f)));

const HOOKS = ['onSend', 'preDeliver', 'onReceive', 'onComplete'];

main('ack hooks: cost to other flows', async (): Promise<BenchResult> => {
    const z = 'f1';
    const fn = (id: string, func: string, wires: string[][]) => ({ id, type: 'function', z, name: '', func, outputs: wires.length, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires });
    const flow: Msg[] = [
        { id: z, type: 'tab', label: 'bench' },
        fn('in', 'msg.payload.n += 1;\nreturn msg;', [['tag']]),
        { id: 'tag', type: 'change', z, name: '', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'sensor/1', tot: 'str' }], wires: [['route']] },
        { id: 'route', type: 'switch', z, name: '', property: 'payload.n', propertyType: 'msg', rules: [{ t: 'gte', v: '0', vt: 'num' }], checkall: 'true', repair: false, outputs: 1, wires: [['shape']] },
        fn('shape', 'msg.payload.items = [msg.payload.n, msg.payload.n + 1];\nreturn msg;', [['sinkA', 'cut']]),
        { id: 'cut', type: 'split', z, splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', property: 'payload.items', wires: [['rejoin']] },
        { id: 'rejoin', type: 'join', z, mode: 'auto', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '', reduceRight: false, wires: [['sinkB']] },
        fn('sinkA', 'return null;', [[]]),
        fn('sinkB', 'return null;', [[]]),
    ];
    await loadFlow([functionNode, changeNode, switchNode, splitNode], flow);

    // A msg is finished once both sinks had it (by its benchId, which the Split and Join keep).
    const waiting = new Map<string, { left: number; resolve: () => void }>();
    const bad: string[] = [];
    const arrived = (sink: string) => (m: Msg) => {
        const w = waiting.get(m.benchId);
        if (!w) {
            bad.push(`${sink}: a msg nobody waits for (${m.benchId})`);
            return;
        }
        if (--w.left === 0) {
            waiting.delete(m.benchId);
            w.resolve();
        }
    };
    getNode('sinkA').on('input', arrived('sinkA'));
    getNode('sinkB').on('input', arrived('sinkB'));

    const perRound = quick ? 500 : 1000;
    const rounds = quick ? 1 : 41;
    const window = 16;
    const unfinished: string[] = [];

    // Which hooks are registered: the four of ack.ts (followTickets), four that do nothing (the floor: what Node-RED's
    // dispatch of four hooks costs whoever registers them), or none.
    const register = (which: 'ack' | 'empty' | 'none') => {
        runtimeHooks.remove('*.cnErpAck');
        runtimeHooks.remove('*.benchEmpty');
        // As a query node in ack mode does at the start of each run: its run open, the hooks handed over.
        if (which === 'ack') followTickets(runtimeHooks);
        // One parameter: Node-RED calls a hook of two (event, done) and waits for its done.
        if (which === 'empty') for (const h of HOOKS) runtimeHooks.add(`${h}.benchEmpty`, (event: unknown) => undefined);
        const registered = HOOKS.filter((h) => runtimeHooks.has(h));
        if (registered.length !== (which === 'none' ? 0 : HOOKS.length)) throw new Error(`hooks registered: ${registered.join(', ') || 'none'}, expected ${which}`);
    };

    const side = (name: string, hooks: 'ack' | 'empty' | 'none', withTicket: boolean) => async (r: number) => {
        // (b): a run open elsewhere (its msgs not among these); (c): these msgs are the run's.
        const run: AckRun | undefined = hooks === 'ack' ? openAckRun(() => undefined) : undefined;
        register(hooks);
        const { seconds } = await timed(() =>
            pump(perRound, window, (i) => {
                const benchId = `${name}-${r}-${i}`;
                const done = new Promise<void>((resolve, reject) => {
                    const timer = setTimeout(() => reject(new Error(`msg ${benchId} did not reach both sinks within 60 s`)), 60000);
                    waiting.set(benchId, { left: 2, resolve: () => (clearTimeout(timer), resolve()) });
                });
                const msg: Msg = { benchId, payload: { n: i, sensor: 'line-3', value: 21.5 + (i % 10) } };
                if (withTicket) msg[ACK_PROPERTY] = run!.issue(msg);
                getNode('in').receive(msg);
                return done;
            }),
        );
        if (withTicket && run) {
            // The run's own msgs must have been followed to their end (else the side measured is not the one named):
            // every ticket back, a moment after the last msg reached its sinks (a copy ending at a sink comes back on
            // the next turn of the event loop). Bounded wait.
            for (let t = 0; t < 100 && run.outstanding > 0; t++) await sleep(10);
            if (run.outstanding > 0) unfinished.push(`round ${r + 1}: ${run.outstanding} of ${run.issued} tickets not back`);
        }
        run?.abandon();
        return perRound / seconds;
    };
    const sides = { none: side('none', 'none', false), hooks: side('hooks', 'ack', false), ticket: side('ticket', 'ack', true), empty: side('empty', 'empty', false) };

    // A short warm-up of every side (JIT), not measured.
    for (const s of Object.values(sides)) await s(-1);
    log(`${perRound} msgs a round, ${window} in flight, ${rounds} rounds`);
    // Many short rounds, a full GC before each: the load of the shared machine drifts within seconds, and the garbage
    // of one side is not collected in another's round.
    const res = await interleave(rounds, sides, gc);
    // Between runs (every run over, nothing of theirs with a node) the hooks are off: other flows run as in (a).
    const last = openAckRun(() => undefined);
    followTickets(runtimeHooks);
    last.abandon();
    const betweenRuns = HOOKS.filter((h) => runtimeHooks.has(`${h}.cnErpAck`));
    register('none');
    await helper.unload();
    if (bad.length > 0) throw new Error(`${bad.length} unexpected msgs, e.g. ${bad[0]}`);
    if (unfinished.length > 0) throw new Error(`the ticket side's msgs were not all followed to their end: ${unfinished.join('; ')}`);

    const spread = (a: number[], b: number[]) => {
        const ratios = a.map((v, i) => v / b[i]).sort((x, y) => x - y);
        // The middle half of the rounds' ratios: how far one round's figure can be trusted on this machine.
        return `${round(ratios[Math.floor(ratios.length / 4)], 3)}–${round(ratios[Math.ceil((3 * ratios.length) / 4) - 1], 3)}`;
    };
    return {
        name: 'ack hooks: cost to other flows',
        figures: {
            'msgs per round': perRound,
            rounds,
            'msgs in flight': window,
            '(a) no hooks msgs/s': Math.round(median(res.none)),
            '(b) a run open, no ticket msgs/s': Math.round(median(res.hooks)),
            '(c) the run\'s msgs msgs/s': Math.round(median(res.ticket)),
            'four empty hooks msgs/s': Math.round(median(res.empty)),
            '(b)/(a) rounds, middle half': spread(res.hooks, res.none),
            '(c)/(a) rounds, middle half': spread(res.ticket, res.none),
            'four empty hooks / (a)': round(pairedRatio(res.empty, res.none), 3),
            'hooks registered between runs': betweenRuns.length === 0 ? 'none' : betweenRuns.join(', '),
        },
        checks: [
            atLeast('(b) a run open, msgs without its ticket / (a) no hooks, msgs/s', pairedRatio(res.hooks, res.none), 0.9),
            { label: 'hooks registered between runs (other flows as in (a))', value: betweenRuns.length, target: '0', met: betweenRuns.length === 0 },
            { label: '(c) the run\'s msgs / (a) no hooks, msgs/s', value: round(pairedRatio(res.ticket, res.none), 3), target: 'none set (reported)', met: null },
        ],
        notes: [
            'flow function → change → switch → function → [sink, split → join → sink], Node-RED core nodes only, the sinks function nodes returning null; Node-RED delivers asynchronously (its default). "four empty hooks": the same four hooks doing nothing, what Node-RED\'s own dispatch costs.',
        ],
    };
});
