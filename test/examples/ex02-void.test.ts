/**
 * Example 02 (金蝶退料申请 → 旺店通WMS取消) and a return request voided after its last save. In K/3 Cloud 作废 sets the
 * void status FCANCELSTATUS, the void date FCANCELDATE and the voider FCANCELLERID; it does not touch FModifyDate,
 * which only a save changes. A request saved in January and voided today therefore lies outside every later window
 * of a read by FModifyDate: its WMS order would never be cancelled. The example reads incrementally by FCANCELDATE, so
 * the next "Run" after the void reads it and cancels its WMS order (once; nothing else is cancelled again).
 */
import should from 'should';
import { helper, Msg } from '../helpers/nodered';
import { exampleTabPerTest } from './example-nodes';
import { sleep, waitFor } from '../helpers/wait';
import { KingdeeSim, RETURN_REQUEST_FORM } from '../sim/kingdee';
import { WdtWmsSim } from '../sim/wdt-wms';

/** A return request of WH01 saved (and audited) in January and not voided in the demo data. */
const VOIDED_LATER = 'TL2024010003';

describe('example 02: a return request voided after its last save is read by the next run and its WMS order cancelled', function () {
    this.timeout(60000);
    const example = exampleTabPerTest();

    /** Example 02 as the demo deploys it, and what its debug node of the records read shows. */
    async function loadExample(): Promise<{ completedReads: () => number; read: Msg[][] }> {
        const ex = await example.load('02', 'ex02-query');
        const read: Msg[][] = [];
        helper.getNode('ex02-debug-read').on('input', (m: Msg) => read.push(m.payload));
        return { completedReads: ex.completedReads, read };
    }

    it('the example reads by the void date (FCANCELDATE): the request voided today, last saved in January, is cancelled in the WMS on the next run; nothing is cancelled twice', async () => {
        const kingdee = example.sims().get('kingdee') as KingdeeSim;
        const wms = example.sims().get('wdt-wms') as WdtWmsSim;
        const request = kingdee.rows(RETURN_REQUEST_FORM).filter((r) => r.FBillNo === VOIDED_LATER);
        should(request.map((r) => [r['FStockID.FNumber'], r.FCANCELSTATUS])).eql([['WH01', 'A'], ['WH01', 'A']]);
        const lastSaved = request[0].FModifyDate;
        should(String(lastSaved)).startWith('2024-01-');
        should(wms.orders.get(VOIDED_LATER)?.status).equal('created');

        const ex = await loadExample();
        helper.getNode('ex02-inject').receive({});
        // The first run: every voided request of WH01 cancelled but the shipped one (refused); this one left as it was.
        const voided = [...new Set(kingdee.rows(RETURN_REQUEST_FORM).filter((r) => r['FStockID.FNumber'] === 'WH01' && r.FCANCELSTATUS === 'B').map((r) => String(r.FBillNo)))];
        await waitFor('the first run', () => ex.completedReads() === 1 && wms.cancellations.length === voided.length, 20000);
        should(wms.orders.get(VOIDED_LATER)?.status).equal('created');

        // Voided in Kingdee today: FCANCELSTATUS, FCANCELDATE and FCANCELLERID change, FModifyDate stays January's.
        should(kingdee.voidBills(RETURN_REQUEST_FORM, [VOIDED_LATER])).eql([VOIDED_LATER]);
        should(request.map((r) => r.FModifyDate)).eql([lastSaved, lastSaved]);
        should(request.map((r) => r.FCANCELSTATUS)).eql(['B', 'B']);
        // The run's window ends at its start (exclusive): let the void's second pass.
        await sleep(1100);
        const cancelsBefore = wms.cancellations.length;
        helper.getNode('ex02-inject').receive({});
        await waitFor('the second run', () => ex.completedReads() === 2, 20000);
        await waitFor(`${VOIDED_LATER}'s WMS order cancelled by the second run`, () => wms.orders.get(VOIDED_LATER)?.status === 'cancelled', 5000).catch((err) => {
            throw new Error(`${err.message}: the second run read ${JSON.stringify((ex.read[1] ?? []).map((r) => r.FBillNo))}`);
        });
        should([...new Set((ex.read[1] ?? []).map((r) => r.FBillNo))]).eql([VOIDED_LATER]);
        should(wms.cancellations.slice(cancelsBefore).map((c) => String(c.request.orderCode))).eql([VOIDED_LATER]);
    });
});
