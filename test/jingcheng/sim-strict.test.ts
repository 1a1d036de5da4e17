import should from 'should';
import crypto from 'crypto';
import { JingchengSim, JINGCHENG_DEMO, demoSheet } from '../sim/jingcheng';
import { expectedJingchengSign, jingchengSignOk } from '../sim/jingcheng/verify';
import { JingchengClient } from '../../nodes/jingcheng/client';
import { commonClientSettings } from '../../nodes/core';

// protocols.md §10 has no Jingcheng vector: these follow §8.1's md5 mode as written and were computed with coreutils
// (`printf '%s' "$body$timestamp$secret" | md5sum`), not with any code of this repository.
const DEMO_BODY = '{"SheetID":"RS2401090001","SheetDate":"2024-01-09","CustomerCode":"C001","CustomerName":"天猫旗舰店","RedBlue":"1","Qua":"2","Amo":"20.00","Remark":"","Items":[{"GoodsID":"G001","Qua":"2","Price":"10.00","Amo":"20.00","Remark":""}]}';

describe('sim/jingcheng verifier: independent of the client signer, agrees with the §8.1 vectors', () => {
    it('computes the vectors (Chinese body, Chinese secret, ASCII, the demo sheet)', () => {
        should(expectedJingchengSign('{"SheetID":"RS2401090001","CustomerName":"天猫旗舰店"}', '1704768000', 'jc-secret')).equal('3e01e1b581430c0993d748f6a5b60b77');
        should(expectedJingchengSign('{}', '1704768000', '秘钥')).equal('a17aac9dcabcd269df005614991dee4d');
        should(expectedJingchengSign('abc', '1', 'x')).equal('98fc83949a387bb6741e2e357e441d88');
        should(expectedJingchengSign(DEMO_BODY, '1704768000', JINGCHENG_DEMO.secret)).equal('63bbdf67c42a942c9d59b9035cac7c16');
        should(JSON.stringify(demoSheet())).equal(DEMO_BODY);
    });

    it('hashes the bytes received: the same text in another encoding, an uppercase sign, another order are refused', () => {
        const utf8 = Buffer.from(DEMO_BODY, 'utf8');
        should(jingchengSignOk('63bbdf67c42a942c9d59b9035cac7c16', utf8, '1704768000', JINGCHENG_DEMO.secret)).be.true();
        should(jingchengSignOk('63bbdf67c42a942c9d59b9035cac7c16', Buffer.from(DEMO_BODY, 'utf16le'), '1704768000', JINGCHENG_DEMO.secret)).be.false();
        should(jingchengSignOk('63BBDF67C42A942C9D59B9035CAC7C16', utf8, '1704768000', JINGCHENG_DEMO.secret)).be.false();
        const reordered = crypto.createHash('md5').update(`1704768000${DEMO_BODY}${JINGCHENG_DEMO.secret}`, 'utf8').digest('hex');
        should(jingchengSignOk(reordered, utf8, '1704768000', JINGCHENG_DEMO.secret)).be.false();
        should(jingchengSignOk(undefined, utf8, '1704768000', JINGCHENG_DEMO.secret)).be.false();
    });
});

describe('JingchengSim refuses a wrong sign, a wrong-case interface name and a wrong Content-Type', () => {
    let sim: JingchengSim;
    beforeEach(async () => {
        sim = new JingchengSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const send = async (p: string, body: string, headers: Record<string, string>) => {
        const res = await fetch(`${sim.baseUrl}${p}`, { method: 'POST', headers, body });
        const text = await res.text();
        return { status: res.status, body: /^\s*\{/.test(text) ? JSON.parse(text) : text };
    };
    const signedHeaders = (body: string | Buffer, ts = String(Math.floor(Date.now() / 1000)), ct = 'application/json; charset=utf-8') => ({ 'Content-Type': ct, 'X-Timestamp': ts, 'X-Sign': expectedJingchengSign(body, ts, JINGCHENG_DEMO.secret) });

    it('a sign over the text other than the bytes sent (\\u-escaped Chinese) is refused; over the bytes, accepted', async () => {
        const sent = JSON.stringify(demoSheet('RS-U1'));
        const escaped = sent.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        should(escaped).not.equal(sent);
        should(await send('/ExtApi_RecvExSheet', sent, signedHeaders(escaped))).match({ status: 401, body: { code: 'AUTH_FAILED' } });
        should(await send('/ExtApi_RecvExSheet', sent, signedHeaders(sent))).match({ status: 200, body: { success: true, SheetID: 'RS-U1' } });
    });

    it('the interface name in another case is not found (only Kingdee paths are case-insensitive, §1.1)', async () => {
        const body = JSON.stringify(demoSheet('RS-C1'));
        should((await send('/extapi_recvexsheet', body, signedHeaders(body))).status).equal(404);
        should((await send('/erp/EXTAPI_RecvExSheet', body, signedHeaders(body))).status).equal(404);
        should(sim.sheets.size).equal(0);
    });

    it('refuses a Content-Type other than application/json; charset=utf-8 (§8.1) with 400 PARAM_ERROR, storing nothing', async () => {
        const body = JSON.stringify(demoSheet('RS-T1'));
        for (const ct of ['text/plain; charset=utf-8', 'application/json', 'application/json; charset=gbk', 'application/x-www-form-urlencoded']) {
            should(await send('/ExtApi_RecvExSheet', body, signedHeaders(body, undefined, ct))).match({ status: 400, body: { success: false, code: 'PARAM_ERROR' } });
        }
        should(sim.sheets.size).equal(0);
        should(await send('/ExtApi_RecvExSheet', body, signedHeaders(body, undefined, 'application/json;charset=UTF-8'))).match({ status: 200, body: { success: true } });
    });

    it('the client passes the strict simulator, also when extra headers name a content-type of their own', async () => {
        for (const extraHeaders of [{}, { 'content-type': 'text/plain' }] as Array<Record<string, string>>) {
            const c = new JingchengClient(commonClientSettings('jingcheng', { retryBaseMs: 5, maxRetries: 0 }, { rps: 0, concurrency: 0 }), { baseUrl: `${sim.baseUrl}/erp`, auth: 'md5', extraHeaders }, { secret: JINGCHENG_DEMO.secret });
            try {
                const id = `RS-X${Object.keys(extraHeaders).length}`;
                should(await c.receiveSheet({ ...demoSheet(id), Qua: 2, Remark: '退货：尺码不合适' })).match({ SheetID: id, response: { success: true } });
                should(sim.requests[sim.requests.length - 1].headers['content-type']).equal('application/json; charset=utf-8');
            } finally {
                c.close();
            }
        }
    });
});
