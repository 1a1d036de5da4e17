import should from 'should';
import type { SinonSpy } from 'sinon';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { WdtSim, WDT_DEMO, demoTrade } from '../sim/wdt';
import wdtConfig = require('../../nodes/wdt/wdt-config');
import wdtTradePush = require('../../nodes/wdt/wdt-trade-push');

/**
 * Two config nodes of one WDT account (a duplicated one, a flow imported with its own copy, one inside each instance
 * of a subflow): the vendor counts their requests together, so they share one limiter.
 */
describe('wdt: config nodes of one account share its limiter', function () {
    const OTHER = { sid: 'wdtdemo2', appkey: 'wdt-demo-appkey-2', appsecret: 'wdt-demo-secret-0002' };
    let sim: WdtSim;

    beforeEach(async () => {
        sim = new WdtSim({ otherAccounts: [OTHER] });
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const config = (id: string, extra: Msg = {}) => ({ id, type: 'wdt-config', server: 'custom', baseUrl: `${sim.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, retryBaseMs: 5, maxRetries: 3, rps: 2, concurrency: 1, ...extra });
    const push = (id: string, cfg: string) => ({ id, type: 'wdt-trade-push', z: 'f1', config: cfg, params: { shop_no: { value: 'SHOP01', type: 'str' }, chunkSize: { value: '1', type: 'num' } } });
    /** Config nodes c1 and c2, write nodes n1 (on c1) and n2 (on c2). */
    const loadFlow = (c1: Msg = {}, c2: Msg = {}, secret2 = WDT_DEMO.appsecret) =>
        load([wdtConfig, wdtTradePush], withProbes(withProbes([config('c1', c1), config('c2', c2), push('n1', 'c1'), push('n2', 'c2')], 'n1', 2), 'n2', 2), { c1: { appsecret: WDT_DEMO.appsecret }, c2: { appsecret: secret2 } });
    const trades = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => demoTrade(`${prefix}${i + 1}`, { lines: 1 }));
    /** Milliseconds between the requests the server received, in arrival order. */
    const gaps = () => {
        const times = sim.pushRequests.map((r) => r.time).sort((x, y) => x - y);
        return times.slice(1).map((t, i) => t - times[i]);
    };

    it('two write nodes on two config nodes of one account, driven at once: the server sees the configured rate (2/s), not the sum of both', async () => {
        await loadFlow();
        const [r1, r2] = await Promise.all([run('n1', { payload: trades('A', 2) }, 2), run('n2', { payload: trades('B', 2) }, 2)]);
        for (const r of [r1, r2]) {
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(2);
        }
        should(sim.pushRequests).have.length(4);
        // 500 ms apart when they left; an arrival may be late on a busy machine (each is a request over a socket),
        // never by most of an interval. With a limiter each, the two nodes' requests arrive in pairs, ms apart.
        for (const gap of gaps()) should(gap).be.aboveOrEqual(400, `gaps between arrivals: ${gaps().join(', ')} ms`);
    });

    it('a rate-limit answer to one config node pauses the other config node of the account too', async () => {
        await loadFlow({ rps: 0, concurrency: 0 }, { rps: 0, concurrency: 0 });
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 1);
        const first = run('n1', { payload: trades('A', 1) }, 2);
        // Until c1 has read the answer and paused (1.1 s for WDT's 1090).
        const c1 = helper.getNode('c1');
        while (!c1.getClient().limiter.pausedFor()) await new Promise((r) => setTimeout(r, 5));
        const paused = helper.getNode('c2').getClient().limiter.pausedFor();
        should(paused).be.above(500);
        const sentAt = Date.now();
        const second = await run('n2', { payload: trades('B', 1) }, 2);
        should(second.caught).be.undefined();
        should(second.outputs[0][0].payload).have.length(1);
        const b = sim.pushRequests.find((r) => JSON.parse(WdtSim.form(r).trade_list)[0].tid === 'B1')!;
        should(b.time - sentAt).be.aboveOrEqual(paused - 20);
        should((await first).outputs[0][0].payload).have.length(1);
    });

    it('a deploy restarting the config node while the account waits out a rate-limit answer: the new one waits it out too', async () => {
        // No retries: the msg that met the rate limit is over (at Catch) while the pause still holds.
        const flow = (rps: number) => withProbes([config('c1', { rps, concurrency: 0, maxRetries: 0 }), push('n1', 'c1')], 'n1', 2);
        await load([wdtConfig, wdtTradePush], flow(0), { c1: { appsecret: WDT_DEMO.appsecret } });
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 1);
        const first = await run('n1', { payload: trades('A', 1) }, 2);
        should(first.outputs[0]).have.length(0);
        const paused = helper.getNode('c1').getClient().limiter.pausedFor();
        should(paused).be.above(300);
        // Deploy "modified nodes": c1 changed, so Node-RED closes it and starts a new one.
        await helper.setFlows(flow(100), 'nodes', { c1: { appsecret: WDT_DEMO.appsecret } });
        const deployedAt = Date.now();
        const second = await run('n1', { payload: trades('B', 1) }, 2);
        should(second.outputs[0][0].payload).have.length(1);
        const b = sim.pushRequests.find((r) => JSON.parse(WdtSim.form(r).trade_list)[0].tid === 'B1')!;
        // Before, the new config node sent at once, into the vendor's pause.
        should(b.time - deployedAt).be.aboveOrEqual(paused - 200);
    });

    it('"Test connection" while the account waits out a rate-limit answer is not sent and says so; a rate-limit answer to the test pauses the deployed nodes of the account', async () => {
        await loadFlow({ rps: 0, concurrency: 0 }, { rps: 0, concurrency: 0 });
        const test = () => helper.request().post('/cn-erp/wdt-config/test').send({ config: config('t'), credentials: { appsecret: WDT_DEMO.appsecret } }).expect(200);
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 1);
        const refused = await test();
        should(refused.body).have.properties({ ok: false, kind: 'rate-limit' });
        const c1 = helper.getNode('c1').getClient();
        should(c1.limiter.pausedFor()).be.above(300);
        const before = sim.requests.length;
        const held = await test();
        should(held.body).have.properties({ ok: false, kind: 'rate-limit', code: 'ACCOUNT_PAUSED' });
        should(held.body.text.key).equal('runtime.test.accountPaused');
        should(held.body.message).match(/^not tested: the vendor asked this account to wait \(rate limit\); test again in \d+ s$/);
        should(sim.requests.length).equal(before);
    });

    it('"Test connection" while write nodes wait in the account\'s queue goes next, not after the queue', async () => {
        await loadFlow({ rps: 4, concurrency: 0 }, { rps: 4, concurrency: 0 });
        // Eight msgs at once: eight requests queued in the account's limiter, 250 ms apart (2 s).
        for (const trade of trades('A', 8)) helper.getNode('n1').receive({ payload: [trade] });
        while (sim.pushRequests.length === 0) await new Promise((r) => setTimeout(r, 5));
        const test = await helper.request().post('/cn-erp/wdt-config/test').send({ config: config('t', { rps: 4, concurrency: 0 }), credentials: { appsecret: WDT_DEMO.appsecret } }).expect(200);
        should(test.body).have.properties({ ok: true });
        while (sim.pushRequests.length < 8) await new Promise((r) => setTimeout(r, 5));
        // What the server received, in order: the test's shop query right after the writes in flight when it was
        // clicked; before, after all eight.
        const order = sim.requests.map((r) => (/shop/.test(r.path) ? 'test' : 'push'));
        should(order.indexOf('test')).be.belowOrEqual(2, order.join(' '));
    });

    it('two accounts on one server do not share: their first writes go out at once', async () => {
        await loadFlow({ rps: 1 }, { rps: 1, sid: OTHER.sid, appkey: OTHER.appkey }, OTHER.appsecret);
        const [r1, r2] = await Promise.all([run('n1', { payload: trades('A', 1) }, 2), run('n2', { payload: trades('B', 1) }, 2)]);
        for (const r of [r1, r2]) should(r.outputs[0][0].payload).have.length(1);
        should(sim.pushRequests.map((r) => WdtSim.form(r).sid).sort()).eql([OTHER.sid, WDT_DEMO.sid].sort());
        // Shared, the second would wait a whole second (1/s).
        should(gaps()[0]).be.below(500);
    });

    it('a config node asked for its client after a deploy stopped it (a msg still reading its settings) leaves the account to its replacement: the new settings apply, no warning', async () => {
        const flow = (rps: number) => withProbes([config('c1', { rps, concurrency: 1 }), push('n1', 'c1')], 'n1', 2);
        await load([wdtConfig, wdtTradePush], flow(1), { c1: { appsecret: WDT_DEMO.appsecret } });
        const old = helper.getNode('c1');
        old.getClient();
        // Deploy "modified nodes": c1 loosened to 5/s; the old c1 is closed, then its replacement starts.
        await helper.setFlows(flow(5), 'nodes', { c1: { appsecret: WDT_DEMO.appsecret } });
        // A msg whose settings were still being read (an async context store) when the deploy stopped the nodes asks
        // the old config node for its client only now. It must not join the account again with the old 1/s.
        let late: unknown;
        try {
            old.getClient();
        } catch (err) {
            late = err;
        }
        const r = await run('n1', { payload: trades('A', 1) }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload).have.length(1);
        const c1 = helper.getNode('c1');
        should(c1).not.equal(old);
        should((c1.warn as SinonSpy).getCalls().filter((c) => c.thisValue === c1).map((c) => String(c.args[0]))).eql([]);
        // The late msg ends as one cut off by the deploy.
        should(late).have.properties({ kind: 'cancelled', message: 'cancelled: the node was closed' });
    });

    it('a config node joining an account whose other config node is set otherwise warns once, naming both settings and the one applied', async () => {
        await loadFlow({ rps: 0, concurrency: 0 }, { rps: 2, concurrency: 1 });
        await run('n1', { payload: trades('A', 1) }, 2);
        await run('n2', { payload: trades('B', 1) }, 2);
        await run('n2', { payload: trades('C', 1) }, 2);
        // The helper's spy on warn is shared by every node: the warnings this node gave.
        const warned = (id: string) => {
            const node = helper.getNode(id);
            return (node.warn as SinonSpy).getCalls().filter((c) => c.thisValue === node).map((c) => String(c.args[0]));
        };
        should(warned('c1')).eql([]);
        should(warned('c2')).eql(['wdt-config: another config node of the same account is set to rps 0, concurrency 0, this one to rps 2, concurrency 1; they share one limiter, so the strictest, rps 2, concurrency 1, applies to both (0 = unlimited)']);
        should(warned('c2').join()).not.match(new RegExp(WDT_DEMO.appsecret));
    });
});
