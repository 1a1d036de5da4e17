import should from 'should';
import crypto from 'crypto';
import { MaycurSim, MAYCUR_DEMO } from '../sim/maycur';
import { expectedMaycurSecret, maycurSecretOk } from '../sim/maycur/verify';
import { MaycurClient } from '../../nodes/maycur/client';
import { commonClientSettings } from '../../nodes/core';

const LOGIN = '/api/openapi/auth/login';
const PAID_LIST = '/api/openapi/paymenttransaction/paid/list';

// protocols.md §10 has no Maycur vector: these follow §7.2 as written and were computed with coreutils
// (`printf '%s' "$appSecret:$appCode:$timestamp" | sha256sum`), not with any code of this repository.
describe('sim/maycur verifier: independent of the client signer, agrees with the §7.2 vectors', () => {
    it('computes the vectors (ASCII, Chinese appCode and appSecret, the demo app)', () => {
        should(expectedMaycurSecret('mySecret', 'AP001', '1704682800000')).equal('ecd16a05b2403ce6895caaa7551400108999c70352ba142c5902aade3d082ff5');
        should(expectedMaycurSecret('密钥ABC', '每刻应用', '1704682800000')).equal('0d639c7d5ca69421cdaec0be52a24dc52d894c7209bc4763d65ad70caba81b4e');
        should(expectedMaycurSecret('s3cr3t', 'APPCODE', '1700000000123')).equal('fb62517dd9e0ae2bc1d552c7214419ddc359031ce3ce11a8f3009690391ad9ba');
        should(expectedMaycurSecret(MAYCUR_DEMO.appSecret, MAYCUR_DEMO.appCode, '1700000000000')).equal('decfa6f159c7ea00c348ddad46d98f76db9e692fda85f6f28b26f799887fa9f7');
    });

    it('a number timestamp is read as its decimal text; uppercase hex and other part orders are refused', () => {
        should(maycurSecretOk('fb62517dd9e0ae2bc1d552c7214419ddc359031ce3ce11a8f3009690391ad9ba', 's3cr3t', 'APPCODE', 1700000000123)).be.true();
        should(maycurSecretOk('FB62517DD9E0AE2BC1D552C7214419DDC359031CE3CE11A8F3009690391AD9BA', 's3cr3t', 'APPCODE', 1700000000123)).be.false();
        const swapped = crypto.createHash('sha256').update('APPCODE:s3cr3t:1700000000123', 'utf8').digest('hex');
        should(maycurSecretOk(swapped, 's3cr3t', 'APPCODE', 1700000000123)).be.false();
        should(maycurSecretOk(undefined, 's3cr3t', 'APPCODE', 1700000000123)).be.false();
    });
});

describe('MaycurSim refuses wrong secrets, wrong-case paths and non-JSON Content-Types', () => {
    let sim: MaycurSim;
    beforeEach(async () => {
        sim = new MaycurSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const send = async (p: string, body: string, headers: Record<string, string> = {}) => {
        const res = await fetch(`${sim.baseUrl}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
        const text = await res.text();
        return { status: res.status, body: /^\s*\{/.test(text) ? JSON.parse(text) : text };
    };
    const loginBody = (ts = String(Date.now()), secret = expectedMaycurSecret(MAYCUR_DEMO.appSecret, MAYCUR_DEMO.appCode, ts)) => JSON.stringify({ appCode: MAYCUR_DEMO.appCode, secret, timestamp: ts });
    const session = async () => {
        const { body } = await send(LOGIN, loginBody());
        should(body.code).equal('ACK');
        return { entCode: body.data.entCode as string, tokenId: body.data.tokenId as string };
    };

    it('login: a secret built another way is refused (SECRET_INVALID)', async () => {
        const ts = String(Date.now());
        const noColons = crypto.createHash('sha256').update(`${MAYCUR_DEMO.appSecret}${MAYCUR_DEMO.appCode}${ts}`, 'utf8').digest('hex');
        should((await send(LOGIN, loginBody(ts, noColons))).body).match({ code: 'NACK', errorCode: 'SECRET_INVALID' });
        const seconds = String(Math.floor(Number(ts) / 1000));
        should((await send(LOGIN, loginBody(ts, expectedMaycurSecret(MAYCUR_DEMO.appSecret, MAYCUR_DEMO.appCode, seconds)))).body).match({ code: 'NACK', errorCode: 'SECRET_INVALID' });
        should(sim.logins).equal(0);
    });

    it('paths in another case are not found (only Kingdee paths are case-insensitive, §1.1)', async () => {
        should((await send('/api/openapi/auth/Login', loginBody())).status).equal(404);
        should((await send('/API/openapi/auth/login', loginBody())).status).equal(404);
        const s = await session();
        should((await send('/api/openapi/paymentTransaction/paid/list', JSON.stringify({ timestamp: Date.now(), data: {} }), s)).status).equal(404);
        should((await send(PAID_LIST, JSON.stringify({ timestamp: Date.now(), data: {} }), s)).body.code).equal('ACK');
        should(sim.logins).equal(1);
    });

    it('login and data calls refuse a Content-Type other than application/json (§7.2, §7.3)', async () => {
        for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=gbk']) {
            should((await send(LOGIN, loginBody(), { 'Content-Type': ct })).body).match({ code: 'NACK', errorCode: 'PARAM_ERROR' });
        }
        should(sim.logins).equal(0);
        const s = await session();
        for (const ct of ['text/plain', 'application/x-www-form-urlencoded']) {
            should((await send(PAID_LIST, JSON.stringify({ timestamp: Date.now(), data: {} }), { ...s, 'Content-Type': ct })).body).match({ code: 'NACK', errorCode: 'PARAM_ERROR' });
        }
        should((await send(PAID_LIST, JSON.stringify({ timestamp: Date.now(), data: {} }), { ...s, 'Content-Type': 'application/json;charset=UTF-8' })).body.code).equal('ACK');
    });

    it('a data call without timestamp is accepted: §7.3 does not make the vendor require it (a misspelt timeStamp works)', async () => {
        const s = await session();
        should((await send(PAID_LIST, JSON.stringify({ data: { pageNum: 1, pageSize: 5 } }), s)).body).match({ code: 'ACK', data: { pageNum: 1, pageSize: 5 } });
    });

    it('the client passes the strict simulator, and every data call carries a ms timestamp beside data (§7.4)', async () => {
        const c = new MaycurClient(commonClientSettings('maycur', { retryBaseMs: 5 }, { rps: 0, concurrency: 0 }), { baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, { appSecret: MAYCUR_DEMO.appSecret });
        try {
            const before = Date.now();
            const page = await c.paidList({ pageNum: 1, pageSize: 3 });
            should(page.list).have.length(3);
            const data = sim.requests.filter((r) => r.path === PAID_LIST);
            should(data).have.length(1);
            should(data[0].headers['content-type']).match(/^application\/json\b/);
            const body = JSON.parse(data[0].body);
            should(Object.keys(body)).eql(['timestamp', 'data']);
            should(Number.isInteger(body.timestamp)).be.true();
            should(body.timestamp).be.within(before - 1000, Date.now() + 1000);
            should(sim.requests.filter((r) => r.path === LOGIN).map((r) => r.headers['content-type'])).eql(['application/json']);
        } finally {
            c.close();
        }
    });
});
