/**
 * Example 05's write-back (flow.maycurWriteback): one entry per Maycur payment, keyed by its paymentBizCode. Several
 * payments may name the same Kingdee payment request (payeeTargetBusinessCode is the bill's number, not the payment's:
 * a bill paid to several payees, or in instalments): Kingdee pushes the request once, and each of those payments is
 * paid by that bill, so each must get its write-back entry; none may be left out because another shares its bill.
 */
import should from 'should';
import { helper, Msg } from '../helpers/nodered';
import { exampleTabPerTest } from './example-nodes';
import { sleep, waitFor } from '../helpers/wait';
import { KingdeeSim } from '../sim/kingdee';
import { MaycurSim } from '../sim/maycur';

describe('example 05: the write-back of payments that share a payment request', function () {
    this.timeout(120000);
    const example = exampleTabPerTest();

    const flowGet = (key: string) => helper.getNode('ex05-mapper').context().flow.get(key);
    const press = (id: string) => helper.getNode(id).receive({});

    it('two payments of the same request, read in one page: the request is pushed once and both payments are written back against its bill', async () => {
        const maycur = example.sims().get('maycur') as MaycurSim;
        const kingdee = example.sims().get('kingdee') as KingdeeSim;
        // The third payment (paid from the same account as the first) pays the first one's request too.
        const [first, , third] = maycur.payments;
        should(third.payerAccountNumber).equal(first.payerAccountNumber);
        third.payeeTargetBusinessCode = first.payeeTargetBusinessCode;
        const ex = await example.load('05', 'ex05-query');
        await waitFor('the bank accounts loaded after deploy', () => (flowGet('kingdeeAccounts') ?? []).length === 2, 20000);
        press('ex05-inject');
        await waitFor('the run read and its nine requests pushed', () => ex.completedReads() === 1 && kingdee.rows('AP_PAYBILL').length === 9 && Object.keys(flowGet('maycurWriteback') ?? {}).length >= 9, 30000);
        await sleep(500);
        const bills = kingdee.rows('AP_PAYBILL').filter((b: Msg) => b.FSRCBILLNO === first.payeeTargetBusinessCode);
        should(bills).have.length(1, 'the request pushed once');
        const writeback = flowGet('maycurWriteback') ?? {};
        // Every payment read has its entry: ten payments, nine requests.
        should(Object.keys(writeback).sort()).eql(maycur.payments.map((p) => p.paymentBizCode).sort());
        for (const p of [first, third]) {
            should(writeback[p.paymentBizCode]).match({ paymentBizCode: p.paymentBizCode, payeeTargetBusinessCode: first.payeeTargetBusinessCode, number: bills[0].FBillNo, payableAmount: p.payableAmount });
        }
    });
});
