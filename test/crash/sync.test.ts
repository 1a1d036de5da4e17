import should from 'should';
import { JackyunSim, JACKYUN_DEMO } from '../sim/jackyun';
import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import { SimRequest, SimResponse } from '../sim/harness';
import { chinaTime } from '../../nodes/core/time';
import { NodeRedProcess, waitFor } from './runtime';

/**
 * Crash-safe incremental sync (issue 9), seed 000's chain in a real Node-RED: jackyun-trade-query (incremental,
 * watermark in the persistent `file` context store, committed once the writes acknowledged every page) → erp-mapper
 * → kingdee-batch-save (duplicate guard on FBillNo). The Node-RED process is killed with SIGKILL after the read and
 * before (some of) the writes, started again on the same user dir and run again.
 */

const isSave = (r: SimRequest) => /DynamicFormService\.BatchSave\.common\.kdsvc$/i.test(r.path);
const isGuardQuery = (r: SimRequest) => /DynamicFormService\.ExecuteBillQuery\.common\.kdsvc$/i.test(r.path) && /SAL_OutStock/i.test(r.body);

/** The FBillNo of every model of a BatchSave request (named or positional body, data as object or JSON text). */
function billsOf(req: SimRequest): string[] {
    const b = JSON.parse(req.body);
    let data = b.data ?? b.Data ?? b.parameters?.[b.parameters.length - 1];
    if (typeof data === 'string') data = JSON.parse(data);
    return (data.Model as Array<Record<string, unknown>>).map((m) => String(m.FBillNo));
}

type Decision = 'pass' | 'hold' | 'save-then-hold';

/**
 * The Kingdee simulator, unchanged, with a hand on the timing of BatchSave calls so the crash falls where the test
 * wants it: 'hold' keeps a call waiting before it reaches the books (the crash then means it never did), 'save-then-hold'
 * saves it and keeps the answer back (the crash then loses the answer of a write that happened).
 */
class TimedKingdeeSim extends KingdeeSim {
    decide: (bills: string[]) => Decision = () => 'pass';
    /** BatchSave calls waiting now. */
    held = 0;
    /** Bill numbers each BatchSave got into the books, call by call. */
    readonly saved: string[][] = [];
    /** Records a BatchSave refused (e.g. 单据编号已经存在: a second write of the same bill). */
    readonly refused: string[] = [];
    private release: () => void = () => undefined;
    private gate = this.newGate();

    private newGate(): Promise<void> {
        return new Promise((r) => (this.release = r));
    }

    /** Lets the held calls end (after the crash nobody hears their answers; unsaved ones stay unsaved). */
    releaseHeld(): void {
        this.release();
        this.gate = this.newGate();
    }

    protected async handle(req: SimRequest): Promise<SimResponse> {
        if (!isSave(req)) return super.handle(req);
        const decision = this.decide(billsOf(req));
        if (decision === 'hold') {
            this.held++;
            await this.gate;
            this.held--;
            return { status: 503, body: 'dropped: the caller crashed before this call was processed' };
        }
        const answer = await super.handle(req);
        const status = (answer.body as any)?.Result?.ResponseStatus;
        this.saved.push((status?.SuccessEntitys ?? []).map((e: any) => String(e.Number)));
        for (const e of status?.Errors ?? []) this.refused.push(`${e.FieldName}: ${e.Message}`);
        if (decision === 'save-then-hold') {
            this.held++;
            await this.gate;
            this.held--;
        }
        return answer;
    }
}

const DAY = 86400000;
const TRADES = 20;
const PAGE = 5;
const OVERLAP_MIN = 10;
const KEY = 'cnErpWatermark';

const MAPPING = {
    target: 'kingdee-batch-save',
    fields: {
        FBillTypeID: { const: 'XSCKD01_SYS' },
        FBillNo: { path: 'TradeNo', required: true },
        FDate: { path: 'gmtModified', convert: 'date' },
        FSaleOrgID: { const: '100' },
        FStockOrgID: { const: '100' },
        FCustomerID: { const: 'CUST001' },
        FEntity: { array: 'goodsDetail', fields: { FMaterialID: { path: 'goodsNo', required: true }, FRealQty: { path: 'sellCount', convert: 'number' }, FStockID: { const: 'CK01' } } },
    },
};

describe('crash-safe incremental sync: a real Node-RED killed between the read and the writes', function () {
    this.timeout(120000);
    let jackyun: JackyunSim;
    let kingdee: TimedKingdeeSim;
    let nr: NodeRedProcess | undefined;
    let start: string;

    beforeEach(async () => {
        jackyun = new JackyunSim({ base: Date.now() - 2 * DAY, spanDays: 1, trades: TRADES });
        kingdee = new TimedKingdeeSim();
        await jackyun.start();
        await kingdee.start();
        start = chinaTime(jackyun.base - DAY);
    });

    afterEach(async function () {
        if (this.currentTest?.state === 'failed' && nr) console.log(nr.log.slice(-6000));
        kingdee.releaseHeld();
        await nr?.dispose();
        nr = undefined;
        await jackyun.stop();
        await kingdee.stop();
    });

    function flow(commit: 'ack' | 'read'): unknown[] {
        return [
            { id: 'f1', type: 'tab', label: 'seed 000 incremental' },
            { id: 'jc', type: 'jackyun-config', mode: 'direct', gatewayUrl: `${jackyun.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey, rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2 },
            { id: 'kc', type: 'kingdee-config', serverUrl: kingdee.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2 },
            {
                id: 'q1', type: 'jackyun-trade-query', z: 'f1', config: 'jc', outputMode: 'page',
                params: { startModified: { value: start, type: 'str' }, pageSize: { value: String(PAGE), type: 'num' } },
                incremental: true, watermarkStore: 'file', overlapMinutes: String(OVERLAP_MIN), watermarkCommit: commit, wires: [['m1']],
            },
            { id: 'm1', type: 'erp-mapper', z: 'f1', target: 'kingdee-batch-save', mapping: JSON.stringify(MAPPING), wires: [['s1'], []] },
            {
                id: 's1', type: 'kingdee-batch-save', z: 'f1', config: 'kc',
                params: { FormId: { value: 'SAL_OutStock', type: 'str' }, chunkSize: { value: String(PAGE), type: 'num' }, duplicateGuard: { value: 'true', type: 'bool' } },
                wires: [[], []],
            },
            // Last in the file: once Node-RED knows it, the nodes before it exist.
            { id: 'trigger', type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, wires: [['q1']] },
        ];
    }

    async function startNodeRed(commit: 'ack' | 'read'): Promise<NodeRedProcess> {
        nr = new NodeRedProcess(flow(commit), { jc: { appSecret: JACKYUN_DEMO.appSecret }, kc: { password: KINGDEE_DEMO.password } });
        await nr.start();
        return nr;
    }

    /** Source trade numbers in the order the API pages them. */
    const sourceBills = () => jackyun.tradesModifiedBetween(0, Date.now()).map((t) => t.tradeNo);
    const pageOf = (bill: string) => Math.floor(sourceBills().indexOf(bill) / PAGE);
    /** The modified windows the trade query asked for (first page of each run). */
    const startsAsked = () => jackyun.requests.map((r) => JSON.parse(new URLSearchParams(r.body).get('bizcontent') ?? '{}')).filter((b) => b.pageIndex === 0).map((b) => b.startModified as string);
    const savedBills = () => kingdee.saved.flat();
    const watermarkOf = (p: NodeRedProcess) => p.contextValue('q1', KEY, 'file') as Promise<number | undefined>;

    /** Each source trade is in the books exactly once: one BatchSave saved it, one bill (FID) carries its number. */
    function assertEveryTradeOnce(): void {
        const bills = sourceBills();
        should(bills).have.length(TRADES);
        should(savedBills().slice().sort()).eql(bills.slice().sort());
        should(kingdee.refused).eql([]);
        const rows = kingdee.rows('SAL_OutStock');
        for (const b of bills) should(new Set(rows.filter((r) => r.FBillNo === b).map((r) => r.FID)).size).equal(1, `bill ${b} once in SAL_OutStock`);
        should(new Set(rows.map((r) => r.FBillNo)).size).equal(TRADES);
    }

    /** Crash, restart on the same user dir with every write let through, run again, wait until the run is over. */
    async function crashAndRerun(p: NodeRedProcess): Promise<{ watermark: number; runStarted: number }> {
        await p.crash();
        kingdee.releaseHeld();
        kingdee.decide = () => 'pass';
        await p.start();
        should(await watermarkOf(p)).be.undefined();
        jackyun.clearRequests();
        kingdee.clearRequests();
        const runStarted = Date.now();
        await p.inject('trigger');
        await waitFor('every trade in Kingdee', () => savedBills().length >= TRADES);
        const watermark = (await waitFor('the watermark to be committed', () => watermarkOf(p))) as number;
        return { watermark, runStarted };
    }

    it('commit on ack: crash with every write still pending → the next run re-reads all trades and writes each once; the commit survives a crash; a third run reads and writes nothing', async () => {
        const p = await startNodeRed('ack');
        kingdee.decide = () => 'hold';
        await p.inject('trigger');
        // The read is over (four pages answered) and each page's BatchSave is waiting at Kingdee.
        await waitFor('four pages read and four BatchSave calls held', () => jackyun.calls.direct === TRADES / PAGE && kingdee.held === TRADES / PAGE);
        should(await watermarkOf(p)).be.undefined();
        should(kingdee.saved).have.length(0);

        const { watermark, runStarted } = await crashAndRerun(p);
        // Run 2 started where run 1 did: no watermark had been saved.
        should(startsAsked()).eql([start]);
        assertEveryTradeOnce();
        // The watermark covers every trade and the run: it is the end of run 2's read window.
        should(watermark).be.aboveOrEqual(runStarted);
        should(watermark).be.aboveOrEqual(Math.max(...jackyun.trades.map((t) => t.gmtModified)));

        // Once on disk, the commit survives the next crash; run 3 asks only from the watermark minus the overlap.
        await waitFor('the watermark on disk', () => p.storedValue('f1', 'q1', KEY) === watermark, 15000);
        await p.crash();
        await p.start();
        should(await watermarkOf(p)).equal(watermark);
        jackyun.clearRequests();
        kingdee.clearRequests();
        const savesBefore = kingdee.saved.length;
        await p.inject('trigger');
        await waitFor('run 3 to commit', async () => ((await watermarkOf(p)) ?? 0) > watermark);
        should(startsAsked()).eql([chinaTime(watermark - OVERLAP_MIN * 60000)]);
        should(jackyun.requests.length).equal(1);
        should(kingdee.requests.length).equal(0);
        should(kingdee.saved.length).equal(savesBefore);
        assertEveryTradeOnce();
    });

    it('commit on ack: crash after page 1 was saved and page 2 saved but unanswered → the rerun writes pages 3-4 only; the guard keeps pages 1-2 from being written again', async () => {
        const p = await startNodeRed('ack');
        kingdee.decide = (bills) => (['pass', 'save-then-hold', 'hold', 'hold'] as Decision[])[pageOf(bills[0])];
        await p.inject('trigger');
        await waitFor('page 1 saved, page 2 saved and held, pages 3-4 held', () => jackyun.calls.direct === TRADES / PAGE && kingdee.saved.length === 2 && kingdee.held === 3);
        const before = sourceBills().slice(0, 2 * PAGE);
        should(savedBills().sort()).eql(before.slice().sort());
        // Page 1 may already be acknowledged; the others are not, so nothing is committed.
        should(await watermarkOf(p)).be.undefined();

        await crashAndRerun(p);
        should(startsAsked()).eql([start]);
        // Run 2 read all four pages again, asked Kingdee which bills exist, and sent only the missing ones.
        should(jackyun.calls.direct).equal(2 * (TRADES / PAGE));
        should(kingdee.requests.filter(isGuardQuery).length).be.aboveOrEqual(TRADES / PAGE);
        const sentAgain = kingdee.requests.filter(isSave).flatMap(billsOf);
        should(sentAgain.sort()).eql(sourceBills().slice(2 * PAGE).sort());
        assertEveryTradeOnce();
    });

    it('negative control: with the watermark committed on read, the same crash loses every unwritten trade', async () => {
        const p = await startNodeRed('read');
        kingdee.decide = () => 'hold';
        await p.inject('trigger');
        await waitFor('four pages read and four BatchSave calls held', () => jackyun.calls.direct === TRADES / PAGE && kingdee.held === TRADES / PAGE);
        // Committed at the end of the read, before any write: on disk before the crash.
        const committed = (await waitFor('the watermark on disk', () => p.storedValue('f1', 'q1', KEY), 15000)) as number;
        await p.crash();
        kingdee.releaseHeld();
        kingdee.decide = () => 'pass';
        await p.start();
        should(await watermarkOf(p)).equal(committed);
        jackyun.clearRequests();
        kingdee.clearRequests();
        await p.inject('trigger');
        await waitFor('run 2 to commit', async () => ((await watermarkOf(p)) ?? 0) > committed);
        // Run 2 starts after the trades: none is read again, none reaches Kingdee.
        should(startsAsked()).eql([chinaTime(committed - OVERLAP_MIN * 60000)]);
        should(kingdee.requests.filter(isSave).length).equal(0);
        const missing = sourceBills().filter((b) => !savedBills().includes(b));
        should(missing).have.length(TRADES);
    });
});
