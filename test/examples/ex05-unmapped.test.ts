/**
 * Example 05 (每刻已付款 → 金蝶付款单下推) and the payments its mapper cannot map: a payment whose payer account is not
 * among the Kingdee bank accounts the flow loaded. The mapper accounts for it (the query's watermark moves past it, and
 * a payment's paidTime never changes, so "Run" never reads it again): it must be in the example's failures file, with
 * the mapper's reason, and its "Replay" must send it back into the mapper (not the write node), so that once the
 * account is in Kingdee and "Load accounts" was clicked, it is pushed down, once.
 */
import fs from 'fs';
import should from 'should';
import { helper, Msg, runtimeHooks } from '../helpers/nodered';
import { exampleTabPerTest } from './example-nodes';
import { sleep, waitFor } from '../helpers/wait';
import { KingdeeSim } from '../sim/kingdee';
import { MaycurSim, MAYCUR_DEMO_ACCOUNTS } from '../sim/maycur';


/** A payer account Kingdee does not hold (until the test adds it), used by the organisation numbered 101. */
const NEW_ACCOUNT = '6222000000009999';
const UNMAPPED = 'FKSQ000101';

describe('example 05: payments the mapper cannot map (unknown payer account) are kept in the failures file and replayed into the mapper', function () {
    this.timeout(120000);
    afterEach(() => {
        runtimeHooks.remove('*.ex05unmapped');
    });
    const example = exampleTabPerTest();

    /** Example 05 as the demo deploys it, and its failures file. */
    async function loadExample(): Promise<{ failures: string; completedReads: () => number }> {
        const ex = await example.load('05', 'ex05-query');
        const failures = ex.flow.find((n: Msg) => n.type === 'file' && n.overwriteFile === 'false')!.filename as string;
        return { failures, completedReads: ex.completedReads };
    }

    const linesOf = (file: string): Msg[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l)) : []);
    const flowGet = (key: string) => helper.getNode('ex05-mapper').context().flow.get(key);
    const press = (id: string) => helper.getNode(id).receive({});

    function setUp() {
        const maycur = example.sims().get('maycur') as MaycurSim;
        const kingdee = example.sims().get('kingdee') as KingdeeSim;
        const payment = maycur.payments.find((p) => p.payeeTargetBusinessCode === UNMAPPED)!;
        payment.payerAccountNumber = NEW_ACCOUNT;
        /** Payment bills in Kingdee per source bill (a count above 1: pushed twice). */
        const bills = () => {
            const out = new Map<string, number>();
            for (const b of kingdee.rows('AP_PAYBILL')) out.set(String(b.FSRCBILLNO), (out.get(String(b.FSRCBILLNO)) ?? 0) + 1);
            return out;
        };
        /** What reaches the mapper and the write node, per source bill. */
        const reached = { mapper: [] as string[], write: [] as string[] };
        runtimeHooks.add('preDeliver.ex05unmapped', (e: { msg: Msg; destination: { id: string } }) => {
            const list = e.destination.id === 'ex05-mapper' ? reached.mapper : e.destination.id === 'ex05-write' ? reached.write : undefined;
            if (!list) return;
            const records = Array.isArray(e.msg.payload) ? e.msg.payload : [e.msg.payload];
            for (const r of records) list.push(String(r?.payeeTargetBusinessCode ?? r?.Number));
        });
        return { maycur, kingdee, payment, bills, reached };
    }

    /** Loads the example, waits for its bank accounts (loaded once after deploy), runs it once. */
    /** The unknown account added in Kingdee (used by organisation 101), "Load accounts" clicked, then "Replay". */
    async function addAccountAndReplay(kingdee: KingdeeSim, org101: Record<string, any>, reached: { mapper: string[]; write: string[] }) {
        kingdee.rows('CN_BANKACNT').push({ FBANKACNTID: 800099, FNumber: NEW_ACCOUNT, FName: '新增 基本户', FUseOrgId: org101.FOrgID, 'FUseOrgId.FNumber': '101', FDocumentStatus: 'C', FForbidStatus: 'A' });
        press('ex05-load-inject');
        await waitFor('the added account loaded', () => (flowGet('kingdeeAccounts') ?? []).length === 3, 15000);
        reached.mapper.length = 0;
        reached.write.length = 0;
        press('ex05-replay');
    }

    async function firstRun() {
        const s = setUp();
        const ex = await loadExample();
        // What "② 映射失败 not mapped" shows (and logs).
        const shown: string[] = [];
        helper.getNode('ex05-debug-unmapped').on('call:log', (call: { args: unknown[] }) => shown.push(String(call.args[0])));
        await waitFor('the bank accounts loaded after deploy', () => (flowGet('kingdeeAccounts') ?? []).length === 2, 20000);
        press('ex05-inject');
        await waitFor('the first run: 9 payments pushed and the unmapped one in the failures file', () => s.bills().size === 9 && linesOf(ex.failures).length === 1 && ex.completedReads() === 1, 30000);
        await sleep(500);
        return { ...s, ex, shown };
    }

    it('puts the unmapped payment in the failures file with the mapper\'s reason; once the account is added and loaded, Replay sends it through the mapper and it is pushed down once', async () => {
        const { kingdee, payment, bills, reached, ex, shown } = await firstRun();
        // The first run: nine bills pushed, the payment of the unknown account not; it is in the failures file.
        should([...bills().keys()]).not.containEql(UNMAPPED);
        should([...bills().values()].every((n) => n === 1)).be.true();
        const [line] = linesOf(ex.failures);
        should(line.payload).match({ payeeTargetBusinessCode: UNMAPPED, payerAccountNumber: NEW_ACCOUNT, paymentBizCode: payment.paymentBizCode });
        should(line.error).match({ system: 'mapper', code: 'MAPPING_FAILED', field: 'TargetOrgId' });
        should(line.error.message).match(new RegExp(`no match in flow\\.kingdeeAccounts where FNumber=.*${NEW_ACCOUNT}`));
        should(line.replayTo).equal('mapper');
        // Only its own payment kept for the write-back, not the whole page read.
        should(line.maycur).eql([line.payload]);
        // The sidebar shows the payment with the mapper's reason, not the page of payments read (msg.maycur).
        should(shown).have.length(1);
        should(new Set(shown[0].match(/FKSQ\d+/g))).eql(new Set([UNMAPPED]));
        should(shown[0]).match(/no match in flow\.kingdeeAccounts/);

        // "Run" again reads nothing: the watermark moved past the payment, the file is the only way back.
        press('ex05-inject');
        await waitFor('the second run read', () => ex.completedReads() === 2, 30000);
        await sleep(300);
        should(bills().size).equal(9);
        should(linesOf(ex.failures)).have.length(1);

        // Replay before the account is in Kingdee: back through the mapper, failing again, in the file again, once.
        reached.mapper.length = 0;
        reached.write.length = 0;
        press('ex05-replay');
        await waitFor('the replayed line back in the file', () => reached.mapper.includes(UNMAPPED) && linesOf(ex.failures).length === 1, 15000);
        await sleep(500);
        should(reached.mapper).eql([UNMAPPED]);
        should(reached.write).eql([]);
        const again = linesOf(ex.failures);
        should(again).have.length(1);
        should(again[0]).match({ replayTo: 'mapper', payload: { payeeTargetBusinessCode: UNMAPPED }, error: { code: 'MAPPING_FAILED' } });
        should(bills().size).equal(9);

        // The account added in Kingdee, "Load accounts" clicked, then Replay: through the mapper, pushed down once.
        const orgs = kingdee.rows('ORG_Organizations');
        const org101 = orgs.find((o) => o.FNumber === '101')!;
        await addAccountAndReplay(kingdee, org101, reached);
        await waitFor('the replayed payment pushed down and written back', () => bills().has(UNMAPPED) && (flowGet('maycurWriteback') ?? {})[payment.paymentBizCode], 15000);
        await sleep(800);
        should(reached.mapper).eql([UNMAPPED]);
        should(reached.write).eql([UNMAPPED]);
        should(bills().size).equal(10);
        should([...bills()].filter(([, n]) => n !== 1)).eql([], 'pushed twice');
        const bill = kingdee.rows('AP_PAYBILL').find((b) => b.FSRCBILLNO === UNMAPPED)!;
        should(bill.TargetOrgId).equal(org101.FOrgID);
        should(flowGet('maycurWriteback')[payment.paymentBizCode]).match({ payeeTargetBusinessCode: UNMAPPED, payerAccountNumber: NEW_ACCOUNT, payableAmount: payment.payableAmount });
        should(linesOf(ex.failures)).eql([]);

        // Nothing left: Replay and Run again push nothing more.
        press('ex05-replay');
        press('ex05-inject');
        await waitFor('the third run read', () => ex.completedReads() === 3, 30000);
        await sleep(800);
        should(bills().size).equal(10);
        should([...bills()].filter(([, n]) => n !== 1)).eql([], 'pushed twice');
        should(linesOf(ex.failures)).eql([]);
        should(MAYCUR_DEMO_ACCOUNTS[NEW_ACCOUNT]).be.undefined();
    });

    it('a write failure in the same file is still replayed into the write node, the unmapped payment into the mapper', async () => {
        const { kingdee, bills, reached, ex } = await firstRun();
        // A push record the write node failed before (a line of its own, without replayTo), beside the unmapped payment.
        // FKSQ000102 is paid from the demo's second account, used by organisation 101.
        const org101 = kingdee.rows('ORG_Organizations').find((o) => o.FNumber === '101')!;
        fs.appendFileSync(ex.failures, `${JSON.stringify({ payload: { Number: 'FKSQ000102', TargetOrgId: org101.FOrgID }, maycur: [], error: { message: 'failed before' } })}\n`);
        await addAccountAndReplay(kingdee, org101, reached);
        await waitFor('both lines replayed', () => bills().has(UNMAPPED) && reached.write.includes('FKSQ000102'), 15000);
        await sleep(800);
        should(reached.mapper).eql([UNMAPPED]);
        should(reached.write.slice().sort()).eql(['FKSQ000101', 'FKSQ000102']);
        // FKSQ000102 was pushed by the first run: found, not pushed again.
        should(bills().size).equal(10);
        should([...bills()].filter(([, n]) => n !== 1)).eql([], 'pushed twice');
        should(linesOf(ex.failures)).eql([]);
    });
});
