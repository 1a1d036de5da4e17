import should from 'should';
import { wdt, wdtPacked } from '../../nodes/wdt/sign';

// W1 is WDT's published example (protocols.md §5.4). The Chinese vectors were packed by hand (lengths counted in
// characters) and hashed independently with node's crypto in a scratch script, not with this module.
describe('wdt/sign: openapi2 signature', () => {
    const w1 = { appkey: 'test2-xx', page_no: '0', end_time: '2016-08-01 13:00:00', start_time: '2016-08-01 12:00:00', page_size: '40', sid: 'test2', timestamp: '1470042310' };

    it('W1: the official documentation vector', () => {
        should(wdtPacked(w1)).equal('06-appkey:0008-test2-xx;08-end_time:0019-2016-08-01 13:00:00;07-page_no:0001-0;09-page_size:0002-40;03-sid:0005-test2;10-start_time:0019-2016-08-01 12:00:00;09-timestamp:0010-1470042310');
        should(wdt(w1, '12345')).equal('ad4e6fe037ea6e3ba4768317be9d1309');
    });

    it('W1 with numbers instead of strings and a sign present: same sign (sign excluded, values as text)', () => {
        should(wdt({ ...w1, page_no: 0, page_size: 40, timestamp: 1470042310, sign: 'x' }, '12345')).equal('ad4e6fe037ea6e3ba4768317be9d1309');
    });

    it('Chinese values: lengths in characters, not bytes; Chinese secret', () => {
        const params = { appkey: 'demo', sid: 'wdt1', timestamp: '1700000000', shop_no: '店铺01', switch: '0', trade_list: '[{"tid":"T1","buyer_nick":"张三"}]' };
        should(wdtPacked(params)).equal('06-appkey:0004-demo;07-shop_no:0004-店铺01;03-sid:0004-wdt1;06-switch:0001-0;09-timestamp:0010-1700000000;10-trade_list:0032-[{"tid":"T1","buyer_nick":"张三"}]');
        should(wdt(params, '秘钥secret')).equal('0baf2a595fd0dd82f100a89b0a19faf9');
    });

    it('an astral character (emoji) counts as one character', () => {
        should(wdtPacked({ buyer_message: '好评😀' })).equal('13-buyer_message:0003-好评😀');
        should(wdt({ buyer_message: '好评😀' }, 'k')).equal('acdd00e6a9937df3e001b3b004c12305');
    });

    it('values of 10000+ characters print more digits; "0" and empty values are not skipped', () => {
        const long = 'x'.repeat(12345);
        should(wdtPacked({ a: long })).equal(`01-a:12345-${long}`);
        should(wdtPacked({ b: '', a: '0' })).equal('01-a:0001-0;01-b:0000-');
    });

    it('is lowercase hex', () => {
        should(wdt(w1, '12345')).match(/^[0-9a-f]{32}$/);
    });
});
