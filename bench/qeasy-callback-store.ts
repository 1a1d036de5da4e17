/**
 * qeasy-callback against Node-RED's own `localfilesystem` context store, as settings.js configures it for a duplicate
 * store that outlives a restart: with `cache: false` (every get reads and parses the node's context file, every set
 * reads, parses and rewrites it) and with `cache: true`. N new signed orders, one delivery in flight, real HTTP on
 * 127.0.0.1; the time per delivery at 0.5k / 1k / 2k orders (5k with cache) shows whether a delivery costs in proportion to the keys
 * remembered (ms/delivery growing with N: the whole file is rewritten per order), and the file size what a day adds.
 * Then Node-RED is restarted on the same directory and every order is delivered again: none may reach the flow.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BenchResult, Check, log, main, quick, round } from './lib/bench';
import { Msg, getNode, helper, loadFlow } from './lib/nodered';
import { captureHttpNode, serveCallbacks } from './lib/qeasy';
import qeasyConfig = require('../nodes/qeasy/qeasy-config');
import qeasyCallback = require('../nodes/qeasy/qeasy-callback');

const SECRET = 'qeasy-bench-secret-5d1e8b';

const flow: Msg[] = [
    { id: 'f1', type: 'tab', label: 'bench' },
    { id: 'cap', type: 'capture-http', z: 'f1' },
    { id: 'c1', type: 'qeasy-config', auth: 'hmac', windowSeconds: 300, dedupeWindow: 86400 },
    { id: 'n1', type: 'qeasy-callback', z: 'f1', config: 'c1', path: '/qeasy/store', dedupeStore: 'file', wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
];

async function start(dir: string, cache: boolean) {
    helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { dir, cache, flushInterval: 30 } } } });
    await loadFlow([captureHttpNode, qeasyConfig, qeasyCallback], flow, { c1: { secret: SECRET } });
    await (helper as any)._context.load();
    let emitted = 0;
    getNode('out').on('input', () => emitted++);
    const callbacks = await serveCallbacks(SECRET);
    const deliver = async (tid: string) => (await callbacks.post('/qeasy/store', tid)).status;
    const stop = async () => {
        await callbacks.close();
        // A restart, not an uninstall: the test helper's unload cleans every node's context out of every store (its
        // files deleted), which Node-RED's stop does not; the stores are closed (a cache flushed) as the runtime does.
        const context = (helper as any)._context;
        const clean = context.clean;
        context.clean = () => Promise.resolve();
        try {
            await helper.unload();
        } finally {
            context.clean = clean;
        }
        await context.close();
    };
    return { deliver, emitted: () => emitted, stop };
}

const fileSize = (dir: string) => {
    let total = 0;
    const walk = (d: string) => {
        for (const f of fs.readdirSync(d)) {
            const p = path.join(d, f);
            const s = fs.statSync(p);
            if (s.isDirectory()) walk(p);
            else total += s.size;
        }
    };
    walk(dir);
    return total;
};

main('qeasy-callback with Node-RED\'s localfilesystem duplicate store', async (): Promise<BenchResult> => {
    // Without cache a delivery at 1,000 orders already takes about a fifth of a second (the whole file rewritten):
    // 5,000 would take most of an hour there, so that side stops at 1,000 (the growth shows by then).
    const countsOf = (cache: boolean) => (quick ? [100, 300] : cache ? [1000, 2000, 5000] : [250, 500, 1000]);
    const figures: Record<string, number | string> = {};
    const checks: Check[] = [];
    const perDelivery: Record<string, number[]> = {};
    for (const cache of [false, true]) {
        const label = cache ? 'cache' : 'no cache';
        perDelivery[label] = [];
        const counts = countsOf(cache);
        for (const n of counts) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qeasy-lfs-'));
            let run = await start(dir, cache);
            const bad: number[] = [];
            const t0 = Date.now();
            // every 500 orders, the ms per delivery of the last 100
            let lastMs = 0;
            for (let i = 0; i < n; i++) {
                const s0 = Date.now();
                const code = await run.deliver(`T${i}`);
                if (i >= n - 100) lastMs += Date.now() - s0;
                if (code !== 200) bad.push(code);
            }
            const seconds = (Date.now() - t0) / 1000;
            const first = run.emitted();
            await run.stop();
            const size = fileSize(dir);
            // A restart on the same directory: every order delivered again (new signature, same order) is a repeat.
            run = await start(dir, cache);
            for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 50))) {
                const code = await run.deliver(`T${i}`);
                if (code !== 200) bad.push(code);
            }
            const again = run.emitted();
            await run.stop();
            fs.rmSync(dir, { recursive: true, force: true });
            log(`${label} ${n}: ${round(seconds, 1)} s, last 100 ${round(lastMs / 100, 2)} ms/delivery, file ${Math.round(size / 1024)} KB, emitted ${first}, after restart ${again}, bad ${bad.length}`);
            figures[`${label} ${n} orders: s`] = round(seconds, 2);
            figures[`${label} ${n} orders: ms/delivery of the last 100`] = round(lastMs / 100, 2);
            figures[`${label} ${n} orders: store file KB`] = Math.round(size / 1024);
            figures[`${label} ${n} orders: msgs emitted again after restart`] = again;
            perDelivery[label].push(lastMs / 100);
            if (first !== n || again !== 0 || bad.length > 0) throw new Error(`${label} ${n}: ${first} emitted of ${n}, ${again} emitted again after restart, ${bad.length} failed`);
        }
        const r = perDelivery[label][perDelivery[label].length - 1] / perDelivery[label][0];
        checks.push({ label: `${label}: ms/delivery at ${counts[counts.length - 1]} / at ${counts[0]} orders`, value: round(r, 2), target: '≤ 1.5 (reported)', met: r <= 1.5 });
    }
    return { name: 'qeasy-callback with Node-RED\'s localfilesystem duplicate store', figures, checks, notes: ['localfilesystem in a temp dir; one delivery in flight; every order new and emitted once; a restart on the same dir emits none again'] };
});
