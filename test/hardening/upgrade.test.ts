/**
 * Upgrading the palette under saved flows. Node-RED does not fill in the `defaults` a node type gained since a node
 * was saved: the runtime gets the node's config without them (the editor fills them in only when the node is opened
 * and saved). A node saved with nothing but its config node (and its params) must work as a freshly dropped one, or
 * name the setting it needs.
 */
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import vm from 'vm';
import should from 'should';
import type { SinonSpy } from 'sinon';
import { helper, load, withProbes, run, caughtCode, Msg } from '../helpers/nodered';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitQuery } from '../kit/kit-nodes';
import { qeasySignature } from '../../nodes/qeasy/sign';
import qeasyConfig = require('../../nodes/qeasy/qeasy-config');
import qeasyCallback = require('../../nodes/qeasy/qeasy-callback');
import { FIXTURES } from '../fixtures/systems';
import type { SimServer } from '../sim/harness';
import { GuanyiSim, GUANYI_DEMO } from '../sim/guanyi';
import guanyiConfig = require('../../nodes/guanyi/guanyi-config');
import guanyiReturnGet = require('../../nodes/guanyi/guanyi-return-get');

/** The config nodes' limit settings: a config node saved with none of them gets the vendor's defaults. */
const LIMITS = ['rps', 'concurrency', 'timeout', 'maxRetries', 'retryBaseMs', 'allowSelfSigned'];

describe('upgrade: nodes as an earlier release saved them', function () {
    this.timeout(60000);
    afterEach(async () => {
        await helper.unload();
    });

    for (const fixture of FIXTURES) {
        it(`${fixture.type} saved with only its config node and parameters works, and warns of nothing`, async () => {
            const sim: SimServer = fixture.sim();
            await sim.start();
            try {
                const config: Msg = fixture.config(sim);
                for (const k of LIMITS) delete config[k];
                const node: Msg = { id: 'n1', type: fixture.type, z: 'f1', config: 'c1' };
                if (fixture.node?.params) node.params = fixture.node.params;
                const outputs = fixture.kind === 'query' ? 1 : 2;
                await load(fixture.modules, withProbes([{ id: 'c1', type: fixture.configType, ...config }, node], 'n1', outputs), { c1: fixture.credentials });
                const r = await run('n1', fixture.validMsg(sim), outputs, 30000);
                should(r.caught).be.undefined();
                should(r.outputs[0].length).be.above(0);
                should(r.outputs[1] ?? []).have.length(0);
                should((helper.getNode('n1').warn as SinonSpy).args).eql([]);
            } finally {
                await sim.stop();
            }
        });
    }

    it('a query node saved without an output mode sends one msg per page, as a freshly dropped node does (the dialog\'s default)', async () => {
        const sim = new GuanyiSim();
        await sim.start();
        try {
            const flow = withProbes(
                [
                    { id: 'c1', type: 'guanyi-config', url: `${sim.baseUrl}/rest/erp_open`, appkey: GUANYI_DEMO.appkey },
                    { id: 'n1', type: 'guanyi-return-get', z: 'f1', config: 'c1', params: { page_size: { value: '10', type: 'num' } } },
                ],
                'n1',
                1,
            );
            await load([guanyiConfig, guanyiReturnGet], flow, { c1: { sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret } });
            const r = await run('n1', {}, 1, 30000);
            should(r.caught).be.undefined();
            const pages = r.outputs[0];
            should(pages.length).be.above(1);
            pages.forEach((m, i) => {
                should(m.page.page).equal(i + 1);
                should(m.payload).be.an.Array();
                should(m.payload.length).be.belowOrEqual(10);
            });
        } finally {
            await sim.stop();
        }
    });
});

/**
 * What an earlier release left in a persistent context store (Node-RED's localfilesystem, as settings.js defines it)
 * is read by this one: the watermark (epoch ms under `cnErpWatermark`, the shape every release wrote) and the keys of
 * delivered orders (`qeasyDelivered`: `<key field>:<value>` → {at, status, body}, as the first release wrote them).
 */
describe('upgrade: what an earlier release left in a persistent context store', function () {
    this.timeout(30000);
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-upgrade-'));
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { dir, flushInterval: 1 } } } });
    });
    afterEach(async () => {
        await helper.unload();
        await (helper as any)._context.close();
        helper.settings({});
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A node's context file as localfilesystem keeps it: <dir>/context/<flow id>/<node id>.json. */
    function stored(flowId: string, nodeId: string, values: Msg): void {
        fs.mkdirSync(path.join(dir, 'context', flowId), { recursive: true });
        fs.writeFileSync(path.join(dir, 'context', flowId, `${nodeId}.json`), JSON.stringify(values));
    }

    it('a watermark saved by an earlier release: the next run reads from it minus the overlap, and moves it on', async () => {
        const sim = new KitSim(5);
        await sim.start();
        try {
            const saved = Date.now() - 3600000;
            stored('f1', 'q1', { cnErpWatermark: saved });
            // The query node as the first release saved it: no ack timeout, commit when the read ends.
            await loadQuery(sim);
            const r = await run('q1', {}, 1);
            should(r.caught).be.undefined();
            const query = sim.requests.find((q) => q.path === '/items/query')!;
            should(JSON.parse(query.body).since).equal(saved - 600000);
            should(await storedNow()).be.a.Number().and.above(saved);
        } finally {
            await sim.stop();
        }
    });

    /** The query node of the watermark tests, on a simulator of 5 items, its watermark in the localfilesystem store. */
    async function loadQuery(sim: KitSim): Promise<void> {
        const flow = withProbes(
            [
                { id: 'f1', type: 'tab', label: 'upgrade' },
                { id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user },
                { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: {}, outputMode: 'page', maxRecords: '', incremental: true, watermarkStore: 'file', overlapMinutes: 10, watermarkCommit: 'read', timeout: '' },
            ],
            'q1',
            1,
        );
        await load([kitConfig, kitQuery], flow, { c1: { password: KIT_DEMO.password } });
        // The runtime opens the context stores when the flows load; the test helper does not, so it is done here.
        await (helper as any)._context.load();
    }
    const storedNow = () => new Promise<unknown>((resolve, reject) => helper.getNode('q1').context().get('cnErpWatermark', 'file', (err: Error, v: unknown) => (err ? reject(err) : resolve(v))));

    it('a watermark stored as text in a context file edited by hand ("1700000000000"): read as that number, with a warning naming the node and the stored type, and stored as a number after the run', async () => {
        const sim = new KitSim(5);
        await sim.start();
        try {
            const saved = Date.now() - 3600000;
            stored('f1', 'q1', { cnErpWatermark: String(saved) });
            await loadQuery(sim);
            const r = await run('q1', {}, 1);
            should(r.caught).be.undefined();
            const query = sim.requests.find((q) => q.path === '/items/query')!;
            should(JSON.parse(query.body).since).equal(saved - 600000, 'the run read from its start, not from the stored watermark');
            const warnings = (helper.getNode('q1').warn as SinonSpy).args.map((a) => String(a[0]));
            should(warnings.filter((w) => w.startsWith(`kit-query: the stored watermark is text ("${saved}"), not a number: read as ${new Date(saved).toISOString()}`))).have.length(1, warnings.join('\n'));
            should(await storedNow()).be.a.Number().and.above(saved);
        } finally {
            await sim.stop();
        }
    });

    for (const [what, value, named] of [
        ['an object', { at: 1700000000000 }, 'an object'],
        ['a date as text', '2024-01-09 10:00:00', 'text ("2024-01-09 10:00:00")'],
        ['true', true, 'a boolean (true)'],
    ] as const) {
        it(`a watermark stored as ${what}: the msg goes to Catch naming the stored type and nothing is read (not a silent read from the start) nor the watermark moved`, async () => {
            const sim = new KitSim(5);
            await sim.start();
            try {
                stored('f1', 'q1', { cnErpWatermark: value });
                await loadQuery(sim);
                const r = await run('q1', {}, 1);
                should.exist(r.caught, 'the run went on as if there were no watermark');
                should(caughtCode(r.caught)).equal('WATERMARK_INVALID');
                should(r.caught!.error.message).endWith(`kit-query: the watermark stored in store "file" (key cnErpWatermark) is ${named}, not a number of milliseconds: nothing was read and it was not moved; store the epoch milliseconds to read from, or send msg.resetWatermark = true to read again from your start`);
                should(r.outputs[0]).have.length(0);
                should(sim.requests.filter((q) => q.path === '/items/query')).have.length(0);
                should(await storedNow()).eql(value);
                // As the error says: a reset reads again from the start, and stores a number.
                const again = await run('q1', { resetWatermark: true }, 1);
                should(again.caught).be.undefined();
                should(again.outputs[0].length).be.above(0);
                should(await storedNow()).be.a.Number();
            } finally {
                await sim.stop();
            }
        });
    }

    it('an order key saved by the first release (by tid alone, no digest): the order delivered again gets the stored answer and starts no flow when that answer is its echo (same shop); a stored answer naming no shop cannot tell the shop, so the order starts the flow', async () => {
        const SECRET = 'qeasy-upgrade-secret-41c7e2';
        const order = (tid: string) => ({ shop_no: 'SHOP01', tid, trade_status: '30', trade_time: '2024-01-09 10:11:12', order_list: [{ oid: `${tid}-1`, num: '1', price: '9.90', goods_no: 'G001' }] });
        // The first release's answer in reply-at-once mode: the order echoed, number = tid.
        const echo = { ...order('T7001'), number: 'T7001' };
        // An answer of the flow (reply after the flow) naming no shop: another shop's T7003 would match it as well.
        const flowReply = { success: true, code: '0', message: 'ok', tid: 'T7003', number: 'T7003' };
        stored('f1', 'n1', { qeasyDelivered: { 'tid:T7001': { at: Date.now() - 60000, status: 200, body: echo }, 'tid:T7003': { at: Date.now() - 60000, status: 200, body: flowReply } } });
        let httpNode: any;
        const capture = (RED: any) => {
            httpNode = RED.httpNode;
        };
        const flow = [
            { id: 'f1', type: 'tab', label: 'upgrade' },
            // As the first release saved them: qeasy-config had no duplicate settings of its own yet.
            { id: 'c1', type: 'qeasy-config', name: '', auth: 'hmac', windowSeconds: 300 },
            { id: 'n1', type: 'qeasy-callback', z: 'f1', name: '', config: 'c1', path: '/qeasy/orders', maxBytes: 1048576, emit: 'order', dedupeKey: '', dedupeWindow: '', dedupeStore: 'file', numberSource: '', replyMode: 'auto', replyTimeout: 30, wires: [['out']] },
            { id: 'out', type: 'helper', z: 'f1' },
        ];
        await load([capture, qeasyConfig, qeasyCallback], flow, { c1: { secret: SECRET } });
        await (helper as any)._context.load();
        const received: Msg[] = [];
        helper.getNode('out').on('input', (m: Msg) => received.push(m));
        const server = http.createServer(httpNode);
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        try {
            const post = async (tid: string) => {
                const body = JSON.stringify(order(tid));
                const ts = Math.floor(Date.now() / 1000);
                const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/qeasy/orders`, {
                    method: 'POST',
                    body,
                    headers: { 'Content-Type': 'application/json', 'X-Timestamp': String(ts), 'X-Signature': qeasySignature(SECRET, ts, body) },
                });
                return { status: res.status, body: await res.json() };
            };
            should(await post('T7001')).eql({ status: 200, body: echo });
            // A new order still starts the flow: the store was read, not refused.
            should((await post('T7002')).status).equal(200);
            should((await post('T7003')).status).equal(200);
            await new Promise((r) => setImmediate(() => setImmediate(r)));
            should(received.map((m) => m.payload.tid)).eql(['T7002', 'T7003']);
        } finally {
            await new Promise((r) => server.close(() => r(undefined)));
        }
    });
});

/**
 * The editor as it loads a flow saved by an earlier release: Node-RED fills in no defaults (importNodes without
 * applyNodeDefaults), so a setting the node type gained since is undefined. The node must not be marked as not
 * properly configured for that: the runtime reads the setting's default.
 */
describe('upgrade: the editor with nodes saved by an earlier release', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    /** The settings each node type gained after its first release (git log of its dialog's defaults). */
    const GAINED: Record<string, string[]> = {
        'qeasy/qeasy-config': ['tokenHeader', 'dedupeKey', 'dedupeWindow', 'numberSource', 'rps'],
        'qeasy/qeasy-callback': ['replyHold'],
        'kingdee/kingdee-bill-query': ['ackTimeout'],
        'jackyun/jackyun-trade-query': ['ackTimeout'],
        'guanyi/guanyi-return-get': ['ackTimeout'],
        'maycur/maycur-paid-list': ['ackTimeout'],
    };

    /** The type definition nodes/<file>.html registers, its script run after the editor kit as the page loads them. */
    function definition(file: string): any {
        const html = fs.readFileSync(path.join(root, 'nodes', `${file}.html`), 'utf8');
        let def: any;
        const RED = { nodes: { registerType: (_t: string, d: any) => (def = d) }, validators: { number: () => () => true } };
        const window: Record<string, unknown> = {};
        const context = vm.createContext({ RED, $: () => ({ val: () => undefined }), window });
        vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'cn-erp-editor.js'), 'utf8'), context);
        context.CnErpEditor = window.CnErpEditor;
        vm.runInContext(/<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1], context);
        return def;
    }

    /** Node-RED's check of one property (validateNodeProperty): required means not "", then the validator. */
    function valid(def: any, prop: string, node: Msg): boolean {
        const d = def.defaults[prop];
        if (d.required && node[prop] === '') return false;
        return !d.validate || d.validate.call({ ...node, _: (k: string) => k }, node[prop], {}) === true;
    }

    for (const [file, gained] of Object.entries(GAINED)) {
        it(`${path.basename(file)} saved without ${gained.join(', ')} is not marked as not properly configured`, () => {
            const def = definition(file);
            const node: Msg = {};
            for (const [k, d] of Object.entries<any>(def.defaults)) if (!gained.includes(k)) node[k] = d.value;
            for (const prop of gained) should(valid(def, prop, node)).be.true(`${prop}: undefined is marked invalid`);
        });
    }
});
