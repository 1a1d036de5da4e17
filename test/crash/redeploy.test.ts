import should from 'should';
import { helper, load, Msg } from '../helpers/nodered';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitQuery, kitSave } from '../kit/kit-nodes';
import { waitFor } from './runtime';

/**
 * A deploy is a restart of the nodes it touches: writes in flight are cancelled and their records leave on output 2
 * of a node that is being stopped, where nothing picks them up. Such records are not accounted for, so their delivery
 * tickets must not come back and the watermark must stay where it was, as after a crash.
 */
describe('crash-safe incremental sync: a deploy that restarts the write node mid-write', function () {
    let sim: KitSim;

    beforeEach(async () => {
        sim = new KitSim(250);
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const isSave = (r: { path: string }) => r.path === '/items/save';
    const flow = (saveName: string): Msg[] => [
        { id: 'f1', type: 'tab', label: 'redeploy' },
        { id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0 },
        { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', incremental: true, watermarkCommit: 'ack', wires: [['s1']] },
        { id: 's1', type: 'kit-save', z: 'f1', name: saveName, config: 'c1', params: { chunkSize: { value: '100', type: 'num' } }, wires: [[], []] },
    ];
    const creds = { c1: { password: KIT_DEMO.password } };

    it('records cancelled by the deploy are not acknowledged: the watermark stays and the next run writes them, each once', async () => {
        await load([kitConfig, kitQuery, kitSave], flow('before'), creds);
        // Every page's save waits at the vendor long enough for the deploy to cut it off (unprocessed then).
        sim.inject({ type: 'delay', ms: 5000 }, 3, isSave);
        helper.getNode('q1').receive({});
        await waitFor('three saves in flight', () => sim.requests.filter(isSave).length === 3, 10000, 10);
        // Deploy "modified nodes": only the write node restarts; the query node and its open run stay.
        await helper.setFlows(flow('after'), 'nodes', creds);
        await new Promise((r) => setTimeout(r, 50));
        should(sim.saved).have.length(0);
        should(helper.getNode('q1').context().get('cnErpWatermark')).be.undefined();

        // The next run starts where the first did and writes everything.
        sim.clearRequests();
        helper.getNode('q1').receive({});
        await waitFor('the watermark committed', () => helper.getNode('q1').context().get('cnErpWatermark'), 10000, 10);
        should(JSON.parse(sim.requests.find((r) => r.path === '/items/query')!.body).since).be.undefined();
        should(sim.saved.map((s) => s.name).sort()).eql(sim.items.map((i) => i.name).sort());
    });
});
