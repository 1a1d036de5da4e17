import should from 'should';
import sinon from 'sinon';
import path from 'path';
import { waitFor, sleep } from '../helpers/wait';
import { helper, load, Msg } from '../helpers/nodered';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitQuery, kitSave } from '../kit/kit-nodes';
import { Watermark } from '../../nodes/core/watermark';
import type { SimRequest } from '../sim/harness';

const coreNodes = path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] })), 'core');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const linkNodes = require(path.join(coreNodes, 'common', '60-link.js'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const functionNode = require(path.join(coreNodes, 'function', '10-function.js'));

/**
 * A sync packaged in a subflow and used twice (two shops), and a flow split across tabs with link nodes: each instance
 * keeps its own watermark, and a query in "commit after the writes" mode commits only once the write node on the
 * other tab wrote its records; two config nodes of two accounts on one server share neither a session nor a pause.
 */
describe('core: subflows used twice, flows split across tabs, two accounts side by side', function () {
    this.timeout(20000);
    let sim: KitSim;
    let sandbox: sinon.SinonSandbox;

    beforeEach(() => {
        sandbox = sinon.createSandbox();
    });
    afterEach(async () => {
        sandbox.restore();
        await helper.unload();
        await sim.stop();
    });

    const creds = { c1: { password: KIT_DEMO.password } };
    const config = (extra: Msg = {}) => ({ id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0, ...extra });
    const query = (id: string, z: string, wires: string[], extra: Msg = {}) => ({
        id, type: 'kit-query', z, x: 100, y: 50, config: 'c1', params: { pageSize: { value: '100', type: 'num' } },
        outputMode: 'all', incremental: true, overlapMinutes: '1', watermarkCommit: 'ack', wires: [wires], ...extra,
    });
    const save = (id: string, z: string) => ({ id, type: 'kit-save', z, x: 300, y: 50, config: 'c1', wires: [[], []] });
    const isQuery = (r: SimRequest) => r.path === '/items/query';
    const isSave = (r: SimRequest) => r.path === '/items/save';

    /** Starts the simulator, then loads the flow `nodes` makes (the config node needs the simulator's URL). */
    async function start(nodes: () => Msg[], items = 5): Promise<void> {
        sim = new KitSim(items);
        await sim.start();
        await load([kitConfig, kitQuery, kitSave, linkNodes], nodes(), creds);
    }
    /** How many records the simulator had saved at each commit of a watermark, and by which node. */
    function commits(): Array<{ saved: number; node: string }> {
        const at: Array<{ saved: number; node: string }> = [];
        const set = Watermark.prototype.set;
        sandbox.stub(Watermark.prototype, 'set').callsFake(function (this: Watermark, ms: number) {
            at.push({ saved: sim.saved.length, node: (this as any).node.id });
            return set.call(this, ms);
        });
        return at;
    }
    const warnings = (id: string) => (helper.getNode(id).warn as sinon.SinonSpy).args.map((a) => String(a[0]));
    const cutOff = (id: string) => warnings(id).some((w) => /cut off downstream/.test(w));

    it('a subflow used twice, the query inside, each instance wired to a write node of its own: each instance keeps its own watermark', async () => {
        sim = new KitSim(5);
        await sim.start();
        await load(
            [kitConfig, kitQuery, kitSave, linkNodes],
            [
                { id: 'f1', type: 'tab' },
                config(),
                { id: 'sf', type: 'subflow', name: 'read', info: '', in: [{ x: 20, y: 50, wires: [{ id: 'q' }] }], out: [{ x: 400, y: 50, wires: [{ id: 'q', port: 0 }] }] },
                query('q', 'sf', []),
                { id: 'shopA', type: 'subflow:sf', z: 'f1', x: 100, y: 100, wires: [['sA']] },
                { id: 'shopB', type: 'subflow:sf', z: 'f1', x: 100, y: 200, wires: [['sB']] },
                save('sA', 'f1'),
                save('sB', 'f1'),
            ],
            creds,
        );
        const at = commits();
        const watermark = (instance: string) => helper.getNode(`${instance}-q`).context().get('cnErpWatermark');
        helper.getNode('shopA').receive({ payload: 1 });
        await waitFor('shop A committed', () => at.length === 1);
        should(at).eql([{ saved: 5, node: 'shopA-q' }]);
        should(watermark('shopB')).be.undefined();
        // Shop B's first run reads from the start; then shop A's second run from its own watermark.
        helper.getNode('shopB').receive({ payload: 1 });
        await waitFor('shop B committed', () => at.length === 2);
        should(at[1]).eql({ saved: 10, node: 'shopB-q' });
        should(sim.requests.filter(isQuery).map((r) => JSON.parse(r.body).since)).eql([undefined, undefined]);
        const shopA = watermark('shopA') as number;
        should(shopA).be.a.Number();
        helper.getNode('shopA').receive({ payload: 1 });
        await waitFor('shop A committed again', () => at.length === 3);
        should(JSON.parse(sim.requests.filter(isQuery)[2].body).since).equal(shopA - 60000);
    });

    it('ack mode, a node inside a subflow holding a msg of the run to the ack timeout: the warning names it by its id in the subflow and the instance as the editor labels it, not by the id Node-RED runs it under', async () => {
        sim = new KitSim(5);
        await sim.start();
        // A function node that keeps the msg and never calls node.done() on it, in two instances of a subflow.
        const keep = { id: 'keep', type: 'function', z: 'sf', func: 'context.set("kept", msg);\nif (msg.never) node.done();\nreturn;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[]] };
        await load(
            [kitConfig, kitQuery, functionNode],
            [
                { id: 'f1', type: 'tab' },
                config(),
                { id: 'sf', type: 'subflow', name: '入库', info: '', in: [{ x: 20, y: 50, wires: [{ id: 'keep' }] }], out: [] },
                keep,
                query('q1', 'f1', ['shopA', 'shopB'], { ackTimeout: '0.005' }),
                { id: 'shopA', type: 'subflow:sf', z: 'f1', name: '店铺A', x: 300, y: 50, wires: [] },
                { id: 'shopB', type: 'subflow:sf', z: 'f1', x: 300, y: 150, wires: [] },
            ],
            creds,
        );
        helper.getNode('q1').receive({ payload: 1 });
        const warning = await waitFor('the run abandoned', () => warnings('q1').find((w) => /were not acknowledged within/.test(w)), 5000);
        should(warning).containEql('function (keep) in subflow "店铺A": 1 msg').and.containEql('function (keep) in subflow "入库" (shopB): 1 msg');
        should(warning).not.containEql('shopA-keep').and.not.containEql('shopB-keep');
    });

    it('ack mode, a node inside a subflow nested in a subflow used twice: the warning names the inner instance by its id in the outer subflow and the outer instance it runs in, each instance apart', async () => {
        sim = new KitSim(5);
        await sim.start();
        const keep = { id: 'keep', type: 'function', z: 'inner', func: 'context.set("kept", msg);\nif (msg.never) node.done();\nreturn;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[]] };
        await load(
            [kitConfig, kitQuery, functionNode],
            [
                { id: 'f1', type: 'tab' },
                config(),
                { id: 'inner', type: 'subflow', name: '入库', info: '', in: [{ x: 20, y: 50, wires: [{ id: 'keep' }] }], out: [] },
                keep,
                { id: 'outer', type: 'subflow', name: '店铺同步', info: '', in: [{ x: 20, y: 50, wires: [{ id: 'innerUse' }] }], out: [] },
                { id: 'innerUse', type: 'subflow:inner', z: 'outer', x: 200, y: 50, wires: [] },
                query('q1', 'f1', ['shopA', 'shopB'], { ackTimeout: '0.005' }),
                { id: 'shopA', type: 'subflow:outer', z: 'f1', name: '店铺A', x: 300, y: 50, wires: [] },
                { id: 'shopB', type: 'subflow:outer', z: 'f1', name: '店铺B', x: 300, y: 150, wires: [] },
            ],
            creds,
        );
        helper.getNode('q1').receive({ payload: 1 });
        const warning = await waitFor('the run abandoned', () => warnings('q1').find((w) => /were not acknowledged within/.test(w)), 5000);
        should(warning).containEql('"店铺A" › "入库" (innerUse)').and.containEql('"店铺B" › "入库" (innerUse)');
        should(warning).not.containEql('shopA-innerUse').and.not.containEql('shopB-innerUse');
    });

    /** Runs q1 with the first save slow at the vendor: the watermark is committed once, after all 5 records were written. */
    async function committedOnceAllWritten(): Promise<void> {
        const at = commits();
        sim.inject({ type: 'delay', ms: 300, thenProcess: true }, 1, isSave);
        helper.getNode('q1').receive({ payload: 1 });
        await waitFor('5 records saved', () => sim.saved.length === 5);
        await waitFor('the watermark committed', () => at.length === 1, 3000);
        should(at).eql([{ saved: 5, node: 'q1' }]);
    }

    it('a link out node on one tab to the write node behind a link in node on another: committed once the records were written', async () => {
        await start(() => [
            { id: 'f1', type: 'tab' },
            { id: 'f2', type: 'tab' },
            config(),
            query('q1', 'f1', ['lo']),
            { id: 'lo', type: 'link out', z: 'f1', mode: 'link', links: ['li'], wires: [] },
            { id: 'li', type: 'link in', z: 'f2', links: ['lo'], wires: [['s1']] },
            save('s1', 'f2'),
        ]);
        await committedOnceAllWritten();
    });

    it('a link call node sending to a link in node on another tab, whose link out node returns the msg, then the write node: committed once the records were written', async () => {
        await start(() => [
            { id: 'f1', type: 'tab' },
            { id: 'f2', type: 'tab' },
            config(),
            query('q1', 'f1', ['lc']),
            { id: 'lc', type: 'link call', z: 'f1', links: ['li'], linkType: 'static', timeout: '30', wires: [['s1']] },
            { id: 'li', type: 'link in', z: 'f2', links: [], wires: [['lo']] },
            { id: 'lo', type: 'link out', z: 'f2', mode: 'return', links: [], wires: [] },
            save('s1', 'f1'),
        ]);
        await committedOnceAllWritten();
    });

    it('a link out node to a link in node on a disabled tab: nothing committed, the run is abandoned at once with a warning', async () => {
        await start(() => [
            { id: 'f1', type: 'tab' },
            { id: 'f2', type: 'tab', disabled: true },
            config(),
            query('q1', 'f1', ['lo']),
            { id: 'lo', type: 'link out', z: 'f1', mode: 'link', links: ['li'], wires: [] },
            { id: 'li', type: 'link in', z: 'f2', links: ['lo'], wires: [['s1']] },
            save('s1', 'f2'),
        ]);
        const at = commits();
        helper.getNode('q1').receive({ payload: 1 });
        await waitFor('the run abandoned', () => cutOff('q1'), 3000);
        should(at).eql([]);
        should(sim.saved).have.length(0);
    });

    it('a deploy restarting the write node\'s tab while the query on another tab sends pages: nothing committed, the run is abandoned', async () => {
        const flow = (name: string) => [
            { id: 'f1', type: 'tab' },
            { id: 'f2', type: 'tab' },
            config(),
            query('q1', 'f1', ['lo'], { outputMode: 'page', params: { pageSize: { value: '5', type: 'num' } } }),
            { id: 'lo', type: 'link out', z: 'f1', mode: 'link', links: ['li'], wires: [] },
            { id: 'li', type: 'link in', z: 'f2', links: ['lo'], wires: [['s1']] },
            { ...save('s1', 'f2'), name },
        ];
        sim = new KitSim(20);
        await sim.start();
        await load([kitConfig, kitQuery, kitSave, linkNodes], flow('before'), creds);
        const at = commits();
        sim.inject({ type: 'delay', ms: 400, thenProcess: true }, 100, isSave);
        helper.getNode('q1').receive({ payload: 1 });
        await waitFor('a save sent', () => sim.requests.some(isSave));
        // "Modified flows": tab 2 is stopped and started again, tab 1 (the query) runs on.
        await helper.setFlows(flow('after'), 'flows', creds);
        await waitFor('the run abandoned', () => cutOff('q1'), 5000);
        await sleep(500);
        should(at).eql([]);
    });

    it('a config node inside the subflow, its URL and user ${NAME} properties of each instance: each instance has its own config node and reads with it', async () => {
        sim = new KitSim(5);
        await sim.start();
        const env = (url: string) => [{ name: 'KIT_URL', type: 'str', value: url }, { name: 'KIT_USER', type: 'str', value: KIT_DEMO.user }];
        await load(
            [kitConfig, kitQuery, kitSave, linkNodes],
            [
                { id: 'f1', type: 'tab' },
                { id: 'sf', type: 'subflow', name: 'read', info: '', env: [{ name: 'KIT_URL', type: 'str', value: '' }], in: [{ x: 20, y: 50, wires: [{ id: 'q' }] }], out: [{ x: 400, y: 50, wires: [{ id: 'q', port: 0 }] }] },
                { ...config(), z: 'sf', url: '${KIT_URL}', user: '${KIT_USER}' },
                query('q', 'sf', [], { watermarkCommit: 'read' }),
                { id: 'shopA', type: 'subflow:sf', z: 'f1', x: 100, y: 100, env: env(sim.baseUrl), wires: [['h']] },
                { id: 'shopB', type: 'subflow:sf', z: 'f1', x: 100, y: 200, env: env(sim.baseUrl), wires: [['h']] },
                { id: 'h', type: 'helper', z: 'f1' },
            ],
            creds,
        );
        const got: Msg[] = [];
        helper.getNode('h').on('input', (m: Msg) => got.push(m));
        helper.getNode('shopA').receive({ payload: 1 });
        helper.getNode('shopB').receive({ payload: 1 });
        await waitFor('both instances read', () => got.length === 2);
        should(got.map((m) => m.payload.length)).eql([5, 5]);
        // One config node per instance: one login each (a config node on the tab would serve both with one).
        should(sim.logins).equal(2);
    });

    it('two config nodes of two accounts on one server: a rate-limit answer to one pauses only that account, and each logs in for itself', async () => {
        sim = new KitSim(5);
        await sim.start();
        const read = (id: string, cfg: string) => ({ id, type: 'kit-query', z: 'f1', config: cfg, params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'all', wires: [[`${id}-out`]] });
        await load(
            [kitConfig, kitQuery, kitSave, linkNodes],
            [
                { id: 'f1', type: 'tab' },
                // Account A waits at least 1.5 s after a rate-limit answer (half its retry base, with jitter).
                config({ retryBaseMs: 3000, maxRetries: 1 }),
                { ...config(), id: 'c2' },
                read('qA', 'c1'),
                read('qB', 'c2'),
                { id: 'qA-out', type: 'helper', z: 'f1' },
                { id: 'qB-out', type: 'helper', z: 'f1' },
            ],
            { ...creds, c2: { password: KIT_DEMO.password } },
        );
        const order: string[] = [];
        helper.getNode('qA-out').on('input', () => order.push('A'));
        helper.getNode('qB-out').on('input', () => order.push('B'));
        // Both log in first; then A's first read is answered "too many requests".
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 1, isQuery);
        helper.getNode('qA').receive({ payload: 1 });
        await waitFor('account A rate-limited', () => sim.requests.some((r) => r.fault !== undefined));
        helper.getNode('qB').receive({ payload: 1 });
        await waitFor('both read', () => order.length === 2);
        should(order).eql(['B', 'A'], 'account B waited for account A\'s pause');
        should(sim.logins).equal(2);
    });
});
