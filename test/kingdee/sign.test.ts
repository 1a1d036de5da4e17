import should from 'should';
import { kdHmac, kingdeeApiHeaders, kingdeeClientSecret, kingdeeLogin, kingdeePathEncode, kingdeeStringToSign, splitAppId } from '../../nodes/kingdee/sign';

// KG is the published gateway check of protocols.md §1.9. Every other constant below was computed by a separate
// scratch script with node's crypto, a hand-written ordinal comparator and a hand-rolled XOR (not with this module),
// following the algorithm of protocols.md §1.3/§1.4 step by step.
const APP_ID = '224433_a2luZ2RlZS1kZW1vLWFwcC1zZWNyZXQh'; // secret part = base64("kingdee-demo-app-secret!")
const APP_SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const ACCT = '62a0bd8e8c7b6f';
const PATH = '/k3cloud/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc';

describe('kingdee/sign', () => {
    describe('kdHmac', () => {
        it('KG: the published gateway check kdHmac("abc", "abc123")', () => {
            should(kdHmac('abc', 'abc123')).equal('ZDljMTI3NGIyNTE1MTRkYzlkNjc1MDNhYjUzMzgzNWMyY2M4YTdjMzdmNmM3YTVlNDkxMTkzNjdiOTFjNzUyZQ==');
        });

        it('is Base64 of the 64-char lowercase hex: always 88 chars ending ==', () => {
            for (const m of ['', 'x', '金蝶云星空', 'a'.repeat(1000)]) {
                const v = kdHmac(m, '密钥');
                should(v).have.length(88);
                should(v.endsWith('==')).be.true();
                should(Buffer.from(v, 'base64').toString('ascii')).match(/^[0-9a-f]{64}$/);
            }
        });
    });

    describe('kingdeeLogin (LoginBySign)', () => {
        it('sha256 of the ordinally sorted values (derived vector)', () => {
            should(kingdeeLogin(ACCT, 'administrator', APP_ID, APP_SECRET, 1704682800)).equal('3b6e1da217601969678537ed5df6e658afb91011e78e6297d82aba9f9b187c1e');
        });

        it('sha1 option for servers older than 8.0.0.202205 (derived vector)', () => {
            should(kingdeeLogin(ACCT, 'administrator', APP_ID, APP_SECRET, 1704682800, 'sha1')).equal('688d72942117988e9c37d20e212f6468c8831274');
        });

        it('Chinese username hashed as UTF-8 (derived vectors, sha256 and sha1)', () => {
            should(kingdeeLogin(ACCT, '张三', APP_ID, APP_SECRET, '1704682800')).equal('4dfb57601a6f6924712f91e5e583d286dec8168689cf1b788f859c1c67f6837a');
            should(kingdeeLogin(ACCT, '张三', APP_ID, APP_SECRET, '1704682800', 'sha1')).equal('e470f04a0791e04df22197ef079a5b9f79eb891e');
        });

        it('sorts ordinally (uppercase before lowercase), not by locale', () => {
            should(kingdeeLogin('DC01', 'alice', 'Zed_app', 'beta', 1700000000)).equal('3afa508b4cb434392d33f5a56952b703ab8d58a62b4d3f63f495a9e63be8e319');
            should(kingdeeLogin('DC01', 'alice', 'Zed_app', 'beta', 1700000000)).not.equal('139b4c6f58b71dc2a4ba61eaf894836abb03d40e36b367722037d6847a06e436');
        });

        it('the order of the arguments does not matter (they are sorted), the timestamp as number or text is the same', () => {
            should(kingdeeLogin(APP_SECRET, APP_ID, 'administrator', ACCT, '1704682800')).equal(kingdeeLogin(ACCT, 'administrator', APP_ID, APP_SECRET, 1704682800));
        });

        it('rejects an unknown algorithm', () => {
            should(() => kingdeeLogin('a', 'b', 'c', 'd', 1, 'md5' as any)).throw(/sha256 or sha1/);
        });
    });

    describe('API-signature headers', () => {
        it('client secret: base64(secPart) XOR the SDK key (derived vector)', () => {
            should(kingdeeClientSecret(splitAppId(APP_ID).secPart)).equal('W1lbUwJWXBoHU19cGVJHSE9DXAATUhAS');
        });

        it('a secret part that is not 32 Base64 chars is refused', () => {
            should(() => kingdeeClientSecret('short')).throw(/32 Base64/);
            should(() => splitAppId('noUnderscore')).throw(/clientId/);
        });

        it('path encoding turns / into %2F, string to sign has the empty query line', () => {
            should(kingdeePathEncode('/k3cloud/A.B.common.kdsvc')).equal('%2Fk3cloud%2FA.B.common.kdsvc');
            should(kingdeeStringToSign('/k3cloud/x', 5, 6)).equal('POST\n%2Fk3cloud%2Fx\n\nx-api-nonce:6\nx-api-timestamp:5\n');
        });

        it('full header set, ASCII user, orgNum unset → "0" (derived vectors)', () => {
            const h = kingdeeApiHeaders({ path: PATH, appId: APP_ID, appSecret: APP_SECRET, acctId: ACCT, username: 'administrator', lcid: 2052, timestamp: 1704682800, nonce: 1704682800 });
            should(h).eql({
                'X-Api-ClientID': '224433',
                'X-Api-Auth-Version': '2.0',
                'x-api-timestamp': '1704682800',
                'x-api-nonce': '1704682800',
                'x-api-signheaders': 'x-api-timestamp,x-api-nonce',
                'X-Api-Signature': 'MzZmNTYyNTg4ZjcyOTEwNmM2MWJiNmNjNDMyOWJmYjMzZjkzY2M2ZjJjYjViNzA0MmY5NjUyYjcyOTkwYTJjMA==',
                'X-Kd-Appkey': APP_ID,
                'X-Kd-Appdata': 'NjJhMGJkOGU4YzdiNmYsYWRtaW5pc3RyYXRvciwyMDUyLDA=',
                'X-Kd-Signature': 'MDYyZTkxNTNjNTllNWI0ZjZkMTkwM2Y1M2EwOTg1NmM1MjIxMjdhYjFmMTEyZmNlMzViMzViMTQ2MDAwZTg2MA==',
            });
        });

        it('Chinese username and orgNum 100: UTF-8 app data and its signature (derived vectors)', () => {
            const h = kingdeeApiHeaders({ path: PATH, appId: APP_ID, appSecret: APP_SECRET, acctId: ACCT, username: '张三', lcid: 2052, orgNum: '100', timestamp: 1704682800, nonce: 1704682800 });
            should(h['X-Kd-Appdata']).equal('NjJhMGJkOGU4YzdiNmYs5byg5LiJLDIwNTIsMTAw');
            should(Buffer.from(h['X-Kd-Appdata'], 'base64').toString('utf8')).equal(`${ACCT},张三,2052,100`);
            should(h['X-Kd-Signature']).equal('MmZlMjRjMGNhYzIxZDEzOGFkNDg3OGFkMzJhZmIxODA5OTBkNjRhMjk2ZmZmNTNmYjc3ZGY1OThiZGM3ZTg1ZA==');
            // The gateway signature does not depend on the user.
            should(h['X-Api-Signature']).equal('MzZmNTYyNTg4ZjcyOTEwNmM2MWJiNmNjNDMyOWJmYjMzZjkzY2M2ZjJjYjViNzA0MmY5NjUyYjcyOTkwYTJjMA==');
        });

        it('timestamp and nonce are used as given (seconds)', () => {
            const a = kingdeeApiHeaders({ path: PATH, appId: APP_ID, appSecret: APP_SECRET, acctId: ACCT, username: 'u', timestamp: 1, nonce: 2 });
            should(a['x-api-timestamp']).equal('1');
            should(a['x-api-nonce']).equal('2');
            const b = kingdeeApiHeaders({ path: PATH, appId: APP_ID, appSecret: APP_SECRET, acctId: ACCT, username: 'u', timestamp: 1, nonce: 3 });
            should(b['X-Api-Signature']).not.equal(a['X-Api-Signature']);
            should(b['X-Kd-Signature']).equal(a['X-Kd-Signature']);
        });
    });
});
