import should from 'should';
import { helper, load, run, withProbes } from '../helpers/nodered';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM } from '../sim/kingdee';
import { MaycurSim, MAYCUR_DEMO } from '../sim/maycur';
import type { SimRequest } from '../sim/harness';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBillQuery = require('../../nodes/kingdee/kingdee-bill-query');
import kingdeeBatchSave = require('../../nodes/kingdee/kingdee-batch-save');
import maycurConfig = require('../../nodes/maycur/maycur-config');
import maycurPaidList = require('../../nodes/maycur/maycur-paid-list');
import { FAST, settle } from './kit';

/**
 * Found by the fault mixes: after a lost session, the re-login itself met a network fault and the whole msg went to
 * Catch without a retry. A failed re-login sends nothing of the call, so its transient failure is retried like any
 * other, within maxRetries.
 */
describe('conservation under faults: a transient failure of the re-login after a lost session', function () {
    this.timeout(30000);
    let kingdee: KingdeeSim | undefined;
    let maycur: MaycurSim | undefined;

    afterEach(async () => {
        await helper.unload();
        await kingdee?.stop();
        await maycur?.stop();
        kingdee = maycur = undefined;
    });

    const isKdLogin = (r: SimRequest) => /AuthService/i.test(r.path);

    it('kingdee-bill-query: session lost on page 2, the re-login is reset → retried; every row once, nothing to Catch', async () => {
        kingdee = new KingdeeSim({ returnRequests: 30 });
        await kingdee.start();
        const cfg = { id: 'c1', type: 'kingdee-config', serverUrl: kingdee.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', ...FAST };
        const node = { id: 'n1', type: 'kingdee-bill-query', z: 'f1', config: 'c1', params: { FormId: { value: RETURN_REQUEST_FORM, type: 'str' }, FieldKeys: { value: 'FID,FEntity_FEntryID', type: 'str' }, Limit: { value: '10', type: 'num' } }, outputMode: 'all' };
        await load([kingdeeConfig, kingdeeBillQuery], withProbes([cfg, node], 'n1', 1), { c1: { password: KINGDEE_DEMO.password } });
        const sim = kingdee;
        let dataCalls = 0;
        sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (r) => !isKdLogin(r) && ++dataCalls === 2);
        sim.inject({ type: 'reset' }, 1, (r) => isKdLogin(r) && sim.loginCount >= 1);
        const r = await run('n1', {}, 1);
        should(r.caught?.error?.message).be.undefined();
        const keys = r.outputs[0][0].payload.map((x: any) => `${x.FID}/${x.FEntity_FEntryID}`);
        should(keys).have.length(60);
        should(new Set(keys).size).equal(60);
        should(sim.faultLog.map((f) => f.fault.type)).eql(['vendor', 'reset']);
        should(sim.loginSuccesses).equal(2);
    });

    it('kingdee-batch-save: session lost, the re-login times out → retried, then saved once (the write was not sent while logging in)', async () => {
        kingdee = new KingdeeSim();
        await kingdee.start();
        const cfg = { id: 'c1', type: 'kingdee-config', serverUrl: kingdee.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', ...FAST };
        const node = { id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' } } };
        await load([kingdeeConfig, kingdeeBatchSave], withProbes([cfg, node], 'n1', 2), { c1: { password: KINGDEE_DEMO.password } });
        const sim = kingdee;
        const bill = (note: string) => ({ FBillTypeID: { FNUMBER: 'XSCKD01_SYS' }, FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: { FNumber: '100' }, FCustomerID: { FNumber: 'CUST001' }, FNote: note, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1 }] });
        should((await run('n1', { payload: [bill('first')] }, 2)).outputs[0]).have.length(1);
        sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (r) => /BatchSave/.test(r.path));
        // The login is processed late (a session the client never learns of), the client times out and logs in again.
        sim.inject({ type: 'delay', ms: 600, thenProcess: true }, 1, isKdLogin);
        const r = await run('n1', { payload: [bill('a'), bill('b')] }, 2);
        await settle();
        should(r.caught?.error?.message).be.undefined();
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload.map((x: any) => x.model.FNote)).eql(['a', 'b']);
        should(sim.rows('SAL_OutStock').map((x) => x.FNote)).eql(['first', 'a', 'b']);
    });

    it('maycur-paid-list: token expired on page 3, the re-login answers 502 → retried; every payment once', async () => {
        maycur = new MaycurSim({ count: 50 });
        await maycur.start();
        const cfg = { id: 'c1', type: 'maycur-config', server: 'custom', baseUrl: maycur.baseUrl, appCode: MAYCUR_DEMO.appCode, ...FAST };
        const node = { id: 'n1', type: 'maycur-paid-list', z: 'f1', config: 'c1', params: { pageSize: { value: '10', type: 'num' } }, outputMode: 'all' };
        await load([maycurConfig, maycurPaidList], withProbes([cfg, node], 'n1', 1), { c1: { appSecret: MAYCUR_DEMO.appSecret } });
        const sim = maycur;
        let dataCalls = 0;
        sim.inject({ type: 'vendor', name: 'token-expired' }, 1, (r) => !/auth\/login/.test(r.path) && ++dataCalls === 3);
        sim.inject({ type: 'http', status: 502, body: 'Bad Gateway' }, 1, (r) => /auth\/login/.test(r.path) && sim.logins >= 1);
        const r = await run('n1', {}, 1);
        should(r.caught?.error?.message).be.undefined();
        const nos = r.outputs[0][0].payload.map((p: any) => p.paymentNo);
        should(nos).eql(sim.payments.map((p) => p.paymentNo));
        should(sim.logins).equal(2);
    });
});
