import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import { catchNode, completeNode, fileNode, functionNode, helper, jsonNode, load, Msg, splitNode, switchNode } from '../helpers/nodered';
import { sleep, waitFor } from '../helpers/wait';
import type { SimRequest, SimServer } from '../sim/harness';
import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import { WdtSim, WDT_DEMO, demoTrade } from '../sim/wdt';
import { WdtWmsSim, WDT_WMS_DEMO, WmsOrder } from '../sim/wdt-wms';
import { JingchengSim, JINGCHENG_DEMO, demoSheet } from '../sim/jingcheng';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBatchSave = require('../../nodes/kingdee/kingdee-batch-save');
import kingdeePush = require('../../nodes/kingdee/kingdee-push');
import wdtConfig = require('../../nodes/wdt/wdt-config');
import wdtTradePush = require('../../nodes/wdt/wdt-trade-push');
import wdtWmsConfig = require('../../nodes/wdt-wms/wdt-wms-config');
import wdtWmsCancel = require('../../nodes/wdt-wms/wdt-wms-cancel');
import jingchengConfig = require('../../nodes/jingcheng/jingcheng-config');
import jingchengRecv = require('../../nodes/jingcheng/jingcheng-recv');

/**
 * The round trip the README's "replay" asks of an unattended flow, built of Node-RED's own nodes: output 2 and a Catch
 * node append one JSON line per failure to a file; later (the fault gone) a file in node reads the lines back, a json
 * node parses each, and it goes into the same write node. Each line is what reached the file: the failed record
 * (output 2) or the failed msg's whole batch (Catch); or, kept with its msg.error for whoever reads the file, the
 * whole msg, rebuilt from its line by a function node on the way back.
 *
 * Every record must be saved exactly once in the end: those refused are saved on the replay, and one whose save
 * answer was lost (saved after all) is not saved a second time.
 */

interface WriteCase {
    name: string;
    modules: unknown[];
    start(): Promise<SimServer>;
    config(sim: SimServer): Msg;
    creds: Record<string, Msg>;
    node: Msg;
    /** The msgs sent before the replay: the first is refused in part, the second as a whole. */
    msgs(): Msg[];
    isWrite(r: SimRequest): boolean;
    /** How many times each record (by key) is in the target's books. */
    stored(sim: SimServer): Map<string, number>;
    keys: string[];
    /** The fault of the first msg's second request: a lost answer (the record saved) where the vendor or a guard makes a repeat harmless. */
    lostAnswer: boolean;
}

const FAST = { rps: 0, concurrency: 0, retryBaseMs: 2, maxRetries: 0, timeout: 2 };
const count = (keys: string[]) => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return m;
};

function outStock(key: string): Msg {
    return {
        FBillTypeID: { FNUMBER: 'XSCKD01_SYS' },
        FBillNo: key,
        FDate: '2024-01-08',
        FSaleOrgID: { FNumber: '100' },
        FStockOrgID: { FNumber: '100' },
        FCustomerID: { FNumber: 'CUST001' },
        FNote: key,
        FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 2, FStockID: { FNumber: 'CK01' } }],
    };
}

const kingdeeSim = async () => {
    const sim = new KingdeeSim();
    await sim.start();
    return sim;
};
const kingdeeCfg = (sim: SimServer) => ({ id: 'c1', type: 'kingdee-config', serverUrl: (sim as KingdeeSim).serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', ...FAST });
const KEYS = ['A', 'B', 'C', 'D', 'E'];
const asTwoMsgs = <T>(all: T[]) => [{ payload: all.slice(0, 3) }, { payload: all.slice(3) }];

const cases: WriteCase[] = [
    {
        name: 'kingdee-batch-save (duplicate guard on)',
        modules: [kingdeeConfig, kingdeeBatchSave],
        start: kingdeeSim,
        config: kingdeeCfg,
        creds: { c1: { password: KINGDEE_DEMO.password } },
        node: { type: 'kingdee-batch-save', params: { FormId: { value: 'SAL_OutStock', type: 'str' }, chunkSize: { value: '1', type: 'num' }, duplicateGuard: { value: 'true', type: 'bool' } } },
        msgs: () => asTwoMsgs(KEYS.map((k) => outStock(`XSCK-${k}`))),
        isWrite: (r) => /BatchSave/i.test(r.path),
        stored: (sim) => {
            const fids = new Map<string, Set<unknown>>();
            for (const r of (sim as KingdeeSim).rows('SAL_OutStock')) {
                const k = String(r.FBillNo);
                if (!fids.has(k)) fids.set(k, new Set());
                fids.get(k)!.add(r.FID);
            }
            return new Map([...fids].map(([k, s]) => [k, s.size]));
        },
        keys: KEYS.map((k) => `XSCK-${k}`),
        lostAnswer: true,
    },
    {
        name: 'kingdee-push',
        modules: [kingdeeConfig, kingdeePush],
        start: async () => {
            const sim = await kingdeeSim();
            for (const [i, k] of KEYS.entries()) sim.rows('CN_PAYAPPLY').push({ FID: 810001 + i, FBillNo: `FKSQ-${k}`, FDate: '2024-02-01T00:00:00', 'FPAYORGID.FNumber': '100', FAPPLYAMOUNTFOR_H: 1000 + i, FDocumentStatus: 'C', FPushed: false });
            return sim;
        },
        config: kingdeeCfg,
        creds: { c1: { password: KINGDEE_DEMO.password } },
        node: { type: 'kingdee-push', params: { FormId: { value: 'CN_PAYAPPLY', type: 'str' }, RuleId: { value: '994f9913-a23f-46fb-b5d9-f1f271b4ef6c', type: 'str' }, TargetFormId: { value: 'AP_PAYBILL', type: 'str' }, chunkSize: { value: '1', type: 'num' } } },
        msgs: () => asTwoMsgs(KEYS.map((k) => ({ Number: `FKSQ-${k}` }))),
        isWrite: (r) => /\.Push\./i.test(r.path),
        stored: (sim) => count((sim as KingdeeSim).rows('AP_PAYBILL').map((b) => String(b.FSRCBILLNO))),
        keys: KEYS.map((k) => `FKSQ-${k}`),
        lostAnswer: true,
    },
    {
        name: 'wdt-trade-push',
        modules: [wdtConfig, wdtTradePush],
        start: async () => {
            const sim = new WdtSim();
            await sim.start();
            return sim;
        },
        config: (sim) => ({ id: 'c1', type: 'wdt-config', server: 'custom', baseUrl: `${sim.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, ...FAST }),
        creds: { c1: { appsecret: WDT_DEMO.appsecret } },
        node: { type: 'wdt-trade-push', params: { shop_no: { value: 'SHOP01', type: 'str' }, chunkSize: { value: '1', type: 'num' } } },
        msgs: () => asTwoMsgs(KEYS.map((k) => demoTrade(`T-${k}`))),
        isWrite: () => true,
        // WDT stores a trade once by tid; a push repeated after a lost answer updates it (upsert).
        stored: (sim) => count([...(sim as WdtSim).trades.values()].map((s) => String(s.trade.tid))),
        keys: KEYS.map((k) => `T-${k}`),
        lostAnswer: true,
    },
    {
        name: 'wdt-wms-cancel',
        modules: [wdtWmsConfig, wdtWmsCancel],
        start: async () => {
            const orders: WmsOrder[] = KEYS.map((k) => ({ orderCode: `WO-${k}`, warehouseCode: 'WH01', orderType: 'CGTH', ownerCode: 'OW01', status: 'created' }));
            const sim = new WdtWmsSim({ orders });
            await sim.start();
            return sim;
        },
        config: (sim) => ({ id: 'c1', type: 'wdt-wms-config', serviceUrl: `${sim.baseUrl}/wms_api/wdt_service.php`, appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid, format: 'xml', ...FAST }),
        creds: { c1: { secret: WDT_WMS_DEMO.secret } },
        node: { type: 'wdt-wms-cancel', params: {} },
        msgs: () => asTwoMsgs(KEYS.map((k) => ({ warehouseCode: 'WH01', orderCode: `WO-${k}`, orderType: 'CGTH', cancelReason: 'ERP单据作废' }))),
        isWrite: () => true,
        stored: (sim) => count((sim as WdtWmsSim).cancellations.filter((c) => c.flag === 'success').map((c) => String(c.request.orderCode))),
        keys: KEYS.map((k) => `WO-${k}`),
        // A cancel sent again after a lost answer is answered success again: counted here as a second cancellation.
        lostAnswer: false,
    },
    {
        name: 'jingcheng-recv',
        modules: [jingchengConfig, jingchengRecv],
        start: async () => {
            const sim = new JingchengSim();
            await sim.start();
            return sim;
        },
        config: (sim) => ({ id: 'c1', type: 'jingcheng-config', baseUrl: sim.baseUrl, auth: 'md5', ...FAST }),
        creds: { c1: { secret: JINGCHENG_DEMO.secret } },
        node: { type: 'jingcheng-recv', params: { chunkSize: { value: '1', type: 'num' } } },
        msgs: () => asTwoMsgs(KEYS.map((k) => demoSheet(`RS-${k}`))),
        isWrite: () => true,
        // The ERP refuses a second copy of a sheet (DUPLICATE_SHEET): it holds each once.
        stored: (sim) => count([...(sim as JingchengSim).sheets.keys()]),
        keys: KEYS.map((k) => `RS-${k}`),
        lostAnswer: true,
    },
];

/** How each failure is kept: its msg.payload as the line, or the whole msg (rebuilt by a function node on the way back). */
const FORMATS = ['payload', 'msg'] as const;

describe('core: failed records kept in a file and replayed from it', function () {
    this.timeout(30000);
    let sim: SimServer | undefined;
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-replay-'));
    });
    afterEach(async () => {
        await helper.unload();
        await sim?.stop();
        sim = undefined;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /**
     * The flow: n1's output 2 and a Catch node scoped to it → (keep) → file `failures.jsonl`, one line each; a file in
     * node reading `replay.jsonl` → switch (no empty line) → json → (restore) → n1.
     */
    function flow(c: WriteCase, format: (typeof FORMATS)[number], failures: string, replay: string): Msg[] {
        const fn = (id: string, func: string, wires: string[][]) => ({ id, type: 'function', z: 'f1', func, outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires });
        const keep = format === 'msg' ? [fn('keep', 'return { payload: msg };', [['tofile']])] : [];
        const toFile = format === 'msg' ? 'keep' : 'tofile';
        const restore = format === 'msg' ? [fn('restore', 'return msg.payload;', [['n1']])] : [];
        return [
            { id: 'f1', type: 'tab', label: 'replay' },
            c.config(sim!),
            { ...c.node, id: 'n1', z: 'f1', config: 'c1', wires: [['out1'], [toFile, 'out2']] },
            { id: 'out1', type: 'helper', z: 'f1' },
            { id: 'out2', type: 'helper', z: 'f1' },
            { id: 'k1', type: 'catch', z: 'f1', scope: ['n1'], uncaught: false, wires: [[toFile, 'caught']] },
            { id: 'caught', type: 'helper', z: 'f1' },
            { id: 'd1', type: 'complete', z: 'f1', scope: ['n1'], uncaught: false, wires: [['completed']] },
            { id: 'completed', type: 'helper', z: 'f1' },
            ...keep,
            { id: 'tofile', type: 'file', z: 'f1', filename: failures, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [[]] },
            { id: 'rin', type: 'file in', z: 'f1', filename: replay, filenameType: 'str', format: 'lines', chunk: false, sendError: false, encoding: 'none', allProps: false, wires: [['nonempty']] },
            { id: 'nonempty', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nempty' }], checkall: 'true', repair: false, outputs: 1, wires: [['parse']] },
            { id: 'parse', type: 'json', z: 'f1', property: 'payload', action: '', pretty: false, wires: [[format === 'msg' ? 'restore' : 'n1']] },
            ...restore,
        ];
    }

    for (const c of cases) {
        for (const format of FORMATS) {
            it(`${c.name}, the ${format === 'msg' ? 'whole msg' : 'msg.payload'} a line: records refused by a fault (output 2) and a batch that went to Catch are each saved once when replayed from the file`, async () => {
                sim = await c.start();
                const failures = path.join(dir, 'failures.jsonl');
                const replay = path.join(dir, 'replay.jsonl');
                await load([...c.modules, catchNode, completeNode, functionNode, switchNode, jsonNode, fileNode], flow(c, format, failures, replay), c.creds);
                const seen = { out1: [] as Msg[], out2: [] as Msg[], caught: [] as Msg[], completed: 0 };
                helper.getNode('out1').on('input', (m: Msg) => seen.out1.push(m));
                helper.getNode('out2').on('input', (m: Msg) => seen.out2.push(m));
                helper.getNode('caught').on('input', (m: Msg) => seen.caught.push(m));
                helper.getNode('completed').on('input', () => seen.completed++);
                const n1 = helper.getNode('n1');

                // First msg: the first record saved, the second's answer lost (saved after all) or refused (503), the
                // third never sent. Second msg: its first request refused (503), so the whole msg goes to Catch.
                let writes = 0;
                sim.inject(c.lostAnswer ? { type: 'reset-after-processing' } : { type: 'http', status: 503, body: 'Service Unavailable' }, 1, (r) => c.isWrite(r) && ++writes === 2);
                const [first, second] = c.msgs();
                n1.receive(first);
                await waitFor('the first msg handled', () => seen.completed + seen.caught.length === 1);
                sim.inject({ type: 'http', status: 503, body: 'Service Unavailable' }, 1, (r) => c.isWrite(r));
                n1.receive(second);
                await waitFor('the second msg handled', () => seen.completed + seen.caught.length === 2);
                should(seen.out2.map((m) => m.error.code)).have.length(2, `output 2: ${JSON.stringify(seen.out2.map((m) => m.error))}`);
                should(seen.caught).have.length(1);
                await waitFor('three lines in the failures file', () => fs.existsSync(failures) && fs.readFileSync(failures, 'utf8').split('\n').filter(Boolean).length === 3);

                // Monday: the fault is gone; the file is replayed into the node.
                fs.renameSync(failures, replay);
                const before = { out1: seen.out1.length, done: seen.completed + seen.caught.length };
                helper.getNode('rin').receive({});
                await waitFor('the three lines replayed', () => seen.completed + seen.caught.length - before.done === 3);
                await sleep(100);
                should(seen.caught.slice(1).map((m) => m.error.message)).eql([], 'a replayed line went to Catch');
                should(seen.out2.slice(2).map((m) => m.error.message)).eql([], 'a replayed record failed');
                should(fs.existsSync(failures)).be.false('the replay left failures');
                const stored = c.stored(sim);
                should(Object.fromEntries(c.keys.map((k) => [k, stored.get(k) ?? 0]))).eql(Object.fromEntries(c.keys.map((k) => [k, 1])), 'each record saved once');
            });
        }
    }
});

describe('erp-mapper: records it failed kept in a file and replayed into it', function () {
    this.timeout(30000);
    let sim: KingdeeSim;
    let dir: string;

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-replay-'));
        sim = new KingdeeSim();
        await sim.start();
        for (const [i, k] of KEYS.entries()) sim.rows('CN_PAYAPPLY').push({ FID: 820001 + i, FBillNo: `FKSQ-${k}`, FDate: '2024-02-01T00:00:00', 'FPAYORGID.FNumber': '100', FAPPLYAMOUNTFOR_H: 1000 + i, FDocumentStatus: 'C', FPushed: false });
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a payment whose bank account was not loaded yet (output 2, to the file) is pushed once when replayed after the accounts are; those pushed before are not pushed again', async () => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const erpMapper = require('../../nodes/mapper/erp-mapper');
        const failures = path.join(dir, 'failures.jsonl');
        const replay = path.join(dir, 'replay.jsonl');
        const mapping = { target: 'kingdee-push', fields: { Number: { path: 'payeeTargetBusinessCode', required: true }, TargetOrgId: { lookup: { store: 'flow', key: 'kingdeeAccounts', match: { FNumber: 'payerAccountNumber' }, return: 'FUseOrgId', onMissing: 'fail' } } } };
        await load([kingdeeConfig, kingdeePush, erpMapper, catchNode, completeNode, switchNode, jsonNode, fileNode], [
            { id: 'f1', type: 'tab', label: 'replay' },
            kingdeeCfg(sim),
            { id: 'm1', type: 'erp-mapper', z: 'f1', target: 'kingdee-push', mapping: JSON.stringify(mapping), wires: [['n1'], ['tofile', 'unmapped']] },
            { id: 'unmapped', type: 'helper', z: 'f1' },
            { id: 'n1', type: 'kingdee-push', z: 'f1', config: 'c1', params: { FormId: { value: 'CN_PAYAPPLY', type: 'str' }, RuleId: { value: '994f9913-a23f-46fb-b5d9-f1f271b4ef6c', type: 'str' }, TargetFormId: { value: 'AP_PAYBILL', type: 'str' } }, wires: [['out1'], ['out2']] },
            { id: 'out1', type: 'helper', z: 'f1' },
            { id: 'out2', type: 'helper', z: 'f1' },
            { id: 'k1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
            { id: 'caught', type: 'helper', z: 'f1' },
            { id: 'tofile', type: 'file', z: 'f1', filename: failures, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [[]] },
            { id: 'rin', type: 'file in', z: 'f1', filename: replay, filenameType: 'str', format: 'lines', chunk: false, sendError: false, encoding: 'none', allProps: false, wires: [['nonempty']] },
            { id: 'nonempty', type: 'switch', z: 'f1', property: 'payload', propertyType: 'msg', rules: [{ t: 'nempty' }], checkall: 'true', repair: false, outputs: 1, wires: [['parse']] },
            { id: 'parse', type: 'json', z: 'f1', property: 'payload', action: '', pretty: false, wires: [['m1']] },
        ], { c1: { password: KINGDEE_DEMO.password } });
        const seen = { out1: [] as Msg[], out2: [] as Msg[], unmapped: [] as Msg[], caught: [] as Msg[] };
        for (const id of ['out1', 'out2', 'unmapped', 'caught'] as const) helper.getNode(id).on('input', (m: Msg) => seen[id].push(m));
        const m1 = helper.getNode('m1');
        m1.context().flow.set('kingdeeAccounts', [{ FNumber: 'ACC1', FUseOrgId: 1 }]);
        m1.receive({ payload: KEYS.map((k, i) => ({ payeeTargetBusinessCode: `FKSQ-${k}`, payerAccountNumber: i % 2 === 0 ? 'ACC1' : 'ACC2' })) });
        await waitFor('the mapped payments pushed and the others in the file', () => seen.out1.length === 1 && fs.existsSync(failures) && fs.readFileSync(failures, 'utf8').split('\n').filter(Boolean).length === 2);
        should(seen.unmapped.map((m) => m.payload.payerAccountNumber)).eql(['ACC2', 'ACC2']);

        // The account is loaded now: the file is replayed into the mapper.
        m1.context().flow.set('kingdeeAccounts', [{ FNumber: 'ACC1', FUseOrgId: 1 }, { FNumber: 'ACC2', FUseOrgId: 100101 }]);
        fs.renameSync(failures, replay);
        helper.getNode('rin').receive({});
        await waitFor('the two replayed payments pushed', () => seen.out1.length === 3);
        await sleep(100);
        should(seen.unmapped).have.length(2);
        should(seen.out2.concat(seen.caught).map((m) => m.error.message)).eql([]);
        const pushed = count(sim.rows('AP_PAYBILL').map((b) => String(b.FSRCBILLNO)));
        should(Object.fromEntries(KEYS.map((k) => [`FKSQ-${k}`, pushed.get(`FKSQ-${k}`) ?? 0]))).eql(Object.fromEntries(KEYS.map((k) => [`FKSQ-${k}`, 1])));
    });
});

/**
 * Records that arrive as lines of a text (a Split node cutting NDJSON from an HTTP or MQTT input into lines, a file in
 * node reading lines) and fail: each failure a line of its own in the failures file. A msg that is a piece of a text
 * (`msg.parts.type` "string") is written by the file node without its line end when it is the text's last piece, so a
 * failure that kept its line's parts ran on into the next failure appended: one line holding two records, which the
 * replay cannot read.
 */
describe('failed records of lines of a text (Split of NDJSON) kept in a file', function () {
    this.timeout(30000);
    let dir: string;
    let sim: WdtSim;

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-replay-'));
        sim = new WdtSim();
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const splitLines = (id: string) => ({ id, type: 'split', z: 'f1', splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '', wires: [[`${id}-json`]] });
    const parse = (id: string, to: string) => ({ id: `${id}-json`, type: 'json', z: 'f1', property: 'payload', action: '', pretty: false, wires: [[to]] });
    const toFile = (file: string) => ({ id: 'tofile', type: 'file', z: 'f1', filename: file, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [[]] });
    /** `key` of the record on each line of `file`; a line that is not JSON as itself, marked. */
    const linesOf = (file: string, key: string) =>
        fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => {
            try {
                return JSON.parse(l)[key];
            } catch {
                return `not JSON: ${l.slice(0, 80)}…`;
            }
        });

    it('wdt-trade-push: the trades WDT refuses, each the last line of its text, are two lines of the file, each the trade', async () => {
        const failures = path.join(dir, 'failures.jsonl');
        await load([wdtConfig, wdtTradePush, splitNode, jsonNode, fileNode], [
            { id: 'f1', type: 'tab', label: 'ndjson' },
            cases[2].config(sim),
            splitLines('sp'),
            parse('sp', 'n1'),
            { ...cases[2].node, id: 'n1', z: 'f1', config: 'c1', wires: [['out1'], ['tofile', 'out2']] },
            { id: 'out1', type: 'helper', z: 'f1' },
            { id: 'out2', type: 'helper', z: 'f1' },
            toFile(failures),
        ], cases[2].creds);
        const out2: Msg[] = [];
        helper.getNode('out2').on('input', (m: Msg) => out2.push(m));
        const text = (...trades: Msg[]) => trades.map((t) => JSON.stringify(t)).join('\n');
        helper.getNode('sp').receive({ payload: text(demoTrade('T-1'), demoTrade('T-2', { specNo: 'NO-SUCH-SKU' })) });
        await waitFor('the first refusal', () => out2.length === 1);
        helper.getNode('sp').receive({ payload: text(demoTrade('T-3', { specNo: 'NO-SUCH-SKU' })) });
        await waitFor('the second refusal written', () => out2.length === 2 && fs.existsSync(failures) && fs.readFileSync(failures, 'utf8').includes('T-3'));
        await sleep(100);
        should(linesOf(failures, 'tid')).eql(['T-2', 'T-3']);
    });

    it('erp-mapper: the records it fails, each the last line of its text, are two lines of the file, each the record', async () => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const erpMapper = require('../../nodes/mapper/erp-mapper');
        const failures = path.join(dir, 'failures.jsonl');
        const mapping = { target: 'kingdee-push', fields: { Number: { path: 'code', required: true } } };
        await load([kingdeeConfig, kingdeePush, erpMapper, splitNode, jsonNode, fileNode], [
            { id: 'f1', type: 'tab', label: 'ndjson' },
            splitLines('sp'),
            parse('sp', 'm1'),
            { id: 'm1', type: 'erp-mapper', z: 'f1', target: 'kingdee-push', mapping: JSON.stringify(mapping), wires: [[], ['tofile', 'out2']] },
            { id: 'out2', type: 'helper', z: 'f1' },
            toFile(failures),
        ]);
        const out2: Msg[] = [];
        helper.getNode('out2').on('input', (m: Msg) => out2.push(m));
        helper.getNode('sp').receive({ payload: '{"code":"FKSQ-1"}\n{"ref":2}' });
        await waitFor('the first failure', () => out2.length === 1);
        helper.getNode('sp').receive({ payload: '{"ref":3}' });
        await waitFor('the second failure written', () => out2.length === 2 && fs.existsSync(failures) && fs.readFileSync(failures, 'utf8').includes('"ref":3'));
        await sleep(100);
        should(linesOf(failures, 'ref')).eql([2, 3]);
    });
});
