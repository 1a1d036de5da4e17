import should from 'should';
import { jackyun, jackyunPlaintext, jackyunViaQimen } from '../../nodes/jackyun/sign';

const J1_BIZ =
    '{"brandName":"衣服","cateName":"拉链","costValuationMethod":0,"goodsAlias":"花之春","goodsAttr":1,"goodsMemo":"货品备注","goodsName":"行李包 花之春","goodsNameEn":"spring","goodsNo":"H06-2","isBatchManagement":0,"isCustomizProduction":0,"isDoorService":0,"isPaidService":0,"isPeriodManage":0,"isPickupCard":0,"isProsaleProduct":0,"isProxySale":0,"isSerialManagement":0,"outSkuCode":"8714wtst","ownerId":"jackyun_dev","ownerName":"jackyun_dev","shelfLife":0,"shelfLiftUnit":"","skuBarcode":"76620423621","skuHeight":3,"skuId":"","skuLength":3,"skuName":"无特殊字符","skuWeight":20,"skuWidth":4,"unitName":"件"}';
const SECRET = 'f0d1483f1f2e49cea3dfd48c8d7e3c23';
const base = { appkey: '187657', method: 'erp.goods.skuimport', timestamp: '2019-07-30 15:18:30', version: 'v1.0', contenttype: 'json' };

describe('jackyun/sign: jackyun (protocols.md §2.5)', () => {
    it('J1: official doc example', () => {
        should(jackyun({ ...base, bizcontent: J1_BIZ }, SECRET)).equal('04f5cccd1b52125ca5161472ffb42196');
    });

    it('J1b: short bizcontent, plaintext lower-cased as printed', () => {
        const params = { ...base, bizcontent: '{"brandName":"衣服","goodsNo":"H06-2"}' };
        should(jackyunPlaintext(params, SECRET)).equal(
            'f0d1483f1f2e49cea3dfd48c8d7e3c23appkey187657bizcontent{"brandname":"衣服","goodsno":"h06-2"}contenttypejsonmethoderp.goods.skuimporttimestamp2019-07-30 15:18:30versionv1.0f0d1483f1f2e49cea3dfd48c8d7e3c23',
        );
        should(jackyun(params, SECRET)).equal('20cda156f86b919dd737a999041ac350');
    });

    it('sign, contextid and token are not signed; parameter order does not matter', () => {
        const params = { ...base, bizcontent: '{"brandName":"衣服","goodsNo":"H06-2"}' };
        const shuffled = { version: 'v1.0', bizcontent: params.bizcontent, timestamp: params.timestamp, contenttype: 'json', method: params.method, appkey: '187657', sign: 'x', contextid: 'c1', token: 't' };
        should(jackyun(shuffled, SECRET)).equal('20cda156f86b919dd737a999041ac350');
    });

    it('Chinese values (md5sum of the lower-cased plaintext)', () => {
        const params = { appkey: '10001', method: 'jackyun.tradenotsensitiveinfos.list.get', bizcontent: '{"tradeNo":"JY001","shopName":"吉客云旗舰店"}', contenttype: 'json', timestamp: '2024-01-08 10:00:00', version: 'v1.0' };
        const sign = jackyun(params, 'ABCsecret');
        should(sign).equal('598c9180ec16c554bcff3f48ab8a808e');
        should(sign).match(/^[0-9a-f]{32}$/);
    });

    it('letter case of content is ignored by the scheme, a changed value is not', () => {
        const params = { ...base, bizcontent: '{"goodsNo":"ABC"}' };
        should(jackyun({ ...params, bizcontent: '{"goodsno":"abc"}' }, SECRET)).equal(jackyun(params, SECRET));
        should(jackyun({ ...params, bizcontent: '{"goodsNo":"ABD"}' }, SECRET)).not.equal(jackyun(params, SECRET));
    });

    it('jackyunViaQimen signs the virtual native set (contenttype JSON, version 1.0)', () => {
        const inner = { jkyappkey: '187657', content: '{"brandName":"衣服","goodsNo":"H06-2"}', method: 'erp.goods.skuimport', timestamp: '2019-07-30 15:18:30' };
        should(jackyunViaQimen(inner, SECRET)).equal(jackyun({ appkey: '187657', bizcontent: inner.content, contenttype: 'json', method: inner.method, timestamp: inner.timestamp, version: '1.0' }, SECRET));
        should(jackyunViaQimen(inner, SECRET)).not.equal('20cda156f86b919dd737a999041ac350'); // version v1.0 vs 1.0
    });
});
