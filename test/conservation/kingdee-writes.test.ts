import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import type { SimRequest } from '../sim/harness';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBatchSave = require('../../nodes/kingdee/kingdee-batch-save');
import kingdeePush = require('../../nodes/kingdee/kingdee-push');
import { FAST, checkAttempts, checkWrites, drive, expect, report, seedFor, settle, tally, vendorMix, possiblyProcessed, seededRandom } from './kit';

const isLogin = (r: SimRequest) => /AuthService/i.test(r.path);
/** The vendor's MsgCode answers (call limit, session lost) belong to DynamicFormService calls, not to the login. */
const isData = (r: SimRequest) => !isLogin(r);
const isSave = (r: SimRequest) => /BatchSave/i.test(r.path);
const isPush = (r: SimRequest) => /\.Push\./i.test(r.path);
const RULE = '994f9913-a23f-46fb-b5d9-f1f271b4ef6c';

/** A SAL_OutStock model keyed by FNote; `bad` names a material Kingdee does not know (refused by DIndex). */
function outStock(key: string, bad: boolean, billNo?: string): Msg {
    return {
        FBillTypeID: { FNUMBER: 'XSCKD01_SYS' },
        ...(billNo ? { FBillNo: billNo } : {}),
        FDate: '2024-01-08',
        FSaleOrgID: { FNumber: '100' },
        FStockOrgID: { FNumber: '100' },
        FCustomerID: { FNumber: 'CUST001' },
        FNote: key,
        FEntity: [{ FMaterialID: { FNumber: bad ? 'MAT999' : `MAT00${(Number(key.slice(1)) % 5) + 1}` }, FRealQty: 2, FStockID: { FNumber: 'CK01' } }],
    };
}

/** Bills per key in the simulator's SAL_OutStock (rows are entries: count distinct FIDs). */
function billsBy(sim: KingdeeSim, field: 'FNote' | 'FBillNo'): Map<string, number> {
    const fids = new Map<string, Set<unknown>>();
    for (const r of sim.rows('SAL_OutStock')) {
        const k = String(r[field]);
        if (!fids.has(k)) fids.set(k, new Set());
        fids.get(k)!.add(r.FID);
    }
    return new Map([...fids].map(([k, s]) => [k, s.size]));
}

describe('conservation under faults: Kingdee writes', function () {
    this.timeout(60000);
    let sim: KingdeeSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    const config = () => ({ id: 'c1', type: 'kingdee-config', serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', ...FAST });
    const creds = { c1: { password: KINGDEE_DEMO.password } };

    it('kingdee-batch-save: 2,000 bills without bill numbers in chunks of 10, partial refusals, lost answers and lost sessions: each on output 1 (stored once) or output 2, none stored twice', async () => {
        const seed = seedFor(9101);
        const rand = seededRandom(seed);
        sim = new KingdeeSim();
        sim.recordLimit = 100000;
        await sim.start();
        const node = { id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' }, chunkSize: { value: '10', type: 'num' } } };
        await load([kingdeeConfig, kingdeeBatchSave], withProbes([config(), node], 'n1', 2), creds);
        sim.injectRandom(vendorMix(seed, { rateLimit: 'rate-limit', rateLimitMatch: isData, session: 'session-expired', sessionMatch: isData, sessionMax: 8 }));
        sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (r) => isSave(r) && sim.requestCount > 30);

        // Without FBillNo Kingdee numbers each bill itself: a save repeated after a lost answer would store a second bill.
        const msgs: Msg[] = [];
        let bad = 0;
        for (let m = 0; m < 20; m++) {
            const payload: Msg[] = [];
            for (let i = 0; i < 100; i++) {
                const isBad = rand() < 0.03;
                if (isBad) bad++;
                payload.push(outStock(`K${String(m * 100 + i).padStart(5, '0')}`, isBad));
            }
            msgs.push({ payload });
        }
        const results = await drive('n1', msgs, 2);
        await settle();
        const acc = checkWrites(seed, msgs, results, { input: (r) => r.FNote, saved: (r) => r.model.FNote }, billsBy(sim, 'FNote'));
        const attempts = checkAttempts(sim, seed, { key: (r) => (isLogin(r) ? undefined : r.body), isWrite: isSave, sessionFault: 'session-expired', rateFault: 'rate-limit' });

        const refused = results.flatMap((r) => r.outputs[1]).filter((o) => o.error.kind === 'business' && /MAT999/.test(o.error.message)).length;
        const badSent = msgs.flatMap((m, i) => (results[i].caught ? [] : m.payload)).filter((p: Msg) => p.FEntity[0].FMaterialID.FNumber === 'MAT999').length;
        expect(refused <= badSent && refused > 0, seed, `partial refusals reach output 2 with Kingdee's message (${refused} of ${badSent})`);
        expect(acc.unknown > 0 && attempts.retried > 0 && sim.loginSuccesses >= 2, seed, 'the mix exercised lost answers, retries and a re-login', { acc, attempts, logins: sim.loginSuccesses });
        report('kingdee-batch-save', seed, sim, { ...acc, ...attempts, bad, logins: sim.loginSuccesses });
    });

    it('kingdee-batch-save with the duplicate guard: replaying output 2 and caught msgs until none is left saves every bill exactly once', async () => {
        const seed = seedFor(9102);
        sim = new KingdeeSim();
        sim.recordLimit = 100000;
        await sim.start();
        const node = { id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' }, chunkSize: { value: '20', type: 'num' }, duplicateGuard: { value: 'true', type: 'bool' } } };
        await load([kingdeeConfig, kingdeeBatchSave], withProbes([config(), node], 'n1', 2), creds);
        sim.injectRandom(vendorMix(seed, { rate: 0.25, lostMax: 30, rateLimit: 'rate-limit', rateLimitMatch: isData, session: 'session-expired', sessionMatch: isData, sessionMax: 4 }));

        const all: Msg[] = Array.from({ length: 1000 }, (_, i) => outStock(`G${String(i).padStart(5, '0')}`, false, `XSCK-G${String(i).padStart(5, '0')}`));
        let pending: Msg[] = all;
        const savedOnce = new Map<string, number>();
        let round = 0;
        let alreadyPresent = 0;
        // At-least-once: whatever failed (output 2) or went to Catch is sent again; the guard finds what was saved.
        while (pending.length > 0 && round < 8) {
            round++;
            if (round === 6) sim.clearFaults();
            const msgs: Msg[] = [];
            for (let i = 0; i < pending.length; i += 100) msgs.push({ payload: pending.slice(i, i + 100) });
            const results = await drive('n1', msgs, 2);
            await settle();
            const next: Msg[] = [];
            results.forEach((r, i) => {
                if (r.caught) next.push(...msgs[i].payload);
                for (const o of r.outputs[1]) next.push(o.payload);
                for (const o of r.outputs[0]) {
                    for (const s of o.payload) {
                        savedOnce.set(s.model.FBillNo, (savedOnce.get(s.model.FBillNo) ?? 0) + 1);
                        if (s.alreadyPresent) alreadyPresent++;
                    }
                }
                // Nothing but faults fails here: no business refusal may appear.
                for (const o of r.outputs[1]) expect(o.error.kind !== 'business' || possiblyProcessed(o), seed, `round ${round}: unexpected refusal`, o.error);
            });
            pending = next;
        }
        expect(pending.length === 0, seed, `bills still failing after ${round} rounds`, pending.map((p) => p.FBillNo));
        const stored = billsBy(sim, 'FBillNo');
        const twice = tally(all.map((b) => b.FBillNo)).dups;
        expect(twice.length === 0, seed, 'test data');
        for (const b of all) expect(stored.get(b.FBillNo) === 1, seed, `bill ${b.FBillNo} stored ${stored.get(b.FBillNo) ?? 0} times`);
        expect(stored.size === all.length, seed, `the target holds ${stored.size} bills for ${all.length} sent`);
        for (const [no, n] of savedOnce) expect(n === 1, seed, `bill ${no} reported saved ${n} times`);
        expect(round > 1 && alreadyPresent > 0, seed, 'a replay found bills whose answer had been lost', { round, alreadyPresent });
        report('kingdee-batch-save + duplicate guard', seed, sim, { rounds: round, alreadyPresent });
    });

    it('kingdee-push: 2,000 source bills across two target organisations, unknown sources, lost answers: each pushed once or on output 2, none pushed twice', async () => {
        const seed = seedFor(9103);
        const rand = seededRandom(seed);
        sim = new KingdeeSim();
        sim.recordLimit = 100000;
        await sim.start();
        const sources = sim.rows('CN_PAYAPPLY');
        for (let i = 0; i < 2000; i++) sources.push({ FID: 800001 + i, FBillNo: `FKSQ8${String(i).padStart(5, '0')}`, FDate: '2024-02-01T00:00:00', 'FPAYORGID.FNumber': '100', FAPPLYAMOUNTFOR_H: 1000 + i, FDocumentStatus: 'C', FPushed: false });
        const node = {
            id: 'n1', type: 'kingdee-push', z: 'f1', config: 'c1',
            params: { FormId: { value: 'CN_PAYAPPLY', type: 'str' }, RuleId: { value: RULE, type: 'str' }, TargetFormId: { value: 'AP_PAYBILL', type: 'str' }, chunkSize: { value: '25', type: 'num' } },
        };
        await load([kingdeeConfig, kingdeePush], withProbes([config(), node], 'n1', 2), creds);
        sim.injectRandom(vendorMix(seed, { rateLimit: 'rate-limit', rateLimitMatch: isData, session: 'session-expired', sessionMatch: isData, sessionMax: 8 }));

        const msgs: Msg[] = [];
        let unknownSources = 0;
        for (let m = 0; m < 20; m++) {
            const payload: Msg[] = [];
            for (let i = 0; i < 100; i++) {
                const n = m * 100 + i;
                const missing = rand() < 0.03;
                if (missing) unknownSources++;
                // Two target organisations: one Push request per organisation within a chunk.
                payload.push({ Number: missing ? `FKSQ9${String(n).padStart(5, '0')}` : `FKSQ8${String(n).padStart(5, '0')}`, TargetOrgId: n % 3 === 0 ? 100101 : 1 });
            }
            msgs.push({ payload });
        }
        const results = await drive('n1', msgs, 2);
        await settle();
        const pushed = tally(sim.rows('AP_PAYBILL').map((b) => String(b.FSRCBILLNO))).counts;
        const acc = checkWrites(seed, msgs, results, { input: (r) => r.Number, saved: (r) => r.source.Number }, pushed);
        const attempts = checkAttempts(sim, seed, { key: (r) => (isLogin(r) ? undefined : r.body), isWrite: isPush, sessionFault: 'session-expired', rateFault: 'rate-limit' });
        // A source marked pushed has exactly one target bill.
        for (const s of sources) if (s.FPushed) expect(pushed.get(String(s.FBillNo)) === 1, seed, `source ${s.FBillNo} pushed without exactly one target bill`);
        expect(acc.unknown > 0 && attempts.retried > 0, seed, 'the mix exercised lost answers and retries', { acc, attempts });
        report('kingdee-push', seed, sim, { ...acc, ...attempts, unknownSources });
    });
});
