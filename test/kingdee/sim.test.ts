import should from 'should';
import axios from 'axios';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM, parseFilter } from '../sim/kingdee';
import { kingdeeLogin, kingdeeApiHeaders } from '../../nodes/kingdee/sign';

const A = 'Kingdee.BOS.WebApi.ServicesStub.AuthService.';
const D = 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.';

describe('KingdeeSim (protocols.md §1 reference behaviour)', () => {
    let sim: KingdeeSim;
    beforeEach(async () => {
        sim = new KingdeeSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const post = async (svc: string, body: unknown, headers: Record<string, string> = {}) =>
        (await axios.post(sim.serverUrl + svc + '.common.kdsvc', typeof body === 'string' ? body : JSON.stringify(body), { headers: { 'Content-Type': 'applicatin/json', ...headers }, transformResponse: [(d) => d], validateStatus: () => true })).data as string;

    it('FilterString subset: = <> > >= < <= like in and or parentheses', () => {
        const rows = [{ A: 1, B: 'x1' }, { A: 2, B: 'y2' }, { A: 3, B: 'x3' }];
        const run = (f: string) => rows.filter((r) => parseFilter(f)((k) => (r as any)[k])).map((r) => r.A);
        should(run("A = 2")).eql([2]);
        should(run("A <> 2")).eql([1, 3]);
        should(run("A > 1 and A <= 3")).eql([2, 3]);
        should(run("A >= 3 or A < 2")).eql([1, 3]);
        should(run("B like 'x%'")).eql([1, 3]);
        should(run("B in ('y2','x3')")).eql([2, 3]);
        should(run("(A = 1 or A = 3) and B like '%3'")).eql([3]);
        should(() => parseFilter("A = ")).throw();
    });

    it('LoginBySign verifies the signature and the timestamp; sessions via header', async () => {
        const ts = Math.floor(Date.now() / 1000);
        const c = KINGDEE_DEMO;
        const bad = JSON.parse(await post(A + 'LoginBySign', { parameters: [c.acctId, c.username, c.appId, ts, 'deadbeef', 2052] }));
        should(bad.LoginResultType).equal(0);
        should(bad.MessageCode).equal('002005000003016');
        const old = ts - 1000;
        const expired = JSON.parse(await post(A + 'LoginBySign', { parameters: [c.acctId, c.username, c.appId, old, kingdeeLogin(c.acctId, c.username, c.appId, c.appSecret, old), 2052] }));
        should(expired.LoginResultType).equal(0);
        const ok = JSON.parse(await post(A + 'LoginBySign', { parameters: [c.acctId, c.username, c.appId, String(ts), kingdeeLogin(c.acctId, c.username, c.appId, c.appSecret, ts), 2052] }));
        should(ok.LoginResultType).equal(1);
        should(sim.loginCount).equal(3);
        const q = { data: { FormId: 'BD_Currency', FieldKeys: 'FCODE', FilterString: " FNUMBER='PRE001' ", TopRowCount: 0, StartRow: 0, Limit: 0 } };
        should(JSON.parse(await post(D + 'ExecuteBillQuery', q, { 'kdservice-sessionid': ok.KDSVCSessionId }))).eql([['CNY']]);
        const lost = JSON.parse(await post(D + 'ExecuteBillQuery', q));
        should(lost[0][0].Result.ResponseStatus.MsgCode).equal(1);
        sim.expireSessions();
        should(JSON.parse(await post(D + 'ExecuteBillQuery', q, { 'kdservice-sessionid': ok.KDSVCSessionId }))[0][0].Result.ResponseStatus.MsgCode).equal(1);
    });

    it('API-signature headers are verified exactly; positional body with data as JSON text', async () => {
        const c = KINGDEE_DEMO;
        const path = c.virtualDir + D + 'ExecuteBillQuery.common.kdsvc';
        const ts = Math.floor(Date.now() / 1000);
        const h = kingdeeApiHeaders({ path, appId: c.appId, appSecret: c.appSecret, acctId: c.acctId, username: c.username, lcid: 2052, timestamp: ts, nonce: ts });
        const body = { parameters: [JSON.stringify({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FStockID_FNumber', OrderString: 'FID,FEntity_FEntryID', Limit: 3 })] };
        should(JSON.parse(await post(D + 'ExecuteBillQuery', body, h as any))).eql([['TL2024010001', 'WH01'], ['TL2024010001', 'WH01'], ['TL2024010002', 'WH01']]);
        const tampered = { ...h, 'X-Kd-Signature': h['X-Kd-Signature'].toLowerCase() };
        should(JSON.parse(await post(D + 'ExecuteBillQuery', body, tampered as any))[0][0].Result.ResponseStatus.MsgCode).equal(1);
        should(sim.apiSignedCount).equal(1);
    });

    it('malformed JSON → response_error:', async () => {
        const text = await post(D + 'BatchSave', '{"formid":');
        should(text.startsWith('response_error:')).be.true();
    });
});
