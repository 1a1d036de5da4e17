import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import { JingchengSim, JINGCHENG_DEMO, demoSheet } from '../sim/jingcheng';
import { WdtSim, WDT_DEMO, demoTrade } from '../sim/wdt';
import type { SimServer } from '../sim/harness';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeePush = require('../../nodes/kingdee/kingdee-push');
import jingchengConfig = require('../../nodes/jingcheng/jingcheng-config');
import jingchengRecv = require('../../nodes/jingcheng/jingcheng-recv');
import wdtConfig = require('../../nodes/wdt/wdt-config');
import wdtTradePush = require('../../nodes/wdt/wdt-trade-push');
import { FAST, possiblyProcessed, settle } from './kit';

/**
 * A write whose answer was lost leaves on output 2 marked so that a replaying flow can tell it from a refusal:
 * msg.error.possiblyProcessed = true, retryable = false (sending it again may write it twice), and the message says
 * so. Each case below loses the answer of a request the server processed.
 */
describe('conservation under faults: a write whose answer was lost is marked as possibly processed', function () {
    this.timeout(30000);
    let sim: SimServer | undefined;

    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
        sim = undefined;
    });

    const marked = (m: Msg) => {
        should(possiblyProcessed(m)).be.true(`not marked: ${JSON.stringify(m.error)}`);
        should(m.error).match({ possiblyProcessed: true, retryable: false });
    };

    it('kingdee-push: the second target organisation\'s Push is processed but its answer lost → its records marked, the first organisation\'s saved', async () => {
        const k = new KingdeeSim();
        sim = k;
        await k.start();
        const cfg = { id: 'c1', type: 'kingdee-config', serverUrl: k.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', ...FAST };
        const node = { id: 'n1', type: 'kingdee-push', z: 'f1', config: 'c1', params: { FormId: { value: 'CN_PAYAPPLY', type: 'str' }, RuleId: { value: 'r', type: 'str' }, TargetFormId: { value: 'AP_PAYBILL', type: 'str' } } };
        await load([kingdeeConfig, kingdeePush], withProbes([cfg, node], 'n1', 2), { c1: { password: KINGDEE_DEMO.password } });
        let pushes = 0;
        k.inject({ type: 'reset-after-processing' }, 1, (r) => /\.Push\./.test(r.path) && ++pushes === 2);
        const r = await run('n1', { payload: [{ Number: 'FKSQ000101', TargetOrgId: 1 }, { Number: 'FKSQ000102', TargetOrgId: 100101 }, { Number: 'FKSQ000103', TargetOrgId: 1 }] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.source.Number)).eql(['FKSQ000101', 'FKSQ000103']);
        should(r.outputs[1].map((m) => m.payload.Number)).eql(['FKSQ000102']);
        marked(r.outputs[1][0]);
        // It was pushed: replaying it would be refused by Kingdee, not written twice, but the flow must know.
        should(k.rows('AP_PAYBILL').map((b) => b.FSRCBILLNO)).eql(['FKSQ000101', 'FKSQ000103', 'FKSQ000102']);
    });

    it('jingcheng-recv: a sheet stored but its answer lost → marked; the sheets after it are not sent and stay retryable', async () => {
        const j = new JingchengSim();
        sim = j;
        await j.start();
        const cfg = { id: 'c1', type: 'jingcheng-config', baseUrl: j.baseUrl, auth: 'md5', ...FAST };
        await load([jingchengConfig, jingchengRecv], withProbes([cfg, { id: 'n1', type: 'jingcheng-recv', z: 'f1', config: 'c1' }], 'n1', 2), { c1: { secret: JINGCHENG_DEMO.secret } });
        let n = 0;
        j.inject({ type: 'delay', ms: 600, thenProcess: true }, 1, () => ++n === 2);
        const r = await run('n1', { payload: [demoSheet('A1'), demoSheet('A2'), demoSheet('A3')] }, 2);
        await settle();
        should(r.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['A1']);
        const [a2, a3] = r.outputs[1];
        should(a2.payload.SheetID).equal('A2');
        marked(a2);
        should(a3.payload.SheetID).equal('A3');
        should(a3.error).match({ retryable: true });
        should(a3.error.possiblyProcessed).be.undefined();
        should([...j.sheets.keys()]).eql(['A1', 'A2']);
    });

    it('wdt-trade-push: the second shop\'s call processed but its answer lost → its trades marked', async () => {
        const w = new WdtSim();
        sim = w;
        await w.start();
        const cfg = { id: 'c1', type: 'wdt-config', server: 'custom', baseUrl: `${w.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, ...FAST };
        const node = { id: 'n1', type: 'wdt-trade-push', z: 'f1', config: 'c1', params: { shop_no: { value: 'SHOP01', type: 'str' }, switch: { value: '0', type: 'str' } } };
        await load([wdtConfig, wdtTradePush], withProbes([cfg, node], 'n1', 2), { c1: { appsecret: WDT_DEMO.appsecret } });
        let calls = 0;
        w.inject({ type: 'reset-after-processing' }, 1, () => ++calls === 2);
        const r = await run('n1', { payload: [demoTrade('T1'), { ...demoTrade('T2'), shop_no: 'SHOP02' }] }, 2);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T1']);
        should(r.outputs[1].map((m) => m.payload.tid)).eql(['T2']);
        marked(r.outputs[1][0]);
        should([...w.trades.keys()]).eql(['SHOP01/T1', 'SHOP02/T2']);
    });
});
