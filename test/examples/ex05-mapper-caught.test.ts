/**
 * Example 05: a msg its mapper sends to Catch whole (a lookup's context store failing to read flow.kingdeeAccounts —
 * a persistent store's read error — is MAPPING_FAILED, transient). The mapper hands the msg's delivery ticket back, as
 * for any msg at Catch, so the query commits its watermark past those payments, and a payment's paidTime never
 * changes: "Run" never reads them again. They must be in the failures file, marked for the mapper, so that Replay
 * pushes them once the store reads again — not only in the log.
 */
import fs from 'fs';
import should from 'should';
import { helper, Msg } from '../helpers/nodered';
import { exampleTabPerTest } from './example-nodes';
import { sleep, waitFor } from '../helpers/wait';
import { KingdeeSim } from '../sim/kingdee';
import { MaycurSim } from '../sim/maycur';

describe('example 05: payments whose msg the mapper sent to Catch whole are kept in the failures file and replayed into the mapper', function () {
    this.timeout(120000);
    const example = exampleTabPerTest();

    const linesOf = (file: string): Msg[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l)) : []);
    const flowGet = (key: string) => helper.getNode('ex05-mapper').context().flow.get(key);
    const press = (id: string) => helper.getNode(id).receive({});

    it('a context read error at the mapper: the page is in the failures file (replayTo mapper); Replay pushes each payment once', async () => {
        const maycur = example.sims().get('maycur') as MaycurSim;
        const kingdee = example.sims().get('kingdee') as KingdeeSim;
        const ex = await example.load('05', 'ex05-query');
        const failures = ex.flow.find((n: Msg) => n.type === 'file' && n.overwriteFile === 'false')!.filename as string;
        await waitFor('the bank accounts loaded after deploy', () => (flowGet('kingdeeAccounts') ?? []).length === 2, 20000);
        const bills = () => new Set(kingdee.rows('AP_PAYBILL').map((b) => String(b.FSRCBILLNO)));

        // The flow context's store fails to read (as a persistent store's read error does) for this run.
        const mapperNode = helper.getNode('ex05-mapper');
        const context = mapperNode.context;
        const failing = { get: (key: string, ...rest: any[]) => void setImmediate(() => rest.find((a) => typeof a === 'function')(new Error(`context store unavailable: ${key}`))) };
        mapperNode.context = function () {
            return Object.assign(Object.create(context.call(this)), { flow: failing });
        };
        press('ex05-inject');
        await waitFor('the run read', () => ex.completedReads() === 1, 30000);
        await sleep(800);
        mapperNode.context = context;
        should(bills().size).equal(0);

        // "Run" again reads nothing: the watermark moved past the page.
        press('ex05-inject');
        await waitFor('the second run read', () => ex.completedReads() === 2, 30000);
        await sleep(500);
        should(bills().size).equal(0);

        const lines = linesOf(failures);
        const kept = lines.flatMap((l) => (Array.isArray(l.payload) ? l.payload : [l.payload]).map((p: Msg) => p?.payeeTargetBusinessCode));
        should(kept.sort()).eql(maycur.payments.map((p) => p.payeeTargetBusinessCode).sort(), 'the payments the mapper sent to Catch are not in the failures file');
        for (const l of lines) should(l.replayTo).equal('mapper');

        press('ex05-replay');
        await waitFor('every payment pushed and written back', () => bills().size === 10 && maycur.payments.every((p) => (flowGet('maycurWriteback') ?? {})[p.paymentBizCode]), 20000);
        await sleep(500);
        should(kingdee.rows('AP_PAYBILL')).have.length(10);
        should(linesOf(failures)).eql([]);
    });
});
