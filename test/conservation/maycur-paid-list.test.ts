import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { MaycurSim, MAYCUR_DEMO } from '../sim/maycur';
import type { SimRequest } from '../sim/harness';
import maycurConfig = require('../../nodes/maycur/maycur-config');
import maycurPaidList = require('../../nodes/maycur/maycur-paid-list');
import { FAST, checkAttempts, checkQueries, drive, expect, report, seedFor, vendorMix } from './kit';

const HOUR = 3600000;
const isLogin = (r: SimRequest) => /auth\/login$/i.test(r.path);
const isData = (r: SimRequest) => !isLogin(r);

describe('conservation under faults: maycur-paid-list', function () {
    this.timeout(60000);
    let sim: MaycurSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    it('3,000 payments paged by pageNum with expired tokens: each completed run emits exactly the window, in order, none twice; retries bounded', async () => {
        const seed = seedFor(9004);
        sim = new MaycurSim({ count: 3000 });
        sim.recordLimit = 100000;
        await sim.start();
        const cfg = { id: 'c1', type: 'maycur-config', server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode, ...FAST };
        const node = { id: 'n1', type: 'maycur-paid-list', z: 'f1', config: 'c1', params: {}, outputMode: 'all' };
        await load([maycurConfig, maycurPaidList], withProbes([cfg, node], 'n1', 1), { c1: { appSecret: MAYCUR_DEMO.appSecret } });
        // Maycur blocks an account that logs in more than five times a minute: the faults that make the client log in
        // again (expired tokens) stay few, and a login is never answered late or lost (that would log in twice).
        sim.injectRandom(vendorMix(seed, { rate: 0.2, rateLimit: 'rate-limit', rateLimitMatch: isData, session: 'session-expired', sessionMax: 2, sessionMatch: isData, delayMatch: isData, lostMatch: isData }));
        // Whatever the seed draws, one token expires mid-paging.
        sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (r) => isData(r) && sim.requestCount > 20);

        // The demo payments are paid every hour from 2024-01-09 10:00 China time.
        const first = Date.UTC(2024, 0, 9, 2, 0, 0);
        const plan = [
            { from: first, to: first + 3000 * HOUR, pageSize: 50, outputMode: 'all' },
            { from: first + 100 * HOUR, to: first + 1800 * HOUR, pageSize: 100, outputMode: 'page' },
            { from: first + 500 * HOUR + 1, to: first + 1300 * HOUR, pageSize: 33, outputMode: 'record' },
        ];
        const msgs: Msg[] = plan.map((p) => ({ params: { startPaidTime: p.from, endPaidTime: p.to, pageSize: p.pageSize }, outputMode: p.outputMode }));
        const expectedOf = (from: number, to: number) =>
            sim.payments
                .filter((p) => p.paidTime >= from && p.paidTime <= to)
                .sort((a, b) => a.paidTime - b.paidTime || (a.paymentNo < b.paymentNo ? -1 : 1))
                .map((p) => p.paymentNo);

        const results = await drive('n1', msgs, 1);
        const runs = plan.map((p, i) => ({ expected: expectedOf(p.from, p.to), result: results[i] }));
        expect(runs[0].expected.length === 3000, seed, 'the first window holds every payment');
        const q = checkQueries(seed, runs, (r) => r.paymentNo);
        const attempts = checkAttempts(sim, seed, { key: (r) => (isLogin(r) ? undefined : JSON.stringify(JSON.parse(r.body).data)), sessionFault: 'session-expired' });

        expect(attempts.retried > 0, seed, 'the fault mix was not exercised');
        expect(q.completed > 0, seed, 'no run completed');
        expect(sim.logins >= 2 && sim.logins <= 1 + 3, seed, `one new login per expired token (${sim.logins} logins)`);
        report('maycur-paid-list', seed, sim, { ...q, ...attempts, logins: sim.logins });
    });
});
