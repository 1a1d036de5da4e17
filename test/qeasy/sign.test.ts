import should from 'should';
import { qeasySignature, safeEqual } from '../../nodes/qeasy/sign';

describe('qeasy: callback signature (protocols.md §9.3)', () => {
    it('equals what the documented openssl command prints', () => {
        // ts=1704067200; printf '%s\n%s' "$ts" "$body" | openssl dgst -sha256 -hmac "qeasy-demo-secret" -hex
        should(qeasySignature('qeasy-demo-secret', '1704067200', '{"tid":"T1","shop_no":"S1","order_list":[]}')).equal('2e889c37a9dc3446d2098c00dec56b516fedf6a139f2be0c0435055a99f4182b');
    });

    it('hashes Chinese body text and a Chinese secret as UTF-8', () => {
        should(qeasySignature('密钥-secret', 1704067200, Buffer.from('{"tid":"订单001","shop_no":"旗舰店","order_list":[]}', 'utf8'))).equal('8dfecfc9cf25fa998173de1b04121b21766893abcab631c34b360c2bdab77729');
    });

    it('compares in constant time and still tells different values apart', () => {
        should(safeEqual('abc', 'abc')).be.true();
        should(safeEqual('abc', 'abd')).be.false();
        should(safeEqual('abc', 'abcd')).be.false();
        should(safeEqual('', 'x')).be.false();
    });
});
