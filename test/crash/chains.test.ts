import should from 'should';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM } from '../sim/kingdee';
import { WdtWmsSim, WDT_WMS_DEMO, demoOrders } from '../sim/wdt-wms';
import { GuanyiSim, GUANYI_DEMO, demoReturns } from '../sim/guanyi';
import { JingchengSim, JINGCHENG_DEMO } from '../sim/jingcheng';
import { MaycurSim, MAYCUR_DEMO } from '../sim/maycur';
import { SimRequest, SimResponse } from '../sim/harness';
import { NodeRedProcess, waitFor } from './runtime';

/**
 * Crash-safe incremental sync (issue 9) for the other incremental example chains, in a real Node-RED killed with
 * SIGKILL between the read and the writes, with "commit after the writes" and the watermark in the persistent `file`
 * store, then started again on the same user dir and run again:
 *   - example 02: kingdee-bill-query (PUR_MRAPP, incremental on FCANCELDATE, FCANCELSTATUS = 'B') → one row per bill →
 *     erp-mapper → wdt-wms-cancel (a cancel of a cancelled order counts as cancelled: alreadyCancelled);
 *   - example 03: guanyi-return-get (incremental, cancel = 0) → erp-mapper → jingcheng-recv (a SheetID the ERP holds
 *     already answers DUPLICATE_SHEET: output 1, alreadyPresent);
 *   - example 05: maycur-paid-list (incremental on paidTime) → erp-mapper (TargetOrgId looked up in the bank accounts
 *     read from Kingdee) → kingdee-push (a source Kingdee refuses as pushed already is looked up: output 1, alreadyPushed).
 * The mapping and node settings are the examples'; only the accounts (the simulators), the store and the page size
 * differ. Each test runs the three chains in one Node-RED, each against its own simulators, which hold the write calls so
 * the crash falls where the test wants it.
 */

type Decision = 'pass' | 'hold' | 'save-then-hold';

/** Holds calls until released: the crash then falls while they wait. */
class Gate {
    held = 0;
    private release: () => void = () => undefined;
    private gate = this.next();
    private next(): Promise<void> {
        return new Promise((r) => (this.release = r));
    }
    async wait(): Promise<void> {
        this.held++;
        await this.gate;
        this.held--;
    }
    open(): void {
        this.release();
        this.gate = this.next();
    }
}

const DROPPED: SimResponse = { status: 503, body: 'dropped: the caller crashed before this call was processed' };

/** The WDT WMS simulator, unchanged, with a hand on the timing of cancel calls, and each order's cancellation counted. */
class TimedWmsSim extends WdtWmsSim {
    decide: (orderCode: string, call: number) => Decision = () => 'pass';
    readonly gate = new Gate();
    /** Cancel calls so far (for `decide`). */
    calls = 0;
    /** Orders a cancel moved from created to cancelled, in order: the writes that changed the WMS. */
    readonly transitions: string[] = [];

    protected async handle(req: SimRequest): Promise<SimResponse> {
        const m = /<orderCode>([^<]*)<\/orderCode>/.exec(req.body);
        if (!m) return super.handle(req);
        const code = m[1];
        const decision = this.decide(code, this.calls++);
        if (decision === 'hold') {
            await this.gate.wait();
            return DROPPED;
        }
        const before = this.orders.get(code)?.status;
        const answer = await super.handle(req);
        if (before === 'created' && this.orders.get(code)?.status === 'cancelled') this.transitions.push(code);
        if (decision === 'save-then-hold') await this.gate.wait();
        return answer;
    }
}

/** The Jingcheng simulator, unchanged, with a hand on the timing of sheet calls and their answers recorded. */
class TimedJingchengSim extends JingchengSim {
    decide: (sheetId: string, call: number) => Decision = () => 'pass';
    readonly gate = new Gate();
    calls = 0;
    /** SheetIDs the ERP received (answered success), in order. */
    readonly accepted: string[] = [];
    /** SheetIDs answered DUPLICATE_SHEET (sent again while the ERP held them). */
    readonly duplicates: string[] = [];

    protected async handle(req: SimRequest): Promise<SimResponse> {
        if (!req.path.endsWith(`/${this.path}`)) return super.handle(req);
        let id = '';
        try {
            id = String(JSON.parse(req.body).SheetID);
        } catch {
            return super.handle(req);
        }
        const decision = this.decide(id, this.calls++);
        if (decision === 'hold') {
            await this.gate.wait();
            return DROPPED;
        }
        const answer = await super.handle(req);
        const body = answer.body as any;
        if (body?.success === true) this.accepted.push(id);
        if (body?.code === 'DUPLICATE_SHEET') this.duplicates.push(id);
        if (decision === 'save-then-hold') await this.gate.wait();
        return answer;
    }
}

/** The Kingdee simulator, unchanged, with a hand on the timing of Push calls. */
class TimedPushKingdeeSim extends KingdeeSim {
    decide: (call: number) => Decision = () => 'pass';
    readonly gate = new Gate();
    calls = 0;

    protected async handle(req: SimRequest): Promise<SimResponse> {
        if (!/DynamicFormService\.Push\.common\.kdsvc$/i.test(req.path)) return super.handle(req);
        const decision = this.decide(this.calls++);
        if (decision === 'hold') {
            await this.gate.wait();
            return DROPPED;
        }
        const answer = await super.handle(req);
        if (decision === 'save-then-hold') await this.gate.wait();
        return answer;
    }
}

const KEY = 'cnErpWatermark';
const RETURN_REQUESTS = 20;
const GUANYI_PAGE = 5;
const MAYCUR_PAGE = 3;
const PAYMENTS = 10;

/** Example 02's mapping, as in examples/02 …json. */
const MAPPING_02 = {
    target: 'wdt-wms-cancel',
    fields: {
        warehouseCode: { path: 'FStockID_FNumber', required: true },
        orderCode: { path: 'FBillNo', required: true },
        orderType: { table: { TLSQ01_SYS: 'CGTH' }, path: 'FBillTypeID_FNumber' },
        cancelReason: { template: '金蝶退料申请取消 {{FBillNo}} {{FNote}}' },
    },
};

/** Example 03's mapping, as in examples/03 …json. */
const MAPPING_03 = {
    target: 'jingcheng-recv',
    fields: {
        SheetID: { path: 'code', required: true },
        SheetDate: { path: 'receive_date', convert: 'date', required: true },
        CustomerCode: { path: 'shop_code' },
        CustomerName: { path: 'shop_name' },
        RedBlue: { const: '1' },
        Qua: { jsonata: '$string($sum(details[(real_in != null and real_in != "") or (qty != null and qty != "")].$number(real_in != null and real_in != "" ? real_in : qty)))' },
        Amo: {
            jsonata:
                '$string($roundHalfUp($sum(details[amount != null and amount != ""].((real_in != null and real_in != "" and qty != null and qty != "" and $number(qty) != 0) ? $roundHalfUp($number(amount) * $number(real_in) / $number(qty), 2) : $number(amount))), 2))',
        },
        Remark: { template: '{{platform_code}} {{reason}}' },
        Items: {
            array: 'details',
            fields: {
                GoodsID: { jsonata: 'sku_code != null and sku_code != "" ? sku_code : item_code', convert: 'string', required: true },
                Qua: { jsonata: '(real_in != null and real_in != "" ? real_in : qty)', convert: 'string', required: true },
                Price: { path: 'price', convert: 'string' },
                Amo: {
                    jsonata: 'amount != null and amount != "" ? ((real_in != null and real_in != "" and qty != null and qty != "" and $number(qty) != 0) ? $roundHalfUp($number(amount) * $number(real_in) / $number(qty), 2) : $number(amount)) : amount',
                    convert: 'string',
                },
                Remark: { path: 'note' },
            },
        },
    },
};

/** Example 05's mapping, as in examples/05 …json. */
const MAPPING_05 = {
    target: 'kingdee-push',
    fields: {
        Number: { path: 'payeeTargetBusinessCode', required: true },
        TargetOrgId: { lookup: { store: 'flow', key: 'kingdeeAccounts', match: { FNumber: 'payerAccountNumber' }, return: 'FUseOrgId', onMissing: 'fail' } },
    },
};

/** Example 02's "one row per bill" function. */
const ONE_ROW_PER_BILL = `const seen = new Set();
msg.payload = msg.payload.filter((row) => {
    const no = row && row.FBillNo;
    if (no === undefined || no === null || no === '') return true;
    if (seen.has(no)) return false;
    seen.add(no);
    return true;
});
return msg;`;

/** A function node keeping what reaches it (output 1 or 2 of a write node) in its memory context, key `seen`. */
const TAP = `const seen = context.get('seen') || [];
for (const r of [].concat(msg.payload)) seen.push({ record: r, error: msg.error ? { code: msg.error.code, possiblyProcessed: msg.error.possiblyProcessed } : undefined });
context.set('seen', seen);
return null;`;

const fn = (id: string, z: string, func: string, wires: string[][]) => ({ id, type: 'function', z, func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 100, y: 100, wires });

interface Tapped {
    record: any;
    error?: { code: string; possiblyProcessed?: boolean };
}

describe('crash-safe incremental sync: examples 02, 03 and 05 in a real Node-RED killed between the read and the writes', function () {
    this.timeout(180000);
    let nr: NodeRedProcess | undefined;
    let kingdee: KingdeeSim;
    let wms: TimedWmsSim;
    let guanyi: GuanyiSim;
    let jingcheng: TimedJingchengSim;
    let maycur: MaycurSim;
    let kingdee05: TimedPushKingdeeSim;
    const sims = () => [kingdee, wms, guanyi, jingcheng, maycur, kingdee05];

    beforeEach(async () => {
        kingdee = new KingdeeSim({ returnRequests: RETURN_REQUESTS });
        const orders = demoOrders();
        for (let i = orders.length + 1; i <= RETURN_REQUESTS; i++) orders.push({ orderCode: `TL202401${String(i).padStart(4, '0')}`, warehouseCode: 'WH01', orderType: 'CGTH', ownerCode: 'OW01', status: 'created' });
        // A second cancel of a cancelled order is refused (ORDER_CANCELLED 单据已取消): the stricter of the two
        // answers a WMS may give; the node must count it as cancelled, and the sim shows whether one was sent.
        wms = new TimedWmsSim({ orders, alreadyCancelled: 'failure' });
        guanyi = new GuanyiSim({ returns: demoReturns(25) });
        jingcheng = new TimedJingchengSim();
        maycur = new MaycurSim();
        kingdee05 = new TimedPushKingdeeSim();
        for (const s of sims()) await s.start();
    });

    afterEach(async function () {
        if (this.currentTest?.state === 'failed' && nr) console.log(nr.log.slice(-6000));
        if (process.env.CRASH_DEBUG && nr) console.log(`Node-RED starts (ms): ${nr.startMs.join(', ')}`);
        wms.gate.open();
        jingcheng.gate.open();
        kingdee05.gate.open();
        await nr?.dispose();
        nr = undefined;
        for (const s of sims()) await s.stop();
    });

    function flows(): unknown[] {
        return [
            { id: 't02', type: 'tab', label: '02 金蝶退料申请 → 旺店通WMS取消' },
            { id: 'kc02', type: 'kingdee-config', serverUrl: kingdee.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, lcid: 2052, authMode: 'password', signAlgorithm: 'sha256', bodyForm: 'named', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2 },
            { id: 'wc02', type: 'wdt-wms-config', serviceUrl: `${wms.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid, format: 'xml', apiStyle: 'wdt', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2 },
            {
                id: 'q02', type: 'kingdee-bill-query', z: 't02', config: 'kc02',
                params: {
                    FormId: { value: RETURN_REQUEST_FORM, type: 'str' },
                    FieldKeys: { value: 'FID,FBillNo,FDocumentStatus,FBillTypeID_FNumber,FDate,FNote,FStockID_FNumber,FMaterialID_FNumber,FQty,FEntity_FEntryID', type: 'str' },
                    FilterString: { value: "FStockID.FNumber = 'WH01' AND FCANCELSTATUS = 'B'", type: 'str' },
                    ModifiedFrom: { value: '2024-01-01 00:00:00', type: 'str' },
                    DateField: { value: 'FCANCELDATE', type: 'str' },
                },
                maxRecords: '', incremental: true, watermarkStore: 'file', overlapMinutes: 10, watermarkCommit: 'ack', ackTimeout: 30, timeout: '', outputMode: 'all',
                wires: [['one02']],
            },
            fn('one02', 't02', ONE_ROW_PER_BILL, [['map02']]),
            { id: 'map02', type: 'erp-mapper', z: 't02', target: 'wdt-wms-cancel', mapping: JSON.stringify(MAPPING_02), wires: [['w02'], []] },
            { id: 'w02', type: 'wdt-wms-cancel', z: 't02', config: 'wc02', params: {}, timeout: '', wires: [['ok02'], ['fail02']] },
            fn('ok02', 't02', TAP, []),
            fn('fail02', 't02', TAP, []),

            { id: 't03', type: 'tab', label: '03 管易云退货单 → 精诚ERP退货单' },
            { id: 'gc03', type: 'guanyi-config', url: `${guanyi.baseUrl}/rest/erp_open`, appkey: GUANYI_DEMO.appkey, rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2 },
            {
                id: 'jc03', type: 'jingcheng-config', baseUrl: `${jingcheng.baseUrl}/`, path: 'ExtApi_RecvExSheet', auth: 'md5', tokenHeader: 'Authorization', tokenTemplate: 'Bearer <token>',
                timestampHeader: 'X-Timestamp', signHeader: 'X-Sign', successPath: 'success', successValue: 'true', messagePath: 'message', codePath: 'code', extraHeaders: '', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2,
            },
            {
                id: 'q03', type: 'guanyi-return-get', z: 't03', config: 'gc03',
                params: { modify_start_date: { value: '2024-01-01 00:00:00', type: 'str' }, cancel: { value: '0', type: 'str' }, page_size: { value: String(GUANYI_PAGE), type: 'num' } },
                maxRecords: '', incremental: true, watermarkStore: 'file', overlapMinutes: 10, watermarkCommit: 'ack', ackTimeout: 30, timeout: '', outputMode: 'page',
                wires: [['map03']],
            },
            // Output 2 (a return not received yet: no SheetDate) ends here, as it ends at the example's "received" switch.
            { id: 'map03', type: 'erp-mapper', z: 't03', target: 'jingcheng-recv', mapping: JSON.stringify(MAPPING_03), wires: [['w03'], []] },
            { id: 'w03', type: 'jingcheng-recv', z: 't03', config: 'jc03', params: {}, timeout: '', wires: [['ok03'], ['fail03']] },
            fn('ok03', 't03', TAP, []),
            fn('fail03', 't03', TAP, []),

            { id: 't05', type: 'tab', label: '05 每刻已付款 → 金蝶付款单下推' },
            { id: 'kc05', type: 'kingdee-config', serverUrl: kingdee05.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, lcid: 2052, authMode: 'password', signAlgorithm: 'sha256', bodyForm: 'named', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2 },
            { id: 'mc05', type: 'maycur-config', server: 'custom', baseUrl: maycur.baseUrl, appCode: MAYCUR_DEMO.appCode, pagingMode: 'page', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2 },
            {
                id: 'acct05', type: 'kingdee-bill-query', z: 't05', config: 'kc05',
                params: { FormId: { value: 'CN_BANKACNT', type: 'str' }, FieldKeys: { value: 'FNumber,FName,FUseOrgId', type: 'str' }, FilterString: { value: "FForbidStatus = 'A'", type: 'str' }, PrimaryKey: { value: 'FBANKACNTID', type: 'str' } },
                maxRecords: '', incremental: false, watermarkStore: '', overlapMinutes: 10, watermarkCommit: 'read', timeout: '', outputMode: 'all',
                wires: [['keepacct05']],
            },
            fn('keepacct05', 't05', "flow.set('kingdeeAccounts', msg.payload);\nreturn null;", []),
            {
                id: 'q05', type: 'maycur-paid-list', z: 't05', config: 'mc05',
                params: { startPaidTime: { value: '2024-01-01 00:00:00', type: 'str' }, pageSize: { value: String(MAYCUR_PAGE), type: 'num' } },
                maxRecords: '', incremental: true, watermarkStore: 'file', overlapMinutes: 10, watermarkCommit: 'ack', ackTimeout: 30, timeout: '', outputMode: 'page',
                wires: [['map05']],
            },
            { id: 'map05', type: 'erp-mapper', z: 't05', target: 'kingdee-push', mapping: JSON.stringify(MAPPING_05), wires: [['w05'], []] },
            {
                id: 'w05', type: 'kingdee-push', z: 't05', config: 'kc05',
                params: {
                    FormId: { value: 'CN_PAYAPPLY', type: 'str' }, RuleId: { value: '994f9913-a23f-46fb-b5d9-f1f271b4ef6c', type: 'str' }, TargetFormId: { value: 'AP_PAYBILL', type: 'str' },
                    IsEnableDefaultRule: { value: 'true', type: 'bool' }, IsDraftWhenSaveFail: { value: 'true', type: 'bool' }, chunkSize: { value: '50', type: 'num' },
                },
                timeout: '', wires: [['ok05'], ['fail05']],
            },
            fn('ok05', 't05', TAP, []),
            fn('fail05', 't05', TAP, []),
            // The triggers last: once Node-RED knows them, the nodes before them exist.
            { id: 'load05', type: 'inject', z: 't05', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, wires: [['acct05']] },
            { id: 'run05', type: 'inject', z: 't05', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, wires: [['q05']] },
            { id: 'run02', type: 'inject', z: 't02', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, wires: [['q02']] },
            { id: 'run03', type: 'inject', z: 't03', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, wires: [['q03']] },
        ];
    }

    async function startNodeRed(): Promise<NodeRedProcess> {
        nr = new NodeRedProcess(flows(), {
            kc02: { password: KINGDEE_DEMO.password },
            wc02: { secret: WDT_WMS_DEMO.secret },
            gc03: { sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret },
            jc03: { secret: JINGCHENG_DEMO.secret },
            kc05: { password: KINGDEE_DEMO.password },
            mc05: { appSecret: MAYCUR_DEMO.appSecret },
        }, { coreNodes: ['10-function.js'] });
        await nr.start();
        await loadAccounts(nr);
        return nr;
    }

    /** Example 05's "Load accounts" (an inject firing once at start in the example): the bank accounts in flow context. */
    async function loadAccounts(p: NodeRedProcess): Promise<void> {
        await p.inject('load05');
        await waitFor('the bank accounts loaded', async () => {
            const res = await fetch(`${p.url}/context/flow/t05/kingdeeAccounts?store=default`);
            const body = res.ok ? ((await res.json()) as { format?: string }) : {};
            return /^array\[[1-9]/.test(String(body.format));
        });
    }

    /** The crash, then a restart on the same user dir with every write let through. */
    async function crashAndRestart(p: NodeRedProcess): Promise<void> {
        await p.crash();
        wms.decide = () => 'pass';
        jingcheng.decide = () => 'pass';
        kingdee05.decide = () => 'pass';
        wms.gate.open();
        jingcheng.gate.open();
        kingdee05.gate.open();
        await p.start();
        await loadAccounts(p);
        for (const s of sims()) s.clearRequests();
    }

    const watermarkOf = (p: NodeRedProcess, q: string) => p.contextValue(q, KEY, 'file') as Promise<number | undefined>;
    const storedWatermark = (p: NodeRedProcess, tab: string, q: string) => p.storedValue(tab, q, KEY) as number | undefined;

    /** What a tap function node kept (its memory context, through the admin API). */
    async function tapped(p: NodeRedProcess, id: string): Promise<Tapped[]> {
        const res = await fetch(`${p.url}/context/node/${id}/seen?store=default`);
        if (!res.ok) return [];
        const body = (await res.json()) as { msg?: unknown; format?: string };
        if (body.msg === undefined || body.format === 'undefined') return [];
        return (typeof body.msg === 'string' ? JSON.parse(body.msg) : body.msg) as Tapped[];
    }

    /** Example 02's expected cancellations: voided return requests whose WMS order has not shipped. */
    function voided(): string[] {
        const bills = new Set(kingdee.rows(RETURN_REQUEST_FORM).filter((r) => r.FCANCELSTATUS === 'B').map((r) => String(r.FBillNo)));
        return [...bills].sort();
    }
    const shipped = () => [...wms.orders.values()].filter((o) => o.status === 'shipped').map((o) => o.orderCode);
    const toCancel = () => voided().filter((b) => !shipped().includes(b));
    /** Example 03's expected sheets: returns not cancelled and received (a return not received fails in the mapper). */
    const toReceive = () => guanyi.returns.filter((r: any) => !r.cancel && r.receive_date).map((r: any) => String(r.code)).sort();
    /** Where each run's Guanyi read started (its first page's request). */
    const guanyiStarts = () => guanyi.requests.map((r) => JSON.parse(r.body)).filter((b) => b.page_no === 1 || b.page_no === '1').map((b) => b.modify_start_date);
    const kingdeeQueries = () => kingdee.requests.filter((r) => /ExecuteBillQuery/i.test(r.path));
    const guanyiPages = Math.ceil(25 / GUANYI_PAGE);
    const maycurPages = () => maycur.requests.filter((r) => /paid\/list/.test(r.path)).length;
    /** Where each Maycur read started (its first page's request). */
    const maycurStarts = () => maycur.requests.filter((r) => /paid\/list/.test(r.path)).map((r) => JSON.parse(r.body)).map((b) => b.data ?? b).filter((d) => Number(d.pageNum) === 1).map((d) => d.startPaidTime);
    const pushes = () => kingdee05.requests.filter((r) => /DynamicFormService\.Push\./i.test(r.path));
    /** The payment bills pushed, by source request. */
    const paybills = () => kingdee05.rows('AP_PAYBILL').map((r) => String(r.FSRCBILLNO));
    const toPush = () => maycur.payments.map((p) => p.payeeTargetBusinessCode).sort();

    /** Every paid payment's request pushed into exactly one AP_PAYBILL bill, of the organisation looked up. */
    function assertEachPushedOnce(): void {
        should(toPush()).have.length(PAYMENTS);
        should(paybills().sort()).eql(toPush());
        for (const p of maycur.payments) {
            const bill = kingdee05.rows('AP_PAYBILL').find((r) => r.FSRCBILLNO === p.payeeTargetBusinessCode)!;
            should(bill['FPAYORGID.FNumber']).equal(p.payerAccountNumber.endsWith('1') ? '100' : '101');
        }
    }

    /** Every order cancelled by exactly one cancel call, the shipped one refused on output 2, nothing else failed. */
    function assertEachOrderCancelledOnce(): void {
        should(toCancel()).have.length(14);
        should(wms.transitions.slice().sort()).eql(toCancel());
        for (const code of toCancel()) should(wms.orders.get(code)!.status).equal('cancelled');
        // Not voided: their WMS orders stay as they were.
        for (const code of [...wms.orders.keys()].filter((c) => !voided().includes(c))) should(wms.orders.get(code)!.status).equal('created');
    }

    /** Every received return is in Jingcheng exactly once: one call received it. */
    function assertEachSheetOnce(): void {
        should(toReceive()).have.length(17);
        should(jingcheng.accepted.slice().sort()).eql(toReceive());
        should([...jingcheng.sheets.keys()].sort()).eql(toReceive());
    }

    it('examples 02, 03 and 05, crash with every write held (none reached the WMS, Jingcheng or Kingdee): nothing committed; the rerun re-reads every record from the first start, writes each once and commits to disk; a third run writes nothing', async () => {
        const p = await startNodeRed();
        wms.decide = () => 'hold';
        jingcheng.decide = () => 'hold';
        kingdee05.decide = () => 'hold';
        await p.inject('run02');
        await p.inject('run03');
        await p.inject('run05');
        await waitFor('the reads over and the writes held', () => kingdeeQueries().length >= 1 && wms.gate.held === 1 && guanyi.requests.length >= guanyiPages && jingcheng.gate.held >= 1 && maycurPages() >= Math.ceil(PAYMENTS / MAYCUR_PAGE) && kingdee05.gate.held >= 1);
        await new Promise((r) => setTimeout(r, 500));
        should(wms.transitions).eql([]);
        should(jingcheng.accepted).eql([]);
        should(paybills()).eql([]);
        for (const q of ['q02', 'q03', 'q05']) should(await watermarkOf(p, q)).be.undefined();
        const maycurStart = maycurStarts();
        should(maycurStart).have.length(1);

        await crashAndRestart(p);
        for (const q of ['q02', 'q03', 'q05']) should(await watermarkOf(p, q)).be.undefined();
        const runStarted = Date.now();
        await p.inject('run02');
        await p.inject('run03');
        await p.inject('run05');
        const wm02 = (await waitFor('the 02 watermark committed', () => watermarkOf(p, 'q02'))) as number;
        const wm03 = (await waitFor('the 03 watermark committed', () => watermarkOf(p, 'q03'))) as number;
        const wm05 = (await waitFor('the 05 watermark committed', () => watermarkOf(p, 'q05'))) as number;
        should(wm02).be.aboveOrEqual(runStarted);
        should(wm03).be.aboveOrEqual(runStarted);
        should(wm05).be.aboveOrEqual(runStarted);

        // 02: the rerun read from the first run's start and cancelled each voided order once.
        const filters = kingdeeQueries().map((r) => r.body);
        should(filters).have.length(1);
        should(filters[0]).match(/FCANCELDATE\s*>=\s*'2024-01-01/);
        assertEachOrderCancelledOnce();
        const ok02 = await tapped(p, 'ok02');
        should(ok02.map((t) => t.record.orderCode).sort()).eql(toCancel());
        should(ok02.filter((t) => t.record.alreadyCancelled)).have.length(0);
        should((await tapped(p, 'fail02')).map((t) => [t.record.orderCode, t.error?.code])).eql([['TL2024010010', 'ORDER_CANNOT_CANCEL']]);

        // 03: the rerun read every page from the first start and received each received return once.
        should(guanyiStarts()).eql(['2024-01-01 00:00:00']);
        assertEachSheetOnce();
        should(jingcheng.duplicates).eql([]);
        const ok03 = await tapped(p, 'ok03');
        should(ok03.map((t) => String(t.record.SheetID)).sort()).eql(toReceive());
        should(await tapped(p, 'fail03')).eql([]);

        // 05: the rerun read from the first run's start and pushed each payment's request once.
        should(maycurStarts()).eql(maycurStart);
        assertEachPushedOnce();
        const ok05 = await tapped(p, 'ok05');
        should(ok05.map((t) => String(t.record.source?.Number)).sort()).eql(toPush());
        should(ok05.filter((t) => t.record.alreadyPushed)).have.length(0);
        should(await tapped(p, 'fail05')).eql([]);

        // The commits reached the disk; run 3 reads only from them (minus the overlap) and writes nothing.
        await waitFor('the watermarks on disk', () => storedWatermark(p, 't02', 'q02') === wm02 && storedWatermark(p, 't03', 'q03') === wm03 && storedWatermark(p, 't05', 'q05') === wm05, 15000);
        for (const s of sims()) s.clearRequests();
        await p.inject('run02');
        await p.inject('run03');
        await p.inject('run05');
        await waitFor('run 3 committed', async () => ((await watermarkOf(p, 'q02')) ?? 0) > wm02 && ((await watermarkOf(p, 'q03')) ?? 0) > wm03 && ((await watermarkOf(p, 'q05')) ?? 0) > wm05);
        should(wms.requests).have.length(0);
        should(jingcheng.requests).have.length(0);
        should(pushes()).have.length(0);
        assertEachOrderCancelledOnce();
        assertEachSheetOnce();
        assertEachPushedOnce();
    });

    it('examples 02, 03 and 05, crash after some writes reached their target but their answers were lost: nothing committed; the rerun re-reads every record and changes nothing twice (02: alreadyCancelled, 03: alreadyPresent, 05: alreadyPushed, each on output 1)', async () => {
        const p = await startNodeRed();
        // The first three calls answered, the fourth carried out and its answer held, the rest held before the target.
        const plan = (_: string, call: number): Decision => (call < 3 ? 'pass' : call === 3 ? 'save-then-hold' : 'hold');
        wms.decide = plan;
        jingcheng.decide = plan;
        // 05: the first push (a page of payments) answered, the second carried out and its answer held, the rest held.
        kingdee05.decide = (call) => (call === 0 ? 'pass' : call === 1 ? 'save-then-hold' : 'hold');
        await p.inject('run02');
        await p.inject('run03');
        await p.inject('run05');
        await waitFor('four writes carried out on each side, the fourth unanswered; two pushes carried out, the second unanswered', () => wms.transitions.length === 4 && wms.gate.held === 1 && jingcheng.accepted.length === 4 && guanyi.requests.length >= guanyiPages && jingcheng.gate.held >= 1 && kingdee05.calls >= 2 && kingdee05.gate.held >= 1);
        await new Promise((r) => setTimeout(r, 500));
        should(wms.transitions).have.length(4);
        should(jingcheng.accepted).have.length(4);
        for (const q of ['q02', 'q03', 'q05']) should(await watermarkOf(p, q)).be.undefined();
        const cancelledBefore = wms.transitions.slice();
        const receivedBefore = jingcheng.accepted.slice();
        const pushedBefore = paybills().sort();
        should(pushedBefore.length).be.above(0);
        should(pushedBefore.length).be.below(PAYMENTS);

        await crashAndRestart(p);
        await p.inject('run02');
        await p.inject('run03');
        await p.inject('run05');
        await waitFor('the 02 watermark committed', () => watermarkOf(p, 'q02'));
        await waitFor('the 03 watermark committed', () => watermarkOf(p, 'q03'));
        await waitFor('the 05 watermark committed', () => watermarkOf(p, 'q05'));

        // 02: every voided order was asked again; the four cancelled in run 1 were refused as cancelled already and
        // come out on output 1 marked alreadyCancelled; each order changed once.
        should(kingdeeQueries().map((r) => r.body)[0]).match(/FCANCELDATE\s*>=\s*'2024-01-01/);
        assertEachOrderCancelledOnce();
        should(wms.transitions.slice(0, 4)).eql(cancelledBefore);
        const again = wms.cancellations.filter((c) => c.code === 'ORDER_CANCELLED').map((c) => String(c.request.orderCode));
        should(again.slice().sort()).eql(cancelledBefore.slice().sort());
        const ok02 = await tapped(p, 'ok02');
        should(ok02.map((t) => t.record.orderCode).sort()).eql(toCancel());
        should(ok02.filter((t) => t.record.alreadyCancelled).map((t) => t.record.orderCode).sort()).eql(cancelledBefore.slice().sort());
        should((await tapped(p, 'fail02')).map((t) => [t.record.orderCode, t.error?.code])).eql([['TL2024010010', 'ORDER_CANNOT_CANCEL']]);

        // 03: every received return was sent again; the four received in run 1 were answered DUPLICATE_SHEET and
        // come out on output 1 marked alreadyPresent; none on output 2 (none possibly processed); each sheet received once.
        // Nothing marks these as possibly processed: the rerun sends them again on its own, safe only because the ERP
        // refuses a SheetID it holds (DUPLICATE_SHEET, protocols.md §8.2: the palette's assumption, no public protocol).
        should(guanyiStarts()).eql(['2024-01-01 00:00:00']);
        assertEachSheetOnce();
        should(jingcheng.accepted.slice(0, 4)).eql(receivedBefore);
        should(jingcheng.duplicates.slice().sort()).eql(receivedBefore.slice().sort());
        const ok03 = await tapped(p, 'ok03');
        should(ok03.map((t) => String(t.record.SheetID)).sort()).eql(toReceive());
        should(ok03.filter((t) => t.record.alreadyPresent).map((t) => String(t.record.SheetID)).sort()).eql(receivedBefore.slice().sort());
        should(await tapped(p, 'fail03')).eql([]);

        // 05: every payment's request was pushed again; those pushed in run 1 were refused as pushed already, their
        // bills looked up and put on output 1 marked alreadyPushed; each request has one payment bill.
        should(pushes().length).be.above(0);
        assertEachPushedOnce();
        const ok05 = await tapped(p, 'ok05');
        should(ok05.map((t) => String(t.record.source?.Number)).sort()).eql(toPush());
        should(ok05.filter((t) => t.record.alreadyPushed).map((t) => String(t.record.source?.Number)).sort()).eql(pushedBefore);
        should(await tapped(p, 'fail05')).eql([]);
    });
});
