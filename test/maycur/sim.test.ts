import should from 'should';
import axios from 'axios';
import { MaycurSim, MAYCUR_DEMO, demoPayments } from '../sim/maycur';
import { maycurLogin } from '../../nodes/maycur/sign';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) => axios.post(url, body, { headers, validateStatus: () => true }).then((r) => r.data);

describe('sim/maycur: the simulator enforces §7 itself', () => {
    let sim: MaycurSim;
    beforeEach(async () => {
        sim = new MaycurSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const login = (ts: number | string = Date.now(), secret?: string) =>
        post(`${sim.baseUrl}/api/openapi/auth/login`, { appCode: MAYCUR_DEMO.appCode, secret: secret ?? maycurLogin(MAYCUR_DEMO.appSecret, MAYCUR_DEMO.appCode, ts), timestamp: String(ts) });

    it('logs in with a correct secret, refuses an uppercase one and a timestamp 6 minutes off', async () => {
        const ok = await login();
        should(ok.code).equal('ACK');
        should(ok.data.entCode).equal(MAYCUR_DEMO.entCode);
        const ts = Date.now();
        const upper = await login(ts, maycurLogin(MAYCUR_DEMO.appSecret, MAYCUR_DEMO.appCode, ts).toUpperCase());
        should(upper).match({ code: 'NACK', errorCode: 'SECRET_INVALID' });
        const late = await login(Date.now() - 6 * 60000);
        should(late).match({ code: 'NACK', errorCode: 'TIMESTAMP_INVALID' });
        should(sim.logins).equal(1);
        should(sim.loginAttempts).equal(3);
    });

    it('blocks the sixth login within a minute, and keeps blocking', async () => {
        for (let i = 0; i < 5; i++) should((await login()).code).equal('ACK');
        should(await login()).match({ code: 'NACK', errorCode: 'LOGIN_TOO_FREQUENT' });
        should(await login()).match({ code: 'NACK', errorCode: 'LOGIN_TOO_FREQUENT' });
        should(sim.logins).equal(5);
    });

    it('tokens expire after 30 minutes of (fast-forwarded) age', async () => {
        const { data } = await login();
        const headers = { entCode: data.entCode, tokenId: data.tokenId };
        const url = `${sim.baseUrl}/api/openapi/paymenttransaction/paid/list`;
        should((await post(url, { timestamp: Date.now(), data: { pageNum: 1, pageSize: 5 } }, headers)).code).equal('ACK');
        sim.advance(29 * 60000);
        should((await post(url, { timestamp: Date.now(), data: {} }, headers)).code).equal('ACK');
        sim.advance(60000);
        should(await post(url, { timestamp: Date.now(), data: {} }, headers)).match({ code: 'NACK', errorCode: 'TOKEN_INVALID' });
    });

    it('paid/list pages by 1-based page number, filters inclusively on paidTime, caps pageSize at 100', async () => {
        const { data } = await login();
        const headers = { entCode: data.entCode, tokenId: data.tokenId };
        const url = `${sim.baseUrl}/api/openapi/paymenttransaction/paid/list`;
        const all = demoPayments();
        const p2 = await post(url, { timestamp: Date.now(), data: { pageNum: '2', pageSize: '4' } }, headers);
        should(p2.data.totalCount).equal(10);
        should(p2.data.list.map((p: any) => p.payeeTargetBusinessCode)).eql(['FKSQ000105', 'FKSQ000106', 'FKSQ000107', 'FKSQ000108']);
        const window = await post(url, { startPaidTime: all[2].paidTime, endPaidTime: all[4].paidTime, pageNum: 1, pageSize: 100 }, headers);
        should(window.data.list.map((p: any) => p.paymentNo)).eql([all[2].paymentNo, all[3].paymentNo, all[4].paymentNo]);
        should(await post(url, { data: { pageSize: 101 } }, headers)).match({ code: 'NACK', errorCode: 'PARAM_ERROR' });
    });
});
