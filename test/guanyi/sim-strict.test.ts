import should from 'should';
import crypto from 'crypto';
import { GuanyiSim, GUANYI_DEMO } from '../sim/guanyi';
import { expectedGuanyiSign, guanyiSignProblem } from '../sim/guanyi/verify';
import { GuanyiClient } from '../../nodes/guanyi/client';
import { commonClientSettings } from '../../nodes/core';

// protocols.md §10 has no Guanyi vector: these follow §6.2 as written and were computed with coreutils
// (`printf '%s' "$secret$text$secret" | md5sum`, uppercased), not with any code of this repository.
const G1 = '{"appkey":"112233","sessionkey":"abc","method":"gy.erp.trade.return.get","page_no":1,"page_size":10}';
const G2 = '{"appkey":"112233","sessionkey":"abc","method":"gy.erp.trade.return.get","shop_code":"天猫店","receiver_name":"张三","page_no":"1"}';
const G3 = '{"appkey":"112233","sessionkey":"abc","method":"gy.erp.trade.return.get","page_no":1}';
const G4 = '{"appkey": "112233", "sessionkey": "abc", "method": "gy.erp.trade.return.get", "page_no": 1}';

describe('sim/guanyi verifier: independent of the client signer, agrees with the §6.2 vectors', () => {
    it('computes the vectors (ASCII, Chinese values and secret)', () => {
        should(expectedGuanyiSign(G1, 'sec')).equal('4767D9243C13D9E7406B5A0109141916');
        should(expectedGuanyiSign(G2, '密钥')).equal('4D1BA93748453569370E3055330BD1CC');
        should(expectedGuanyiSign(G3, 'sec')).equal('CAA882B11D0A49FF9CFA451DE1B62940');
        should(expectedGuanyiSign(G4, 'sec')).equal('C37134AFD341DB941A38646A70F13434');
    });

    it('accepts the sign appended last (form a), sign first, sign mid-body, and non-compact raw text (form a)', () => {
        should(guanyiSignProblem(`${G2.slice(0, -1)},"sign":"4D1BA93748453569370E3055330BD1CC"}`, '密钥')).be.undefined();
        should(guanyiSignProblem(`{"sign":"CAA882B11D0A49FF9CFA451DE1B62940",${G3.slice(1)}`, 'sec')).be.undefined();
        should(guanyiSignProblem('{"appkey":"112233","sign":"CAA882B11D0A49FF9CFA451DE1B62940","sessionkey":"abc","method":"gy.erp.trade.return.get","page_no":1}', 'sec')).be.undefined();
        should(guanyiSignProblem(`${G4.slice(0, -1)}, "sign": "C37134AFD341DB941A38646A70F13434"}`, 'sec')).be.undefined();
    });

    it('accepts by compact re-serialisation (form b) when the raw text differs (1.0 vs 1)', () => {
        should(guanyiSignProblem('{"appkey":"112233","sessionkey":"abc","method":"gy.erp.trade.return.get","page_no":1.0,"sign":"CAA882B11D0A49FF9CFA451DE1B62940"}', 'sec')).be.undefined();
    });

    it('refuses a lowercase sign, a wrong secret, "1" for 1, a missing sign, and a sign over secret+text only', () => {
        should(guanyiSignProblem(`${G1.slice(0, -1)},"sign":"4767d9243c13d9e7406b5a0109141916"}`, 'sec')).equal('sign does not match');
        should(guanyiSignProblem(`${G1.slice(0, -1)},"sign":"4767D9243C13D9E7406B5A0109141916"}`, 'sec2')).equal('sign does not match');
        should(guanyiSignProblem(`${G1.replace('"page_no":1', '"page_no":"1"').slice(0, -1)},"sign":"4767D9243C13D9E7406B5A0109141916"}`, 'sec')).equal('sign does not match');
        should(guanyiSignProblem(G1, 'sec')).equal('sign is missing');
        const half = crypto.createHash('md5').update(`sec${G1}`, 'utf8').digest('hex').toUpperCase();
        should(guanyiSignProblem(`${G1.slice(0, -1)},"sign":"${half}"}`, 'sec')).equal('sign does not match');
    });
});

describe('GuanyiSim refuses what the real API would not get from the official demo', () => {
    let sim: GuanyiSim;
    beforeEach(async () => {
        sim = new GuanyiSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const signed = (fields: Record<string, unknown>, secret = GUANYI_DEMO.secret) => {
        const text = JSON.stringify({ appkey: GUANYI_DEMO.appkey, sessionkey: GUANYI_DEMO.sessionkey, method: 'gy.erp.trade.return.get', ...fields });
        return { text, sign: expectedGuanyiSign(text, secret) };
    };
    const post = async (body: string, headers: Record<string, string> = { 'Content-Type': 'application/json;charset=utf-8' }, p = '/rest/erp_open') => {
        const res = await fetch(`${sim.baseUrl}${p}`, { method: 'POST', headers, body });
        const text = await res.text();
        return { status: res.status, body: /^\s*\{/.test(text) ? JSON.parse(text) : text };
    };

    it('accepts a body signed per §6.2 (Chinese values), refuses a lowercase or wrongly built sign', async () => {
        const { text, sign } = signed({ shop_code: 'SHOP02', vip_name: '会员2', page_no: 1, page_size: 50 });
        should((await post(`${text.slice(0, -1)},"sign":"${sign}"}`)).body).match({ success: true, total: 1 });
        should((await post(`${text.slice(0, -1)},"sign":"${sign.toLowerCase()}"}`)).body).match({ success: false, errorCode: 'SIGN_INVALID' });
        const noSecretSuffix = crypto.createHash('md5').update(GUANYI_DEMO.secret + text, 'utf8').digest('hex').toUpperCase();
        should((await post(`${text.slice(0, -1)},"sign":"${noSecretSuffix}"}`)).body).match({ success: false, errorCode: 'SIGN_INVALID' });
    });

    it('refuses a path in another case (only Kingdee paths are case-insensitive, §1.1)', async () => {
        const { text, sign } = signed({ page_no: 1 });
        const body = `${text.slice(0, -1)},"sign":"${sign}"}`;
        should((await post(body, undefined, '/rest/erp_open')).body).match({ success: true });
        should((await post(body, undefined, '/REST/erp_open')).status).equal(404);
        should((await post(body, undefined, '/rest/ERP_OPEN')).status).equal(404);
    });

    it('refuses a Content-Type other than application/json;charset=utf-8 (§6.1)', async () => {
        const { text, sign } = signed({ page_no: 1 });
        const body = `${text.slice(0, -1)},"sign":"${sign}"}`;
        for (const ct of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/json', 'application/json;charset=gbk']) {
            should((await post(body, { 'Content-Type': ct })).body).match({ success: false, errorCode: 'PARAM_ERROR' });
        }
        should((await post(body, { 'Content-Type': 'Application/JSON; charset="UTF-8"' })).body).match({ success: true });
    });

    it('the client passes the strict simulator (its Content-Type, path and sign)', async () => {
        const c = new GuanyiClient(commonClientSettings('guanyi', { rps: 0, retryBaseMs: 5, maxRetries: 0 }, { rps: 5, concurrency: 2 }), { url: `${sim.baseUrl}/rest/erp_open`, appkey: GUANYI_DEMO.appkey }, { sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret });
        try {
            const page = await c.returnGet({ shop_code: 'SHOP02', vip_name: '会员2' }, 1, 50, {});
            should(page.records.map((r) => r.code)).eql(['RTN000002']);
            should(sim.requests[0].headers['content-type']).equal('application/json;charset=utf-8');
        } finally {
            c.close();
        }
    });
});
