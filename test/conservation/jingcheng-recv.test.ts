import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { JingchengSim, JINGCHENG_DEMO, demoSheet } from '../sim/jingcheng';
import jingchengConfig = require('../../nodes/jingcheng/jingcheng-config');
import jingchengRecv = require('../../nodes/jingcheng/jingcheng-recv');
import { FAST, checkAttempts, checkWrites, drive, expect, report, seedFor, settle, seededRandom, vendorMix } from './kit';

describe('conservation under faults: jingcheng-recv', function () {
    this.timeout(90000);
    let sim: JingchengSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    it('2,000 return sheets one request each, sheets the ERP already has, lost answers: each received once (output 1, those it had marked alreadyPresent) or on output 2, none received twice', async () => {
        const seed = seedFor(9401);
        const rand = seededRandom(seed);
        const sheets: Msg[] = [];
        const already: Msg[] = [];
        for (let i = 0; i < 2000; i++) {
            const s = demoSheet(`RS${String(i).padStart(8, '0')}`);
            // 3 % are in the ERP already (DUPLICATE_SHEET: output 1, marked alreadyPresent).
            if (rand() < 0.03) already.push({ ...s, Remark: 'before the test' });
            sheets.push(s);
        }
        sim = new JingchengSim({ sheets: already });
        sim.recordLimit = 100000;
        await sim.start();
        const cfg = { id: 'c1', type: 'jingcheng-config', baseUrl: sim.baseUrl, auth: 'md5', ...FAST };
        const node = { id: 'n1', type: 'jingcheng-recv', z: 'f1', config: 'c1', params: {} };
        await load([jingchengConfig, jingchengRecv], withProbes([cfg, node], 'n1', 2), { c1: { secret: JINGCHENG_DEMO.secret } });
        // 429 comes with Retry-After: 1 s: two of them are enough.
        sim.injectRandom(vendorMix(seed, { rate: 0.08, rateLimit: 'rate-limit', rateLimitMax: 2 }));

        const msgs: Msg[] = [];
        for (let i = 0; i < sheets.length; i += 20) msgs.push({ payload: sheets.slice(i, i + 20) });
        const results = await drive('n1', msgs, 2);
        await settle();
        const before = new Set(already.map((s) => String(s.SheetID)));
        const out1 = results.flatMap((r) => r.outputs[0]).flatMap((o) => o.payload);
        const duplicates = out1.filter((x: Msg) => x.alreadyPresent === true);
        // The sheets the ERP holds once (the simulator refuses a second copy): those this test got received, and those it
        // had before reported on output 1 as there.
        const received = new Map<string, number>();
        for (const id of sim.sheets.keys()) if (!before.has(id)) received.set(id, 1);
        for (const x of duplicates) if (before.has(String(x.SheetID))) received.set(String(x.SheetID), 1);
        const acc = checkWrites(seed, msgs, results, { input: (r) => String(r.SheetID), saved: (r) => String(r.SheetID) }, received);
        // So a repeated send shows as a sheet this test sent reported already present.
        for (const x of duplicates) expect(before.has(String(x.SheetID)), seed, `sheet ${x.SheetID} already present as a copy this test sent`);
        for (const x of out1) expect(!before.has(String(x.SheetID)) || x.alreadyPresent === true, seed, `sheet ${x.SheetID}, in the ERP before, reported received`);
        const attempts = checkAttempts(sim, seed, { key: (r) => r.body, isWrite: () => true, rateFault: 'rate-limit' });
        expect(duplicates.length > 0 && acc.unknown > 0 && attempts.retried > 0, seed, 'the mix exercised refusals, lost answers and retries', { duplicates: duplicates.length, acc, attempts });
        report('jingcheng-recv', seed, sim, { ...acc, ...attempts, duplicates: duplicates.length });
    });
});
