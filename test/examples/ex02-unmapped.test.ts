/**
 * Example 02 (金蝶退料申请 → 旺店通WMS取消) and the voided return requests its mapper cannot map: one of a bill type
 * the mapper's value table does not list (TLSQ01_SYS → CGTH is the only entry). The mapper accounts for it (the
 * query's watermark moves past it, and a voided request's void date FCANCELDATE never changes: "Run" never reads it
 * again), so unless it is in the example's failures file its WMS order is never cancelled. As in example 05, it must
 * be there with the mapper's reason, and "Replay" must send it back into the mapper (not the write node), so that once
 * the cause is fixed its WMS order is cancelled, once.
 */
import fs from 'fs';
import should from 'should';
import { helper, Msg, runtimeHooks } from '../helpers/nodered';
import { exampleTabPerTest } from './example-nodes';
import { sleep, waitFor } from '../helpers/wait';
import { KingdeeSim, RETURN_REQUEST_FORM } from '../sim/kingdee';
import { WdtWmsSim } from '../sim/wdt-wms';

/** A voided return request of WH01 in the demo data, given a bill type the mapping's value table does not list. */
const UNMAPPED = 'TL2024010001';

describe('example 02: voided return requests the mapper cannot map are kept in the failures file and replayed into the mapper', function () {
    this.timeout(60000);
    afterEach(() => {
        runtimeHooks.remove('*.ex02unmapped');
    });
    const example = exampleTabPerTest();

    const linesOf = (file: string): Msg[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l)) : []);
    const press = (id: string) => helper.getNode(id).receive({});

    it('the request of an unknown bill type is in the failures file with the mapper\'s reason; Replay sends it through the mapper, and once fixed its WMS order is cancelled once', async () => {
        const kingdee = example.sims().get('kingdee') as KingdeeSim;
        const wms = example.sims().get('wdt-wms') as WdtWmsSim;
        const rows = kingdee.rows(RETURN_REQUEST_FORM).filter((r) => r.FBillNo === UNMAPPED);
        should(rows.map((r) => [r['FStockID.FNumber'], r.FCANCELSTATUS])).eql([['WH01', 'B'], ['WH01', 'B']]);
        for (const r of rows) r['FBillTypeID.FNumber'] = 'TLSQ02_SYS';
        should(wms.orders.get(UNMAPPED)?.status).equal('created');

        const ex = await example.load('02', 'ex02-query');
        const failures = ex.flow.find((n: Msg) => n.type === 'file' && n.overwriteFile === 'false')!.filename as string;
        const reached = { mapper: [] as string[], write: [] as string[] };
        runtimeHooks.add('preDeliver.ex02unmapped', (e: { msg: Msg; destination: { id: string } }) => {
            const list = e.destination.id === 'ex02-mapper' ? reached.mapper : e.destination.id === 'ex02-write' ? reached.write : undefined;
            if (!list) return;
            for (const r of Array.isArray(e.msg.payload) ? e.msg.payload : [e.msg.payload]) list.push(String(r?.FBillNo ?? r?.orderCode));
        });
        const cancelsOf = (code: string) => wms.cancellations.filter((c) => String(c.request.orderCode) === code).length;

        // The first run: the others cancelled (the shipped one refused, in the file), this one not mapped.
        press('ex02-inject');
        await waitFor('the first run, its unmapped request in the failures file', () => ex.completedReads() === 1 && linesOf(failures).some((l) => l.payload?.FBillNo === UNMAPPED), 20000);
        await sleep(500);
        should(wms.orders.get(UNMAPPED)?.status).equal('created');
        const line = linesOf(failures).find((l) => l.payload?.FBillNo === UNMAPPED)!;
        should(line.error).match({ system: 'mapper', code: 'MAPPING_FAILED', field: 'orderType' });
        should(line.replayTo).equal('mapper');

        // "Run" again reads nothing: the watermark moved past it, the file is the only way back.
        press('ex02-inject');
        await waitFor('the second run', () => ex.completedReads() === 2, 20000);
        await sleep(300);
        should(cancelsOf(UNMAPPED)).equal(0);

        // Replay before the cause is fixed: back through the mapper (not the write node), failing again, in the file once.
        reached.mapper.length = 0;
        reached.write.length = 0;
        press('ex02-replay');
        await waitFor('the replayed line back in the file', () => reached.mapper.includes(UNMAPPED) && linesOf(failures).filter((l) => l.payload?.FBillNo === UNMAPPED).length === 1, 15000);
        await sleep(500);
        should(reached.write).not.containEql(UNMAPPED);
        should(linesOf(failures).filter((l) => l.payload?.FBillNo === UNMAPPED)).have.length(1);
        should(cancelsOf(UNMAPPED)).equal(0);

        // Fixed (the line corrected by hand, as a mapping change would map it), then Replay: cancelled, once.
        const fixed = linesOf(failures).map((l) => (l.payload?.FBillNo === UNMAPPED ? { ...l, payload: { ...l.payload, FBillTypeID_FNumber: 'TLSQ01_SYS' } } : l));
        fs.writeFileSync(failures, fixed.map((l) => `${JSON.stringify(l)}\n`).join(''));
        press('ex02-replay');
        await waitFor(`${UNMAPPED}'s WMS order cancelled by the replay`, () => wms.orders.get(UNMAPPED)?.status === 'cancelled', 15000);
        await sleep(500);
        should(cancelsOf(UNMAPPED)).equal(1);
        should(linesOf(failures).filter((l) => l.payload?.FBillNo === UNMAPPED)).eql([]);
    });
});
