import should from 'should';
import { helper, load, Msg, statusNode } from './nodered';

/** A node that fails (done(err)) on any payload but 'ok', naming itself in the error, and shows what it got. */
function failNode(RED: any): void {
    RED.nodes.registerType('test-fail', function (this: any, config: Msg) {
        RED.nodes.createNode(this, config);
        this.on('input', (msg: Msg, _send: unknown, done: (err?: Error) => void) => {
            this.status({ text: `got ${msg.payload}` });
            if (msg.payload === 'ok') done();
            else done(new Error(`${config.name} failed on ${msg.payload}`));
        });
    });
}

/** Two test-fail nodes a and b, and for each of `types` two core nodes scoped one to a, one to b, wired to probes. */
function flow(types: string[]): Msg[] {
    const nodes: Msg[] = [
        { id: 'f1', type: 'tab', label: 'test' },
        { id: 'a', type: 'test-fail', z: 'f1', name: 'A', wires: [] },
        { id: 'b', type: 'test-fail', z: 'f1', name: 'B', wires: [] },
    ];
    for (const type of types) {
        for (const target of ['a', 'b']) {
            nodes.push({ id: `${type}-${target}`, type, z: 'f1', scope: [target], uncaught: false, wires: [[`${type}-${target}-probe`]] });
            nodes.push({ id: `${type}-${target}-probe`, type: 'helper', z: 'f1' });
        }
    }
    return nodes;
}

/** What reaches each probe, as it arrives. */
function listen(ids: string[]): Record<string, Msg[]> {
    const seen: Record<string, Msg[]> = {};
    for (const id of ids) {
        seen[id] = [];
        helper.getNode(id).on('input', (m: Msg) => seen[id].push(m));
    }
    return seen;
}

/** Resolves when `list` has `n` entries (the flow answers within a few ticks; 5 s means it never will). */
async function until(list: Msg[], n: number, what: string): Promise<void> {
    const started = Date.now();
    while (list.length < n) {
        if (Date.now() - started > 5000) throw new Error(`${what}: ${list.length} of ${n} messages`);
        await new Promise((r) => setTimeout(r, 5));
    }
}

/** load() must settle: before the fix it waited for ever when a core type appeared twice in the flow. */
function loadOrFail(modules: unknown[], nodes: Msg[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('load() did not settle within 5 s')), 5000)));
    return Promise.race([load(modules, nodes), hang]).finally(() => clearTimeout(timer));
}

describe('test helper load()', () => {
    afterEach(async () => {
        await helper.unload();
    });

    it('loads a flow with two Catch nodes scoped to different nodes; each catches only its own node\'s error', async () => {
        await loadOrFail([failNode], flow(['catch']));
        const seen = listen(['catch-a-probe', 'catch-b-probe']);
        helper.getNode('a').receive({ payload: 'x' });
        await until(seen['catch-a-probe'], 1, 'catch of a');
        helper.getNode('b').receive({ payload: 'y' });
        await until(seen['catch-b-probe'], 1, 'catch of b');
        should(seen['catch-a-probe']).have.length(1);
        should(seen['catch-b-probe']).have.length(1);
        should(seen['catch-a-probe'][0].error).match({ message: /A failed on x/, source: { id: 'a' } });
        should(seen['catch-b-probe'][0].error).match({ message: /B failed on y/, source: { id: 'b' } });
    });

    it('loads two Complete and two Status nodes as well (a status node module passed in is not registered twice)', async () => {
        await loadOrFail([failNode, statusNode], flow(['complete', 'status', 'catch']));
        const seen = listen(['complete-a-probe', 'complete-b-probe', 'status-a-probe', 'status-b-probe']);
        helper.getNode('b').receive({ payload: 'ok' });
        await until(seen['complete-b-probe'], 1, 'complete of b');
        await until(seen['status-b-probe'], 1, 'status of b');
        helper.getNode('a').receive({ payload: 'ok' });
        await until(seen['complete-a-probe'], 1, 'complete of a');
        await until(seen['status-a-probe'], 1, 'status of a');
        should(seen['complete-a-probe']).have.length(1);
        should(seen['complete-b-probe']).have.length(1);
        should(seen['status-a-probe'].map((m) => [m.status.source.id, m.status.text])).eql([['a', 'got ok']]);
        should(seen['status-b-probe'].map((m) => [m.status.source.id, m.status.text])).eql([['b', 'got ok']]);
    });

    it('rejects instead of hanging when the flow cannot be loaded (a node type registered twice)', async () => {
        await should(loadOrFail([failNode, (RED: unknown) => failNode(RED)], flow([]))).be.rejectedWith(/test-fail already registered/);
    });
});
