import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { WdtSim, WDT_DEMO, demoTrade } from '../sim/wdt';
import wdtConfig = require('../../nodes/wdt/wdt-config');
import wdtTradePush = require('../../nodes/wdt/wdt-trade-push');
import { FAST, checkAttempts, checkWrites, drive, expect, report, seedFor, settle, seededRandom, vendorMix } from './kit';

describe('conservation under faults: wdt-trade-push', function () {
    this.timeout(60000);
    let sim: WdtSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    it('2,000 trades for two shops in chunks of 40, refused trades, lost answers: each stored once (output 1) or on output 2, none pushed twice', async () => {
        const seed = seedFor(9301);
        const rand = seededRandom(seed);
        sim = new WdtSim();
        sim.recordLimit = 100000;
        await sim.start();
        const cfg = { id: 'c1', type: 'wdt-config', server: 'custom', baseUrl: `${sim.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, ...FAST };
        const node = { id: 'n1', type: 'wdt-trade-push', z: 'f1', config: 'c1', params: { shop_no: { value: 'SHOP01', type: 'str' }, switch: { value: '0', type: 'str' }, chunkSize: { value: '40', type: 'num' } } };
        await load([wdtConfig, wdtTradePush], withProbes([cfg, node], 'n1', 2), { c1: { appsecret: WDT_DEMO.appsecret } });
        // WDT asks for 1.1 s after its rate-limit answer: two of them are enough.
        sim.injectRandom(vendorMix(seed, { rateLimit: 'rate-limit', rateLimitMax: 2 }));

        const msgs: Msg[] = [];
        let bad = 0;
        for (let m = 0; m < 20; m++) {
            const payload: Msg[] = [];
            for (let i = 0; i < 100; i++) {
                const n = m * 100 + i;
                const isBad = rand() < 0.03;
                if (isBad) bad++;
                const t = demoTrade(`T${String(n).padStart(6, '0')}`, isBad ? { specNo: 'NO-SUCH-SKU' } : {});
                // Every third trade names its own shop: one trade_push call per shop within a chunk.
                if (n % 3 === 0) t.shop_no = 'SHOP02';
                payload.push(t);
            }
            msgs.push({ payload });
        }
        const results = await drive('n1', msgs, 2);
        await settle();
        // `pushes` counts every trade_push that created or updated the trade: a repeated push shows as 2.
        const stored = new Map([...sim.trades.values()].map((s) => [String(s.trade.tid), s.pushes]));
        const acc = checkWrites(seed, msgs, results, { input: (r) => r.tid, saved: (r) => r.tid }, stored);
        for (const s of sim.trades.values()) expect(s.shop_no === (Number(String(s.trade.tid).slice(1)) % 3 === 0 ? 'SHOP02' : 'SHOP01'), seed, `trade ${s.trade.tid} stored for the wrong shop`);
        const attempts = checkAttempts(sim, seed, {
            key: (r) => {
                const f = WdtSim.form(r);
                return `${f.shop_no}|${f.trade_list}`;
            },
            isWrite: () => true,
            rateFault: 'rate-limit',
        });
        const refused = results.flatMap((r) => r.outputs[1]).filter((o) => o.error.code === 'TRADE_REFUSED').length;
        expect(refused > 0 && acc.unknown > 0 && attempts.retried > 0, seed, 'the mix exercised refusals, lost answers and retries', { refused, acc, attempts });
        report('wdt-trade-push', seed, sim, { ...acc, ...attempts, bad, refused });
    });
});
