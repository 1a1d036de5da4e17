import should from 'should';
import axios from 'axios';
import { JingchengSim, JINGCHENG_DEMO, demoSheet } from '../sim/jingcheng';
import { jingchengSign } from '../../nodes/jingcheng/sign';

const send = (url: string, body: string, headers: Record<string, string> = {}) =>
    axios.post(url, body, { headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, validateStatus: () => true, transformResponse: (d) => d }).then((r) => ({ status: r.status, body: JSON.parse(r.data) }));

describe('sim/jingcheng: the reference behaviour of §8.2', () => {
    let sim: JingchengSim;
    afterEach(() => sim.stop());

    it('md5: accepts a correct sign, refuses a wrong one, a stale timestamp and an uppercase sign', async () => {
        sim = new JingchengSim();
        await sim.start();
        const url = `${sim.baseUrl}/ExtApi_RecvExSheet`;
        const body = JSON.stringify(demoSheet());
        const ts = String(Math.floor(Date.now() / 1000));
        should(await send(url, body, { 'X-Timestamp': ts, 'X-Sign': jingchengSign(body, ts, JINGCHENG_DEMO.secret) })).eql({ status: 200, body: { success: true, code: '0', message: 'ok', SheetID: 'RS2401090001' } });
        const unauthorized = { status: 401, body: { success: false, code: 'AUTH_FAILED', message: 'unauthorized' } };
        should(await send(url, body, { 'X-Timestamp': ts, 'X-Sign': jingchengSign(body, ts, 'wrong') })).eql(unauthorized);
        should(await send(url, body, { 'X-Timestamp': ts, 'X-Sign': jingchengSign(body, ts, JINGCHENG_DEMO.secret).toUpperCase() })).eql(unauthorized);
        const old = String(Math.floor(Date.now() / 1000) - 301);
        should(await send(url, body, { 'X-Timestamp': old, 'X-Sign': jingchengSign(body, old, JINGCHENG_DEMO.secret) })).eql(unauthorized);
        should(sim.sheets.size).equal(1);
    });

    it('token and none modes; duplicate SheetID; schema violations name the field', async () => {
        sim = new JingchengSim({ auth: 'token' });
        await sim.start();
        const url = `${sim.baseUrl}/erp/ExtApi_RecvExSheet`;
        const auth = { Authorization: `Bearer ${JINGCHENG_DEMO.token}` };
        const body = JSON.stringify(demoSheet('RS1'));
        should((await send(url, body, { Authorization: 'Bearer nope' })).status).equal(401);
        should((await send(url, body, auth)).body.success).be.true();
        should(await send(url, body, auth)).eql({ status: 200, body: { success: false, code: 'DUPLICATE_SHEET', message: 'SheetID已存在' } });
        should(await send(url, JSON.stringify({ ...demoSheet('RS2'), Qua: 2 }), auth)).eql({ status: 400, body: { success: false, code: 'PARAM_ERROR', message: 'Qua: must be string' } });
        should(await send(url, '{"SheetID":', auth)).match({ status: 400, body: { code: 'PARAM_ERROR' } });
        sim.auth = 'none';
        should((await send(url, JSON.stringify(demoSheet('RS3')))).body.success).be.true();
        should([...sim.sheets.keys()]).eql(['RS1', 'RS3']);
    });

    it('token mode: a token holding "$&", "$\'" or "$$" is expected as written, not read as replacement patterns', async () => {
        for (const token of ['tk$&01', "tk$'01", 'tk$$01']) {
            sim = new JingchengSim({ auth: 'token', token });
            await sim.start();
            const url = `${sim.baseUrl}/ExtApi_RecvExSheet`;
            should((await send(url, JSON.stringify(demoSheet('RS1')), { Authorization: `Bearer ${token}` })).body).match({ success: true });
            should((await send(url, JSON.stringify(demoSheet('RS2')), { Authorization: 'Bearer tk<token>01' })).status).equal(401);
            await sim.stop();
        }
    });
});
