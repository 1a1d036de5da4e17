import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { WdtSim, WDT_DEMO, demoTrade } from '../sim/wdt';
import { droppingListener } from '../helpers/dropping';
import { wdt } from '../../nodes/wdt/sign';
import wdtConfig = require('../../nodes/wdt/wdt-config');
import wdtTradePush = require('../../nodes/wdt/wdt-trade-push');
import { normaliseBase } from '../../nodes/wdt/client';
import tradePushRecord from '../../nodes/wdt/schemas/trade-push.record.json';
import { testButtonText } from '../helpers/editor-locales';

describe('wdt-trade-push against the WDT simulator', function () {
    let sim: WdtSim;

    beforeEach(async () => {
        sim = new WdtSim();
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const config = (extra: Msg = {}) => ({ id: 'c1', type: 'wdt-config', server: 'custom', baseUrl: `${sim.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, retryBaseMs: 5, maxRetries: 3, rps: 0, ...extra });
    const node = (params: Msg = { shop_no: { value: 'SHOP01', type: 'str' } }, extra: Msg = {}) => ({ id: 'n1', type: 'wdt-trade-push', z: 'f1', config: 'c1', params, ...extra });
    const loadFlow = (cfg: Msg = {}, n: Msg = node(), secret = WDT_DEMO.appsecret) => load([wdtConfig, wdtTradePush], withProbes([config(cfg), n], 'n1', 2), { c1: { appsecret: secret } });
    const form = (i: number) => WdtSim.form(sim.requests[i]);

    it('10 trades with 2 bad goods in chunks of 4 → 8 on output 1, 2 on output 2 with the vendor\'s reasons; the store holds exactly the 8', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' }, chunkSize: { value: '4', type: 'num' } }));
        const trades = Array.from({ length: 10 }, (_, i) => demoTrade(`T${1001 + i}`, { specNo: i === 2 || i === 7 ? 'BAD-SKU' : 'G001-RED', lines: 1 + (i % 2) }));
        const r = await run('n1', { payload: trades }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(1);
        const ok = r.outputs[0][0].payload;
        should(ok.map((x: Msg) => x.tid)).eql(['T1001', 'T1002', 'T1004', 'T1005', 'T1006', 'T1007', 'T1009', 'T1010']);
        should(r.outputs[0][0].count).equal(8);
        should(ok[0]).eql({ tid: 'T1001', shop_no: 'SHOP01', batch: { new_count: 3, chg_count: 0, accepted: 3, rejected: 1 } });
        should(r.outputs[1].map((m) => m.payload.tid)).eql(['T1003', 'T1008']);
        should(r.outputs[1].map((m) => m.recordIndex)).eql([2, 7]);
        for (const m of r.outputs[1]) should(m.error).match({ system: 'wdt', kind: 'business', code: 'TRADE_REFUSED', message: /货品不存在: BAD-SKU/, retryable: false });
        should([...sim.trades.keys()].sort()).eql(ok.map((x: Msg) => `SHOP01/${x.tid}`).sort());
        // three calls of 4, 4, 2 trades, each signed over exactly what was sent, switch sent explicitly
        should(sim.requests.map((q) => JSON.parse(WdtSim.form(q).trade_list).length)).eql([4, 4, 2]);
        for (let i = 0; i < 3; i++) {
            should(form(i)).match({ shop_no: 'SHOP01', switch: '0', sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey });
            should(form(i).sign).equal(wdt(form(i), WDT_DEMO.appsecret));
        }
        should(JSON.parse(form(0).trade_list)[1]).eql(trades[1]);
    });

    it('a trade carrying every field of seed 003\'s trade_push table is sent as given (shop_no and switch beside trade_list) and stored', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' }, switch: { value: '0', type: 'str' } }));
        const base = demoTrade('T9001', { lines: 1 });
        const line = { ...(base.order_list as Msg[])[0], remark: '线备注 <易碎> & 轻放', cid: 'C01' };
        const trade: Msg = {
            ...base, purchase_id: 'PO-1', fenxiao_nick: '分销甲', buyer_email: 'a@example.com', pay_id: 'ALI-1', pay_account: 'buyer@alipay', receiver_telno: '021-1234567', receiver_zip: '200120',
            invoice_kind: '1', invoice_title: '某某公司', invoice_content: '办公用品', remark_flag: '1', buyer_message: '请尽快发货', seller_memo: '加急', seller_flag: '2', is_auto_wms: '1', warehouse_no: 'WH01',
            order_list: [line],
        };
        // Every record field of the schema (built from seed 003) is present.
        should(Object.keys(trade).sort()).eql(Object.keys(tradePushRecord.properties).filter((k) => k !== 'shop_no').sort());
        should(Object.keys(line).sort()).eql(Object.keys(tradePushRecord.properties.order_list.items.properties).sort());
        const r = await run('n1', { payload: trade }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1]).have.length(0);
        should(form(0)).match({ shop_no: 'SHOP01', switch: '0' });
        should(JSON.parse(form(0).trade_list)).eql([trade]);
        should(sim.trades.has('SHOP01/T9001')).be.true();
    });

    it('pushing the same trades again counts them as changed', async () => {
        await loadFlow();
        await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T3')] }, 2);
        should(r.outputs[0][0].payload[0].batch).eql({ new_count: 1, chg_count: 1, accepted: 2, rejected: 0 });
        should(sim.trades.get('SHOP01/T1')!.pushes).equal(2);
    });

    it('Chinese values (and numbers) are signed over the exact text sent and accepted by the simulator', async () => {
        await loadFlow();
        const t = { ...demoTrade('订单-甲'), buyer_nick: '王小明😀', receiver_address: '北京市 <朝阳区> & "望京"', post_amount: 12.5, seller_memo: '加急，周末送' };
        const r = await run('n1', { payload: t }, 2);
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload.tid).equal('订单-甲');
        const stored = sim.trades.get('SHOP01/订单-甲')!.trade;
        should(stored).match({ buyer_nick: '王小明😀', receiver_address: '北京市 <朝阳区> & "望京"', post_amount: '12.5', seller_memo: '加急，周末送' });
    });

    it('strict mode (switch=1): one bad trade refuses the call; every trade goes to output 2, nothing stored', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' }, switch: { value: '1', type: 'str' } }));
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2', { specNo: 'BAD' })] }, 2);
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1].map((m) => [m.payload.tid, m.error.code])).eql([['T1', 'BATCH_REFUSED'], ['T2', 'TRADE_REFUSED']]);
        should(form(0).switch).equal('1');
        should(sim.trades.size).equal(0);
    });

    it('strict mode: a flow replaying output 2 by msg.error.retryable pushes again the trades refused for another\'s sake (stored), not the refused one', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' }, switch: { value: '1', type: 'str' } }));
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2', { specNo: 'BAD' }), demoTrade('T3')] }, 2);
        should(r.outputs[1].map((m) => [m.payload.tid, m.error.code, m.error.retryable, m.error.possiblyProcessed === true])).eql([
            ['T1', 'BATCH_REFUSED', true, false],
            ['T2', 'TRADE_REFUSED', false, false],
            ['T3', 'BATCH_REFUSED', true, false],
        ]);
        const replayed = r.outputs[1].filter((m) => m.error.retryable);
        for (const m of replayed) {
            const again = await run('n1', m, 2);
            should(again.outputs[1].map((x) => x.error.code)).eql([]);
        }
        should([...sim.trades.keys()].sort()).eql(['SHOP01/T1', 'SHOP01/T3']);
    });

    it('strict mode: a trade with a blank tid or a line with a blank oid, num or price → output 2 naming the field, not sent; the call of the others is not refused', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' }, switch: { value: '1', type: 'str' } }));
        const blankTid = { ...demoTrade('X'), tid: '' };
        const blankLine = (field: string, value: unknown) => {
            const t = demoTrade(`T-${field}`);
            (t.order_list as Msg[])[0][field] = value;
            return t;
        };
        const r = await run('n1', { payload: [blankTid, demoTrade('T1'), blankLine('oid', ' '), blankLine('num', ''), blankLine('price', ''), demoTrade('T2')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([
            [0, 'validation', 'payload[0].tid'],
            [2, 'validation', 'payload[2].order_list[0].oid'],
            [3, 'validation', 'payload[3].order_list[0].num'],
            [4, 'validation', 'payload[4].order_list[0].price'],
        ]);
        should(r.outputs[1][0].error.message).match(/tid: must not be blank/);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T1', 'T2']);
        should(JSON.parse(form(0).trade_list).map((t: Msg) => t.tid)).eql(['T1', 'T2']);
        should([...sim.trades.keys()]).eql(['SHOP01/T1', 'SHOP01/T2']);
    });

    it('coded fields given as numbers (as the seed 003 example mapping converts them) are checked like their text: pay_status 3, invoice_kind 9, remark_flag 6, seller_flag 7 → output 2 naming the field, not sent', async () => {
        await loadFlow();
        const coded = (field: string, value: number) => ({ ...demoTrade(`T-${field}`), [field]: value });
        const r = await run('n1', { payload: [coded('pay_status', 3), coded('invoice_kind', 9), coded('remark_flag', 6), coded('seller_flag', 7), { ...demoTrade('T1'), pay_status: 2, invoice_kind: 0, remark_flag: 5, seller_flag: 0 }] }, 2);
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([
            [0, 'validation', 'payload[0].pay_status'],
            [1, 'validation', 'payload[1].invoice_kind'],
            [2, 'validation', 'payload[2].remark_flag'],
            [3, 'validation', 'payload[3].seller_flag'],
        ]);
        should(r.outputs[1][0].error.message).equal('payload[0].pay_status: must be one of "0", "1", "2" (as text or a number)');
        should(JSON.parse(form(0).trade_list)).match([{ tid: 'T1', pay_status: '2', invoice_kind: '0', remark_flag: '5', seller_flag: '0' }]);
        should(sim.requests).have.length(1);
    });

    it('trade_time and pay_time other than yyyy-MM-dd HH:mm:ss (seed 003: datetime) — epoch ms, ISO with T and Z, a date alone → output 2 naming the field, not sent; WDT\'s "0000-00-00 00:00:00" and a blank pay_time are sent', async () => {
        await loadFlow();
        const r = await run('n1', {
            payload: [
                { ...demoTrade('T-ms'), trade_time: 1704765600000 },
                { ...demoTrade('T-iso'), pay_time: '2024-01-09T02:05:00.000Z' },
                { ...demoTrade('T-day'), trade_time: '2024-01-09' },
                { ...demoTrade('T-ok'), pay_status: '0', pay_time: '0000-00-00 00:00:00' },
                { ...demoTrade('T-ok2'), pay_status: '0', pay_time: '' },
            ],
        }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([
            [0, 'validation', 'payload[0].trade_time'],
            [1, 'validation', 'payload[1].pay_time'],
            [2, 'validation', 'payload[2].trade_time'],
        ]);
        should(r.outputs[1][1].error.message).containEql('yyyy-MM-dd HH:mm:ss');
        should(JSON.parse(form(0).trade_list).map((t: Msg) => t.tid)).eql(['T-ok', 'T-ok2']);
        should(sim.requests).have.length(1);
    });

    it('is_auto_wms 0 or blank is not sent (seed 003: 非自动流转模式一定不要传值), so the trade is not taken into auto-flow mode; 1 is sent', async () => {
        await loadFlow();
        const r = await run('n1', { payload: [{ ...demoTrade('T1'), is_auto_wms: '0' }, { ...demoTrade('T2'), is_auto_wms: 0 }, { ...demoTrade('T3'), is_auto_wms: '' }, { ...demoTrade('T4'), is_auto_wms: 1 }] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload).have.length(4);
        should(JSON.parse(form(0).trade_list).map((t: Msg) => t.is_auto_wms)).eql([undefined, undefined, undefined, '1']);
        should(['T1', 'T2', 'T3', 'T4'].map((t) => sim.trades.get(`SHOP01/${t}`)!.autoFlow)).eql([false, false, false, true]);
    });

    it('unknown shop → business error at Catch with the vendor message, one request, nothing stored', async () => {
        await loadFlow({}, node({ shop_no: { value: 'NOSHOP', type: 'str' } }));
        const r = await run('n1', { payload: [demoTrade('T1')] }, 2);
        should(r.caught).be.ok();
        should(r.caught!._error).match({ system: 'wdt', kind: 'business', message: /店铺不存在/ });
        should(sim.requests).have.length(1);
        should(sim.trades.size).equal(0);
    });

    it('wrong appsecret → config error at Catch, not retried, no secret in the message', async () => {
        await loadFlow({}, node(), 'wrong-secret-xyz');
        const r = await run('n1', { payload: [demoTrade('T1')] }, 2);
        should(r.caught!._error).match({ system: 'wdt', kind: 'config', code: '1070' });
        should(JSON.stringify(r.caught)).not.match(/wrong-secret-xyz/);
        should(sim.requests).have.length(1);
    });

    it('rate-limit answer → backoff, then success; the trades are stored once', async () => {
        await loadFlow();
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 2);
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T1', 'T2']);
        should(sim.requests).have.length(3);
        should(sim.trades.size).equal(2);
        // a fresh timestamp and sign on each attempt
        should(form(2).sign).equal(wdt(form(2), WDT_DEMO.appsecret));
    });

    it('a "system busy" answer (系统繁忙: WDT did nothing with the call) → backoff, then pushed: each trade stored once, none on output 2 or at Catch as a business refusal', async () => {
        await loadFlow();
        sim.inject({ type: 'vendor', name: 'system-busy' }, 2);
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T1', 'T2']);
        should(sim.requests).have.length(3);
        should([...sim.trades.values()].map((t) => t.pushes)).eql([1, 1]);
    });

    it('bad input: a trade without tid or a line without oid → output 2 naming the field; only the good trade is sent', async () => {
        await loadFlow();
        const noTid = { ...demoTrade('X'), tid: undefined };
        const badLine = demoTrade('T9');
        delete (badLine.order_list as Msg[])[0].oid;
        const r = await run('n1', { payload: [noTid, badLine, demoTrade('T5')] }, 2);
        should(r.outputs[1].map((m) => m.error.field)).eql(['payload[0].tid', 'payload[1].order_list[0].oid']);
        should(r.outputs[1][0].error).match({ kind: 'validation', message: /tid: is required/ });
        should(sim.requests).have.length(1);
        should(JSON.parse(form(0).trade_list).map((t: Msg) => t.tid)).eql(['T5']);
    });

    it('seed 003\'s call-level fields written where its table puts them (shop_no, switch, trade_list under order_list) or on the trade (switch, trade_list) → output 2 naming the field, not sent to the node\'s shop in the mode WDT takes from the call; the others pushed', async () => {
        await loadFlow();
        const onLine = (tid: string, extra: Msg) => {
            const t = demoTrade(tid);
            Object.assign((t.order_list as Msg[])[0], extra);
            return t;
        };
        const r = await run('n1', {
            payload: [
                onLine('T1', { shop_no: 'SHOP02' }),
                onLine('T2', { switch: '1' }),
                onLine('T3', { trade_list: [] }),
                { ...demoTrade('T4'), switch: 1 },
                { ...demoTrade('T5'), trade_list: '[]' },
                demoTrade('T6'),
            ],
        }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([
            [0, 'validation', 'order_list[0].shop_no'],
            [1, 'validation', 'order_list[0].switch'],
            [2, 'validation', 'order_list[0].trade_list'],
            [3, 'validation', 'switch'],
            [4, 'validation', 'trade_list'],
        ]);
        should(r.outputs[1][0].error.message).match(/^order_list\[0\]\.shop_no: .*the trade's shop_no/);
        should(r.outputs[1][1].error.message).match(/^order_list\[0\]\.switch: .*msg\.params\.switch/);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T6']);
        should(sim.requests).have.length(1);
        should(JSON.parse(form(0).trade_list).map((t: Msg) => t.tid)).eql(['T6']);
    });

    it('a trade holding half a character (an emoji cut in two: JSON.stringify sends \\ud83d, which WDT\'s json_decode refuses with the whole call) → output 2 naming the field, not sent; the others are pushed', async () => {
        await loadFlow();
        const halfNick = { ...demoTrade('T2'), buyer_nick: '王小明\ud83d' };
        const halfLine = demoTrade('T3');
        (halfLine.order_list as Msg[])[0].goods_name = '\ude00保温杯';
        const r = await run('n1', { payload: [demoTrade('T1'), halfNick, halfLine, { ...demoTrade('T4'), buyer_nick: '王小明😀' }] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T1', 'T4']);
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.code, m.error.field])).eql([
            [1, 'validation', 'INVALID_RECORD', 'buyer_nick'],
            [2, 'validation', 'INVALID_RECORD', 'order_list[0].goods_name'],
        ]);
        should(r.outputs[1][0].error.message).match(/^buyer_nick: .*half a character/);
        should(sim.requests).have.length(1);
        should(JSON.parse(form(0).trade_list).map((t: Msg) => t.tid)).eql(['T1', 'T4']);
        should([...sim.trades.keys()]).eql(['SHOP01/T1', 'SHOP01/T4']);
    });

    it('tids given as 19-digit numbers (a Taobao tid as TOP sends it, read by Node-RED\'s JSON parsing: rounded, two trades to one number) → output 2 naming tid, nothing sent for them; a small numeric tid is still pushed', async () => {
        await loadFlow();
        const text = JSON.stringify([{ ...demoTrade('A'), tid: '@1' }, { ...demoTrade('B'), tid: '@2' }, { ...demoTrade('C'), tid: '@3' }]);
        const payload = JSON.parse(text.replace('"@1"', '2384729384729384729').replace('"@2"', '2384729384729384730').replace('"@3"', '1001'));
        should(payload[0].tid).equal(payload[1].tid);
        const r = await run('n1', { payload }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.code, m.error.field])).eql([
            [0, 'validation', 'INVALID_RECORD', 'tid'],
            [1, 'validation', 'INVALID_RECORD', 'tid'],
        ]);
        should(r.outputs[1][0].error.message).match(/^tid: a number beyond 2\^53 cannot hold every digit: it arrived rounded \(as 2384729384729385000\); send it as text; not sent$/);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['1001']);
        should(sim.requests).have.length(1);
        should(JSON.parse(form(0).trade_list).map((t: Msg) => t.tid)).eql(['1001']);
        should([...sim.trades.keys()]).eql(['SHOP01/1001']);
    });

    it('an oid given as a 19-digit number (rounded) or with a fraction → output 2 naming order_list[i].oid, nothing sent for the trade; a small numeric oid is still pushed', async () => {
        await loadFlow();
        const text = JSON.stringify([demoTrade('T1', { lines: 2 }), demoTrade('T2'), demoTrade('T3')]);
        const payload = JSON.parse(text.replace('"T1-2"', '2384729384729384729').replace('"T2-1"', '12.5').replace('"T3-1"', '7'));
        const r = await run('n1', { payload }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.code, m.error.field])).eql([
            [0, 'validation', 'INVALID_RECORD', 'order_list[1].oid'],
            [1, 'validation', 'INVALID_RECORD', 'order_list[0].oid'],
        ]);
        should(r.outputs[1][0].error.message).match(/^order_list\[1\]\.oid: a number beyond 2\^53 cannot hold every digit: it arrived rounded .*; send it as text; not sent$/);
        should(r.outputs[1][1].error.message).match(/^order_list\[0\]\.oid: 12\.5 is not a whole number, so no id; send it as text; not sent$/);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T3']);
        should(sim.requests).have.length(1);
        should(JSON.parse(form(0).trade_list).map((t: Msg) => t.order_list[0].oid)).eql(['7']);
        should([...sim.trades.keys()]).eql(['SHOP01/T3']);
    });

    it('amounts made in a flow go as their decimal (3 × 19.9 → "59.7", not "59.699999999999996"; 1e-7 without exponent); NaN in an amount → output 2 naming it, not sent as "NaN"', async () => {
        await loadFlow();
        const t1 = demoTrade('T1');
        (t1.order_list as Msg[])[0].price = 3 * 19.9;
        const r = await run('n1', { payload: [{ ...t1, post_amount: 0.1 + 0.2, discount: 1e-7 }, { ...demoTrade('T2'), post_amount: NaN }] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.code, m.error.field, m.error.message])).eql([[1, 'INVALID_RECORD', 'post_amount', 'post_amount: must be a finite number, not NaN; not sent']]);
        const [sent] = JSON.parse(form(0).trade_list);
        should(sent).match({ tid: 'T1', post_amount: '0.3', discount: '0.0000001', order_list: [{ price: '59.7' }] });
        should([...sim.trades.keys()]).eql(['SHOP01/T1']);
    });

    it('missing shop_no → whole message to Catch naming shop_no, nothing sent', async () => {
        await loadFlow({}, node({}));
        const r = await run('n1', { payload: [demoTrade('T1')] }, 2);
        should(r.caught!._error).match({ kind: 'validation', message: /shop_no/ });
        should(sim.requests).have.length(0);
    });

    it('shop_no from msg.params', async () => {
        await loadFlow({}, node({}));
        const r = await run('n1', { payload: [demoTrade('T1')], params: { shop_no: 'SHOP02' } }, 2);
        should(r.outputs[0][0].payload[0].shop_no).equal('SHOP02');
        should(sim.trades.has('SHOP02/T1')).be.true();
    });

    it('trades carrying their own shop_no: one call per shop, shop_no not inside trade_list; an unknown shop fails only its trades', async () => {
        await loadFlow();
        const t = (tid: string, shop?: string) => (shop ? { ...demoTrade(tid), shop_no: shop } : demoTrade(tid));
        const r = await run('n1', { payload: [t('T1', 'SHOP01'), t('T2', 'SHOP02'), t('T3', 'NOSHOP'), t('T4')] }, 2);
        should(r.caught).be.undefined();
        should(sim.requests.map((q) => [WdtSim.form(q).shop_no, JSON.parse(WdtSim.form(q).trade_list).map((x: Msg) => x.tid)])).eql([
            ['SHOP01', ['T1', 'T4']],
            ['SHOP02', ['T2']],
            ['NOSHOP', ['T3']],
        ]);
        for (const q of sim.requests) for (const x of JSON.parse(WdtSim.form(q).trade_list)) should(x).not.have.property('shop_no');
        should(r.outputs[0][0].payload.map((x: Msg) => [x.tid, x.shop_no])).eql([['T1', 'SHOP01'], ['T2', 'SHOP02'], ['T4', 'SHOP01']]);
        should(r.outputs[1].map((m) => m.payload.tid)).eql(['T3']);
        should(r.outputs[1][0].error).match({ kind: 'business', message: /店铺不存在: NOSHOP/ });
        should([...sim.trades.keys()]).eql(['SHOP01/T1', 'SHOP01/T4', 'SHOP02/T2']);
    });

    it('one tid twice in a shop (a trade and its corrected copy): a later call, in order, so each gets its own result; the stored one is not reported refused', async () => {
        await loadFlow();
        const r = await run('n1', { payload: [demoTrade('T7001'), demoTrade('T7002'), demoTrade('T7001', { specNo: 'BAD-SKU' })] }, 2);
        should(r.caught).be.undefined();
        should(sim.requests.map((q) => JSON.parse(WdtSim.form(q).trade_list).map((x: Msg) => x.tid))).eql([['T7001', 'T7002'], ['T7001']]);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T7001', 'T7002']);
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.code])).eql([[2, 'TRADE_REFUSED']]);
        should((sim.trades.get('SHOP01/T7001')!.trade.order_list as Msg[])[0].spec_no).equal('G001-RED');
    });

    it('one tid twice in a shop, once with spaces around it (WDT names it trimmed): separate calls, so the refused copy is reported refused and the stored one stored', async () => {
        await loadFlow();
        const r = await run('n1', { payload: [demoTrade('T8001', { specNo: 'BAD-SKU' }), { ...demoTrade('T8001'), tid: 'T8001 ' }] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.payload.tid, m.error.code])).eql([[0, 'T8001', 'TRADE_REFUSED']]);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T8001 ']);
        should(sim.requests.map((q) => JSON.parse(WdtSim.form(q).trade_list).map((x: Msg) => x.tid))).eql([['T8001'], ['T8001 ']]);
    });

    it('a trade with no shop anywhere → output 2 naming shop_no, not sent; the others are pushed', async () => {
        await loadFlow({}, node({}));
        const r = await run('n1', { payload: [{ ...demoTrade('T1'), shop_no: 'SHOP02' }, demoTrade('T2')] }, 2);
        should(r.outputs[1].map((m) => [m.payload.tid, m.error.field, m.error.kind])).eql([['T2', 'shop_no', 'validation']]);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T1']);
        should(sim.requests).have.length(1);
        should([...sim.trades.keys()]).eql(['SHOP02/T1']);
    });

    it('shopless trades filling a whole chunk (the first or a later one) → output 2 naming shop_no; the other chunks\' trades with a shop are pushed, not sent to Catch', async () => {
        await loadFlow({}, node({ chunkSize: { value: '2', type: 'num' } }));
        const own = (tid: string, shop: string) => ({ ...demoTrade(tid), shop_no: shop });
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2'), own('T3', 'SHOP02'), own('T4', 'SHOP02')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.payload.tid, m.error.kind, m.error.field])).eql([
            [0, 'T1', 'validation', 'shop_no'],
            [1, 'T2', 'validation', 'shop_no'],
        ]);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T3', 'T4']);

        const r2 = await run('n1', { payload: [own('T5', 'SHOP01'), own('T6', 'SHOP01'), demoTrade('T7'), demoTrade('T8'), own('T9', 'SHOP02')] }, 2);
        should(r2.caught).be.undefined();
        should(r2.outputs[1].map((m) => [m.recordIndex, m.payload.tid, m.error.code, m.error.field])).eql([
            [2, 'T7', 'INVALID_RECORD', 'shop_no'],
            [3, 'T8', 'INVALID_RECORD', 'shop_no'],
        ]);
        should(r2.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T5', 'T6', 'T9']);
        should([...sim.trades.keys()].sort()).eql(['SHOP01/T5', 'SHOP01/T6', 'SHOP02/T3', 'SHOP02/T4', 'SHOP02/T9']);
    });

    it('a shop WDT refuses in a msg of several shops fails only its own trades, whichever chunk holds it (alone in the first chunk, or in a later one)', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' }, chunkSize: { value: '1', type: 'num' } }));
        const r = await run('n1', { payload: [{ ...demoTrade('T1'), shop_no: 'NOSHOP' }, demoTrade('T2')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.recordIndex, m.payload.tid, m.error.kind])).eql([[0, 'T1', 'business']]);
        should(r.outputs[1][0].error.message).match(/店铺不存在: NOSHOP/);
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T2']);

        const r2 = await run('n1', { payload: [demoTrade('T3'), { ...demoTrade('T4'), shop_no: 'NOSHOP' }, demoTrade('T5')] }, 2);
        should(r2.caught).be.undefined();
        should(r2.outputs[1].map((m) => [m.recordIndex, m.payload.tid, m.error.kind])).eql([[1, 'T4', 'business']]);
        should(r2.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T3', 'T5']);
        should([...sim.trades.keys()]).eql(['SHOP01/T2', 'SHOP01/T3', 'SHOP01/T5']);
    });

    it('behind a front server with a body limit: a later shop\'s call refused with HTTP 413 is sent again in halves, every trade stored once; a trade over the limit alone fails only itself', async () => {
        await loadFlow();
        const big = (tid: string, lines: number) => ({ ...demoTrade(tid, { lines }), shop_no: 'SHOP02' });
        const payload = [demoTrade('T1'), demoTrade('T2'), big('B1', 100), big('B2', 100), big('B3', 100), big('B4', 100), big('HUGE', 1000)];
        // SHOP01's call fits; SHOP02's four 100-line trades together do not, two of them do; the 1,000-line one alone does not.
        sim.maxBodyBytes = Math.ceil(new URLSearchParams({ trade_list: JSON.stringify(payload.slice(2, 6)) }).toString().length * 0.75);
        const r = await run('n1', { payload }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => `${x.shop_no}/${x.tid}`)).eql(['SHOP01/T1', 'SHOP01/T2', 'SHOP02/B1', 'SHOP02/B2', 'SHOP02/B3', 'SHOP02/B4']);
        should(r.outputs[1].map((m) => [m.recordIndex, m.payload.tid, m.error.code, m.error.retryable])).eql([[6, 'HUGE', 'REQUEST_TOO_LARGE', false]]);
        should(r.outputs[1][0].error).not.have.property('possiblyProcessed');
        should([...sim.trades.keys()].sort()).eql(['SHOP01/T1', 'SHOP01/T2', 'SHOP02/B1', 'SHOP02/B2', 'SHOP02/B3', 'SHOP02/B4']);
        for (const t of sim.trades.values()) should(t.pushes).equal(1);
        // The halves keep their call's shop; no refused body was sent again as it was.
        for (const q of sim.requests) {
            const f = WdtSim.form(q);
            for (const t of JSON.parse(f.trade_list)) should(f.shop_no).equal(t.tid.startsWith('T') ? 'SHOP01' : 'SHOP02');
        }
        const refused = sim.requests.filter((q) => q.fault !== undefined).map((q) => q.body);
        should(refused.length).be.above(1);
        should(new Set(refused).size).equal(refused.length);
    });

    it('a trade whose shop_no is blank (a mapper\'s empty source) goes to the node\'s shop', async () => {
        await loadFlow({}, node({}));
        const r = await run('n1', { payload: [{ ...demoTrade('T1'), shop_no: '' }], params: { shop_no: 'SHOP02' } }, 2);
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload[0].shop_no).equal('SHOP02');
        should([...sim.trades.keys()]).eql(['SHOP02/T1']);
    });

    it('a refusal naming a tid with spaces around it is the sent trade\'s; one naming no trade of the call, with fewer stored than not refused, leaves no trade reported stored', async () => {
        await loadFlow();
        const answer = (body: Msg) => sim.inject({ type: 'http', status: 200, body: JSON.stringify(body) }, 1);
        answer({ code: 0, message: 'ok', new_count: 1, chg_count: 0, error_list: [{ tid: 'T2', error: '货品不存在' }] });
        const r1 = await run('n1', { payload: [demoTrade('T1'), { ...demoTrade('T2'), tid: 'T2 ' }] }, 2);
        should(r1.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T1']);
        should(r1.outputs[1].map((m) => [m.payload.tid, m.error.code])).eql([['T2 ', 'TRADE_REFUSED']]);

        answer({ code: 0, message: 'ok', new_count: 1, chg_count: 0, error_list: [{ tid: 'X9', error: '货品不存在' }] });
        const r2 = await run('n1', { payload: [demoTrade('T3'), demoTrade('T4')] }, 2);
        should(r2.outputs[0]).have.length(0);
        should(r2.outputs[1].map((m) => [m.payload.tid, m.error.code])).eql([['T3', 'OUTCOME_UNCLEAR'], ['T4', 'OUTCOME_UNCLEAR']]);
        should(r2.outputs[1][0].error.message).match(/X9: 货品不存在/);
        // One of the two is stored: each may be, as after a lost answer (a second push is not known to only update it).
        for (const m of r2.outputs[1]) should(m.error).match({ possiblyProcessed: true, retryable: false, message: /check WDT before pushing it again/ });

        // Counts that account for every trade not refused by name: a stray refusal changes nothing (a warning only).
        answer({ code: 0, message: 'ok', new_count: 2, chg_count: 0, error_list: [{ tid: 'X9', error: '货品不存在' }] });
        const r3 = await run('n1', { payload: [demoTrade('T5'), demoTrade('T6')] }, 2);
        should(r3.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T5', 'T6']);
    });

    it('an answer storing fewer trades than it leaves unrefused by tid, its per-trade list under another name or its refusal in the message alone: no trade of it reported stored that may not be', async () => {
        await loadFlow();
        const answer = (body: Msg) => sim.inject({ type: 'http', status: 200, body: JSON.stringify(body) }, 1);
        const outcome = (r: Msg) => [r.outputs[0].flatMap((m: Msg) => m.payload.map((x: Msg) => x.tid)), r.outputs[1].map((m: Msg) => [m.payload.tid, m.error.code])];

        // The list under another name (fail_list): matched by tid as error_list is.
        answer({ code: 0, message: '', new_count: 1, chg_count: 0, fail_list: [{ tid: 'T2', error: '货品不存在' }] });
        const r1 = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
        should(outcome(r1)).eql([['T1'], [['T2', 'TRADE_REFUSED']]]);
        should(r1.outputs[1][0].error.message).equal('货品不存在');
        should(r1.outputs[0][0].payload[0].batch).eql({ new_count: 1, chg_count: 0, accepted: 1, rejected: 1 });

        // The refusal in the message alone, naming the trade: free text may name a trade as refused or as stored, or a
        // count may read as a tid; none is reported stored or refused, each may be stored, and the error says whether
        // the answer names it.
        answer({ code: 0, message: '部分订单推送失败: T2 货品不存在', new_count: 1, chg_count: 0 });
        const r2 = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
        should(outcome(r2)).eql([[], [['T1', 'OUTCOME_UNCLEAR'], ['T2', 'OUTCOME_UNCLEAR']]]);
        should(r2.outputs[1][1].error).match({ possiblyProcessed: true, retryable: false, message: /and its answer names this trade; its message: "部分订单推送失败: T2 货品不存在"/ });
        should(r2.outputs[1][0].error.message).not.match(/names this trade/);
        answer({ code: 0, message: 'T1 已推送；1 单货品不存在', new_count: 1, chg_count: 0 });
        const named = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
        should(outcome(named)).eql([[], [['T1', 'OUTCOME_UNCLEAR'], ['T2', 'OUTCOME_UNCLEAR']]]);
        answer({ code: 0, message: '推送完成，失败1条', new_count: 2, chg_count: 0 });
        const counted = await run('n1', { payload: [demoTrade('1'), demoTrade('2'), demoTrade('3')] }, 2);
        should(outcome(counted)).eql([[], [['1', 'OUTCOME_UNCLEAR'], ['2', 'OUTCOME_UNCLEAR'], ['3', 'OUTCOME_UNCLEAR']]]);

        // A tid only inside a longer one (T2 in T20, a line's oid T2-1) is not named.
        answer({ code: 0, message: '订单T20货品不存在; 子订单T2-1已更新', new_count: 1, chg_count: 0 });
        const r3 = await run('n1', { payload: [demoTrade('T2'), demoTrade('T20')] }, 2);
        should(outcome(r3)).eql([[], [['T2', 'OUTCOME_UNCLEAR'], ['T20', 'OUTCOME_UNCLEAR']]]);
        should(r3.outputs[1].map((m) => /names this trade/.test(m.error.message))).eql([false, true]);

        // Naming no trade (or a list of a name not known): which is not stored is unknown, each may be: check WDT first.
        for (const body of [
            { code: 0, message: '部分订单推送失败', new_count: 1, chg_count: 0 },
            { code: 0, message: '部分订单推送失败', new_count: '1', chg_count: '0', result: [{ tid: 'T6', status: 'failed' }] },
        ]) {
            answer(body);
            const r4 = await run('n1', { payload: [demoTrade('T5'), demoTrade('T6')] }, 2);
            should(outcome(r4)).eql([[], [['T5', 'OUTCOME_UNCLEAR'], ['T6', 'OUTCOME_UNCLEAR']]]);
            for (const m of r4.outputs[1]) should(m.error).match({ possiblyProcessed: true, retryable: false, message: /WDT stored 1 of the 2 trades.*"部分订单推送失败".*check WDT before pushing it again/ });
        }

        // Naming more trades than are missing: which it refused is unclear too.
        answer({ code: 0, message: 'T7, T8: 货品不存在', new_count: 1, chg_count: 0 });
        const r5 = await run('n1', { payload: [demoTrade('T7'), demoTrade('T8')] }, 2);
        should(outcome(r5)).eql([[], [['T7', 'OUTCOME_UNCLEAR'], ['T8', 'OUTCOME_UNCLEAR']]]);


        // Counts accounting for every trade: a message naming one changes nothing (updated trades counted in chg_count).
        answer({ code: 0, message: 'T12 已更新', new_count: 1, chg_count: 1 });
        const r7 = await run('n1', { payload: [demoTrade('T12'), demoTrade('T13')] }, 2);
        should(outcome(r7)).eql([['T12', 'T13'], []]);
    });

    it('strict mode: a per-trade refusal whose message says 超过 (over stock) is the trades\' outcome on output 2, sent once, not a call limit', async () => {
        await loadFlow();
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 100, message: '严格模式下订单校验失败: T2 子订单T2-1数量超过库存', error_list: [{ tid: 'T2', error: '子订单T2-1数量超过库存' }] }) }, 1);
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')], params: { switch: '1' } }, 2);
        should(r.caught).be.undefined();
        should(sim.requests).have.length(1);
        should(r.outputs[1].map((m) => [m.payload.tid, m.error.code])).eql([['T1', 'BATCH_REFUSED'], ['T2', 'TRADE_REFUSED']]);
        should(r.outputs[1][0].error.message).match(/strict mode \(switch=1\) refused the whole call/);
        // The same answer to a non-strict call counting nothing stored (not documented): the others are not said to be
        // refused by strict mode.
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 100, message: '订单校验失败', new_count: 0, chg_count: 0, error_list: [{ tid: 'T2', error: '货品不存在' }] }) }, 1);
        const lax = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')], params: { switch: '0' } }, 2);
        should(lax.outputs[1][0].error).match({ code: 'BATCH_REFUSED' });
        should(lax.outputs[1][0].error.message).not.match(/strict/);
    });

    it('non-strict mode: an error answer naming some trades refused and giving no counts (WDT took the good ones) → the others possibly stored, not retryable as "nothing stored"', async () => {
        await loadFlow();
        // WDT in non-strict mode stores the good trades of the call (protocols.md §5.1); here it stored T1 and T3 and
        // answered with an error code, naming T2 alone, without counts.
        await run('n1', { payload: [demoTrade('T1'), demoTrade('T3')] }, 2);
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 100, message: '部分订单推送失败', error_list: [{ tid: 'T2', error: '货品不存在' }] }) }, 1);
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2'), demoTrade('T3')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1].map((m) => [m.payload.tid, m.error.code])).eql([['T1', 'OUTCOME_UNCLEAR'], ['T2', 'TRADE_REFUSED'], ['T3', 'OUTCOME_UNCLEAR']]);
        for (const m of [r.outputs[1][0], r.outputs[1][2]]) {
            should(m.error).match({ possiblyProcessed: true, retryable: false, message: /non-strict.*no count of trades stored.*check WDT before pushing it again/ });
            should(m.error.message).not.match(/nothing of the call was stored/);
        }
        // A flow replaying msg.error.retryable pushes nothing again: T1 and T3 were pushed once each.
        for (const m of r.outputs[1].filter((x) => x.error.retryable)) await run('n1', m, 2);
        should(sim.trades.get('SHOP01/T1')!.pushes).equal(1);
        should(sim.trades.get('SHOP01/T3')!.pushes).equal(1);
    });

    it('non-strict mode: an error answer naming a refused trade in its message alone, without counts (WDT took the good ones) → each trade possibly stored on output 2, not Catch, whose replay pushed the stored ones again', async () => {
        await loadFlow();
        // WDT stored T1 and T3 in an earlier call; now it answers an error naming T2 in its message, with no list and no counts.
        await run('n1', { payload: [demoTrade('T1'), demoTrade('T3')] }, 2);
        for (const message of ['部分订单推送失败: T2 货品不存在', '订单T2 receiver_address长度超过255']) {
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 100, message }) }, 1);
            const before = sim.requests.length;
            const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2'), demoTrade('T3')] }, 2);
            should(r.caught).be.undefined();
            should(sim.requests.length - before).equal(1, message);
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1].map((m) => [m.payload.tid, m.error.code, m.error.possiblyProcessed === true, m.error.retryable])).eql([['T1', 'OUTCOME_UNCLEAR', true, false], ['T2', 'OUTCOME_UNCLEAR', true, false], ['T3', 'OUTCOME_UNCLEAR', true, false]]);
            should(r.outputs[1].map((m) => /\) naming this trade, in non-strict mode/.test(m.error.message))).eql([false, true, false]);
        }
        should(sim.trades.get('SHOP01/T1')!.pushes).equal(1);
    });

    it('strict mode: a refusal worded in the message alone, naming a trade and saying 超过 (a field over its length), is the vendor\'s business refusal at Catch, sent once: not a rate limit retried and pausing the account', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' }, switch: { value: '1', type: 'str' } }));
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 100, message: '严格模式下订单校验失败: T2 receiver_address长度超过255' }) }, 5);
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
        should(sim.requests).have.length(1);
        should(r.caught!._error).match({ system: 'wdt', kind: 'business', code: '100', message: /T2 receiver_address长度超过255/ });
        should(r.caught!._error.message).not.match(/gave up/);
        should(sim.trades.size).equal(0);
    });

    it('an error answer naming a refused trade that also counts trades stored: the others are possibly stored, not retryable as "nothing stored"', async () => {
        await loadFlow();
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 100, message: '部分订单推送失败', new_count: 1, chg_count: 0, error_list: [{ tid: 'T2', error: '货品不存在' }] }) }, 1);
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1].map((m) => [m.payload.tid, m.error.code])).eql([['T1', 'OUTCOME_UNCLEAR'], ['T2', 'TRADE_REFUSED']]);
        // WDT says it stored one trade: a flow replaying msg.error.retryable must not push T1 again blindly.
        should(r.outputs[1][0].error).match({ possiblyProcessed: true, retryable: false, message: /check WDT before pushing it again/ });
        should(r.outputs[1][0].error.message).not.match(/nothing of the call was stored/);
    });

    it('a server whose connection attempts go unanswered (a firewall dropping them, a server rebooting): nothing was sent, so the push is retried, then fails to Catch, not "may have been processed"', async () => {
        const listener = await droppingListener();
        try {
            await loadFlow({ baseUrl: `http://127.0.0.1:${listener.port}/openapi2`, timeout: '0.2', maxRetries: 2 });
            const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2')] }, 2);
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1]).have.length(0);
            should(r.caught!._error).match({ system: 'wdt', kind: 'transient', code: 'CONNECT_TIMEOUT', message: /nothing was sent.*gave up after 3 attempts/ });
        } finally {
            listener.close();
        }
    });

    it('second shop\'s call processed but its answer lost after the first was written → its trades on output 2 (may have been processed), none to Catch', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' } }));
        sim.inject({ type: 'reset-after-processing' }, 1, (q) => WdtSim.form(q).shop_no === 'SHOP02');
        const r = await run('n1', { payload: [demoTrade('T1'), { ...demoTrade('T2'), shop_no: 'SHOP02' }] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.tid)).eql(['T1']);
        should(r.outputs[1].map((m) => m.payload.tid)).eql(['T2']);
        should(r.outputs[1][0].error.message).match(/may have been processed/);
        // not sent again: the push is not known to be idempotent
        should(sim.requests).have.length(2);
        should(sim.trades.has('SHOP02/T2')).be.true();
    });

    it('first shop\'s call processed but its answer lost → only its trades are "may have been processed"; the other shop\'s are not sent (retryable), a shopless trade keeps its own error', async () => {
        await loadFlow({}, node({}));
        sim.inject({ type: 'reset-after-processing' }, 1, (q) => WdtSim.form(q).shop_no === 'SHOP01');
        const r = await run('n1', { payload: [{ ...demoTrade('T1'), shop_no: 'SHOP01' }, { ...demoTrade('T2'), shop_no: 'SHOP02' }, demoTrade('T3')] }, 2);
        should(r.caught).be.undefined();
        should(sim.requests).have.length(1);
        should(r.outputs[1].map((m) => [m.payload.tid, m.error.code, m.error.possiblyProcessed === true, m.error.retryable])).eql([
            ['T1', 'ECONNRESET', true, false],
            ['T2', 'NOT_SENT', false, true],
            ['T3', 'INVALID_RECORD', false, false],
        ]);
        should(sim.trades.has('SHOP02/T2')).be.false();
    });

    it('a lost answer stops the msg there: the next chunks are not sent (NOT_SENT, safe to replay), as for every write node', async () => {
        await loadFlow({}, node({ shop_no: { value: 'SHOP01', type: 'str' }, chunkSize: { value: '1', type: 'num' } }));
        sim.inject({ type: 'reset-after-processing' }, 1);
        const r = await run('n1', { payload: [demoTrade('T1'), demoTrade('T2'), demoTrade('T3')] }, 2);
        should(r.caught).be.undefined();
        should(sim.requests).have.length(1);
        should(r.outputs[1].map((m) => [m.payload.tid, m.error.code, m.error.possiblyProcessed === true, m.error.retryable])).eql([
            ['T1', 'ECONNRESET', true, false],
            ['T2', 'NOT_SENT', false, true],
            ['T3', 'NOT_SENT', false, true],
        ]);
        should([...sim.trades.keys()]).eql(['SHOP01/T1']);
    });

    it('custom URL as pasted: host only or the full trade_push.php address', async () => {
        should(normaliseBase('https://api.wangdian.cn/openapi2/trade_push.php')).equal('https://api.wangdian.cn/openapi2');
        should(normaliseBase('https://api.wangdian.cn/openapi2/')).equal('https://api.wangdian.cn/openapi2');
        should(normaliseBase('http://10.0.0.5:8080')).equal('http://10.0.0.5:8080/openapi2');
        should(normaliseBase('http://gw.example.com/wdt/openapi2')).equal('http://gw.example.com/wdt/openapi2');
        await loadFlow({ baseUrl: sim.baseUrl });
        const r = await run('n1', { payload: demoTrade('T1') }, 2);
        should(r.outputs[0][0].payload).match({ tid: 'T1', shop_no: 'SHOP01' });
        should(sim.requests[0].path).equal('/openapi2/trade_push.php');
    });

    it('timestamp is Unix seconds within the window; a host clock 10 min off → config error at Catch mentioning the clock, not retried', async () => {
        await loadFlow();
        const before = Math.floor(Date.now() / 1000);
        await run('n1', { payload: demoTrade('T1') }, 2);
        should(Number(form(0).timestamp)).be.within(before - 1, Math.floor(Date.now() / 1000) + 1);
        sim.clockOffsetS = 600;
        const r = await run('n1', { payload: demoTrade('T2') }, 2);
        should(r.caught!._error).match({ system: 'wdt', kind: 'config', code: '1060', message: /时间戳.*clock/ });
        should(sim.requests).have.length(2);
        should(sim.trades.has('SHOP01/T2')).be.false();
    });

    it('missing appsecret → config error naming it, nothing sent', async () => {
        await loadFlow({}, node(), '');
        const r = await run('n1', { payload: [demoTrade('T1')] }, 2);
        should(r.caught!._error).match({ kind: 'config', message: /appsecret: is required/ });
        should(sim.requests).have.length(0);
    });

    it("Test connection in a zh-CN editor: a wrong appsecret, a host clock 10 min off and a missing sid read in Chinese around WDT's own words; the English messages as before, no secret", async () => {
        await loadFlow();
        const test = (cfg: Msg, appsecret: string) => helper.request().post('/cn-erp/wdt-config/test').send({ config: config(cfg), credentials: { appsecret } }).expect(200);
        const wrong = (await test({}, 'wrong-secret-xyz')).body;
        should(wrong).match({ ok: false, kind: 'config', code: '1070', message: '签名sign错误 (check sid, appkey and appsecret)', text: { key: 'wdt-config.test.credentials', vars: { reason: '签名sign错误' } } });
        should(testButtonText('wdt', 'wdt-config', wrong, 'zh-CN')).equal('✘ 1070: 签名sign错误（请核对 sid、appkey 和 appsecret）');
        should(testButtonText('wdt', 'wdt-config', wrong, 'en-US')).equal(`✘ 1070: ${wrong.message}`);
        should(JSON.stringify(wrong)).not.containEql('wrong-secret-xyz');
        sim.clockOffsetS = 600;
        const clock = (await test({}, WDT_DEMO.appsecret)).body;
        should(clock).match({ ok: false, kind: 'config', code: '1060', message: /^时间戳.* \(check this host's clock\)$/, text: { key: 'wdt-config.test.clock' } });
        should(testButtonText('wdt', 'wdt-config', clock, 'zh-CN')).match(/^✘ 1060: 时间戳timestamp超出允许范围.*（请检查本机时钟）$/);
        sim.clockOffsetS = 0;
        const missing = (await test({ sid: ' ' }, WDT_DEMO.appsecret)).body;
        should(missing).match({ ok: false, kind: 'config', code: 'CONFIG', message: 'sid: is required', text: { key: 'wdt-config.test.setting.required', vars: { field: 'sid' } } });
        should(testButtonText('wdt', 'wdt-config', missing, 'zh-CN')).equal('✘ CONFIG: sid：必填');
        const server = (await test({ server: 'staging' }, WDT_DEMO.appsecret)).body;
        should(server).match({ ok: false, kind: 'config', message: 'server: must be production, sandbox or custom (got "staging")' });
        should(testButtonText('wdt', 'wdt-config', server, 'zh-CN')).equal('✘ CONFIG: server：须为 production、sandbox 或 custom，填的是“staging”');
        should(sim.requests).have.length(2);
    });

    it('appsecret pasted with a trailing space, a tab or a full-width space (U+3000) is signed without it; one pasted in quotes is refused naming appsecret, not the secret, nothing sent', async () => {
        for (const pasted of [`${WDT_DEMO.appsecret} `, `\t${WDT_DEMO.appsecret}`, `${WDT_DEMO.appsecret}\u3000`]) {
            await loadFlow({}, node(), pasted);
            const r = await run('n1', { payload: demoTrade(`T${sim.requests.length + 1}`) }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0]).have.length(1);
            await helper.unload();
        }
        should(sim.requests).have.length(3);
        await loadFlow({}, node(), `"${WDT_DEMO.appsecret}"`);
        const r = await run('n1', { payload: demoTrade('T9') }, 2);
        should(r.caught!._error).match({ kind: 'config', message: /^appsecret: .*quotes/ });
        should(r.caught!._error.message).not.containEql(WDT_DEMO.appsecret);
        should(sim.requests).have.length(3);
    });
});
