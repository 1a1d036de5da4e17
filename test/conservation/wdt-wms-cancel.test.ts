import { helper, load, withProbes, Msg } from '../helpers/nodered';
import { WdtWmsSim, WDT_WMS_DEMO, WmsOrder } from '../sim/wdt-wms';
import wdtWmsConfig = require('../../nodes/wdt-wms/wdt-wms-config');
import wdtWmsCancel = require('../../nodes/wdt-wms/wdt-wms-cancel');
import { FAST, checkAttempts, checkWrites, drive, expect, report, seedFor, settle, seededRandom, vendorMix } from './kit';

describe('conservation under faults: wdt-wms-cancel', function () {
    this.timeout(90000);
    let sim: WdtWmsSim;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
    });

    it('2,000 cancellations one request each, shipped and unknown orders, lost answers: each cancelled once (output 1) or on output 2, none cancelled twice', async () => {
        const seed = seedFor(9201);
        const rand = seededRandom(seed);
        const orders: WmsOrder[] = [];
        const records: Msg[] = [];
        for (let i = 0; i < 2000; i++) {
            const code = `WO${String(i).padStart(6, '0')}`;
            const r = rand();
            // 3 % shipped (ORDER_CANNOT_CANCEL), 2 % unknown to the WMS (ORDER_NOT_EXIST): refusals on output 2.
            if (r >= 0.02) orders.push({ orderCode: code, warehouseCode: 'WH01', orderType: 'CGTH', ownerCode: 'OW01', status: r < 0.05 ? 'shipped' : 'created' });
            records.push({ warehouseCode: 'WH01', orderCode: code, orderType: 'CGTH', cancelReason: 'ERP单据作废' });
        }
        sim = new WdtWmsSim({ orders });
        sim.recordLimit = 100000;
        await sim.start();
        const cfg = { id: 'c1', type: 'wdt-wms-config', serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid, format: 'xml', ...FAST };
        const node = { id: 'n1', type: 'wdt-wms-cancel', z: 'f1', config: 'c1', params: {} };
        await load([wdtWmsConfig, wdtWmsCancel], withProbes([cfg, node], 'n1', 2), { c1: { secret: WDT_WMS_DEMO.secret } });
        sim.injectRandom(vendorMix(seed, { rate: 0.08, rateLimit: 'rate-limit' }));

        const msgs: Msg[] = [];
        for (let i = 0; i < records.length; i += 20) msgs.push({ payload: records.slice(i, i + 20) });
        const results = await drive('n1', msgs, 2);
        await settle();
        // What the WMS did: an order moved to cancelled by a request (a repeated cancel answers success again — and is
        // counted here, as a second cancellation).
        const cancels = new Map<string, number>();
        for (const c of sim.cancellations) if (c.flag === 'success') cancels.set(String(c.request.orderCode), (cancels.get(String(c.request.orderCode)) ?? 0) + 1);
        const acc = checkWrites(seed, msgs, results, { input: (r) => r.orderCode, saved: (r) => r.orderCode }, cancels);
        for (const o of sim.orders.values()) if (o.status === 'cancelled') expect(cancels.get(o.orderCode) === 1, seed, `order ${o.orderCode} cancelled without exactly one accepted request`);
        const attempts = checkAttempts(sim, seed, { key: (r) => r.body, isWrite: () => true, rateFault: 'rate-limit' });

        const refused = results.flatMap((r) => r.outputs[1]).filter((o) => /ORDER_CANNOT_CANCEL|ORDER_NOT_EXIST/.test(o.error.code)).length;
        expect(refused > 0 && acc.unknown > 0 && attempts.retried > 0, seed, 'the mix exercised refusals, lost answers and retries', { refused, acc, attempts });
        report('wdt-wms-cancel', seed, sim, { ...acc, ...attempts, refused });
    });
});
