import should from 'should';
import { GuanyiSim, GUANYI_DEMO } from '../sim/guanyi';
import { guanyiBody } from '../../nodes/guanyi/sign';

async function call(sim: GuanyiSim, fields: Record<string, unknown>, over: Record<string, unknown> = {}, secret = GUANYI_DEMO.secret): Promise<any> {
    const { body } = guanyiBody({ appkey: GUANYI_DEMO.appkey, sessionkey: GUANYI_DEMO.sessionkey, method: 'gy.erp.trade.return.get', ...over, ...fields }, secret);
    const res = await fetch(`${sim.baseUrl}/rest/erp_open`, { method: 'POST', headers: { 'Content-Type': 'application/json;charset=utf-8' }, body });
    return res.json();
}

describe('GuanyiSim', () => {
    let sim: GuanyiSim;
    beforeEach(async () => {
        sim = new GuanyiSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    it('pages from page_no 1 with tradeReturns and total', async () => {
        const p1 = await call(sim, { page_no: 1, page_size: 10 });
        const p3 = await call(sim, { page_no: 3, page_size: 10 });
        should(p1).match({ success: true, total: 25 });
        should(p1.tradeReturns).have.length(10);
        should(p3.tradeReturns).have.length(5);
        should(p1.tradeReturns[0].code).equal('RTN000001');
        should(p1.tradeReturns[0].details[0].payments).have.length(1);
    });

    it('filters by shop_code with a Chinese-valued request signed correctly', async () => {
        const a = await call(sim, { shop_code: 'SHOP02', vip_name: '会员2', page_no: 1, page_size: 50 });
        should(a.success).be.true();
        should(a.tradeReturns.map((r: any) => r.code)).eql(['RTN000002']);
    });

    it('time ranges compare times, ends inclusive: a date alone is its midnight; a day that does not exist is refused', async () => {
        sim.returns[0].create_date = '2024-01-09 00:00:00';
        sim.returns[1].create_date = '2024-01-08 23:59:59';
        sim.returns[2].create_date = '2024-01-09 00:00:01';
        const codes = async (q: Record<string, unknown>) => (await call(sim, { page_no: 1, page_size: 100, ...q })).tradeReturns.map((r: any) => r.code).filter((c: string) => ['RTN000001', 'RTN000002', 'RTN000003'].includes(c)).sort();
        // As text, '2024-01-09 00:00:00' > '2024-01-09': the return made at that very midnight fell outside the end.
        should(await codes({ start_create: '2024-01-08 23:59:59', end_create: '2024-01-09' })).eql(['RTN000001', 'RTN000002']);
        should(await codes({ start_create: '2024-01-09', end_create: '2024-01-09 00:00:01' })).eql(['RTN000001', 'RTN000003']);
        should(await call(sim, { start_create: '2024-02-30 00:00:00', end_create: '2024-03-01 00:00:00' })).match({ success: false, errorCode: 'PARAM_ERROR' });
        should(await call(sim, { start_create: '2024-01-08 24:00:00' })).match({ success: false, errorCode: 'PARAM_ERROR' });
    });

    it('bad sessionkey, bad sign, page_size over 100', async () => {
        should(await call(sim, { page_no: 1 }, { sessionkey: 'nope' })).match({ success: false, errorCode: 'SESSIONKEY_INVALID', errorDesc: 'sessionkey无效' });
        should(await call(sim, { page_no: 1 }, {}, 'wrong')).match({ success: false, errorCode: 'SIGN_INVALID' });
        should(await call(sim, { page_no: 1, page_size: 101 })).match({ success: false, errorCode: 'PARAM_ERROR' });
    });

    it('vendorFault rate-limit', async () => {
        sim.inject({ type: 'vendor', name: 'rate-limit' });
        should(await call(sim, { page_no: 1 })).match({ success: false, errorCode: 'REQUEST_LIMIT' });
    });
});
