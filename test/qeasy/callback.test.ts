/**
 * qeasy-callback over real HTTP. The test helper gives every load a fresh RED.httpNode (an express app) but serves
 * only the admin app, so a capture node hands the httpNode over and the test mounts it under an httpNodeRoot of
 * `/api` on a real port, as Node-RED's red.js does (`app.use(httpNodeRoot, RED.httpNode)`).
 */
import { createHash } from 'crypto';
import fs from 'fs';
import http from 'http';
import net, { AddressInfo } from 'net';
import path from 'path';
import zlib from 'zlib';
import should from 'should';
import sinon from 'sinon';
import type { SinonSpy } from 'sinon';
import { catchNode, functionNode, helper, runtimeHooks, switchNode } from '../helpers/nodered';
import { fakeContextStore } from '../helpers/context-store';
import { qeasySignature } from '../../nodes/qeasy/sign';
import qeasyConfig = require('../../nodes/qeasy/qeasy-config');
import { readSettings } from '../../nodes/qeasy/settings';
import qeasyCallback = require('../../nodes/qeasy/qeasy-callback');
import { testButtonText } from '../helpers/editor-locales';
import { invalidObjects } from '../fuzz/invalid-inputs';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const express = require('express');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const bodyParser = require('body-parser');

type Msg = Record<string, any>;

/** Every property name of the order schema, at any depth (the names a refusal may cite). */
const ORDER_FIELD_NAMES: string[] = (() => {
    const out: string[] = [];
    const walk = (schema: any) => {
        if (!schema || typeof schema !== 'object') return;
        for (const [k, v] of Object.entries<any>(schema.properties ?? {})) {
            out.push(k);
            walk(v);
        }
        if (schema.items) walk(schema.items);
    };
    walk((qeasyCallback as any).schemas.requestSchema);
    return out;
})();

const SECRET = 'qeasy-test-secret-7f3a9c';
const ROOT = '/api';
const nodeRedDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] }));
const httpIn = require(path.join(nodeRedDir, 'core', 'network', '21-httpin.js'));

/**
 * A test-only node that hands over the runtime's httpNode app, so the test can serve it on a real port. With
 * `nodeRedLayout` it mounts it as red.js does with the default settings, before the flows start: the admin app (with
 * its JSON body parser) at "/" first, then RED.httpNode at httpNodeRoot "/".
 */
let httpNode: any;
let nodeRedLayout = false;
let nodeRedApp: any;
function captureHttpNode(RED: any) {
    httpNode = RED.httpNode;
    nodeRedApp = undefined;
    if (nodeRedLayout) {
        const admin = express();
        admin.use(bodyParser.json({ limit: '5mb' }));
        // The editor's deploy, as the admin API answers it: what its JSON parser read.
        admin.post('/flows', (req: any, res: any) => res.json({ got: req.body ?? null }));
        nodeRedApp = express();
        nodeRedApp.use('/', admin);
        nodeRedApp.use('/', httpNode);
    }
    RED.nodes.registerType('capture-http', function (this: any, n: any) {
        RED.nodes.createNode(this, n);
    });
}

/** A node module given Node-RED's message hooks, as a running Node-RED hands them over (the test helper leaves them out). */
const withHooks =
    (m: (red: any) => unknown) =>
    (red: any): unknown => {
        red.hooks ??= runtimeHooks;
        return m(red);
    };

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
    order_list: [{ oid: `${tid}-1`, num: '2', price: '50.00', goods_no: 'G001', goods_name: '保温杯', spec_no: 'G001-RED', share_discount: '0', goods_id: 'P1' }],
    ...extra,
});

/** An order's key in the duplicate store, under the default duplicate key (the shop and the tid). */
const keyOf = (tid: string, shop = 'SHOP01') => `shop_no,tid:${JSON.stringify([shop, tid])}`;

/**
 * The digest the node keeps beside an order's key: sha256 of the canonical JSON of the order's fields of the request
 * table (its lines' fields of the line table, the lines sorted by oid), 16 base64url characters.
 */
function digestOf(o: Msg): string {
    const canonical = (v: unknown): string =>
        Array.isArray(v)
            ? `[${v.map(canonical).join(',')}]`
            : v !== null && typeof v === 'object'
              ? `{${Object.keys(v)
                    .sort()
                    .map((k) => `${JSON.stringify(k)}:${canonical((v as Msg)[k])}`)
                    .join(',')}}`
              : JSON.stringify(v);
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../nodes/qeasy/schemas/order-request.json'), 'utf8'));
    const pick = (x: Msg, fields: Msg) => Object.fromEntries(Object.keys(fields).filter((k) => x[k] !== undefined).map((k) => [k, x[k]]));
    const content = pick(o, schema.properties);
    content.order_list = (o.order_list as Msg[]).map((l) => pick(l, schema.properties.order_list.items.properties)).sort((a, b) => (String(a.oid) < String(b.oid) ? -1 : String(a.oid) > String(b.oid) ? 1 : 0));
    return createHash('sha256').update(canonical(content)).digest('base64url').slice(0, 16);
}

/** The echo reply of an order (reply at once), as an earlier release stored it: the response table's fields. */
function echoOf(o: Msg): Msg {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../nodes/qeasy/schemas/order-response.json'), 'utf8'));
    const out: Msg = {};
    for (const k of Object.keys(schema.properties)) if (k !== 'order_list' && k !== 'number' && o[k] !== undefined) out[k] = o[k];
    out.number = o.tid;
    out.order_list = (o.order_list as Msg[]).map((l) => Object.fromEntries(Object.keys(schema.properties.order_list.items.properties).filter((k) => l[k] !== undefined).map((k) => [k, l[k]])));
    return out;
}

/** The same order, its fields in reverse order (another sender's JSON serialiser): the same content. */
const reordered = (o: Msg): Msg => Object.fromEntries(Object.entries(o).reverse());

// A repeat of a post signs with the first post's timestamp − 1: two reads of now() can straddle a second and give
// both posts one signature, which the node refuses as a replay.
const now = () => Math.floor(Date.now() / 1000);
function signed(body: string | Buffer, secret = SECRET, ts = now()): Record<string, string> {
    return { 'X-Timestamp': String(ts), 'X-Signature': qeasySignature(secret, ts, body) };
}

describe('qeasy-callback: a secure inbound webhook, over real HTTP', function () {
    this.timeout(20000);
    let server: http.Server | undefined;
    let base = '';
    let received: Msg[] = [];
    let clock: sinon.SinonFakeTimers | undefined;

    function flowOf(config: Msg = {}, node: Msg = {}, extra: Msg[] = []): Msg[] {
        return [
            { id: 'f1', type: 'tab' },
            { id: 'cap', type: 'capture-http', z: 'f1' },
            { id: 'c1', type: 'qeasy-config', auth: 'hmac', windowSeconds: 300, ...config },
            { id: 'n1', type: 'qeasy-callback', z: 'f1', config: 'c1', path: '/qeasy/orders', wires: [['out']], ...node },
            { id: 'out', type: 'helper', z: 'f1' },
            ...extra,
        ];
    }

    async function deploy(config: Msg = {}, node: Msg = {}, extra: Msg[] = [], secret = SECRET, layout: 'api' | 'node-red' = 'api'): Promise<void> {
        nodeRedLayout = layout === 'node-red';
        const core = [...(extra.some((n) => n.type === 'catch') ? [catchNode] : []), ...(extra.some((n) => n.type === 'function') ? [functionNode] : []), ...(extra.some((n) => n.type === 'switch') ? [switchNode] : [])];
        await new Promise<void>((resolve) => helper.load([captureHttpNode, qeasyConfig, withHooks(qeasyCallback), httpIn, ...core], flowOf(config, node, extra), { c1: { secret } }, () => resolve()));
        received = [];
        helper.getNode('out').on('input', (m: Msg) => received.push(m));
        let app = nodeRedApp;
        if (!app) {
            app = express();
            app.use(ROOT, httpNode);
        }
        server = http.createServer(app);
        await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
        base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}${nodeRedApp ? '' : ROOT}`;
    }

    afterEach(async () => {
        clock?.restore();
        clock = undefined;
        await helper.unload();
        helper.settings({});
        await new Promise((r) => (server ? server.close(() => r(undefined)) : r(undefined)));
        server = undefined;
    });

    async function post(body: string | Buffer, headers: Record<string, string> = {}, url = '/qeasy/orders'): Promise<{ status: number; body: any; headers: Headers }> {
        const r = await fetch(base + url, { method: 'POST', body: body as BodyInit, headers: { 'Content-Type': 'application/json', ...headers } });
        const text = await r.text();
        let parsed: any = text;
        try {
            parsed = JSON.parse(text);
        } catch {
            // leave text
        }
        return { status: r.status, body: parsed, headers: r.headers };
    }
    const strip = (r: { status: number; body: any }) => ({ status: r.status, body: r.body });

    /** The warnings node `id` itself gave (the helper's spy on warn is shared by every node). */
    const warningsOf = (id: string): string[] => {
        const node = helper.getNode(id);
        return (node.warn as SinonSpy)
            .getCalls()
            .filter((c) => c.thisValue === node)
            .map((c) => String(c.args[0]));
    };

    /** Lets msgs sent just before an answer reach the probe (node.send delivers asynchronously). */
    const settle = () => new Promise((r) => setImmediate(() => setImmediate(r)));

    it('a POST whose request target is not a valid URL (an absolute form with a bad port or host) is answered as without the node, not with a 500 showing a stack trace and the install paths', async () => {
        await deploy({}, {}, [], SECRET, 'node-red');
        const u = new URL(base);
        const raw = (target: string) =>
            new Promise<string>((resolve, reject) => {
                const socket = net.connect(Number(u.port), u.hostname, () => {
                    socket.end(`POST ${target} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
                });
                let text = '';
                socket.on('data', (d) => (text += d.toString('latin1')));
                socket.on('end', () => resolve(text));
                socket.on('error', reject);
            });
        // What express answers without the node: no route for it (its path reads as "/:b/flows"), a 404.
        for (const target of ['http://a:b/flows', 'http://[/qeasy/orders']) {
            const text = await raw(target);
            should(text).not.match(/^HTTP\/1\.1 500/);
            should(text).not.match(/Invalid URL|qeasy-callback\.js|node_modules/);
        }
        // and the node still takes deliveries
        const body = JSON.stringify(order('T2401'));
        should((await post(body, signed(body))).status).equal(200);
    });

    it('a secret pasted with white space around it (a copied line break, a full-width space) checks the signatures the sender makes with the secret itself', async () => {
        await deploy({}, {}, [], `  ${SECRET}\u3000\n`);
        const body = JSON.stringify(order('T2001'));
        const res = await post(body, signed(body));
        should(res.status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T2001']);
        should(warningsOf('c1')).have.length(0);
    });

    it('the delivery rate limit with the clock set back (NTP): a delivery within the rate is taken, not refused with 429 until the clock has caught up', async () => {
        await deploy({ rps: 2 });
        clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
        const first = JSON.stringify(order('T0901'));
        should((await post(first, signed(first))).status).equal(200);
        clock.setSystemTime(Date.now() - 3600_000); // stepped back an hour
        clock.tick(1000);
        const second = JSON.stringify(order('T0902'));
        should((await post(second, signed(second))).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T0901', 'T0902']);
    });

    it('a negative rate limit or duplicate window (read as none) is named at deploy, not only by the test button', async () => {
        await deploy({ rps: -1, dedupeWindow: '-5' });
        const warnings = warningsOf('c1');
        should(warnings).eql(['qeasy-config: dedupeWindow: must be a number of seconds ≥ 0', 'qeasy-config: rps: must be a number ≥ 0 (0 or blank: no limit)']);
        should(warnings.join(' ')).not.containEql(SECRET);
    });

    it('accepts a valid HMAC delivery under httpNodeRoot, emits the order, echoes the response table (number = tid)', async () => {
        await deploy();
        const body = JSON.stringify(order('T1001'));
        const res = await post(body, { ...signed(body), 'X-Delivery-Id': 'dlv-42' });
        should(res.status).equal(200);
        should(res.headers.get('content-type')).match(/^application\/json/);
        should(res.body).eql({
            shop_no: 'SHOP01',
            tid: 'T1001',
            number: 'T1001',
            trade_time: '2024-01-09 10:11:12',
            trade_status: '30',
            buyer_nick: '张三',
            receiver_name: '李四',
            receiver_address: '上海市 <浦东> & 新区',
            post_amount: '8.00',
            order_list: [{ oid: 'T1001-1', num: '2', price: '50.00', goods_no: 'G001', spec_no: 'G001-RED', goods_name: '保温杯', share_discount: '0' }],
        });
        await settle();
        should(received).have.length(1);
        should(received[0].payload).eql(order('T1001'));
        should(received[0].callback.deliveryId).equal('dlv-42');
        should(received[0].callback.remoteAddress).match(/127\.0\.0\.1/);
        should(new Date(received[0].callback.receivedAt).getTime()).be.approximately(Date.now(), 60000);
        should(received[0]).not.have.properties('req', 'res');
        // Not under the bare path: the route lives below httpNodeRoot.
        should((await fetch(`${base.replace(ROOT, '')}/qeasy/orders`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...signed(body) } })).status).equal(404);
    });

    it('token mode accepts only the chosen header: X-Token by default, Authorization: Bearer when chosen', async () => {
        await deploy({ auth: 'token' });
        should((await post(JSON.stringify(order('T2001')), { 'X-Token': SECRET })).status).equal(200);
        should((await post(JSON.stringify(order('T2002')), { Authorization: `Bearer ${SECRET}` })).status).equal(401);
        should((await post(JSON.stringify(order('T2003')), { 'X-Token': `${SECRET}x` })).status).equal(401);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T2001']);
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({ auth: 'token', tokenHeader: 'bearer' });
        should((await post(JSON.stringify(order('T2004')), { Authorization: `Bearer ${SECRET}` })).status).equal(200);
        should((await post(JSON.stringify(order('T2005')), { 'X-Token': SECRET })).status).equal(401);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T2004']);
    });

    it('token mode with a Chinese secret: the token as curl sends it (UTF-8 bytes in the header) is accepted, in X-Token and in Authorization: Bearer', async () => {
        const secret = '轻易云回调密钥-7f3a9c-0123456789';
        /** Posts over a raw socket, the header in UTF-8 bytes as `curl -H "X-Token: $SECRET"` sends it (Node's clients cannot). */
        const rawPost = (body: string, name: string, value: string) =>
            new Promise<number>((resolve, reject) => {
                const u = new URL(`${base}/qeasy/orders`);
                const socket = net.connect(Number(u.port), u.hostname, () => {
                    const head = `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${name}: ${value}\r\nConnection: close\r\n\r\n`;
                    socket.end(Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(body, 'utf8')]));
                });
                let text = '';
                socket.on('data', (d) => (text += d.toString('latin1')));
                socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
                socket.on('error', reject);
            });
        await deploy({ auth: 'token' }, {}, [], secret);
        should(await rawPost(JSON.stringify(order('T2101')), 'X-Token', secret)).equal(200);
        should(await rawPost(JSON.stringify(order('T2102')), 'X-Token', `${secret}x`)).equal(401);
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({ auth: 'token', tokenHeader: 'bearer' }, {}, [], secret);
        should(await rawPost(JSON.stringify(order('T2103')), 'Authorization', `Bearer ${secret}`)).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T2103']);
        // a Latin-1 secret sent as Latin-1 bytes (what fetch and Python's requests send) still passes
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({ auth: 'token' }, {}, [], 'pässwörd-qeasy-0123456789');
        should((await post(JSON.stringify(order('T2104')), { 'X-Token': 'pässwörd-qeasy-0123456789' })).status).equal(200);
    });

    it('token mode with a secret pasted with a trailing space: the token (a header value cannot end in a space) is accepted', async () => {
        await deploy({ auth: 'token' }, {}, [], `${SECRET} `);
        should((await post(JSON.stringify(order('T2201')), { 'X-Token': `${SECRET} ` })).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T2201']);
    });

    it('answers 401 "unauthorized" and emits nothing: wrong secret, missing headers, stale or future timestamp, uppercase hex, body changed after signing', async () => {
        await deploy({ windowSeconds: 60 });
        const body = JSON.stringify(order('T3001'));
        const good = signed(body);
        const answers = [
            await post(body, signed(body, 'not-the-secret')),
            await post(body, {}),
            await post(body, { 'X-Timestamp': good['X-Timestamp'] }),
            await post(body, { 'X-Signature': good['X-Signature'] }),
            await post(body, signed(body, SECRET, now() - 61)),
            await post(body, signed(body, SECRET, now() + 3600)),
            await post(body, { ...good, 'X-Signature': good['X-Signature'].toUpperCase() }),
            await post(body.replace('SHOP01', 'SHOP02'), good),
            await post(body, { 'X-Token': SECRET }),
        ];
        for (const a of answers) should(strip(a)).eql({ status: 401, body: { success: false, code: 'UNAUTHORIZED', message: 'unauthorized' } });
        // inside the window, the same body is fine
        should((await post(body, signed(body, SECRET, now() - 50))).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T3001']);
    });

    it('a replayed (ts, sig) inside the window gets the stored reply and no msg; replayed after the window, 401', async () => {
        await deploy({ windowSeconds: 300 });
        clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
        const body = JSON.stringify(order('T4001'));
        const headers = signed(body);
        const first = await post(body, headers);
        should(first.status).equal(200);
        clock.tick(299_000);
        should(strip(await post(body, headers))).eql(strip(first));
        clock.tick(2_000);
        should(strip(await post(body, headers))).eql({ status: 401, body: { success: false, code: 'UNAUTHORIZED', message: 'unauthorized' } });
        await settle();
        should(received).have.length(1);
    });

    it('a (ts, sig) signed by a clock running ahead stays refused as a replay for as long as its timestamp is valid (it is remembered for two windows)', async () => {
        await deploy({ windowSeconds: 300 }, { dedupeWindow: 0 });
        clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
        const body = JSON.stringify(order('T4101'));
        const headers = signed(body, SECRET, now() + 200);
        const first = await post(body, headers);
        should(first.status).equal(200);
        clock.tick(301_000);
        should(strip(await post(body, headers))).eql(strip(first));
        clock.tick(200_000);
        should((await post(body, headers)).status).equal(401);
        await settle();
        should(received).have.length(1);
    });

    it('a replayed (ts, sig) arriving while the first is still in the flow waits for it and gets its answer: one msg (duplicate check off)', async () => {
        await deploy({}, { dedupeWindow: 0, replyMode: 'flow', replyTimeout: 5 });
        helper.getNode('out').on('input', (m: Msg) => setTimeout(() => m.callback.reply({ ok: true, tid: m.payload.tid }), 200));
        const body = JSON.stringify(order('T4201'));
        const headers = signed(body);
        const [a, b] = await Promise.all([post(body, headers), post(body, headers)]);
        should(strip(a)).eql({ status: 200, body: { ok: true, tid: 'T4201' } });
        should(strip(b)).eql(strip(a));
        await settle();
        should(received).have.length(1);
    });

    it('duplicate check off: a signed delivery replayed after a redeploy or a restart gets the stored reply and no msg (the signatures are kept in the duplicate store)', async () => {
        // A persistent store, as a file or database store is: what it saved outlives the node and Node-RED.
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: fakeContextStore({ copies: true }).module } } });
        const settings = { dedupeWindow: 0, dedupeStore: 'file', replyMode: 'flow', replyTimeout: 5 };
        let runs = 0;
        const start = () => {
            received = [];
            helper.getNode('out').on('input', (m: Msg) => m.callback.reply({ accepted: m.payload.tid, run: ++runs }));
        };
        await deploy({}, settings);
        // The runtime reads contextStorage when the flows load; the helper skips that step, so it is run here.
        await (helper as any)._context.load();
        start();
        const body = JSON.stringify(order('T4211'));
        const headers = signed(body);
        const first = await post(body, headers);
        should(strip(first)).eql({ status: 200, body: { accepted: 'T4211', run: 1 } });
        // A redeploy (the same node id, a new node)
        await helper.setFlows(flowOf({}, settings), 'full', { c1: { secret: SECRET } });
        start();
        should(strip(await post(body, headers))).eql(strip(first));
        // A restart of Node-RED: only the store's file is left
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, settings);
        await (helper as any)._context.load();
        start();
        should(strip(await post(body, headers))).eql(strip(first));
        await settle();
        should(runs).equal(1);
    });

    describe('the duplicate store keeps each order\'s reply once: with the duplicate check on, a signature is kept without its reply', () => {
        /** A signed delivery as the upstream sends it, and its replay (the same bytes and headers), answered as raw text. */
        const rawPost = async (body: string, headers: Record<string, string>) => {
            const r = await fetch(base + '/qeasy/orders', { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
            return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
        };
        const restart = async (config: Msg, node: Msg, extra: Msg[] = []) => {
            await helper.unload();
            await new Promise((r) => server!.close(() => r(undefined)));
            await deploy(config, node, extra);
            await (helper as any)._context.load();
        };

        it('reply at once: the signature entry holds no reply (each order\'s echo is stored once, under its key), yet a replay gets the same bytes and no msg; with the check off the signature keeps its reply', async () => {
            const store = fakeContextStore({ copies: true });
            helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: store.module } } });
            await deploy({}, { dedupeStore: 'file' });
            await (helper as any)._context.load();
            const t = now();
            const deliveries = [
                ...['TS001', 'TS002', 'TS003'].map((tid) => JSON.stringify(order(tid))),
                // an array: new orders, a repeat, a copy within it, two versions of one order
                JSON.stringify([order('TS004'), order('TS001'), reordered(order('TS004')), order('TS005'), order('TS005', { trade_status: '80' })]),
                // every order a repeat
                JSON.stringify([order('TS005', { trade_status: '80' }), order('TS002')]),
            ].map((body, i) => ({ body, headers: signed(body, SECRET, t - i) }));
            const first = [];
            for (const d of deliveries) first.push(await rawPost(d.body, d.headers));
            for (const a of first) should(a.status).equal(200);
            await settle();
            should(received).have.length(6);
            const signatures = store.read('qeasySignatures');
            should(Object.keys(signatures)).have.length(deliveries.length);
            for (const e of Object.values<Msg>(signatures)) should(e).not.have.property('body');
            // what a signature costs: its (ts, sig), time and status, not a copy of ~1.9 KB of replies per order
            should(JSON.stringify(signatures).length).be.below(150 * deliveries.length);
            for (const [i, d] of deliveries.entries()) should(await rawPost(d.body, d.headers)).eql(first[i]);
            await settle();
            should(received).have.length(6);

            // The check off: the signature is all that recognises a replay, and keeps the reply.
            store.clear();
            await restart({}, { dedupeStore: 'file', dedupeWindow: 0 });
            const body = JSON.stringify(order('TS101'));
            const headers = signed(body);
            const a = await rawPost(body, headers);
            should(Object.values<Msg>(store.read('qeasySignatures'))[0].body).eql(JSON.parse(a.text));
            should(await rawPost(body, headers)).eql(a);
            await settle();
            should(received).have.length(1);
        });

        it('reply after the flow, "all orders in one msg", a persistent store: after a restart a replay of each delivery (single, array with repeats, copies and two versions, all repeats) gets byte for byte the answer the first got and starts no flow; a signature stored with its reply by an earlier release is still answered with it', async () => {
            const store = fakeContextStore({ copies: true });
            helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: store.module } } });
            const settings = { dedupeStore: 'file', replyMode: 'flow', emit: 'all', replyTimeout: 5 };
            let runs = 0;
            const answering = () =>
                helper.getNode('out').on('input', (m: Msg) => {
                    runs++;
                    m.callback.reply(Array.isArray(m.payload) ? m.payload.map((o: Msg) => ({ ok: true, tid: o.tid, status: o.trade_status, run: runs })) : { ok: true, tid: m.payload.tid, single: true, run: runs }, 201);
                });
            await deploy({}, settings);
            await (helper as any)._context.load();
            answering();
            const t = now();
            const deliveries = [
                JSON.stringify(order('TR001')),
                JSON.stringify([order('TR001'), order('TR002'), reordered(order('TR002')), order('TR003'), order('TR003', { trade_status: '80' })]),
                JSON.stringify([order('TR003', { trade_status: '80' }), order('TR001'), order('TR002')]),
            ].map((body, i) => ({ body, headers: signed(body, SECRET, t - i) }));
            const first = [];
            for (const d of deliveries) first.push(await rawPost(d.body, d.headers));
            should(first.map((a) => a.status)).eql([201, 201, 201]);
            should(JSON.parse(first[1].text).map((r: Msg) => r.tid)).eql(['TR001', 'TR002', 'TR002', 'TR003', 'TR003']);
            should(runs).equal(2);
            for (const e of Object.values<Msg>(store.read('qeasySignatures'))) should(e).not.have.property('body');
            // A signature an earlier release kept, with its reply (the delivery's orders not among the keys).
            const legacyBody = JSON.stringify(order('TR009'));
            const legacyHeaders = signed(legacyBody, SECRET, t - 5);
            store.write('qeasySignatures', { ...store.read('qeasySignatures'), [`${legacyHeaders['X-Timestamp']}:${legacyHeaders['X-Signature']}`]: { at: Date.now(), status: 200, body: { legacy: true, tid: 'TR009' } } });

            // A restart of Node-RED: only the store is left.
            await restart({}, settings);
            answering();
            for (const [i, d] of deliveries.entries()) should(await rawPost(d.body, d.headers)).eql(first[i]);
            should(strip(await post(legacyBody, legacyHeaders))).eql({ status: 200, body: { legacy: true, tid: 'TR009' } });
            await settle();
            should(runs).equal(2);
            should(received).have.length(0);
        });

        it('reply after the flow, a text answer (an http response node): a replay gets the same text and Content-Type, the signature keeping none of it', async () => {
            const store = fakeContextStore({ copies: true });
            helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: store.module } } });
            const settings = { dedupeStore: 'file', replyMode: 'flow', replyTimeout: 2 };
            const extra = [{ id: 'resp', type: 'http response', z: 'f1', statusCode: '202'}];
            const answering = () =>
                helper.getNode('out').on('input', (m: Msg) => {
                    m.payload = `success ${m.payload.tid}`;
                    helper.getNode('resp').receive(m);
                });
            await deploy({}, settings, extra);
            await (helper as any)._context.load();
            answering();
            const body = JSON.stringify(order('TT001'));
            const headers = signed(body);
            const a = await rawPost(body, headers);
            should(a).match({ status: 202, type: /^text\/html/, text: 'success TT001' });
            for (const e of Object.values<Msg>(store.read('qeasySignatures'))) should(e).not.have.properties(['body', 'text']);
            await restart({}, settings, extra);
            answering();
            should(await rawPost(body, headers)).eql(a);
            await settle();
            should(received).have.length(0);
        });

        it('a duplicate window shorter than the signatures are kept (two time windows): the signature keeps its reply, so a replay after the order\'s key expired still gets it and starts no flow', async () => {
            const store = fakeContextStore({ copies: true });
            helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: store.module } } });
            await deploy({ windowSeconds: 300 }, { dedupeStore: 'file', dedupeWindow: 100 });
            await (helper as any)._context.load();
            clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
            const body = JSON.stringify([order('TW001'), order('TW002')]);
            const headers = signed(body);
            const a = await rawPost(body, headers);
            should(a.status).equal(200);
            clock.tick(200_000);
            // a later delivery's save drops the expired keys
            const other = JSON.stringify(order('TW003'));
            should((await post(other, signed(other))).status).equal(200);
            should(Object.keys(store.read('qeasyDelivered'))).eql([keyOf('TW003')]);
            should(await rawPost(body, headers)).eql(a);
            await settle();
            should(received.map((m) => m.payload.tid)).eql(['TW001', 'TW002', 'TW003']);
        });

        it('a replay whose answer can no longer be rebuilt from the orders\' keys (the duplicate check turned off, its key changed by a redeploy; the order\'s version pushed out by 8 newer ones) starts no flow again: refused with 409 REPLAYED naming why, never emitted as a new order', async () => {
            const store = fakeContextStore({ copies: true });
            helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: store.module } } });
            await deploy({}, { dedupeStore: 'file' });
            await (helper as any)._context.load();
            const t = now();
            const deliveries = ['TK001', 'TK002'].map((tid, i) => {
                const body = JSON.stringify(order(tid));
                return { body, headers: signed(body, SECRET, t - i) };
            });
            for (const d of deliveries) should((await rawPost(d.body, d.headers)).status).equal(200);
            await settle();
            should(received).have.length(2);
            // A redeploy turning the duplicate check off: the help promises a replay gets its stored answer, not a second msg.
            await helper.setFlows(flowOf({}, { dedupeStore: 'file', dedupeWindow: 0 }), 'full', { c1: { secret: SECRET } });
            received = [];
            helper.getNode('out').on('input', (m: Msg) => received.push(m));
            const off = await post(deliveries[0].body, deliveries[0].headers);
            should(off.status).equal(409);
            should(off.body).match({ success: false, code: 'REPLAYED' });
            // A redeploy changing the duplicate key.
            await helper.setFlows(flowOf({}, { dedupeStore: 'file', dedupeKey: 'tid' }), 'full', { c1: { secret: SECRET } });
            received = [];
            helper.getNode('out').on('input', (m: Msg) => received.push(m));
            should(await post(deliveries[1].body, deliveries[1].headers)).match({ status: 409, body: { code: 'REPLAYED' } });
            await settle();
            should(received).have.length(0);

            // The same settings throughout: an order's version pushed out by eight newer ones within the signature window.
            store.clear();
            await restart({}, { dedupeStore: 'file' });
            const v1 = JSON.stringify(order('TK010'));
            const v1Headers = signed(v1, SECRET, t - 10);
            should((await rawPost(v1, v1Headers)).status).equal(200);
            for (let i = 1; i <= 8; i++) {
                const vi = JSON.stringify(order('TK010', { buyer_nick: `买家${i}` }));
                should((await rawPost(vi, signed(vi, SECRET, t - 10 - i))).status).equal(200);
            }
            await settle();
            should(received).have.length(9);
            // the replay of the first version's bytes: not emitted again (the flow would take the order back to its old state)
            should(await post(v1, v1Headers)).match({ status: 409, body: { code: 'REPLAYED' } });
            await settle();
            should(received).have.length(9);
        });
    });

    it('under Node-RED\'s default layout (the admin app\'s JSON parser mounted first) a path with a route parameter, or asked in other letter case, is served', async () => {
        await deploy({}, { path: '/qeasy/:shop' }, [], SECRET, 'node-red');
        const body = JSON.stringify(order('T4301'));
        should((await post(body, signed(body), '/qeasy/SHOP01')).status).equal(200);
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, {}, [], SECRET, 'node-red');
        const other = JSON.stringify(order('T4302'));
        should((await post(other, signed(other), '/Qeasy/Orders')).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T4302']);
    });

    it('under Node-RED\'s default layout a path that would also catch the editor\'s own requests (starting with a parameter, or /flows) is refused naming path, and a deploy still reaches the editor', async () => {
        for (const path of ['/:shop', '/:shop/:kind', '/flows', '/Flows/x']) {
            await deploy({}, { path }, [], SECRET, 'node-red');
            const n = helper.getNode('n1');
            should((n.warn as sinon.SinonSpy).args.map((a) => String(a[0])).some((t) => /path: .*editor/.test(t))).be.true(`${path}: no warning naming path`);
            const deployed = await fetch(`${base}/flows`, { method: 'POST', body: JSON.stringify([{ id: 'x' }]), headers: { 'Content-Type': 'application/json' } }).then((r) => r.json());
            should(deployed).eql({ got: [{ id: 'x' }] }, `${path}: the editor's deploy lost its body`);
            await helper.unload();
            await new Promise((r) => server!.close(() => r(undefined)));
            server = undefined;
        }
    });

    it('a path still holding ${NAME} (no subflow instance, flow or process sets it) is refused naming path, not served as typed', async () => {
        delete process.env.QEASY_SHOP_PATH;
        await deploy({}, { path: '${QEASY_SHOP_PATH}' });
        should(warningsOf('n1').some((t) => /path: \$\{QEASY_SHOP_PATH\} is an environment variable that is not set/.test(t))).be.true(warningsOf('n1').join('\n'));
        const body = JSON.stringify(order('T4401'));
        should((await post(body, signed(body), '/${QEASY_SHOP_PATH}')).status).equal(404);
    });

    it('the README\'s curl example body is an order the node accepts', async () => {
        const readme = require('fs').readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8') as string;
        const body = /^body='(.*)'$/m.exec(readme)![1];
        await deploy();
        should((await post(body, signed(body))).status).equal(200);
    });

    it('the README names the duplicate key the node uses by default (shop_no,tid: a tid is unique within a shop only)', () => {
        const readme = require('fs').readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8') as string;
        const stated = /remembers the key of each delivered order \(default: `([^`]*)`/.exec(readme);
        should(stated).not.be.null();
        should(stated![1].replace(/\s+/g, '')).equal(readSettings({}).dedupeKey);
    });

    it('reply after the flow in token mode: the flow sees the request without the token header', async () => {
        await deploy({ auth: 'token' }, { replyMode: 'flow', replyTimeout: 1 });
        helper.getNode('out').on('input', (m: Msg) => m.callback.reply({ ok: true }));
        const body = JSON.stringify(order('T4401'));
        should((await post(body, { 'X-Token': SECRET })).status).equal(200);
        await settle();
        should(received[0].req.headers).not.have.property('x-token');
        should(JSON.stringify(received[0].req.headers)).not.containEql(SECRET);
        should(received[0].req.headers).have.property('content-type');
    });

    it('reply after the flow in token mode: the token is in no other view of the request either (rawHeaders, headersDistinct)', async () => {
        await deploy({ auth: 'token' }, { replyMode: 'flow', replyTimeout: 1 });
        helper.getNode('out').on('input', (m: Msg) => m.callback.reply({ ok: true }));
        const body = JSON.stringify(order('T4402'));
        should((await post(body, { 'X-Token': SECRET })).status).equal(200);
        await settle();
        const req = received[0].req;
        // A debug node showing the whole msg, or a function node logging msg.req, shows these too.
        should(JSON.stringify(req.rawHeaders)).not.containEql(SECRET);
        should(JSON.stringify(req.headersDistinct ?? {})).not.containEql(SECRET);
        should(req.rawHeaders.map((h: string) => h.toLowerCase())).containEql('content-type');
    });

    it('reply after the flow: a text answer is given again exactly to a repeat; an array of new orders is answered and stored per order', async () => {
        await deploy({}, { replyMode: 'flow', replyTimeout: 2 }, [{ id: 'resp', type: 'http response', z: 'f1', statusCode: '200' }]);
        helper.getNode('out').on('input', (m: Msg) => {
            m.payload = 'success';
            helper.getNode('resp').receive(m);
        });
        const body = JSON.stringify(order('T4501'));
        const t = now();
        const raw = async (h: Record<string, string>) => {
            const r = await fetch(base + '/qeasy/orders', { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...h } });
            return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
        };
        const a = await raw(signed(body, SECRET, t));
        should(a.text).equal('success');
        should(await raw(signed(body, SECRET, t - 1))).eql(a);

        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, { replyMode: 'flow', replyTimeout: 2 });
        helper.getNode('out').on('input', (m: Msg) => m.callback.reply(Array.isArray(m.payload) ? m.payload.map((o: Msg) => ({ tid: o.tid, ok: true })) : { tid: m.payload.tid, ok: true }));
        const one = JSON.stringify(order('T4601'));
        should((await post(one, signed(one, SECRET, t))).body).eql({ tid: 'T4601', ok: true });
        const both = JSON.stringify([order('T4601'), order('T4602')]);
        should((await post(both, signed(both, SECRET, t - 1))).body).eql([{ tid: 'T4601', ok: true }, { tid: 'T4602', ok: true }]);
        const again = JSON.stringify(order('T4602'));
        should((await post(again, signed(again, SECRET, t - 2))).body).eql({ tid: 'T4602', ok: true });
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T4601', 'T4602']);
    });

    it('reply after the flow: a JSON text answer holding a whole number beyond 2^53 (the ERP\'s long id) is given again exactly to a repeat, and kept exact in an array\'s answer', async () => {
        await deploy({}, { replyMode: 'flow', replyTimeout: 2 }, [{ id: 'resp', type: 'http response', z: 'f1', statusCode: '200', headers: { 'Content-Type': 'application/json' } }]);
        // The flow passes on the ERP's answer as it came (an http request node's text): JSON.parse would read the id as
        // 1234567890123456800, and a repeat was told another record's id.
        const ids: Record<string, string> = { T4701: '1234567890123456789', T4702: '1234567890123456791', T4703: '1234567890123456793' };
        const erpAnswer = (tid: string) => `{"success":true,"tid":"${tid}","erpId":${ids[tid]}}`;
        helper.getNode('out').on('input', (m: Msg) => {
            m.payload = erpAnswer(m.payload.tid);
            helper.getNode('resp').receive(m);
        });
        const raw = async (b: string, h: Record<string, string>) => {
            const r = await fetch(base + '/qeasy/orders', { method: 'POST', body: b, headers: { 'Content-Type': 'application/json', ...h } });
            return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
        };
        const body = JSON.stringify(order('T4701'));
        const t = now();
        const a = await raw(body, signed(body, SECRET, t));
        should(a.text).equal(erpAnswer('T4701'));
        should(await raw(body, signed(body, SECRET, t - 1))).eql(a);
        const both = JSON.stringify([order('T4702'), order('T4703')]);
        const answered = await raw(both, signed(both, SECRET, t - 2));
        should(answered.status).equal(200);
        should(JSON.parse(answered.text).map((r: Msg) => r.tid)).eql(['T4702', 'T4703']);
        should(answered.text).match(/"erpId":"?1234567890123456791"?}.*"erpId":"?1234567890123456793"?}/);
        // An answer that comes after the 504 is kept for the retry the same way, as JSON.
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, { replyMode: 'flow', replyTimeout: 0.2 }, [{ id: 'resp', type: 'http response', z: 'f1', statusCode: '200', headers: { 'Content-Type': 'application/json' } }]);
        ids.T4704 = '1234567890123456795';
        helper.getNode('out').on('input', (m: Msg) => {
            m.payload = erpAnswer(m.payload.tid);
            setTimeout(() => helper.getNode('resp').receive(m), 400);
        });
        const late = JSON.stringify(order('T4704'));
        should((await raw(late, signed(late, SECRET, t - 3))).status).equal(504);
        await new Promise((r) => setTimeout(r, 500));
        should(await raw(late, signed(late, SECRET, t - 4))).eql({ status: 200, type: 'application/json; charset=utf-8', text: erpAnswer('T4704') });
    });

    it('reply after the flow, an array: one msg per new order, each answered on its own (http response node or reply()); the caller gets every answer in order; a resend repeats only the failed ones', async () => {
        await deploy({}, { replyMode: 'flow', replyTimeout: 2 }, [{ id: 'resp', type: 'http response', z: 'f1' }]);
        let pushes = 0;
        helper.getNode('out').on('input', (m: Msg) => {
            if (m.payload.tid.endsWith('BAD')) return void m.callback.reply({ success: false, code: 'REFUSED', tid: m.payload.tid }, 422);
            pushes++;
            m.payload = { success: true, tid: m.payload.tid };
            helper.getNode('resp').receive(m);
        });
        const batch = JSON.stringify([order('T4701'), order('T4702-BAD'), order('T4703')]);
        const t = now();
        const first = await post(batch, signed(batch, SECRET, t));
        should(strip(first)).eql({ status: 422, body: [{ success: true, tid: 'T4701' }, { success: false, code: 'REFUSED', tid: 'T4702-BAD' }, { success: true, tid: 'T4703' }] });
        should(pushes).equal(2);
        const resend = await post(batch, signed(batch, SECRET, t - 1));
        should(strip(resend)).eql(strip(first));
        should(pushes).equal(2);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T4701', 'T4702-BAD', 'T4703', 'T4702-BAD']);
    });

    it('reply after the flow, an array holding one order twice: one msg, and the copy gets the flow\'s answer for that order, not an echo', async () => {
        await deploy({}, { replyMode: 'flow', replyTimeout: 2 });
        helper.getNode('out').on('input', (m: Msg) => m.callback.reply({ success: false, code: 'REFUSED', tid: m.payload.tid }, 422));
        const batch = JSON.stringify([order('T4801'), order('T4802'), reordered(order('T4801'))]);
        const res = await post(batch, signed(batch));
        should(res.status).equal(422);
        should(res.body).eql([
            { success: false, code: 'REFUSED', tid: 'T4801' },
            { success: false, code: 'REFUSED', tid: 'T4802' },
            { success: false, code: 'REFUSED', tid: 'T4801' },
        ]);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T4801', 'T4802']);
    });

    it('reply after the flow, "all orders in one msg", an array holding repeats: the answer has one reply per order, in request order, each repeat with its stored reply (repeats first, last, all, a copy within the array)', async () => {
        await deploy({}, { replyMode: 'flow', emit: 'all', replyTimeout: 2 });
        helper.getNode('out').on('input', (m: Msg) => m.callback.reply(Array.isArray(m.payload) ? m.payload.map((o: Msg) => ({ ok: true, tid: o.tid })) : { ok: true, tid: m.payload.tid, single: true }));
        const t = now();
        let n = 0;
        const send = async (orders: Msg | Msg[]) => {
            const body = JSON.stringify(orders);
            return strip(await post(body, signed(body, SECRET, t - n++)));
        };
        should(await send(order('T5001'))).eql({ status: 200, body: { ok: true, tid: 'T5001', single: true } });
        // the repeat first: the flow answers T5002 and T5003 only, the caller gets three replies
        should(await send([order('T5001'), order('T5002'), order('T5003')])).eql({
            status: 200,
            body: [
                { ok: true, tid: 'T5001', single: true },
                { ok: true, tid: 'T5002' },
                { ok: true, tid: 'T5003' },
            ],
        });
        // the repeat last, and a copy of a new order within the array
        should(await send([order('T5004'), reordered(order('T5004')), order('T5002')])).eql({
            status: 200,
            body: [
                { ok: true, tid: 'T5004' },
                { ok: true, tid: 'T5004' },
                { ok: true, tid: 'T5002' },
            ],
        });
        // every order a repeat: the stored replies, no msg
        should(await send([order('T5003'), order('T5001')])).eql({
            status: 200,
            body: [
                { ok: true, tid: 'T5003' },
                { ok: true, tid: 'T5001', single: true },
            ],
        });
        // each order's reply was stored on its own: its resend alone gets exactly that
        should(await send(order('T5004'))).eql({ status: 200, body: { ok: true, tid: 'T5004' } });
        await settle();
        should(received.map((m) => (Array.isArray(m.payload) ? m.payload.map((o: Msg) => o.tid) : m.payload.tid))).eql(['T5001', ['T5002', 'T5003'], ['T5004']]);
    });

    it('reply after the flow, "all orders in one msg", an http response node: an answer that is one object is every new order\'s reply; an array of the wrong length is a 500 per new order, reported to Catch and not remembered', async () => {
        let answerOf: (m: Msg) => unknown = () => ({ success: true });
        await deploy({}, { replyMode: 'flow', emit: 'all', replyTimeout: 2 }, [
            { id: 'resp', type: 'http response', z: 'f1', statusCode: '201', headers: { 'X-Handled': 'yes' } },
            { id: 'k1', type: 'catch', z: 'f1', scope: ['n1'], uncaught: false, wires: [['caught']] },
            { id: 'caught', type: 'helper', z: 'f1' },
        ]);
        const caught: Msg[] = [];
        helper.getNode('caught').on('input', (m: Msg) => caught.push(m));
        const emitted: unknown[] = [];
        helper.getNode('out').on('input', (m: Msg) => {
            emitted.push(Array.isArray(m.payload) ? m.payload.map((o: Msg) => o.tid) : m.payload.tid);
            m.payload = answerOf(m);
            helper.getNode('resp').receive(m);
        });
        const t = now();
        const first = JSON.stringify(order('T5101'));
        should((await post(first, signed(first, SECRET, t))).status).equal(201);
        // one object for the batch: every new order gets it; the repeat its own stored reply
        const batch = JSON.stringify([order('T5102'), order('T5101'), order('T5103')]);
        const a = await post(batch, signed(batch, SECRET, t - 1));
        should(a.headers.get('x-handled')).equal('yes');
        should(strip(a)).eql({ status: 201, body: [{ success: true }, { success: true }, { success: true }] });
        // an array of the wrong length cannot be paired with the orders
        answerOf = (m) => [{ success: true, tid: m.payload[0].tid }];
        const bad = JSON.stringify([order('T5104'), order('T5101'), order('T5105')]);
        const b = await post(bad, signed(bad, SECRET, t - 2));
        should(b.status).equal(500);
        should(b.body).have.length(3);
        should(b.body[1]).eql({ success: true });
        for (const r of [b.body[0], b.body[2]]) should(r).eql({ success: false, code: 'INVALID_FLOW_REPLY', message: 'the flow answered 2 new orders with an array of 1 replies: answer one reply per order of msg.payload, in its order' });
        await settle();
        should(caught).have.length(1);
        should(caught[0].error.message).match(/answered 2 new orders with an array of 1 replies/);
        // not remembered: a resend goes through the flow again
        answerOf = (m) => m.payload.map((o: Msg) => ({ success: true, tid: o.tid }));
        const c = await post(bad, signed(bad, SECRET, t - 3));
        should(strip(c)).eql({ status: 201, body: [{ success: true, tid: 'T5104' }, { success: true }, { success: true, tid: 'T5105' }] });
        await settle();
        should(emitted).eql(['T5101', ['T5102', 'T5103'], ['T5104', 'T5105'], ['T5104', 'T5105']]);
        // no answer in time: still one reply per order, the new one's place holding the error
        answerOf = () => new Promise(() => undefined);
        helper.getNode('out').removeAllListeners('input');
        const late = JSON.stringify([order('T5101'), order('T5106')]);
        const d = await post(late, signed(late, SECRET, t - 4));
        should(d.status).equal(504);
        should(d.body).eql([{ success: true }, { success: false, code: 'REPLY_TIMEOUT', message: 'the flow did not answer within 2 s' }]);
    });

    it('an array holding repeats first, last, only repeats, and a copy within the array: one reply per order in request order, in every mode', async () => {
        const modes: Msg[] = [{}, { emit: 'all' }, { replyMode: 'flow', replyTimeout: 2 }, { replyMode: 'flow', emit: 'all', replyTimeout: 2 }];
        for (const mode of modes) {
            await deploy({}, mode);
            helper.getNode('out').on('input', (m: Msg) => m.callback.reply?.(Array.isArray(m.payload) ? m.payload.map((o: Msg) => ({ tid: o.tid, got: 'flow' })) : { tid: m.payload.tid, got: 'flow' }));
            const t = now();
            let n = 0;
            const send = async (orders: Msg[]) => {
                const body = JSON.stringify(orders);
                const r = await post(body, signed(body, SECRET, t - n++));
                should(r.status).equal(200);
                return r.body.map((x: Msg) => x.tid);
            };
            should(await send([order('T5201'), order('T5202')])).eql(['T5201', 'T5202']);
            should(await send([order('T5201'), order('T5203')])).eql(['T5201', 'T5203']);
            should(await send([order('T5204'), order('T5202')])).eql(['T5204', 'T5202']);
            should(await send([order('T5203'), order('T5204'), order('T5201')])).eql(['T5203', 'T5204', 'T5201']);
            should(await send([order('T5205'), order('T5201'), order('T5205')])).eql(['T5205', 'T5201', 'T5205']);
            await helper.unload();
            await new Promise((r) => server!.close(() => r(undefined)));
            server = undefined;
        }
    });

    it('refuses a 2 MB body with 413 (declared length or chunked), emitting nothing', async () => {
        await deploy();
        const big = JSON.stringify(order('T5001', { buyer_message: 'x'.repeat(2 * 1024 * 1024) }));
        const res = await post(big, signed(big));
        should(res.status).equal(413);
        should(res.body.code).equal('PAYLOAD_TOO_LARGE');
        // chunked transfer: no Content-Length, the limit is enforced while reading
        const chunked = await new Promise<number>((resolve, reject) => {
            const u = new URL(`${base}/qeasy/orders`);
            const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'Content-Type': 'application/json', ...signed(big) } }, (r) => {
                r.resume();
                resolve(r.statusCode ?? 0);
            });
            req.on('error', reject);
            const buf = Buffer.from(big);
            for (let i = 0; i < buf.length; i += 64 * 1024) req.write(buf.subarray(i, i + 64 * 1024));
            req.end();
        });
        should(chunked).equal(413);
        // a custom, smaller limit
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, { maxBytes: 300 });
        const mid = JSON.stringify(order('T5002'));
        should(Buffer.byteLength(mid)).be.above(300);
        should((await post(mid, signed(mid))).status).equal(413);
        await settle();
        should(received).have.length(0);
    });

    it('415 for anything but JSON (form, text, no type, unknown charset); a GBK body is read as GBK and signed over its bytes', async () => {
        await deploy();
        const body = JSON.stringify(order('T6001'));
        for (const type of ['application/x-www-form-urlencoded', 'text/plain', '', 'application/json; charset=x-no-such-charset']) {
            const r = await fetch(`${base}/qeasy/orders`, { method: 'POST', body, headers: { ...(type ? { 'Content-Type': type } : {}), ...signed(body) } });
            should(r.status).equal(415);
            should((await r.json()).code).equal('UNSUPPORTED_MEDIA_TYPE');
        }
        // {"shop_no":"S1","tid":"T6002","buyer_nick":"张三","order_list":[]} in GBK: 张 = D5 C5, 三 = C8 FD
        const gbk = Buffer.concat([Buffer.from('{"shop_no":"S1","tid":"T6002","buyer_nick":"'), Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]), Buffer.from('","order_list":[]}')]);
        const res = await post(gbk, { 'Content-Type': 'application/json; charset=GBK', ...signed(gbk) });
        should(res.status).equal(200);
        should(res.body.buyer_nick).equal('张三');
        await settle();
        should(received.map((m) => m.payload.buyer_nick)).eql(['张三']);
    });

    it('a compressed body (Content-Encoding: gzip, as Feign\'s request compression sends orders over 2 KB) is refused with 415 naming the coding, not a bare 401; identity is accepted', async () => {
        await deploy();
        // The sender signs the JSON, its HTTP client gzips it on the way out.
        const body = JSON.stringify(order('T6101'));
        const res = await post(zlib.gzipSync(body), { 'Content-Encoding': 'gzip', ...signed(body) });
        should(res.status).equal(415);
        should(res.body.code).equal('UNSUPPORTED_MEDIA_TYPE');
        should(res.body.message).match(/Content-Encoding gzip/);
        // (signed over the bytes sent, it is refused all the same: the node does not inflate them)
        const gz = zlib.gzipSync(body);
        should((await post(gz, { 'Content-Encoding': 'GZIP', ...signed(gz, SECRET, now() - 1) })).status).equal(415);
        should((await post(body, { 'Content-Encoding': 'identity', ...signed(body) })).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['T6101']);
    });

    it('a byte-order mark decides the body\'s encoding before the Content-Type charset: a UTF-8 body with a BOM labelled GBK is accepted, read as UTF-8', async () => {
        await deploy();
        const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ ...order('T6003'), buyer_nick: '张三' }))]);
        const res = await post(bom, { 'Content-Type': 'application/json; charset=GBK', ...signed(bom) });
        should(res.status).equal(200);
        await settle();
        should(received.map((m) => m.payload.buyer_nick)).eql(['张三']);
    });

    it('every JSON Content-Type the callback accepts (application/json, application/*+json, text/json) is named by its help, in both languages', async () => {
        await deploy();
        const accepted = ['application/json', 'application/vnd.qeasy+json', 'text/json'];
        for (const [i, type] of accepted.entries()) {
            const body = JSON.stringify(order(`T6101${i}`));
            should({ type, status: (await post(body, { 'Content-Type': type, ...signed(body) })).status }).eql({ type, status: 200 });
        }
        for (const lang of ['en-US', 'zh-CN']) {
            const help = fs.readFileSync(path.resolve(__dirname, '..', '..', 'nodes', 'qeasy', 'locales', lang, 'qeasy-callback.html'), 'utf8');
            should(['application/json', 'application/*+json', 'text/json'].filter((type) => !help.includes(`<code>${type}</code>`))).eql([], `${lang} help leaves out accepted types`);
        }
    });

    it('400 for malformed JSON, invalid UTF-8 and an empty array, naming the problem', async () => {
        await deploy();
        const broken = '{"tid": "T7001", ';
        const a = await post(broken, signed(broken));
        should(a.status).equal(400);
        should(a.body.code).equal('MALFORMED_JSON');
        const badUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
        const b = await post(badUtf8, signed(badUtf8));
        should(b.status).equal(400);
        should(b.body.code).equal('MALFORMED_JSON');
        const c = await post('[]', signed('[]'));
        should(strip(c)).eql({ status: 400, body: { success: false, code: 'INVALID_ORDER', message: '(root): must hold at least one order', errors: [{ field: '(root)', reason: 'must hold at least one order' }] } });
        await settle();
        should(received).have.length(0);
    });

    it('bad input: a few hundred generated invalid orders (wrong types, missing fields, huge strings, deep nesting, __proto__ keys, lists for objects), signed: each refused gets a 400 (or 413) naming a field, no crash, no prototype polluted, and the endpoint still takes a good order', async () => {
        await deploy();
        const schema = (qeasyCallback as any).schemas.requestSchema;
        // As JSON can carry them: what does not survive the text (a Buffer, an object holding itself, a BigInt) is left out.
        const bodies: string[] = [];
        for (const candidate of invalidObjects(schema, 400, 23)) {
            let text: string | undefined;
            try {
                text = JSON.stringify(candidate);
            } catch {
                continue;
            }
            if (text === undefined || bodies.includes(text) || Buffer.isBuffer(candidate)) continue;
            bodies.push(text);
        }
        // __proto__ as an own key (JSON.parse makes it one; an object literal would set the prototype instead).
        bodies.push(JSON.stringify(order('T9900')).replace('{', '{"__proto__":{"polluted":true},'), '{"constructor":{"prototype":{"polluted":true}}}');
        should(bodies.length).be.within(150, 450);
        const known = new Set([...ORDER_FIELD_NAMES, '(root)']);
        for (const body of bodies) {
            const res = await post(body, signed(body));
            const what = `${body.slice(0, 160)}${body.length > 160 ? `…(${body.length})` : ''}`;
            if (res.status === 200) continue; // a candidate the seed schema happens to accept (an extra property): checked below
            should(res.status === 400 || res.status === 413).equal(true, `status ${res.status} for ${what}`);
            if (res.status === 400) {
                should(res.body.success).equal(false);
                const fields: string[] = (res.body.errors ?? []).map((e: Msg) => String(e.field));
                should(fields.length).be.above(0, `no field named for ${what}: ${JSON.stringify(res.body).slice(0, 200)}`);
                // A field of the order, or an order of the batch by its position (`[1]`: not an order at all).
                for (const f of fields) should(/^(\[\d+\])+$/.test(f) || f.split(/[.[\]]/).some((seg) => known.has(seg))).equal(true, `field "${f}" is none of the order's, for ${what}`);
            }
        }
        await settle();
        // Whatever went through was a valid order: the ones emitted pass the schema.
        for (const m of received) should(m.payload).have.property('tid');
        should(({} as any).polluted).be.undefined();
        should((Object.prototype as any).polluted).be.undefined();
        const good = JSON.stringify(order('T9901'));
        should((await post(good, signed(good))).status).equal(200);
    });

    it('400 listing every field that breaks the seed schema, and emits nothing (not even the valid order of the batch)', async () => {
        await deploy();
        const bad = [order('T8001', { shop_no: 12 }), { tid: 'T8002', order_list: [{ num: '1' }] }, order('T8003')];
        const body = JSON.stringify(bad);
        const res = await post(body, signed(body));
        should(res.status).equal(400);
        should(res.body.code).equal('INVALID_ORDER');
        should(res.body.errors).eql([
            { field: '[0].shop_no', reason: 'must be string' },
            { field: '[1].shop_no', reason: 'is required' },
            { field: '[1].order_list[0].oid', reason: 'is required' },
        ]);
        should(res.body.message).equal('[0].shop_no: must be string; [1].shop_no: is required; [1].order_list[0].oid: is required');
        const one = JSON.stringify({ shop_no: 'S', order_list: 'none' });
        const single = await post(one, signed(one));
        should(single.body.errors.map((e: Msg) => e.field).sort()).eql(['order_list', 'tid']);
        await settle();
        should(received).have.length(0);
    });

    it('a whole number beyond 2^53 (a platform\'s long id) reaches the flow, the reply and the duplicate key exactly, not rounded into another order\'s; a text field sent as one is still refused', async () => {
        await deploy({ dedupeKey: 'pay_id', numberSource: 'pay_id' });
        // JSON.parse reads both ids as 1234567890123456800: the second order was taken as a repeat of the first and lost.
        const withIds = (tid: string, payId: string) =>
            JSON.stringify(order(tid, { pay_id: '@PAY', order_list: [{ ...order(tid).order_list[0], num: '@NUM', sub_order_id: '@SUB' }] }))
                .replace('"@PAY"', payId)
                .replace('"@NUM"', '9007199254740993')
                .replace('"@SUB"', `${payId}0`);
        const a = withIds('TL001', '1234567890123456789');
        const b = withIds('TL002', '1234567890123456790');
        const first = await post(a, signed(a));
        const second = await post(b, signed(b, SECRET, now() - 1));
        should([first.status, second.status]).eql([200, 200]);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TL001', 'TL002']);
        // The reply echoes them as their exact text (a JSON number would be rounded by the caller's parser in turn).
        should(first.body).containDeep({ tid: 'TL001', number: '1234567890123456789', order_list: [{ num: '9007199254740993' }] });
        should(second.body.number).equal('1234567890123456790');
        should(received.map((m) => m.payload.pay_id)).eql(['1234567890123456789', '1234567890123456790']);
        should(received.map((m) => m.payload.order_list[0].sub_order_id)).eql(['12345678901234567890', '12345678901234567900']);
        should(received[0].payload.order_list[0].num).equal('9007199254740993');
        should(Object.keys(helper.getNode('n1').context().get('qeasyDelivered'))).eql(['pay_id:1234567890123456789', 'pay_id:1234567890123456790']);
        // The seed's text fields stay text: a tid or an oid sent as a number is refused, however many its digits.
        const numeric = JSON.stringify(order('@TID', { pay_id: 'P1' })).replace('"@TID"', '1234567890123456791').replace('"@TID-1"', '12345678901234567910');
        const refused = await post(numeric, signed(numeric));
        should(refused.status).equal(400);
        should(refused.body.errors).eql([
            { field: 'tid', reason: 'must be string' },
            { field: 'order_list[0].oid', reason: 'must be string' },
        ]);
        await settle();
        should(received).have.length(2);
    });

    it('the same order twice (a new signature, its fields in another order and spacing): one msg, two identical 200s; kept in node context by shop and tid with a short digest', async () => {
        await deploy();
        const body = JSON.stringify(order('T9001'));
        const a = await post(body, signed(body));
        const body2 = JSON.stringify(reordered(order('T9001')), null, 2);
        const b = await post(body2, signed(body2, SECRET, now() - 1));
        should(a.status).equal(200);
        should(strip(b)).eql(strip(a));
        await settle();
        should(received).have.length(1);
        const stored = helper.getNode('n1').context().get('qeasyDelivered');
        should(Object.keys(stored)).eql([keyOf('T9001')]);
        should(stored[keyOf('T9001')].body).eql(a.body);
        should(stored[keyOf('T9001')].d).be.a.String().and.have.length(16);
        // The status says the last delivery was a repeat answered as before, not that one of the orders received was.
        should(helper.getNode('n1').status.lastCall.args[0]).match({ fill: 'green', text: 'received 1; a repeat of 1 order(s) answered as before' });
    });

    it('two copies of one order arriving at the same moment still make one msg', async () => {
        await deploy();
        const bodies = [JSON.stringify(order('T9101')), JSON.stringify(reordered(order('T9101')))];
        const answers = await Promise.all(bodies.map((b, i) => post(b, signed(b, SECRET, now() - i))));
        should(answers.map((a) => a.status)).eql([200, 200]);
        should(answers[0].body).eql(answers[1].body);
        await settle();
        should(received).have.length(1);
    });

    it('a copy arriving while the first is still in the flow waits for its answer and gets the same one, with no second msg', async () => {
        await deploy({}, { replyMode: 'flow', replyTimeout: 10 });
        const body = JSON.stringify(order('T9201'));
        const t = now();
        const first = post(body, signed(body, SECRET, t));
        while (received.length === 0) await new Promise((r) => setTimeout(r, 10));
        const second = post(body, signed(body, SECRET, t - 1));
        // give the copy time to reach the node; it must not start the flow while the first is unanswered
        await new Promise((r) => setTimeout(r, 150));
        should(received).have.length(1);
        should(received[0].callback.reply({ accepted: 'T9201' })).be.true();
        const answers = await Promise.all([first, second]);
        should(answers.map(strip)).eql([
            { status: 200, body: { accepted: 'T9201' } },
            { status: 200, body: { accepted: 'T9201' } },
        ]);
        await settle();
        should(received).have.length(1);
    });

    it('duplicate key, window and store are configurable: one field (tid, as earlier releases saved it), window 0 turns it off, a named context store holds the keys', async () => {
        // The runtime reads contextStorage when the flows load; the helper skips that step, so it is run here.
        helper.settings({ contextStorage: { default: { module: 'memory' }, orders: { module: 'memory' } } });
        await deploy({ dedupeKey: 'tid' }, { dedupeStore: 'orders' });
        await (helper as any)._context.load();
        {
            const a = JSON.stringify(order('TA001'));
            const b = JSON.stringify(order('TA002'));
            const t = now();
            should((await post(a, signed(a, SECRET, t))).body.tid).equal('TA001');
            should((await post(b, signed(b, SECRET, t))).body.tid).equal('TA002');
            // the same order again → the first reply again
            should((await post(a, signed(a, SECRET, t - 1))).body.tid).equal('TA001');
            await settle();
            should(received.map((m) => m.payload.tid)).eql(['TA001', 'TA002']);
            const n1 = helper.getNode('n1');
            should(Object.keys(n1.context().get('qeasyDelivered', 'orders'))).eql(['tid:TA001', 'tid:TA002']);
            should(n1.context().get('qeasyDelivered', 'default')).be.undefined();
            // by tid alone, the same tid from another shop is not taken for the first shop's order: its content differs
            const other = JSON.stringify(order('TA001', { shop_no: 'SHOP02' }));
            should((await post(other, signed(other, SECRET, t - 2))).body.shop_no).equal('SHOP02');
            await settle();
            should(received.map((m) => m.payload.shop_no)).eql(['SHOP01', 'SHOP01', 'SHOP02']);
        }
        helper.settings({});
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({ dedupeWindow: 0 });
        const c = JSON.stringify(order('TA003'));
        const t = now();
        await post(c, signed(c, SECRET, t));
        await post(c, signed(c, SECRET, t - 1));
        await settle();
        should(received).have.length(2);
    });

    it('the duplicate window: a repeat just inside it gets the stored reply, one just past it starts the flow again; expired keys leave the store, kept keys of a previous run included', async () => {
        helper.settings({ contextStorage: { default: { module: 'memory' } } });
        await deploy({}, { dedupeWindow: 600 });
        // The runtime reads contextStorage when the flows load; the helper skips that step, so it is run here.
        await (helper as any)._context.load();
        clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
        const tids: string[] = [];
        const deliver = async (tid: string, extra: Msg = {}) => {
            const body = JSON.stringify(order(tid, extra));
            const r = await post(body, signed(body));
            should(r.status).equal(200);
            await settle();
            tids.push(...received.map((m) => m.payload.tid));
            received = [];
            return r;
        };
        const keys = () => Object.keys(helper.getNode('n1').context().get('qeasyDelivered'));
        const first = await deliver('TE001');
        clock.tick(300_000);
        await deliver('TE002');
        clock.tick(299_000);
        should(strip(await deliver('TE001'))).eql(strip(first));
        should(keys()).eql([keyOf('TE001'), keyOf('TE002')]);
        // A redeploy: the new node starts from the keys the store kept.
        await helper.setFlows(flowOf({}, { dedupeWindow: 600 }), 'full', { c1: { secret: SECRET } });
        received = [];
        helper.getNode('out').on('input', (m: Msg) => received.push(m));
        clock.tick(2_000);
        await deliver('TE001');
        should(keys()).eql([keyOf('TE002'), keyOf('TE001')]);
        clock.tick(300_000);
        await deliver('TE003');
        should(keys()).eql([keyOf('TE001'), keyOf('TE003')]);
        should(tids).eql(['TE001', 'TE002', 'TE001', 'TE003']);
    });

    it('a duplicate store failing to save: the order gets 500 and is not taken as delivered, so its resend starts the flow (a store handing out the object it keeps included)', async () => {
        let failing = false;
        // As Node-RED's memory store does, get hands out the stored object itself.
        const store = fakeContextStore({ fail: (op) => (failing && op === 'set' ? new Error('ENOSPC: no space left on device') : undefined) });
        helper.settings({ contextStorage: { default: { module: 'memory' }, shared: { module: store.module } } });
        await deploy({}, { dedupeStore: 'shared' });
        await (helper as any)._context.load();
        const a = JSON.stringify(order('TF001'));
        const b = JSON.stringify(order('TF002'));
        should((await post(a, signed(a))).status).equal(200);
        failing = true;
        should((await post(b, signed(b))).status).equal(500);
        failing = false;
        should((await post(b, signed(b, SECRET, now() - 1))).status).equal(200);
        should((await post(b, signed(b, SECRET, now() - 2))).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TF001', 'TF002']);
        should(Object.keys(store.read('qeasyDelivered'))).eql([keyOf('TF001'), keyOf('TF002')]);
    });

    it('a persistent store handing out copies (localfilesystem without cache: every get reads and parses the node\'s whole context file) is read once per run, not on every delivery; a redeploy or a restart still knows what it saved', async () => {
        const store = fakeContextStore({ copies: true });
        let gets = 0;
        const counted = () => {
            const m = store.module();
            return { ...m, get: (...args: Parameters<typeof m.get>) => (gets++, m.get(...args)) };
        };
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: counted } } });
        await deploy({}, { dedupeStore: 'file' });
        await (helper as any)._context.load();
        const bodies = ['TH001', 'TH002', 'TH003', 'TH004', 'TH005'].map((tid) => JSON.stringify(order(tid)));
        for (const b of bodies) should((await post(b, signed(b))).status).equal(200);
        // the keys and the signatures, each read once (was four reads per delivery, each as long as the whole window)
        should(gets).be.belowOrEqual(2);
        should(Object.keys(store.read('qeasyDelivered'))).have.length(5);
        // A restart: only the store is left, and every order sent again is a repeat.
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, { dedupeStore: 'file' });
        await (helper as any)._context.load();
        for (const b of bodies) should((await post(b, signed(b, SECRET, now() - 1))).status).equal(200);
        const c = JSON.stringify(order('TH006'));
        should((await post(c, signed(c))).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TH006']);
        should(Object.keys(store.read('qeasyDelivered'))).have.length(6);
    });

    it('a persistent duplicate store whose first save fails (a store handing out copies): the expired keys of a previous run still leave it at the next save', async () => {
        let failing = false;
        // As a file or database store does, get hands out a copy of what was saved.
        const store = fakeContextStore({ copies: true, fail: (op) => (failing && op === 'set' ? new Error('ECONNRESET: the store went away') : undefined) });
        // Kept by a previous run: expired long ago, and one written by an older version without its time.
        store.write('qeasyDelivered', { 'tid:OLD1': { at: Date.now() - 3_600_000, status: 200, body: {} }, 'tid:OLD2': { status: 200, body: {} } });
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: store.module } } });
        await deploy({}, { dedupeStore: 'file', dedupeWindow: 600 });
        await (helper as any)._context.load();
        const a = JSON.stringify(order('TG001'));
        const b = JSON.stringify(order('TG002'));
        failing = true;
        should((await post(a, signed(a))).status).equal(500);
        failing = false;
        should((await post(b, signed(b))).status).equal(200);
        should(Object.keys(store.read('qeasyDelivered'))).eql([keyOf('TG002')]);
    });

    it('a duplicate store settings.js does not define (a typo, or no file store): a warning at deploy naming it, saying the delivered keys (with the check off, the signatures) are kept in memory and lost on restart', async () => {
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'memory' } } });
        await deploy({}, { dedupeStore: 'fiel' });
        const warnings = () => (helper.getNode('n1').warn as SinonSpy).args.map((a) => String(a[0]));
        should(warnings().some((w) => /dedupeStore: .*"fiel" is not defined in settings\.js .*default.*memory.*restart/.test(w))).be.true();
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        // With the duplicate check off the store still holds the signatures of accepted deliveries (HMAC).
        await deploy({}, { dedupeStore: 'fiel', dedupeWindow: 0 });
        should(warnings().some((w) => /dedupeStore: .*"fiel" is not defined in settings\.js .*the signatures of accepted deliveries in its default store.*memory.*replayed after a restart/.test(w))).be.true();
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({ auth: 'token' }, { dedupeStore: 'fiel', dedupeWindow: 0 });
        should(warnings().some((w) => /store/.test(w))).be.false();
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        // A store it defines: no warning.
        await deploy({}, { dedupeStore: 'file' });
        should(warnings().some((w) => /store/.test(w))).be.false();
    });

    it('Node-RED\'s default settings (no contextStorage): a deploy restarting the node clears its duplicate keys, so a repeat starts the flow again; warned at deploy, in both languages; none with a store configured', async () => {
        const inMemory = (w: unknown) => /keys of delivered orders are kept in memory \(settings\.js sets no contextStorage\).*every deploy that restarts this node.*contextStorage: \{/.test(String(w));
        const warned = () => (helper.getNode('n1').warn as SinonSpy).args.filter((a) => inMemory(a[0]));
        const redeploy = async () => {
            await helper.setFlows(flowOf(), 'full', { c1: { secret: SECRET } });
            received = [];
            helper.getNode('out').on('input', (m: Msg) => received.push(m));
        };
        await deploy();
        should(warned()).have.length(1);
        const body = JSON.stringify(order('TD001'));
        const t = now();
        should((await post(body, signed(body, SECRET, t))).status).equal(200);
        // What the warning says: a full deploy (the editor's default) restarts the node, Node-RED deletes its context.
        await redeploy();
        should(helper.getNode('n1').context().get('qeasyDelivered')).be.undefined();
        should((await post(body, signed(body, SECRET, t - 1))).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TD001']);
        // Duplicate check off: no keys kept, none to warn of (the signatures: see the next test).
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, { dedupeWindow: 0 });
        should(warned()).have.length(0);
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        // A store configured (memory or not): Node-RED keeps a stopped node's context, the repeat is known, no warning.
        helper.settings({ contextStorage: { default: { module: 'memory' } } });
        await deploy();
        // The runtime reads contextStorage when the flows load; the helper skips that step, so it is run here.
        await (helper as any)._context.load();
        should(warned()).have.length(0);
        const body2 = JSON.stringify(order('TD002'));
        const first = await post(body2, signed(body2, SECRET, t));
        await redeploy();
        should(warned()).have.length(0);
        should(strip(await post(body2, signed(body2, SECRET, t - 1)))).eql(strip(first));
        await settle();
        should(received).have.length(0);
        const zh = JSON.parse(fs.readFileSync(path.join(__dirname, '../../nodes/qeasy/locales/zh-CN/qeasy-callback.json'), 'utf8'));
        should(zh['qeasy-callback'].warn.dedupeClearedOnDeploy).match(/内存.*contextStorage.*重新部署/);
    });

    it('the kept signatures are bounded by two time windows: older pairs leave the store at the next save, those of a previous run (and one without its time) included', async () => {
        const store = fakeContextStore({ copies: true });
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: store.module } } });
        await deploy({ windowSeconds: 300 }, { dedupeWindow: 0, dedupeStore: 'file' });
        await (helper as any)._context.load();
        const signatures = () => Object.keys(store.read('qeasySignatures'));
        // Kept by a previous run: one expired, one still valid, one without its time.
        const previous = { 'old:expired': { at: Date.now() - 601_000, status: 200, body: {} }, 'old:kept': { at: Date.now() - 500_000, status: 200, body: {} }, 'old:untimed': { status: 200, body: {} } };
        const n1 = helper.getNode('n1');
        await new Promise<void>((r) => n1.context().set('qeasySignatures', previous, 'file', () => r()));
        clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
        const a = JSON.stringify(order('T4221'));
        const ha = signed(a);
        should((await post(a, ha)).status).equal(200);
        should(signatures()).eql(['old:kept', `${ha['X-Timestamp']}:${ha['X-Signature']}`]);
        clock.tick(200_000);
        const b = JSON.stringify(order('T4222'));
        const hb = signed(b);
        should((await post(b, hb)).status).equal(200);
        should(signatures()).eql([`${ha['X-Timestamp']}:${ha['X-Signature']}`, `${hb['X-Timestamp']}:${hb['X-Signature']}`]);
        clock.tick(500_000);
        const c = JSON.stringify(order('T4223'));
        const hc = signed(c);
        should((await post(c, hc)).status).equal(200);
        should(signatures()).eql([`${hb['X-Timestamp']}:${hb['X-Signature']}`, `${hc['X-Timestamp']}:${hc['X-Signature']}`]);
    });

    it('duplicate check off, Node-RED\'s default settings (no contextStorage): the signatures are cleared by a deploy, so a replayed delivery starts the flow again; warned at deploy (HMAC only), in both languages', async () => {
        const inMemory = (w: unknown) => /signatures of accepted deliveries are kept in memory \(settings\.js sets no contextStorage\).*every deploy that restarts this node.*replayed.*contextStorage: \{/.test(String(w));
        const warned = () => (helper.getNode('n1').warn as SinonSpy).args.filter((a) => inMemory(a[0]));
        await deploy({}, { dedupeWindow: 0 });
        should(warned()).have.length(1);
        // What the warning says.
        const body = JSON.stringify(order('TD101'));
        const headers = signed(body);
        should((await post(body, headers)).status).equal(200);
        await helper.setFlows(flowOf({}, { dedupeWindow: 0 }), 'full', { c1: { secret: SECRET } });
        received = [];
        helper.getNode('out').on('input', (m: Msg) => received.push(m));
        should((await post(body, headers)).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TD101']);
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        // Token mode has no signatures: nothing to warn of.
        await deploy({ auth: 'token' }, { dedupeWindow: 0 });
        should(warned()).have.length(0);
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        // A store configured: no warning.
        helper.settings({ contextStorage: { default: { module: 'memory' } } });
        await deploy({}, { dedupeWindow: 0 });
        should(warned()).have.length(0);
        const zh = JSON.parse(fs.readFileSync(path.join(__dirname, '../../nodes/qeasy/locales/zh-CN/qeasy-callback.json'), 'utf8'));
        should(zh['qeasy-callback'].warn.signaturesClearedOnDeploy).match(/签名.*内存.*contextStorage.*重新部署.*重放/);
    });

    it('duplicate check off, a duplicate store failing to save a signature: 500 and no msg, so the same delivery sent again is handled; with the check on, the order is answered and emitted (its key recognises a replay) and the failure logged', async () => {
        let failing = false;
        // As Node-RED's memory store does, get hands out the stored object itself; only the signatures fail to save.
        const store = fakeContextStore({ fail: (op, key) => (failing && op === 'set' && key === 'qeasySignatures' ? new Error('ENOSPC: no space left on device') : undefined) });
        helper.settings({ contextStorage: { default: { module: 'memory' }, shared: { module: store.module } } });
        await deploy({}, { dedupeWindow: 0, dedupeStore: 'shared' });
        await (helper as any)._context.load();
        const a = JSON.stringify(order('TF101'));
        const headers = signed(a);
        failing = true;
        should((await post(a, headers)).status).equal(500);
        await settle();
        should(received).have.length(0);
        failing = false;
        should((await post(a, headers)).status).equal(200);
        should((await post(a, headers)).status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TF101']);
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));

        store.clear();
        await deploy({}, { dedupeStore: 'shared' });
        await (helper as any)._context.load();
        const b = JSON.stringify(order('TF102'));
        failing = true;
        const first = await post(b, signed(b));
        should(first.status).equal(200);
        should(strip(await post(b, signed(b, SECRET, now() - 1)))).eql(strip(first));
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TF102']);
        const errors = (helper.getNode('n1').error as SinonSpy).args.map((x) => String(x[0]));
        should(errors.some((e) => /signature of a delivery could not be kept in the duplicate store \(ENOSPC/.test(e))).be.true();
    });

    it('an order without the configured duplicate key gets 400 naming the key, rather than passing unchecked (and twice on a resend)', async () => {
        await deploy({ dedupeKey: 'pay_id' });
        const body = JSON.stringify(order('TA101'));
        const first = await post(body, signed(body));
        const again = await post(body, signed(body, SECRET, now() - 1));
        should(strip(first)).eql({ status: 400, body: { success: false, code: 'INVALID_ORDER', message: 'pay_id: is required (the duplicate key)', errors: [{ field: 'pay_id', reason: 'is required (the duplicate key)' }] } });
        should(again.status).equal(400);
        const batch = JSON.stringify([order('TA102', { pay_id: 'P1' }), order('TA103', { pay_id: { no: 1 } })]);
        should((await post(batch, signed(batch))).body.errors).eql([{ field: '[1].pay_id', reason: 'must be text or a number (the duplicate key)' }]);
        await settle();
        should(received).have.length(0);
        // with the key, or with the duplicate check off, the order passes
        const keyed = JSON.stringify(order('TA104', { pay_id: 'P4' }));
        should((await post(keyed, signed(keyed))).status).equal(200);
        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({ dedupeKey: 'pay_id' }, { dedupeWindow: 0 });
        should((await post(body, signed(body))).status).equal(200);
    });

    it('an array: one msg per new order, a reply array in request order with stored replies for repeats; "all" gives one msg', async () => {
        await deploy({ numberSource: 'shop_no' });
        const first = JSON.stringify(order('TB001'));
        await post(first, signed(first));
        const body = JSON.stringify([order('TB002'), reordered(order('TB001')), order('TB003')]);
        const res = await post(body, signed(body));
        should(res.status).equal(200);
        should(res.body.map((r: Msg) => [r.tid, r.number, r.buyer_nick])).eql([
            ['TB002', 'SHOP01', '张三'],
            ['TB001', 'SHOP01', '张三'],
            ['TB003', 'SHOP01', '张三'],
        ]);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TB001', 'TB002', 'TB003']);

        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, { emit: 'all' });
        const all = JSON.stringify([order('TB101'), order('TB102')]);
        should((await post(all, signed(all))).body.map((r: Msg) => r.number)).eql(['TB101', 'TB102']);
        await settle();
        should(received).have.length(1);
        should(received[0].payload.map((o: Msg) => o.tid)).eql(['TB101', 'TB102']);
    });

    it('an array holding one order twice (reply at once): one msg, and the copy gets the first copy\'s reply, the one its resend gets', async () => {
        await deploy();
        const body = JSON.stringify([order('TB201'), reordered(order('TB201'))]);
        const res = await post(body, signed(body));
        should(res.status).equal(200);
        const again = JSON.stringify(reordered(order('TB201')));
        const resend = await post(again, signed(again, SECRET, now() - 1));
        should(res.body.map((r: Msg) => r.buyer_nick)).eql(['张三', '张三']);
        should(res.body[1]).eql(resend.body);
        await settle();
        should(received.map((m) => m.payload.buyer_nick)).eql(['张三']);
    });

    it('removes its route on close: ten redeploys leave exactly one handler, removing the node leaves none (404)', async () => {
        await deploy();
        const routes = () => (httpNode._router ?? httpNode.router).stack.filter((l: any) => l.route?.path === '/qeasy/orders');
        for (let i = 0; i < 10; i++) await helper.setFlows(flowOf({ windowSeconds: 300 + i }), 'full', { c1: { secret: SECRET } });
        should(routes()).have.length(1);
        const body = JSON.stringify(order('TC001'));
        should((await post(body, signed(body))).status).equal(200);
        await helper.setFlows([{ id: 'f1', type: 'tab' }, { id: 'cap', type: 'capture-http', z: 'f1' }], 'full');
        should(routes()).have.length(0);
        const body2 = JSON.stringify(order('TC002'));
        should((await post(body2, signed(body2))).status).equal(404);
    });

    it('a delivery whose body is still arriving when the flow is redeployed gets 503 and is not recorded: its resend reaches the new flow', async () => {
        await deploy();
        const body = JSON.stringify(order('TC101'));
        const headers = signed(body);
        const url = new URL(base + '/qeasy/orders');
        let answered!: (r: { status: number; body: string }) => void;
        const reply = new Promise<{ status: number; body: string }>((r) => (answered = r));
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => answered({ status: res.statusCode ?? 0, body: text }));
        });
        req.write(body.slice(0, 10));
        await new Promise((r) => setTimeout(r, 100));
        // A redeploy: the old node closes while the request is routed to it, a new node serves the path.
        await helper.setFlows(flowOf({ windowSeconds: 301 }), 'full', { c1: { secret: SECRET } });
        received = [];
        helper.getNode('out').on('input', (m: Msg) => received.push(m));
        req.end(body.slice(10));
        const first = await reply;
        should(first.status).equal(503);
        should(JSON.parse(first.body)).eql({ success: false, code: 'UNAVAILABLE', message: 'the callback node is stopping' });
        const again = await post(body, signed(body, SECRET, now() - 1));
        should(again.status).equal(200);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TC101']);
    });

    it('reply at once, a slow duplicate store: a redeploy while the order\'s key is being saved answers 503 and keeps no key, so the resend reaches the new flow (HMAC and token)', async () => {
        // A store over the network: a save is answered late, and the deploy comes meanwhile.
        const slow = fakeContextStore({ copies: true, setDelayMs: 300 });
        for (const [auth, tid] of [['hmac', 'TR001'], ['token', 'TR002']]) {
            slow.clear();
            helper.settings({ contextStorage: { default: { module: slow.module } } });
            const tokenHeaders = { 'X-Token': SECRET };
            await deploy({ auth });
            await (helper as any)._context.load();
            const body = JSON.stringify(order(tid));
            const t = now();
            const first = post(body, auth === 'hmac' ? signed(body, SECRET, t) : tokenHeaders);
            await new Promise((r) => setTimeout(r, 100));
            await helper.setFlows(flowOf({ auth }), 'full', { c1: { secret: SECRET } });
            received = [];
            helper.getNode('out').on('input', (m: Msg) => received.push(m));
            // The old node's flow is gone: not a 200 the order never got through.
            should(strip(await first)).eql({ status: 503, body: { success: false, code: 'UNAVAILABLE', message: 'the callback node is stopping' } }, auth);
            const resend = await post(body, auth === 'hmac' ? signed(body, SECRET, t - 1) : tokenHeaders);
            should(resend.status).equal(200, auth);
            await settle();
            should(received.map((m) => m.payload.tid)).eql([tid], `${auth}: the order reached no flow`);
            await helper.unload();
            await new Promise((r) => server!.close(() => r(undefined)));
        }
    });

    it('reply after the flow, an array: a redeploy while some orders are still in the flow keeps the answers of those the flow already answered, so a resend of the delivery repeats only the others (a slow store too)', async () => {
        // A store that answers late, as one over the network does.
        const slow = fakeContextStore({ copies: true, setDelayMs: 100 }).module;
        // The keys outlive the deploy in a configured store (with Node-RED's default settings the node warns they do not).
        for (const [store, tid] of [['memory', 'T4751'], ['slow', 'T4761']]) {
            helper.settings({ contextStorage: { default: { module: store === 'slow' ? slow : 'memory' } } });
            const settings = { replyMode: 'flow', replyTimeout: 10 };
            await deploy({}, settings);
            await (helper as any)._context.load();
            const pushed: string[] = [];
            // The old flow pushes the first order and answers it; the second is still in the flow when the deploy comes.
            helper.getNode('out').on('input', (m: Msg) => {
                if (m.payload.tid !== tid) return;
                pushed.push(m.payload.tid);
                m.callback.reply({ success: true, tid: m.payload.tid });
            });
            const other = `${tid}-2`;
            const batch = JSON.stringify([order(tid), order(other)]);
            const t = now();
            const first = post(batch, signed(batch, SECRET, t));
            while (received.length < 2) await new Promise((r) => setTimeout(r, 10));
            await helper.setFlows(flowOf({}, settings), 'full', { c1: { secret: SECRET } });
            received = [];
            helper.getNode('out').on('input', (m: Msg) => received.push(m));
            helper.getNode('out').on('input', (m: Msg) => {
                pushed.push(m.payload.tid);
                m.callback.reply({ success: true, tid: m.payload.tid });
            });
            // Another order delivered to the new node at once.
            const third = JSON.stringify(order(`${tid}-3`));
            should((await post(third, signed(third))).status).equal(200);
            should(strip(await first)).eql({ status: 503, body: [{ success: true, tid }, { success: false, code: 'UNAVAILABLE', message: 'the callback node is stopping' }] });
            // The upstream sends the whole delivery again.
            const resend = await post(batch, signed(batch, SECRET, t - 1));
            should(strip(resend)).eql({ status: 200, body: [{ success: true, tid }, { success: true, tid: other }] });
            await settle();
            should(received.map((m) => m.payload.tid)).eql([`${tid}-3`, other], store);
            should(pushed).eql([tid, `${tid}-3`, other], store);
            await helper.unload();
            await new Promise((r) => server!.close(() => r(undefined)));
        }
    });

    it('a delivery still arriving when the flow is redeployed paints no status over the new node (a refused one\'s red 401 included)', async () => {
        await deploy();
        const body = JSON.stringify(order('TC102'));
        // Signed with another secret: answered 401 once its body is in.
        const headers = signed(body, 'not-the-secret');
        const url = new URL(base + '/qeasy/orders');
        let answered!: (status: number) => void;
        const reply = new Promise<number>((r) => (answered = r));
        const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
            res.resume();
            res.on('end', () => answered(res.statusCode ?? 0));
        });
        req.write(body.slice(0, 10));
        await new Promise((r) => setTimeout(r, 100));
        await helper.setFlows(flowOf({ windowSeconds: 301 }), 'full', { c1: { secret: SECRET } });
        // What the editor shows for n1 from now on (Node-RED publishes every status by node id).
        const shown: Msg[] = [];
        const onStatus = (e: Msg) => e.id === 'n1' && shown.push(e.status);
        helper._events.on('node-status', onStatus);
        try {
            req.end(body.slice(10));
            should(await reply).equal(401);
            await new Promise((r) => setTimeout(r, 1100));
        } finally {
            helper._events.off('node-status', onStatus);
        }
        should(shown).eql([], 'the closed node painted its outcome over the status of the node now serving the path');
    });

    it('obeys httpNodeMiddleware (runs, may refuse) and httpNodeCors; a JSON body parser in the middleware does not spoil the signature', async () => {
        const seen: string[] = [];
        helper.settings({
            httpNodeCors: { origin: '*' },
            httpNodeMiddleware: [
                (req: any, res: any, next: () => void) => {
                    seen.push(req.url);
                    if (req.headers['x-blocked']) return res.status(403).send('blocked by middleware');
                    next();
                },
                bodyParser.json(),
            ],
        });
        await deploy();
        const body = JSON.stringify(order('TD001'), null, 2);
        const ok = await post(body, signed(body));
        should(ok.status).equal(200);
        should(ok.headers.get('access-control-allow-origin')).equal('*');
        const blocked = await post(body, { ...signed(body), 'X-Blocked': '1' });
        should(blocked.status).equal(403);
        should(seen).have.length(2);
        await settle();
        should(received.map((m) => m.payload.tid)).eql(['TD001']);
    });

    it('reply after the flow: a core http response node answers and its answer is replayed for a repeat; or msg.callback.reply(); or 504', async () => {
        await deploy({}, { replyMode: 'flow', replyTimeout: 0.3, wires: [['out', 'resp']] }, [{ id: 'resp', type: 'http response', z: 'f1', statusCode: '201', headers: { 'X-Handled': 'yes' } }]);
        const body = JSON.stringify(order('TE001'));
        const t = now();
        const a = await post(body, signed(body, SECRET, t));
        should(a.status).equal(201);
        should(a.headers.get('x-handled')).equal('yes');
        should(a.body).eql(order('TE001'));
        // a repeat (new signature) gets the flow's answer again and starts no flow
        const b = await post(body, signed(body, SECRET, t - 1));
        should(strip(b)).eql(strip(a));
        await settle();
        should(received).have.length(1);
        should(received[0]).have.properties('req', 'res');
        should(received[0].callback).have.properties('receivedAt', 'deliveryId', 'remoteAddress', 'reply');

        await helper.unload();
        await new Promise((r) => server!.close(() => r(undefined)));
        await deploy({}, { replyMode: 'flow', replyTimeout: 0.3 });
        helper.getNode('out').on('input', (m: Msg) => {
            if (m.payload.tid === 'TE002') m.callback.reply({ ok: true, orderNo: 'WDT-1' }, 202);
        });
        const c = JSON.stringify(order('TE002'));
        should(strip(await post(c, signed(c)))).eql({ status: 202, body: { ok: true, orderNo: 'WDT-1' } });
        const d = JSON.stringify(order('TE003'));
        const late = await post(d, signed(d, SECRET, t));
        should(late.status).equal(504);
        should(late.body.code).equal('REPLY_TIMEOUT');
        // a late answer cannot reach the caller, but a late 2xx is kept: the order was handled, so the upstream's
        // retry gets that answer and starts no second flow (no second push)
        await settle();
        const lateMsg = received.find((m) => m.payload.tid === 'TE003')!;
        should(lateMsg.callback.reply({ ok: true })).be.false();
        const retry = await post(d, signed(d, SECRET, t - 1));
        should(strip(retry)).eql({ status: 200, body: { ok: true } });
        await settle();
        should(received.filter((m) => m.payload.tid === 'TE003')).have.length(1);
        // an order the flow has not answered yet stays in hand: a retry waits as long as the reply timeout, then is
        // told to deliver again later, and starts no second flow while the first may still push it
        const e = JSON.stringify(order('TE004'));
        should((await post(e, signed(e, SECRET, t))).status).equal(504);
        const inProgress = await post(e, signed(e, SECRET, t - 1));
        should(inProgress.status).equal(503);
        should(inProgress.body.code).equal('IN_PROGRESS');
        should(inProgress.headers.get('retry-after')).equal('1');
        await settle();
        should(received.filter((m) => m.payload.tid === 'TE004')).have.length(1);
        // its answer, however late, is what the next retry gets
        received.find((m) => m.payload.tid === 'TE004')!.callback.reply({ ok: true, late: true });
        await new Promise((r) => setTimeout(r, 50));
        should(strip(await post(e, signed(e, SECRET, t - 2)))).eql({ status: 200, body: { ok: true, late: true } });
        should(received.filter((m) => m.payload.tid === 'TE004')).have.length(1);
    });

    it('reply after the flow: a copy delivered while the flow is still at work on an order answered 504 waits for its late answer and starts no second flow; an array\'s orders too', async () => {
        await deploy({}, { replyMode: 'flow', replyTimeout: 0.3 });
        const body = JSON.stringify(order('TE010'));
        const t = now();
        should((await post(body, signed(body, SECRET, t))).status).equal(504);
        // the upstream retries at once, while the flow (its push waiting for the account's rate) is still at work
        const copy = post(body, signed(body, SECRET, t - 1));
        await new Promise((r) => setTimeout(r, 100));
        received.find((m) => m.payload.tid === 'TE010')!.callback.reply({ ok: true, pushed: 'TE010' });
        should(strip(await copy)).eql({ status: 200, body: { ok: true, pushed: 'TE010' } });
        should(received.filter((m) => m.payload.tid === 'TE010')).have.length(1);

        const pair = JSON.stringify([order('TE011'), order('TE012')]);
        const first = await post(pair, signed(pair, SECRET, t));
        should(first.status).equal(504);
        should(first.body.map((a: any) => a.code)).eql(['REPLY_TIMEOUT', 'REPLY_TIMEOUT']);
        // both answered late (a failure for the second): the resend gets the first's answer from memory, and the
        // second, not remembered, is handled again
        received.find((m) => m.payload.tid === 'TE011')!.callback.reply({ ok: true, pushed: 'TE011' });
        received.find((m) => m.payload.tid === 'TE012')!.callback.reply({ ok: false }, 422);
        await new Promise((r) => setTimeout(r, 50));
        const again = post(pair, signed(pair, SECRET, t - 1));
        await new Promise((r) => setTimeout(r, 100));
        received.filter((m) => m.payload.tid === 'TE012')[1].callback.reply({ ok: true, pushed: 'TE012' });
        should(strip(await again)).eql({ status: 200, body: [{ ok: true, pushed: 'TE011' }, { ok: true, pushed: 'TE012' }] });
        should(received.filter((m) => m.payload.tid === 'TE011')).have.length(1);
        should(received.filter((m) => m.payload.tid === 'TE012')).have.length(2);
    });

    it('never puts the secret in a log line, a status, an answer, a msg or the settings check (token and HMAC modes)', async () => {
        const seen: unknown[] = [];
        for (const auth of ['hmac', 'token']) {
            await deploy({ auth });
            const body = JSON.stringify(order(`TF-${auth}`));
            seen.push(strip(await post(body, auth === 'hmac' ? signed(body) : { 'X-Token': SECRET })));
            seen.push(strip(await post(body, auth === 'hmac' ? signed(body, 'wrong') : { 'X-Token': 'wrong' })));
            seen.push(strip(await post('{"x":', signed('{"x":'))));
            seen.push(strip(await post('{"tid":1}', signed('{"tid":1}'))));
            const check = await helper.request().post('/cn-erp/qeasy-config/test').send({ id: 'c1', config: { auth }, credentials: { secret: '__PWRD__' } });
            should(check.body.ok).be.true();
            should(testButtonText('qeasy', 'qeasy-config', check.body, 'zh-CN')).match(/^✔ 设置可用：上游须发送 /);
            seen.push(check.body);
            const short = await helper.request().post('/cn-erp/qeasy-config/test').send({ config: { auth }, credentials: { secret: 'short' } });
            should(short.body).match({ ok: false, message: 'secret: use at least 16 characters' });
            seen.push(short.body);
            await settle();
            seen.push((helper.log() as SinonSpy).args, (helper.getNode('n1').status as SinonSpy).args, received.map((m) => ({ payload: m.payload, callback: m.callback })));
            await helper.unload();
            await new Promise((r) => server!.close(() => r(undefined)));
            server = undefined;
        }
        // and with no secret at all: a warning naming the setting, every delivery refused
        await deploy({}, {}, [], '');
        const body = JSON.stringify(order('TF-none'));
        should((await post(body, signed(body, ''))).status).equal(401);
        seen.push((helper.log() as SinonSpy).args);
        const all = JSON.stringify(seen);
        should(all).match(/TF-hmac/);
        should(all).match(/TF-token/);
        should(all).match(/secret: is required/);
        should(all.includes(SECRET)).be.false();
    });

    describe('a duplicate is the same delivery again: the same shop, tid and content', () => {
        const tids = () => received.map((m) => `${m.payload.shop_no}/${m.payload.tid}/${m.payload.trade_status}`);

        it('an order changed within the duplicate window (paid → refunded) is new: answered with its own echo and emitted, for trade_push to take the update; a resend of it is then the duplicate', async () => {
            await deploy();
            const t = now();
            const paid = JSON.stringify(order('T7001', { pay_status: '2' }));
            const refunded = JSON.stringify(order('T7001', { pay_status: '2', trade_status: '80', order_list: [{ oid: 'T7001-1', num: '2', price: '50.00', refund_status: '2' }] }));
            const a = await post(paid, signed(paid, SECRET, t));
            const b = await post(refunded, signed(refunded, SECRET, t - 1));
            should([a.status, b.status]).eql([200, 200]);
            should(a.body.trade_status).equal('30');
            should(b.body).containDeep({ tid: 'T7001', trade_status: '80', order_list: [{ oid: 'T7001-1' }] });
            // the refund sent again (its fields in another order): the refund's answer, no msg
            const again = JSON.stringify(reordered(JSON.parse(refunded)));
            should(strip(await post(again, signed(again, SECRET, t - 2)))).eql(strip(b));
            await settle();
            should(tids()).eql(['SHOP01/T7001/30', 'SHOP01/T7001/80']);
            should(received[1].payload.order_list[0].refund_status).equal('2');
            const stored = helper.getNode('n1').context().get('qeasyDelivered');
            should(Object.keys(stored)).eql([keyOf('T7001')]);
            should(stored[keyOf('T7001')].body.trade_status).equal('80');
        });

        it('the same tid from another shop is another order (WDT\'s tid is unique within a shop): emitted and answered with its own echo; each shop\'s resend is its duplicate', async () => {
            await deploy();
            const t = now();
            const one = JSON.stringify(order('1001'));
            const two = JSON.stringify(order('1001', { shop_no: 'SHOP02' }));
            const a = await post(one, signed(one, SECRET, t));
            const b = await post(two, signed(two, SECRET, t - 1));
            should([a.body.shop_no, b.body.shop_no]).eql(['SHOP01', 'SHOP02']);
            should(strip(await post(two, signed(two, SECRET, t - 2)))).eql(strip(b));
            should(strip(await post(one, signed(one, SECRET, t - 3)))).eql(strip(a));
            await settle();
            should(tids()).eql(['SHOP01/1001/30', 'SHOP02/1001/30']);
            should(Object.keys(helper.getNode('n1').context().get('qeasyDelivered'))).eql([keyOf('1001'), keyOf('1001', 'SHOP02')]);
        });

        it('under the default key, an order key an earlier release stored (tid:<tid>, no digest) answers only the order it echoes: the same shop and content get the stored reply; another shop\'s order of that tid, a changed one, or one whose stored reply is no echo are new', async () => {
            helper.settings({ contextStorage: { default: { module: 'memory' } } });
            await deploy();
            await (helper as any)._context.load();
            const at = Date.now() - 60_000;
            helper.getNode('n1').context().set('qeasyDelivered', {
                // reply at once, as an earlier release stored it: the echo of SHOP01's order
                'tid:TU001': { at, status: 200, body: echoOf(order('TU001')) },
                'tid:TU003': { at, status: 200, body: echoOf(order('TU003')) },
                'tid:TU004': { at, status: 200, body: echoOf(order('TU004')) },
                // reply after the flow: the flow's answer does not say which shop's order it was
                'tid:TU005': { at, status: 200, body: { stored: 'then' } },
                // stored with a digest (a config node keyed by tid alone under this release): only for the same order
                'tid:TU002': { at, status: 200, body: { stored: 'same order' }, d: digestOf(order('TU002')) },
            });
            const t = now();
            const post1 = async (o: Msg, ts: number) => {
                const b = JSON.stringify(o);
                return strip(await post(b, signed(b, SECRET, ts)));
            };
            // the same order (its lines listed the same, its fields in another order): the stored reply, no msg
            should(await post1(reordered(order('TU001')), t)).eql({ status: 200, body: echoOf(order('TU001')) });
            should(await post1(order('TU002'), t)).eql({ status: 200, body: { stored: 'same order' } });
            // another shop's order of that tid: new (it was answered with SHOP01's echo)
            should((await post1(order('TU003', { shop_no: 'SHOP02' }), t)).body.shop_no).equal('SHOP02');
            // the order changed since (refunded): new
            should((await post1(order('TU004', { trade_status: '80' }), t)).body.trade_status).equal('80');
            should((await post1(order('TU002', { trade_status: '80' }), t - 1)).body.trade_status).equal('80');
            // a stored reply that is no echo: which shop's order it answered cannot be told, the order is new
            should((await post1(order('TU005'), t)).body.tid).equal('TU005');
            await settle();
            should(tids()).eql(['SHOP02/TU003/30', 'SHOP01/TU004/80', 'SHOP01/TU002/80', 'SHOP01/TU005/30']);
        });

        it('a duplicate key without shop_no (tid, as config nodes of earlier releases saved it) is warned of at deploy, in both languages; none with shop_no in it, or the check off', async () => {
            const noShop = () => warningsOf('n1').filter((w) => /dedupeKey: the duplicate key tid does not hold shop_no, and WDT's tid is unique within a shop only.*shop_no,tid/.test(w));
            await deploy({ dedupeKey: 'tid' });
            should(noShop()).have.length(1);
            for (const [config, node] of [[{}, {}], [{ dedupeKey: 'tid' }, { dedupeKey: 'tid,shop_no' }], [{ dedupeKey: 'tid' }, { dedupeWindow: 0 }]] as Msg[][]) {
                await helper.unload();
                await new Promise((r) => server!.close(() => r(undefined)));
                await deploy(config, node);
                should(warningsOf('n1').filter((w) => /does not hold shop_no/.test(w))).eql([]);
            }
            const zh = JSON.parse(fs.readFileSync(path.join(__dirname, '../../nodes/qeasy/locales/zh-CN/qeasy-callback.json'), 'utf8'));
            should(zh['qeasy-callback'].warn.dedupeKeyNoShop).match(/__key__.*shop_no.*店铺内唯一.*shop_no,tid/);
        });

        it('a key of several fields, a single field as earlier flows saved it, and a missing field of the key named in the 400', async () => {
            await deploy({ dedupeKey: 'tid' }, { dedupeKey: 'shop_no, tid ,pay_id' });
            const t = now();
            const a = JSON.stringify(order('TK001', { pay_id: 'P1' }));
            const b = JSON.stringify(order('TK001', { pay_id: 'P2' }));
            await post(a, signed(a, SECRET, t));
            await post(b, signed(b, SECRET, t));
            should((await post(a, signed(a, SECRET, t - 1))).status).equal(200);
            const noPay = JSON.stringify([order('TK002')]);
            should((await post(noPay, signed(noPay, SECRET, t))).body.errors).eql([{ field: '[0].pay_id', reason: 'is required (the duplicate key)' }]);
            await settle();
            should(received.map((m) => m.payload.pay_id)).eql(['P1', 'P2']);
            should(Object.keys(helper.getNode('n1').context().get('qeasyDelivered'))).eql(['shop_no,tid,pay_id:["SHOP01","TK001","P1"]', 'shop_no,tid,pay_id:["SHOP01","TK001","P2"]']);
        });

        it('two versions of an order arriving together (reply at once) are both handled, one after the other: none lost, each answered with its own echo; in one array too', async () => {
            await deploy();
            const t = now();
            const v1 = JSON.stringify(order('T7201'));
            const v2 = JSON.stringify(order('T7201', { trade_status: '80' }));
            const answers = await Promise.all([post(v1, signed(v1, SECRET, t)), post(v2, signed(v2, SECRET, t - 1))]);
            should(answers.map((a) => [a.status, a.body.trade_status])).eql([
                [200, '30'],
                [200, '80'],
            ]);
            await settle();
            should(tids().sort()).eql(['SHOP01/T7201/30', 'SHOP01/T7201/80']);
            received = [];
            // both versions in one delivery: each emitted once, in request order; the later one is remembered
            const both = JSON.stringify([order('T7202'), order('T7202', { trade_status: '80' }), order('T7202', { trade_status: '80' })]);
            const r = await post(both, signed(both, SECRET, t));
            should(r.body.map((x: Msg) => x.trade_status)).eql(['30', '80', '80']);
            const later = JSON.stringify(order('T7202', { trade_status: '80' }));
            should(strip(await post(later, signed(later, SECRET, t - 1)))).eql({ status: 200, body: r.body[1] });
            await settle();
            should(tids()).eql(['SHOP01/T7202/30', 'SHOP01/T7202/80']);
        });

        it('every version of an order seen within the window is remembered with its reply: the same array [paid, refunded] sent again, or a retry of the paid order after the refund (its answer lost), is a duplicate answered as before, never taking the trade back to paid', async () => {
            await deploy();
            const t = now();
            const both = JSON.stringify([order('TR01'), order('TR01', { trade_status: '80' })]);
            const first = await post(both, signed(both, SECRET, t));
            await settle();
            should(tids()).eql(['SHOP01/TR01/30', 'SHOP01/TR01/80']);
            received = [];
            should(strip(await post(both, signed(both, SECRET, t - 1)))).eql(strip(first));
            await settle();
            should(tids()).eql([]);

            const v1 = JSON.stringify(order('TR02'));
            const v2 = JSON.stringify(order('TR02', { trade_status: '80' }));
            const a = await post(v1, signed(v1, SECRET, t));
            const b = await post(v2, signed(v2, SECRET, t - 1));
            // the paid order's answer was lost: the upstream retries it after the refund went through
            should(strip(await post(v1, signed(v1, SECRET, t - 2)))).eql(strip(a));
            should(strip(await post(v2, signed(v2, SECRET, t - 3)))).eql(strip(b));
            await settle();
            should(tids()).eql(['SHOP01/TR02/30', 'SHOP01/TR02/80']);
            // one entry per key: the latest version, the earlier ones beside it with their replies and digests
            const entry = helper.getNode('n1').context().get('qeasyDelivered')[keyOf('TR02')];
            should(entry).match({ d: digestOf(order('TR02', { trade_status: '80' })), body: { trade_status: '80' } });
            should(entry.v).have.length(1);
            should(entry.v[0]).match({ d: digestOf(order('TR02')), body: { trade_status: '30' }, status: 200 });
            should(entry.v[0]).not.have.property('v');
        });

        it('the versions kept of one order are bounded (the last 8, each a digest and its reply): a ninth pushes out the oldest, whose resend is then new', async () => {
            await deploy();
            const t = now();
            const version = (n: number) => JSON.stringify(order('TR05', { post_amount: `${n}.00` }));
            for (let n = 0; n < 9; n++) await post(version(n), signed(version(n), SECRET, t - n));
            for (let n = 1; n < 9; n++) should((await post(version(n), signed(version(n), SECRET, t - 10 - n))).body.post_amount).equal(`${n}.00`);
            await settle();
            should(received).have.length(9);
            const entry = helper.getNode('n1').context().get('qeasyDelivered')[keyOf('TR05')];
            should([entry.body.post_amount, ...entry.v.map((x: Msg) => x.body.post_amount)]).eql(['8.00', '7.00', '6.00', '5.00', '4.00', '3.00', '2.00', '1.00']);
            await post(version(0), signed(version(0), SECRET, t - 30));
            await settle();
            should(received).have.length(10);
        });

        it('what tells versions apart is the order\'s fields of the request table: a resend listing its lines in another order or adding a field of its own (a send time) is a duplicate; another value of a listed field, of the order or a line, is a new version', async () => {
            await deploy();
            const t = now();
            const lines = [
                { oid: 'TR06-2', num: '1', price: '9.90', goods_no: 'G002' },
                { oid: 'TR06-1', num: '2', price: '50.00', goods_no: 'G001' },
                { oid: 'TR06-10', num: '3', price: '1.00', goods_no: 'G003' },
            ];
            const first = JSON.stringify(order('TR06', { order_list: lines, sent_at: '2024-01-09 10:11:12' }));
            const a = await post(first, signed(first, SECRET, t));
            const resend = JSON.stringify(order('TR06', { order_list: [lines[1], lines[2], { ...lines[0], push_seq: 2 }], sent_at: '2024-01-09 10:16:12', retry: 1 }));
            should(strip(await post(resend, signed(resend, SECRET, t - 1)))).eql(strip(a));
            await settle();
            should(received).have.length(1);
            const refunded = JSON.stringify(order('TR06', { order_list: [lines[1], lines[2], { ...lines[0], refund_status: '2' }], sent_at: '2024-01-09 10:21:12' }));
            should((await post(refunded, signed(refunded, SECRET, t - 2))).body.order_list).have.length(3);
            const moved = JSON.stringify(order('TR06', { order_list: lines, receiver_address: '北京市' }));
            await post(moved, signed(moved, SECRET, t - 3));
            await settle();
            should(received.map((m) => m.payload.order_list.find((l: Msg) => l.oid === 'TR06-2').refund_status ?? m.payload.receiver_address)).eql(['上海市 <浦东> & 新区', '2', '北京市']);
            // what the flow gets is the order as sent, extra fields and line order included
            should(received[0].payload.sent_at).equal('2024-01-09 10:11:12');
            should(received[0].payload.order_list.map((l: Msg) => l.oid)).eql(['TR06-2', 'TR06-1', 'TR06-10']);
        });

        it('reply after the flow: a changed order arriving while its first version is still in the flow waits for it, then goes through the flow itself; past the reply timeout it is told 503 to deliver again later', async () => {
            await deploy({}, { replyMode: 'flow', replyTimeout: 1 });
            const t = now();
            const v1 = JSON.stringify(order('T7301'));
            const v2 = JSON.stringify(order('T7301', { trade_status: '80' }));
            const first = post(v1, signed(v1, SECRET, t));
            while (received.length === 0) await new Promise((r) => setTimeout(r, 10));
            const second = post(v2, signed(v2, SECRET, t - 1));
            await new Promise((r) => setTimeout(r, 200));
            // not in the flow beside the first: the two would be written in either order
            should(tids()).eql(['SHOP01/T7301/30']);
            received[0].callback.reply({ pushed: '30' });
            while (received.length < 2) await new Promise((r) => setTimeout(r, 10));
            should(tids()).eql(['SHOP01/T7301/30', 'SHOP01/T7301/80']);
            received[1].callback.reply({ pushed: '80' });
            should((await Promise.all([first, second])).map(strip)).eql([
                { status: 200, body: { pushed: '30' } },
                { status: 200, body: { pushed: '80' } },
            ]);
            // the first version still in the flow past the reply timeout: the changed one is told to come back later
            const v3 = JSON.stringify(order('T7302'));
            const v4 = JSON.stringify(order('T7302', { trade_status: '80' }));
            const third = post(v3, signed(v3, SECRET, t));
            while (received.length < 3) await new Promise((r) => setTimeout(r, 10));
            const fourth = await post(v4, signed(v4, SECRET, t - 1));
            should([fourth.status, fourth.body.code, fourth.headers.get('retry-after')]).eql([503, 'IN_PROGRESS', '1']);
            should((await third).status).equal(504);
            should(tids()).eql(['SHOP01/T7301/30', 'SHOP01/T7301/80', 'SHOP01/T7302/30']);
        });
    });

    describe('reply after the flow: an order answered 504 stays in hand until the flow answers or "hold after 504" has passed', () => {
        const fn = (id: string, func: string, wires: string[][] = [[]]) => ({ id, type: 'function', z: 'f1', func, outputs: wires.length, noerr: 0, initialize: '', finalize: '', libs: [], wires });
        const resp = { id: 'resp', type: 'http response', z: 'f1' };
        const count = (tid: string) => received.filter((m) => m.payload.tid === tid).length;
        /** The probe reports each msg done, as a debug node does (the test helper's node never does). */
        const probeCompletes = () => helper.getNode('out').on('input', (_m: Msg, _send: unknown, done: () => void) => done());
        const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

        const slowFlows: Array<[string, Msg[]]> = [
            // Node-RED reports the function node done as soon as it returns
            ['a function node answering later from a timer, without node.done()', [fn('slow', 'setTimeout(() => { msg.payload = { pushed: msg.payload.tid }; node.send(msg); }, 2000); return;', [['resp']]), resp]],
            // as a write node does: it is done with the msg it got, and sends another one on to the nodes after it
            ['a write node that is not last (its output is another msg, for the nodes after it)', [fn('slow', 'node.send({ payload: { pushed: msg.payload.tid }, res: msg.res, callback: msg.callback }); node.done();', [['later']]), fn('later', 'setTimeout(() => { node.send(msg); node.done(); }, 2000);', [['resp']]), resp]],
        ];
        for (const [what, nodes] of slowFlows) {
            it(`${what}: a resend after the 504 is told to deliver again later, then gets the late answer; the order is pushed once`, async () => {
                await deploy({}, { replyMode: 'flow', replyTimeout: 0.5, wires: [['out', 'slow']] }, nodes);
                probeCompletes();
                // Node-RED's message hooks (which run for every msg of the runtime) are not put on for the order
                const hooked = sinon.spy(runtimeHooks, 'add');
                const body = JSON.stringify(order('T7501'));
                const t = now();
                try {
                    should((await post(body, signed(body, SECRET, t))).status).equal(504);
                    await pause(700);
                } finally {
                    hooked.restore();
                }
                should(hooked.args.map((a) => a[0])).eql([]);
                const copy = await post(body, signed(body, SECRET, t - 1));
                should([copy.status, copy.body.code]).eql([503, 'IN_PROGRESS']);
                await pause(1200);
                should(strip(await post(body, signed(body, SECRET, t - 2)))).eql({ status: 200, body: { pushed: 'T7501' } });
                await settle();
                should(count('T7501')).equal(1);
            });
        }

        const drops: Array<[string, Msg[]]> = [
            ['a function node returning null', [fn('drop', 'return null;')]],
            ['a node failing with no Catch', [fn('drop', 'throw new Error("no rule for this shop");')]],
            ['a Switch node with no rule for it', [{ id: 'drop', type: 'switch', z: 'f1', property: 'payload.shop_no', propertyType: 'msg', rules: [{ t: 'eq', v: 'SHOP99', vt: 'str' }], checkall: 'true', repair: false, outputs: 1, wires: [['resp']] }, resp]],
        ];
        for (const [what, nodes] of drops) {
            it(`${what} (the order dropped, unanswered): its resends are told to deliver again later until "hold after 504" has passed, then it goes through the flow afresh`, async () => {
                await deploy({}, { replyMode: 'flow', replyTimeout: 0.3, replyHold: 1.2, wires: [['out', 'drop']] }, nodes);
                probeCompletes();
                const body = JSON.stringify(order('T7401'));
                const t = now();
                const first = await post(body, signed(body, SECRET, t));
                should([first.status, first.body.code]).eql([504, 'REPLY_TIMEOUT']);
                should((await post(body, signed(body, SECRET, t - 1))).body.code).equal('IN_PROGRESS');
                await pause(1000);
                const again = await post(body, signed(body, SECRET, t - 2));
                should([again.status, again.body.code]).eql([504, 'REPLY_TIMEOUT']);
                await settle();
                should(count('T7401')).equal(2);
            });
        }

        it('"hold after 504" is by default ten times the reply timeout; an output wired to nothing lets the order go at once', async () => {
            await deploy({}, { replyMode: 'flow', replyTimeout: 0.3 });
            const body = JSON.stringify(order('T7601'));
            const t = now();
            should((await post(body, signed(body, SECRET, t))).status).equal(504);
            await pause(1500);
            // past twice the reply timeout (the earlier default), still in hand
            should((await post(body, signed(body, SECRET, t - 1))).body.code).equal('IN_PROGRESS');
            await pause(1800);
            const again = await post(body, signed(body, SECRET, t - 2));
            should([again.status, again.body.code]).eql([504, 'REPLY_TIMEOUT']);
            await settle();
            should(count('T7601')).equal(2);
            await helper.unload();
            await new Promise((r) => server!.close(() => r(undefined)));
            server = undefined;
            await deploy({}, { replyMode: 'flow', replyTimeout: 0.3, wires: [[]] });
            should((await post(body, signed(body, SECRET, t))).status).equal(504);
            should((await post(body, signed(body, SECRET, t - 1))).body.code).equal('REPLY_TIMEOUT');
        });

        it('an answer that comes after the order was let go is still remembered, beside what a later delivery of the order stored, never over it', async () => {
            await deploy({}, { replyMode: 'flow', replyTimeout: 0.3, replyHold: 0.3 });
            const v1 = JSON.stringify(order('T7801'));
            const v2 = JSON.stringify(order('T7801', { trade_status: '80' }));
            const t = now();
            should((await post(v1, signed(v1, SECRET, t))).status).equal(504);
            await pause(400);
            // let go: the refund goes through the flow and is answered
            const second = post(v2, signed(v2, SECRET, t - 1));
            while (received.length < 2) await pause(10);
            received[1].callback.reply({ pushed: '80' });
            should(strip(await second)).eql({ status: 200, body: { pushed: '80' } });
            // the paid version's answer comes now
            received[0].callback.reply({ pushed: '30' });
            await pause(50);
            const entry = helper.getNode('n1').context().get('qeasyDelivered')[keyOf('T7801')];
            should(entry.body).eql({ pushed: '80' });
            should(entry.v.map((x: Msg) => x.body)).eql([{ pushed: '30' }]);
            should(strip(await post(v1, signed(v1, SECRET, t - 2)))).eql({ status: 200, body: { pushed: '30' } });
            should(strip(await post(v2, signed(v2, SECRET, t - 3)))).eql({ status: 200, body: { pushed: '80' } });
            await settle();
            should(received).have.length(2);
        });

        it('an array of orders ("one msg per order"): the orders the flow dropped are let go after "hold after 504"; one it answered late is remembered', async () => {
            await deploy({}, { replyMode: 'flow', replyTimeout: 0.5, replyHold: 1.5, wires: [['out', 'route']] }, [fn('route', 'if (msg.payload.tid === "T7702") { setTimeout(() => { msg.callback.reply({ pushed: "T7702" }); node.done(); }, 1000); return; } node.done(); return null;')]);
            probeCompletes();
            const pair = JSON.stringify([order('T7701'), order('T7702')]);
            const t = now();
            const first = await post(pair, signed(pair, SECRET, t));
            should(first.body.map((a: Msg) => a.code)).eql(['REPLY_TIMEOUT', 'REPLY_TIMEOUT']);
            await pause(2500);
            const again = await post(pair, signed(pair, SECRET, t - 1));
            should(again.body).eql([{ success: false, code: 'REPLY_TIMEOUT', message: 'the flow did not answer within 0.5 s' }, { pushed: 'T7702' }]);
            await settle();
            should([count('T7701'), count('T7702')]).eql([2, 1]);
        });
    });
});
