import should from 'should';
import { helper, load, Msg } from '../helpers/nodered';
import { JackyunSim, JACKYUN_DEMO } from '../sim/jackyun';
import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import type { SimRequest } from '../sim/harness';
import sinon from 'sinon';
import { chinaTime } from '../../nodes/core/time';
import { Watermark } from '../../nodes/core/watermark';
import jackyunConfig = require('../../nodes/jackyun/jackyun-config');
import jackyunTradeQuery = require('../../nodes/jackyun/jackyun-trade-query');
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBatchSave = require('../../nodes/kingdee/kingdee-batch-save');
import erpMapper = require('../../nodes/mapper/erp-mapper');

/**
 * Scenario 000 as an integrator wires it for an unattended sync: an inject every minute → jackyun-trade-query
 * (incremental, watermark committed after the writes) → erp-mapper → kingdee-batch-save with the duplicate guard on
 * the source order number (FJKShopNumber 网店订单号; Kingdee numbers the bills itself). The guard checks and then
 * saves, holding the order numbers meanwhile, so a second write of one trade checks after the first has saved. Here
 * Kingdee is slow to save and the sync is triggered twice in quick succession, or read by two query nodes at once.
 */
const DAY = 86400000;
const TRADES = 40;
const PAGE = 20;
/** The overlap reaches back over every trade: the second run reads them all again and the guard must skip them. */
const OVERLAP_MIN = 3 * 24 * 60;

const MAPPING = {
    target: 'kingdee-batch-save',
    fields: {
        FBillTypeID: { const: 'XSCKD01_SYS' },
        FDate: { path: 'gmtModified', convert: 'date' },
        FSaleOrgID: { const: '100' },
        FStockOrgID: { const: '100' },
        FCustomerID: { const: 'CUST001' },
        FEntity: { array: 'goodsDetail', fields: { FMaterialID: { path: 'goodsNo', required: true }, FRealQty: { path: 'sellCount', convert: 'number' }, FStockID: { const: 'CK01' }, FJKShopNumber: { path: 'sourceTradeNo' } } },
    },
};

describe('core/endpoint: an incremental query triggered twice while Kingdee saves slowly writes each trade once (seed 000 chain)', function () {
    this.timeout(60000);
    let jackyun: JackyunSim;
    let kingdee: KingdeeSim;

    beforeEach(async () => {
        jackyun = new JackyunSim({ base: Date.now() - DAY, spanDays: 0.5, trades: TRADES });
        kingdee = new KingdeeSim();
        await jackyun.start();
        await kingdee.start();
        // Every save is slow at Kingdee (processed after the delay): the checks of two writes running at once both
        // come before either save.
        kingdee.inject({ type: 'delay', ms: 1000, thenProcess: true }, 1000, (r: SimRequest) => /BatchSave/i.test(r.path));
    });
    afterEach(async () => {
        sinon.restore();
        await helper.unload();
        await jackyun.stop();
        await kingdee.stop();
    });

    const settings = { rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 2, timeout: 10 };
    const query = (id: string) => ({
        id, type: 'jackyun-trade-query', z: 'f1', config: 'cj', outputMode: 'page',
        params: { pageSize: { value: String(PAGE), type: 'num' } },
        incremental: true, overlapMinutes: String(OVERLAP_MIN), watermarkCommit: 'ack', wires: [['m']],
    });
    async function loadChain(queries: string[], guard = true): Promise<{ done: Msg[]; caught: Msg[]; saved: Msg[]; failed: Msg[] }> {
        const flow: Msg[] = [
            { id: 'f1', type: 'tab', label: 'scenario 000, every minute' },
            { id: 'cj', type: 'jackyun-config', mode: 'direct', gatewayUrl: `${jackyun.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey, ...settings },
            { id: 'ck', type: 'kingdee-config', serverUrl: kingdee.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', ...settings },
            ...queries.map(query),
            { id: 'm', type: 'erp-mapper', z: 'f1', target: 'kingdee-batch-save', mapping: JSON.stringify(MAPPING), wires: [['s'], ['m-out2']] },
            {
                id: 's', type: 'kingdee-batch-save', z: 'f1', config: 'ck',
                params: { FormId: { value: 'SAL_OutStock', type: 'str' }, chunkSize: { value: String(PAGE), type: 'num' }, duplicateGuard: { value: String(guard), type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } },
                wires: [['s-out1'], ['s-out2']],
            },
            { id: 'all-catch', type: 'catch', z: 'f1', scope: [...queries, 'm', 's'], uncaught: false, wires: [['caught']] },
            { id: 'q-complete', type: 'complete', z: 'f1', scope: queries, uncaught: false, wires: [['q-done']] },
        ];
        for (const id of ['m-out2', 's-out1', 's-out2', 'caught', 'q-done']) flow.push({ id, type: 'helper', z: 'f1' });
        await load([jackyunConfig, jackyunTradeQuery, erpMapper, kingdeeConfig, kingdeeBatchSave], flow, { cj: { appSecret: JACKYUN_DEMO.appSecret }, ck: { password: KINGDEE_DEMO.password } });
        const got = { done: [] as Msg[], caught: [] as Msg[], saved: [] as Msg[], failed: [] as Msg[] };
        helper.getNode('q-done').on('input', (m: Msg) => got.done.push(m));
        helper.getNode('caught').on('input', (m: Msg) => got.caught.push(m));
        helper.getNode('s-out1').on('input', (m: Msg) => got.saved.push(m));
        helper.getNode('s-out2').on('input', (m: Msg) => got.failed.push(m));
        helper.getNode('m-out2').on('input', (m: Msg) => got.failed.push(m));
        // The first run starts from a set watermark (as after earlier runs): it reads back over the whole store.
        for (const id of queries) helper.getNode(id).context().set('cnErpWatermark', Date.now());
        return got;
    }

    async function until(what: string, cond: () => boolean, timeoutMs = 30000): Promise<void> {
        const start = Date.now();
        while (!cond()) {
            if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 20));
        }
    }

    /** Kingdee's books: source order number → the bills (FID) saved for it. */
    function books(): Map<string, Set<unknown>> {
        const out = new Map<string, Set<unknown>>();
        for (const r of kingdee.rows('SAL_OutStock')) {
            const key = String(r.FJKShopNumber);
            if (!out.has(key)) out.set(key, new Set());
            out.get(key)!.add(r.FID);
        }
        return out;
    }
    const expected = () => jackyun.tradesModifiedBetween(0, Date.now()).map((t) => t.sourceTradeNo).sort();
    const saves = () => kingdee.requests.filter((r) => /BatchSave/i.test(r.path)).length;

    it('one query node triggered twice: the second run waits for the first run\'s writes, its guard finds every trade saved, Kingdee holds each once', async () => {
        const commits = sinon.spy(Watermark.prototype, 'set');
        const got = await loadChain(['q']);
        // How many calls Jackyun had seen when each page's save came back.
        const readsAtSave: number[] = [];
        helper.getNode('s-out1').on('input', () => readsAtSave.push(jackyun.requests.length));
        const q = helper.getNode('q');
        q.receive({ n: 1 });
        await new Promise((r) => setTimeout(r, 20));
        q.receive({ n: 2 });
        await until('both triggers finished', () => got.done.length === 2);
        // The second run's pages went through the guard too: 2 reads × 2 pages reached the save node.
        await until('every page written', () => got.saved.length + got.failed.length + got.caught.length >= 4);
        await new Promise((r) => setTimeout(r, 100));

        should(got.caught).have.length(0);
        should(got.failed).have.length(0);
        const b = books();
        should([...b.keys()].sort()).eql(expected());
        const twice = [...b].filter(([, fids]) => fids.size > 1).map(([k]) => k);
        should(twice).eql([]);
        // The first run saved every trade (two chunks); the second found them all present and sent no save.
        should(saves()).equal(TRADES / PAGE);
        const present = got.saved.flatMap((m) => m.payload).filter((r: Msg) => r.alreadyPresent === true);
        should(present).have.length(TRADES);
        // The second read began after the first run's pages were saved (and so acknowledged), from the watermark the
        // first run committed then (minus the overlap).
        const firstPages = jackyun.requests.map((r, i) => [i, JSON.parse(new URLSearchParams(r.body).get('bizcontent') ?? '{}')] as const).filter(([, x]) => x.pageIndex === 0);
        should(firstPages).have.length(2);
        should(firstPages[1][0]).be.aboveOrEqual(readsAtSave[1]);
        const committed = commits.args.map((a) => a[0]);
        should(firstPages[1][1].startModified).equal(chinaTime(committed[0] - OVERLAP_MIN * 60000));
    });

    /** Two query nodes read the same window at once; both feed the one save node. */
    async function twoReaders(guard: boolean): Promise<{ done: Msg[]; caught: Msg[]; saved: Msg[]; failed: Msg[] }> {
        const got = await loadChain(['q', 'q2'], guard);
        helper.getNode('q').receive({ n: 1 });
        helper.getNode('q2').receive({ n: 2 });
        await until('both reads finished', () => got.done.length === 2);
        await until('every page written', () => got.saved.length + got.failed.length + got.caught.length >= 4);
        await new Promise((r) => setTimeout(r, 100));
        return got;
    }

    it('two query nodes reading the same window at once: each check waits for the save of the same order numbers, Kingdee holds each trade once', async () => {
        const got = await twoReaders(true);
        should(got.caught).have.length(0);
        should(got.failed).have.length(0);
        should([...books().keys()].sort()).eql(expected());
        should([...books()].filter(([, fids]) => fids.size > 1)).eql([]);
        // Each trade was saved by one reader's write and found present by the other's.
        should(saves()).equal(TRADES / PAGE);
        should(got.saved.flatMap((m) => m.payload).filter((r: Msg) => r.alreadyPresent === true)).have.length(TRADES);
    });

    it('negative control — the same without the duplicate guard: Kingdee holds trades twice', async () => {
        await twoReaders(false);
        const twice = [...books()].filter(([, fids]) => fids.size > 1);
        should(twice.length).be.above(0);
        should(saves()).equal(2 * (TRADES / PAGE));
    });
});
