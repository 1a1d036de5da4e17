import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { JingchengSim, JINGCHENG_DEMO, demoSheet } from '../sim/jingcheng';
import { jingchengSign } from '../../nodes/jingcheng/sign';
import jingchengConfig = require('../../nodes/jingcheng/jingcheng-config');
import jingchengRecv = require('../../nodes/jingcheng/jingcheng-recv');
import { testButtonText } from '../helpers/editor-locales';

// Node-RED's Catch puts its own {message, source, stack} on msg.error and keeps the kit's classified error as msg._error.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('jingcheng-recv against the Jingcheng simulator', function () {
    let sim: JingchengSim;

    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const start = async (options: ConstructorParameters<typeof JingchengSim>[0] = {}) => {
        sim = new JingchengSim(options);
        await sim.start();
    };
    const config = (extra: Msg = {}) => ({ id: 'c1', type: 'jingcheng-config', baseUrl: sim.baseUrl, auth: 'md5', retryBaseMs: 5, maxRetries: 3, rps: 0, ...extra });
    const node = (extra: Msg = {}) => ({ id: 'n1', type: 'jingcheng-recv', z: 'f1', config: 'c1', params: {}, ...extra });
    const loadFlow = (cfg: Msg = {}, creds: Msg = { secret: JINGCHENG_DEMO.secret }, n: Msg = node()) => load([jingchengConfig, jingchengRecv], withProbes([config(cfg), n], 'n1', 2), { c1: creds });

    it('md5 auth: three sheets with Chinese values accepted, each in its own signed request', async () => {
        await start();
        await loadFlow();
        const sheets = ['RS1', 'RS2', 'RS3'].map((id) => ({ ...demoSheet(id), CustomerName: '天猫旗舰店', Remark: '退货：尺码不合适' }));
        const r = await run('n1', { payload: sheets }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0]).have.length(1);
        should(r.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['RS1', 'RS2', 'RS3']);
        should(r.outputs[0][0].payload[0].response).eql({ success: true, code: '0', message: 'ok', SheetID: 'RS1' });
        should(sim.requests).have.length(3);
        for (const q of sim.requests) {
            should(q.path).equal('/ExtApi_RecvExSheet');
            should(q.headers['content-type']).equal('application/json; charset=utf-8');
            should(q.headers['x-sign']).equal(jingchengSign(q.body, String(q.headers['x-timestamp']), JINGCHENG_DEMO.secret));
        }
        should(sim.sheets.get('RS2')).eql(sheets[1]);
    });

    it('a sheet over the front server\'s body limit (nginx\'s 413 page) → only it on output 2, saying it is too large alone and nothing was processed; the others received', async () => {
        await start();
        await loadFlow();
        sim.maxBodyBytes = 64 * 1024;
        const sheets = [demoSheet('RS1'), { ...demoSheet('RS2'), Remark: '退'.repeat(100 * 1024) }, demoSheet('RS3')];
        const r = await run('n1', { payload: sheets }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['RS1', 'RS3']);
        should(r.outputs[1].map((m: Msg) => [m.payload.SheetID, m.recordIndex])).eql([['RS2', 1]]);
        should(r.outputs[1][0].error).match({ system: 'jingcheng', code: 'REQUEST_TOO_LARGE', httpStatus: 413, retryable: false, message: /^HTTP 413: this record alone is larger than the server accepts.*nothing of it was processed/ });
        should(r.outputs[1][0].error.message).not.containEql('<html>');
        should([...sim.sheets.keys()]).eql(['RS1', 'RS3']);
        should(sim.requests).have.length(3);
    });

    it('a chunk size given in msg.params (one request a sheet all the same): a sheet failing after others were received → they on output 1, the rest on output 2, never the msg to Catch (whose replay would send the received ones again)', async () => {
        await start();
        await loadFlow({ maxRetries: 0 });
        sim.inject({ type: 'http', status: 500, body: 'Internal Server Error' }, 10, (q) => q.body.includes('"RS2"'));
        const r = await run('n1', { payload: [demoSheet('RS1'), demoSheet('RS2'), demoSheet('RS3')], params: { chunkSize: 3 } }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['RS1']);
        should(r.outputs[1].map((m: Msg) => m.payload.SheetID)).eql(['RS2', 'RS3']);
        should([...sim.sheets.keys()]).eql(['RS1']);
    });

    it('a chunk size given in msg.params: a sheet over the front server\'s limit reset while it is sent, after others were received → only it on output 2, the received ones each sent once', async () => {
        await start();
        await loadFlow({ maxRetries: 0 });
        sim.maxBodyBytes = 64 * 1024;
        sim.oversizeReset = true;
        const sheets = [demoSheet('RS1'), { ...demoSheet('RS2'), Remark: '退'.repeat(2 * 1024 * 1024) }, demoSheet('RS3')];
        const r = await run('n1', { payload: sheets, params: { chunkSize: 3 } }, 2, 60000);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => [x.SheetID, x.alreadyPresent === true])).eql([['RS1', false], ['RS3', false]]);
        should(r.outputs[1].map((m: Msg) => [m.payload.SheetID, m.error.code])).eql([['RS2', 'RESET_WHILE_SENDING']]);
        should(sim.requests.filter((q) => q.body.includes('"RS1"'))).have.length(1);
    });

    it('a SheetID the ERP holds already (DUPLICATE_SHEET) → output 1 marked alreadyPresent, not a failure; a refusal → output 2 with the server\'s message', async () => {
        await start({ sheets: [demoSheet('RS2')] });
        await loadFlow();
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ success: false, code: 'GOODS_UNKNOWN', message: '商品不存在' }) }, 1, (q) => q.body.includes('"RS3"'));
        const r = await run('n1', { payload: [demoSheet('RS1'), demoSheet('RS2'), demoSheet('RS3')] }, 2);
        should(r.outputs[0][0].payload.map((x: Msg) => [x.SheetID, x.alreadyPresent === true])).eql([['RS1', false], ['RS2', true]]);
        should(r.outputs[0][0].payload[1].response).eql({ success: false, code: 'DUPLICATE_SHEET', message: 'SheetID已存在' });
        should(r.outputs[0][0].count).equal(2);
        should(r.outputs[1].map((m: Msg) => [m.payload.SheetID, m.recordIndex])).eql([['RS3', 2]]);
        should(r.outputs[1][0].error).match({ system: 'jingcheng', kind: 'business', code: 'GOODS_UNKNOWN', message: '商品不存在', retryable: false });
        should(sim.requests).have.length(3);
    });

    it('replaying a sheet whose answer was lost (possibly processed) that the ERP did receive → output 1 marked alreadyPresent, received once', async () => {
        await start();
        await loadFlow({}, { secret: JINGCHENG_DEMO.secret }, node({ timeout: '0.3' }));
        sim.inject({ type: 'reset-after-processing' }, 1);
        const first = await run('n1', { payload: [demoSheet('RS1')] }, 2);
        should(first.outputs[1].map((m: Msg) => [m.payload.SheetID, m.error.possiblyProcessed === true])).eql([['RS1', true]]);
        // The output-2 msg fed back as it is, as a flow replaying failures after the outage does.
        const replay = await run('n1', first.outputs[1][0], 2);
        should(replay.caught).be.undefined();
        should(replay.outputs[1].map((m: Msg) => m.error.code)).eql([], 'the replayed sheet, which the ERP holds, came back as a failure');
        should(replay.outputs[0][0].payload).match({ SheetID: 'RS1', alreadyPresent: true });
        should(replay.outputs[0][0]).not.have.property('error');
        should([...sim.sheets.keys()]).eql(['RS1']);
    });

    it('token auth: the configured header and template are sent and verified', async () => {
        await start({ auth: 'token', tokenHeader: 'X-Api-Token', tokenTemplate: 'Token <token>' });
        await loadFlow({ auth: 'token', tokenHeader: 'X-Api-Token', tokenTemplate: 'Token <token>' }, { token: JINGCHENG_DEMO.token });
        const r = await run('n1', { payload: demoSheet() }, 2);
        should(r.outputs[0][0].payload).match({ SheetID: 'RS2401090001' });
        should(sim.requests[0].headers['x-api-token']).equal(`Token ${JINGCHENG_DEMO.token}`);
    });

    it('md5 with a wrong secret → config error to Catch, one request, nothing stored, no secret in the message', async () => {
        await start();
        await loadFlow({}, { secret: 'wrong-secret' });
        const r = await run('n1', { payload: [demoSheet('RS1'), demoSheet('RS2')] }, 2);
        should(r.caught).be.ok();
        should(r.caught!._error).match({ system: 'jingcheng', kind: 'config', code: 'AUTH_FAILED', httpStatus: 401 });
        should(r.caught!.error.message).not.match(/wrong-secret/);
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1]).have.length(0);
        should(sim.requests).have.length(1);
        should(sim.sheets.size).equal(0);
    });

    it('a wrong token → config error to Catch, not retried', async () => {
        await start({ auth: 'token' });
        await loadFlow({ auth: 'token' }, { token: 'nope' });
        const r = await run('n1', { payload: demoSheet() }, 2);
        should(r.caught!._error).match({ kind: 'config', code: 'AUTH_FAILED' });
        should(sim.requests).have.length(1);
    });

    it('auth none, custom path under a virtual directory, extra headers, success rule code = 0', async () => {
        await start({ auth: 'none' });
        await loadFlow({ auth: 'none', baseUrl: `${sim.baseUrl}/jcerp/api/`, path: '/ExtApi_RecvExSheet', extraHeaders: '{"X-App":"node-red","X-Tenant":"001"}', successPath: 'code', successValue: '0' }, {});
        const r = await run('n1', { payload: demoSheet() }, 2);
        should(r.outputs[0]).have.length(1);
        should(sim.requests[0].path).equal('/jcerp/api/ExtApi_RecvExSheet');
        should(sim.requests[0].headers).match({ 'x-app': 'node-red', 'x-tenant': '001' });
        should(sim.requests[0].headers['x-sign']).be.undefined();
    });

    it('an extra header whose value is written as a whole number beyond 2^53 (a tenant id) is sent with every digit', async () => {
        await start({ auth: 'none' });
        // JSON.parse reads 1234567890123456789 as 1234567890123456800: the header named another tenant.
        await loadFlow({ auth: 'none', extraHeaders: '{"X-App":"node-red","X-Tenant":1234567890123456789}', successPath: 'code', successValue: '0' }, {});
        const r = await run('n1', { payload: demoSheet() }, 2);
        should(r.outputs[0]).have.length(1);
        should(sim.requests[0].headers).match({ 'x-app': 'node-red', 'x-tenant': '1234567890123456789' });
    });

    it('an extra header whose value is Chinese text or holds a line break → config error to Catch naming extraHeaders and the header, nothing sent (not sent with the value emptied)', async () => {
        await start({ auth: 'none' });
        for (const [value, shown] of [['精诚总部', '"精"'], ['A\nB', '"\\n"']]) {
            await loadFlow({ auth: 'none', extraHeaders: JSON.stringify({ 'X-App': 'node-red', 'X-Company': value }) }, {});
            const r = await run('n1', { payload: demoSheet(`RS-${sim.requests.length}`) }, 2);
            should(r.caught!._error).match({ kind: 'config' });
            should(r.caught!.error.message).match(/extraHeaders: the value of "X-Company" holds/);
            should(r.caught!.error.message).containEql(shown);
            await helper.unload();
        }
        should(sim.requests).have.length(0);
        should(sim.sheets.size).equal(0);
    });

    it('a success rule the answer does not meet → output 2 with the configured message path', async () => {
        await start({ auth: 'none' });
        await loadFlow({ auth: 'none', successPath: 'Flag', successValue: '1', messagePath: 'code' }, {});
        const r = await run('n1', { payload: demoSheet() }, 2);
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1][0].error).match({ kind: 'business', message: '0' });
    });

    it('bad input → output 2 naming the field, and nothing of it sent', async () => {
        await start();
        await loadFlow();
        const noId = { ...demoSheet(), SheetID: undefined };
        const badItem = { ...demoSheet('RS9'), Items: [{ Qua: '1' }] };
        const r = await run('n1', { payload: [noId, badItem, demoSheet('RS5')] }, 2);
        should(r.outputs[1].map((m) => m.error.field)).eql(['payload[0].SheetID', 'payload[1].Items[0].GoodsID']);
        should(r.outputs[1][0].error.message).match(/SheetID: is required/);
        should(r.outputs[1][1].error.kind).equal('validation');
        should(r.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['RS5']);
        should(sim.requests).have.length(1);
        should(JSON.parse(sim.requests[0].body).SheetID).equal('RS5');
    });

    it('a SheetID or GoodsID of spaces only (a mapper template over an empty source) → output 2 naming the field "must not be blank", not sent; the others sent', async () => {
        await start();
        await loadFlow();
        const blankItem = { ...demoSheet('RS8'), Items: [{ ...(demoSheet().Items as Msg[])[0], GoodsID: ' ' }] };
        const r = await run('n1', { payload: [{ ...demoSheet(), SheetID: '  ' }, blankItem, demoSheet('RS5')] }, 2);
        should(r.outputs[1].map((m) => [m.error.kind, m.error.field])).eql([
            ['validation', 'payload[0].SheetID'],
            ['validation', 'payload[1].Items[0].GoodsID'],
        ]);
        should(r.outputs[1][0].error.message).match(/SheetID: must not be blank/);
        should(sim.requests).have.length(1);
        should(JSON.parse(sim.requests[0].body).SheetID).equal('RS5');
    });

    it('a single bad sheet sends nothing at all', async () => {
        await start();
        await loadFlow();
        const r = await run('n1', { payload: { ...demoSheet(), Items: [] } }, 2);
        should(r.outputs[1][0].error).match({ kind: 'validation', field: 'Items' });
        should(sim.requests).have.length(0);
    });

    it('numbers are sent as strings, as the interface\'s fields are', async () => {
        await start();
        await loadFlow();
        const r = await run('n1', { payload: { ...demoSheet(), Qua: 2, Amo: 20.5, Items: [{ GoodsID: 'G001', Qua: 2, Price: 10.25, Amo: 20.5 }] } }, 2);
        should(r.outputs[0]).have.length(1);
        should(JSON.parse(sim.requests[0].body)).match({ Qua: '2', Amo: '20.5', Items: [{ Qua: '2', Price: '10.25', Amo: '20.5' }] });
    });

    it('numbers computed in a flow (3 × 19.9, 0.1 + 0.2) arrive as their decimal, not the binary float\'s 59.699999999999996; integers and ordinary decimals unchanged', async () => {
        await start();
        await loadFlow();
        const sheet = { ...demoSheet('RS1'), Qua: 3, Amo: 3 * 19.9, Items: [{ GoodsID: 'G001', Qua: 3, Price: 19.9, Amo: 3 * 19.9 }, { GoodsID: 'G002', Qua: -2, Price: 0.1 + 0.2, Amo: 1234567.89 }] };
        const r = await run('n1', { payload: sheet }, 2);
        should(r.outputs[1]).have.length(0);
        should(sim.sheets.get('RS1')).match({ Qua: '3', Amo: '59.7', Items: [{ Qua: '3', Price: '19.9', Amo: '59.7' }, { Qua: '-2', Price: '0.3', Amo: '1234567.89' }] });
    });

    it('a very large or very small number arrives without exponent (1e21 → 1000000000000000000000, 1e-7 → 0.0000001)', async () => {
        await start();
        await loadFlow();
        const sheet = { ...demoSheet('RS1'), Qua: 1e21, Amo: 1e-7, Items: [{ GoodsID: 'G001', Qua: 1.5e25, Price: -2.5e-8, Amo: 1e-7 * 3 }] };
        const r = await run('n1', { payload: sheet }, 2);
        should(r.outputs[1]).have.length(0);
        should(sim.sheets.get('RS1')).match({ Qua: '1000000000000000000000', Amo: '0.0000001', Items: [{ Qua: '15000000000000000000000000', Price: '-0.000000025', Amo: '0.0000003' }] });
        should(sim.requests[0].body).not.match(/e[+-]?\d/i);
    });

    it('NaN or Infinity in an amount (a sum over a missing value) → the sheet on output 2 naming the field, not sent as "NaN"; the others sent', async () => {
        await start();
        await loadFlow();
        const noAmount = { ...demoSheet('RS1'), Amo: NaN };
        const infinitePrice = { ...demoSheet('RS2'), Items: [{ GoodsID: 'G001', Qua: 2, Price: 10, Amo: 20 }, { GoodsID: 'G002', Qua: 0, Price: Infinity, Amo: 5 }] };
        const r = await run('n1', { payload: [noAmount, infinitePrice, demoSheet('RS3')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m: Msg) => [m.payload.SheetID, m.recordIndex, m.error.kind, m.error.field])).eql([
            ['RS1', 0, 'validation', 'Amo'],
            ['RS2', 1, 'validation', 'Items[1].Price'],
        ]);
        should(r.outputs[1][0].error.message).match(/^Amo: must be a finite number, not NaN/);
        should(r.outputs[1][1].error.message).match(/^Items\[1\]\.Price: must be a finite number, not Infinity/);
        should(r.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['RS3']);
        should(sim.requests).have.length(1);
        should([...sim.sheets.keys()]).eql(['RS3']);
    });

    it('a timeout on a write is not retried: one request, output 2 says it may have been processed', async () => {
        await start();
        await loadFlow({}, { secret: JINGCHENG_DEMO.secret }, node({ timeout: '0.3' }));
        sim.inject({ type: 'delay', ms: 800, thenProcess: true });
        const r = await run('n1', { payload: demoSheet('RS7') }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1]).have.length(1);
        should(r.outputs[1][0].error).match({ kind: 'transient', code: 'TIMEOUT' });
        should(r.outputs[1][0].error.message).match(/may have been processed/);
        await sleep(900);
        should(sim.requests).have.length(1);
        // The server did store it: a retry would have been a duplicate.
        should(sim.sheets.has('RS7')).be.true();
    });

    it('an HTTP 500 on a write is not retried either; a 429 (server did nothing) is', async () => {
        await start();
        await loadFlow();
        sim.inject({ type: 'http', status: 500, body: 'boom' });
        let r = await run('n1', { payload: demoSheet('RS1') }, 2);
        should(r.outputs[1][0].error).match({ kind: 'transient', code: 'HTTP_500' });
        should(sim.requests).have.length(1);
        sim.clearRequests();
        sim.inject({ type: 'vendor', name: 'rate-limit' });
        r = await run('n1', { payload: demoSheet('RS2') }, 2);
        should(r.outputs[0][0].payload).match({ SheetID: 'RS2' });
        should(sim.requests).have.length(2);
    });

    it('as the help says: an auth refusal after a sheet was accepted is not a Catch error — the refused sheet and the unsent rest go to output 2', async () => {
        await start();
        await loadFlow();
        sim.inject({ type: 'vendor', name: 'auth' }, 1, (q) => q.body.includes('"RS2"'));
        const r = await run('n1', { payload: [demoSheet('RS1'), demoSheet('RS2'), demoSheet('RS3')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['RS1']);
        should(r.outputs[1].map((m: Msg) => [m.payload.SheetID, m.error.code, m.error.retryable])).eql([
            ['RS2', 'AUTH_FAILED', false],
            ['RS3', 'NOT_SENT', true],
        ]);
        should(sim.requests).have.length(2);
    });

    it('as the help says: after a lost answer the sheets after it in the msg are not sent (NOT_SENT)', async () => {
        await start();
        await loadFlow({}, { secret: JINGCHENG_DEMO.secret }, node({ timeout: '0.3' }));
        sim.inject({ type: 'delay', ms: 800, thenProcess: true }, 1, (q) => q.body.includes('"RS1"'));
        const r = await run('n1', { payload: [demoSheet('RS1'), demoSheet('RS2')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m: Msg) => [m.payload.SheetID, m.error.code, m.error.possiblyProcessed === true])).eql([
            ['RS1', 'TIMEOUT', true],
            ['RS2', 'NOT_SENT', false],
        ]);
        await sleep(900);
        should(sim.requests).have.length(1);
    });

    it('as the help says: only Qua, Price and Amo may be numbers; a number in a text field (RedBlue 1) sends the sheet to output 2 naming it', async () => {
        await start();
        await loadFlow();
        const r = await run('n1', { payload: [{ ...demoSheet('RS1'), RedBlue: 1 }, { ...demoSheet('RS2'), Qua: 2, Amo: 20 }] }, 2);
        should(r.outputs[1]).have.length(1);
        should(r.outputs[1][0].payload.SheetID).equal('RS1');
        should(r.outputs[1][0].error).match({ kind: 'validation', field: 'payload[0].RedBlue', message: 'payload[0].RedBlue: must be string' });
        should(r.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['RS2']);
    });

    it('a missing secret for md5 → config error to Catch naming the setting, nothing sent', async () => {
        await start();
        await loadFlow({}, {});
        const r = await run('n1', { payload: demoSheet() }, 2);
        should(r.caught!._error).match({ kind: 'config' });
        should(r.caught!.error.message).match(/secret: is required/);
        should(sim.requests).have.length(0);
    });

    it('POST /cn-erp/jingcheng-config/test: a wrong interface path (HTTP 404) or a redirect is not reported as authentication accepted', async () => {
        await start();
        await loadFlow();
        const wrongPath = await helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, path: 'ExtApi_RecvExSheetX', auth: 'md5' }, credentials: { secret: 'not-the-secret' } }).expect(200);
        should(wrongPath.body).match({ ok: false, kind: 'config', code: 'HTTP_404' });
        should(wrongPath.body.message).not.match(/authentication accepted/);
        sim.inject({ type: 'http', status: 301, headers: { Location: 'https://erp.example.com/ExtApi_RecvExSheet' }, body: '' });
        const moved = await helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'md5' }, credentials: { secret: JINGCHENG_DEMO.secret } }).expect(200);
        should(moved.body).match({ ok: false, kind: 'config', code: 'HTTP_301' });
        should(sim.sheets.size).equal(0);
    });

    it('a redirect (HTTP 301, e.g. http:// moved to https://) says nothing about the sheets: config error to Catch, nothing retried', async () => {
        await start();
        await loadFlow();
        sim.inject({ type: 'http', status: 301, headers: { Location: 'https://erp.example.com/ExtApi_RecvExSheet' }, body: '<html>301 Moved Permanently</html>' });
        const r = await run('n1', { payload: [demoSheet('RS1'), demoSheet('RS2')] }, 2);
        should(r.caught).be.ok();
        should(r.caught!._error).match({ system: 'jingcheng', kind: 'config', code: 'HTTP_301', httpStatus: 301 });
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1]).have.length(0);
        should(sim.requests).have.length(1);
    });

    it('POST /cn-erp/jingcheng-config/test: authentication accepted vs refused, nothing stored', async () => {
        await start();
        await loadFlow();
        const ok = await helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'md5' }, credentials: { secret: JINGCHENG_DEMO.secret } }).expect(200);
        should(ok.body).match({ ok: true, message: /authentication accepted/ });
        // In a zh-CN editor the button reads in Chinese (the server's own answer quoted as it came).
        should(testButtonText('jingcheng', 'jingcheng-config', ok.body, 'zh-CN')).match(/^✔ 可以连接，认证通过（空退货单按预期被拒收：.+）$/);
        const bad = await helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'md5' }, credentials: { secret: 'nope' } }).expect(200);
        should(bad.body).match({ ok: false, kind: 'config', code: 'AUTH_FAILED' });
        should(sim.sheets.size).equal(0);
    });

    it("POST /cn-erp/jingcheng-config/test in a zh-CN editor: refused authentication, no interface at the path and settings it cannot take read in Chinese around the server's own words; the English messages as before, no secret", async () => {
        await start();
        await loadFlow();
        const test = (config: Msg, credentials: Msg) => helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'md5', ...config }, credentials }).expect(200);
        const bad = (await test({}, { secret: 'not-the-secret' })).body;
        should(bad).match({ ok: false, kind: 'config', code: 'AUTH_FAILED', message: 'authentication refused (HTTP 401: unauthorized); check the auth mode, token or secret and the server clock', text: { key: 'jingcheng-config.test.authRefused', vars: { status: 401, reason: 'unauthorized' } } });
        should(testButtonText('jingcheng', 'jingcheng-config', bad, 'zh-CN')).equal('✘ AUTH_FAILED: 认证被拒（HTTP 401：unauthorized）；请检查认证方式、令牌或密钥，以及服务器时钟');
        should(testButtonText('jingcheng', 'jingcheng-config', bad, 'en-US')).equal(`✘ AUTH_FAILED: ${bad.message}`);
        should(JSON.stringify(bad)).not.containEql('not-the-secret');
        // Refused without a word of the server's own: the palette says why in the editor's language.
        sim.inject({ type: 'http', status: 403, body: '' });
        const silent = (await test({}, { secret: JINGCHENG_DEMO.secret })).body;
        should(silent).match({ ok: false, kind: 'config', code: 'HTTP_403', message: 'authentication refused (HTTP 403: unauthorized); check the auth mode, token or secret and the server clock' });
        should(testButtonText('jingcheng', 'jingcheng-config', silent, 'zh-CN')).equal('✘ HTTP_403: 认证被拒（HTTP 403：未授权）；请检查认证方式、令牌或密钥，以及服务器时钟');
        const wrongPath = (await test({ path: 'ExtApi_RecvExSheetX' }, { secret: JINGCHENG_DEMO.secret })).body;
        should(wrongPath).match({ ok: false, kind: 'config', code: 'HTTP_404', message: `no interface at ${sim.baseUrl}/ExtApi_RecvExSheetX (HTTP 404: no interface at /ExtApi_RecvExSheetX); check the base URL and the interface path`, text: { key: 'jingcheng-config.test.noInterface' } });
        should(testButtonText('jingcheng', 'jingcheng-config', wrongPath, 'zh-CN')).equal(`✘ HTTP_404: 在 ${sim.baseUrl}/ExtApi_RecvExSheetX 找不到接口（HTTP 404：no interface at /ExtApi_RecvExSheetX）；请检查服务地址和接口路径`);
        const noSecret = (await test({}, {})).body;
        should(noSecret).match({ ok: false, kind: 'config', code: 'CONFIG', message: 'secret: is required for md5 auth' });
        should(testButtonText('jingcheng', 'jingcheng-config', noSecret, 'zh-CN')).equal('✘ CONFIG: secret：使用 md5 签名认证时必填');
        const header = (await test({ signHeader: 'X Sign' }, { secret: JINGCHENG_DEMO.secret })).body;
        should(header.message).equal('signHeader: "X Sign" is not a valid header name');
        should(testButtonText('jingcheng', 'jingcheng-config', header, 'zh-CN')).equal('✘ CONFIG: signHeader：“X Sign”不是有效的请求头名称');
        const extra = (await test({ extraHeaders: '{"X-App": "精诚"}' }, { secret: JINGCHENG_DEMO.secret })).body;
        should(extra.message).equal('extraHeaders: the value of "X-App" holds "精", which an HTTP header cannot carry (it would be sent without it)');
        should(testButtonText('jingcheng', 'jingcheng-config', extra, 'zh-CN')).equal('✘ CONFIG: extraHeaders：“X-App”的值含有 "精"，HTTP 请求头无法携带，发送时会被丢掉');
        should(sim.sheets.size).equal(0);
    });

    it('POST /cn-erp/jingcheng-config/test: a secret or token pasted with a trailing space, a tab or a full-width space (U+3000) authenticates; one in quotes is refused naming it', async () => {
        await start();
        await loadFlow();
        for (const pad of [' ', '\t', '\u3000']) {
            const r = await helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'md5' }, credentials: { secret: `${JINGCHENG_DEMO.secret}${pad}` } }).expect(200);
            should(r.body).match({ ok: true, message: /authentication accepted/ });
        }
        const quoted = await helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'md5' }, credentials: { secret: `"${JINGCHENG_DEMO.secret}"` } }).expect(200);
        should(quoted.body).match({ ok: false, kind: 'config', message: /^secret: .*quotes/ });
        should(JSON.stringify(quoted.body)).not.containEql(JINGCHENG_DEMO.secret);
    });

    it('POST /cn-erp/jingcheng-config/test: a token or token template holding what a header cannot carry (Chinese text, a line break) is refused naming it, the token not quoted; nothing sent', async () => {
        await start();
        await loadFlow();
        const test = (config: Msg, token: string) => helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'token', ...config }, credentials: { token } }).expect(200);
        for (const token of ['令牌abc123', 'abc\n123']) {
            const r = await test({}, token);
            should(r.body).match({ ok: false, kind: 'config', message: /^token: holds a character an HTTP header cannot carry/ });
            should(JSON.stringify(r.body)).not.containEql(token);
        }
        const template = await test({ tokenTemplate: '令牌 <token>' }, 'abc123');
        should(template.body).match({ ok: false, kind: 'config', message: /^tokenTemplate: holds "令"/ });
        should(sim.requests).have.length(0);
    });

    it('a token template without <token> (Bearer {token}) is refused naming tokenTemplate, by the test button and at run time; nothing sent (the raw token was, and every sheet failed as "authentication refused")', async () => {
        await start({ auth: 'token' });
        // The last: the token itself pasted into the template, which the refusal must not quote.
        for (const tokenTemplate of ['Bearer {token}', 'Bearer $token', 'Bearer', `Bearer ${JINGCHENG_DEMO.token}`]) {
            const r = await helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'token', tokenTemplate }, credentials: { token: JINGCHENG_DEMO.token } }).expect(200);
            should(r.body).match({ ok: false, kind: 'config', message: /^tokenTemplate: has no <token>, where the token goes/ });
            should(JSON.stringify(r.body)).not.containEql(JINGCHENG_DEMO.token);
        }
        await loadFlow({ auth: 'token', tokenTemplate: 'Bearer {token}' }, { token: JINGCHENG_DEMO.token });
        const r = await run('n1', { payload: demoSheet('RS1') }, 2);
        should(r.caught!._error).match({ kind: 'config', message: /^tokenTemplate: has no <token>/ });
        await helper.unload();
        // The token pasted into the template: in no error, status or log line.
        await loadFlow({ auth: 'token', tokenTemplate: `Bearer ${JINGCHENG_DEMO.token}` }, { token: JINGCHENG_DEMO.token });
        const pasted = await run('n1', { payload: demoSheet('RS1') }, 2);
        should(JSON.stringify(pasted.caught)).not.containEql(JINGCHENG_DEMO.token);
        should(JSON.stringify(helper.getNode('n1').status.args)).not.containEql(JINGCHENG_DEMO.token);
        should(r.outputs[0]).have.length(0);
        should(sim.requests).have.length(0);
        await helper.unload();
        // "<token>" alone sends the token as it is; a template is no matter under md5 auth.
        await loadFlow({ auth: 'token', tokenTemplate: '<token>', tokenHeader: 'X-Token' }, { token: JINGCHENG_DEMO.token });
        should(sim.requests).have.length(0);
        await run('n1', { payload: demoSheet('RS2') }, 2);
        should(sim.requests[0]?.headers['x-token']).equal(JINGCHENG_DEMO.token);
        await helper.unload();
        const md5 = await helper.request().post('/cn-erp/jingcheng-config/test').send({ config: { baseUrl: sim.baseUrl, auth: 'md5', tokenTemplate: 'Bearer {token}' }, credentials: { secret: JINGCHENG_DEMO.secret } }).expect(200);
        should(md5.body).not.match({ kind: 'config', message: /^tokenTemplate/ });
    });
});
