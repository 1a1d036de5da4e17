import should from 'should';
import { kdHmac, kingdeeLogin, kingdeeApiHeaders, kingdeeClientSecret, kingdeePathEncode } from '../../nodes/kingdee/sign';

// Vectors below were derived with a scratch script that re-implements protocols.md §1.3/§1.4 directly on node's
// crypto (not through sign.ts): sort → concat → sha256/sha1; Base64(hex(HMAC-SHA256)); XOR with the SDK key. They
// were checked again with an independent Python re-implementation of the vendor Python SDK's steps (hashlib/hmac,
// sorted(), base64, urllib.parse.quote(path, safe='')): every value below agreed.
const APP_ID = '225649_7eeAwdDqQkoY0aUvSe4q3/2rUo4UUqlE';
const APP_SECRET = '0a8f7bcd1234e5f6a7b8c9d0e1f2a3b4';
const ACCT = '65f0a1b2c3';
const TS = 1704067200;
const PATH = '/k3cloud/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc';

describe('kingdee signing (protocols.md §1.3, §1.4, §1.9)', () => {
    it('KG: kdHmac("abc", "abc123") equals the published gateway check', () => {
        should(kdHmac('abc', 'abc123')).equal('ZDljMTI3NGIyNTE1MTRkYzlkNjc1MDNhYjUzMzgzNWMyY2M4YTdjMzdmNmM3YTVlNDkxMTkzNjdiOTFjNzUyZQ==');
        should(kdHmac('任意', 'k')).have.length(88);
    });

    it('LoginBySign sha256 and sha1 (lowercase hex)', () => {
        should(kingdeeLogin(ACCT, 'demo', APP_ID, APP_SECRET, TS)).equal('12a634fa8c42379f225020cce83feea56afb6781da559240ecb99913beea8f1d');
        should(kingdeeLogin(ACCT, 'demo', APP_ID, APP_SECRET, String(TS), 'sha256')).equal('12a634fa8c42379f225020cce83feea56afb6781da559240ecb99913beea8f1d');
        should(kingdeeLogin(ACCT, 'demo', APP_ID, APP_SECRET, TS, 'sha1')).equal('9d41380a6704fe886248ded462f9915c596ee7c3');
    });

    it('LoginBySign with a Chinese username (UTF-8 bytes; sorts after ASCII)', () => {
        should(kingdeeLogin(ACCT, '张三', APP_ID, APP_SECRET, TS)).equal('00899647988897a5e068e9c802e1bcf063bb1a9379a09a85bcb110211b4b8574');
    });

    it('LoginBySign sorts ordinally, not culture-aware (mixed case)', () => {
        // ordinal: 1704067200 | appId | Secret | Zeta01 | admin; localeCompare would give …|admin|Secret|Zeta01 (b719…).
        const sign = kingdeeLogin('Zeta01', 'admin', APP_ID, 'Secret', TS);
        should(sign).equal('75a2edea3f32245b0a5db070e7334496bf83c0b412095584e51511889c346183');
        should(sign).not.equal('b71938646606ae118087641ee09e78eb1e030faee454bee35a8e3bd2978822da');
    });

    it('rejects an unknown algorithm', () => {
        should(() => kingdeeLogin(ACCT, 'demo', APP_ID, APP_SECRET, TS, 'md5' as any)).throw(/sha256 or sha1/);
    });

    it('client secret: Base64(Base64Decode(secPart) XOR the SDK key); a short secPart is refused', () => {
        should(kingdeeClientSecret('7eeAwdDqQkoY0aUvSe4q3/2rUo4UUqlE')).equal('3de19bbZe31755ccfd0d55+ba+11Zc13');
        should(() => kingdeeClientSecret('short')).throw(/32 Base64/);
    });

    it('path encoding turns / into %2F', () => {
        should(kingdeePathEncode('/k3cloud/A.B.common.kdsvc')).equal('%2Fk3cloud%2FA.B.common.kdsvc');
        // As Python's quote(path, safe=''): also ( ) ! * ' and space encoded, ~ _ . - kept.
        should(kingdeePathEncode("/k3cloud/a(b)!*'~ c")).equal('%2Fk3cloud%2Fa%28b%29%21%2A%27~%20c');
    });

    it('API-signature headers (Python SDK flavour: seconds, lowercase signheaders, orgNum "0")', () => {
        const h = kingdeeApiHeaders({ path: PATH, appId: APP_ID, appSecret: APP_SECRET, acctId: ACCT, username: 'demo', lcid: 2052, timestamp: TS, nonce: TS });
        should(h).eql({
            'X-Api-ClientID': '225649',
            'X-Api-Auth-Version': '2.0',
            'x-api-timestamp': '1704067200',
            'x-api-nonce': '1704067200',
            'x-api-signheaders': 'x-api-timestamp,x-api-nonce',
            'X-Api-Signature': 'MjNlY2FiNTZiYjViOWUyMjA2YmM0Nzg1MTQ4OWMxOThlNzRkZDhlZTNjNzlkZWU1NzczMDc1ZTY4MGVkOWRkMQ==',
            'X-Kd-Appkey': APP_ID,
            'X-Kd-Appdata': 'NjVmMGExYjJjMyxkZW1vLDIwNTIsMA==',
            'X-Kd-Signature': 'YzNjMjJkZWEwNDQ4Y2IzZTIzZGYyM2FhNmZiOGYwNGYxMzZhYjUyMGVhNGFiNDhmZWIwZTExMDcwZGVkY2IzZg==',
        });
    });

    it('API-signature headers with a Chinese username and an org number', () => {
        const h = kingdeeApiHeaders({ path: PATH, appId: APP_ID, appSecret: APP_SECRET, acctId: ACCT, username: '张三', lcid: 2052, orgNum: '100', timestamp: TS, nonce: TS });
        should(h['X-Kd-Appdata']).equal('NjVmMGExYjJjMyzlvKDkuIksMjA1MiwxMDA=');
        should(Buffer.from(h['X-Kd-Appdata'], 'base64').toString('utf8')).equal('65f0a1b2c3,张三,2052,100');
        should(h['X-Kd-Signature']).equal('YTZmYjk2MjJkYTYxODhmYjkzNGJlNzQ5NWRiNjJhMjNkOTI4NTkwMDZhOWYyYjgxNDZhOTFhZDQzNzUwYzg3NA==');
        should(h['X-Api-Signature']).equal('MjNlY2FiNTZiYjViOWUyMjA2YmM0Nzg1MTQ4OWMxOThlNzRkZDhlZTNjNzlkZWU1NzczMDc1ZTY4MGVkOWRkMQ==');
    });
});
