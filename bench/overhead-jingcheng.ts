/**
 * Per-message overhead: messages/s through an endpoint node (jingcheng-recv, token auth, one record per msg) in a
 * running Node-RED against a simulator that answers at once, vs Node-RED's core `http request` node doing the same
 * call (same URL, headers and JSON body) prepared by a `function` node; same runtime, same simulator, interleaved.
 * Measured with 1 msg in flight (latency per msg) and with 8 in flight (throughput). A msg is finished when its result
 * reaches the probe after the node (output 1 or 2 of the endpoint; the http request node's output).
 */
import { BenchResult, Check, interleave, log, main, median, quick, round, timed } from './lib/bench';
import { Correlator, Msg, coreNodes, getNode, helper, loadFlow, pump, withSharedProbes } from './lib/nodered';
import { JingchengSim, JINGCHENG_DEMO, demoSheet } from '../test/sim/jingcheng';
import jingchengConfig = require('../nodes/jingcheng/jingcheng-config');
import jingchengRecv = require('../nodes/jingcheng/jingcheng-recv');

main('per-message overhead jingcheng-recv', async (): Promise<BenchResult> => {
    const sim = new JingchengSim({ auth: 'token' });
    sim.recordLimit = 0;
    await sim.start();
    const url = `${sim.baseUrl}/ExtApi_RecvExSheet`;
    const prepare = [
        `msg.url = ${JSON.stringify(url)};`,
        `msg.method = 'POST';`,
        `msg.headers = { 'Content-Type': 'application/json; charset=utf-8', Authorization: 'Bearer ' + ${JSON.stringify(JINGCHENG_DEMO.token)} };`,
        `msg.payload = JSON.stringify(msg.payload);`,
        `return msg;`,
    ].join('\n');
    const flow = withSharedProbes(
        [
            { id: 'c1', type: 'jingcheng-config', baseUrl: sim.baseUrl, auth: 'token', rps: 0, concurrency: 0, maxRetries: 0 },
            { id: 'e1', type: 'jingcheng-recv', config: 'c1', params: {} },
            { id: 'fn', type: 'function', z: 'f1', name: 'prepare', func: prepare, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [['h1']] },
            { id: 'h1', type: 'http request', name: 'post', method: 'use', ret: 'obj', paytoqs: 'ignore', url: '', tls: '', persist: true, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [] },
        ],
        [
            { id: 'e1', outputs: 2 },
            { id: 'h1', outputs: 1 },
        ],
        { complete: false },
    );
    await loadFlow([jingchengConfig, jingchengRecv, coreNodes.function(), coreNodes.httpRequest()], flow, { c1: { token: JINGCHENG_DEMO.token } });

    const correlator = new Correlator(60000);
    const bad: string[] = [];
    getNode('e1-out1').on('input', (m: Msg) => correlator.settle(m));
    getNode('e1-out2').on('input', (m: Msg) => {
        bad.push(`endpoint: ${m.error?.message}`);
        correlator.settle(m);
    });
    getNode('h1-out1').on('input', (m: Msg) => {
        if (m.statusCode !== 200 || m.payload?.success !== true) bad.push(`http request: ${m.statusCode} ${JSON.stringify(m.payload).slice(0, 100)}`);
        correlator.settle(m);
    });
    getNode('caught').on('input', (m: Msg) => {
        bad.push(`caught: ${m.error?.message}`);
        correlator.settle(m);
    });

    const perRound = quick ? 300 : 3000;
    const rounds = quick ? 1 : 3;
    const figures: Record<string, number | string> = { 'msgs per round': perRound, rounds };
    const checks: Check[] = [];
    const notes: string[] = [];
    for (const window of [1, 8]) {
        const side = (name: 'endpoint' | 'http', entry: string) => async (r: number) => {
            const { seconds } = await timed(() =>
                pump(perRound, window, async (i) => {
                    const benchId = `${name}-${window}-${r}-${i}`;
                    const done = correlator.wait(benchId);
                    getNode(entry).receive({ benchId, payload: { ...demoSheet(benchId), CustomerName: '天猫旗舰店', Remark: '退货：尺码不合适' } });
                    await done;
                }),
            );
            return perRound / seconds;
        };
        // A short warm-up of both paths (JIT, sockets), not measured.
        await side('endpoint', 'e1')(-1);
        await side('http', 'fn')(-1);
        log(`${window} msg(s) in flight`);
        const res = await interleave(rounds, { endpoint: side('endpoint', 'e1'), http: side('http', 'fn') });
        const e = median(res.endpoint);
        const h = median(res.http);
        figures[`endpoint msgs/s (${window} in flight)`] = Math.round(e);
        figures[`function + http request msgs/s (${window} in flight)`] = Math.round(h);
        figures[`endpoint ms/msg (${window} in flight)`] = round(1000 / e, 3);
        figures[`function + http request ms/msg (${window} in flight)`] = round(1000 / h, 3);
        checks.push({ label: `endpoint / http request msgs/s, ${window} in flight`, value: round(e / h, 3), target: 'none set (reported)', met: null });
    }
    await helper.unload();
    if (bad.length > 0) throw new Error(`${bad.length} msgs failed, e.g. ${bad[0]}`);
    const expected = 2 * 2 * (rounds + 1) * perRound;
    if (sim.sheets.size !== expected) throw new Error(`the simulator holds ${sim.sheets.size} sheets, expected ${expected}`);
    notes.push('endpoint side does parameter and record validation (ajv), the limiter (off: rps 0), classification of the answer and the output split; the http request side sends the prepared JSON and parses the answer.');
    return { name: 'per-message overhead jingcheng-recv', figures, checks, notes };
});
