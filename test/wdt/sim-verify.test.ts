/**
 * The WDT openapi2 simulator verifies with its own implementation (test/sim/wdt/verify.ts), written from protocols.md
 * §5.2: it must reproduce vector W1 and a Chinese-value case derived by hand (Python), and refuse signs that use
 * byte lengths, skip "0" values or another case.
 */
import should from 'should';
import axios from 'axios';
import crypto from 'crypto';
import { WdtSim, WDT_DEMO } from '../sim/wdt';
import { packForSign, expectedWdtSign, phpJsonDecode } from '../sim/wdt/verify';
import { wdt } from '../../nodes/wdt/sign';

const W1 = { appkey: 'test2-xx', page_no: '0', end_time: '2016-08-01 13:00:00', start_time: '2016-08-01 12:00:00', page_size: '40', sid: 'test2', timestamp: '1470042310' };
const ZH = { appkey: 'wdt-demo-appkey', sid: 'wdtdemo', timestamp: '1704067200', shop_no: '天猫旗舰店', switch: '0', trade_list: '[{"tid":"T1","buyer_nick":"张三"}]' };

describe('test/sim/wdt/verify: the simulator\'s independent openapi2 signature', () => {
    it('W1 (§5.4): the official documentation vector', () => {
        should(packForSign({ ...W1, sign: 'x' })).equal('06-appkey:0008-test2-xx;08-end_time:0019-2016-08-01 13:00:00;07-page_no:0001-0;09-page_size:0002-40;03-sid:0005-test2;10-start_time:0019-2016-08-01 12:00:00;09-timestamp:0010-1470042310');
        should(expectedWdtSign(W1, '12345')).equal('ad4e6fe037ea6e3ba4768317be9d1309');
    });

    it('Chinese values: lengths in characters (Python-derived); an emoji is one character', () => {
        should(packForSign(ZH)).equal('06-appkey:0015-wdt-demo-appkey;07-shop_no:0005-天猫旗舰店;03-sid:0007-wdtdemo;06-switch:0001-0;09-timestamp:0010-1704067200;10-trade_list:0032-[{"tid":"T1","buyer_nick":"张三"}]');
        should(expectedWdtSign(ZH, '密钥secret')).equal('e5f17f939980d72c53754e7cbe1dda66');
        should(packForSign({ a: '😀' })).equal('01-a:0001-😀');
        should(wdt(ZH, '密钥secret')).equal('e5f17f939980d72c53754e7cbe1dda66');
    });
});

describe('test/sim/wdt/verify: trade_list decoded as PHP\'s json_decode decodes it', () => {
    it('an escaped unpaired surrogate (high or low, in a value or a key) fails the whole text; a pair and raw text pass', () => {
        for (const bad of ['[{"tid":"T1","buyer_nick":"\\ud83d"}]', '[{"tid":"\\ude00"}]', '[{"tid":"T1","\\udbff":"x"}]', '["\\ud83d\\u0041"]', '["\\ude00\\ud83d"]']) {
            should(phpJsonDecode(bad)).equal(undefined, bad);
            should(JSON.parse(bad)).be.ok(); // JSON.parse alone keeps the half character
        }
        should(phpJsonDecode('[{"tid":"T1","buyer_nick":"\\ud83d\\ude00"}]')).eql([{ tid: 'T1', buyer_nick: '😀' }]);
        should(phpJsonDecode(JSON.stringify([{ tid: 'T1', buyer_nick: '王😀' }]))).eql([{ tid: 'T1', buyer_nick: '王😀' }]);
        should(phpJsonDecode('[{"tid":')).be.undefined();
    });
});

describe('WdtSim refuses signs that deviate from §5.2', () => {
    let sim: WdtSim;
    beforeEach(async () => {
        sim = new WdtSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const push = async (p: Record<string, string>) => (await axios.post(sim.baseUrl + '/openapi2/trade_push.php', new URLSearchParams(p).toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).data;
    const base = () => ({ sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, timestamp: String(Math.floor(Date.now() / 1000)), shop_no: 'SHOP01', switch: '0', trade_list: '[]' });

    it('byte lengths, a skipped "0", upper case or a missing field are refused; the §5.2 sign passes', async () => {
        const p = base();
        should((await push({ ...p, sign: expectedWdtSign(p, WDT_DEMO.appsecret) })).code).not.equal(1070);
        const bytes = Object.keys(p).sort().map((k) => `${String(Buffer.byteLength(k)).padStart(2, '0')}-${k}:${String(Buffer.byteLength((p as any)[k])).padStart(4, '0')}-${(p as any)[k]}`).join(';');
        const zh = { ...p, shop_no: '天猫店' };
        const zhBytes = Object.keys(zh).sort().map((k) => `${String(Buffer.byteLength(k)).padStart(2, '0')}-${k}:${String(Buffer.byteLength((zh as any)[k])).padStart(4, '0')}-${(zh as any)[k]}`).join(';');
        should(bytes).equal(packForSign(p)); // ASCII: bytes = characters
        should((await push({ ...zh, sign: crypto.createHash('md5').update(zhBytes + WDT_DEMO.appsecret).digest('hex') })).code).equal(1070);
        const { switch: _s, ...noZero } = p;
        should((await push({ ...p, sign: expectedWdtSign(noZero, WDT_DEMO.appsecret) })).code).equal(1070);
        should((await push({ ...p, sign: expectedWdtSign(p, WDT_DEMO.appsecret).toUpperCase() })).code).equal(1070);
        const { timestamp: _t, ...noTs } = p;
        should((await push({ ...noTs, sign: expectedWdtSign(noTs, WDT_DEMO.appsecret) })).code).equal(1030);
        const iso = { ...p, timestamp: new Date().toISOString() };
        should((await push({ ...iso, sign: expectedWdtSign(iso, WDT_DEMO.appsecret) })).code).equal(1060);
    });

    it('a correctly signed trade_list holding half an emoji (JSON.stringify writes it as \\ud83d) is refused whole, as json_decode refuses it', async () => {
        const trade = (nick: string) => ({ ...base(), trade_list: JSON.stringify([{ tid: 'T1', buyer_nick: nick, order_list: [{ oid: 'T1-1', num: '1', price: '1', spec_no: 'G001-RED' }] }]) });
        const half = trade('王\ud83d');
        should(half.trade_list).match(/\\ud83d/);
        should(await push({ ...half, sign: expectedWdtSign(half, WDT_DEMO.appsecret) })).eql({ code: 100, message: 'trade_list不是有效的JSON' });
        should(sim.trades.size).equal(0);
        const whole = trade('王\ud83d\ude00');
        should((await push({ ...whole, sign: expectedWdtSign(whole, WDT_DEMO.appsecret) })).code).equal(0);
        should(sim.trades.size).equal(1);
    });
});
