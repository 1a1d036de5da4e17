import should from 'should';
import { guanyi, guanyiBody } from '../../nodes/guanyi/sign';

// No published Guanyi vector exists (protocols.md §10). These were computed independently with node's crypto in a
// scratch script: md5(secret + text + secret), uppercased.
describe('guanyi/sign: md5 over the JSON text sent', () => {
    const g1 = '{"appkey":"112233","sessionkey":"abc","method":"gy.erp.trade.return.get","page_no":1,"page_size":10}';
    const g2 = '{"appkey":"112233","sessionkey":"abc","method":"gy.erp.trade.return.get","shop_code":"天猫店","receiver_name":"张三","page_no":"1"}';

    it('ASCII text', () => {
        should(guanyi(g1, 'sec')).equal('4767D9243C13D9E7406B5A0109141916');
    });

    it('Chinese values and secret, hashed as UTF-8 raw text', () => {
        should(guanyi(g2, '密钥')).equal('4D1BA93748453569370E3055330BD1CC');
    });

    it('is uppercase hex; "1" and 1 sign differently', () => {
        should(guanyi(g1, 'sec')).match(/^[0-9A-F]{32}$/);
        should(guanyi(g1.replace('"page_no":1', '"page_no":"1"'), 'sec')).not.equal(guanyi(g1, 'sec'));
    });

    it('guanyiBody: serialises in insertion order, Chinese unescaped, sign appended last', () => {
        const b = guanyiBody({ appkey: '112233', sessionkey: 'abc', method: 'gy.erp.trade.return.get', shop_code: '天猫店', receiver_name: '张三', page_no: '1' }, '密钥');
        should(b.text).equal(g2);
        should(b.sign).equal('4D1BA93748453569370E3055330BD1CC');
        should(b.body).equal(g2.slice(0, -1) + ',"sign":"4D1BA93748453569370E3055330BD1CC"}');
        should(JSON.parse(b.body).sign).equal(b.sign);
    });
});
