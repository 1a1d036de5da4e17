import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { JackyunSim, JACKYUN_DEMO } from '../sim/jackyun';
import type { SimRequest, SimResponse } from '../sim/harness';
import { chinaTime } from '../../nodes/core/time';
import jackyunConfig = require('../../nodes/jackyun/jackyun-config');
import jackyunTradeQuery = require('../../nodes/jackyun/jackyun-trade-query');
import { FAST, checkAttempts, checkQueries, drive, expect, report, seedFor, vendorMix } from './kit';

const DAY = 86400000;
const HOUR = 3600000;

/**
 * The Jackyun simulator behind its Qimen gateway, with the gateway's own failure besides its call limit: TOP's
 * "Remote service error" with an isp.* sub_code (the gateway could not reach Jackyun in time), which TOP's SDK says to
 * try again later.
 */
class QimenFaultSim extends JackyunSim {
    protected vendorFault(name: string, req: SimRequest): SimResponse {
        if (name === 'isp-timeout') return { body: { error_response: { code: 15, msg: 'Remote service error', sub_code: 'isp.remote-service-timeout', sub_msg: '远程服务调用超时', request_id: 'qm0000' } } };
        return super.vendorFault(name, req);
    }
}

describe('conservation under faults: jackyun-trade-query through the Qimen gateway', function () {
    this.timeout(60000);
    let sim: QimenFaultSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    it('3,000 trades read through /router/qm (answers as jackyunData text), Qimen\'s call limit and isp.* answers among the faults: each completed run emits exactly the window, in order, none twice; retries bounded', async () => {
        const seed = seedFor(9005);
        sim = new QimenFaultSim({ trades: 3000, spanDays: 35 });
        sim.jackyunData = true;
        sim.recordLimit = 100000;
        await sim.start();
        const cfg = {
            id: 'c1', type: 'jackyun-config', mode: 'qimen', gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey, qimenAppKey: JACKYUN_DEMO.qimenAppKey,
            targetAppKey: JACKYUN_DEMO.targetAppKey, customerId: JACKYUN_DEMO.customerId, signMethod: 'hmac', ...FAST,
        };
        const node = { id: 'n1', type: 'jackyun-trade-query', z: 'f1', config: 'c1', params: {}, outputMode: 'all' };
        await load([jackyunConfig, jackyunTradeQuery], withProbes([cfg, node], 'n1', 1), { c1: { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: JACKYUN_DEMO.qimenSecret } });
        const mix = vendorMix(seed, { rate: 0.2, rateLimit: 'rate-limit' });
        mix.faults.push({ fault: { type: 'vendor', name: 'isp-timeout' }, weight: 2 });
        sim.injectRandom(mix);
        // Whatever the seed draws, the gateway fails once each way mid-paging.
        sim.inject({ type: 'vendor', name: 'isp-timeout' }, 1, () => sim.requestCount > 10);
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 1, () => sim.requestCount > 30);

        const plan: Array<{ from: number; to: number; pageSize: number; outputMode: string }> = [
            { from: sim.base, to: sim.base + 36 * DAY, pageSize: 50, outputMode: 'all' },
            { from: sim.base + HOUR, to: sim.base + 20 * DAY, pageSize: 40, outputMode: 'page' },
            { from: sim.base + 2 * HOUR, to: sim.base + 9 * DAY, pageSize: 100, outputMode: 'record' },
        ];
        const msgs: Msg[] = plan.map((p) => ({ params: { startModified: chinaTime(p.from), endModified: chinaTime(p.to), pageSize: p.pageSize }, outputMode: p.outputMode }));
        const results = await drive('n1', msgs, 1);
        const runs = plan.map((p, i) => ({ expected: sim.tradesModifiedBetween(p.from, p.to).map((t) => t.tradeNo), result: results[i] }));
        expect(runs[0].expected.length > 2000, seed, 'the first window holds thousands of trades', runs[0].expected.length);
        const q = checkQueries(seed, runs, (t) => t.TradeNo);
        // Qimen's content (the inner bizcontent) stays the same across attempts; its timestamps and signatures do not.
        const attempts = checkAttempts(sim, seed, { key: (r) => new URLSearchParams(r.body).get('content') ?? undefined });

        const kinds = new Set(sim.faultLog.map((f) => (f.fault.type === 'vendor' ? f.fault.name : f.fault.type)));
        expect(kinds.has('isp-timeout') && kinds.has('rate-limit') && attempts.retried > 0, seed, 'the Qimen faults were drawn and retried', [...kinds]);
        expect(sim.calls.direct === 0 && sim.calls.qimen > 0, seed, 'every page went through the Qimen gateway', sim.calls);
        expect(q.completed > 0, seed, 'no run completed: the mix is too harsh to test anything');
        for (const r of results) if (r.caught) expect(/gave up after|HTTP|TIMEOUT|network|Qimen|Jackyun/i.test(r.caught.error.message), seed, 'a caught run names its cause', r.caught.error.message);
        report('jackyun-trade-query via Qimen', seed, sim, { ...q, ...attempts });
    });
});
