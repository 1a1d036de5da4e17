/**
 * The Kingdee simulator verifies with its own implementation (test/sim/kingdee/verify.ts), written from protocols.md
 * §1.3/§1.4: it must agree with the §1.9 vector and with preimages and values derived by hand (computed with Python's
 * hashlib/hmac/urllib, not with any code of this package), and the simulator must refuse what §1.4 does not send.
 */
import should from 'should';
import axios from 'axios';
import crypto from 'crypto';
import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import { expectedLoginSign, kdHmacOf, gatewayKeyOf, encodePathStrict, gatewayStringToSign, expectedApiSignature, expectedKdSignature } from '../sim/kingdee/verify';
import { kingdeeApiHeaders, kingdeeLogin } from '../../nodes/kingdee/sign';

const A = 'Kingdee.BOS.WebApi.ServicesStub.AuthService.';
const D = 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.';
const C = KINGDEE_DEMO;
const PATH = C.virtualDir + D + 'ExecuteBillQuery.common.kdsvc';

describe('test/sim/kingdee/verify: the simulator\'s independent Kingdee signatures', () => {
    it('KG (§1.9): kdHmac("abc", "abc123")', () => {
        should(kdHmacOf('abc', 'abc123')).equal('ZDljMTI3NGIyNTE1MTRkYzlkNjc1MDNhYjUzMzgzNWMyY2M4YTdjMzdmNmM3YTVlNDkxMTkzNjdiOTFjNzUyZQ==');
    });

    it('LoginBySign (§1.3): ordinal sort of the five values, lowercase hex SHA-256 / SHA-1', () => {
        const pre = '0a8f7bcd1234e5f6a7b8c9d0e1f2a3b4' + '1704067200' + '225649_7eeAwdDqQkoY0aUvSe4q3/2rUo4UUqlE' + '65f0a1b2c3d4e5f6' + 'demo';
        should(crypto.createHash('sha256').update(pre).digest('hex')).equal('234f6fa63878891a38db0e9efb51ee596eb1d4ed8f45d0bcb15b706697afd1e5');
        should(expectedLoginSign(C.acctId, C.username, C.appId, C.appSecret, '1704067200', 'sha256')).equal('234f6fa63878891a38db0e9efb51ee596eb1d4ed8f45d0bcb15b706697afd1e5');
        should(expectedLoginSign(C.acctId, C.username, C.appId, C.appSecret, '1704067200', 'sha1')).equal('1af6a31f7e7c062c3ed8914b7ace4724ba7e7a79');
        // Mixed case and Chinese: digits < uppercase < lowercase < CJK (code units, never locale order).
        should(expectedLoginSign('Acct01', '张三', '225649_Zz', 'abc', '1704067200', 'sha256')).equal(crypto.createHash('sha256').update('1704067200225649_ZzAcct01abc张三').digest('hex'));
        should(expectedLoginSign('Acct01', '张三', '225649_Zz', 'abc', '1704067200', 'sha256')).equal('8490633b887aa596913667d318f4e1d59aefba4611d65ba65707b0a12f84d7d6');
    });

    it('header mode (§1.4): client secret, encoded path, string to sign, X-Api-Signature, X-Kd-Signature', () => {
        should(gatewayKeyOf(C.appId)).eql({ clientId: '225649', clientSec: '3de19bbZe31755ccfd0d55+ba+11Zc13' });
        should(gatewayKeyOf('225649_short')).be.undefined();
        should(encodePathStrict(PATH)).equal('%2Fk3cloud%2FKingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc');
        should(encodePathStrict("/a b/(x)!*'~")).equal('%2Fa%20b%2F%28x%29%21%2A%27~');
        should(gatewayStringToSign(PATH, '1704067200', '1704067200')).equal('POST\n%2Fk3cloud%2FKingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc\n\nx-api-nonce:1704067200\nx-api-timestamp:1704067200\n');
        should(expectedApiSignature(C.appId, PATH, '1704067200', '1704067200')).equal('MjNlY2FiNTZiYjViOWUyMjA2YmM0Nzg1MTQ4OWMxOThlNzRkZDhlZTNjNzlkZWU1NzczMDc1ZTY4MGVkOWRkMQ==');
        should(expectedKdSignature(C.appId, `${C.acctId},demo,2052,0`, C.appSecret)).equal('MmNjZGMyOTMyMTQzNThhNjI0OWY4ZDVkZGQ3ZWQzMDE1ZWM4YzYwZmY1OGVlYmQwNzkyYjgwNjU1NDAzZjNkOQ==');
        should(expectedKdSignature(C.appId, `${C.acctId},张三,2052,100`, C.appSecret)).equal('YjRlZjBlYTZhMWJjNjlmMzM1ZDc4OGM4N2EzOGZkNGZlMjJmYTZkZmRiZTUzNmVlMjIyYWIzNWZkMTE5YjA2Yg==');
    });

    it('the client\'s signers produce exactly these values (the simulator checks the client, not itself)', () => {
        should(kingdeeLogin(C.acctId, C.username, C.appId, C.appSecret, 1704067200)).equal('234f6fa63878891a38db0e9efb51ee596eb1d4ed8f45d0bcb15b706697afd1e5');
        const h = kingdeeApiHeaders({ path: PATH, appId: C.appId, appSecret: C.appSecret, acctId: C.acctId, username: C.username, lcid: 2052, timestamp: 1704067200, nonce: 1704067200 });
        should(h['X-Api-Signature']).equal('MjNlY2FiNTZiYjViOWUyMjA2YmM0Nzg1MTQ4OWMxOThlNzRkZDhlZTNjNzlkZWU1NzczMDc1ZTY4MGVkOWRkMQ==');
        should(h['X-Kd-Appdata']).equal('NjVmMGExYjJjM2Q0ZTVmNixkZW1vLDIwNTIsMA==');
        should(h['X-Kd-Signature']).equal('MmNjZGMyOTMyMTQzNThhNjI0OWY4ZDVkZGQ3ZWQzMDE1ZWM4YzYwZmY1OGVlYmQwNzkyYjgwNjU1NDAzZjNkOQ==');
    });
});

describe('KingdeeSim is strict about what §1.3/§1.4 send', () => {
    let sim: KingdeeSim;
    beforeEach(async () => {
        sim = new KingdeeSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const post = async (svc: string, body: unknown, headers: Record<string, string> = {}) =>
        JSON.parse((await axios.post(sim.serverUrl + svc + '.common.kdsvc', JSON.stringify(body), { headers: { 'Content-Type': 'application/json', ...headers }, transformResponse: [(d) => d], validateStatus: () => true })).data);
    const q = { data: { FormId: 'BD_Currency', FieldKeys: 'FCODE', FilterString: "FNumber='PRE001'" } };
    const query = (headers: Record<string, string>) => post(D + 'ExecuteBillQuery', q, headers);
    const accepted = async (headers: Record<string, string>) => JSON.stringify(await query(headers)) === '[["CNY"]]';
    const valid = (ts = Math.floor(Date.now() / 1000)): Record<string, string> => ({ ...kingdeeApiHeaders({ path: PATH, appId: C.appId, appSecret: C.appSecret, acctId: C.acctId, username: C.username, lcid: 2052, timestamp: ts, nonce: ts }) });
    const without = (h: Record<string, string>, name: string) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== name));

    it('LoginBySign: a signature from the wrong algorithm, in upper case, or a timestamp that is not decimal seconds is refused', async () => {
        const ts = String(Math.floor(Date.now() / 1000));
        const login = (t: string, sign: string) => post(A + 'LoginBySign', { parameters: [C.acctId, C.username, C.appId, t, sign, 2052] });
        should((await login(ts, expectedLoginSign(C.acctId, C.username, C.appId, C.appSecret, ts, 'sha256'))).LoginResultType).equal(1);
        should((await login(ts, expectedLoginSign(C.acctId, C.username, C.appId, C.appSecret, ts, 'sha1'))).LoginResultType).equal(0);
        should((await login(ts, expectedLoginSign(C.acctId, C.username, C.appId, C.appSecret, ts, 'sha256').toUpperCase())).LoginResultType).equal(0);
        const frac = ts + '.5';
        should((await login(frac, expectedLoginSign(C.acctId, C.username, C.appId, C.appSecret, frac, 'sha256'))).LoginResultType).equal(0);
    });

    it('header mode: the full Python-flavour set passes; Java\'s signheaders spelling and millisecond timestamps too', async () => {
        should(await accepted(valid())).be.true();
        should(await accepted({ ...valid(), 'x-api-signheaders': 'X-Api-TimeStamp,X-Api-Nonce' })).be.true();
        const ms = String(Date.now());
        const java = { ...valid(), 'x-api-timestamp': ms, 'x-api-nonce': ms, 'X-Api-Signature': expectedApiSignature(C.appId, PATH, ms, ms)! };
        should(await accepted(java)).be.true();
        // X-Kd-* alone (a private server called directly) is still enough.
        should(await accepted(Object.fromEntries(Object.entries(valid()).filter(([k]) => !k.toLowerCase().startsWith('x-api-'))))).be.true();
        should(sim.apiSignedCount).equal(4);
    });

    it('header mode: a missing or wrong x-api-nonce, X-Api-Auth-Version or x-api-signheaders is refused', async () => {
        const h = valid();
        for (const name of ['x-api-nonce', 'X-Api-Auth-Version', 'x-api-signheaders', 'X-Api-ClientID', 'x-api-timestamp', 'X-Api-Signature']) {
            should(await accepted(without(h, name))).be.false(name);
        }
        should(await accepted({ ...h, 'X-Api-Auth-Version': '1.0' })).be.false();
        should(await accepted({ ...h, 'x-api-signheaders': 'x-api-timestamp' })).be.false();
        should(await accepted({ ...h, 'x-api-signheaders': 'x-api-nonce,x-api-timestamp' })).be.false();
        // A nonce other than the timestamp, even with a signature made over it.
        const ts = h['x-api-timestamp'];
        const other = String(Number(ts) - 1);
        should(await accepted({ ...h, 'x-api-nonce': other, 'X-Api-Signature': expectedApiSignature(C.appId, PATH, ts, other)! })).be.false();
        should(msgCodeOf(await query({ ...h, 'X-Api-Auth-Version': '1.0' }))).equal(1);
        should(sim.apiSignedCount).equal(0);
    });

    it('header mode: a timestamp outside ±300 s or not plain decimal digits is refused, even signed over', async () => {
        const now = Math.floor(Date.now() / 1000);
        should(await accepted(valid(now - 301))).be.false();
        // 302: a second may pass before the simulator reads its clock, which brings 301 back to the limit.
        should(await accepted(valid(now + 302))).be.false();
        for (const t of [`${now}.0`, `${now / 1e9}e9`, ` ${now}`, `+${now}`]) {
            const h = { ...valid(), 'x-api-timestamp': t, 'x-api-nonce': t, 'X-Api-Signature': expectedApiSignature(C.appId, PATH, t, t)! };
            should(await accepted(h)).be.false(t);
        }
    });

    it('header mode: X-Kd-Appdata must be acctId,username,lcid,orgNum (unset orgNum "0", never "null")', async () => {
        const h = valid();
        const withData = (appData: string) => ({ ...h, 'X-Kd-Appdata': Buffer.from(appData, 'utf8').toString('base64'), 'X-Kd-Signature': expectedKdSignature(C.appId, appData, C.appSecret) });
        should(await accepted(withData(`${C.acctId},${C.username},2052,0`))).be.true();
        should(await accepted(withData(`${C.acctId},${C.username},2052,100`))).be.true();
        should(await accepted(withData(`${C.acctId},${C.username},2052,null`))).be.false();
        should(await accepted(withData(`${C.acctId},${C.username},2052`))).be.false();
        should(await accepted(withData(`${C.acctId},${C.username},zh,0`))).be.false();
    });
});

function msgCodeOf(answer: any): unknown {
    return (Array.isArray(answer) ? answer[0]?.[0] : answer)?.Result?.ResponseStatus?.MsgCode;
}
