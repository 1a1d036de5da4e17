import should from 'should';
import path from 'path';
import { waitFor } from '../helpers/wait';
import { helper, load, Msg, removeSpies } from '../helpers/nodered';
import { gc, turn } from '../helpers/memory';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitQuery, kitSave } from '../kit/kit-nodes';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const switchNode = require(path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] })), 'core', 'function', '10-switch.js'));

/**
 * Node-RED runs for months: what a run or a deployed node held must be let go of once it is over, however the run
 * ended, so memory and open handles come back to where they were.
 */
describe('core: nothing of a finished run is held for ever', function () {
    this.timeout(20000);
    let sim: KitSim;

    beforeEach(async () => {
        sim = new KitSim(250);
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const creds = { c1: { password: KIT_DEMO.password } };
    const config = () => ({ id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0 });

    it('a lookup passing the acknowledgement on, its msgs dropped by a Switch node: once the run it passes it to gave up, the records it was fed are let go of', async () => {
        const flow: Msg[] = [
            { id: 'f1', type: 'tab' },
            config(),
            // 0.005 min: the run gives up on its acknowledgements after 300 ms.
            { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', incremental: true, watermarkCommit: 'ack', ackTimeout: '0.005', wires: [['q2']] },
            { id: 'q2', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', wires: [['sw']] },
            // No rule matches (the payload is never null): every msg of the lookup is dropped here.
            { id: 'sw', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'null' }], checkall: 'true', repair: false, outputs: 1, wires: [['s1']] },
            { id: 's1', type: 'kit-save', z: 'f1', config: 'c1', wires: [[], []] },
        ];
        await load([kitConfig, kitQuery, kitSave, switchNode], flow, creds);
        // The test helper's spies keep every msg sent: off, so only what the runtime holds is measured.
        removeSpies(flow);
        const warnings: string[] = [];
        helper.getNode('q1').warn = (text: unknown) => warnings.push(String(text));
        const fed: Array<WeakRef<object>> = [];
        helper.getNode('q2').on('input', (m: Msg) => fed.push(new WeakRef(m.payload)));
        helper.getNode('q1').receive({ payload: 1 });
        await waitFor('the run to give up on its acknowledgements', () => warnings.some((w) => /not acknowledged/.test(w)));
        should(fed).have.length(3);
        await turn();
        await turn();
        gc();
        should(fed.filter((r) => r.deref() !== undefined)).have.length(0, 'the pages the lookup was fed are still reachable after the run gave up (the lookup\'s own run is kept for ever)');
    });

    it('a lookup passing the acknowledgement on, its output wired to nothing: once the run it passes it to committed, the records it was fed are let go of', async () => {
        const flow: Msg[] = [
            { id: 'f1', type: 'tab' },
            config(),
            { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', incremental: true, watermarkCommit: 'ack', wires: [['q2']] },
            // Its msgs reach no node: the msgs it was fed ended here, and q1's run commits.
            { id: 'q2', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', wires: [[]] },
        ];
        await load([kitConfig, kitQuery], flow, creds);
        removeSpies(flow);
        const fed: Array<WeakRef<object>> = [];
        helper.getNode('q2').on('input', (m: Msg) => fed.push(new WeakRef(m.payload)));
        helper.getNode('q1').receive({ payload: 1 });
        await waitFor('the watermark committed', () => typeof helper.getNode('q1').context().get('cnErpWatermark') === 'number');
        should(fed).have.length(3);
        await turn();
        await turn();
        gc();
        should(fed.filter((r) => r.deref() !== undefined)).have.length(0, 'the pages the lookup was fed are still reachable after the run committed (the lookup\'s own run is kept for ever)');
    });
});
