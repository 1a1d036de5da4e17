import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { GuanyiSim, GUANYI_DEMO } from '../sim/guanyi';
import { chinaTime } from '../../nodes/core/time';
import guanyiConfig = require('../../nodes/guanyi/guanyi-config');
import guanyiReturnGet = require('../../nodes/guanyi/guanyi-return-get');
import { FAST, checkAttempts, checkQueries, drive, expect, report, seedFor, vendorMix } from './kit';

const DAY = 86400000;

describe('conservation under faults: guanyi-return-get', function () {
    this.timeout(60000);
    let sim: GuanyiSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    it('3,000 returns paged by page_no: each completed run emits exactly the window, in order, none twice; retries bounded', async () => {
        const seed = seedFor(9003);
        sim = new GuanyiSim({ count: 3000 });
        sim.recordLimit = 100000;
        await sim.start();
        const cfg = { id: 'c1', type: 'guanyi-config', url: `${sim.baseUrl}/rest/erp_open`, appkey: GUANYI_DEMO.appkey, ...FAST };
        const node = { id: 'n1', type: 'guanyi-return-get', z: 'f1', config: 'c1', params: {}, outputMode: 'all' };
        await load([guanyiConfig, guanyiReturnGet], withProbes([cfg, node], 'n1', 1), { c1: { sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret } });
        sim.injectRandom(vendorMix(seed, { rate: 0.2, rateLimit: 'rate-limit' }));

        // The demo returns are created every two hours from 2024-01-08 10:00 China time (3,000 span 250 days).
        const first = Date.UTC(2024, 0, 8, 2, 0, 0);
        const plan = [
            { from: first, to: first + 260 * DAY, page_size: 50, outputMode: 'all' },
            { from: first + 10 * DAY, to: first + 120 * DAY, page_size: 100, outputMode: 'page' },
            { from: first + 30 * DAY + 3600000, to: first + 70 * DAY, page_size: 37, outputMode: 'record' },
        ];
        const msgs: Msg[] = plan.map((p) => ({ params: { start_create: chinaTime(p.from), end_create: chinaTime(p.to), page_size: p.page_size }, outputMode: p.outputMode }));
        const expectedOf = (from: string, to: string) =>
            sim.returns
                .filter((r) => r.create_date >= from && r.create_date <= to)
                .sort((a, b) => (a.create_date < b.create_date ? -1 : a.create_date > b.create_date ? 1 : a.code < b.code ? -1 : 1))
                .map((r) => String(r.id));

        const results = await drive('n1', msgs, 1);
        const runs = plan.map((p, i) => ({ expected: expectedOf(chinaTime(p.from), chinaTime(p.to)), result: results[i] }));
        expect(runs[0].expected.length === 3000, seed, 'the first window holds every return');
        const q = checkQueries(seed, runs, (r) => String(r.id));
        const attempts = checkAttempts(sim, seed, { key: (r) => r.body });

        expect(attempts.retried > 0, seed, 'the fault mix was not exercised');
        expect(q.completed > 0, seed, 'no run completed');
        report('guanyi-return-get', seed, sim, { ...q, ...attempts });
    });
});
