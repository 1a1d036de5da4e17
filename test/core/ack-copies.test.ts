import should from 'should';
import sinon from 'sinon';
import path from 'path';
import { waitFor } from '../helpers/wait';
import { helper, load, Msg, runtimeHooks } from '../helpers/nodered';
import { ACK_PROPERTY, FILTER_QUIET_MS, followTickets, openAckRun } from '../../nodes/core/ack';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitQuery, kitSave } from '../kit/kit-nodes';
import { Watermark } from '../../nodes/core/watermark';
import type { SimRequest } from '../sim/harness';

// Node-RED's own nodes, as an integrator wires them beside and between ours.
const coreNodes = path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] })), 'core');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const [debugNode, functionNode, changeNode, switchNode, delayNode, triggerNode, splitNode, junctionNode, linkNodes, filterNode, batchNode] = ['common/21-debug.js', 'function/10-function.js', 'function/15-change.js', 'function/10-switch.js', 'function/89-delay.js', 'function/89-trigger.js', 'sequence/17-split.js', 'common/05-junction.js', 'common/60-link.js', 'function/rbe.js', 'sequence/19-batch.js'].map((f) => require(path.join(coreNodes, f)));

/**
 * A query node whose watermark is committed after the writes, its msgs sent to several wires at once: Node-RED copies
 * the msg down each wire, and the watermark may move only once every copy was accounted for — not when the first write
 * node finished (a crash then loses what the second had not written). A debug node beside the write node must not
 * hold the commit back.
 */
describe('core/ack: a msg sent to several wires is accounted for once every copy is', function () {
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

    const creds = { c1: { password: KIT_DEMO.password } };
    const isSave = (r: SimRequest) => r.path === '/items/save';
    const config = { id: 'c1', type: 'kit-config', url: 'set below', user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0 };
    const query = (wires: string[], extra: Msg = {}) => ({
        id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } },
        outputMode: 'all', incremental: true, overlapMinutes: '1', watermarkCommit: 'ack', wires: [wires], ...extra,
    });
    const save = (id: string) => ({ id, type: 'kit-save', z: 'f1', config: 'c1', wires: [[], []] });
    /** Waits for `saved` records at the vendor, then up to 3 s more for the watermark's commit. */
    async function commitsOnce(at: number[], saved: number): Promise<void> {
        await waitFor(`${saved} records saved`, () => sim.saved.length === saved);
        await waitFor('the watermark committed', () => at.length === 1, 3000).catch(() => undefined);
    }
    /** A function node running `func`, one output per wire list. */
    const fn = (id: string, func: string, ...wires: string[][]) => ({ id, type: 'function', z: 'f1', func, outputs: wires.length, noerr: 0, initialize: '', finalize: '', libs: [], wires });

    /** How many records the simulator had saved at each commit of the watermark. */
    function savedAtCommits(): number[] {
        const at: number[] = [];
        const set = Watermark.prototype.set;
        sandbox.stub(Watermark.prototype, 'set').callsFake(function (this: Watermark, ms: number) {
            at.push(sim.saved.length);
            return set.call(this, ms);
        });
        return at;
    }

    /** Loads the flow, makes every save after the first `fast` slow at the vendor, triggers one run. */
    async function run(nodes: Msg[], fast = 1): Promise<number[]> {
        await load([kitConfig, kitQuery, kitSave, debugNode, functionNode, changeNode, switchNode, delayNode, triggerNode, splitNode, junctionNode, linkNodes, filterNode, batchNode], [{ id: 'f1', type: 'tab' }, { ...config, url: sim.baseUrl }, ...nodes], creds);
        let saves = 0;
        sim.inject({ type: 'delay', ms: 500, thenProcess: true }, 100, (r) => isSave(r) && ++saves > fast);
        const at = savedAtCommits();
        helper.getNode('q1').receive({ payload: 1 });
        return at;
    }

    it('wired to two write nodes: committed once both wrote the records, not when the first did', async () => {
        const at = await run([query(['s1', 's2']), save('s1'), save('s2')]);
        await commitsOnce(at, 10);
        should(at).eql([10], `the watermark was committed with ${at[0]} of the 10 writes done: a crash then loses the second write node's records`);
    });

    it('a write node with a debug node beside it: committed once the write node wrote the records', async () => {
        const at = await run([query(['s1', 'dbg']), save('s1'), { id: 'dbg', type: 'debug', z: 'f1', active: true, complete: 'payload', console: false, tosidebar: true }], 0);
        await waitFor('the watermark committed', () => at.length === 1);
        should(at).eql([5]);
    });

    it('the second write path through a change node and a junction: committed once its write node wrote them too', async () => {
        const at = await run([
            query(['s1', 'ch']),
            save('s1'),
            { id: 'ch', type: 'change', z: 'f1', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'copy', tot: 'str' }], wires: [['j']] },
            { id: 'j', type: 'junction', z: 'f1', wires: [['s2']] },
            save('s2'),
        ]);
        await commitsOnce(at, 10);
        should(at).eql([10]);
    });

    it('a Switch node checking all rules sends the msg on two outputs, a write node on each: committed once both wrote the records', async () => {
        const at = await run([
            query(['sw']),
            { id: 'sw', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nnull' }, { t: 'nnull' }], checkall: 'true', repair: false, outputs: 2, wires: [['s1'], ['s2']] },
            save('s1'),
            save('s2'),
        ]);
        await commitsOnce(at, 10);
        should(at).eql([10]);
    });

    it('one path, a function node turning the msg into one msg per record (all carrying its ticket): committed once every one was written, not when the first was', async () => {
        const at = await run(
            [
                query(['fn']),
                fn('fn', 'return [msg.payload.map((r) => ({ ...msg, payload: [r] }))];', ['s1']),
                save('s1'),
            ],
            1,
        );
        await commitsOnce(at, 5);
        should(at).eql([5], `the watermark was committed with ${at[0]} of the 5 records saved: a crash then loses the others`);
    });

    it('through a Switch node (which never completes what it receives), alone and beside a write node: committed once the write nodes wrote the records', async () => {
        const sw = (id: string, wires: string[]) => ({ id, type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'true', repair: false, outputs: 1, wires: [wires] });
        const at = await run([query(['s1', 'sw1']), save('s1'), sw('sw1', ['sw2']), sw('sw2', ['s2']), save('s2')]);
        await waitFor('both write nodes saved the 5 records', () => sim.saved.length === 10);
        await waitFor('the watermark committed', () => at.length === 1, 3000);
        should(at).eql([10]);
    });

    it('a function node returning one msg per record on each of two outputs, a write node on each: committed once both wrote every record', async () => {
        const at = await run(
            [
                query(['fn']),
                fn('fn', 'const each = () => msg.payload.map((r) => ({ ...msg, payload: [r] }));\nreturn [each(), each()];', ['s1'], ['s2']),
                save('s1'),
                save('s2'),
            ],
            3,
        );
        await commitsOnce(at, 10);
        should(at).eql([10]);
    });

    it('one path, a function node sending one msg per record one at a time (node.send in a loop): committed once every one was written', async () => {
        const at = await run(
            [
                query(['fn']),
                fn('fn', 'for (const r of msg.payload) node.send({ ...msg, payload: [r] });\nreturn null;', ['s1']),
                save('s1'),
            ],
            1,
        );
        await commitsOnce(at, 5);
        should(at).eql([5], `the watermark was committed with ${at[0]} of the 5 records saved: a crash then loses the others`);
    });

    it('a write node on one wire and, on the other, a function node sending one msg per record one at a time to a second write node: committed once the second wrote every record', async () => {
        const at = await run(
            [
                query(['s1', 'fn']),
                save('s1'),
                fn('fn', 'for (const r of msg.payload) node.send({ ...msg, payload: [r] });\nreturn null;', ['s2']),
                save('s2'),
            ],
            2,
        );
        await commitsOnce(at, 10);
        should(at).eql([10], `the watermark was committed with ${at[0]} of the 10 writes done: a crash then loses the second path's records`);
    });

    it('a write node on one wire and, on the other, a change node then a Switch node to a second write node: committed once the second wrote the records, not when the change node completed its copy', async () => {
        const sw = { id: 'sw', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'true', repair: false, outputs: 1, wires: [['s2']] };
        const at = await run(
            [
                query(['s1', 'ch']),
                save('s1'),
                { id: 'ch', type: 'change', z: 'f1', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'copy', tot: 'str' }], wires: [['sw']] },
                sw,
                save('s2'),
            ],
            1,
        );
        await commitsOnce(at, 10);
        should(at).eql([10], `the watermark was committed with ${at[0]} of the 10 writes done: a crash then loses the second path's records`);
    });

    it('a function node turning the msg into one msg per record, then a change node and a Switch node to the write node: committed once every record was written', async () => {
        const at = await run(
            [
                query(['fn']),
                fn('fn', 'return [msg.payload.map((r) => ({ ...msg, payload: [r] }))];', ['ch']),
                { id: 'ch', type: 'change', z: 'f1', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'record', tot: 'str' }], wires: [['sw']] },
                { id: 'sw', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'true', repair: false, outputs: 1, wires: [['s1']] },
                save('s1'),
            ],
            1,
        );
        await commitsOnce(at, 5);
        should(at).eql([5], `the watermark was committed with ${at[0]} of the 5 records saved: a crash then loses the others`);
    });

    it('a write node on one wire and a Switch node routing to a debug node on the other: committed once the write node wrote the records', async () => {
        const at = await run(
            [
                query(['s1', 'sw']),
                save('s1'),
                { id: 'sw', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'true', repair: false, outputs: 1, wires: [['dbg']] },
                { id: 'dbg', type: 'debug', z: 'f1', active: true, complete: 'payload', console: false, tosidebar: true },
            ],
            0,
        );
        await commitsOnce(at, 5);
        should(at).eql([5], 'the watermark was not committed: the copy through the Switch node (which never completes what it receives) waits until the ack timeout');
    });

    it('record mode, a function node dropping some records (returning null): committed once the write node wrote the others, not held to the ack timeout', async () => {
        const at = await run(
            [
                query(['fn'], { outputMode: 'record' }),
                fn('fn', 'return msg.payload.id % 2 === 0 ? null : msg;', ['s1']),
                save('s1'),
            ],
            1,
        );
        await commitsOnce(at, 3);
        should(at).eql([3], 'the run was not committed: the dropped records held it to the ack timeout');
    });

    it('record mode, a Batch node grouping the msgs and a Join node (automatic) making one msg of them for the write node: committed once it was written, not held to the ack timeout', async () => {
        const at = await run(
            [
                query(['bt'], { outputMode: 'record' }),
                { id: 'bt', type: 'batch', z: 'f1', mode: 'count', count: 5, overlap: 0, interval: 10, allowEmptySequence: false, topics: [], wires: [['jn']] },
                { id: 'jn', type: 'join', z: 'f1', mode: 'auto', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '', reduceRight: false, wires: [['s1']] },
                save('s1'),
            ],
            1,
        );
        await commitsOnce(at, 5);
        // The joined msg carries the last record's ticket, without the Batch's parts: the other four ended at the Join.
        should(at).eql([5], 'the run was not committed: the records the Join node made one msg of held it to the ack timeout');
    });

    it('record mode, a function node deciding after an await, dropping some records (it holds several msgs at once): committed once the write node wrote the others, not held to the ack timeout', async () => {
        // Each record waits on a lookup: the node has the next msgs before it sends or drops the first.
        const at = await run(
            [
                query(['fn'], { outputMode: 'record' }),
                fn('fn', 'await new Promise((r) => setTimeout(r, 20));\nreturn msg.payload.id % 2 === 0 ? null : msg;', ['s1']),
                save('s1'),
            ],
            1,
        );
        await commitsOnce(at, 3);
        should(at).eql([3], 'the run was not committed: the records the function node dropped held it to the ack timeout');
    });

    it('Node-RED delivering msgs inside send (runtimeSyncDelivery), record mode, a function node dropping some records: committed once the write node wrote the others, not held to the ack timeout', async () => {
        helper.settings({ runtimeSyncDelivery: true });
        try {
            const at = await run(
                [
                    query(['fn'], { outputMode: 'record' }),
                    fn('fn', 'return msg.payload.id % 2 === 0 ? null : msg;', ['s1']),
                    save('s1'),
                ],
                1,
            );
            await commitsOnce(at, 3);
            should(at).eql([3], 'the run was not committed: the records the function node dropped held it to the ack timeout');
        } finally {
            helper.settings({});
        }
    });

    it('a path ending in a debug node, no write node: committed once the debug node had the msg', async () => {
        const at = await run([
            query(['ch']),
            { id: 'ch', type: 'change', z: 'f1', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'read', tot: 'str' }], wires: [['dbg']] },
            { id: 'dbg', type: 'debug', z: 'f1', active: true, complete: 'payload', console: false, tosidebar: true },
        ]);
        await waitFor('the watermark committed', () => at.length === 1, 3000).catch(() => undefined);
        should(at).eql([0]);
    });

    it('a write node of another palette (a node that completes the msg once written, its output unwired): committed after it completed, not before', async () => {
        const flowWritten = () => Number(helper.getNode('other').context().flow.get('written') ?? 0);
        const committedWith: number[] = [];
        const at = await run([
            query(['other']),
            // Writes for 400 ms, counts the records written, then completes the msg without sending anything on.
            fn('other', 'setTimeout(() => { flow.set("written", (flow.get("written") || 0) + msg.payload.length); node.done(); }, 400);\nreturn null;', []),
        ]);
        await waitFor('the watermark committed', () => {
            if (at.length > committedWith.length) committedWith.push(flowWritten());
            return at.length === 1;
        }, 3000).catch(() => undefined);
        should(at).have.length(1);
        should(committedWith).eql([5], 'the watermark was committed before the other palette\'s node had written the records');
    });

    it('a link call to a flow ending in a link out returning the msg, then a Switch node to the write node: committed once the write node wrote the records, not when the link out returned the msg', async () => {
        // The link out node sends nothing itself: it hands the msg back to the link call node, which sends it on.
        const at = await run(
            [
                query(['lc']),
                { id: 'lc', type: 'link call', z: 'f1', links: ['li'], linkType: 'static', timeout: '30', wires: [['sw']] },
                { id: 'li', type: 'link in', z: 'f1', links: [], wires: [['ch']] },
                { id: 'ch', type: 'change', z: 'f1', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'normalized', tot: 'str' }], wires: [['lo']] },
                { id: 'lo', type: 'link out', z: 'f1', mode: 'return', links: [], wires: [] },
                { id: 'sw', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'true', repair: false, outputs: 1, wires: [['s1']] },
                save('s1'),
            ],
            0,
        );
        await commitsOnce(at, 5);
        should(at).eql([5], `the watermark was committed with ${at[0]} of the 5 records saved: a crash then loses them`);
    });

    it('a Trigger node before the write node (it completes the msg, then sends its copy in the same tick): committed once the write node wrote the records', async () => {
        const at = await run([
            query(['tr']),
            { id: 'tr', type: 'trigger', z: 'f1', op1: '', op2: '0', op1type: 'pay', op2type: 'nul', duration: '250', extend: false, overrideDelay: false, units: 'ms', reset: '', bytopic: 'all', topic: 'topic', outputs: 1, wires: [['s1']] },
            save('s1'),
        ]);
        await commitsOnce(at, 5);
        should(at).eql([5], `the watermark was committed with ${at[0]} of the 5 records saved: a crash then loses them`);
    });

    /** A Trigger node sending nothing at first and, after `ms`, the msg it got (its second output: the original payload). */
    const sendsLater = (name: string, ms: number) => ({ id: 'tr', type: 'trigger', z: 'f1', name, op1: '', op2: '', op1type: 'nul', op2type: 'pay', duration: String(ms), extend: false, overrideDelay: false, units: 'ms', reset: '', bytopic: 'all', topic: 'topic', outputs: 1, wires: [['s1']] });

    it('a Trigger node sending nothing, then the msg itself after a wait (it completes the msg at once): committed once the write node wrote the records, not when the Trigger took the msg', async () => {
        const at = await run([query(['tr']), sendsLater('wait', 2500), save('s1')], 0);
        await waitFor('the 5 records saved', () => sim.saved.length === 5, 8000).catch(() => undefined);
        await waitFor('the watermark committed', () => at.length === 1, 3000).catch(() => undefined);
        should(at).eql([5], `the watermark was committed with ${at[0]} of the 5 records saved: a crash while the Trigger node waits loses them`);
    });

    it('a deploy restarting that Trigger node while it waits (its msg never sent): nothing committed, the next run reads the records again and writes them', async () => {
        const flow = (name: string) => [query(['tr'], { ackTimeout: '0.03' }), sendsLater(name, 1500), save('s1')];
        const at = await run(flow('before'), 0);
        const q = helper.getNode('q1');
        // The read is over and the msg waits at the Trigger node: a crash now (here a deploy restarting it) drops it.
        await new Promise((r) => setTimeout(r, 500));
        await helper.setFlows([{ id: 'f1', type: 'tab' }, { ...config, url: sim.baseUrl }, ...flow('after')], 'nodes', creds);
        q.receive({ payload: 2 });
        await waitFor('the records written by the next run', () => sim.saved.length === 5, 8000).catch(() => undefined);
        should(sim.saved.length).equal(5, `the next run did not read the records again (watermark committed with ${at[0]} records saved): they are lost`);
    });

    it('a Split node sending each piece to a write node and, through a Delay node, to another: committed once every piece was written by both', async () => {
        const at = await run(
            [
                query(['sp']),
                { id: 'sp', type: 'split', z: 'f1', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['s1', 'dly']] },
                save('s1'),
                { id: 'dly', type: 'delay', z: 'f1', pauseType: 'delay', timeout: '400', timeoutUnits: 'milliseconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, wires: [['s2']] },
                save('s2'),
            ],
            100,
        );
        await commitsOnce(at, 10);
        should(at).eql([10]);
    });

    it('a lookup query on one wire (passing the acknowledgement on) and a write node on the other: committed once the lookup\'s msgs were written', async () => {
        const at = await run([
            query(['q2', 's1']),
            // A lookup fed by q1's msgs (not incremental): it reads the items again and sends them to its own write node.
            { id: 'q2', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'all', wires: [['s2']] },
            save('s1'),
            save('s2'),
        ]);
        await commitsOnce(at, 10);
        should(at).eql([10]);
    });

    it('a disabled debug node beside the write node (its wire stays, nothing is delivered down it): committed once the write node wrote the records', async () => {
        // Node-RED keeps a disabled node's wires but starts no node for it: the copy for that wire is never delivered.
        const at = await run([query(['s1', 'dbg']), save('s1'), { id: 'dbg', type: 'debug', z: 'f1', d: true, active: true, complete: 'payload', console: false, tosidebar: true }], 0);
        await commitsOnce(at, 5);
        should(at).eql([5], 'the watermark was not committed: the run waits for a copy sent to a disabled node until the ack timeout');
    });

    const delay = (name: string, extra: Msg = {}) => ({ id: 'dly', type: 'delay', z: 'f1', name, pauseType: 'delay', timeout: '2', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, outputs: 1, ...extra });

    /** Runs `flow`, waits for `written` records, then deploys "modified nodes" restarting only the Delay node. */
    async function redeployDelay(flow: (name: string) => Msg[], written: number): Promise<{ at: number[]; cutOff: boolean }> {
        const at = await run(flow('before'), 100);
        const q = helper.getNode('q1');
        await waitFor(`${written} records written`, () => sim.saved.length === written);
        await new Promise((r) => setTimeout(r, 100));
        await helper.setFlows([{ id: 'f1', type: 'tab' }, { ...config, url: sim.baseUrl }, ...flow('after')], 'nodes', creds);
        const cutOff = () => (q.warn as sinon.SinonSpy).args.some((a) => /cut off downstream/.test(String(a[0])));
        await waitFor('the run abandoned', cutOff, 3000).catch(() => undefined);
        return { at, cutOff: cutOff() };
    }

    it('one msg per record sent one at a time, then a rate-limiting Delay node and a Switch node to the write node: committed once the last record the Delay released was written, not when it released it', async () => {
        // The Delay node sends each record on to the Switch (which is not waited for), then completes it: the last one
        // released must not let the run commit before the write node behind the Switch wrote it.
        const sw = { id: 'sw', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nnull' }], checkall: 'true', repair: false, outputs: 1, wires: [['s1']] };
        const at = await run([query(['fn']), fn('fn', 'for (const r of msg.payload) node.send({ ...msg, payload: [r] });\nreturn null;', ['dly']), { ...delay('rate', { pauseType: 'rate', rate: '1', nbRateUnits: '0.8' }), wires: [['sw']] }, sw, save('s1')], 0);
        await waitFor('the 5 records saved', () => sim.saved.length === 5, 10000);
        await waitFor('the watermark committed', () => at.length === 1, 3000).catch(() => undefined);
        should(at).eql([5], `the watermark was committed with ${at[0]} of the 5 records saved: a crash then loses the last one`);
    });

    it('a deploy restarting a Delay node on the second wire while it holds the copy (completed unsent): nothing committed, the run is abandoned at once', async () => {
        const { at, cutOff } = await redeployDelay((name) => [query(['s1', 'dly']), save('s1'), { ...delay(name), wires: [['s2']] }, save('s2')], 5);
        should(at).eql([], `the watermark was committed with ${at[0]} records written: the records the Delay node held for the second write node are lost`);
        should(cutOff).be.true();
    });

    it('a deploy restarting a rate-limiting Delay node holding all but the first of the msgs sent one per record (the first written): nothing committed, the run is abandoned at once', async () => {
        const { at, cutOff } = await redeployDelay(
            (name) => [
                query(['fn']),
                fn('fn', 'for (const r of msg.payload) node.send({ ...msg, payload: [r] });\nreturn null;', ['dly']),
                { ...delay(name, { pauseType: 'rate' }), wires: [['s1']] },
                save('s1'),
            ],
            1,
        );
        should(at).eql([], `the watermark was committed with ${at[0]} record written: the 4 the Delay node held are lost`);
        should(cutOff).be.true();
    });

    it('the message hooks never throw, whatever the msg (frozen, a property getter that throws): Node-RED delivers it', async () => {
        followTickets(runtimeHooks);
        const ackRun = openAckRun(() => undefined);
        const frozen = Object.freeze({ _msgid: 'm1', payload: 1, [ACK_PROPERTY]: ackRun.issue() });
        const odd = { _msgid: 'm2', [ACK_PROPERTY]: ackRun.issue() };
        Object.defineProperty(odd, 'parts', { enumerable: true, get: () => { throw new Error('getter'); } });
        for (const msg of [frozen, odd]) {
            const events = [0, 1].map((i) => ({ msg, source: { id: 'src', node: undefined, port: 0 }, destination: { id: `dst${i}`, node: undefined }, cloneMessage: i > 0 }));
            for (const [hook, event] of [['onSend', events], ['preDeliver', events[0]], ['preDeliver', events[1]], ['onComplete', { msg, node: { id: 'dst0' } }]] as const) {
                await runtimeHooks.trigger(hook, event).catch((err: Error) => should.fail(err, undefined, `the ${hook} hook threw on msg ${msg._msgid}: ${err.message} (Node-RED then drops the msg)`));
            }
        }
        ackRun.abandon();
    });

    it('a copy that never comes back (a node that takes it and never completes it): nothing committed; the run is abandoned at the ack timeout with a warning', async () => {
        // A helper node with no input handler never completes what it receives.
        const at = await run([query(['s1', 'sink'], { ackTimeout: '0.005' }), save('s1'), { id: 'sink', type: 'helper', z: 'f1' }], 10);
        const q = helper.getNode('q1');
        await waitFor('the write node saved the 5 records', () => sim.saved.length === 5);
        const warning = await waitFor('the run abandoned', () => (q.warn as sinon.SinonSpy).args.map((a) => String(a[0])).find((w) => /were not acknowledged within/.test(w)), 5000);
        // Counted in msgs the query emitted (one), not in the copies Node-RED made of it.
        should(warning).match(/1 of the 1 msgs this run emitted/);
        should(at).eql([]);
    });

    /** A Switch node passing records with an even id on (a JSONata rule: Node-RED evaluates it asynchronously), dropping the others. */
    const evenOnly = (wires: string[], extra: Msg = {}) => ({ id: 'sw', type: 'switch', z: 'f1', name: '只要偶数', property: 'payload.id', propertyType: 'msg', rules: [{ t: 'jsonata_exp', v: 'payload.id % 2 = 0', vt: 'jsonata' }], checkall: 'true', repair: false, outputs: 1, wires: [wires], ...extra });
    /** Waits for the one commit (the last msgs a Switch or Filter node dropped count once it has been quiet for 2 s). */
    const committed = (at: number[]) => waitFor('the watermark committed', () => at.length === 1, FILTER_QUIET_MS + 3000);

    it('record mode, a Switch node dropping the records no rule matched: committed once the write node wrote the others, not held to the ack timeout', async () => {
        const at = await run([query(['sw'], { outputMode: 'record' }), evenOnly(['s1']), save('s1')], 1);
        await committed(at);
        should(at).eql([2], 'the records the Switch dropped (ids 1, 3, 5) held the run');
    });

    it('record mode, a Filter node (rbe) dropping records whose value did not change: committed once the write node wrote the others', async () => {
        // Every record gets the same kind: the Filter passes the first and drops the rest.
        const at = await run(
            [
                query(['kind'], { outputMode: 'record' }),
                { id: 'kind', type: 'change', z: 'f1', rules: [{ t: 'set', p: 'kind', pt: 'msg', to: 'bill', tot: 'str' }], wires: [['filter']] },
                { id: 'filter', type: 'rbe', z: 'f1', func: 'rbe', gap: '', start: '', inout: 'out', septopics: false, property: 'kind', topi: 'topic', wires: [['s1']] },
                save('s1'),
            ],
            0,
        );
        await committed(at);
        should(at).eql([1], 'the records the Filter dropped held the run');
    });

    it('a page cut into records by a Split node, a Switch node dropping some of them: committed once the write node wrote the others', async () => {
        const at = await run([query(['sp']), { id: 'sp', type: 'split', z: 'f1', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['sw']] }, evenOnly(['s1']), save('s1')], 1);
        await committed(at);
        should(at).eql([2]);
    });

    it('one msg per record sent one at a time (the same ticket on each), a Switch node dropping some: committed once the records it passed on were written, not when it dropped the first', async () => {
        const at = await run([query(['fn']), fn('fn', 'for (const r of msg.payload) node.send({ ...msg, payload: r });\nreturn null;', ['sw']), evenOnly(['s1']), save('s1')], 0);
        await committed(at);
        should(at).eql([2], `the watermark was committed with ${at[0]} of the 2 records saved: a crash then loses the others`);
    });

    it('record mode, the event loop blocked for longer than the quiet wait while msgs wait at a Switch node: committed once the write node wrote the records the Switch passed on, not when the loop came back', async () => {
        // A function node on the second wire blocks the event loop for 2.5 s as it gets the last record: the Switch has
        // had every record delivered, sent on the first and holds the rest, to be worked through one a turn after.
        const block = `if (msg.payload.id === 5) { const t = Date.now(); while (Date.now() - t < ${FILTER_QUIET_MS + 500}) {} }\nreturn null;`;
        const at = await run([query(['sw', 'busy'], { outputMode: 'record' }), evenOnly(['s1'], { name: '有值', rules: [{ t: 'nnull' }] }), fn('busy', block, []), save('s1')], 0);
        await waitFor('the 5 records saved', () => sim.saved.length === 5, FILTER_QUIET_MS + 5000);
        await committed(at);
        should(at).eql([5], `the watermark was committed with ${at[0]} of the 5 records the Switch passed on saved: a crash then loses the others`);
    });

    it('record mode, a busy runtime (a long task every event-loop turn) while a Switch node works through the records it drops before the one it passes on: committed once that one was written', async () => {
        // The Switch gets all five records at once and works through them one an event-loop turn; a function node on
        // the second wire, given record 1, takes a second of each of the next four turns (another flow's work). The
        // Switch drops records 1 – 4 one a turn, sending nothing for seconds, and passes record 5 on last.
        const busy = 'if (msg.payload.id !== 1) return null;\nlet k = 0;\nconst spin = () => { const t = Date.now(); while (Date.now() - t < 1000) {} if (++k < 4) setTimeout(spin, 0); };\nsetTimeout(spin, 0);\nreturn null;';
        const at = await run([query(['sw', 'busy'], { outputMode: 'record' }), evenOnly(['s1'], { name: '只要5号', rules: [{ t: 'eq', v: '5', vt: 'num' }] }), fn('busy', busy, []), save('s1')], 0);
        await waitFor('record 5 saved', () => sim.saved.length === 1, 10000);
        await committed(at);
        should(at).eql([1], 'the watermark was committed before the Switch passed record 5 on: a crash then loses it');
    });

    it('a Switch node with a rule on the last msgs of a sequence, dropping the others: held to the ack timeout, whose warning names the Switch and what to do', async () => {
        // Such a Switch holds the pieces until it has them all, and may send a later msg first: what it dropped is not inferred.
        const lastTwo = { id: 'sw', type: 'switch', z: 'f1', name: '只要最后两条', property: 'payload', propertyType: 'msg', rules: [{ t: 'tail', v: '2', vt: 'num' }], checkall: 'true', repair: false, outputs: 1, wires: [['s1']] };
        const at = await run([query(['sp'], { ackTimeout: '0.005' }), { id: 'sp', type: 'split', z: 'f1', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['sw']] }, lastTwo, save('s1')], 10);
        const q = helper.getNode('q1');
        const warning = await waitFor('the run abandoned', () => (q.warn as sinon.SinonSpy).args.map((a) => String(a[0])).find((w) => /were not acknowledged within/.test(w)), 5000);
        should(sim.saved.map((r) => r.name)).eql(['item-4', 'item-5']);
        should(warning).match(/last delivered to switch "只要最后两条": 3 msgs — .*Switch node.*otherwise rule/);
        should(warning).not.match(/kit-save/);
        should(at).eql([]);
    });

    it('a copy held by a node that never completes it: the warning names that node, without the Switch hint when it completes msgs', async () => {
        // A function node that keeps the msg and never calls node.done() on it (the write node beside it finishes): one
        // whose code names node.done() is left to call it itself.
        const at = await run([query(['s1', 'keep'], { ackTimeout: '0.005' }), save('s1'), fn('keep', 'context.set("kept", msg);\nif (msg.never) node.done();\nreturn;', [])], 10);
        await waitFor('the write node saved the 5 records', () => sim.saved.length === 5);
        const q = helper.getNode('q1');
        const warning = await waitFor('the run abandoned', () => (q.warn as sinon.SinonSpy).args.map((a) => String(a[0])).find((w) => /were not acknowledged within/.test(w)), 5000);
        should(warning).match(/last delivered to function \(keep\): 1 msg\)/);
        should(warning).not.match(/otherwise rule/);
        should(at).eql([]);
    });
});
