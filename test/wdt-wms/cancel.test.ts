import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { WdtWmsSim, WDT_WMS_DEMO } from '../sim/wdt-wms';
import wdtWmsConfig = require('../../nodes/wdt-wms/wdt-wms-config');
import wdtWmsCancel = require('../../nodes/wdt-wms/wdt-wms-cancel');
import { WdtWmsClient, cancelXml, classifyWms, isAlreadyCancelled } from '../../nodes/wdt-wms/client';
import { ConnectorError } from '../../nodes/core';
import { testButtonText } from '../helpers/editor-locales';

describe('wdt-wms-cancel node against the WDT WMS simulator', function () {
    let sim: WdtWmsSim;

    beforeEach(async () => {
        sim = new WdtWmsSim();
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const config = (extra: Msg = {}) => ({ id: 'c1', type: 'wdt-wms-config', serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid, format: 'xml', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3, ...extra });
    const creds = (secret = WDT_WMS_DEMO.secret) => ({ c1: { secret } });
    const node = (params: Msg = {}) => ({ id: 'n1', type: 'wdt-wms-cancel', z: 'f1', config: 'c1', params });
    const start = (n: Msg = node(), cfg: Msg = config(), c: Msg = creds()) => load([wdtWmsConfig, wdtWmsCancel], withProbes([cfg, n], 'n1', 2), c);
    const rec = (orderCode: string, extra: Msg = {}) => ({ warehouseCode: 'WH01', orderCode, orderType: 'CGTH', cancelReason: 'ERP单据作废', ...extra });
    /** Text written as XML character references, one per character. */
    const charRefs = (t: string) => [...t].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join('');

    it('an array of cancellations with one unknown order → output 1 for the cancelled, output 2 for the unknown', async () => {
        await start();
        const r = await run('n1', { payload: [rec('TL2024010001'), rec('TL2099999999'), rec('TL2024010002')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(1);
        should(r.outputs[0][0].payload.map((a: any) => a.orderCode)).eql(['TL2024010001', 'TL2024010002']);
        should(r.outputs[0][0].payload.every((a: any) => a.flag === 'success')).be.true();
        should(r.outputs[1]).have.length(1);
        should(r.outputs[1][0].payload.orderCode).equal('TL2099999999');
        should(r.outputs[1][0].error.code).equal('ORDER_NOT_EXIST');
        should(r.outputs[1][0].error.kind).equal('business');
        should(r.outputs[1][0].error.message).match(/单据不存在/);
        should(r.outputs[1][0].recordIndex).equal(1);
        should(sim.requests).have.length(3);
        should(sim.orders.get('TL2024010001')!.status).equal('cancelled');
        should(sim.orders.get('TL2024010002')!.status).equal('cancelled');
    });

    it('as the help says: a failure of the whole msg after a record was cancelled goes to output 2 (the failed record, then NOT_SENT), not to Catch', async () => {
        await start();
        sim.inject({ type: 'http', status: 401, body: 'unauthorized' }, 1, (q) => q.body.includes('TL2024010002'));
        const r = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010002'), rec('TL2024010003')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((a: any) => a.orderCode)).eql(['TL2024010001']);
        should(r.outputs[1].map((m: Msg) => [m.payload.orderCode, m.error.code, m.error.retryable])).eql([
            ['TL2024010002', 'HTTP_401', false],
            ['TL2024010003', 'NOT_SENT', true],
        ]);
        should(sim.requests).have.length(2);
    });

    it('as the help says: a cancel whose answer was lost is not sent again (possiblyProcessed) and the records after it are NOT_SENT', async () => {
        await start();
        sim.inject({ type: 'http', status: 502, body: 'bad gateway' }, 1, (q) => q.body.includes('TL2024010001'));
        const r = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010002')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m: Msg) => [m.payload.orderCode, m.error.code, m.error.possiblyProcessed === true])).eql([
            ['TL2024010001', 'HTTP_502', true],
            ['TL2024010002', 'NOT_SENT', false],
        ]);
        should(sim.requests).have.length(1);
    });

    it('an order cancelled already, answered with failure (单据已取消, as some WMS builds answer a second cancel): output 1 marked alreadyCancelled, so a replay after a lost answer ends; a shipped order still fails', async () => {
        sim.alreadyCancelled = 'failure';
        await start();
        sim.inject({ type: 'reset-after-processing' }, 1, (q) => q.body.includes('TL2024010001'));
        const first = await run('n1', { payload: [rec('TL2024010001')] }, 2);
        should(first.outputs[1].map((m: Msg) => m.error.possiblyProcessed === true)).eql([true]);
        should(sim.orders.get('TL2024010001')!.status).equal('cancelled');
        const replay = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010010')] }, 2);
        should(replay.outputs[0][0].payload).match([{ orderCode: 'TL2024010001', alreadyCancelled: true, flag: 'failure', code: 'ORDER_CANCELLED' }]);
        should(helper.getNode('n1').status.lastCall.args[0]).match({ fill: 'yellow', text: '0 ok, 1 written before, 2 failed' });
        should(replay.outputs[1].map((m: Msg) => [m.payload.orderCode, m.error.code])).eql([['TL2024010010', 'ORDER_CANNOT_CANCEL']]);
    });

    it('a refusal that only mentions a cancelled state (不存在或已取消, 部分明细已取消，整单不能取消) is no cancel: output 2, not marked alreadyCancelled', async () => {
        await start();
        const refusals: Array<[string, string]> = [
            ['ORDER_NOT_EXIST', '单据不存在或已取消'],
            ['ORDER_CANNOT_CANCEL', '部分明细已取消，整单不能取消'],
            ['FAILURE', '单据已作废或已发货，无法取消'],
            ['FAILURE', '未找到已取消的单据'],
            ['FAILURE', 'order not found or already cancelled'],
        ];
        for (const [code, message] of refusals) {
            sim.inject({ type: 'http', status: 200, body: `<?xml version="1.0" encoding="utf-8"?><response><flag>failure</flag><code>${code}</code><message>${message}</message></response>` }, 1);
            const r = await run('n1', { payload: rec('TL2024010001') }, 2);
            should(r.outputs[0]).have.length(0, message);
            should(r.outputs[1].map((m: Msg) => [m.error.code, m.error.message])).eql([[code, `WDT WMS: ${message}`]]);
        }
        // What a second cancel gets on builds that refuse it says the order is cancelled.
        should(isAlreadyCancelled('ORDER_CANCELLED', '单据已取消，不能重复取消')).be.true();
        should(isAlreadyCancelled('FAILURE', '该单据已作废')).be.true();
        should(isAlreadyCancelled('FAILURE', 'order has already been cancelled')).be.true();
        // The code says it, whatever the message adds.
        should(isAlreadyCancelled('ORDER_CANCELLED', '单据已取消，不能取消')).be.true();
        should(isAlreadyCancelled('ORDER_CANCELLED', '单据已取消或已作废，不能重复操作')).be.true();
        should(isAlreadyCancelled('FAILURE', 'order already cancelled, cannot cancel it again')).be.true();
    });

    it('an order the WMS says is cancelled already in other words (单据已经取消, 已被取消, 已经作废): output 1 marked alreadyCancelled, not a failure on every replay', async () => {
        await start();
        for (const message of ['单据已经取消，不能重复取消', '该单据已被取消', '出库单已经被作废']) {
            sim.inject({ type: 'http', status: 200, body: `<?xml version="1.0" encoding="utf-8"?><response><flag>failure</flag><code>1</code><message>${message}</message></response>` }, 1);
            const r = await run('n1', { payload: rec('TL2024010001') }, 2);
            should(r.outputs[1]).have.length(0, message);
            should(r.outputs[0][0].payload).match({ orderCode: 'TL2024010001', alreadyCancelled: true, message });
        }
        // Still no cancel: only a mention of the state.
        should(isAlreadyCancelled('FAILURE', '单据不存在或已经取消')).be.false();
        should(isAlreadyCancelled('FAILURE', '部分明细已经取消，整单不能取消')).be.false();
    });

    it('a refusal about the timestamp in Chinese (时间戳已过期: the host\'s clock) is a config error as "timestamp" is: the test button does not say connected, and the cancel goes to Catch, the next order not sent', async () => {
        await start();
        const refusal = '<?xml version="1.0" encoding="utf-8"?><response><flag>failure</flag><code>40002</code><message>时间戳已过期</message></response>';
        sim.inject({ type: 'http', status: 200, body: refusal }, 1);
        const t = await helper.request().post('/cn-erp/wdt-wms-config/test').send({ config: { serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid }, credentials: { secret: WDT_WMS_DEMO.secret } }).expect(200);
        should(t.body).match({ ok: false, kind: 'config', code: '40002' });
        should(testButtonText('wdt-wms', 'wdt-wms-config', t.body, 'zh-CN')).equal('✘ 40002: 旺店通WMS：时间戳已过期');
        sim.inject({ type: 'http', status: 200, body: refusal }, 1);
        const r = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010002')] }, 2);
        should(r.caught).not.be.undefined();
        should(r.caught!.error.cause).match({ kind: 'config', message: 'WDT WMS: 时间戳已过期' });
        should(sim.requests).have.length(2);
        should(sim.orders.get('TL2024010002')!.status).equal('created');
    });

    it('a cancellation over the front server\'s body limit (HTTP 413) → only it on output 2, saying it is too large alone, not to lower a chunk size this node does not have; the others cancelled', async () => {
        await start();
        sim.maxBodyBytes = 64 * 1024;
        const r = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010002', { extendProps: { memo: 'x'.repeat(100 * 1024) } })] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((a: any) => a.orderCode)).eql(['TL2024010001']);
        should(r.outputs[1].map((m: Msg) => [m.payload.orderCode, m.recordIndex])).eql([['TL2024010002', 1]]);
        should(r.outputs[1][0].error).match({ code: 'REQUEST_TOO_LARGE', httpStatus: 413, retryable: false, message: /^HTTP 413: this record alone is larger than the server accepts.*nothing of it was processed/ });
        should(r.outputs[1][0].error.message).not.containEql('chunk size');
        should(sim.orders.get('TL2024010001')!.status).equal('cancelled');
        should(sim.orders.get('TL2024010002')!.status).not.equal('cancelled');
    });

    it('a shipped order fails with the WMS code and message on output 2', async () => {
        await start();
        const r = await run('n1', { payload: rec('TL2024010010') }, 2);
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1][0].error.code).equal('ORDER_CANNOT_CANCEL');
        should(r.outputs[1][0].error.message).match(/已发货/);
    });

    it('XML with <, & and Chinese text round-trips; extendProps object → child elements', async () => {
        await start();
        const reason = '数量<5 & 质检"不合格" \'退回\' >仓库';
        const r = await run('n1', { payload: rec('TL2024010003', { cancelReason: reason, ownerCode: 'OW01', orderId: 'WMS单号-88', extendProps: { srcBill: 'A&B<C>', note: '中文备注 &amp; 原样' } }) }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(1);
        const c = sim.cancellations[0];
        should(c.request.cancelReason).equal(reason);
        should(c.request.extendProps).eql({ srcBill: 'A&B<C>', note: '中文备注 &amp; 原样' });
        should(c.request.ownerCode).equal('OW01');
        should(c.request.orderId).equal('WMS单号-88');
        should(c.body).containEql('&lt;5 &amp; ');
        should(c.body).containEql('<extendProps><srcBill>A&amp;B&lt;C&gt;</srcBill>');
        should(c.body).not.containEql('<5');
    });

    it('orderType not a known code → output 2 naming orderType, nothing sent', async () => {
        await start();
        const r = await run('n1', { payload: [rec('TL2024010004', { orderType: 'XXXX' })] }, 2);
        should(r.outputs[1]).have.length(1);
        should(r.outputs[1][0].error.field).equal('payload[0].orderType');
        should(r.outputs[1][0].error.message).match(/orderType: must be one of "JYCK"/);
        should(sim.requests).have.length(0);
    });

    it('orderType setting not a known code → Catch naming orderType, nothing sent', async () => {
        await start(node({ orderType: { value: 'NOPE', type: 'str' } }));
        const r = await run('n1', { payload: { orderCode: 'TL2024010004', warehouseCode: 'WH01', cancelReason: 'x' } }, 2);
        should(r.caught).not.be.undefined();
        should(r.caught!.error.message).match(/orderType: must be one of/);
        should(sim.requests).have.length(0);
    });

    it('missing warehouseCode (no record value, no setting) → error naming warehouseCode, nothing sent', async () => {
        await start();
        const r = await run('n1', { payload: { orderCode: 'TL2024010005', orderType: 'CGTH', cancelReason: '作废' } }, 2);
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1]).have.length(1);
        should(r.outputs[1][0].error.field).equal('warehouseCode');
        should(r.outputs[1][0].error.kind).equal('validation');
        should(r.outputs[1][0].error.message).match(/warehouseCode: is required/);
        should(sim.requests).have.length(0);
    });

    it('node settings fill what a record lacks (warehouseCode, orderType, cancelReason from settings / msg.params; extendProps merged key by key)', async () => {
        await start(node({ warehouseCode: { value: 'WH01', type: 'str' }, orderType: { value: 'CGTH', type: 'str' }, extendProps: { value: '{"source":"金蝶","note":"默认"}', type: 'json' } }));
        const r = await run('n1', { payload: [{ orderCode: 'TL2024010006', extendProps: { note: '记录自己的' } }], params: { cancelReason: '退料申请作废' } }, 2);
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload[0].flag).equal('success');
        should(sim.cancellations[0].request).match({ warehouseCode: 'WH01', orderType: 'CGTH', cancelReason: '退料申请作废' });
        should(sim.cancellations[0].request.extendProps).eql({ source: '金蝶', note: '记录自己的' });
    });

    it('extendProps as JSON text (the seed types it string) is merged key by key with the node\'s, record first, on either side', async () => {
        await start(node({ warehouseCode: { value: 'WH01', type: 'str' }, orderType: { value: 'CGTH', type: 'str' }, cancelReason: { value: '作废', type: 'str' }, extendProps: { value: '{"source":"金蝶","note":"默认"}', type: 'json' } }));
        await run('n1', { payload: [{ orderCode: 'TL2024010006', extendProps: '{"note":"记录自己的"}' }] }, 2);
        should(sim.cancellations[0].request.extendProps).eql({ source: '金蝶', note: '记录自己的' });
        await helper.unload();
        await start(node({ warehouseCode: { value: 'WH01', type: 'str' }, orderType: { value: 'CGTH', type: 'str' }, cancelReason: { value: '作废', type: 'str' }, extendProps: { value: '{"source":"金蝶","note":"默认"}', type: 'str' } }));
        await run('n1', { payload: [{ orderCode: 'TL2024010007', extendProps: { note: '记录自己的' } }] }, 2);
        should(sim.cancellations[1].request.extendProps).eql({ source: '金蝶', note: '记录自己的' });
    });

    it('a blank extendProps in a record (\'\' or spaces: a mapped column with nothing in it) takes the node\'s, as the other fields do', async () => {
        await start(node({ warehouseCode: { value: 'WH01', type: 'str' }, orderType: { value: 'CGTH', type: 'str' }, cancelReason: { value: '作废', type: 'str' }, extendProps: { value: '{"source":"金蝶"}', type: 'json' } }));
        const r = await run('n1', { payload: [{ orderCode: 'TL2024010006', extendProps: '' }, { orderCode: 'TL2024010008', extendProps: '  ' }] }, 2);
        should(r.outputs[1]).have.length(0);
        should(sim.cancellations.map((c: any) => c.request.extendProps)).eql([{ source: '金蝶' }, { source: '金蝶' }]);
    });
    it('extendProps as JSON text holding a whole number beyond 2^53 (a platform\'s long id) is sent with every digit, alone or merged with the node\'s', async () => {
        // JSON.parse reads 1234567890123456789 as 1234567890123456800: the WMS was told another order's id.
        await start(node({ extendProps: { value: '{"source":"金蝶"}', type: 'str' } }));
        const r = await run('n1', { payload: [rec('TL2024010008', { extendProps: '{"platformTid":1234567890123456789}' })] }, 2);
        should(r.outputs[1]).have.length(0);
        should(sim.cancellations[0].request.extendProps).eql({ source: '金蝶', platformTid: '1234567890123456789' });
        await helper.unload();
        await start();
        await run('n1', { payload: [rec('TL2024010009', { extendProps: '{"platformTid":1234567890123456790}' })] }, 2);
        should(sim.cancellations[1].request.extendProps).eql({ platformTid: '1234567890123456790' });
    });

    it('blank warehouseCode, orderType and cancelReason in a record (a mapper\'s empty source) take the node\'s settings too', async () => {
        await start(node({ warehouseCode: { value: 'WH01', type: 'str' }, orderType: { value: 'CGTH', type: 'str' }, cancelReason: { value: '退料申请作废', type: 'str' } }));
        const r = await run('n1', { payload: [{ orderCode: 'TL2024010007', warehouseCode: '', orderType: '', cancelReason: ' ' }] }, 2);
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload[0].flag).equal('success');
        should(sim.cancellations[0].request).match({ warehouseCode: 'WH01', orderType: 'CGTH', cancelReason: '退料申请作废' });
    });

    it('a rate-limit answer → backoff, then success (nothing cancelled twice)', async () => {
        await start();
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 2);
        const r = await run('n1', { payload: rec('TL2024010007') }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(1);
        should(r.outputs[0][0].payload.flag).equal('success');
        should(sim.requests).have.length(3);
        should(sim.cancellations).have.length(1);
    });

    it('a wrong secret → SIGN_ERROR as a config error to Catch, not retried, secret not shown', async () => {
        await start(node(), config(), creds('not-the-secret'));
        const r = await run('n1', { payload: [rec('TL2024010008'), rec('TL2024010009')] }, 2);
        should(r.caught).not.be.undefined();
        should(r.caught!.error.message).match(/WDT WMS: 签名错误/);
        should(sim.requests).have.length(1);
        should(JSON.stringify(r.caught!.error)).not.containEql('not-the-secret');
        should(sim.orders.get('TL2024010008')!.status).equal('created');
    });

    it('Qimen style: the gateway\'s own <error_response> is its refusal, not a lost answer: code 7 (call limit) is waited out and sent again, code 25 (signature) goes to Catch', async () => {
        await start(node(), config({ apiStyle: 'qimen' }));
        const gateway = (code: number, msg: string) => ({ type: 'http' as const, status: 200, body: `<?xml version="1.0" encoding="utf-8"?><error_response><code>${code}</code><msg>${msg}</msg></error_response>` });
        sim.inject(gateway(7, 'App Call Limited'), 1);
        const r1 = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010002')] }, 2);
        should(r1.outputs[1]).have.length(0);
        should(r1.outputs[0][0].payload.map((x: Msg) => x.flag)).eql(['success', 'success']);
        should(sim.requests).have.length(3);
        sim.inject(gateway(25, 'Invalid signature'), 1);
        const r2 = await run('n1', { payload: [rec('TL2024010003')] }, 2);
        should(r2.caught!.error.message).match(/Qimen gateway: Invalid signature \(code 25\)/);
        should(r2.outputs[1]).have.length(0);
        // A configuration error: not sent again.
        should(sim.requests).have.length(4);
    });

    it('Qimen style: "App Call Exceeds Limited Frequency" (TOP code 8) and the other call limits (4, 5, 6) are waited out and sent again, not a config error to Catch', async () => {
        await start(node(), config({ apiStyle: 'qimen' }));
        const gateway = (code: number, msg: string) => ({ type: 'http' as const, status: 200, body: `<?xml version="1.0" encoding="utf-8"?><error_response><code>${code}</code><msg>${msg}</msg></error_response>` });
        const limits: Array<[number, string]> = [[8, 'App Call Exceeds Limited Frequency'], [4, 'User Call Limited'], [5, 'Session Call Limited'], [6, 'Partner Call Limited']];
        let sent = 0;
        for (const [i, [code, msg]] of limits.entries()) {
            sim.inject(gateway(code, msg), 1);
            const r = await run('n1', { payload: [rec(`TL202401000${i + 1}`)] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            should(r.outputs[0][0].payload.map((x: Msg) => x.flag)).eql(['success'], msg);
            sent += 2;
            should(sim.requests).have.length(sent);
        }
    });

    it('Qimen style: a remote service error the target refused (code 15, sub_code isv.*) fails that record on output 2, not "possibly processed", and the next order is still sent', async () => {
        await start(node(), config({ apiStyle: 'qimen' }));
        sim.inject({ type: 'http', status: 200, body: '<?xml version="1.0" encoding="utf-8"?><error_response><code>15</code><msg>Remote service error</msg><sub_code>isv.invalid-parameter:orderType</sub_code><sub_msg>orderType无效</sub_msg></error_response>' }, 1);
        const r = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010002')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m: Msg) => [m.payload.orderCode, m.error.kind, m.error.code, m.error.retryable, m.error.possiblyProcessed === true])).eql([['TL2024010001', 'business', 'TOP_15', false, false]]);
        should(r.outputs[1][0].error.message).match(/orderType无效/);
        should(r.outputs[0][0].payload.map((x: Msg) => x.orderCode)).eql(['TL2024010002']);
        should(sim.requests).have.length(2);
        // A platform failure (isp.*) is still a lost answer: the WMS may have cancelled it.
        sim.inject({ type: 'http', status: 200, body: '<?xml version="1.0" encoding="utf-8"?><error_response><code>15</code><msg>Remote service error</msg><sub_code>isp.remote-service-timeout</sub_code></error_response>' }, 1);
        const t = await run('n1', { payload: [rec('TL2024010003'), rec('TL2024010004')] }, 2);
        should(t.outputs[1].map((m: Msg) => [m.payload.orderCode, m.error.code, m.error.possiblyProcessed === true])).eql([['TL2024010003', 'TOP_15', true], ['TL2024010004', 'NOT_SENT', false]]);
    });

    it('Qimen style: a remote service error under a service\'s own code (530, 520: TOP answers them so) is told apart as code 15 is: the refused order on output 2 and the next sent; a platform failure (isp.*) "possibly processed", not sent again', async () => {
        await start(node(), config({ apiStyle: 'qimen' }));
        const remote = (code: number, sub: string) => ({ type: 'http' as const, status: 200, body: `<?xml version="1.0" encoding="utf-8" ?><error_response><code>${code}</code><msg>Remote service error</msg><sub_code>${sub}</sub_code><sub_msg>单据类型无效</sub_msg></error_response><!--top011023105124.center.na61-->` });
        sim.inject(remote(530, 'isv.invalid-parameter:orderType'), 1);
        const r = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010002')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m: Msg) => [m.payload.orderCode, m.error.kind, m.error.code, m.error.retryable, m.error.possiblyProcessed === true])).eql([['TL2024010001', 'business', 'TOP_530', false, false]]);
        should(r.outputs[0][0].payload.map((x: Msg) => x.orderCode)).eql(['TL2024010002']);
        should(sim.requests).have.length(2);
        sim.inject(remote(520, 'isp.remote-service-timeout'), 1);
        const t = await run('n1', { payload: [rec('TL2024010003'), rec('TL2024010004')] }, 2);
        should(t.outputs[1].map((m: Msg) => [m.payload.orderCode, m.error.code, m.error.possiblyProcessed === true])).eql([['TL2024010003', 'TOP_520', true], ['TL2024010004', 'NOT_SENT', false]]);
        should(sim.requests).have.length(3);
    });

    it('an answer with blank lines or a BOM before its XML declaration (as PHP servers print) is read: success on output 1, not "possibly processed"', async () => {
        await start();
        sim.inject({ type: 'http', status: 200, body: '\r\n\uFEFF<?xml version="1.0" encoding="utf-8"?><response><flag>success</flag><code>0</code><message>取消成功</message></response>' }, 1);
        const r = await run('n1', { payload: [rec('TL2024010001')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload.map((x: Msg) => x.flag)).eql(['success']);
    });

    it('an answer whose text is written as XML character references (&#x5355;…) is read as that text: the refusal shows 单据已发货，不能取消 on output 2', async () => {
        await start();
        sim.inject({ type: 'http', status: 200, body: `<?xml version="1.0" encoding="utf-8"?><response><flag>failure</flag><code>ORDER_CANNOT_CANCEL</code><message>${charRefs('单据已发货，不能取消')}</message></response>` }, 1);
        const r = await run('n1', { payload: [rec('TL2024010010')] }, 2);
        should(r.outputs[1]).have.length(1);
        should(r.outputs[1][0].error.message).equal('WDT WMS: 单据已发货，不能取消');
    });

    it('a refusal whose message holds an HTML line break (<br/>, raw or escaped) reads as text on output 2, not as JSON of mixed content', async () => {
        await start();
        const refusal = (m: string) => `<?xml version="1.0" encoding="utf-8"?><response><flag>failure</flag><code>ORDER_CANNOT_CANCEL</code><message>${m}</message></response>`;
        sim.inject({ type: 'http', status: 200, body: refusal('单据已发货<br/>不能取消') }, 1);
        sim.inject({ type: 'http', status: 200, body: refusal('单据已发货&lt;br /&gt;不能取消') }, 1);
        const r = await run('n1', { payload: [rec('TL2024010010'), rec('TL2024010011')] }, 2);
        should(r.outputs[1].map((m: Msg) => m.error.message)).eql(['WDT WMS: 单据已发货 不能取消', 'WDT WMS: 单据已发货 不能取消']);
    });

    it('a signature refusal written as XML character references (签名错误) is a config error to Catch, and the next order is not sent', async () => {
        await start();
        sim.inject({ type: 'http', status: 200, body: `<?xml version="1.0" encoding="utf-8"?><response><flag>failure</flag><code>40001</code><message>${charRefs('签名错误')}</message></response>` }, 1);
        const r = await run('n1', { payload: [rec('TL2024010001'), rec('TL2024010002')] }, 2);
        should(r.caught).not.be.undefined();
        should(r.caught!.error.cause).match({ kind: 'config', message: 'WDT WMS: 签名错误' });
        should(r.outputs[1]).have.length(0);
        should(sim.requests).have.length(1);
    });

    it('a value holding a character XML cannot carry (U+000B from a pasted note) is refused naming its field, and that record is not sent', async () => {
        await start();
        const r = await run('n1', { payload: [rec('TL2024010001', { cancelReason: 'ERP单据作废\u000b见备注' }), rec('TL2024010002', { extendProps: { note: '备注\u0001' } }), rec('TL2024010003')] }, 2);
        should(r.outputs[1].map((m) => [m.payload.orderCode, m.error.field, m.error.kind])).eql([
            ['TL2024010001', 'cancelReason', 'validation'],
            ['TL2024010002', 'extendProps.note', 'validation'],
        ]);
        should(r.outputs[1][0].error.message).equal('cancelReason: contains the character U+000B, which XML cannot carry; nothing was sent');
        should(r.outputs[0][0].payload.map((a: Msg) => a.orderCode)).eql(['TL2024010003']);
        should(sim.requests).have.length(1);
    });

    it('a value holding half a character (an emoji cut in two by a function node: an unpaired surrogate) is refused naming its field, not cancelled with U+FFFD in its place; in either API style', async () => {
        for (const apiStyle of ['wdt', 'qimen']) {
            await start(node(), config({ apiStyle }));
            const r = await run('n1', { payload: [rec('TL2024010001', { cancelReason: '买家要求取消😀'.slice(0, -1) }), rec('TL2024010002', { extendProps: { buyerNote: '\udc00备注' } }), rec('TL2024010003')] }, 2);
            should(r.outputs[1].map((m) => [m.payload.orderCode, m.error.field, m.error.code, m.error.kind])).eql([
                ['TL2024010001', 'cancelReason', 'INVALID_RECORD', 'validation'],
                ['TL2024010002', 'extendProps.buyerNote', 'INVALID_RECORD', 'validation'],
            ]);
            should(r.outputs[1][0].error.message).match(/^cancelReason: holds half a character \(U\+D83D, .*; not sent$/);
            should(r.outputs[0][0].payload.map((a: Msg) => a.orderCode)).eql(['TL2024010003']);
            should(sim.cancellations.map((c) => c.request.orderCode)).eql(['TL2024010003']);
            should(sim.orders.get('TL2024010001')!.status).equal('created');
            await helper.unload();
            sim.cancellations.length = 0;
            sim.orders.get('TL2024010003')!.status = 'created';
        }
    });

    it('a blank orderCode is refused naming orderCode, without pointing to a node setting there is none of', async () => {
        await start();
        const r = await run('n1', { payload: [rec('  ')] }, 2);
        should(r.outputs[1]).have.length(1);
        should(r.outputs[1][0].error.field).equal('orderCode');
        should(r.outputs[1][0].error.message).equal('orderCode: is required; nothing was sent');
        should(sim.requests).have.length(0);
    });

    it('extendProps as JSON text: a key no XML element can have is refused naming extendProps, and that record is not sent', async () => {
        await start();
        const r = await run('n1', { payload: [rec('TL2024010001', { extendProps: '{"src bill":"x"}' }), rec('TL2024010002')] }, 2);
        should(r.outputs[1].map((m) => [m.payload.orderCode, m.error.field, m.error.kind])).eql([['TL2024010001', 'extendProps', 'validation']]);
        should(sim.cancellations.map((c) => c.request.orderCode)).eql(['TL2024010002']);
    });

    it('Qimen API names (taobao.qimen.order.cancel, app_key/customerId, TOP sign) are accepted', async () => {
        await start(node(), config({ apiStyle: 'qimen' }));
        const r = await run('n1', { payload: rec('TL2024010009') }, 2);
        should(r.outputs[0][0].payload.flag).equal('success');
        should(sim.cancellations[0].method).equal('taobao.qimen.order.cancel');
        should(sim.requests[0].query).have.properties(['app_key', 'customerId', 'sign']);
        should(sim.requests[0].query).not.have.property('sid');
    });

    it('the signature covers the exact XML body and query as sent (WDT scheme, uppercase)', async () => {
        await start();
        await run('n1', { payload: rec('TL2024010001') }, 2);
        const q = sim.requests[0].query;
        should(q.method).equal('WDT_WMS_ORDER_CANCEL');
        should(q.sign).match(/^[0-9A-F]{32}$/);
        should(sim.requests[0].headers['content-type']).match(/text\/xml/);
        should(sim.requests[0].body.startsWith('<?xml version="1.0" encoding="utf-8"?><request><warehouseCode>WH01</warehouseCode>')).be.true();
    });

    it('test-connection route and spec route (orderType offered as the Qimen code list)', async () => {
        await start();
        const ok = await helper.request().post('/cn-erp/wdt-wms-config/test').send({ config: { serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid }, credentials: { secret: WDT_WMS_DEMO.secret } }).expect(200);
        should(ok.body.ok).be.true();
        should(testButtonText('wdt-wms', 'wdt-wms-config', ok.body, 'zh-CN')).match(/^✔ 已连接旺店通WMS(（签名通过；测试单据返回 \w+）)?$/);
        const bad = await helper.request().post('/cn-erp/wdt-wms-config/test').send({ config: { serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid }, credentials: { secret: 'zzz-secret' } }).expect(200);
        should(bad.body).match({ ok: false, kind: 'config', code: 'SIGN_ERROR' });
        const spec = await helper.request().get('/cn-erp/specs/wdt-wms-cancel').expect(200);
        should(spec.body.recordSchema.properties.orderType.enum).containDeep(['JYCK', 'CGTH', 'XTRK']);
        should(spec.body.requestSchema.properties.orderType.enum).have.length(19);
        should(spec.body.recordSchema.properties.warehouseCode.title).equal('仓库编码');
    });

    it("test-connection route in a zh-CN editor: a refused signature or sid, a Qimen gateway's refusal and a missing setting read in Chinese around the WMS's own words; the English messages as before, no secret", async () => {
        await start();
        const test = (config: Msg, secret: string) => helper.request().post('/cn-erp/wdt-wms-config/test').send({ config: { serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid, ...config }, credentials: { secret } }).expect(200);
        const sign = (await test({}, 'zzz-secret')).body;
        should(sign).match({ ok: false, kind: 'config', code: 'SIGN_ERROR', message: 'WDT WMS: 签名错误', text: { key: 'wdt-wms-config.test.refused', vars: { reason: '签名错误' } } });
        should(testButtonText('wdt-wms', 'wdt-wms-config', sign, 'zh-CN')).equal('✘ SIGN_ERROR: 旺店通WMS：签名错误');
        should(testButtonText('wdt-wms', 'wdt-wms-config', sign, 'en-US')).equal(`✘ SIGN_ERROR: ${sign.message}`);
        should(JSON.stringify(sign)).not.containEql('zzz-secret');
        const sid = (await test({ sid: 'nobody' }, WDT_WMS_DEMO.secret)).body;
        should(testButtonText('wdt-wms', 'wdt-wms-config', sid, 'zh-CN')).equal('✘ SIGN_ERROR: 旺店通WMS：sid不存在');
        sim.inject({ type: 'http', status: 200, body: '<?xml version="1.0" encoding="utf-8"?><error_response><code>25</code><msg>Invalid signature</msg><sub_code>isv.invalid-signature</sub_code></error_response>' });
        const gateway = (await test({ apiStyle: 'qimen' }, WDT_WMS_DEMO.secret)).body;
        should(gateway).match({ ok: false, kind: 'config', code: 'TOP_25', message: 'Qimen gateway: Invalid signature (code 25) [isv.invalid-signature]', text: { key: 'wdt-wms-config.test.qimenGatewaySub' } });
        should(testButtonText('wdt-wms', 'wdt-wms-config', gateway, 'zh-CN')).equal('✘ TOP_25: 奇门网关：Invalid signature（错误码 25，子错误码 isv.invalid-signature）');
        const missing = (await test({ sid: '' }, WDT_WMS_DEMO.secret)).body;
        should(missing).match({ ok: false, kind: 'config', code: 'CONFIG', message: 'sid: is required' });
        should(testButtonText('wdt-wms', 'wdt-wms-config', missing, 'zh-CN')).equal('✘ CONFIG: sid：必填');
        const style = (await test({ apiStyle: 'soap' }, WDT_WMS_DEMO.secret)).body;
        should(testButtonText('wdt-wms', 'wdt-wms-config', style, 'zh-CN')).equal('✘ CONFIG: apiStyle：须为 wdt 或 qimen');
        should(style.message).equal('apiStyle: must be wdt or qimen');
    });

    it('test-connection route in a zh-CN editor: an address answering a web page, an empty body or JSON instead of a <response> reads in Chinese, naming the address', async () => {
        await start();
        const url = `${sim.baseUrl}/wms_api/wdt_service.php`;
        for (const body of ['<html><head><title>旺店通</title></head><body>欢迎</body></html>', '', '{"code":0,"message":"ok"}']) {
            sim.inject({ type: 'http', status: 200, body, headers: { 'Content-Type': 'text/html; charset=utf-8' } }, 1);
            const r = (await helper.request().post('/cn-erp/wdt-wms-config/test').send({ config: { serviceUrl: url, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid }, credentials: { secret: WDT_WMS_DEMO.secret } }).expect(200)).body;
            should(r).match({ ok: false, code: 'BAD_RESPONSE' });
            const zh = testButtonText('wdt-wms', 'wdt-wms-config', r, 'zh-CN');
            should(zh).startWith(`✘ BAD_RESPONSE: 服务地址 ${url} 的答复不是旺店通WMS的 XML 应答`);
            should(zh).containEql(body);
            should(testButtonText('wdt-wms', 'wdt-wms-config', r, 'en-US')).equal(`✘ BAD_RESPONSE: ${r.message}`);
            should(r.message).startWith('the WMS did not answer a <response>');
        }
    });

    it('test-connection route: a secret pasted with a trailing space, a tab or a full-width space (U+3000) signs without it, in either API style; one in quotes is refused naming secret', async () => {
        await start();
        for (const apiStyle of ['wdt', 'qimen']) {
            for (const pad of [' ', '\t', '\u3000']) {
                const r = await helper.request().post('/cn-erp/wdt-wms-config/test').send({ config: { serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid, apiStyle }, credentials: { secret: `${WDT_WMS_DEMO.secret}${pad}` } }).expect(200);
                should(r.body).match({ ok: true });
            }
        }
        const quoted = await helper.request().post('/cn-erp/wdt-wms-config/test').send({ config: { serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid }, credentials: { secret: `"${WDT_WMS_DEMO.secret}"` } }).expect(200);
        should(quoted.body).match({ ok: false, kind: 'config', message: /^secret: .*quotes/ });
        should(JSON.stringify(quoted.body)).not.containEql(WDT_WMS_DEMO.secret);
    });

    describe('WdtWmsClient classification', () => {
        const settings = { system: 'wdt-wms', rps: 0, concurrency: 0, retry: { maxRetries: 1, baseDelayMs: 1 } };
        const client = (secret = WDT_WMS_DEMO.secret, apiStyle: 'wdt' | 'qimen' = 'wdt') => new WdtWmsClient(settings, { serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid, apiStyle }, secret);
        const kindOf = async (c: WdtWmsClient, orderCode: string) => {
            try {
                const a = await c.cancelOrder(rec(orderCode));
                return `ok:${a.flag}`;
            } catch (err) {
                return `${(err as ConnectorError).kind}:${(err as ConnectorError).code}`;
            } finally {
                c.close();
            }
        };
        it('SIGN_ERROR → config, ORDER_NOT_EXIST → business, REQUEST_TOO_FREQUENT → rate-limit (retried, then gave up)', async () => {
            should(await kindOf(client('bad'), 'TL2024010001')).equal('config:SIGN_ERROR');
            should(await kindOf(client(), 'NOPE')).equal('business:ORDER_NOT_EXIST');
            sim.inject({ type: 'vendor', name: 'rate-limit' }, 2);
            sim.clearRequests();
            should(await kindOf(client(), 'TL2024010001')).equal('rate-limit:REQUEST_TOO_FREQUENT');
            should(sim.requests).have.length(2);
            should(await kindOf(client('x', 'qimen'), 'TL2024010001')).equal('config:SIGN_ERROR');
        });
        it('SYSTEM_BUSY 系统繁忙 is transient, safe to repeat: backed off and sent again (not a refusal of the order on output 2)', async () => {
            should(classifyWms('SYSTEM_BUSY', '系统繁忙，请稍后重试')).equal('transient');
            should(classifyWms('FAILURE', 'server busy, try later')).equal('transient');
            should(classifyWms('FAILURE', '仓库作业中，不能取消')).equal('business');
            // Busy in the server's words (接口繁忙, 系统正在繁忙, 服务器正忙), not a business state worded with 忙.
            for (const busy of ['接口繁忙', '系统正在繁忙，请稍后', '服务器正忙']) should(classifyWms('FAILURE', busy)).equal('transient', busy);
            for (const refusal of ['业务系统忙于结账，禁止操作', '仓库系统忙时不能取消']) should(classifyWms('FAILURE', refusal)).equal('business', refusal);
            sim.inject({ type: 'vendor', name: 'system-busy' }, 1);
            sim.clearRequests();
            should(await kindOf(client(), 'TL2024010001')).equal('ok:success');
            should(sim.requests).have.length(2);
            sim.inject({ type: 'vendor', name: 'system-busy' }, 2);
            sim.clearRequests();
            const c = client();
            const err = await c.cancelOrder(rec('TL2024010002')).then(() => undefined, (e: ConnectorError) => e);
            c.close();
            should(err).match({ kind: 'transient', code: 'SYSTEM_BUSY', safeToRepeat: true });
            should(sim.requests).have.length(2);
        });
        it('account words are matched as whole words: a refused order whose message says "outside" or "assigned" is a business error', () => {
            should(classifyWms('FAILURE', 'order is outside the cancellable window')).equal('business');
            should(classifyWms('FAILURE', '订单已分配 (assigned to a picker)')).equal('business');
            should(classifyWms('SIGN_ERROR', '签名错误')).equal('config');
            should(classifyWms('', 'invalid signature')).equal('config');
            should(classifyWms('', 'sid不存在')).equal('config');
            should(classifyWms('', 'appkey invalid')).equal('config');
        });
        it('a code about the order is a refusal of that order (output 2), whatever its message quotes: an order code such as SIGN-001 or SID-7 is no account problem (it sent the whole msg to Catch)', () => {
            should(classifyWms('ORDER_NOT_EXIST', '单据不存在: SIGN-001')).equal('business');
            should(classifyWms('ORDER_CANNOT_CANCEL', '单据 SID-7 已发货，不能取消')).equal('business');
            should(classifyWms('ORDER_NOT_FOUND', 'order timestamp-2024 not found')).equal('business');
            // A generic code: the words decide, as before.
            should(classifyWms('FAILURE', 'sign check failed')).equal('config');
            should(classifyWms('SIGN_ERROR', '签名错误')).equal('config');
        });
        it('a call quota used up (接口调用次数超限, 调用次数已达上限) is a rate limit, not a refusal of the order', () => {
            for (const quota of ['接口调用次数超限', '今日调用次数已达上限', 'API访问次数超出限制']) should(classifyWms('FAILURE', quota)).equal('rate-limit', quota);
            // Counts of the order's own are not a quota.
            for (const refusal of ['明细行数超限', '取消次数超过限制，请联系仓库']) should(classifyWms('FAILURE', refusal)).equal('business', refusal);
        });
        it('a frequency text naming the appkey or sid is a rate limit (backed off and retried), not a config error', () => {
            should(classifyWms('REQUEST_TOO_FREQUENT', 'appkey调用过于频繁，请稍后再试')).equal('rate-limit');
            should(classifyWms('FAILURE', 'sid 接口触发限流')).equal('rate-limit');
        });

        it('settings errors name the setting; testConnection proves the signature', async () => {
            should(() => new WdtWmsClient(settings, { serviceUrl: '', appkey: 'a', sid: '' }, 's')).throw(/sid: is required/);
            should(() => new WdtWmsClient(settings, { serviceUrl: '', appkey: 'a', sid: 's' }, '')).throw(/secret: is required/);
            const c = client();
            should(await c.testConnection({})).match(/connected to WDT WMS.*ORDER_NOT_EXIST/);
            c.close();
            const bad = client('bad');
            await should(bad.testConnection({})).be.rejectedWith(/签名错误/);
            bad.close();
        });
        it('cancelXml builds an escaped document in the Qimen element order', () => {
            const xml = cancelXml({ orderType: 'CGTH', cancelReason: 'a<b', orderCode: 'X&1', warehouseCode: 'W', extendProps: '{"k":"v"}' });
            should(xml).equal('<?xml version="1.0" encoding="utf-8"?><request><warehouseCode>W</warehouseCode><orderCode>X&amp;1</orderCode><orderType>CGTH</orderType><cancelReason>a&lt;b</cancelReason><extendProps><k>v</k></extendProps></request>');
        });
    });
});
