import { execFileSync } from 'child_process';
import crypto from 'crypto';
import should from 'should';
import { qeasySignature, safeEqual } from '../../nodes/qeasy/sign';

/** RFC 2104 HMAC built from bare SHA-256, to derive vectors independently of crypto.createHmac. */
function hmacByHand(key: Buffer, message: Buffer): string {
    const block = 64;
    let k = key.length > block ? crypto.createHash('sha256').update(key).digest() : key;
    k = Buffer.concat([k, Buffer.alloc(block - k.length)]);
    const ipad = Buffer.from(k.map((b) => b ^ 0x36));
    const opad = Buffer.from(k.map((b) => b ^ 0x5c));
    const inner = crypto.createHash('sha256').update(Buffer.concat([ipad, message])).digest();
    return crypto.createHash('sha256').update(Buffer.concat([opad, inner])).digest('hex');
}

function hasOpenssl(): boolean {
    try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

// A Chinese order, as an upstream would send it (240 UTF-8 bytes).
const CHINESE_BODY =
    '{"tid":"TB20240109001","shop_no":"天猫旗舰店","buyer_nick":"张三","receiver_address":"浙江省杭州市西湖区文三路 100 号","order_list":[{"oid":"TB20240109001-1","goods_name":"保温杯（红）","num":"2","price":"59.90"}]}';

describe('qeasy: callback signature (protocols.md §9.3)', () => {
    // Each expected value below was printed by OpenSSL 3.0 running the §9.3 pipeline in a shell:
    //   printf '%s\n%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //'
    it('equals what the documented openssl command prints for the §9.3 example body', () => {
        // ts=1704067200 body='{"tid":"T1","shop_no":"S1","order_list":[]}' SECRET=qeasy-demo-secret
        should(qeasySignature('qeasy-demo-secret', '1704067200', '{"tid":"T1","shop_no":"S1","order_list":[]}')).equal('2e889c37a9dc3446d2098c00dec56b516fedf6a139f2be0c0435055a99f4182b');
    });

    it('hashes Chinese body text and a Chinese secret as UTF-8 (openssl vectors)', () => {
        should(qeasySignature('密钥-secret', 1704067200, Buffer.from('{"tid":"订单001","shop_no":"旗舰店","order_list":[]}', 'utf8'))).equal('8dfecfc9cf25fa998173de1b04121b21766893abcab631c34b360c2bdab77729');
        should(Buffer.byteLength(CHINESE_BODY)).equal(240);
        should(qeasySignature('s3cr3t-轻易云', '1704790272', CHINESE_BODY)).equal('1e81f869d2f0c117037a55b0eec91ceef59de5e3b4636130a6003ddacc4fd769');
    });

    it('signs the exact bytes: a trailing newline or an empty body changes the signature', () => {
        // printf '%s\n%s\n' … (one extra newline after the body)
        should(qeasySignature('s3cr3t-轻易云', '1704790272', `${CHINESE_BODY}\n`)).equal('96f9bde83620a7b023b21f8477af5d2fd509e18d0988b4a08af27bef8bd27d1b');
        // ts=1704067200 body='' SECRET=k
        should(qeasySignature('k', 1704067200, '')).equal('a549c5604c63683d94fd265d810f8993df248e5479aeed9cf0200226d3661d1e');
    });

    it('a Buffer and the same text give one signature; a number and a string timestamp too; output is lowercase hex', () => {
        const fromString = qeasySignature('s3cr3t-轻易云', '1704790272', CHINESE_BODY);
        should(qeasySignature('s3cr3t-轻易云', 1704790272, Buffer.from(CHINESE_BODY, 'utf8'))).equal(fromString);
        should(fromString).match(/^[0-9a-f]{64}$/);
    });

    it('agrees with an HMAC-SHA256 built by hand from SHA-256 (RFC 2104), including keys longer than a block', () => {
        const cases: Array<[string, string, string]> = [
            ['qeasy-demo-secret', '1704067200', '{"tid":"T1","shop_no":"S1","order_list":[]}'],
            ['密钥'.repeat(20), '1704790272', CHINESE_BODY],
            ['k', '0', '😀 emoji \r\n 换行'],
        ];
        for (const [secret, ts, body] of cases) {
            should(qeasySignature(secret, ts, body)).equal(hmacByHand(Buffer.from(secret, 'utf8'), Buffer.from(`${ts}\n${body}`, 'utf8')));
        }
    });

    it('reproduces the §9.3 upstream shell example by running it (openssl on PATH)', function () {
        if (!hasOpenssl()) this.skip();
        const script = `sig=$(printf '%s\\n%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //'); printf '%s' "$sig"`;
        for (const [secret, ts, body] of [
            ['qeasy-demo-secret', '1704067200', '{"tid":"T1","shop_no":"S1","order_list":[]}'],
            ['s3cr3t-轻易云', '1704790272', CHINESE_BODY],
        ]) {
            const sig = execFileSync('sh', ['-c', script], { env: { ...process.env, LC_ALL: 'C.UTF-8', ts, body, SECRET: secret } }).toString();
            should(sig).equal(qeasySignature(secret, ts, body));
        }
    });

    it('compares in constant time and still tells different values apart, case included', () => {
        should(safeEqual('abc', 'abc')).be.true();
        should(safeEqual('abc', 'abd')).be.false();
        should(safeEqual('abc', 'abcd')).be.false();
        should(safeEqual('', 'x')).be.false();
        should(safeEqual('ABC', 'abc')).be.false();
        should(safeEqual('令牌', '令牌')).be.true();
    });
});
