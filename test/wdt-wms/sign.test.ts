import should from 'should';
import { wdtWms, wdtWmsPlaintext } from '../../nodes/wdt-wms/sign';

const WMS0_SECRET = '312165b5977a9686efdc1411538ece69';
const WMS0_QUERY = { appkey: 'wdt15996474952454', format: 'xml', method: 'WDT_WMS_SINGLEITEM_SYNCHRONIZE', sid: 'tianyiWMS', sign_method: 'md5', timestamp: '2021-03-09 16:41:30' };
const WMS0_BODY =
    '<request><actionType>add</actionType><warehouseCode>00HG</warehouseCode><ownerCode>tianyiWMS</ownerCode><item><itemCode>19950025</itemCode><itemName>dingruomeng测试商品</itemName><barCode>19950025</barCode><itemType>ZC</itemType></item></request>';

describe('wdt-wms/sign: wdtWms (protocols.md §4.2, §4.5)', () => {
    it('WMS0: a recorded real request', () => {
        should(wdtWmsPlaintext(WMS0_QUERY, WMS0_BODY, WMS0_SECRET)).equal(
            `${WMS0_SECRET}appkeywdt15996474952454formatxmlmethodWDT_WMS_SINGLEITEM_SYNCHRONIZEsidtianyiWMSsign_methodmd5timestamp2021-03-0916:41:30${WMS0_BODY}${WMS0_SECRET}`,
        );
        should(wdtWms(WMS0_QUERY, WMS0_BODY, WMS0_SECRET)).equal('43A8D04D5A54AE182D144AFA1C7C4D96');
    });

    it('a pretty-printed body signs the same as its minified form', () => {
        const pretty = WMS0_BODY.replace(/></g, '>\n  <').replace('<item>', '<item>\t');
        should(wdtWms(WMS0_QUERY, pretty, WMS0_SECRET)).equal('43A8D04D5A54AE182D144AFA1C7C4D96');
    });

    it('skips PHP-empty values ("", "0", missing) and the sign', () => {
        should(wdtWms({ ...WMS0_QUERY, sign: 'X', session: '', page: '0', other: undefined }, WMS0_BODY, WMS0_SECRET)).equal('43A8D04D5A54AE182D144AFA1C7C4D96');
        should(wdtWms({ ...WMS0_QUERY, page: '1' }, WMS0_BODY, WMS0_SECRET)).not.equal('43A8D04D5A54AE182D144AFA1C7C4D96');
    });

    it('Chinese values and escaped XML (md5sum of the stripped plaintext)', () => {
        const q = { appkey: 'wdtapp', format: 'xml', method: 'WDT_WMS_ORDER_CANCEL', sid: '演示仓', sign_method: 'md5', timestamp: '2024-01-08 10:00:00' };
        const body = '<request><warehouseCode>WH01</warehouseCode><orderCode>TL2024010001</orderCode><orderType>CGTH</orderType><cancelReason>ERP 单据 作废 &amp; 重开</cancelReason></request>';
        const sign = wdtWms(q, body, 'wmsSecret');
        should(sign).equal('A5B3BC487EBC22445F7218D8BC073145');
        should(sign).match(/^[0-9A-F]{32}$/);
    });
});
