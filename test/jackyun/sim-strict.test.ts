import crypto from 'crypto';
import should from 'should';
import { JackyunSim, JACKYUN_DEMO, TRADE_METHOD } from '../sim/jackyun';
import { jackyunPreimage, jackyunSignature, topPreimage, topSignature, strictChinaTime } from '../sim/jackyun/verify';
import { chinaTime } from '../../nodes/core/time';
import { jackyun as clientJackyun, jackyunViaQimen as clientViaQimen } from '../../nodes/jackyun/sign';
import { top as clientTop } from '../../nodes/qimen/sign';

// The simulator verifies with its own code (test/sim/jackyun/verify.ts), held here to protocols.md's vectors, and
// refuses every request the vendor would: a missing or wrong system parameter, a wrong sign, a timestamp in
// another form than `yyyy-MM-dd HH:mm:ss` or off the clock.

const J1_BIZ =
    '{"brandName":"衣服","cateName":"拉链","costValuationMethod":0,"goodsAlias":"花之春","goodsAttr":1,"goodsMemo":"货品备注","goodsName":"行李包 花之春","goodsNameEn":"spring","goodsNo":"H06-2","isBatchManagement":0,"isCustomizProduction":0,"isDoorService":0,"isPaidService":0,"isPeriodManage":0,"isPickupCard":0,"isProsaleProduct":0,"isProxySale":0,"isSerialManagement":0,"outSkuCode":"8714wtst","ownerId":"jackyun_dev","ownerName":"jackyun_dev","shelfLife":0,"shelfLiftUnit":"","skuBarcode":"76620423621","skuHeight":3,"skuId":"","skuLength":3,"skuName":"无特殊字符","skuWeight":20,"skuWidth":4,"unitName":"件"}';
const J_SECRET = 'f0d1483f1f2e49cea3dfd48c8d7e3c23';
const J_BASE = { appkey: '187657', method: 'erp.goods.skuimport', timestamp: '2019-07-30 15:18:30', version: 'v1.0', contenttype: 'json' };
const Q0 = { app_key: 'testerp_appkey', customerId: 'stub-cust-code', format: 'xml', method: 'taobao.qimen.entryorder.query', sign_method: 'md5', timestamp: '2015-04-26 00:00:07', v: '1.0' };
const Q1 = { ...Q0, method: 'taobao.qimen.itemlack.report', v: '2.0' };

describe('test/sim/jackyun/verify: the simulator\'s own signers (protocols.md §2.5, §3.6)', () => {
    it('J1 and J1b (Jackyun md5, lower-cased)', () => {
        should(jackyunSignature({ ...J_BASE, bizcontent: J1_BIZ }, J_SECRET)).equal('04f5cccd1b52125ca5161472ffb42196');
        const j1b = { ...J_BASE, bizcontent: '{"brandName":"衣服","goodsNo":"H06-2"}' };
        should(jackyunPreimage(j1b, J_SECRET)).equal(
            'f0d1483f1f2e49cea3dfd48c8d7e3c23appkey187657bizcontent{"brandname":"衣服","goodsno":"h06-2"}contenttypejsonmethoderp.goods.skuimporttimestamp2019-07-30 15:18:30versionv1.0f0d1483f1f2e49cea3dfd48c8d7e3c23',
        );
        should(jackyunSignature(j1b, J_SECRET)).equal('20cda156f86b919dd737a999041ac350');
        should(jackyunSignature({ ...j1b, sign: 'x', contextid: 'c', token: 't' }, J_SECRET)).equal('20cda156f86b919dd737a999041ac350');
    });

    it('Q0 (md5, empty body) and Q1 (md5, hmac, hmac-sha256 with body), uppercase hex', () => {
        should(topPreimage(Q0)).equal('app_keytesterp_appkeycustomerIdstub-cust-codeformatxmlmethodtaobao.qimen.entryorder.querysign_methodmd5timestamp2015-04-26 00:00:07v1.0');
        should(topSignature(Q0, 'test', 'md5')).equal('D06D88CB34B2EC0E5C9BAB396C9542B6');
        should(topSignature({ ...Q0, partner_id: '', sign: 'X' }, 'test', 'md5')).equal('D06D88CB34B2EC0E5C9BAB396C9542B6');
        should(topPreimage(Q1, 'body')).equal('app_keytesterp_appkeycustomerIdstub-cust-codeformatxmlmethodtaobao.qimen.itemlack.reportsign_methodmd5timestamp2015-04-26 00:00:07v2.0body');
        should(topSignature(Q1, 'test', 'md5', 'body')).equal('E4E83589F1454C1B677DDF0B59026C6A');
        should(topSignature(Q1, 'test', 'hmac', 'body')).equal('B733068DA131E38C899292B09C049717');
        should(topSignature(Q1, 'test', 'hmac-sha256', 'body')).equal('919A90B66C307E7B052523F917CC47A734AA4F092B49C379E7BCD6C35EBF294F');
        should(topSignature(Q1, 'test', 'sha1', 'body')).be.undefined();
    });

    it('agrees with the clients\' signers on random requests (Chinese, empty values, mixed case)', () => {
        const rand = (n: number) => crypto.randomBytes(n).toString('base64');
        for (let i = 0; i < 50; i++) {
            const p: Record<string, string> = { method: TRADE_METHOD, appkey: rand(6), version: 'v1.0', contenttype: 'json', timestamp: chinaTime(Date.now() - i * 1e6), bizcontent: JSON.stringify({ tradeNo: rand(9), 名称: '吉客云 ' + rand(4), empty: '' }) };
            const secret = rand(12) + 'ABC';
            should(jackyunSignature(p, secret)).equal(clientJackyun(p, secret));
            const q: Record<string, string> = { ...p, app_key: rand(5), partner_id: '', sign_method: 'md5', customerId: 'T' + rand(3) };
            for (const m of ['md5', 'hmac', 'hmac-sha256'] as const) should(topSignature(q, secret, m)).equal(clientTop(q, '', secret, m));
        }
    });

    it('strict timestamps: exactly yyyy-MM-dd HH:mm:ss in China time, real dates only', () => {
        should(strictChinaTime('2024-01-01 08:00:00')).equal(Date.UTC(2024, 0, 1, 0, 0, 0));
        should(strictChinaTime('2024-02-29 23:59:59')).equal(Date.UTC(2024, 1, 29, 15, 59, 59));
        for (const bad of ['2024-01-01T08:00:00', '2024-01-01 08:00', '2024-01-01 08:00:00.000', '2024-01-01 08:00:00+08:00', ' 2024-01-01 08:00:00', '2024-1-01 08:00:00', '20240101080000', '2024-02-30 08:00:00', '2024-01-01 24:00:00', '', undefined]) {
            should(Number.isNaN(strictChinaTime(bad))).be.true(String(bad));
        }
    });
});

async function post(url: string, form: Record<string, string>, query: Record<string, string> = {}): Promise<any> {
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(qs ? `${url}?${qs}` : url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(form).toString() });
    return res.json();
}

/** A form POST under the Content-Type given (none when undefined), as a client with another header would send it. */
async function postAs(url: string, form: Record<string, string>, type: string | undefined, query: Record<string, string> = {}): Promise<any> {
    const qs = new URLSearchParams(query).toString();
    const headers: Record<string, string> = type === undefined ? {} : { 'Content-Type': type };
    // A Blob body without a type: fetch adds no Content-Type of its own.
    const body = type === undefined ? new Blob([new URLSearchParams(form).toString()]) : new URLSearchParams(form).toString();
    const res = await fetch(qs ? `${url}?${qs}` : url, { method: 'POST', headers, body });
    return res.json();
}

describe('test/sim/jackyun: the simulator refuses what the vendor refuses', () => {
    const sim = new JackyunSim();
    let url = '';
    before(async () => (url = await sim.start()));
    after(() => sim.stop());

    const biz = () => JSON.stringify({ modified_begin: chinaTime(sim.base), modified_end: chinaTime(sim.base + 86400000), pageIndex: 0, pageSize: 5 });

    describe('direct /open/openapi/do', () => {
        /** A request signed by the simulator's own signer (vector-tested above), with `edit` applied before signing. */
        function direct(edit: (p: Record<string, string>) => void = () => {}, sign = (p: Record<string, string>) => jackyunSignature(p, JACKYUN_DEMO.appSecret)): Record<string, string> {
            const p: Record<string, string> = { method: TRADE_METHOD, appkey: JACKYUN_DEMO.appKey, version: 'v1.0', contenttype: 'json', timestamp: chinaTime(Date.now()), bizcontent: biz() };
            edit(p);
            p.sign = sign(p);
            return p;
        }
        const call = (form: Record<string, string>) => post(`${url}/open/openapi/do`, form);

        it('a correct request (version v1.0 or 1.0; the client\'s own signer) is answered', async () => {
            should((await call(direct())).code).equal(200);
            should((await call(direct((p) => (p.version = '1.0')))).code).equal(200);
            should((await call(direct(() => {}, (p) => clientJackyun(p, JACKYUN_DEMO.appSecret)))).code).equal(200);
        });

        for (const k of ['method', 'appkey', 'version', 'contenttype', 'timestamp', 'bizcontent']) {
            it(`refuses a signed request without ${k}`, async () => {
                const body = await call(direct((p) => delete p[k]));
                should(body).match({ code: 0, subCode: '0130010001' });
                should(body.msg).equal(`缺少必要参数${k}`);
            });
        }

        it('refuses a request without sign, with an uppercase sign, or a sign made without lower-casing the plaintext', async () => {
            const noSign = direct();
            delete noSign.sign;
            should((await call(noSign)).msg).equal('缺少必要参数sign');
            const upper = direct();
            upper.sign = upper.sign.toUpperCase();
            should((await call(upper)).subCode).equal('0130010003');
            // bizcontent holds upper-case letters (trade numbers JY…, keys modified_begin…); §2.2 step 3 lower-cases them.
            const notLowered = direct((p) => (p.bizcontent = JSON.stringify({ tradeNo: 'JY2024000001' })), (p) => {
                const keys = Object.keys(p).filter((k) => k !== 'sign').sort();
                const s = JACKYUN_DEMO.appSecret + keys.map((k) => k + p[k]).join('') + JACKYUN_DEMO.appSecret;
                return crypto.createHash('md5').update(s, 'utf8').digest('hex');
            });
            should((await call(notLowered)).subCode).equal('0130010003');
        });

        it('refuses another contenttype or version', async () => {
            should((await call(direct((p) => (p.contenttype = 'xml')))).msg).match(/contenttype/);
            should((await call(direct((p) => (p.version = 'v2.0')))).msg).match(/version/);
        });

        it('refuses a correctly signed timestamp in another form than yyyy-MM-dd HH:mm:ss, or stale', async () => {
            const now = chinaTime(Date.now());
            for (const ts of [now.replace(' ', 'T'), now.slice(0, 16), `${now}.000`, `${now}+08:00`, chinaTime(Date.now() - 11 * 60000), chinaTime(Date.now() + 11 * 60000)]) {
                const body = await call(direct((p) => (p.timestamp = ts)));
                should(body.subCode).equal('0130010004', ts);
            }
        });

        it('refuses a correctly signed form sent under another Content-Type, none, or another charset (§2.1: form-urlencoded, UTF-8)', async () => {
            for (const ct of ['text/plain', 'application/json', 'application/x-www-form-urlencoded;charset=gbk', undefined]) {
                const body = await postAs(`${url}/open/openapi/do`, direct(), ct);
                should(body).match({ code: 0, subCode: '0130010001', msg: /Content-Type/ }, String(ct));
            }
            should((await postAs(`${url}/open/openapi/do`, direct(), 'application/x-www-form-urlencoded')).code).equal(200);
            should((await postAs(`${url}/open/openapi/do`, direct(), 'Application/X-WWW-Form-Urlencoded; charset="UTF-8"')).code).equal(200);
            // No body, every parameter in the query: nothing to misread, whatever the header says.
            should((await postAs(`${url}/open/openapi/do`, {}, 'text/plain', direct())).code).equal(200);
        });

        it('refuses business times in another form than yyyy-MM-dd HH:mm:ss', async () => {
            const body = await call(direct((p) => (p.bizcontent = JSON.stringify({ modified_begin: '2024-01-01T00:00:00', modified_end: '2024-01-02 00:00:00' }))));
            should(body.subCode).equal('0130040002');
        });
    });

    describe('Qimen /router/qm', () => {
        type Req = { query: Record<string, string>; form: Record<string, string> };
        /**
         * A Qimen request as §3.3/§3.4 describe it, signed with the simulator's own signers; `edit` runs before the
         * inner and outer signs, `after` after them (to test the signs themselves).
         */
        function qimen(opts: { edit?: (r: Req) => void; omit?: string; method?: string; jkyVersion?: string } = {}): Req {
            const ts = chinaTime(Date.now());
            const r: Req = {
                query: { app_key: JACKYUN_DEMO.qimenAppKey, target_app_key: JACKYUN_DEMO.targetAppKey, format: 'json', v: '2.0', sign_method: opts.method ?? 'md5', method: TRADE_METHOD, timestamp: ts, customerId: JACKYUN_DEMO.customerId },
                form: { content: biz(), jkymethod: TRADE_METHOD, jkyappkey: JACKYUN_DEMO.appKey, jkycustomerid: JACKYUN_DEMO.customerId, jkytimestamp: ts, jkyversion: '1.0' },
            };
            opts.edit?.(r);
            if (opts.omit) delete r.query[opts.omit], delete r.form[opts.omit];
            const f = r.form;
            if (!('jkysign' in f) && opts.omit !== 'jkysign') f.jkysign = jackyunSignature({ appkey: f.jkyappkey ?? '', bizcontent: f.content ?? '', contenttype: 'JSON', method: f.jkymethod ?? '', timestamp: f.jkytimestamp ?? '', version: opts.jkyVersion ?? f.jkyversion ?? '' }, JACKYUN_DEMO.appSecret);
            if (!('sign' in r.query)) r.query.sign = topSignature({ ...r.query, ...r.form }, JACKYUN_DEMO.qimenSecret, r.query.sign_method || 'md5')!;
            return r;
        }
        const call = (r: Req) => post(`${url}/router/qm`, r.form, r.query);

        it('a correct request is answered, for each sign method, and one built by the client\'s signers too', async () => {
            for (const method of ['md5', 'hmac', 'hmac-sha256']) should((await call(qimen({ method }))).response).match({ flag: 'success' });
            const client = qimen({
                method: 'hmac-sha256',
                edit: (r) => {
                    r.form.jkysign = clientViaQimen({ jkyappkey: r.form.jkyappkey, content: r.form.content, method: TRADE_METHOD, timestamp: r.form.jkytimestamp }, JACKYUN_DEMO.appSecret);
                    r.query.sign = clientTop({ ...r.query, ...r.form }, '', JACKYUN_DEMO.qimenSecret, 'hmac-sha256');
                },
            });
            should((await call(client)).response).match({ flag: 'success' });
        });

        const outer: Array<[string, number]> = [['app_key', 28], ['method', 21], ['timestamp', 30], ['format', 40], ['v', 40], ['target_app_key', 40], ['customerId', 40]];
        for (const [k, code] of outer) {
            it(`refuses a signed request without ${k}: TOP error ${code}`, async () => {
                const body = await call(qimen({ omit: k }));
                should(body.error_response).match({ code });
                if (code === 40) should(body.error_response.msg).equal(`Missing required arguments:${k}`);
            });
        }

        it('refuses format other than json, v other than 2.0, another tenant in customerId: TOP error 41', async () => {
            should((await call(qimen({ edit: (r) => (r.query.format = 'xml') }))).error_response).match({ code: 41, msg: 'Invalid arguments:format' });
            should((await call(qimen({ edit: (r) => (r.query.v = '1.0') }))).error_response).match({ code: 41, msg: 'Invalid arguments:v' });
            should((await call(qimen({ edit: (r) => (r.query.customerId = 'another-tenant') }))).error_response).match({ code: 41, msg: 'Invalid arguments:customerId' });
        });

        it('refuses a missing, lowercase, wrong-method or empty-value-including outer sign: TOP error 25', async () => {
            should((await call(qimen({ edit: (r) => (r.query.sign = '') }))).error_response).match({ code: 25 });
            const lower = qimen();
            lower.query.sign = lower.query.sign.toLowerCase();
            should((await call(lower)).error_response).match({ code: 25, sub_code: 'isv.invalid-signature' });
            // Signed with hmac but announced as md5.
            const wrongMethod = qimen({ edit: (r) => (r.query.sign = topSignature({ ...r.query, ...r.form, jkysign: 'x' }, JACKYUN_DEMO.qimenSecret, 'hmac')!) });
            should((await call(wrongMethod)).error_response).match({ code: 25 });
            // §3.1 step 1: empty parameters are dropped; a signer that keeps partner_id="" is refused.
            const keepsEmpty = qimen({ edit: (r) => (r.query.partner_id = '') });
            const q = { ...keepsEmpty.query, ...keepsEmpty.form };
            delete q.sign;
            keepsEmpty.query.sign = crypto.createHash('md5').update(JACKYUN_DEMO.qimenSecret + Object.keys(q).sort().map((k) => k + q[k]).join('') + JACKYUN_DEMO.qimenSecret, 'utf8').digest('hex').toUpperCase();
            should((await call(keepsEmpty)).error_response).match({ code: 25 });
            should((await call(qimen({ method: 'sha1', edit: (r) => (r.query.sign = 'ABC') }))).error_response).match({ code: 25, sub_code: 'isv.invalid-sign-method' });
        });

        it('refuses an outer timestamp in another form or off the clock: TOP error 31', async () => {
            const now = chinaTime(Date.now());
            for (const ts of [now.replace(' ', 'T'), now.slice(0, 16), `${now}.5`, chinaTime(Date.now() - 11 * 60000)]) {
                should((await call(qimen({ edit: (r) => (r.query.timestamp = ts) }))).error_response).match({ code: 31 }, ts);
            }
        });

        for (const k of ['jkyappkey', 'jkymethod', 'jkycustomerid', 'jkytimestamp', 'jkyversion', 'jkysign']) {
            it(`refuses a signed request without ${k} (nothing is filled in from the outer parameters): flag=failure`, async () => {
                const body = await call(qimen({ omit: k }));
                should(body.response).match({ flag: 'failure', code: '0130010001', message: `缺少必要参数${k}` });
            });
        }

        it('refuses another jkymethod, another jkycustomerid, a jkysign over another version, a wrong jkysign', async () => {
            const m = await call(qimen({ edit: (r) => (r.form.jkymethod = 'oms.trade.fullinfoget') }));
            should(m.response).match({ flag: 'failure', message: /jkymethod/ });
            const c = await call(qimen({ edit: (r) => (r.form.jkycustomerid = 'another-tenant') }));
            should(c.response).match({ flag: 'failure', message: /jkycustomerid/ });
            const v = await call(qimen({ jkyVersion: 'v1.0' }));
            should(v.response).match({ flag: 'failure', message: /jkysign/ });
            const s = await call(qimen({ edit: (r) => (r.form.jkysign = '0'.repeat(32)) }));
            should(s.response).match({ flag: 'failure', message: /jkysign/ });
        });

        it('refuses a correctly signed form sent under another Content-Type, none, or another charset (§3.3: form-urlencoded): TOP error 41', async () => {
            for (const ct of ['text/plain', 'application/json', 'application/x-www-form-urlencoded;charset=gbk', undefined]) {
                const r = qimen();
                const body = await postAs(`${url}/router/qm`, r.form, ct, r.query);
                should(body.error_response).match({ code: 41, msg: 'Invalid arguments:Content-Type' }, String(ct));
            }
            const r = qimen();
            should((await postAs(`${url}/router/qm`, r.form, 'application/x-www-form-urlencoded', r.query)).response).match({ flag: 'success' });
        });

        it('refuses a jkyversion other than 1.0 even when jkysign is made over it (§3.4: jkyversion=1.0)', async () => {
            for (const v of ['2.0', 'v2.0', '1']) {
                const body = await call(qimen({ edit: (r) => (r.form.jkyversion = v) }));
                should(body.response).match({ flag: 'failure', code: '0130010001', message: /jkyversion/ }, v);
            }
            should((await call(qimen({ edit: (r) => (r.form.jkyversion = 'v1.0') }))).response).match({ flag: 'success' });
        });

        it('refuses a jkytimestamp in another form or off the clock, even when the outer one is right', async () => {
            const now = chinaTime(Date.now());
            for (const ts of [now.replace(' ', 'T'), now.slice(0, 16), `${now}.000`, chinaTime(Date.now() - 11 * 60000), chinaTime(Date.now() + 11 * 60000)]) {
                const body = await call(qimen({ edit: (r) => (r.form.jkytimestamp = ts) }));
                should(body.response).match({ flag: 'failure', code: '0130010004' }, ts);
            }
        });
    });
});
