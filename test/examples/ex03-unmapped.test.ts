/**
 * Example 03 (管易云退货单 → 精诚ERP退货单) and the received returns its mapper cannot map: one whose line names no goods
 * (neither sku_code nor item_code). The mapper accounts for it (the query's watermark moves past it, and a received
 * return is not modified again: "Run" never reads it again), so unless it is in the example's failures file it never
 * reaches Jingcheng. As in examples 02 and 05, it must be there with the mapper's reason, and "Replay" must send it
 * back into the mapper (not the write node), so that once the cause is fixed it is received, once. A return not yet
 * received stays out of the file: receiving it changes its modification time, and the next run reads it again.
 */
import fs from 'fs';
import should from 'should';
import { helper, Msg, runtimeHooks } from '../helpers/nodered';
import { exampleTabPerTest } from './example-nodes';
import { sleep, waitFor } from '../helpers/wait';
import { GuanyiSim } from '../sim/guanyi';
import { JingchengSim } from '../sim/jingcheng';

describe('example 03: received returns the mapper cannot map are kept in the failures file and replayed into the mapper', function () {
    this.timeout(60000);
    afterEach(() => {
        runtimeHooks.remove('*.ex03unmapped');
    });
    const example = exampleTabPerTest();

    const linesOf = (file: string): Msg[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l)) : []);
    const press = (id: string) => helper.getNode(id).receive({});

    it('a received return whose line names no goods is in the failures file with the mapper\'s reason; Replay sends it through the mapper, and once fixed it is received once; returns not yet received are not in the file', async () => {
        const guanyi = example.sims().get('guanyi') as GuanyiSim;
        const jingcheng = example.sims().get('jingcheng') as JingchengSim;
        const open = guanyi.returns.filter((r) => !r.cancel);
        const ret = open.find((r) => r.receive_date)!;
        const UNMAPPED = String(ret.code);
        const goods = { sku_code: ret.details[0].sku_code, item_code: ret.details[0].item_code };
        ret.details[0].sku_code = '';
        ret.details[0].item_code = '';
        const notReceived = open.filter((r) => !r.receive_date).map((r) => String(r.code));
        should(notReceived.length).be.above(0);

        const ex = await example.load('03', 'ex03-query');
        const failures = ex.flow.find((n: Msg) => n.type === 'file' && n.overwriteFile === 'false')!.filename as string;
        const reached = { mapper: [] as string[], write: [] as string[] };
        runtimeHooks.add('preDeliver.ex03unmapped', (e: { msg: Msg; destination: { id: string } }) => {
            const list = e.destination.id === 'ex03-mapper' ? reached.mapper : e.destination.id === 'ex03-write' ? reached.write : undefined;
            if (!list) return;
            for (const r of Array.isArray(e.msg.payload) ? e.msg.payload : [e.msg.payload]) list.push(String(r?.code ?? r?.SheetID));
        });
        const receivedTimes = () => jingcheng.sheetRequests.filter((q) => JSON.parse(q.body).SheetID === UNMAPPED).length;

        // The first run: the others received, this one not mapped.
        press('ex03-inject');
        await waitFor('the first run', () => ex.completedReads() === 1, 20000);
        await sleep(1500);
        should(jingcheng.sheets.has(UNMAPPED)).be.false();
        const lines = linesOf(failures);
        const line = lines.find((l) => l.payload?.code === UNMAPPED);
        should.exist(line, `${UNMAPPED}, received but not mapped, is not in the failures file: "Run" never reads it again`);
        should(line!.error).match({ system: 'mapper', code: 'MAPPING_FAILED', field: 'Items[0].GoodsID' });
        should(line!.replayTo).equal('mapper');
        // A return not yet received comes back by itself once received: no stale copy of it in the file.
        should(lines.filter((l) => notReceived.includes(String(l.payload?.code)))).eql([]);

        // "Run" again reads nothing: the watermark moved past it, the file is the only way back.
        press('ex03-inject');
        await waitFor('the second run', () => ex.completedReads() === 2, 20000);
        await sleep(300);
        should(receivedTimes()).equal(0);

        // Replay before the cause is fixed: back through the mapper (not the write node), failing again, in the file once.
        reached.mapper.length = 0;
        reached.write.length = 0;
        press('ex03-replay');
        await waitFor('the replayed line back in the file', () => reached.mapper.includes(UNMAPPED) && linesOf(failures).filter((l) => l.payload?.code === UNMAPPED).length === 1, 15000);
        await sleep(500);
        should(reached.write).not.containEql(UNMAPPED);
        should(linesOf(failures).filter((l) => l.payload?.code === UNMAPPED)).have.length(1);
        should(receivedTimes()).equal(0);

        // Fixed (the goods code put back in the line, as a corrected return would carry it), then Replay: received, once.
        const fixed = linesOf(failures).map((l) => (l.payload?.code === UNMAPPED ? { ...l, payload: { ...l.payload, details: [{ ...l.payload.details[0], ...goods }, ...l.payload.details.slice(1)] } } : l));
        fs.writeFileSync(failures, fixed.map((l) => `${JSON.stringify(l)}\n`).join(''));
        press('ex03-replay');
        await waitFor(`${UNMAPPED} received by the replay`, () => jingcheng.sheets.has(UNMAPPED), 15000);
        await sleep(500);
        should(receivedTimes()).equal(1);
        should(jingcheng.sheets.get(UNMAPPED)).match({ Items: [{ GoodsID: goods.sku_code }] });
        should(linesOf(failures).filter((l) => l.payload?.code === UNMAPPED)).eql([]);
    });
});
