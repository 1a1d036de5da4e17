import should from 'should';
import sinon from 'sinon';
import { waitFor } from '../helpers/wait';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { kitConfig, kitQuery, kitSave } from '../kit/kit-nodes';
import { Watermark, readDigest } from '../../nodes/core/watermark';
import { acknowledge, openAckRun } from '../../nodes/core/ack';
import { ackTimeout, sameRead } from '../../nodes/core/endpoint';
import path from 'path';

// Node-RED's own Split node, as an integrator puts it between a query and a write node.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const splitNode = require(path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] })), 'core', 'sequence', '17-split.js'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const changeNode = require(path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] })), 'core', 'function', '15-change.js'));

/**
 * An incremental query node runs one read at a time: a trigger arriving while a run reads (or, in ack mode, waits
 * for its acknowledgements) waits for it and then reads from the watermark it committed; a further trigger is merged
 * into the waiting one when it asks for the same read, and waits its own turn when it asks for something else.
 * Non-incremental queries still run side by side.
 */
describe('core/endpoint: an incremental query never runs the same read twice at once', function () {
    let sim: KitSim;
    let sandbox: sinon.SinonSandbox;

    beforeEach(async () => {
        sandbox = sinon.createSandbox();
        sim = new KitSim(250);
        await sim.start();
    });
    afterEach(async () => {
        sandbox.restore();
        await helper.unload();
        await sim.stop();
    });

    const creds = { c1: { password: KIT_DEMO.password } };
    const config = () => ({ id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0 });
    const query = (extra: Msg = {}) => ({ id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', incremental: true, overlapMinutes: '1', ...extra });
    const isQuery = (r: { path: string }) => r.path === '/items/query';
    const isSave = (r: { path: string }) => r.path === '/items/save';
    const queries = () => sim.requests.filter(isQuery).map((r) => JSON.parse(r.body) as { page: number; since?: number });

    /**
     * The query in ack mode wired to a write node named `saveName` (a new name makes a deploy of modified nodes restart
     * it), beside `others`.
     */
    function queryIntoSave(saveName: string, others: Msg[] = []): Msg[] {
        const f = withProbes([config(), query({ watermarkCommit: 'ack' }), { id: 's1', type: 'kit-save', z: 'f1', name: saveName, config: 'c1', params: { chunkSize: { value: '100', type: 'num' } }, wires: [[], []] }, ...others], 'q1', 1);
        f.find((n) => n.id === 'q1')!.wires = [['s1']];
        return f;
    }

    /** Which input msgs (by msg.payload: 1, 2, 3 like an inject's timestamps) the node finished, and how: completed (done()) or caught (done(err)). */
    function finished() {
        const completed: number[] = [];
        const caught: Msg[] = [];
        helper.getNode('q1-completed').on('input', (m: Msg) => completed.push(m.payload));
        helper.getNode('q1-caught').on('input', (m: Msg) => caught.push(m));
        return { completed, caught };
    }

    /** The commits of the watermark so far, in order (the value committed each time). */
    function commits(): () => number[] {
        const set = sandbox.spy(Watermark.prototype, 'set');
        return () => set.args.map((a) => a[0]);
    }

    /** An incremental query (settings: `extra`) whose first read is slow at the vendor, with msg 1 reading and msg 2 waiting. */
    async function slowRunWithOneWaiting(extra: Msg = {}) {
        await load([kitConfig, kitQuery], withProbes([config(), query(extra)], 'q1', 1), creds);
        const done = finished();
        sim.inject({ type: 'delay', ms: 400, thenProcess: true }, 1, isQuery);
        const q = helper.getNode('q1');
        const warn = q.warn as sinon.SinonSpy;
        q.receive({ payload: 1 });
        await waitFor('the first read at the vendor', () => queries().length === 1);
        q.receive({ payload: 2 });
        return { q, warn, done };
    }

    it('the ack timeout setting: minutes, blank → 30, 0 → wait for ever, capped to what a timer takes; no number refused', () => {
        const ms = (v: unknown) => ackTimeout(v).ms;
        should(ms(undefined)).equal(30 * 60000);
        should(ms('')).equal(30 * 60000);
        // Spaces are blank, not 0 (wait for ever: a msg dropped downstream would hold every later run back).
        should(ms('  ')).equal(30 * 60000);
        should(ms('abc')).equal(30 * 60000);
        should(ms('-1')).equal(30 * 60000);
        should(ms('0')).be.undefined();
        should(ms(0)).be.undefined();
        should(ms('5')).equal(5 * 60000);
        should(ms('0.005')).equal(300);
        should(ms('100000')).equal(2147483647);
        // What the node warns of at deploy: a setting that is no number of minutes, or negative; blank is not one.
        for (const v of ['abc', '-1', -5, '5 min']) should(ackTimeout(v).refused).be.true(`${JSON.stringify(v)} refused`);
        for (const v of [undefined, '', '  ', '0', 0, '5', '0.005']) should(ackTimeout(v).refused).be.false(`${JSON.stringify(v)} accepted`);
    });

    it('a second trigger during a slow read waits, then reads from the watermark the first run committed', async () => {
        const committed = commits();
        await load([kitConfig, kitQuery], withProbes([config(), query()], 'q1', 1), creds);
        const done = finished();
        // The first page of the first run is slow at the vendor.
        sim.inject({ type: 'delay', ms: 400, thenProcess: true }, 1, isQuery);
        const q = helper.getNode('q1');
        q.receive({ payload: 1 });
        await waitFor('the first read at the vendor', () => queries().length === 1);
        q.receive({ payload: 2 });
        await waitFor('both triggers finished', () => done.completed.length === 2);
        await new Promise((r) => setTimeout(r, 50));

        should(done.completed).eql([1, 2]);
        should(done.caught).have.length(0);
        const q1 = queries();
        // Run 1: three pages from the beginning (no watermark yet); run 2: one read from run 1's watermark minus the
        // overlap — never the first window again, never interleaved with run 1's pages.
        should(q1.map((b) => b.page)).eql([1, 2, 3, 1]);
        should(q1.slice(0, 3).every((b) => b.since === undefined)).be.true();
        should(committed()).have.length(2);
        should(q1[3].since).equal(committed()[0] - 60000);
        // The status said the next run waited while the first read.
        const status = q.status as sinon.SinonSpy;
        should(status.args.some((a) => /next run waiting/.test(a[0].text))).be.true();
    });

    it('a third trigger while one already waits is merged: done at once with a warning, no third read', async () => {
        const { q, warn, done } = await slowRunWithOneWaiting();
        q.receive({ payload: 3 });
        // The merged trigger is finished at once, long before the slow first read.
        await waitFor('the merged trigger done', () => done.completed.includes(3));
        should(done.completed[0]).equal(3);
        should(warn.args.some((a) => /merged into the waiting run/.test(String(a[0])))).be.true();
        await waitFor('all triggers finished', () => done.completed.length === 3);
        await new Promise((r) => setTimeout(r, 100));
        // Each msg finished exactly once; two runs read (three pages, then one from the watermark), not three.
        should(done.completed.slice().sort()).eql([1, 2, 3]);
        should(done.caught).have.length(0);
        should(queries().map((b) => b.since === undefined)).eql([true, true, true, false]);
    });

    it('an inject firing on and on during a long run warns of the first merge and then counts, not one warning per trigger', async () => {
        const { q, warn, done } = await slowRunWithOneWaiting();
        for (let i = 3; i < 53; i++) q.receive({ payload: i });
        await waitFor('all triggers finished', () => done.completed.length === 52);
        await new Promise((r) => setTimeout(r, 100));
        should(done.caught).have.length(0);
        const merges = warn.args.map((a) => String(a[0])).filter((t) => /merged/.test(t));
        // The first merge is warned of as it happens; the 49 after it are summed up once, when the waiting run starts.
        should(merges).have.length(2, `one warning per merged trigger: ${merges.length} lines`);
        should(merges[0]).match(/merged into the waiting run/);
        should(merges[1]).match(/49 more triggers were merged into this run/);
        // Still two runs, not 52.
        should(queries().map((b) => b.since === undefined)).eql([true, true, true, false]);
    });

    it('a trigger asking for a different read (msg.params) while one waits is not merged: it runs in its turn with its own parameters', async () => {
        // No page size in the node: each msg's own (default 50) applies.
        const { q, warn, done } = await slowRunWithOneWaiting({ params: {} });
        q.receive({ payload: 3, params: { pageSize: 100 } });
        await waitFor('all triggers finished', () => done.completed.length === 3);
        await new Promise((r) => setTimeout(r, 100));

        // Three runs one after the other, each msg finished once, none merged.
        should(done.completed).eql([1, 2, 3]);
        should(done.caught).have.length(0);
        should(warn.args.some((a) => /merged/.test(String(a[0])))).be.false();
        const bodies = sim.requests.filter(isQuery).map((r) => JSON.parse(r.body) as { page: number; since?: number; size: number });
        // Run 1: 250 items in pages of 50 from the beginning; run 2: from its watermark; run 3: its own page size.
        should(bodies.map((b) => [b.page, b.since === undefined, b.size])).eql([[1, true, 50], [2, true, 50], [3, true, 50], [4, true, 50], [5, true, 50], [1, false, 50], [1, false, 100]]);
        const status = q.status as sinon.SinonSpy;
        should(status.args.some((a) => /2 runs waiting/.test(a[0].text))).be.true();
    });

    describe('one watermark per read a trigger chooses', () => {
        /** The `since` of the first request of a run of `msg` (undefined: read from the user's start, no watermark). */
        async function sinceOfRun(msg: Msg): Promise<number | undefined> {
            const before = queries().length;
            const r = await run('q1', msg, 1);
            should(r.caught).be.undefined();
            return queries()[before].since;
        }

        it("each filter a trigger gives in msg.params reads from its own watermark; the page size alone reads with the node's; a reset forgets its read's only", async () => {
            await load([kitConfig, kitQuery], withProbes([config(), query({ params: {} })], 'q1', 1), creds);
            const q = helper.getNode('q1');
            // The watermark of a read a trigger chose (in the node's reads), or the node's own.
            const stored = (digest: string | undefined) => (digest ? (q.context().get('cnErpWatermarkReads') as Record<string, { at: number | null }>)[digest]?.at : q.context().get('cnErpWatermark')) as number | null | undefined;
            const a = readDigest({ category: 'A' });
            const b = readDigest({ category: 'B' });

            should(await sinceOfRun({ params: { category: 'A' } })).be.undefined();
            // B's first run: from the start, not from A's watermark (which would skip B's records modified before it).
            should(await sinceOfRun({ params: { category: 'B' } })).be.undefined();
            const aFirst = stored(a)!;
            should(await sinceOfRun({ params: { category: 'A' } })).equal(aFirst - 60000);
            should(stored(b)).be.a.Number();
            // The node's own read (no filter from the trigger), then one asking only another page size: one watermark.
            should(await sinceOfRun({})).be.undefined();
            const own = stored(undefined)!;
            should(await sinceOfRun({ params: { pageSize: 20 } })).equal(own - 60000);
            // msg.resetWatermark with B's filter forgets B's watermark, not A's, and B does not fall back to the node's.
            const aBefore = stored(a)!;
            should(await sinceOfRun({ params: { category: 'B' }, resetWatermark: true })).be.undefined();
            should(await sinceOfRun({ params: { category: 'A' } })).equal(aBefore - 60000);
            // A read new to the node starts from the node's own watermark (as a read an earlier release kept there).
            should(await sinceOfRun({ params: { category: 'C' } })).equal(stored(undefined)! - 60000);
            should(q.context().keys().sort()).eql(['cnErpWatermark', 'cnErpWatermarkReads', 'cnErpWatermarkSettings']);
        });

        it('a filter set in the node from the msg (a msg-typed setting) chooses the watermark as msg.params does; one typed in the node does not', async () => {
            await load([kitConfig, kitQuery], withProbes([config(), query({ params: { category: { value: 'shop', type: 'msg' } } })], 'q1', 1), creds);
            should(await sinceOfRun({ shop: 'A' })).be.undefined();
            should(await sinceOfRun({ shop: 'B' })).be.undefined();
            should(await sinceOfRun({ shop: 'A' })).be.a.Number();
            await helper.unload();
            await load([kitConfig, kitQuery], withProbes([config(), query({ params: { category: { value: 'A', type: 'str' } } })], 'q1', 1), creds);
            should(await sinceOfRun({})).be.undefined();
            should(await sinceOfRun({})).be.a.Number();
            should(helper.getNode('q1').context().keys().sort()).eql(['cnErpWatermark', 'cnErpWatermarkSettings']);
        });

        it('a node fed by one inject whose msg.params choose its read keeps the watermark an earlier release stored (under cnErpWatermark) on upgrade', async () => {
            await load([kitConfig, kitQuery], withProbes([config(), query({ params: {} })], 'q1', 1), creds);
            // What the release before this change kept for this node: one watermark, under the plain key, whatever
            // msg.params the only trigger (an inject every half hour, msg.params.category "A") gave.
            const stored = Date.now() - 30 * 60000;
            helper.getNode('q1').context().set('cnErpWatermark', stored);
            // The first run after the upgrade: from that watermark (minus the overlap), not again from the user's start.
            should(await sinceOfRun({ params: { category: 'A' } })).equal(stored - 60000);
        });

        it('a query fed upstream records (object payloads, incremental on) does not keep a watermark key for every record it was ever fed; the reads kept are bounded', async () => {
            await load([kitConfig, kitQuery], withProbes([config(), query({ params: {} })], 'q1', 1), creds);
            // A lookup fed per record: each record's schema-named field (category) is read from msg.payload.
            for (let i = 0; i < 30; i++) await sinceOfRun({ payload: { category: `C${i}`, other: i } });
            const keys = helper.getNode('q1').context().keys() as string[];
            should(keys.length).be.belowOrEqual(2, `${keys.length} watermark keys kept in the node's context, one per record fed`);
        });

        it('the digest: none for no filter, the same for the filters in any order, another for other values', () => {
            should(readDigest({})).be.undefined();
            should(readDigest({ shop: 'A', form: 'X' })).equal(readDigest({ form: 'X', shop: 'A' }));
            should(readDigest({ shop: 'A' })).match(/^[0-9a-f]{16}$/);
            should(readDigest({ shop: 'A' })).not.equal(readDigest({ shop: 'B' }));
        });

        it("a read's watermark that is no number of milliseconds (the context edited by hand) stops the run naming where it is, nothing read", async () => {
            await load([kitConfig, kitQuery], withProbes([config(), query({ params: {} })], 'q1', 1), creds);
            const digest = readDigest({ category: 'A' })!;
            helper.getNode('q1').context().set('cnErpWatermarkReads', { [digest]: { at: 'yesterday', used: Date.now() } });
            const r = await run('q1', { params: { category: 'A' } }, 1);
            should(r.caught!._error).match({ code: 'WATERMARK_INVALID' });
            should(r.caught!.error.message).match(new RegExp(`\\(key cnErpWatermarkReads, read ${digest}\\) is an object, not a number of milliseconds.*msg.resetWatermark = true with the same msg.params`));
            should(queries()).have.length(0);
        });

        it("the reads kept: the 1,000 most recently saved; one let go of comes back from the lowest mark of those let go of, not from the node's later one", async () => {
            await load([kitConfig, kitQuery], withProbes([config(), query({ params: {} })], 'q1', 1), creds);
            const q = helper.getNode('q1');
            const now = Date.now();
            const digest = (i: number) => readDigest({ category: `C${i}` })!;
            const reads: Record<string, { at: number; used: number }> = {};
            for (let i = 0; i < 1000; i++) reads[digest(i)] = { at: now - 1000, used: now - i * 1000 };
            // The least recently saved read (a quarterly one), its mark 90 days back; the node's own read a minute ago.
            reads[digest(999)].at = now - 90 * 86400000;
            q.context().set('cnErpWatermarkReads', reads);
            q.context().set('cnErpWatermark', now - 60000);
            // A read new to the node: from the node's own watermark; saving it lets go of C999.
            should(await sinceOfRun({ params: { category: 'A' } })).equal(now - 60000 - 60000);
            const kept = q.context().get('cnErpWatermarkReads') as Record<string, { at: number | null }>;
            should(Object.keys(kept)).have.length(1001);
            should(kept).have.properties([readDigest({ category: 'A' })!, digest(0), digest(998), 'dropped']);
            should(kept).not.have.property(digest(999));
            should(kept.dropped.at).equal(now - 90 * 86400000);
            // C999 again: from the mark it had (read again, never skipped), not from the node's later one.
            should(await sinceOfRun({ params: { category: 'C999' } })).equal(now - 90 * 86400000 - 60000);
        });

        it('the same filter given as a number and as text, or given as its default, is one read', async () => {
            await load([kitConfig, kitQuery], withProbes([config(), query({ params: {} })], 'q1', 1), creds);
            should(await sinceOfRun({ params: { category: 7 } })).be.undefined();
            should(await sinceOfRun({ params: { category: '7' } })).be.a.Number();
            should(readDigest({ a: { x: 1, y: 2 } })).equal(readDigest({ a: { y: 2, x: 1 } }));
        });
    });

    it('which triggers ask for the same read: all but the msg id, the reset and an inject-style payload must match', () => {
        should(sameRead({ _msgid: 'a', payload: 1700000000000, topic: 'sync' }, { _msgid: 'b', payload: 1700000005000, topic: 'sync' })).be.true();
        should(sameRead({ payload: '' }, { payload: 'go', resetWatermark: true })).be.true();
        should(sameRead({ params: { shop: 'A', since: 1 } }, { params: { since: 1, shop: 'A' } })).be.true();
        should(sameRead({ params: { shop: 'A' } }, { params: { shop: 'B' } })).be.false();
        should(sameRead({ payload: { shop: 'A' } }, { payload: { shop: 'B' } })).be.false();
        should(sameRead({ payload: [1] }, { payload: [1, 2] })).be.false();
        should(sameRead({ topic: 'a' }, { topic: 'b' })).be.false();
        should(sameRead({ topic: 'a' }, {})).be.false();
        // An HTTP request waiting for its answer (and any other object that is not plain data) is never merged.
        class Res {}
        should(sameRead({ res: new Res() }, { res: new Res() })).be.false();
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        const other: Record<string, unknown> = {};
        other.self = other;
        should(sameRead({ params: cyclic }, { params: other })).be.false();
    });

    it('a merged trigger asking for msg.resetWatermark passes the reset on: the waiting run reads from scratch', async () => {
        const { q, warn, done } = await slowRunWithOneWaiting();
        q.receive({ payload: 3, resetWatermark: true });
        await waitFor('all triggers finished', () => done.completed.length === 3);
        await new Promise((r) => setTimeout(r, 100));
        should(warn.args.some((a) => /resets the watermark first/.test(String(a[0])))).be.true();
        // Run 2 (the waiting trigger) read the whole window again instead of from run 1's watermark.
        should(queries().map((b) => b.since === undefined)).eql([true, true, true, true, true, true]);
        should(done.caught).have.length(0);
    });

    it('ack mode: a second trigger waits until every msg of the first run was acknowledged, then runs from the new watermark', async () => {
        const committed = commits();
        // The save node's results go to a probe; the catch and complete nodes watch the query node.
        const flow = withProbes([config(), query({ watermarkCommit: 'ack' }), { id: 's1', type: 'kit-save', z: 'f1', config: 'c1', params: { chunkSize: { value: '100', type: 'num' } }, wires: [['s1-out1'], []] }, { id: 's1-out1', type: 'helper', z: 'f1' }], 'q1', 1);
        flow.find((n) => n.id === 'q1')!.wires = [['s1']];
        await load([kitConfig, kitQuery, kitSave], flow, creds);
        const done = finished();
        // The writes are slow: the read is over long before its pages are saved.
        sim.inject({ type: 'delay', ms: 1000, thenProcess: true }, 3, isSave);
        const saved: number[] = [];
        helper.getNode('s1-out1').on('input', () => saved.push(sim.requests.length));
        const q = helper.getNode('q1');
        q.receive({ payload: 1 });
        await waitFor('the first read finished', () => done.completed.includes(1));
        should(saved).have.length(0);
        q.receive({ payload: 2 });
        await waitFor('the second trigger finished', () => done.completed.includes(2), 15000);

        should(saved).have.length(3);
        const all = sim.requests.map((r) => r.path);
        const secondRead = all.lastIndexOf('/items/query');
        // The second read started only after the last page was saved (and so acknowledged) …
        should(sim.requests.filter(isQuery)).have.length(4);
        should(secondRead).be.aboveOrEqual(Math.max(...saved));
        // … and from the watermark the first run committed once its acknowledgements were back.
        should(committed().length).be.aboveOrEqual(1);
        should(JSON.parse(sim.requests[secondRead].body).since).equal(committed()[0] - 60000);
        should(sim.saved).have.length(250);
        const status = q.status as sinon.SinonSpy;
        should(status.args.some((a) => /^waiting for [123] msgs? to be acknowledged · next run waiting$/.test(a[0].text))).be.true();
    });

    it('ack timeout: acknowledgements that never come abandon the run — watermark unchanged, a warning with the count, the waiting trigger runs', async () => {
        // The query's msgs go to a node that never hands the tickets back (as a Filter dropping them would).
        await load([kitConfig, kitQuery], withProbes([config(), query({ watermarkCommit: 'ack', ackTimeout: '0.005' })], 'q1', 1), creds);
        const done = finished();
        const emitted: Msg[] = [];
        helper.getNode('q1-out1').on('input', (m: Msg) => emitted.push(m));
        const q = helper.getNode('q1');
        const warn = q.warn as sinon.SinonSpy;
        q.receive({ payload: 1 });
        await waitFor('the first read finished', () => done.completed.includes(1));
        q.receive({ payload: 2 });
        should(queries()).have.length(3);
        await waitFor('the waiting trigger ran', () => done.completed.includes(2));

        const timedOut = warn.args.map((a) => String(a[0])).filter((t) => /not acknowledged/.test(t));
        should(timedOut[0]).match(/3 of the 3 msgs this run emitted were not acknowledged within 0\.005 min/);
        should(timedOut[0]).match(/watermark stays where it was/);
        // Nothing committed: the second run read the same window again (at least once, never skipped).
        should(q.context().get('cnErpWatermark')).be.undefined();
        should(queries().map((b) => b.since)).eql([undefined, undefined, undefined, undefined, undefined, undefined]);
        // Late acknowledgements of the abandoned run are ignored.
        const late = emitted.filter((m) => m._cnErpAck.run === emitted[0]._cnErpAck.run);
        should(late).have.length(3);
        for (const m of late) acknowledge(m);
        await new Promise((r) => setTimeout(r, 20));
        should(q.context().get('cnErpWatermark')).be.undefined();
        should(done.caught).have.length(0);
    });

    it('a deploy that restarts the write node cuts its msgs off: the run is abandoned at once (no ack timeout wait) and the waiting trigger re-reads the window', async () => {
        await load([kitConfig, kitQuery, kitSave], queryIntoSave('before'), creds);
        const done = finished();
        // Every save waits at the vendor long enough for the deploy to cut it off (unprocessed then).
        sim.inject({ type: 'delay', ms: 5000 }, 3, isSave);
        const q = helper.getNode('q1');
        const warn = q.warn as sinon.SinonSpy;
        q.receive({ payload: 1 });
        await waitFor('three saves in flight', () => sim.requests.filter(isSave).length === 3);
        q.receive({ payload: 2 });
        await new Promise((r) => setTimeout(r, 50));
        should(done.completed).eql([1]);
        // Deploy "modified nodes": only the write node restarts (default ack timeout: 30 min).
        await helper.setFlows(queryIntoSave('after'), 'nodes', creds);
        await waitFor('the waiting trigger ran', () => done.completed.includes(2));
        should(warn.args.some((a) => /cut off downstream/.test(String(a[0])))).be.true();
        // Its read started from where the first did (nothing committed). (It may start while the write node is still
        // stopped: then it is cut off in turn and stops reading, so how many pages it reads is not fixed.)
        should(queries().length).be.above(3);
        should(queries().map((b) => b.since)).eql(queries().map(() => undefined));
    });

    it('a run cut off downstream mid-read reads no further: the page in hand is not sent and no next page is asked for (the next run reads them; sent on, they would be written twice)', async () => {
        await load([kitConfig, kitQuery, kitSave], queryIntoSave('before'), creds);
        const done = finished();
        // Page 1's save is at the vendor when the deploy cuts it off; page 2 is slow to come.
        sim.inject({ type: 'delay', ms: 5000 }, 1, isSave);
        sim.inject({ type: 'delay', ms: 600, thenProcess: true }, 1, (r) => isQuery(r) && JSON.parse(r.body).page === 2);
        const q = helper.getNode('q1');
        const warn = q.warn as sinon.SinonSpy;
        q.receive({ payload: 1 });
        await waitFor('page 1 at the write node, page 2 asked for', () => sim.requests.filter(isSave).length === 1 && queries().length === 2);
        // Deploy "modified nodes": only the write node restarts; the new one is up before page 2 comes.
        await helper.setFlows(queryIntoSave('after'), 'nodes', creds);
        await waitFor('the first run finished', () => done.completed.includes(1), 5000);
        should(warn.args.some((a) => /cut off downstream/.test(String(a[0])))).be.true();
        should(warn.args.some((a) => /read stopped after page\(s\): 1, records: 100/.test(String(a[0])))).be.true();
        // Page 3 never asked for, page 2 never sent to the (new) write node.
        await new Promise((r) => setTimeout(r, 200));
        should(queries()).have.length(2);
        should(sim.requests.filter(isSave)).have.length(1);
        // The next run reads the whole window (nothing committed) and writes it once.
        q.receive({ payload: 2 });
        await waitFor('the second run finished', () => done.completed.includes(2), 10000);
        await waitFor('the watermark committed', () => q.context().get('cnErpWatermark'), 10000);
        should(queries()[2].since).be.undefined();
        should(sim.saved.map((s) => s.name).sort()).eql([...new Set(sim.saved.map((s) => s.name))].sort());
        should(sim.saved).have.length(250);
        should(done.caught).have.length(0);
    });

    it('a deploy restarting the write node while it is idle between pages: a page sent while it is stopped reaches no node, and the run is abandoned at once (not after the ack timeout)', async () => {
        // Another node of the deploy that takes a while to stop: Node-RED starts no new node until every old one stopped,
        // so the write node is missing meanwhile. It stops once the query has sent pages 2 and 3 (it asked for page 3).
        let gate!: () => void;
        const closed = new Promise<void>((resolve) => (gate = resolve));
        const slowToStop = (RED: any) =>
            RED.nodes.registerType('slow-to-stop', function (this: any, def: any) {
                RED.nodes.createNode(this, def);
                this.on('close', (done: () => void) => void closed.then(done));
            });
        const flow = (name: string) => queryIntoSave(name, [{ id: 'x1', type: 'slow-to-stop', z: 'f1', name }]);
        await load([kitConfig, kitQuery, kitSave, slowToStop], flow('before'), creds);
        const done = finished();
        sim.inject({ type: 'delay', ms: 500, thenProcess: true }, 1, (r) => isQuery(r) && JSON.parse(r.body).page === 2);
        const q = helper.getNode('q1');
        const warn = q.warn as sinon.SinonSpy;
        q.receive({ payload: 1 });
        await waitFor('page 1 written, page 2 asked for', () => sim.saved.length === 100 && queries().length === 2);
        q.receive({ payload: 2 });
        // Deploy "modified nodes": the write node (idle now) and the slow node restart; the query and its run stay.
        const deployed = helper.setFlows(flow('after'), 'nodes', creds);
        await waitFor('the write node stopped', () => !helper.getNode('s1'), 5000, 5);
        // Page 2, sent while the write node is stopped, reaches no node: the run is told, and reads no further.
        await waitFor('the first read ended at page 2', () => done.completed.includes(1), 10000);
        should(queries().some((b) => b.page === 3)).be.false();
        gate();
        await deployed;
        // Default ack timeout (30 min): without being told, the run would hold the waiting trigger that long.
        await waitFor('the waiting trigger ran', () => done.completed.includes(2), 10000);
        should(warn.args.some((a) => /cut off downstream/.test(String(a[0])))).be.true();
        // Nothing committed (the second run may have started while the write node was still stopped, and been told
        // so too): the next run reads the whole window again, writes what the first could not, and commits.
        q.receive({ payload: 3 });
        await waitFor('the third run finished', () => done.completed.includes(3), 10000);
        await waitFor('the watermark committed', () => q.context().get('cnErpWatermark'), 10000);
        should(queries().map((b) => b.since)).eql(queries().map(() => undefined));
        should(new Set(sim.saved.map((s) => s.name)).size).equal(250);
        should(done.caught).have.length(0);
    });

    for (const [split, refused] of [[false, false], [true, false], [false, true]]) {
        it(`a Complete or Catch node reporting on the msgs of a run to a disabled node only does not cut the run off: the run commits${split ? ' (records split into one msg each, the Split node watched too)' : ''}${refused ? ' (a page refused whole, at Catch)' : ''}`, async () => {
            // A Complete node and a Catch node watching the write node (and the Split before it), each wired to a debug
            // node the user disabled: the copies they send reach no node, but the msgs themselves went on to be written.
            const f = withProbes(
                [
                    config(),
                    query({ watermarkCommit: 'ack' }),
                    { id: 'sp', type: 'split', z: 'f1', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['s1']] },
                    { id: 's1', type: 'kit-save', z: 'f1', config: 'c1', params: { chunkSize: { value: '100', type: 'num' } }, wires: [[], []] },
                    { id: 's1-complete', type: 'complete', z: 'f1', scope: split ? ['sp', 's1'] : ['s1'], uncaught: false, wires: [['off']] },
                    { id: 's1-catch', type: 'catch', z: 'f1', scope: split ? ['sp', 's1'] : ['s1'], uncaught: false, wires: [['off']] },
                    { id: 'off', type: 'helper', z: 'f1', d: true },
                ],
                'q1',
                1,
            );
            f.find((n) => n.id === 'q1')!.wires = [[split ? 'sp' : 's1']];
            await load([kitConfig, kitQuery, kitSave, splitNode], f, creds);
            const done = finished();
            // Page 1's save refused as a whole (nothing written): that msg goes to the Catch node, and so counts as finished.
            if (refused) sim.inject({ type: 'http', status: 400 }, 1, isSave);
            const q = helper.getNode('q1');
            const warn = q.warn as sinon.SinonSpy;
            q.receive({ payload: 1 });
            await waitFor('the run finished', () => done.completed.includes(1), 10000);
            await waitFor('the watermark committed', () => q.context().get('cnErpWatermark'), 10000);
            should(warn.args.some((a) => /cut off downstream/.test(String(a[0])))).be.false();
            should(sim.saved).have.length(refused ? 150 : 250);
            should(done.caught).have.length(0);
        });
    }

    it('a Complete and a Catch node reporting on the msgs of a run through a Change node to a disabled node do not cut the run off: the report stays a report past its first node, and the run commits', async () => {
        // The usual error report: Catch → Change (say, the error as the payload) → a debug or mail node, here disabled.
        const f = withProbes(
            [
                config(),
                query({ watermarkCommit: 'ack' }),
                { id: 's1', type: 'kit-save', z: 'f1', config: 'c1', params: { chunkSize: { value: '100', type: 'num' } }, wires: [[], []] },
                { id: 's1-complete', type: 'complete', z: 'f1', scope: ['s1'], uncaught: false, wires: [['ch']] },
                { id: 's1-catch', type: 'catch', z: 'f1', scope: ['s1'], uncaught: false, wires: [['ch']] },
                { id: 'ch', type: 'change', z: 'f1', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'report', tot: 'str' }], wires: [['off']] },
                { id: 'off', type: 'helper', z: 'f1', d: true },
            ],
            'q1',
            1,
        );
        f.find((n) => n.id === 'q1')!.wires = [['s1']];
        await load([kitConfig, kitQuery, kitSave, changeNode], f, creds);
        const done = finished();
        sim.inject({ type: 'http', status: 400 }, 1, isSave);
        const q = helper.getNode('q1');
        const warn = q.warn as sinon.SinonSpy;
        q.receive({ payload: 1 });
        await waitFor('the run finished', () => done.completed.includes(1), 10000);
        await waitFor('the watermark committed', () => q.context().get('cnErpWatermark'), 10000);
        should(warn.args.some((a) => /cut off downstream|read stopped/.test(String(a[0])))).be.false();
        should(sim.saved).have.length(150);
        should(done.caught).have.length(0);
    });

    it('closing the node while a trigger waits: every msg finished once, the waiting one with a "closing" error, no timer left', async () => {
        const timers = sandbox.spy(global, 'setTimeout');
        const cleared = sandbox.spy(global, 'clearTimeout');
        // Default ack timeout (30 min); the msgs are never acknowledged.
        await load([kitConfig, kitQuery], withProbes([config(), query({ watermarkCommit: 'ack' })], 'q1', 1), creds);
        const done = finished();
        const q = helper.getNode('q1');
        q.receive({ payload: 1 });
        await waitFor('the first read finished', () => done.completed.includes(1));
        q.receive({ payload: 2 });
        q.receive({ payload: 3 });
        await waitFor('the merged trigger done', () => done.completed.includes(3));
        const ackTimers = timers.getCalls().filter((c) => c.args[1] === 30 * 60000);
        should(ackTimers).have.length(1);
        await q.close();
        await waitFor('the waiting trigger finished', () => done.caught.length === 1);
        await new Promise((r) => setTimeout(r, 50));

        should(done.completed.slice().sort()).eql([1, 3]);
        should(done.caught.map((m) => m.payload)).eql([2]);
        should(done.caught[0].error.message).match(/kit-query: the node is closing/);
        // The ack timer was cleared, and no new run was started.
        should(cleared.calledWith(ackTimers[0].returnValue)).be.true();
        should(queries()).have.length(3);
        should(q.context().get('cnErpWatermark')).be.undefined();
    });

    it('a msg with a delivery ticket reaching a write node that is closing: its run is told at once (abandoned, nothing committed), not after the 30-minute ack timeout', async () => {
        await load([kitConfig, kitSave], [config(), { id: 's1', type: 'kit-save', z: 'f1', config: 'c1', wires: [[], []] }], creds);
        let lost = 0;
        const run = openAckRun(() => undefined, () => lost++);
        const ticket = run.issue();
        run.seal();
        const s1 = helper.getNode('s1');
        const closed = s1.close();
        s1.receive({ payload: [{ id: 'A1', name: 'a' }], _cnErpAck: ticket });
        await closed;
        await waitFor('the run told its msg was cut off', () => lost === 1, 2000);
        should(run.outstanding).equal(0);
        should(sim.requests.filter(isSave)).have.length(0);
    });

    it('ack mode with a Split node before the write node: the watermark is committed only once every piece was written, not when the first piece was', async () => {
        // One msg with all 5 records, split into one msg per record, each saved on its own.
        sim.items.splice(5);
        const flow = withProbes(
            [
                config(),
                query({ watermarkCommit: 'ack', outputMode: 'all' }),
                { id: 'sp', type: 'split', z: 'f1', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [['s1']] },
                { id: 's1', type: 'kit-save', z: 'f1', config: 'c1', wires: [[], []] },
            ],
            'q1',
            1,
        );
        flow.find((n) => n.id === 'q1')!.wires = [['sp']];
        await load([kitConfig, kitQuery, kitSave, splitNode], flow, creds);
        // The first piece is saved at once, the other four slowly.
        let saves = 0;
        sim.inject({ type: 'delay', ms: 600, thenProcess: true }, 4, (r) => isSave(r) && ++saves > 1);
        const savedAtCommit: number[] = [];
        const set = Watermark.prototype.set;
        sandbox.stub(Watermark.prototype, 'set').callsFake(function (this: Watermark, ms: number) {
            savedAtCommit.push(sim.saved.length);
            return set.call(this, ms);
        });
        helper.getNode('q1').receive({ payload: 1 });
        await waitFor('the five records saved', () => sim.saved.length === 5);
        await waitFor('the watermark committed', () => savedAtCommit.length === 1, 3000).catch(() => undefined);
        should(savedAtCommit).eql([5], `the watermark was committed with ${savedAtCommit[0]} of the 5 records saved: a crash then loses the others`);
    });

    it('acknowledging pieces: a msg cut up (again) downstream comes back with its last piece, msgs grouped into a sequence with its last member; parts the msg carried when emitted are not pieces of it', () => {
        let settled = 0;
        const run = openAckRun(() => settled++);
        // Emitted carrying its trigger's parts (the query was fed a piece of a split): not cut up itself.
        const whole = { _cnErpAck: run.issue({ parts: { id: 'trigger', index: 2, count: 3 } }), parts: { id: 'trigger', index: 2, count: 3 } };
        // Cut in two, the second half cut in two again (a streaming split: the count comes with the last piece).
        const cut = { _cnErpAck: run.issue({}) };
        const piece = (parts: Msg) => ({ ...cut, parts });
        run.seal();
        acknowledge(whole);
        should(run.outstanding).equal(1);
        acknowledge(piece({ id: 'a', index: 0, count: 2 }));
        acknowledge(piece({ id: 'a', index: 0, count: 2 }));
        acknowledge(piece({ id: 'b', index: 0, parts: { id: 'a', index: 1, count: 2 } }));
        should(run.outstanding).equal(1);
        should(settled).equal(0);
        acknowledge(piece({ id: 'b', index: 1, count: 2, parts: { id: 'a', index: 1, count: 2 } }));
        should(run.outstanding).equal(0);
        should(settled).equal(1);

        // Three msgs grouped into one sequence (a Batch node): each its own ticket; back together with the group's last.
        const grouped = openAckRun(() => settled++);
        const members = [0, 1, 2].map((index) => ({ _cnErpAck: grouped.issue({}), parts: { id: 'g', index, count: 3 } }));
        grouped.seal();
        acknowledge(members[2]);
        acknowledge(members[0]);
        should(grouped.outstanding).equal(3);
        acknowledge(members[1]);
        should(grouped.outstanding).equal(0);
        should(settled).equal(2);
    });

    it('without incremental sync, msgs still run side by side (each carries its own parameters)', async () => {
        await load([kitConfig, kitQuery], withProbes([config(), query({ incremental: false })], 'q1', 1), creds);
        const done = finished();
        sim.inject({ type: 'delay', ms: 300, thenProcess: true }, 2, isQuery);
        const q = helper.getNode('q1');
        q.receive({ payload: 1 });
        q.receive({ payload: 2 });
        // Both first pages are at the vendor before either run finished.
        await waitFor('two reads at the vendor at once', () => queries().length === 2);
        should(done.completed).have.length(0);
        should(queries().map((b) => b.page)).eql([1, 1]);
        await waitFor('both finished', () => done.completed.length === 2);
        should(queries()).have.length(6);
    });
});
