import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM } from '../sim/kingdee';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBillQuery = require('../../nodes/kingdee/kingdee-bill-query');
import { FAST, checkAttempts, checkQueries, drive, expect, report, seedFor, vendorMix } from './kit';

const FIELD_KEYS = 'FID,FBillNo,FModifyDate,FEntity_FEntryID,FMaterialID_FNumber,FQty';
const isLogin = (path: string) => /AuthService/i.test(path);

describe('conservation under faults: kingdee-bill-query', function () {
    this.timeout(60000);
    let sim: KingdeeSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    it('3,000 rows paged by StartRow/Limit with lost sessions: each completed run emits exactly the window, in order, none twice; retries bounded', async () => {
        const seed = seedFor(9002);
        sim = new KingdeeSim({ returnRequests: 1500 });
        sim.recordLimit = 100000;
        await sim.start();
        const cfg = { id: 'c1', type: 'kingdee-config', serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', ...FAST };
        const node = { id: 'n1', type: 'kingdee-bill-query', z: 'f1', config: 'c1', params: { FormId: { value: RETURN_REQUEST_FORM, type: 'str' }, FieldKeys: { value: FIELD_KEYS, type: 'str' } }, outputMode: 'all' };
        await load([kingdeeConfig, kingdeeBillQuery], withProbes([cfg, node], 'n1', 1), { c1: { password: KINGDEE_DEMO.password } });
        sim.injectRandom(vendorMix(seed, { rate: 0.2, rateLimit: 'rate-limit', rateLimitMatch: (r) => !isLogin(r.path), session: 'session-expired', sessionMatch: (r) => !isLogin(r.path), sessionMax: 6 }));
        // Whatever the seed draws, one session is lost mid-paging.
        sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (r) => !isLogin(r.path) && sim.requestCount > 20);

        // Windows on FModifyDate (the demo bills are modified at 10:00 on day 1..28 of January 2024).
        const plan = [
            { from: 1, to: 29, Limit: 100, outputMode: 'all' },
            { from: 3, to: 20, Limit: 70, outputMode: 'page' },
            { from: 5, to: 15, Limit: 250, outputMode: 'record' },
        ];
        const day = (d: number) => `2024-01-${String(d).padStart(2, '0')} 00:00:00`;
        const msgs: Msg[] = plan.map((p) => ({ params: { ModifiedFrom: day(p.from), ModifiedTo: day(p.to), Limit: p.Limit }, outputMode: p.outputMode }));
        const key = (r: Msg) => `${r.FID}/${r.FEntity_FEntryID}`;
        const expectedOf = (from: number, to: number) =>
            sim
                .rows(RETURN_REQUEST_FORM)
                .filter((r) => {
                    const d = Number(String(r.FModifyDate).slice(8, 10));
                    return d >= from && d < to;
                })
                .sort((a, b) => Number(a.FID) - Number(b.FID) || Number(a.FEntity_FEntryID) - Number(b.FEntity_FEntryID))
                .map(key);

        const results = await drive('n1', msgs, 1);
        const runs = plan.map((p, i) => ({ expected: expectedOf(p.from, p.to), result: results[i] }));
        expect(runs[0].expected.length === 3000, seed, 'the first window holds every row');
        const q = checkQueries(seed, runs, key);
        const attempts = checkAttempts(sim, seed, { key: (r) => (isLogin(r.path) ? undefined : r.body), sessionFault: 'session-expired' });

        expect(attempts.retried > 0, seed, 'the fault mix was not exercised');
        expect(sim.loginCount >= 2, seed, 'the session was renewed after it was lost');
        expect(q.completed > 0, seed, 'no run completed');
        report('kingdee-bill-query', seed, sim, { ...q, ...attempts, logins: sim.loginCount });
    });
});
