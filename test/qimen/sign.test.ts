import should from 'should';
import { top, topPlaintext } from '../../nodes/qimen/sign';

const Q0 = { app_key: 'testerp_appkey', customerId: 'stub-cust-code', format: 'xml', method: 'taobao.qimen.entryorder.query', sign_method: 'md5', timestamp: '2015-04-26 00:00:07', v: '1.0' };
const Q1 = { ...Q0, method: 'taobao.qimen.itemlack.report', v: '2.0' };

describe('qimen/sign: top (protocols.md §3.6)', () => {
    it('Q0: md5, empty body (official doc value)', () => {
        should(topPlaintext(Q0, '')).equal('app_keytesterp_appkeycustomerIdstub-cust-codeformatxmlmethodtaobao.qimen.entryorder.querysign_methodmd5timestamp2015-04-26 00:00:07v1.0');
        should(top(Q0, '', 'test')).equal('D06D88CB34B2EC0E5C9BAB396C9542B6');
        should(top(Q0, undefined, 'test', 'md5')).equal('D06D88CB34B2EC0E5C9BAB396C9542B6');
    });

    it('Q1 md5 with body', () => {
        should(top(Q1, 'body', 'test', 'md5')).equal('E4E83589F1454C1B677DDF0B59026C6A');
    });

    it('Q1 hmac (HMAC-MD5)', () => {
        should(top(Q1, 'body', 'test', 'hmac')).equal('B733068DA131E38C899292B09C049717');
    });

    it('Q1 hmac-sha256', () => {
        should(top(Q1, 'body', 'test', 'hmac-sha256')).equal('919A90B66C307E7B052523F917CC47A734AA4F092B49C379E7BCD6C35EBF294F');
    });

    it('drops empty values and the sign itself', () => {
        should(top({ ...Q0, partner_id: '', session: undefined, sign: 'ABC' }, '', 'test')).equal('D06D88CB34B2EC0E5C9BAB396C9542B6');
    });

    it('drops values of whitespace alone as the TOP SDK does (StringUtils.isEmpty: Character.isWhitespace on every char), keeps a no-break space as text', () => {
        for (const blank of [' ', '  ', '\t', '\r\n', '\u3000', ' \u2003 ']) {
            should(top({ ...Q0, partner_id: blank }, '', 'test')).equal('D06D88CB34B2EC0E5C9BAB396C9542B6', JSON.stringify(blank));
            should(top({ ...Q1, partner_id: blank }, 'body', 'test', 'hmac')).equal('B733068DA131E38C899292B09C049717', JSON.stringify(blank));
        }
        // Java's isWhitespace excludes the no-break spaces: such a value is signed like any text.
        should(topPlaintext({ ...Q0, partner_id: '\u00A0' })).containEql('partner_id\u00A0');
        should(topPlaintext({ ...Q0, partner_id: ' x ' })).containEql('partner_id x ');
    });

    it('Chinese values, all three algorithms (md5sum / openssl dgst of the UTF-8 plaintext)', () => {
        const params = { app_key: 'qm123', method: 'order.cancel', customerId: '客户A', timestamp: '2024-01-08 10:00:00', v: '2.0', sign_method: 'md5', format: 'xml' };
        const body = '<request><cancelReason>作废</cancelReason></request>';
        should(top(params, body, '奇门Secret', 'md5')).equal('4D3424E97C6D6E6CFC56BAA613AF8A71');
        should(top(params, body, '奇门Secret', 'hmac')).equal('41435E9E83420C7AD9D9E3F645A5C3DC');
        should(top(params, body, '奇门Secret', 'hmac-sha256')).equal('AF2641DD27537E065506288A6A89740FECC6B9E974AE7B642EBBE06DDDCA5C8E');
    });

    it('rejects an unknown sign method', () => {
        should(() => top(Q0, '', 'test', 'sha1' as any)).throw(/sign_method/);
    });
});
