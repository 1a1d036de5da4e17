/**
 * The WDT WMS simulator verifies with its own implementation (test/sim/wdt-wms/verify.ts), written from protocols.md
 * §4.2 and §3.1: it must reproduce vectors WMS0, Q0 and Q1 and Chinese-value cases derived by hand (Python), and the
 * simulator must refuse a mismatched scheme/method, missing or wrong system parameters, a wrong Content-Type and a
 * timestamp in any other format than `yyyy-MM-dd HH:mm:ss`.
 */
import should from 'should';
import { XMLParser } from 'fast-xml-parser';
import { WdtWmsSim, WDT_WMS_DEMO } from '../sim/wdt-wms';
import { expectedWmsSign, wmsPreimage, expectedTopSign, topPreimage, strictChinaTime } from '../sim/wdt-wms/verify';
import { wdtWms } from '../../nodes/wdt-wms/sign';
import { top } from '../../nodes/qimen/sign';
import { chinaTime } from '../../nodes/core/time';

const WMS0_BODY = '<request><actionType>add</actionType><warehouseCode>00HG</warehouseCode><ownerCode>tianyiWMS</ownerCode><item><itemCode>19950025</itemCode><itemName>dingruomeng测试商品</itemName><barCode>19950025</barCode><itemType>ZC</itemType></item></request>';
const WMS0_QUERY = { appkey: 'wdt15996474952454', format: 'xml', method: 'WDT_WMS_SINGLEITEM_SYNCHRONIZE', sid: 'tianyiWMS', sign_method: 'md5', timestamp: '2021-03-09 16:41:30' };
const WMS0_SECRET = '312165b5977a9686efdc1411538ece69';
const Q_BASE = { app_key: 'testerp_appkey', customerId: 'stub-cust-code', format: 'xml', sign_method: 'md5', timestamp: '2015-04-26 00:00:07' };

const ZH_BODY = '<?xml version="1.0" encoding="utf-8"?>\n<request><warehouseCode>WH01</warehouseCode><orderCode>TL 01</orderCode><orderType>CGTH</orderType><cancelReason>ERP单据 作废</cancelReason></request>';

describe('test/sim/wdt-wms/verify: the simulator\'s independent WMS and TOP signatures', () => {
    it('WMS0 (§4.5): the recorded real request', () => {
        should(wmsPreimage(WMS0_QUERY, WMS0_BODY, WMS0_SECRET)).equal(`${WMS0_SECRET}appkeywdt15996474952454formatxmlmethodWDT_WMS_SINGLEITEM_SYNCHRONIZEsidtianyiWMSsign_methodmd5timestamp2021-03-0916:41:30${WMS0_BODY}${WMS0_SECRET}`);
        should(expectedWmsSign({ ...WMS0_QUERY, sign: 'ignored' }, WMS0_BODY, WMS0_SECRET)).equal('43A8D04D5A54AE182D144AFA1C7C4D96');
    });

    it('WMS scheme with Chinese values, spaces and newlines stripped, "" and "0" skipped (Python-derived)', () => {
        const q = { method: 'WDT_WMS_ORDER_CANCEL', timestamp: '2024-01-09 10:00:00', format: 'xml', appkey: 'wdt-wms-demo-appkey', sign_method: 'md5', sid: 'demoWMS', empty: '', zero: '0' };
        should(expectedWmsSign(q, ZH_BODY, WDT_WMS_DEMO.secret)).equal('AF824BA5109CAF89F9146D8667D3CC64');
        should(wdtWms(q, ZH_BODY, WDT_WMS_DEMO.secret)).equal('AF824BA5109CAF89F9146D8667D3CC64');
    });

    it('Q0 and Q1 (§3.6): TOP md5 / hmac / hmac-sha256', () => {
        const q0 = { ...Q_BASE, method: 'taobao.qimen.entryorder.query', v: '1.0' };
        should(topPreimage(q0, '')).equal('app_keytesterp_appkeycustomerIdstub-cust-codeformatxmlmethodtaobao.qimen.entryorder.querysign_methodmd5timestamp2015-04-26 00:00:07v1.0');
        should(expectedTopSign(q0, '', 'test', 'md5')).equal('D06D88CB34B2EC0E5C9BAB396C9542B6');
        const q1 = { ...Q_BASE, method: 'taobao.qimen.itemlack.report', v: '2.0' };
        should(expectedTopSign(q1, 'body', 'test', 'md5')).equal('E4E83589F1454C1B677DDF0B59026C6A');
        should(expectedTopSign(q1, 'body', 'test', 'hmac')).equal('B733068DA131E38C899292B09C049717');
        should(expectedTopSign(q1, 'body', 'test', 'hmac-sha256')).equal('919A90B66C307E7B052523F917CC47A734AA4F092B49C379E7BCD6C35EBF294F');
        should(expectedTopSign(q1, 'body', 'test', 'sha1')).be.undefined();
    });

    it('TOP with Chinese values and no whitespace strip (Python-derived); the client\'s signer agrees', () => {
        const q = { method: 'taobao.qimen.order.cancel', timestamp: '2024-01-09 10:00:00', format: 'xml', app_key: 'wdt-wms-demo-appkey', sign_method: 'md5', customerId: 'demoWMS', v: '2.0', empty: '' };
        should(expectedTopSign(q, ZH_BODY, WDT_WMS_DEMO.secret, 'md5')).equal('5DD606CBCE40B9E4F739F57DB3710A56');
        should(expectedTopSign(q, ZH_BODY, WDT_WMS_DEMO.secret, 'hmac')).equal('EA517901F097AFA6E0EE3378A3EA40D2');
        should(expectedTopSign(q, ZH_BODY, WDT_WMS_DEMO.secret, 'hmac-sha256')).equal('5DE6CDEDCDC06F964F1A11FE686BD6DD26E6DC2541C570EC7125041B0286D197');
        should(top(q, ZH_BODY, WDT_WMS_DEMO.secret, 'md5')).equal('5DD606CBCE40B9E4F739F57DB3710A56');
    });

    it('timestamps: exactly yyyy-MM-dd HH:mm:ss, a real calendar time, read as UTC+8', () => {
        should(strictChinaTime('2024-01-09 10:00:00')).equal(Date.UTC(2024, 0, 9, 2, 0, 0));
        should(strictChinaTime('2024-01-01 07:59:59')).equal(Date.UTC(2023, 11, 31, 23, 59, 59));
        for (const bad of ['2024-01-09T10:00:00', '2024-01-09 10:00', '2024-01-09 10:00:00.000', '2024-1-9 10:00:00', '2024-02-30 10:00:00', '2024-01-09 24:00:00', ' 2024-01-09 10:00:00', '2024-01-09  10:00:00', '1704765600']) {
            should(Number.isNaN(strictChinaTime(bad))).be.true(bad);
        }
    });
});

const parser = new XMLParser({ parseTagValue: false });
const xml = (code: string) => `<?xml version="1.0" encoding="utf-8"?><request><warehouseCode>WH01</warehouseCode><orderCode>${code}</orderCode><orderType>CGTH</orderType><cancelReason>ERP单据作废</cancelReason></request>`;

describe('WdtWmsSim: the scheme follows the method, and §4 system parameters are checked', () => {
    let sim: WdtWmsSim;
    let url = '';
    beforeEach(async () => {
        sim = new WdtWmsSim();
        url = await sim.start();
    });
    afterEach(() => sim.stop());

    const nativeQuery = (extra: Record<string, string | undefined> = {}) => clean({ method: 'WDT_WMS_ORDER_CANCEL', timestamp: chinaTime(Date.now()), format: 'xml', appkey: WDT_WMS_DEMO.appkey, sign_method: 'md5', sid: WDT_WMS_DEMO.sid, ...extra });
    const qimenQuery = (extra: Record<string, string | undefined> = {}) => clean({ method: 'taobao.qimen.order.cancel', timestamp: chinaTime(Date.now()), format: 'xml', app_key: WDT_WMS_DEMO.appkey, sign_method: 'md5', customerId: WDT_WMS_DEMO.sid, v: '2.0', ...extra });
    const send = async (q: Record<string, string>, body: string, opts: { path?: string; contentType?: string } = {}) => {
        const res = await fetch(`${url}${opts.path ?? '/wms_api/wdt_service.php'}?${new URLSearchParams(q)}`, { method: 'POST', headers: { 'Content-Type': opts.contentType ?? 'text/xml;charset=utf-8' }, body });
        return parser.parse(await res.text()).response as { flag: string; code: string; message: string };
    };
    /** Signed with the native WDT WMS scheme (the simulator's verifier; the vectors above pin it). */
    const wms = (q: Record<string, string>, body: string) => ({ ...q, sign: expectedWmsSign(q, body, WDT_WMS_DEMO.secret) });
    const topSigned = (q: Record<string, string>, body: string, alg = q.sign_method ?? 'md5') => ({ ...q, sign: expectedTopSign(q, body, WDT_WMS_DEMO.secret, alg)! });
    const untouched = () => should(sim.orders.get('TL2024010001')!.status).equal('created');

    it('both routes pass when scheme, method and parameters agree; Qimen may name hmac / hmac-sha256 and use its router', async () => {
        should((await send(wms(nativeQuery(), xml('TL2024010001')), xml('TL2024010001'))).flag).equal('success');
        should((await send(topSigned(qimenQuery(), xml('TL2024010002')), xml('TL2024010002'))).flag).equal('success');
        should((await send(topSigned(qimenQuery({ method: 'order.cancel', sign_method: 'hmac-sha256' }), xml('TL2024010003')), xml('TL2024010003'))).flag).equal('success');
        should((await send(topSigned(qimenQuery({ sign_method: 'hmac', format: undefined }), xml('TL2024010004')), xml('TL2024010004'), { path: '/router/qimen/service' })).flag).equal('success');
        should((await send(wms(nativeQuery(), xml('TL2024010005')), xml('TL2024010005'), { contentType: 'text/xml' })).flag).equal('success');
    });

    it('a scheme that does not match the method is refused, however well signed', async () => {
        const body = xml('TL2024010001');
        // The Qimen method with WDT's names and the WDT sign.
        should(await send(wms(nativeQuery({ method: 'taobao.qimen.order.cancel' }), body), body)).match({ flag: 'failure', code: 'PARAM_ERROR' });
        should(await send(wms(nativeQuery({ method: 'order.cancel' }), body), body)).match({ flag: 'failure' });
        // The native method with Qimen names and the TOP sign.
        should(await send(topSigned(qimenQuery({ method: 'WDT_WMS_ORDER_CANCEL' }), body), body)).match({ flag: 'failure', code: 'PARAM_ERROR' });
        // The right names, the other scheme's sign.
        const nq = nativeQuery();
        should(await send({ ...nq, sign: expectedTopSign(nq, body, WDT_WMS_DEMO.secret, 'md5')! }, body)).match({ flag: 'failure', code: 'SIGN_ERROR' });
        const spaced = xml('TL2024010001').replace('<request>', '<request> ');
        const qq = qimenQuery();
        should(await send({ ...qq, sign: expectedWmsSign(qq, spaced, WDT_WMS_DEMO.secret) }, spaced)).match({ flag: 'failure', code: 'SIGN_ERROR' });
        // Both name sets at once; the native method on the Qimen router; an unknown method.
        should(await send(wms(nativeQuery({ app_key: WDT_WMS_DEMO.appkey }), body), body)).match({ flag: 'failure', code: 'PARAM_ERROR' });
        should(await send(topSigned(qimenQuery({ sid: WDT_WMS_DEMO.sid }), body), body)).match({ flag: 'failure', code: 'PARAM_ERROR' });
        should(await send(wms(nativeQuery(), body), body, { path: '/router/qimen/service' })).match({ flag: 'failure', code: 'METHOD_NOT_EXIST' });
        should(await send(wms(nativeQuery({ method: 'WDT_WMS_ORDER_CREATE' }), body), body)).match({ flag: 'failure', code: 'METHOD_NOT_EXIST' });
        untouched();
        should(sim.cancellations).have.length(0);
    });

    it('native route: every §4.1 parameter is required; format xml and sign_method md5 only', async () => {
        const body = xml('TL2024010001');
        for (const name of ['timestamp', 'format', 'appkey', 'sid', 'sign_method']) {
            should(await send(wms(nativeQuery({ [name]: undefined }), body), body)).match({ flag: 'failure' }, name);
        }
        should(await send(nativeQuery(), body)).match({ flag: 'failure' });
        should(await send(wms(nativeQuery({ format: 'json' }), body), body)).match({ flag: 'failure', code: 'PARAM_ERROR' });
        should(await send(wms(nativeQuery({ sign_method: 'hmac' }), body), body)).match({ flag: 'failure', code: 'SIGN_ERROR' });
        const signed = wms(nativeQuery(), body);
        should(await send({ ...signed, sign: signed.sign.toLowerCase() }, body)).match({ flag: 'failure', code: 'SIGN_ERROR' });
        untouched();
    });

    it('Qimen route: v, app_key, customerId required; format only xml; sign_method names the algorithm used', async () => {
        const body = xml('TL2024010001');
        for (const name of ['v', 'app_key', 'customerId', 'timestamp']) {
            should(await send(topSigned(qimenQuery({ [name]: undefined }), body), body)).match({ flag: 'failure' }, name);
        }
        should(await send(topSigned(qimenQuery({ format: 'json' }), body), body)).match({ flag: 'failure', code: 'PARAM_ERROR' });
        should(await send(topSigned(qimenQuery({ sign_method: 'hmac' }), body, 'md5'), body)).match({ flag: 'failure', code: 'SIGN_ERROR' });
        should(await send(topSigned(qimenQuery({ sign_method: 'sha1' }), body, 'md5'), body)).match({ flag: 'failure', code: 'SIGN_ERROR' });
        untouched();
    });

    it('Content-Type must be text/xml (charset utf-8 when named)', async () => {
        const body = xml('TL2024010001');
        for (const ct of ['application/json', 'application/x-www-form-urlencoded', 'text/plain;charset=utf-8', 'text/xml;charset=gbk']) {
            should(await send(wms(nativeQuery(), body), body, { contentType: ct })).match({ flag: 'failure', code: 'PARAM_ERROR' }, ct);
        }
        untouched();
    });

    it('a timestamp in another format than yyyy-MM-dd HH:mm:ss is refused, even when signed over', async () => {
        const body = xml('TL2024010001');
        const now = chinaTime(Date.now());
        for (const ts of [now.replace(' ', 'T'), now.slice(0, 16), now + '.000', now + '+08:00', String(Math.floor(Date.now() / 1000))]) {
            should(await send(wms(nativeQuery({ timestamp: ts }), body), body)).match({ flag: 'failure', message: /timestamp/ }, ts);
            should(await send(topSigned(qimenQuery({ timestamp: ts }), body), body)).match({ flag: 'failure', message: /timestamp/ }, ts);
        }
        should(await send(wms(nativeQuery({ timestamp: chinaTime(Date.now() - 11 * 60000) }), body), body)).match({ flag: 'failure', message: /timestamp/ });
        untouched();
    });
});

function clean(q: Record<string, string | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = v;
    return out;
}
