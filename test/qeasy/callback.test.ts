import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import should from 'should';
import type { SinonSpy } from 'sinon';
import { helper } from '../helpers/nodered';
import { qeasySignature } from '../../nodes/qeasy/sign';
import qeasyConfig = require('../../nodes/qeasy/qeasy-config');
import qeasyCallback = require('../../nodes/qeasy/qeasy-callback');

type Msg = Record<string, any>;

const SECRET = 'qeasy-test-secret-7f3a9c';
const nodeRedDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] }));
const httpIn = require(path.join(nodeRedDir, 'core', 'network', '21-httpin.js'));

/** A test-only node that hands over the runtime's httpNode app, so the test can serve it on a real port. */
let httpNode: any;
function captureHttpNode(RED: any) {
    httpNode = RED.httpNode;
    RED.nodes.registerType('capture-http', function (this: any, n: any) {
        RED.nodes.createNode(this, n);
    });
}

const order = (tid: string, extra: Msg = {}) => ({
    shop_no: 'SHOP01',
    tid,
    trade_status: '30',
    trade_time: '2024-01-09 10:11:12',
    buyer_nick: '张三',
    receiver_name: '李四',
    receiver_address: '上海市 <浦东> & 新区',
    post_amount: '8.00',
    paid: '108.00',
    order_list: [{ oid: `${tid}-1`, num: '2', price: '50.00', goods_no: 'G001', goods_name: '保温杯', spec_no: 'G001-RED', share_discount: '0' }],
    ...extra,
});

describe('qeasy-callback: a secure inbound webhook, over real HTTP', function () {
    this.timeout(20000);
    let server: http.Server;
    let base = '';
    let received: Msg[] = [];

    async function deploy(config: Msg = {}, node: Msg = {}, extra: Msg[] = []): Promise<void> {
        const flow = [
            { id: 'f1', type: 'tab' },
            { id: 'cap', type: 'capture-http', z: 'f1' },
            { id: 'c1', type: 'qeasy-config', auth: 'hmac', windowSeconds: 300, ...config },
            { id: 'n1', type: 'qeasy-callback', z: 'f1', config: 'c1', path: '/qeasy/orders', wires: [['out']], ...node },
            { id: 'out', type: 'helper', z: 'f1' },
            ...extra,
        ];
        await new Promise<void>((resolve) => helper.load([captureHttpNode, qeasyConfig, qeasyCallback, httpIn], flow, { c1: { secret: SECRET } }, () => resolve()));
        received = [];
        helper.getNode('out').on('input', (m: Msg) => received.push(m));
        server = http.createServer(httpNode);
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    afterEach(async () => {
        await helper.unload();
        await new Promise((r) => server?.close(() => r(undefined)));
    });

    function post(body: string, headers: Record<string, string> = {}, url = '/qeasy/orders'): Promise<{ status: number; body: any }> {
        return fetch(base + url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } }).then(async (r) => {
            const text = await r.text();
            let parsed: any = text;
            try {
                parsed = JSON.parse(text);
            } catch {
                // leave text
            }
            return { status: r.status, body: parsed };
        });
    }

    function signed(body: string, secret = SECRET, ts = Math.floor(Date.now() / 1000)): Record<string, string> {
        return { 'X-Timestamp': String(ts), 'X-Signature': qeasySignature(secret, ts, body) };
    }

    const settle = () => new Promise((r) => setTimeout(r, 50));

    it('accepts a valid HMAC delivery, emits the order and echoes it back (number = tid)', async () => {
        await deploy();
        const body = JSON.stringify(order('T1001'));
        const res = await post(body, signed(body));
        should(res.status).equal(200);
        should(res.body).match({ shop_no: 'SHOP01', tid: 'T1001', number: 'T1001', receiver_address: '上海市 <浦东> & 新区', order_list: [{ oid: 'T1001-1', goods_no: 'G001', share_discount: '0' }] });
        should(res.body).not.have.property('paid');
        await settle();
        should(received).have.length(1);
        should(received[0].payload.tid).equal('T1001');
        should(received[0].callback).have.properties('receivedAt', 'deliveryId', 'remoteAddress');
    });

    it('accepts a valid token in X-Token or Authorization: Bearer', async () => {
        await deploy({ auth: 'token' });
        const body = JSON.stringify(order('T2001'));
        should((await post(body, { 'X-Token': SECRET })).status).equal(200);
        const body2 = JSON.stringify(order('T2002'));
        should((await post(body2, { Authorization: `Bearer ${SECRET}` })).status).equal(200);
        should((await post(JSON.stringify(order('T2003')), { 'X-Token': 'wrong' })).status).equal(401);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T2001', 'T2002']);
    });

    it('answers 401 with a generic message and emits nothing for a wrong secret, a missing header or a stale timestamp', async () => {
        await deploy({ windowSeconds: 60 });
        const body = JSON.stringify(order('T3001'));
        const answers = [
            await post(body, signed(body, 'not-the-secret')),
            await post(body, {}),
            await post(body, { 'X-Timestamp': String(Math.floor(Date.now() / 1000)) }),
            await post(body, signed(body, SECRET, Math.floor(Date.now() / 1000) - 3600)),
        ];
        for (const a of answers) should(a).eql({ status: 401, body: { success: false, code: 'UNAUTHORIZED', message: 'unauthorized' } });
        await settle();
        should(received).have.length(0);
    });

    it('a replayed signature inside the window gets the stored reply and no msg; outside it, 401', async () => {
        await deploy({ windowSeconds: 2 });
        const body = JSON.stringify(order('T4001'));
        const headers = signed(body);
        const first = await post(body, headers);
        const again = await post(body, headers);
        should(again).eql(first);
        await new Promise((r) => setTimeout(r, 3100));
        should((await post(body, headers)).status).equal(401);
        should(received).have.length(1);
    });

    it('refuses a 2 MB body with 413, a non-JSON body with 415, malformed JSON with 400', async () => {
        await deploy();
        const big = JSON.stringify(order('T5001', { buyer_message: 'x'.repeat(2 * 1024 * 1024) }));
        should((await post(big, signed(big))).status).equal(413);
        const res415 = await fetch(`${base}/qeasy/orders`, { method: 'POST', body: 'tid=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
        should(res415.status).equal(415);
        const broken = '{"tid": "T5002", ';
        const res400 = await post(broken, signed(broken));
        should(res400.status).equal(400);
        should(res400.body.code).equal('MALFORMED_JSON');
        await settle();
        should(received).have.length(0);
    });

    it('answers 400 naming every field that breaks the seed schema, and emits nothing', async () => {
        await deploy();
        const bad = [order('T6001', { shop_no: 12 }), { tid: 'T6002', order_list: [{ num: '1' }] }];
        const body = JSON.stringify(bad);
        const res = await post(body, signed(body));
        should(res.status).equal(400);
        should(res.body.code).equal('INVALID_ORDER');
        should(res.body.message).match(/\[0\]\.shop_no: must be string/);
        should(res.body.message).match(/\[1\]\.shop_no: is required/);
        should(res.body.message).match(/\[1\]\.order_list\[0\]\.oid: is required/);
        await settle();
        should(received).have.length(0);
    });

    it('the same tid delivered twice: one msg, two identical 200 answers', async () => {
        await deploy();
        const body = JSON.stringify(order('T7001'));
        const a = await post(body, signed(body));
        const body2 = JSON.stringify(order('T7001', { trade_status: '30' }));
        const b = await post(body2, signed(body2, SECRET, Math.floor(Date.now() / 1000) - 1));
        should(a.status).equal(200);
        should(b).eql(a);
        await settle();
        should(received).have.length(1);
    });

    it('an array of orders: one msg per order, a reply array in the same order; "all" mode gives one msg', async () => {
        await deploy({}, { emit: 'order' });
        const body = JSON.stringify([order('T8001'), order('T8002')]);
        const res = await post(body, signed(body));
        should(res.body.map((r: Msg) => r.number)).eql(['T8001', 'T8002']);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T8001', 'T8002']);
    });

    it('removes its route on close, and ten redeploys leave exactly one handler', async () => {
        await deploy();
        const flow = [
            { id: 'f1', type: 'tab' },
            { id: 'cap', type: 'capture-http', z: 'f1' },
            { id: 'c1', type: 'qeasy-config', auth: 'hmac' },
            { id: 'n1', type: 'qeasy-callback', z: 'f1', config: 'c1', path: '/qeasy/orders', wires: [['out']] },
            { id: 'out', type: 'helper', z: 'f1' },
        ];
        for (let i = 0; i < 10; i++) await helper.setFlows(flow, 'full', { c1: { secret: SECRET } });
        const routes = () => (httpNode._router?.stack ?? []).filter((l: any) => l.route?.path === '/qeasy/orders');
        should(routes()).have.length(1);
        await helper.setFlows([{ id: 'f1', type: 'tab' }, { id: 'cap', type: 'capture-http', z: 'f1' }], 'full');
        should(routes()).have.length(0);
        const body = JSON.stringify(order('T9001'));
        should((await post(body, signed(body))).status).equal(404);
    });

    it('reply after the flow: an http response node answers, or msg.callback.reply(), or 504 after the timeout', async () => {
        await deploy({}, { replyMode: 'flow', replyTimeout: '1', wires: [['out', 'fn']] }, [{ id: 'fn', type: 'helper', z: 'f1' }]);
        const replyNode = helper.getNode('fn');
        replyNode.on('input', (m: Msg) => {
            if (m.payload.tid === 'TA001') m.callback.reply({ ok: true, orderNo: 'WDT-1' }, 201);
        });
        const body = JSON.stringify(order('TA001'));
        should(await post(body, signed(body))).eql({ status: 201, body: { ok: true, orderNo: 'WDT-1' } });
        const body2 = JSON.stringify(order('TA002'));
        const late = await post(body2, signed(body2));
        should(late.status).equal(504);
        should(late.body.code).equal('REPLY_TIMEOUT');
    });

    it('never puts the secret in a log line, a status or an answer', async () => {
        await deploy();
        const body = JSON.stringify(order('TB001'));
        const seen: unknown[] = [];
        seen.push(await post(body, signed(body)));
        seen.push(await post(body, signed(body, 'wrong')));
        seen.push(await post('{"x":', signed('{"x":')));
        const logs = (helper.log() as SinonSpy).args;
        const status = (helper.getNode('n1').status as SinonSpy).args;
        const all = JSON.stringify([seen, logs, status, received]);
        should(all).match(/TB001/);
        should(all.includes(SECRET)).be.false();
    });
});
