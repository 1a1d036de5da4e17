/**
 * Example 04 (seed 003: 回调订单 → 旺店通订单推送) as shipped, for a delivery of several orders: qeasy-callback (reply
 * after the flow) → erp-mapper → wdt-trade-push against the WDT simulator, change nodes → http response. The callback
 * accepts "one order or an array of orders"; each order of an array must get its own outcome, and a resend must not
 * push the accepted ones again.
 */
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import should from 'should';
import { helper } from '../helpers/nodered';
import { exampleFiles } from '../../scripts/demo';
import { DEMO_CREDENTIALS, signedCallbackHeaders } from '../../scripts/demo-sims';
import { WdtSim, demoTrade } from '../sim/wdt';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const express = require('express');
const nodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] }));
const core = (file: string) => require(path.join(nodesDir, 'core', file));
const modules = ['qeasy/qeasy-config', 'qeasy/qeasy-callback', 'mapper/erp-mapper', 'wdt/wdt-config', 'wdt/wdt-trade-push'].map((m) => require(path.join(__dirname, '..', '..', 'nodes', m)));

let httpNode: any;
function captureHttpNode(RED: any) {
    httpNode = RED.httpNode;
    RED.nodes.registerType('capture-http', function (this: any, n: any) {
        RED.nodes.createNode(this, n);
    });
}

describe('example 04 with a delivery of several orders', function () {
    this.timeout(30000);
    let sim: WdtSim;
    let server: http.Server;
    let base = '';

    before(async () => {
        sim = new WdtSim();
        const simUrl = await sim.start(0);
        let flow: Array<Record<string, any>> = JSON.parse(fs.readFileSync(exampleFiles().find((f) => path.basename(f).startsWith('04'))!, 'utf8'));
        // Without the debug nodes and the failures file with its Replay (Catch nodes scoped to the write node and to the
        // replay, function, switch and file nodes).
        const debug = new Set(flow.filter((n) => ['debug', 'comment', 'inject', 'function', 'switch', 'file', 'file in'].includes(n.type) || (n.type === 'catch' && Array.isArray(n.scope))).map((n) => n.id));
        flow = flow.filter((n) => !debug.has(n.id)).map((n) => (n.wires ? { ...n, wires: n.wires.map((port: string[]) => port.filter((id) => !debug.has(id))) } : n));
        flow.find((n) => n.type === 'wdt-config')!.baseUrl = `${simUrl}/openapi2/`;
        flow.push({ id: 'cap', type: 'capture-http', z: flow.find((n) => n.type === 'tab')!.id });
        const creds: Record<string, unknown> = {};
        for (const n of flow) if ((DEMO_CREDENTIALS as Record<string, unknown>)[n.type]) creds[n.id] = (DEMO_CREDENTIALS as Record<string, unknown>)[n.type];
        await new Promise<void>((resolve) => helper.load([captureHttpNode, core('network/21-httpin.js'), core('function/15-change.js'), core('common/25-catch.js'), ...modules], flow, creds, () => resolve()));
        const app = express();
        app.use('/', httpNode);
        server = http.createServer(app);
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
        await helper.unload();
        await new Promise((r) => server.close(() => r(undefined)));
        await sim.stop();
    });

    const post = async (orders: unknown[], ts: number) => {
        const body = JSON.stringify(orders);
        const r = await fetch(base + '/qeasy/orders', { method: 'POST', headers: signedCallbackHeaders(body, ts), body });
        return { status: r.status, body: await r.json() };
    };
    const good = { ...demoTrade('CB-GOOD-1'), shop_no: 'SHOP01' };
    const bad = { ...demoTrade('CB-BAD-1'), shop_no: 'SHOP01', trade_time: '昨天上午' };

    it('each order gets its own outcome in request order: pushed, and not mapped (naming the field); the status is the failure\'s', async () => {
        const res = await post([good, bad], Date.now());
        should(res.status).equal(400);
        should(res.body).have.length(2);
        should(res.body[0]).match({ success: true, tid: 'CB-GOOD-1' });
        should(res.body[1]).match({ success: false, code: 'MAPPING_FAILED', tid: 'CB-BAD-1', message: /trade_time/ });
        should(sim.pushRequests).have.length(1);
        should([...sim.trades.keys()]).eql(['SHOP01/CB-GOOD-1']);
    });

    it('the same orders delivered again: the pushed one answered from memory, not pushed again; the failed one handled again', async () => {
        const res = await post([good, bad], Date.now() - 2000);
        should(res.status).equal(400);
        should(res.body[0]).match({ success: true, tid: 'CB-GOOD-1' });
        should(res.body[1]).match({ code: 'MAPPING_FAILED' });
        should(sim.pushRequests).have.length(1);
    });

    it('an order without pay_status is answered 400 not mapped, naming pay_status, and not pushed (not taken as paid)', async () => {
        const unpaid: Record<string, unknown> = { ...demoTrade('CB-NOPAY-1'), shop_no: 'SHOP01' };
        delete unpaid.pay_status;
        const pushes = sim.pushRequests.length;
        const res = await post([unpaid], Date.now() - 1000);
        should(res.status).equal(400);
        should(res.body[0]).match({ success: false, code: 'MAPPING_FAILED', tid: 'CB-NOPAY-1', message: /pay_status/ });
        should(sim.pushRequests).have.length(pushes);
        should(sim.trades.has('SHOP01/CB-NOPAY-1')).be.false();
    });
});
