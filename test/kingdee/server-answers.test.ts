import should from 'should';
import sinon from 'sinon';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM, KingdeeSimOptions } from '../sim/kingdee';
import { SimRequest } from '../sim/harness';
import { KingdeeClient, KingdeeSettings } from '../../nodes/kingdee/client';
import { kingdeeApiHeaders } from '../../nodes/kingdee/sign';
import { ConnectorError, commonClientSettings, english, type Text } from '../../nodes/core';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBillQuery = require('../../nodes/kingdee/kingdee-bill-query');
import kingdeeBatchSave = require('../../nodes/kingdee/kingdee-batch-save');
import kingdeePush = require('../../nodes/kingdee/kingdee-push');

// What a Kingdee server answers that the client must not take at its word: a page cut to the server's own limit
// (WebAPIMaxQueryLimit below the config's maxLimit) taken for the last page, a service that threw (`response_error:`)
// after a write taken for "nothing written", and the API-signature mode's timeless X-Kd-Signature left unredacted.
const isOp = (op: string) => (r: SimRequest) => new RegExp(`DynamicFormService\\.${op}\\.common\\.kdsvc$`, 'i').test(r.path);
const isQuery = isOp('ExecuteBillQuery');
const isSave = isOp('BatchSave');
const isPush = isOp('Push');
/** An exception K/3 Cloud's services throw after saving (SQL Server's timeout, as its message reads in Chinese). */
const SQL_TIMEOUT = '超时时间已到。在操作完成之前超时时间已过或服务器未响应。';
/**
 * What Newtonsoft.Json (K/3 Cloud's JSON library) throws when a save plug-in, after saving, parses an external
 * system's answer that is not JSON (an HTML error page): a JSON library's words, thrown after the write.
 */
const PLUGIN_JSON_ERROR = "Newtonsoft.Json.JsonReaderException: Unexpected character encountered while parsing value: <. Path '', line 0, position 0. 在 Kingdee.K3.SCM.App.Sal.ServicePlugIn.OutStock.Save.AfterExecuteOperationTransaction(…)";

describe('kingdee: what the server answers', function () {
    let sim: KingdeeSim;
    let client: KingdeeClient | undefined;

    const start = async (options: KingdeeSimOptions = {}) => {
        sim = new KingdeeSim(options);
        await sim.start();
    };
    const make = (extra: Partial<KingdeeSettings> = {}, creds: Record<string, string> = { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret }) =>
        (client = new KingdeeClient(
            commonClientSettings('kingdee', { rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3 }, { rps: 5, concurrency: 2 }),
            { serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, appId: KINGDEE_DEMO.appId, authMode: 'sign', ...extra } as KingdeeSettings,
            creds,
        ));
    const sentData = (pred: (r: SimRequest) => boolean) =>
        sim.requests.filter(pred).map((r) => {
            const b = JSON.parse(r.body);
            return b.data ?? JSON.parse(b.parameters[b.parameters.length - 1]);
        });
    const config = (extra: Msg = {}) => ({ id: 'c1', type: 'kingdee-config', serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'sign', appId: KINGDEE_DEMO.appId, rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3, ...extra });
    const creds = { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret };
    const warnings = (id = 'n1') => (helper.getNode(id).warn as sinon.SinonSpy).getCalls().map((c) => String(c.args[0]));

    afterEach(async () => {
        await helper.unload();
        await client?.close();
        client = undefined;
        await sim?.stop();
    });

    // ---------------------------------------------------------------------------------------------------------
    describe('a server page limit below the config\'s maxLimit', () => {
        const rowsOf = async (c: KingdeeClient, warn?: (t: Text) => void, extra: Msg = {}) => {
            const ids: unknown[] = [];
            for await (const p of c.queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FID,FEntity_FEntryID', ...extra }, {}, undefined, warn)) ids.push(...p.records.map((r) => r.FEntity_FEntryID));
            return ids;
        };

        it('maxLimit 10000 against a server serving 2000 a page: every row is read once (the short page was not the last), in pages of 2000 from there on and in later reads; one warning, with the size to set', async () => {
            await start({ returnRequests: 1500, maxLimit: 2000 });
            const total = sim.rows(RETURN_REQUEST_FORM).length;
            should(total).be.above(2000);
            const c = make({ maxLimit: 10000 });
            const warned: Text[] = [];
            const ids = await rowsOf(c, (t) => warned.push(t));
            should(ids).have.length(total);
            should(new Set(ids).size).equal(total);
            // The first page asked 10000 and got 2000; the next StartRow, asked at 2000 (one row early, as every page after the first), had more.
            should(sentData(isQuery).map((d) => [d.StartRow, d.Limit])).eql([[0, 10000], [1999, 2000]]);
            should(c.servedLimit).equal(2000);
            should(warned).eql([{ key: 'runtime.warn.serverPageLimit', vars: { served: 2000, asked: 10000, setting: 'maxLimit' } }]);
            should(english()(warned[0].key, warned[0].vars)).match(/answered 2000 rows for a page of 10000/).and.match(/\(maxLimit\) to 2000 or less/);
            // The next read of the client asks the server's size from the start, and is not warned again.
            sim.clearRequests();
            should(await rowsOf(c, (t) => warned.push(t))).have.length(total);
            should(sentData(isQuery).map((d) => d.Limit)).eql([2000, 2000]);
            should(warned).have.length(1);
        });

        it('a read ending on a short page of 1000 rows or more asks the next StartRow once (nothing there: it was the last; nothing learnt, no warning); one ending on a smaller page asks nothing more', async () => {
            await start({ returnRequests: 750 });
            const total = sim.rows(RETURN_REQUEST_FORM).length;
            should(total).be.within(1000, 1999);
            const c = make();
            const warn = sinon.spy();
            should(await rowsOf(c, warn)).have.length(total);
            should(sentData(isQuery).map((d) => [d.StartRow, d.Limit])).eql([[0, 2000], [total - 1, total]]);
            should(c.servedLimit).be.undefined();
            should(warn.callCount).equal(0);
            sim.clearRequests();
            const fewer = sim.rows(RETURN_REQUEST_FORM).filter((row) => Number(row.FID) <= 500400).length;
            should(fewer).be.within(1, 999);
            should(await rowsOf(c, warn, { FilterString: 'FID <= 500400' })).have.length(fewer);
            should(sentData(isQuery)).have.length(1);
            should(warn.callCount).equal(0);
        });

        it('a row saved at the end while a short last page of 1000 rows or more is read: read by the check of the next StartRow, and no page limit learnt or warned of (the check page was short, and the last page no round size)', async () => {
            // 1502 rows: a last page of no size a limit is set to.
            await start({ returnRequests: 751 });
            const c = make();
            const warned: Text[] = [];
            const iterator = c.queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FID,FEntity_FEntryID' }, {}, undefined, (t) => warned.push(t))[Symbol.asyncIterator]();
            const ids: unknown[] = [];
            const firstPage = await iterator.next();
            ids.push(...firstPage.value.records.map((r: Msg) => r.FEntity_FEntryID));
            const rows = sim.rows(RETURN_REQUEST_FORM);
            rows.push({ ...rows[rows.length - 1], FID: 900001, FEntity_FEntryID: 900001 });
            for (let p = await iterator.next(); !p.done; p = await iterator.next()) ids.push(...p.value.records.map((r: Msg) => r.FEntity_FEntryID));
            should(ids).have.length(rows.length);
            should(ids[ids.length - 1]).equal(900001);
            should(c.servedLimit).be.undefined();
            should(warned).eql([]);
        });

        it('the duplicate guard\'s lookup past a server page of 1000 rows (maxLimit 2000): a bill whose lines come after the first 1000 is found, not saved a second time; the save node warns once', async () => {
            await start({ maxLimit: 1000 });
            const save = { id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' } } };
            const guarded = { ...save, id: 'n2', params: { ...save.params, duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } } };
            await load([kingdeeConfig, kingdeeBatchSave], [...withProbes([config(), save], 'n1', 2), ...withProbes([guarded], 'n2', 2)], { c1: creds });
            const line = (no: string) => ({ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no });
            const order = (no: string, lines: number) => ({ FBillTypeID: { FNUMBER: 'XSCKD01_SYS' }, FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: { FNumber: '100' }, FCustomerID: { FNumber: 'CUST001' }, FEntity: Array.from({ length: lines }, () => line(no)) });
            // A source order of 1200 lines, then one of a single line: the lookup of both answers 1201 rows, in FID order.
            const first = await run('n1', { payload: [order('JK-BIG', 1200), order('JK-SMALL', 1)] }, 2);
            should(first.outputs[0][0].payload).have.length(2);
            sim.clearRequests();
            const r = await run('n2', { payload: [order('JK-BIG', 1200), order('JK-SMALL', 1)] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            should(r.outputs[0][0].payload.map((b: Msg) => b.alreadyPresent)).eql([true, true]);
            should(sim.requests.filter(isSave)).have.length(0);
            should(sim.rows('SAL_OutStock').filter((row) => row.FJKShopNumber === 'JK-SMALL')).have.length(1);
            should(sentData(isQuery).map((d) => [d.StartRow, d.Limit])).eql([[0, 2000], [999, 1000]]);
            should(warnings('n2').filter((w) => /1000 rows a page/.test(w))).have.length(1);
        });

        it('the duplicate guard\'s lookup past a server page an administrator set below 1000 rows (500; maxLimit left at 2000): a bill whose lines come after the first 500 is found, not saved a second time', async () => {
            await start({ maxLimit: 500 });
            const save = { id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' } } };
            const guarded = { ...save, id: 'n2', params: { ...save.params, duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } } };
            await load([kingdeeConfig, kingdeeBatchSave], [...withProbes([config(), save], 'n1', 2), ...withProbes([guarded], 'n2', 2)], { c1: creds });
            const line = (no: string) => ({ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no });
            const order = (no: string, lines: number) => ({ FBillTypeID: { FNUMBER: 'XSCKD01_SYS' }, FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: { FNumber: '100' }, FCustomerID: { FNumber: 'CUST001' }, FEntity: Array.from({ length: lines }, () => line(no)) });
            // A source order of 600 lines, then one of a single line: the lookup of both answers 601 rows, in FID order.
            const first = await run('n1', { payload: [order('JK-BIG', 600), order('JK-SMALL', 1)] }, 2);
            should(first.outputs[0][0].payload).have.length(2);
            sim.clearRequests();
            const r = await run('n2', { payload: [order('JK-BIG', 600), order('JK-SMALL', 1)] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            should(r.outputs[0][0].payload.map((b: Msg) => b.alreadyPresent)).eql([true, true]);
            should(sim.requests.filter(isSave)).have.length(0);
            should(sim.rows('SAL_OutStock').filter((row) => row.FJKShopNumber === 'JK-SMALL')).have.length(1);
            // The page of 500 was checked (the next StartRow had rows) and the read went on at 500, a size learnt and told once
            // (so the short page after it is the last).
            should(sentData(isQuery).map((d) => [d.StartRow, d.Limit])).eql([[0, 2000], [499, 500]]);
            should(warnings('n2').filter((w) => /500 rows a page/.test(w))).have.length(1);
        });

        it('a lookup finding a few bills checks the next StartRow (found empty), and learns no page limit from it', async () => {
            await start();
            const c = make();
            const found = await c.billsOf('CN_PAYAPPLY', 'FBillNo', ['FKSQ000101', 'FKSQ000102', 'FKSQ000103'].map((value) => ({ value })), {}, { setting: 'duplicateField' });
            should(found.map((bills) => bills.map((b) => b.Number))).eql([['FKSQ000101'], ['FKSQ000102'], ['FKSQ000103']]);
            should(sentData(isQuery).map((d) => [d.StartRow, d.Limit])).eql([[0, 2000], [2, 3]]);
            should(c.servedLimit).be.undefined();
        });

        it('the query node warns once, naming the size to set, and reads every row (an incremental run\'s watermark moves past none unread)', async () => {
            await start({ returnRequests: 1500, maxLimit: 2000 });
            const node = { id: 'n1', type: 'kingdee-bill-query', z: 'f1', config: 'c1', outputMode: 'all', params: { FormId: { value: RETURN_REQUEST_FORM, type: 'str' }, FieldKeys: { value: 'FID,FEntity_FEntryID', type: 'str' } } };
            await load([kingdeeConfig, kingdeeBillQuery], withProbes([config({ maxLimit: 10000 }), node], 'n1', 1), { c1: creds });
            for (let i = 0; i < 2; i++) {
                const r = await run('n1', {}, 1);
                should(r.caught).be.undefined();
                should(r.outputs[0][0].payload).have.length(sim.rows(RETURN_REQUEST_FORM).length);
            }
            const w = warnings().filter((t) => /rows a page/.test(t));
            should(w).have.length(1);
            should(w[0]).match(/answered 2000 rows for a page of 10000/);
        });
    });

    // ---------------------------------------------------------------------------------------------------------
    describe('a write whose service threw (response_error:)', () => {
        const model = (extra: Msg = {}) => ({ FBillTypeID: { FNUMBER: 'XSCKD01_SYS' }, FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: { FNumber: '100' }, FCustomerID: { FNumber: 'CUST001' }, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 2, FStockID: { FNumber: 'CK01' } }], ...extra });
        const loadSave = (params: Msg = {}) =>
            load([kingdeeConfig, kingdeeBatchSave], withProbes([config(), { id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' }, ...params } }], 'n1', 2), { c1: creds });

        it('client: BatchSave and Push thrown after the write → transient, not safe to repeat (outcome unknown), sent once; a read that threw stays business', async () => {
            await start({ throwAfterWrite: SQL_TIMEOUT });
            const c = make();
            const err: ConnectorError = await c.batchSave('SAL_OutStock', [model()], {}, {}).then(() => undefined as never, (e) => e);
            should(err).match({ kind: 'transient', code: 'RESPONSE_ERROR', safeToRepeat: false });
            should(err.outcomeUnknown).be.true();
            should(err.message).containEql(SQL_TIMEOUT);
            should(sim.rows('SAL_OutStock')).have.length(1);
            const pushed: ConnectorError = await c.push('CN_PAYAPPLY', 'Number', ['FKSQ000101'], { TargetFormId: 'AP_PAYBILL', IsEnableDefaultRule: true }, {}).then(() => undefined as never, (e) => e);
            should(pushed).match({ kind: 'transient', code: 'RESPONSE_ERROR', safeToRepeat: false });
            should(sim.rows('AP_PAYBILL')).have.length(1);
            should(sim.requests.filter(isSave)).have.length(1);
            should(sim.requests.filter(isPush)).have.length(1);
            sim.inject({ type: 'http', status: 200, body: 'response_error:' + JSON.stringify({ Message: SQL_TIMEOUT }) }, 1, isQuery);
            await should(c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'business', code: 'RESPONSE_ERROR' });
        });

        it('batch save: the bills saved, then the service threw → every record on output 2 possibly processed (not retryable), nothing to Catch; replayed with the duplicate guard on, found and not saved twice', async () => {
            await start();
            await loadSave({ duplicateGuard: { value: 'true', type: 'bool' } });
            sim.throwAfterWrite = SQL_TIMEOUT;
            // The guard holds the values of a save whose outcome is unknown as long as its timeout (a save still running
            // at Kingdee): a short one, so that the replay below does not wait the default.
            const r = await run('n1', { payload: [model({ FBillNo: 'XS-THREW-1' }), model({ FBillNo: 'XS-THREW-2' })], requestTimeout: 1000 }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1].map((m) => [m.payload.FBillNo, m.error.code, m.error.possiblyProcessed, m.error.retryable])).eql([
                ['XS-THREW-1', 'RESPONSE_ERROR', true, false],
                ['XS-THREW-2', 'RESPONSE_ERROR', true, false],
            ]);
            should(r.outputs[1][0].error.message).containEql(SQL_TIMEOUT).and.match(/may have been processed/);
            should(sim.requests.filter(isSave)).have.length(1);
            should(sim.rows('SAL_OutStock')).have.length(2);
            // The documented replay: the output-2 msgs fed back once the fault is gone.
            sim.throwAfterWrite = undefined;
            for (const m of r.outputs[1]) {
                const again = await run('n1', m, 2);
                should(again.outputs[0][0].payload).match({ Number: m.payload.FBillNo, alreadyPresent: true });
            }
            should(sim.rows('SAL_OutStock')).have.length(2);
            should(sim.requests.filter(isSave)).have.length(1);
        });

        it('batch save without the guard: the whole msg thrown after saving is not reported "nothing written" (Catch, whose replay saves again); a malformed request still is', async () => {
            await start({ throwAfterWrite: SQL_TIMEOUT });
            await loadSave();
            const r = await run('n1', { payload: [model({ FNote: 'a' }), model({ FNote: 'b' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => m.error.possiblyProcessed)).eql([true, true]);
            sim.throwAfterWrite = undefined;
            // The server could not read the request: it saved nothing, and says so.
            sim.inject({ type: 'http', status: 200, body: 'response_error:' + JSON.stringify({ Message: '请求格式错误: Unexpected character encountered while parsing value' }) }, 1, isSave);
            const bad = await run('n1', { payload: [model({ FNote: 'c' })] }, 2);
            should(bad.caught).not.be.undefined();
            should(bad.caught!._error).match({ kind: 'validation', code: 'RESPONSE_ERROR' });
            should(bad.outputs[1]).have.length(0);
        });

        it('batch save: the bills saved, then a plug-in threw a JSON parse error → on output 2 possibly processed, not to Catch as a request Kingdee could not read (whose replay saves them again)', async () => {
            await start({ throwAfterWrite: PLUGIN_JSON_ERROR });
            await loadSave();
            const r = await run('n1', { payload: [model({ FNote: 'plug-in-a' }), model({ FNote: 'plug-in-b' })] }, 2);
            should(sim.rows('SAL_OutStock').map((b) => b.FNote)).eql(['plug-in-a', 'plug-in-b']);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => [m.error.code, m.error.possiblyProcessed, m.error.retryable])).eql([
                ['RESPONSE_ERROR', true, false],
                ['RESPONSE_ERROR', true, false],
            ]);
        });

        it('push: the targets made, then the service threw → the sources on output 2 possibly processed; replayed, each comes out with its target (alreadyPushed), none made twice', async () => {
            await start();
            const RULE = '994f9913-a23f-46fb-b5d9-f1f271b4ef6c';
            const node = { id: 'n1', type: 'kingdee-push', z: 'f1', config: 'c1', params: { FormId: { value: 'CN_PAYAPPLY', type: 'str' }, RuleId: { value: RULE, type: 'str' }, TargetFormId: { value: 'AP_PAYBILL', type: 'str' } } };
            await load([kingdeeConfig, kingdeePush], withProbes([config(), node], 'n1', 2), { c1: creds });
            sim.throwAfterWrite = SQL_TIMEOUT;
            const msg = { payload: [{ Number: 'FKSQ000101' }, { Number: 'FKSQ000102' }] };
            const r = await run('n1', msg, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => [m.error.code, m.error.possiblyProcessed, m.error.retryable])).eql([
                ['RESPONSE_ERROR', true, false],
                ['RESPONSE_ERROR', true, false],
            ]);
            should(sim.rows('AP_PAYBILL')).have.length(2);
            sim.throwAfterWrite = undefined;
            const again = await run('n1', msg, 2);
            should(again.outputs[1]).have.length(0);
            should(again.outputs[0][0].payload.map((t: Msg) => t.alreadyPushed)).eql([true, true]);
            should(sim.rows('AP_PAYBILL')).have.length(2);
        });
    });

    // ---------------------------------------------------------------------------------------------------------
    describe('API-signature mode: X-Kd-Signature', () => {
        const signature = () => kingdeeApiHeaders({ path: '/k3cloud/x', appId: KINGDEE_DEMO.appId, appSecret: KINGDEE_DEMO.appSecret, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, lcid: 2052, timestamp: 1, nonce: 1 })['X-Kd-Signature'];

        it('has no timestamp in it (the same at any time: a standing credential) and is kept out of errors like the app secret: an error page quoting it back does not carry it into the error', async () => {
            await start();
            const at = (ts: number) => kingdeeApiHeaders({ path: '/k3cloud/y', appId: KINGDEE_DEMO.appId, appSecret: KINGDEE_DEMO.appSecret, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, lcid: 2052, timestamp: ts, nonce: ts })['X-Kd-Signature'];
            should(at(1)).equal(at(2_000_000_000)).and.equal(signature());
            const c = make({ authMode: 'apisign' }, { appSecret: KINGDEE_DEMO.appSecret });
            should(c.http.redact(`X-Kd-Signature: ${signature()}`)).not.containEql(signature());
            // A gateway refusing the request, naming the signature it checked.
            sim.inject({ type: 'http', status: 401, body: `X-Kd-Signature ${signature()} 验证失败` }, 5);
            const err: ConnectorError = await c.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {}).then(() => undefined as never, (e) => e);
            should(err.message).match(/HTTP 401/).and.match(/验证失败/);
            should(err.message).not.containEql(signature());
            // The request did carry it.
            should(sim.requests.some((r) => r.headers['x-kd-signature'] === signature())).be.true();
        });
    });
});
