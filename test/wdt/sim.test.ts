import should from 'should';
import { WdtSim, WDT_DEMO, demoTrade } from '../sim/wdt';
import { wdt } from '../../nodes/wdt/sign';

async function post(sim: WdtSim, api: string, fields: Record<string, string>, secret = WDT_DEMO.appsecret, tsOffset = 0): Promise<any> {
    const params: Record<string, string> = { sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, timestamp: String(Math.floor(Date.now() / 1000) + tsOffset), ...fields };
    params.sign = wdt(params, secret);
    const res = await fetch(`${sim.baseUrl}/openapi2/${api}.php`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: new URLSearchParams(params).toString() });
    return res.json();
}

describe('WdtSim', () => {
    let sim: WdtSim;
    beforeEach(async () => {
        sim = new WdtSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    it('non-strict push: good trades stored, unknown goods listed per tid; a second push counts as changed', async () => {
        const list = [demoTrade('T1'), demoTrade('T2', { specNo: 'NOPE' }), { ...demoTrade('T3'), buyer_nick: '李雷' }];
        const a = await post(sim, 'trade_push', { shop_no: 'SHOP01', switch: '0', trade_list: JSON.stringify(list) });
        should(a).match({ code: 0, new_count: 2, chg_count: 0 });
        should(a.error_list).have.length(1);
        should(a.error_list[0]).match({ tid: 'T2', error: /货品不存在/ });
        should([...sim.trades.keys()]).eql(['SHOP01/T1', 'SHOP01/T3']);
        const b = await post(sim, 'trade_push', { shop_no: 'SHOP01', switch: '0', trade_list: JSON.stringify([demoTrade('T1')]) });
        should(b).match({ code: 0, new_count: 0, chg_count: 1 });
    });

    it('strict push with one bad trade stores nothing', async () => {
        const a = await post(sim, 'trade_push', { shop_no: 'SHOP01', switch: '1', trade_list: JSON.stringify([demoTrade('T1'), demoTrade('T2', { specNo: 'X' })]) });
        should(a.code).not.equal(0);
        should(sim.trades.size).equal(0);
    });

    it('unknown shop fails the whole call', async () => {
        const a = await post(sim, 'trade_push', { shop_no: 'NOSHOP', switch: '0', trade_list: JSON.stringify([demoTrade('T1')]) });
        should(a).match({ code: 100, message: /店铺不存在/ });
        should(sim.trades.size).equal(0);
    });

    it('refuses a wrong secret, an uppercase sign and a skewed clock', async () => {
        should(await post(sim, 'shop', {}, 'wrong')).match({ code: 1070, message: /签名/ });
        const params: Record<string, string> = { sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, timestamp: String(Math.floor(Date.now() / 1000)) };
        params.sign = wdt(params, WDT_DEMO.appsecret).toUpperCase();
        const res = await fetch(`${sim.baseUrl}/openapi2/shop.php`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
        should(await res.json()).match({ code: 1070 });
        should(await post(sim, 'shop', {}, WDT_DEMO.appsecret, -400)).match({ code: 1060, message: /时间戳/ });
        should(await post(sim, 'shop', {})).match({ code: 0, total_count: '2' });
    });

    it('vendorFault rate-limit answers in the vendor\'s words', async () => {
        sim.inject({ type: 'vendor', name: 'rate-limit' });
        should(await post(sim, 'shop', {})).match({ code: 1090, message: /频繁/ });
    });
});
