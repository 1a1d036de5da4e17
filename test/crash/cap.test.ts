import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitQuery, kitSave } from '../kit/kit-nodes';
import { waitFor } from './runtime';

/**
 * The record cap (maxRecords) stops a read before the end of its window. The records after the cap were never read,
 * so the watermark must not move past them, in either commit mode; otherwise the next run starts after them.
 */
describe('crash-safe incremental sync: a read cut short by the record cap', function () {
    let sim: KitSim;

    beforeEach(async () => {
        sim = new KitSim(250);
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const config = () => ({ id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0 });
    const creds = { c1: { password: KIT_DEMO.password } };
    const query = (extra: Msg) => ({ id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', incremental: true, ...extra });
    const ids = (msgs: Msg[]) => msgs.flatMap((m) => m.payload.map((i: any) => i.id));
    const watermark = () => helper.getNode('q1').context().get('cnErpWatermark');
    /** Whether the query warned that the cap stopped the read and the watermark stays. */
    const warnedCapped = () => helper.getNode('q1').warn.args.some((a: unknown[]) => /cap/.test(String(a[0])) && /watermark/.test(String(a[0])));

    it('commit on read: a capped run leaves the watermark and warns; the next run reads the rest', async () => {
        await load([kitConfig, kitQuery], withProbes([config(), query({ watermarkCommit: 'read' })], 'q1', 1), creds);
        const first = await run('q1', { maxRecords: 120 }, 1);
        should(ids(first.outputs[0])).have.length(120);
        should(watermark()).be.undefined();
        should(warnedCapped()).be.true();
        const second = await run('q1', {}, 1);
        should(watermark()).be.a.Number();
        const seen = new Set([...ids(first.outputs[0]), ...ids(second.outputs[0])]);
        should(seen.size).equal(250);
    });

    it('a cap set on the node below what a run reads: every run reads the same records again, shows yellow (not a green sync) and warns to raise it', async () => {
        await load([kitConfig, kitQuery], withProbes([config(), query({ watermarkCommit: 'read', maxRecords: '100' })], 'q1', 1), creds);
        const runs: unknown[][] = [];
        for (let i = 0; i < 2; i++) {
            helper.getNode('q1').warn.resetHistory();
            runs.push(ids((await run('q1', {}, 1)).outputs[0]));
            should(helper.getNode('q1').status.lastCall.args[0]).match({ fill: 'yellow', text: /100/ });
            should(helper.getNode('q1').warn.args.map((a: unknown[]) => String(a[0]))).containEql(
                'kit-query: the record cap (100) stopped the read before the end of its window; the watermark stays where it was, so the next run reads from the same start, these records again included. A cap below what one run reads holds the sync there for good: raise it, or leave it empty',
            );
        }
        should(runs[1]).eql(runs[0]);
        should(watermark()).be.undefined();
    });

    it('a window holding exactly the cap (the cap reached on the last page\'s last record) is read whole: the watermark moves, no warning', async () => {
        await load([kitConfig, kitQuery], withProbes([config(), query({ watermarkCommit: 'read' })], 'q1', 1), creds);
        const r = await run('q1', { maxRecords: 250 }, 1);
        should(ids(r.outputs[0])).have.length(250);
        should(watermark()).be.a.Number();
        should(warnedCapped()).be.false();
    });

    it('the cap reached at a page boundary with records after it: still cut short (the next page was asked, not emitted)', async () => {
        await load([kitConfig, kitQuery], withProbes([config(), query({ watermarkCommit: 'read' })], 'q1', 1), creds);
        const r = await run('q1', { maxRecords: 200 }, 1);
        should(ids(r.outputs[0])).have.length(200);
        should(watermark()).be.undefined();
        should(warnedCapped()).be.true();
    });

    it('commit on ack: a capped run is never committed even once every page is acknowledged', async () => {
        const flow = [{ id: 'f1', type: 'tab' }, config(), query({ watermarkCommit: 'ack', wires: [['s1']] }), { id: 's1', type: 'kit-save', z: 'f1', config: 'c1', params: {}, wires: [[], []] }];
        await load([kitConfig, kitQuery, kitSave], flow, creds);
        helper.getNode('q1').receive({ maxRecords: 120 });
        await waitFor('120 records saved', () => sim.saved.length === 120, 10000, 10);
        await new Promise((r) => setTimeout(r, 50));
        should(watermark()).be.undefined();
        helper.getNode('q1').receive({});
        await waitFor('the watermark committed', () => watermark(), 10000, 10);
        should(new Set(sim.saved.map((s) => s.name)).size).equal(250);
    });
});
