import path from 'path';
import should from 'should';
import type * as Ack from '../../nodes/core/ack';

const nodeRedPath = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
const utilDir = path.dirname(require.resolve('@node-red/util/package.json', { paths: [path.dirname(nodeRedPath)] }));

/** A module loaded afresh (its own state), the cached one left in place for every other test. */
function fresh<T>(file: string): T {
    const resolved = require.resolve(file);
    const cached = require.cache[resolved];
    delete require.cache[resolved];
    try {
        return require(resolved);
    } finally {
        if (cached) require.cache[resolved] = cached;
        else delete require.cache[resolved];
    }
}

/**
 * The message hooks of ack mode run for every msg of every flow in the runtime: they are registered only while there
 * is something to follow (a run open, or a msg of one still with a node), so between runs the runtime's other flows
 * pay nothing. Checked on fresh copies of ack.ts and of Node-RED's hooks (the state of other tests' runs left aside).
 */
describe('core/ack: the message hooks are registered only while there is something to follow', function () {
    const HOOKS = ['onSend', 'preDeliver', 'onReceive', 'onComplete'];
    let ack: typeof Ack;
    let hooks: { add(id: string, cb: (event: any) => void): void; has(id: string): boolean; remove(id: string): void; trigger(id: string, event: unknown): Promise<unknown> };
    const registered = () => HOOKS.filter((h) => hooks.has(`${h}.cnErpAck`));

    beforeEach(() => {
        ack = fresh<typeof Ack>('../../nodes/core/ack');
        hooks = fresh(path.join(utilDir, 'lib', 'hooks.js'));
    });

    it('none before a run, all four while it is open, none once it is over; a copy still with a node keeps them until it completes it', async () => {
        ack.followTickets(hooks);
        should(registered()).eql([], 'registered with no run open: every msg of every flow pays for them');
        const run = ack.openAckRun(() => undefined);
        should(registered()).eql(HOOKS);
        run.abandon();
        should(registered()).eql([], 'still registered once the run was over');

        // A run's msg sent to two wires, each copy delivered to a node that completes msgs; the run gives up.
        const settled: string[] = [];
        const second = ack.openAckRun(() => settled.push('second'));
        const msg = { _msgid: 'm1', payload: 1, [ack.ACK_PROPERTY]: second.issue() };
        second.seal();
        const node = (id: string) => ({ id, _expectedDoneCount: 1 });
        const events = ['w1', 'w2'].map((id, i) => ({ msg: i === 0 ? msg : { ...msg }, source: { id: 'q1', node: node('q1'), port: 0 }, destination: { id, node: node(id) }, cloneMessage: i > 0 }));
        await hooks.trigger('onSend', events);
        for (const e of events) await hooks.trigger('preDeliver', e);
        second.abandon();
        should(registered()).eql(HOOKS, 'taken off while copies of a msg are still with nodes');
        for (const e of events) await hooks.trigger('onComplete', { msg: e.msg, node: { id: e.destination.id, node: e.destination.node } });
        should(registered()).eql([], 'still registered once every node completed what it held');

        // A later run puts them back, and its copies are followed as before: back once both are.
        const third = ack.openAckRun(() => settled.push('third'));
        should(registered()).eql(HOOKS);
        const m3 = { _msgid: 'm3', payload: 1, [ack.ACK_PROPERTY]: third.issue() };
        third.seal();
        const e3 = ['w1', 'w2'].map((id, i) => ({ msg: i === 0 ? m3 : { ...m3 }, source: { id: 'q1', node: node('q1'), port: 0 }, destination: { id, node: node(id) }, cloneMessage: i > 0 }));
        await hooks.trigger('onSend', e3);
        for (const e of e3) await hooks.trigger('preDeliver', e);
        for (const e of e3) await hooks.trigger('onComplete', { msg: e.msg, node: { id: e.destination.id, node: e.destination.node } });
        ack.acknowledge(e3[0].msg);
        should(settled).eql([], 'settled with one copy of two acknowledged');
        ack.acknowledge(e3[1].msg);
        should(settled).eql(['third']);
        should(registered()).eql([]);
    });
});
