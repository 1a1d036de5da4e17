import should from 'should';
import sinon from 'sinon';
import { sleep, waitFor } from '../helpers/wait';
import { catchNode, functionNode, helper, load, Msg } from '../helpers/nodered';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitQuery, kitSave } from '../kit/kit-nodes';
import { Watermark } from '../../nodes/core/watermark';
import type { SimRequest } from '../sim/harness';

/**
 * Failures fed back into the write node that failed them, as a flow does it: output 2 or a Catch node wired through a
 * function node (which builds its msgs in a sandbox of its own) back to the node's input.
 */
describe('core: replaying failed records into the write node', function () {
    this.timeout(20000);
    let sim: KitSim;
    let sandbox: sinon.SinonSandbox;

    beforeEach(async () => {
        sandbox = sinon.createSandbox();
        sim = new KitSim(5);
        await sim.start();
    });
    afterEach(async () => {
        sandbox.restore();
        await helper.unload();
        await sim.stop();
    });

    const isSave = (r: SimRequest) => r.path === '/items/save';
    const config = () => ({ id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0 });
    const creds = (password = KIT_DEMO.password) => ({ c1: { password } });
    const fn = (id: string, func: string, ...wires: string[][]) => ({ id, type: 'function', z: 'f1', func, outputs: wires.length, noerr: 0, initialize: '', finalize: '', libs: [], wires });
    const save = (wires: string[][] = [[], []]) => ({ id: 's1', type: 'kit-save', z: 'f1', config: 'c1', wires });
    /** What s1 sends, by output, and what reaches the Catch node scoped to it. */
    function watch(): { outputs: Msg[][]; caught: Msg[] } {
        const seen = { outputs: [[], []] as Msg[][], caught: [] as Msg[] };
        for (const [i, id] of ['out1', 'out2'].entries()) helper.getNode(id).on('input', (m: Msg) => seen.outputs[i].push(m));
        helper.getNode('caught').on('input', (m: Msg) => seen.caught.push(m));
        return seen;
    }
    const probes = [
        { id: 'out1', type: 'helper', z: 'f1' },
        { id: 'out2', type: 'helper', z: 'f1' },
        { id: 'k2', type: 'catch', z: 'f1', scope: ['s1'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1' },
    ];

    it('a refused record fixed in a function node (a new object) and fed back from output 2 is saved, once', async () => {
        await load([kitConfig, kitSave, functionNode], [
            { id: 'f1', type: 'tab' },
            config(),
            save([['out1'], ['fix', 'out2']]),
            fn('fix', 'msg.payload = { ...msg.payload, name: "fixed" };\nreturn msg;', ['s1']),
            ...probes,
        ], creds());
        const seen = watch();
        helper.getNode('s1').receive({ payload: [{ name: 'a' }, { name: 'bad' }] });
        await waitFor('the fixed record saved or caught', () => seen.outputs[0].length === 2 || seen.caught.length > 0);
        await sleep(100);
        should(seen.caught.map((m) => m.error.message)).eql([], 'the fixed record went to Catch instead of being saved');
        should(sim.saved.map((s) => s.name)).eql(['a', 'fixed']);
        should(seen.outputs[1]).have.length(1);
        should(seen.outputs[0][1]).match({ payload: { id: 1001 }, count: 1 });
    });

    it('msg.params set in a function node is read as any msg.params is', async () => {
        await load([kitConfig, kitSave, functionNode], [
            { id: 'f1', type: 'tab' },
            config(),
            fn('fn', 'msg.params = { chunkSize: 1 };\nreturn msg;', ['s1']),
            save([['out1'], ['out2']]),
            ...probes,
        ], creds());
        const seen = watch();
        helper.getNode('fn').receive({ payload: [{ name: 'a' }, { name: 'b' }] });
        await waitFor('both records saved', () => seen.outputs[0].length === 1);
        should(sim.requests.filter(isSave).map((r) => JSON.parse(r.body).items.length)).eql([1, 1], 'msg.params.chunkSize from a function node was ignored');
    });

    it('a Catch node wired back into the write node while the fault lasts: Node-RED ends the loop after ten catches of the msg, as for its own nodes', async () => {
        await load([kitConfig, kitSave, catchNode], [
            { id: 'f1', type: 'tab' },
            config(),
            save(),
            { id: 'k1', type: 'catch', z: 'f1', scope: ['s1'], uncaught: false, wires: [['s1']] },
        ], creds('wrong password'));
        const s1 = helper.getNode('s1');
        let received = 0;
        s1.on('input', () => received++);
        s1.receive({ payload: { name: 'a' } });
        await sleep(1000);
        should(received).be.belowOrEqual(10, `the write node had the msg ${received} times in a second: the loop never ends and logs in on and on`);
        should(sim.requests.filter((r) => r.path === '/login').length).be.belowOrEqual(10);
    });

    it('commit after the writes: a refused record fixed in a function node and a caught msg, both fed back during the run, are each saved once; the watermark is committed once', async () => {
        sim.items[2].name = 'bad';
        await load([kitConfig, kitQuery, kitSave, catchNode, functionNode], [
            { id: 'f1', type: 'tab' },
            config(),
            { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'record', incremental: true, overlapMinutes: '1', watermarkCommit: 'ack', wires: [['s1']] },
            save([[], ['fix']]),
            fn('fix', 'msg.payload = { ...msg.payload, name: "fixed-" + msg.payload.id };\nreturn msg;', ['s1']),
            { id: 'k1', type: 'catch', z: 'f1', scope: ['s1'], uncaught: false, wires: [['s1']] },
        ], creds());
        // The second record's save answered 503 (nothing done): its msg goes to Catch, whose msg is fed back.
        let saves = 0;
        sim.inject({ type: 'http', status: 503 }, 1, (r) => isSave(r) && ++saves === 2);
        const commits: number[] = [];
        const set = Watermark.prototype.set;
        sandbox.stub(Watermark.prototype, 'set').callsFake(function (this: Watermark, ms: number) {
            commits.push(sim.saved.length);
            return set.call(this, ms);
        });
        helper.getNode('q1').receive({ payload: 1 });
        await waitFor('every record saved', () => sim.saved.length >= 5).catch(() => undefined);
        await sleep(300);
        should(sim.saved.map((s) => s.name).sort()).eql(['fixed-3', 'item-1', 'item-2', 'item-4', 'item-5']);
        should(commits).have.length(1);
    });
});
