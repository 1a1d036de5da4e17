import should from 'should';
import sinon from 'sinon';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { GuanyiSim, GUANYI_DEMO, demoReturns } from '../sim/guanyi';
import { toJson } from '../sim/harness';
import { chinaTime } from '../../nodes/core';
import { guanyi } from '../../nodes/guanyi/sign';
import guanyiConfig = require('../../nodes/guanyi/guanyi-config');
import guanyiReturnGet = require('../../nodes/guanyi/guanyi-return-get');
import returnGetRequest from '../../nodes/guanyi/schemas/return-get.request.json';
import { testButtonText } from '../helpers/editor-locales';
import { english } from '../../nodes/core/i18n';

describe('guanyi-return-get against the Guanyi simulator', function () {
    let sim: GuanyiSim;

    beforeEach(async () => {
        sim = new GuanyiSim();
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const config = (extra: Msg = {}) => ({ id: 'c1', type: 'guanyi-config', url: `${sim.baseUrl}/rest/erp_open`, appkey: GUANYI_DEMO.appkey, retryBaseMs: 5, maxRetries: 3, rps: 0, ...extra });
    const node = (params: Msg = {}, extra: Msg = {}) => ({ id: 'n1', type: 'guanyi-return-get', z: 'f1', config: 'c1', params, outputMode: 'all', ...extra });
    const creds = { sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret };
    const loadFlow = (n: Msg = node(), c: Msg = creds, cfg: Msg = {}) => load([guanyiConfig, guanyiReturnGet], withProbes([config(cfg), n], 'n1', 1), { c1: c });
    const signedOk = () => {
        for (const q of sim.requests) {
            const b = JSON.parse(q.body);
            should(q.body.endsWith(`,"sign":"${b.sign}"}`)).be.true();
            should(guanyi(q.body.slice(0, q.body.length - `,"sign":"${b.sign}"}`.length) + '}', GUANYI_DEMO.secret)).equal(b.sign);
        }
    };

    it('a return modified while the window is paged (it leaves the window, later ones move up a place): every return is still read in that run, once', async () => {
        await loadFlow(node({ page_size: { value: '7', type: 'num' } }, { incremental: true }));
        const all = sim.returns.map((r) => r.code);
        // After page 1 is answered, the first return is changed in Guanyi: past the run's end.
        sim.afterRequest(() => {
            for (const d of sim.returns[0].details as Msg[]) for (const pay of d.payments) pay.modify_date = chinaTime(Date.now() + 60000);
        });
        const r = await run('n1', {}, 1);
        should(r.caught).be.undefined();
        const got = r.outputs[0][0].payload.map((x: Msg) => x.code);
        should(got.slice().sort()).eql(all.slice().sort());
        // page 2 showed the smaller total: page 1 was read again
        should(sim.requests.map((q) => JSON.parse(q.body).page_no)).eql([1, 2, 1, 3, 4]);
    });

    it('pages of 7 across 25 returns: page_no 1..4, every record once, in order, with details and payments arrays', async () => {
        await loadFlow(node({ page_size: { value: '7', type: 'num' } }, { outputMode: 'page' }));
        const r = await run('n1', {}, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0].map((m) => m.payload.length)).eql([7, 7, 7, 4]);
        const codes = r.outputs[0].flatMap((m) => m.payload.map((x: Msg) => x.code));
        should(codes).eql(sim.returns.map((x) => x.code));
        should(new Set(codes).size).equal(25);
        should(sim.bodies.map((b) => [b.page_no, b.page_size])).eql([[1, 7], [2, 7], [3, 7], [4, 7]]);
        should(sim.bodies[0]).match({ appkey: GUANYI_DEMO.appkey, sessionkey: GUANYI_DEMO.sessionkey, method: 'gy.erp.trade.return.get' });
        const rec = r.outputs[0][0].payload[1];
        should(rec.details).be.an.Array().and.have.length(2);
        should(rec.details[0].payments).be.an.Array().and.have.length(1);
        should(rec).have.properties(['id', 'code', 'reason', 'create_date', 'shop_code', 'express_num']);
        should(r.outputs[0][3].page).match({ page: 4, first: 21, count: 4, total: 25 });
        signedOk();
    });

    it('an exact multiple of the page size stops on total without an empty extra page', async () => {
        sim.returns.splice(20);
        await loadFlow(node({ page_size: { value: '10', type: 'num' } }));
        const r = await run('n1', {}, 1);
        should(r.outputs[0][0].payload).have.length(20);
        should(sim.requests).have.length(2);
    });

    it('a date alone as an end (end_create, in_end_time, modify_end_date) means the end of that day: the returns of that day are read, not cut at 00:00', async () => {
        // Returns are created every 2 hours from 2024-01-08 10:00: Jan 9 has twelve of them.
        await loadFlow(node({ start_create: { value: '2024-01-08', type: 'str' }, end_create: { value: '2024-01-09', type: 'str' } }));
        const r = await run('n1', {}, 1);
        should(r.caught).be.undefined();
        const want = sim.returns.filter((x) => String(x.create_date).slice(0, 10) <= '2024-01-09').map((x) => x.code);
        should(want.length).be.above(12);
        should(r.outputs[0][0].payload.map((x: Msg) => x.code)).eql(want);
        should(sim.bodies[0]).match({ start_create: '2024-01-08 00:00:00', end_create: '2024-01-09 23:59:59' });
        for (const [from, to] of [['in_begin_time', 'in_end_time'], ['modify_start_date', 'modify_end_date']]) {
            const q = await run('n1', { params: { [from]: '2024-01-09', [to]: '2024-01-09' } }, 1);
            should(q.caught).be.undefined();
            should(sim.bodies[sim.bodies.length - 1]).match({ [from]: '2024-01-09 00:00:00', [to]: '2024-01-09 23:59:59' });
        }
        // A date-time end stays as typed.
        await run('n1', { params: { in_end_time: '2024-01-09 00:00:00' } }, 1);
        should(sim.bodies[sim.bodies.length - 1].in_end_time).equal('2024-01-09 00:00:00');
    });

    it('Chinese filter values and ISO times: signed over the exact text, converted to China time, filtered by the simulator', async () => {
        await loadFlow(node({ shop_code: { value: 'SHOP02', type: 'str' }, vip_name: { value: '会员4', type: 'str' }, start_create: { value: '2024-01-08T00:00:00Z', type: 'str' }, end_create: { value: '2024-01-31 23:59:59', type: 'str' } }));
        const r = await run('n1', {}, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.code)).eql(['RTN000004']);
        should(sim.bodies[0]).match({ shop_code: 'SHOP02', vip_name: '会员4', start_create: '2024-01-08 08:00:00', end_create: '2024-01-31 23:59:59' });
        should(sim.requests[0].body).containEql('"vip_name":"会员4"');
        signedOk();
    });

    it('every request field of seed 002 reaches the signed body: half from the node settings, half from msg.params; times as China time', async () => {
        const settings = { code: 'RTN000001', shop_code: 'SHOP01', drp_tenant_name: '分销商甲', platform_code: 'TB123', return_type: '1', express_no: 'SF100', vip_name: '会员1', agree: '1', receive: '0', modify_start_date: '2024-01-01 00:00:00', modify_end_date: '2024-02-01T00:00:00+08:00' };
        const fromMsg = { start_create: '2024-01-01 00:00:00', end_create: '2024-01-31 23:59:59', in_begin_time: '2024-01-02 00:00:00', in_end_time: '2024-01-30 00:00:00', cancel: '0', no_parcel: '0', receiver_name: '李四', receiver_phone: '13800000000', warehousein_code: 'WH-IN', warehouseout_code: 'WH-OUT', page_size: 20, page_no: 2 };
        const typed = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, { value: v, type: 'str' }]));
        await loadFlow(node(typed));
        const r = await run('n1', { params: fromMsg }, 1);
        should(r.caught).be.undefined();
        const body = sim.bodies[0];
        const schemaFields = Object.keys(returnGetRequest.properties);
        for (const f of schemaFields) should(body).have.property(f);
        should(body).match({ ...settings, ...fromMsg, modify_end_date: '2024-02-01 00:00:00', page_size: 20, page_no: 2 });
        should(Object.keys(body).sort()).eql([...schemaFields, 'appkey', 'sessionkey', 'method', 'sign'].sort());
        signedOk();
    });

    it('parameters from msg.payload; blank fields are not sent', async () => {
        await loadFlow();
        const r = await run('n1', { payload: { code: 'RTN000010' } }, 1);
        should(r.outputs[0][0].payload.map((x: Msg) => x.code)).eql(['RTN000010']);
        should(Object.keys(sim.bodies[0])).eql(['appkey', 'sessionkey', 'method', 'code', 'page_no', 'page_size', 'sign']);
    });

    it('a filter holding only spaces (a template or sheet cell that came out blank) is blank: not sent, every return read', async () => {
        await loadFlow(node({ warehousein_code: { value: ' ', type: 'str' } }));
        const r = await run('n1', { params: { shop_code: '  ', vip_name: '\t' } }, 1);
        should(r.caught).be.undefined();
        should(Object.keys(sim.bodies[0])).eql(['appkey', 'sessionkey', 'method', 'page_no', 'page_size', 'sign']);
        should(r.outputs[0][0].payload).have.length(sim.returns.length);
    });

    it('bad sessionkey → config error at Catch, one request, no secret in it', async () => {
        await loadFlow(node(), { sessionkey: 'bad-session-key', secret: GUANYI_DEMO.secret });
        const r = await run('n1', {}, 1);
        should(r.caught).be.ok();
        should(r.caught!._error).match({ system: 'guanyi', kind: 'config', code: 'SESSIONKEY_INVALID', message: /sessionkey无效/ });
        should(JSON.stringify(r.caught!._error)).not.match(/bad-session-key|gy-demo-secret/);
        should(r.outputs[0]).have.length(0);
        should(sim.requests).have.length(1);
    });

    it('wrong secret → SIGN_INVALID config error at Catch', async () => {
        await loadFlow(node(), { sessionkey: GUANYI_DEMO.sessionkey, secret: 'nope' });
        const r = await run('n1', {}, 1);
        should(r.caught!._error).match({ kind: 'config', code: 'SIGN_INVALID' });
        should(sim.requests).have.length(1);
    });

    it('bad input → validation error naming the field, nothing sent', async () => {
        await loadFlow(node({ page_size: { value: '500', type: 'num' } }));
        let r = await run('n1', {}, 1);
        should(r.caught!._error).match({ kind: 'validation', field: 'page_size' });
        await helper.unload();
        await loadFlow(node({ start_create: { value: 'yesterday', type: 'str' } }));
        r = await run('n1', {}, 1);
        should(r.caught!._error).match({ kind: 'validation', message: /start_create/ });
        await helper.unload();
        await loadFlow(node({ start_create: { value: '2024-02-01 00:00:00', type: 'str' }, end_create: { value: '2024-01-01 00:00:00', type: 'str' } }));
        r = await run('n1', {}, 1);
        should(r.caught!._error).match({ kind: 'validation', field: 'end_create' });
        should(sim.requests).have.length(0);
    });

    it('rate-limit answer → backoff, then success with every record once', async () => {
        await loadFlow(node({ page_size: { value: '10', type: 'num' } }));
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 1, (q) => JSON.parse(q.body).page_no === 2);
        const r = await run('n1', {}, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload).have.length(25);
        should(sim.bodies.map((b) => b.page_no)).eql([1, 2, 2, 3]);
    });

    it('a "system busy" answer (SYSTEM_BUSY 系统繁忙) → backoff, then the page is read again: every record once, not a business error to Catch', async () => {
        await loadFlow(node({ page_size: { value: '10', type: 'num' } }));
        sim.inject({ type: 'vendor', name: 'system-busy' }, 2, (q) => JSON.parse(q.body).page_no === 2);
        const r = await run('n1', {}, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload).have.length(25);
        should(sim.bodies.map((b) => b.page_no)).eql([1, 2, 2, 2, 3]);
    });

    it('page_no is the first page read: page_no 3 of 10 → records 21–25 only, one request, no page 4', async () => {
        await loadFlow(node({ page_size: { value: '10', type: 'num' }, page_no: { value: '3', type: 'num' } }));
        const r = await run('n1', {}, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.code)).eql(sim.returns.slice(20).map((x) => x.code));
        should(sim.bodies.map((b) => b.page_no)).eql([3]);
    });

    it('starting at page 2 of an exact multiple stops on page_no * page_size >= total (no empty extra call)', async () => {
        sim.returns.splice(20);
        await loadFlow(node({ page_size: { value: '5', type: 'num' }, page_no: { value: '2', type: 'num' } }));
        const r = await run('n1', {}, 1);
        should(r.outputs[0][0].payload).have.length(15);
        should(sim.bodies.map((b) => b.page_no)).eql([2, 3, 4]);
    });

    it('cancel=0 (a 0/1 flag) leaves out the cancelled returns, paging across boundaries with none lost or repeated', async () => {
        await loadFlow(node({ cancel: { value: '0', type: 'str' }, page_size: { value: '4', type: 'num' } }));
        const r = await run('n1', {}, 1);
        const codes = r.outputs[0][0].payload.map((x: Msg) => x.code);
        const expected = sim.returns.filter((x) => x.cancel === false).map((x) => x.code);
        should(expected).have.length(22);
        should(codes).eql(expected);
        should(sim.bodies[0].cancel).equal('0');
        should(sim.requests).have.length(6);
    });

    it('details and payments always arrays: a JSON-text details list, a lone payment object, a missing payments list', async () => {
        const [a, b, c] = sim.returns;
        a.details = JSON.stringify(a.details);
        b.details[0].payments = b.details[0].payments[0];
        delete c.details[0].payments;
        await loadFlow(node({ page_size: { value: '3', type: 'num' } }), creds);
        const r = await run('n1', { maxRecords: 3 }, 1);
        should(r.caught).be.undefined();
        const [ra, rb, rc] = r.outputs[0][0].payload;
        should(ra.details).be.an.Array().and.have.length(1);
        should(ra.details[0].payments[0].refund_codes).equal('RF000001');
        should(rb.details[0].payments).be.an.Array().and.have.length(1);
        should(rb.details[0].payments[0].order_code).equal('SO000002');
        should(rc.details[0].payments).eql([]);
        should(sim.requests).have.length(1);
    });

    it('19-digit ids sent as JSON numbers (Java longs) come out with every digit, as text, in the return and in a JSON-text details list; two returns whose ids JSON.parse makes one are both read', async () => {
        const [a, b] = sim.returns;
        a.id = 1234567890123456789n;
        b.id = 1234567890123456790n;
        a.details[0].item_id = -9007199254740993n;
        a.details = toJson(a.details);
        await loadFlow(node({ page_size: { value: '2', type: 'num' } }), creds);
        const r = await run('n1', { maxRecords: 2 }, 1);
        should(r.caught).be.undefined();
        const [ra, rb] = r.outputs[0][0].payload;
        // JSON.parse makes both 1234567890123456800: another return's id, and the second taken for a repeat of the
        // first (the node drops repeats by id), so it was lost.
        should([ra.code, rb.code]).eql([a.code, b.code]);
        should([ra.id, rb.id]).eql(['1234567890123456789', '1234567890123456790']);
        should(ra.details[0].item_id).equal('-9007199254740993');
        should(ra.details[0].amount).be.a.Number();
        should(rb.details[0].item_id).equal('G002-ID');
    });

    it('incremental mode on the modification time: first run reads all, the next reads from the watermark minus the overlap', async () => {
        await loadFlow(node({ page_size: { value: '50', type: 'num' } }, { incremental: true, overlapMinutes: 10 }));
        const t0 = Date.now();
        let r = await run('n1', {}, 1);
        should(r.outputs[0][0].payload).have.length(25);
        should(sim.bodies[0]).not.have.property('modify_start_date');
        should(sim.bodies[0].modify_end_date).match(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        // a return modified 5 minutes ago (inside the overlap) and nothing else new
        const late = demoReturns(1, Date.now() - 65 * 60000)[0];
        late.code = 'RTN-LATE';
        late.id = '9999';
        sim.returns.push(late);
        r = await run('n1', {}, 1);
        should(r.outputs[0][0].payload.map((x: Msg) => x.code)).eql(['RTN-LATE']);
        const start = sim.bodies[1].modify_start_date as string;
        should(start >= chinaTime(t0 - 10 * 60000 - 1000) && start <= chinaTime(Date.now() - 10 * 60000 + 1000)).be.true();
        should(sim.bodies[1].modify_end_date >= start).be.true();
    });

    it('incremental sync with a page_no past 1 (the first pages of every window never read) → Catch naming page_no, nothing sent, the watermark unmoved', async () => {
        await loadFlow(node({ page_size: { value: '10', type: 'num' } }, { incremental: true }));
        const r = await run('n1', { params: { page_no: 3 } }, 1);
        should(r.caught).not.be.undefined();
        should(r.caught!._error).match({ kind: 'validation', code: 'INVALID_INPUT', field: 'page_no' });
        should(r.caught!.error.message).match(/guanyi-return-get: page_no: must be 1 with incremental sync \(3 leaves part of each run's window unread/);
        should(r.outputs[0]).have.length(0);
        should(sim.requests).have.length(0);
        should(helper.getNode('n1').context().get('cnErpWatermark')).be.undefined();
        const whole = await run('n1', { params: { page_no: 1 } }, 1);
        should(whole.caught).be.undefined();
        should(whole.outputs[0][0].payload).have.length(25);
    });

    it('incremental: an answer counting returns under a list key other than tradeReturns (trade_returns) or none → Catch as BAD_RESPONSE, nothing sent on, the watermark unmoved; the next run reads them', async () => {
        await loadFlow(node({ page_size: { value: '50', type: 'num' } }, { incremental: true, overlapMinutes: 10 }));
        const first = await run('n1', {}, 1);
        should(first.outputs[0][0].payload).have.length(25);
        const watermark = () => helper.getNode('n1').context().get('cnErpWatermark');
        const before = watermark();
        should(before).not.be.undefined();
        // 30 returns modified since, answered under trade_returns (or cut of the list): not a window without returns.
        const late = Array.from({ length: 30 }, (_, i) => ({ ...demoReturns(1, Date.now() - 65 * 60000 - i * 1000)[0], code: `RTN-LATE-${i}`, id: `late-${i}` }));
        sim.returns.push(...late);
        for (const key of ['trade_returns', null]) {
            sim.listKey = key;
            const r = await run('n1', {}, 1);
            should(r.caught).not.be.undefined();
            should(r.caught!._error).match({ system: 'guanyi', kind: 'business', code: 'BAD_RESPONSE', retryable: false, message: /no tradeReturns list: keys .*total/ });
            should(r.outputs[0]).have.length(0);
            should(watermark()).eql(before);
        }
        sim.listKey = 'tradeReturns';
        const next = await run('n1', {}, 1);
        should(next.caught).be.undefined();
        should(next.outputs[0][0].payload.map((x: Msg) => x.code).sort()).eql(late.map((x) => x.code).sort());
    });

    it("one incremental node read for two shops (msg.params.shop_code, each trigger a run of its own): a return of the shop read less often is not skipped because the other shop's run moved the watermark", async () => {
        const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'], shouldAdvanceTime: true });
        try {
            const t0 = Date.now();
            // Default overlap (10 minutes); SHOP01 read every half hour, SHOP02 every hour, by two injects into one node.
            await loadFlow(node({ page_size: { value: '50', type: 'num' } }, { incremental: true }));
            const codes = (r: { outputs: Msg[][] }) => r.outputs[0].flatMap((m) => (m.payload as Msg[]).map((x) => x.code as string));
            const shop2 = await run('n1', { params: { shop_code: 'SHOP02' } }, 1);
            should(codes(shop2).length).be.above(0);
            // A SHOP02 return modified 5 minutes after that run.
            const fresh: Msg = { ...demoReturns(2)[1], code: 'RTN-SHOP02-NEW', id: '9999000001' };
            should(fresh.shop_code).equal('SHOP02');
            for (const line of fresh.details) for (const p of line.payments) p.modify_date = chinaTime(t0 + 5 * 60000);
            sim.returns.push(fresh);
            clock.setSystemTime(t0 + 30 * 60000);
            should(codes(await run('n1', { params: { shop_code: 'SHOP01' } }, 1))).not.containEql('RTN-SHOP02-NEW');
            clock.setSystemTime(t0 + 60 * 60000);
            // SHOP02's second run reads from its own last run (minus the overlap), not from SHOP01's.
            should(codes(await run('n1', { params: { shop_code: 'SHOP02' } }, 1))).containEql('RTN-SHOP02-NEW');
        } finally {
            clock.restore();
        }
    });

    it("its config node's sessionkey changed to another Guanyi account (one app, another tenant's authorisation) and redeployed: the incremental node reads that account from the start, with a warning, not from the first account's watermark", async () => {
        // A store configured in settings.js (a file or database store in production): what it holds outlives a deploy.
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'memory' } } });
        try {
            const start = chinaTime(Date.now() - 86400000);
            const flow = () => withProbes([config(), node({ modify_start_date: { value: start, type: 'str' } }, { incremental: true, watermarkStore: 'file' })], 'n1', 1);
            await load([guanyiConfig, guanyiReturnGet], flow(), { c1: creds });
            await (helper as any)._context.load();
            const startOfRun = async () => {
                const before = sim.requests.length;
                const r = await run('n1', {}, 1);
                should(r.caught).be.undefined();
                return sim.bodies[before].modify_start_date as string;
            };
            should(await startOfRun()).equal(start);
            should(await startOfRun()).not.equal(start);
            // The production account's sessionkey under the same appkey and URL: its returns modified before the test
            // account's watermark would never be read from that mark.
            sim.sessionkey = 'gy-prod-sessionkey-0002';
            await helper.setFlows(flow(), 'full', { c1: { ...creds, sessionkey: 'gy-prod-sessionkey-0002' } });
            should(await startOfRun()).equal(start);
            const warned = (helper.getNode('n1').warn as sinon.SinonSpy).args.map((a) => String(a[0]));
            should(warned.filter((w) => w === english()('runtime.warn.watermarkSettingsChanged', { type: 'guanyi-return-get' }))).have.length(1, warned.join('\n'));
            // No secret in what the node keeps.
            should(JSON.stringify(helper.getNode('n1').context().get('cnErpWatermarkSettings', 'file'))).not.containEql('gy-prod-sessionkey');
        } finally {
            helper.settings({});
        }
    });

    it('missing sessionkey → config error naming it, nothing sent', async () => {
        await loadFlow(node(), { secret: 'x' });
        const r = await run('n1', {}, 1);
        should(r.caught!._error).match({ kind: 'config', message: /sessionkey: is required/ });
        should(sim.requests).have.length(0);
    });

    it("Test connection in a zh-CN editor: a refused sessionkey, appkey or signature reads in Chinese around Guanyi's own words, a missing sessionkey too; the English messages as before, no secret", async () => {
        await loadFlow();
        const test = (appkey: string, c: Msg) => helper.request().post('/cn-erp/guanyi-config/test').send({ config: { url: `${sim.baseUrl}/rest/erp_open`, appkey }, credentials: c }).expect(200);
        const session = (await test(GUANYI_DEMO.appkey, { sessionkey: 'not-the-session-key', secret: GUANYI_DEMO.secret })).body;
        should(session).match({ ok: false, kind: 'config', code: 'SESSIONKEY_INVALID', message: 'sessionkey无效 (check appkey, sessionkey and secret)', text: { key: 'guanyi-config.test.credentials', vars: { reason: 'sessionkey无效' } } });
        should(testButtonText('guanyi', 'guanyi-config', session, 'zh-CN')).equal('✘ SESSIONKEY_INVALID: sessionkey无效（请核对 appkey、sessionkey 和 secret）');
        should(testButtonText('guanyi', 'guanyi-config', session, 'en-US')).equal(`✘ SESSIONKEY_INVALID: ${session.message}`);
        should(JSON.stringify(session)).not.containEql('not-the-session-key');
        const appkey = (await test('no-such-app', creds)).body;
        should(testButtonText('guanyi', 'guanyi-config', appkey, 'zh-CN')).equal('✘ APPKEY_INVALID: appkey不存在（请核对 appkey、sessionkey 和 secret）');
        const sign = (await test(GUANYI_DEMO.appkey, { sessionkey: GUANYI_DEMO.sessionkey, secret: 'not-the-secret' })).body;
        should(testButtonText('guanyi', 'guanyi-config', sign, 'zh-CN')).equal('✘ SIGN_INVALID: 签名sign验证失败（请核对 appkey、sessionkey 和 secret）');
        should(JSON.stringify(sign)).not.containEql('not-the-secret');
        const missing = (await test(GUANYI_DEMO.appkey, { secret: GUANYI_DEMO.secret })).body;
        should(missing).match({ ok: false, kind: 'config', code: 'CONFIG', message: 'sessionkey: is required' });
        should(testButtonText('guanyi', 'guanyi-config', missing, 'zh-CN')).equal('✘ CONFIG: sessionkey：必填');
        should(sim.requests).have.length(3);
    });

    it('sessionkey and secret pasted with a trailing space, a tab or a full-width space (U+3000) are used without it; a secret in quotes is refused naming it (test-connection route)', async () => {
        await loadFlow();
        const test = (c: Msg) => helper.request().post('/cn-erp/guanyi-config/test').send({ config: { url: `${sim.baseUrl}/rest/erp_open`, appkey: GUANYI_DEMO.appkey }, credentials: c }).expect(200);
        for (const pad of [' ', '\t', '\u3000']) {
            const r = await test({ sessionkey: `${GUANYI_DEMO.sessionkey}${pad}`, secret: `${pad}${GUANYI_DEMO.secret}${pad}` });
            should(r.body).match({ ok: true });
            should(testButtonText('guanyi', 'guanyi-config', r.body, 'zh-CN')).match(/^✔ 已连接 http:\S+：可见退货单 \d+ 张$/);
        }
        const quoted = await test({ sessionkey: GUANYI_DEMO.sessionkey, secret: `“${GUANYI_DEMO.secret}”` });
        should(quoted.body).match({ ok: false, kind: 'config', message: /^secret: .*quotes/ });
        should(JSON.stringify(quoted.body)).not.containEql(GUANYI_DEMO.secret);
    });
});
