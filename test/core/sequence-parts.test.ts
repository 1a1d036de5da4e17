import path from 'path';
import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { waitFor, sleep } from '../helpers/wait';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitSave } from '../kit/kit-nodes';
import { fixture } from '../mapper/fixtures';
import erpMapper = require('../../nodes/mapper/erp-mapper');
import jingchengRecv = require('../../nodes/jingcheng/jingcheng-recv');
import jingchengConfig = require('../../nodes/jingcheng/jingcheng-config');

const coreNodes = path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] })), 'core');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const splitNode = require(path.join(coreNodes, 'sequence', '17-split.js'));

/**
 * Outputs of a msg that is a piece of a sequence (`msg.parts`, after a Split node): a piece holding several records
 * makes several output-2 msgs, which must not all claim the piece's place in its sequence.
 */
describe('core: output 2 of a piece of a sequence (msg.parts)', function () {
    this.timeout(20000);
    let sim: KitSim;

    beforeEach(async () => {
        sim = new KitSim(0);
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const config = () => ({ id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0 });
    const creds = { c1: { password: KIT_DEMO.password } };
    const split = (size: number) => ({ id: 'sp', type: 'split', z: 'f1', splt: '\\n', spltType: 'str', arraySplt: size, arraySpltType: 'len', stream: false, addname: '', wires: [['s1']] });

    it('a Split into pieces of two records, refused records joined behind output 2 by a Join in automatic mode: none is lost; each joined msg is its piece again', async () => {
        await load([kitConfig, kitSave, splitNode], [
            { id: 'f1', type: 'tab' },
            config(),
            split(2),
            { id: 's1', type: 'kit-save', z: 'f1', config: 'c1', wires: [[], ['j1']] },
            { id: 'j1', type: 'join', z: 'f1', mode: 'auto', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '', reduceRight: false, wires: [['joined']] },
            { id: 'joined', type: 'helper', z: 'f1' },
        ], creds);
        const joined: Msg[] = [];
        helper.getNode('joined').on('input', (m: Msg) => joined.push(m));
        const records = [{ name: 'bad', ref: 1 }, { name: 'bad', ref: 2 }, { name: 'a', ref: 3 }, { name: 'bad', ref: 4 }];
        helper.getNode('sp').receive({ payload: records });
        await waitFor('the refused records joined', () => joined.flatMap((m) => m.payload).length >= 3).catch(() => undefined);
        await sleep(200);
        should(joined.flatMap((m) => m.payload.map((r: Msg) => r.ref)).sort()).eql([1, 2, 4], 'a refused record was lost in the Join behind output 2');
        // Each joined msg holds the refusals of one piece and is that piece again (the Split's parts).
        should(joined.map((m) => [m.payload.map((r: Msg) => r.ref), m.parts?.index, m.parts?.count]).sort((a, b) => a[1] - b[1])).eql([
            [[1, 2], 0, 2],
            [[4], 1, 2],
        ]);
        should(sim.saved.map((s) => s.name)).eql(['a']);
    });

    it('what the write node sends for a piece: its failures a sequence of their own (the piece\'s parts beneath), its saved records and a single record\'s outcome keep the piece\'s parts', async () => {
        await load([kitConfig, kitSave], withProbes([config(), { id: 's1', type: 'kit-save', z: 'f1', config: 'c1' }], 's1', 2), creds);
        const piece = { id: 'seq1', index: 1, count: 3, type: 'array', len: 3 };
        const r = await run('s1', { payload: [{ name: 'bad' }, { name: 'a' }, { name: 'bad' }], parts: piece }, 2);
        should(r.outputs[0].map((m) => m.parts)).eql([piece]);
        const [x, y] = r.outputs[1].map((m) => m.parts);
        should(x).match({ index: 0, count: 2, type: 'array', parts: piece });
        should(y).match({ index: 1, count: 2, type: 'array', parts: piece });
        should(x.id).equal(y.id);
        should(x.id).not.equal(piece.id);

        const one = await run('s1', { payload: { name: 'bad' }, parts: piece }, 2);
        should(one.outputs[1].map((m) => m.parts)).eql([piece]);
        const none = await run('s1', { payload: [{ name: 'bad' }, { name: 'bad' }] }, 2);
        should(none.outputs[1].map((m) => m.parts)).eql([undefined, undefined]);
    });

    it('the mapper likewise: the records of a piece that fail to map are a sequence of their own, the piece\'s parts beneath', async () => {
        const fx = fixture(2);
        await load([jingchengConfig, jingchengRecv, erpMapper], withProbes([{ id: 'n1', type: 'erp-mapper', z: 'f1', name: '', target: 'jingcheng-recv', mapping: JSON.stringify(fx.mapping) }], 'n1', 2));
        const piece = { id: 'seq2', index: 0, count: 2, type: 'array', len: 3 };
        const noItems = { ...fx.source, details: [] };
        const r = await run('n1', { payload: [noItems, fx.source, noItems], parts: piece }, 2);
        should(r.outputs[0].map((m) => m.parts)).eql([piece]);
        should(r.outputs[1].map((m) => [m.parts.index, m.parts.count, m.parts.parts])).eql([
            [0, 2, piece],
            [1, 2, piece],
        ]);
    });
});
