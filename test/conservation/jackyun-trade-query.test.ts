import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { JackyunSim, JACKYUN_DEMO } from '../sim/jackyun';
import { chinaTime } from '../../nodes/core/time';
import jackyunConfig = require('../../nodes/jackyun/jackyun-config');
import jackyunTradeQuery = require('../../nodes/jackyun/jackyun-trade-query');
import { FAST, checkAttempts, checkQueries, drive, expect, report, seedFor, vendorMix } from './kit';

const DAY = 86400000;
const HOUR = 3600000;

describe('conservation under faults: jackyun-trade-query', function () {
    this.timeout(60000);
    let sim: JackyunSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    it('3,000 trades (5,500 read) over split windows and pages: each completed run emits exactly the window, in order, none twice; retries bounded', async () => {
        const seed = seedFor(9001);
        sim = new JackyunSim({ trades: 3000, spanDays: 35 });
        sim.recordLimit = 100000;
        await sim.start();
        const cfg = { id: 'c1', type: 'jackyun-config', mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey, ...FAST };
        const node = { id: 'n1', type: 'jackyun-trade-query', z: 'f1', config: 'c1', params: {}, outputMode: 'all' };
        await load([jackyunConfig, jackyunTradeQuery], withProbes([cfg, node], 'n1', 1), { c1: { appSecret: JACKYUN_DEMO.appSecret } });
        sim.injectRandom(vendorMix(seed, { rate: 0.2, rateLimit: 'rate-limit' }));

        // Distinct windows (so that no two runs send the same request), every output mode, window splitting (> 7 days).
        const plan: Array<{ from: number; to: number; pageSize: number; outputMode: string }> = [
            { from: sim.base, to: sim.base + 30 * DAY, pageSize: 50, outputMode: 'all' },
            { from: sim.base + HOUR, to: sim.base + 20 * DAY, pageSize: 40, outputMode: 'page' },
            { from: sim.base + 2 * HOUR, to: sim.base + 9 * DAY, pageSize: 100, outputMode: 'record' },
        ];
        const msgs: Msg[] = plan.map((p) => ({ params: { startModified: chinaTime(p.from), endModified: chinaTime(p.to), pageSize: p.pageSize }, outputMode: p.outputMode }));
        const results = await drive('n1', msgs, 1);
        const runs = plan.map((p, i) => ({ expected: sim.tradesModifiedBetween(p.from, p.to).map((t) => t.tradeNo), result: results[i] }));
        const q = checkQueries(seed, runs, (t) => t.TradeNo);
        const attempts = checkAttempts(sim, seed, { key: (r) => new URLSearchParams(r.body).get('bizcontent') ?? undefined });

        expect(sim.faultLog.length > 0 && attempts.retried > 0, seed, 'the fault mix was not exercised');
        expect(q.completed > 0, seed, 'no run completed: the mix is too harsh to test anything');
        for (const r of results) if (r.caught) expect(/gave up after|HTTP|TIMEOUT|network|Jackyun/.test(r.caught.error.message), seed, 'a caught run names its cause', r.caught.error.message);
        report('jackyun-trade-query', seed, sim, { ...q, ...attempts });
    });
});
