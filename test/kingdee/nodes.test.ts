import should from 'should';
import sinon from 'sinon';
import { helper, load, run, withProbes, Msg, functionNode, caughtCode } from '../helpers/nodered';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM, KingdeeSimOptions, isKingdeeLogin } from '../sim/kingdee';
import { SimRequest } from '../sim/harness';
import { waitFor } from '../helpers/wait';
import { testButtonText } from '../helpers/editor-locales';
import { testConnectionLimit } from '../../nodes/core/config-node';
import { readDigest } from '../../nodes/core/watermark';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBillQuery = require('../../nodes/kingdee/kingdee-bill-query');
import kingdeeBatchSave = require('../../nodes/kingdee/kingdee-batch-save');
import kingdeePush = require('../../nodes/kingdee/kingdee-push');

// Node tests through node-red-node-test-helper against the Kingdee simulator (protocols.md §1). Node-RED's Catch
// puts its own {message, source} on msg.error and keeps the kit's classified error as msg._error.
const isOp = (op: string) => (r: SimRequest) => new RegExp(`DynamicFormService\\.${op}\\.common\\.kdsvc$`, 'i').test(r.path);
const isQuery = isOp('ExecuteBillQuery');
const isSave = isOp('BatchSave');
const isPush = isOp('Push');
const isLogin = isKingdeeLogin;
const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
/** Where a bill query's pages start and how many new rows each brings: each page after the first starts at the last row emitted. */
const overlapPaging = (total: number, size: number) => {
    const starts = [0];
    const fresh = [Math.min(size, total)];
    if (total >= size) {
        for (let s = size - 1; ; s += size - 1) {
            const got = Math.min(size, total - s);
            starts.push(s);
            fresh.push(got - 1);
            if (got < size) break;
        }
    }
    return { starts, fresh: fresh.filter((n) => n > 0) };
};

describe('kingdee nodes against the Kingdee simulator', function () {
    let sim: KingdeeSim;

    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const start = async (options: KingdeeSimOptions = {}) => {
        sim = new KingdeeSim(options);
        await sim.start();
    };
    const config = (extra: Msg = {}) => ({
        id: 'c1',
        type: 'kingdee-config',
        serverUrl: sim.serverUrl,
        acctId: KINGDEE_DEMO.acctId,
        username: KINGDEE_DEMO.username,
        authMode: 'sign',
        appId: KINGDEE_DEMO.appId,
        rps: 0,
        concurrency: 0,
        retryBaseMs: 5,
        maxRetries: 3,
        ...extra,
    });
    const creds = { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret };
    const sentData = (pred: (r: SimRequest) => boolean) =>
        sim.requests.filter(pred).map((r) => {
            const b = JSON.parse(r.body);
            const data = b.data ?? b.parameters?.[b.parameters.length - 1];
            return typeof data === 'string' ? JSON.parse(data) : data;
        });
    /** The lookups asked (ExecuteBillQuery): one each, not counting its check of the next StartRow (same query, when it found bills). */
    const firstPages = () => sentData((r) => /ExecuteBillQuery/i.test(r.path)).filter((d, i, all) => i === 0 || d.FilterString !== all[i - 1].FilterString || d.FieldKeys !== all[i - 1].FieldKeys);

    // ---------------------------------------------------------------------------------------------------------
    describe('kingdee-bill-query', () => {
        const SEED_KEYS = ['FID', 'FBillNo', 'FDocumentStatus', 'FStockOrgId_FNumber', 'FDate', 'FMaterialID_FNumber', 'FQty', 'FStockID_FNumber', 'FEntity_FEntryID'];
        const node = (params: Msg = {}, extra: Msg = {}) => ({ id: 'n1', type: 'kingdee-bill-query', z: 'f1', config: 'c1', params, outputMode: 'all', ...extra });
        const loadQuery = (n: Msg = node(), cfg: Msg = {}, c: Msg = creds) => load([kingdeeConfig, kingdeeBillQuery], withProbes([config(cfg), n], 'n1', 1), { c1: c });

        it('seed 001: rows as objects keyed by the requested (flattened) keys, dotted keys and a stable order on the wire', async () => {
            await start();
            await loadQuery();
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: SEED_KEYS, FilterString: "FDocumentStatus='C'" } }, 1);
            should(r.caught).be.undefined();
            const rows: Msg[] = r.outputs[0][0].payload;
            const expected = sim.rows(RETURN_REQUEST_FORM).filter((x) => x.FDocumentStatus === 'C');
            should(rows).have.length(expected.length);
            should(Object.keys(rows[0])).eql(SEED_KEYS);
            should(rows[0]).match({ FID: expected[0].FID, FBillNo: expected[0].FBillNo, FStockID_FNumber: 'WH01', FMaterialID_FNumber: /^MAT00\d$/ });
            const [sent] = sentData(isQuery);
            should(sent.FieldKeys).equal('FID,FBillNo,FDocumentStatus,FStockOrgId.FNumber,FDate,FMaterialID.FNumber,FQty,FStockID.FNumber,FEntity_FEntryID');
            should(sent.OrderString).equal('FID,FEntity_FEntryID');
            should(sent.StartRow).equal(0);
            should(sent.Limit).equal(2000);
            // Ordered by FID then entry id, each entry exactly once.
            const ids = rows.map((x) => x.FEntity_FEntryID);
            should(new Set(ids).size).equal(ids.length);
            should(ids).eql([...ids].sort((a, b) => a - b));
        });

        it('19-digit FIDs (Cosmic-style long ids, sent as JSON numbers) come out with every digit, as text: two bills are not given one id', async () => {
            await start();
            const rows = sim.rows(RETURN_REQUEST_FORM);
            const [billA, billB] = [...new Set(rows.map((x) => x.FBillNo))];
            // JSON.parse rounds both to 1234567890123456800.
            for (const x of rows) if (x.FBillNo === billA) x.FID = 1234567890123456789n;
            for (const x of rows) if (x.FBillNo === billB) x.FID = 1234567890123456790n;
            await loadQuery();
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: SEED_KEYS } }, 1);
            should(r.caught).be.undefined();
            const out: Msg[] = r.outputs[0][0].payload;
            should(out).have.length(rows.length);
            should([...new Set(out.filter((x) => x.FBillNo === billA).map((x) => x.FID))]).eql(['1234567890123456789']);
            should([...new Set(out.filter((x) => x.FBillNo === billB).map((x) => x.FID))]).eql(['1234567890123456790']);
            should(out.find((x) => x.FBillNo !== billA && x.FBillNo !== billB)!.FID).be.a.Number();
        });

        it('FieldKeys as a comma-separated text works the same; a user order gets the key appended as tiebreaker', async () => {
            await start();
            await loadQuery(node({ FormId: { value: 'BD_MATERIAL', type: 'str' }, FieldKeys: { value: 'FNumber, FName', type: 'str' }, OrderString: { value: 'FName DESC', type: 'str' } }));
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((x: Msg) => Object.keys(x))).matchEach(['FNumber', 'FName']);
            should(sentData(isQuery)[0].OrderString).equal('FName DESC,FMATERIALID');
        });

        it("entry rows of one bill spanning two pages with no entry id in the order: one warning naming the entry id key; none with it", async () => {
            await start();
            const query = (fieldKeys: string[]) => ({ params: { FormId: RETURN_REQUEST_FORM, FieldKeys: fieldKeys, Limit: 3 } });
            await loadQuery();
            // Two entries per bill, pages of three rows: the second bill's rows are split by every first page.
            const r = await run('n1', query(['FID', 'FBillNo', 'FMaterialID_FNumber']), 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(sim.rows(RETURN_REQUEST_FORM).length);
            const warn = helper.getNode('n1').warn as sinon.SinonSpy;
            const warnings = warn.getCalls().map((c) => String(c.args[0]));
            should(warnings).have.length(1);
            should(warnings[0]).match(/FID=500002 span two pages/).and.match(/FEntity_FEntryID/);
            warn.resetHistory();
            await run('n1', query(['FID', 'FBillNo', 'FMaterialID_FNumber', 'FEntity_FEntryID']), 1);
            should(warn.callCount).equal(0);
            should(sentData(isQuery).pop()!.OrderString).equal('FID,FEntity_FEntryID');
        });

        it('the same warning when the bill key is not among the fields (asked beside them): the help promises it', async () => {
            await start();
            await loadQuery();
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: ['FBillNo', 'FMaterialID_FNumber'], Limit: 3 } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(sim.rows(RETURN_REQUEST_FORM).length);
            should(Object.keys(r.outputs[0][0].payload[0])).eql(['FBillNo', 'FMaterialID_FNumber']);
            const warnings = (helper.getNode('n1').warn as sinon.SinonSpy).getCalls().map((c) => String(c.args[0]));
            should(warnings).have.length(1);
            should(warnings[0]).match(/FID=500002 span two pages/).and.match(/FEntity_FEntryID/);
        });

        it('FieldKeys set in the node as a list (JSON) is sent comma-joined', async () => {
            await start();
            await loadQuery(node({ FormId: { value: 'BD_STOCK', type: 'str' }, FieldKeys: { value: '["FNumber","FName"]', type: 'json' } }));
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).eql([{ FNumber: 'CK01', FName: '成品仓' }, { FNumber: 'WH01', FName: 'WMS仓' }]);
            // The form's key (the order's tiebreaker) is asked after the fields to tell rows apart; the rows are as asked.
            should(sentData(isQuery)[0]).match({ FieldKeys: 'FNumber,FName,FStockId', OrderString: 'FStockId' });
        });

        it('ten concurrent messages → one login, one session for all', async () => {
            await start();
            await loadQuery();
            // Ten msgs in at once; wait until all ten have completed (or failed to Catch).
            const outcome = await new Promise<{ done: number; caught: number }>((resolve) => {
                const seen = { done: 0, caught: 0 };
                const check = () => seen.done + seen.caught === 10 && resolve(seen);
                helper.getNode('n1-completed').on('input', () => (seen.done++, check()));
                helper.getNode('n1-caught').on('input', () => (seen.caught++, check()));
                for (let i = 0; i < 10; i++) helper.getNode('n1').receive({ params: { FormId: 'BD_Currency', FieldKeys: 'FNumber,FCODE' } });
            });
            should(outcome).eql({ done: 10, caught: 0 });
            should(sim.loginCount).equal(1);
            should(sim.loginSuccesses).equal(1);
            should(sim.requests.filter(isQuery)).have.length(10);
            should(new Set(sim.requests.filter(isQuery).map((q) => q.headers['kdservice-sessionid'])).size).equal(1);
        });

        it('session lost in the middle of paging → one re-login, the same page asked again, no page lost or repeated', async () => {
            await start({ returnRequests: 30 });
            await loadQuery(node({}, { outputMode: 'page' }));
            let n = 0;
            sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (req) => isQuery(req) && ++n === 3);
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: ['FID', 'FBillNo', 'FEntity_FEntryID'], Limit: 7 } }, 1);
            should(r.caught).be.undefined();
            const pages: Msg[][] = r.outputs[0].map((m) => m.payload);
            const total = sim.rows(RETURN_REQUEST_FORM).length;
            const paging = overlapPaging(total, 7);
            should(pages.map((p) => p.length)).eql(paging.fresh);
            const entryIds = pages.flat().map((x) => x.FEntity_FEntryID);
            should(entryIds).have.length(total);
            should(new Set(entryIds).size).equal(total);
            should(sim.loginSuccesses).equal(2);
            // The third page (StartRow 12) was answered "session lost", then asked again after the re-login.
            should(sentData(isQuery).map((d) => d.StartRow)).eql([...paging.starts.slice(0, 3), ...paging.starts.slice(2)]);
            should(sim.requests.map((q) => (isLogin(q) ? 'login' : 'q')).slice(0, 6)).eql(['login', 'q', 'q', 'q', 'login', 'q']);
        });

        it('a bill modified while the window is paged (it leaves the filter, later rows move up): every row is still read in that run, once', async () => {
            await start({ returnRequests: 6 });
            await loadQuery(node({}, { incremental: true }));
            const rows = sim.rows(RETURN_REQUEST_FORM);
            const all = rows.map((x) => x.FEntity_FEntryID);
            // After page 1 is answered, the first bill (both its entry rows) is edited in Kingdee: past the run's end
            // (an hour from now, China time as Kingdee stores it).
            sim.afterRequest(() => {
                for (const x of rows) if (x.FID === rows[0].FID) x.FModifyDate = new Date(Date.now() + 9 * 3600000).toISOString().slice(0, 19);
            }, isQuery);
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FID,FBillNo,FEntity_FEntryID', Limit: 4 } }, 1);
            should(r.caught).be.undefined();
            const got = r.outputs[0][0].payload.map((x: Msg) => x.FEntity_FEntryID);
            should(got).eql(all);
            // Page 2 from the last row emitted (StartRow 3) did not start with it: two rows had left, so a step back.
            should(sentData(isQuery).slice(0, 3).map((d) => d.StartRow)).eql([0, 3, 0]);
        });

        it('page size never exceeds the configured server maximum', async () => {
            await start();
            await loadQuery(node(), { maxLimit: 4 });
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FID,FEntity_FEntryID', Limit: 500 } }, 1);
            should(r.outputs[0][0].payload).have.length(sim.rows(RETURN_REQUEST_FORM).length);
            const limits = sentData(isQuery).map((d) => d.Limit);
            should(limits.every((l) => l === 4)).be.true();
            should(limits.length).equal(overlapPaging(sim.rows(RETURN_REQUEST_FORM).length, 4).starts.length);
        });

        it('Limit 0 (Kingdee\'s "no limit", as in its SDK\'s own query) reads every row in pages of the server maximum, not Catch', async () => {
            await start();
            await loadQuery(node(), { maxLimit: 4 });
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FID,FEntity_FEntryID', Limit: 0 } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(sim.rows(RETURN_REQUEST_FORM).length);
            should(sentData(isQuery).every((d) => d.Limit === 4)).be.true();
        });

        it('MsgCode 14 (call limit) → backs off, then succeeds', async () => {
            await start();
            await loadQuery();
            sim.inject({ type: 'vendor', name: 'rate-limit' }, 2, isQuery);
            const r = await run('n1', { params: { FormId: 'BD_Currency', FieldKeys: 'FNumber,FCODE', FilterString: "FNumber='PRE001'" } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).eql([{ FNumber: 'PRE001', FCODE: 'CNY' }]);
            should(sim.requests.filter(isQuery)).have.length(3);
            should(sim.loginSuccesses).equal(1);
        });

        it('/Date(ms+0800)/ values become ISO text (China time)', async () => {
            await start({ netDates: true });
            await loadQuery();
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FDate,FEntity_FEntryID', FilterString: "FBillNo='TL2024010001'" } }, 1);
            should(r.caught).be.undefined();
            const row = r.outputs[0][0].payload[0];
            should(row.FDate).equal(String(sim.rows(RETURN_REQUEST_FORM)[0].FDate));
            should(row.FDate).match(/^2024-01-\d\dT\d\d:\d\d:\d\d$/);
        });

        it('a date window (ModifiedFrom/ModifiedTo) is added to the FilterString', async () => {
            await start();
            await loadQuery();
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FModifyDate,FEntity_FEntryID', FilterString: "FDocumentStatus='C'", ModifiedFrom: '2024-01-03', ModifiedTo: '2024-01-05 00:00:00' } }, 1);
            should(r.caught).be.undefined();
            should(sentData(isQuery)[0].FilterString).equal("(FDocumentStatus='C') and FModifyDate >= '2024-01-03 00:00:00' and FModifyDate < '2024-01-05 00:00:00'");
            const got = new Set(r.outputs[0][0].payload.map((x: Msg) => x.FBillNo));
            const want = new Set(sim.rows(RETURN_REQUEST_FORM).filter((x) => x.FDocumentStatus === 'C' && String(x.FModifyDate) >= '2024-01-03' && String(x.FModifyDate) < '2024-01-05').map((x) => x.FBillNo));
            should([...got].sort()).eql([...want].sort());
            should(got.size).be.above(0);
        });

        it('a date alone as ModifiedTo reads the whole of that day (its end is exclusive: the next midnight); a date-time end stays as typed', async () => {
            await start();
            await loadQuery();
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FModifyDate,FEntity_FEntryID', ModifiedFrom: '2024-01-03', ModifiedTo: '2024-01-05' } }, 1);
            should(r.caught).be.undefined();
            const got = new Set(r.outputs[0][0].payload.map((x: Msg) => x.FBillNo));
            const want = new Set(sim.rows(RETURN_REQUEST_FORM).filter((x) => String(x.FModifyDate).slice(0, 10) >= '2024-01-03' && String(x.FModifyDate).slice(0, 10) <= '2024-01-05').map((x) => x.FBillNo));
            // The bills modified on the 5th are read: "to 2024-01-05" used to stop at its 00:00.
            should(sim.rows(RETURN_REQUEST_FORM).some((x) => String(x.FModifyDate).startsWith('2024-01-05'))).be.true();
            should([...got].sort()).eql([...want].sort());
            should(sentData(isQuery)[0].FilterString).equal("FModifyDate >= '2024-01-03 00:00:00' and FModifyDate < '2024-01-06 00:00:00'");
            // Compact digits name a date too; a time of day is kept.
            await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo', ModifiedTo: '20240105' } }, 1);
            await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo', ModifiedTo: '2024-01-05 00:00:00' } }, 1);
            should(sentData(isQuery).slice(-2).map((d) => d.FilterString)).eql(["FModifyDate < '2024-01-06 00:00:00'", "FModifyDate < '2024-01-05 00:00:00'"]);
        });

        it('incremental sync on FModifyDate: the first run reads up to now, the next one from the watermark minus the overlap', async () => {
            await start();
            await loadQuery(node({}, { incremental: true, overlapMinutes: 10 }));
            const msg = { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FModifyDate,FEntity_FEntryID' } };
            const first = await run('n1', msg, 1);
            should(first.outputs[0][0].payload).have.length(sim.rows(RETURN_REQUEST_FORM).length);
            const before = Date.now();
            await run('n1', msg, 1);
            const [a, b] = sentData(isQuery).map((d) => d.FilterString as string);
            should(a).match(/^FModifyDate < '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d'$/);
            const m = /^FModifyDate >= '([^']+)' and FModifyDate < '([^']+)'$/.exec(b)!;
            should(m).not.be.null();
            // From = the first run's end (China time) minus 10 minutes.
            const from = Date.parse(m[1].replace(' ', 'T') + '+08:00');
            should(before - from).be.within(10 * 60000 - 1000, 10 * 60000 + 60000);
            should(m[1] < m[2]).be.true();
        });

        it('incremental sync with a StartRow or TopRowCount that reads only part of the window → Catch naming it, nothing sent, the watermark unmoved (the rows left out would never be read); 0 reads every bill', async () => {
            await start();
            await loadQuery(node({}, { incremental: true, overlapMinutes: 10 }));
            const n1 = helper.getNode('n1');
            const base = { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FModifyDate,FEntity_FEntryID' };
            const all = sim.rows(RETURN_REQUEST_FORM).length;
            should(all).be.above(3);
            for (const [name, value] of [['TopRowCount', 3], ['StartRow', 2], ['StartRow', '2']] as const) {
                const r = await run('n1', { params: { ...base, [name]: value } }, 1);
                should(r.caught).not.be.undefined();
                should(r.caught!._error).match({ kind: 'validation', code: 'INVALID_INPUT', field: name });
                should(r.caught!.error.message).match(new RegExp(`kingdee-bill-query: ${name}: must be 0 with incremental sync \\(${Number(value)} leaves part of each run's window unread`));
                should(r.outputs[0]).have.length(0);
            }
            should(sentData(isQuery)).have.length(0);
            should(n1.context().get('cnErpWatermark')).be.undefined();
            const whole = await run('n1', { params: { ...base, StartRow: 0, TopRowCount: 0 } }, 1);
            should(whole.caught).be.undefined();
            should(whole.outputs[0][0].payload).have.length(all);
        });

        it('incremental sync after the clock was set back (a watermark a day ahead): no window ending before it starts is read and the watermark is not moved back past unread bills; the msg goes to Catch saying to reset', async () => {
            await start();
            await loadQuery(node({}, { incremental: true, overlapMinutes: 10 }));
            const n1 = helper.getNode('n1');
            const ahead = Date.now() + 86400000;
            const msg = { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FModifyDate,FEntity_FEntryID' } };
            // The node's watermark, which the read these msg.params choose starts from (it has none of its own yet).
            n1.context().set('cnErpWatermark', ahead);
            const r = await run('n1', msg, 1);
            // Read "FModifyDate >= tomorrow and < now" (nothing) and committed now, the bills modified between the last
            // real read and now would never be read.
            should(sentData(isQuery)).have.length(0);
            should(n1.context().get('cnErpWatermark')).equal(ahead);
            should(r.caught!.error.message).match(/kingdee-bill-query: the stored watermark .* is later than now .*resetWatermark = true/);
            should(r.caught!._error).match({ kind: 'config', code: 'WATERMARK_AHEAD' });
            // The way out the message names: a reset reads from the start again.
            const again = await run('n1', { ...msg, resetWatermark: true }, 1);
            should(again.caught).be.undefined();
            should(again.outputs[0][0].payload).have.length(sim.rows(RETURN_REQUEST_FORM).length);
            should(n1.context().get('cnErpWatermarkReads')[readDigest(msg.params)!].at).be.below(Date.now() + 1);
        });

        it('output mode "record" with a cap (maxRecords): one msg per row, paging stops at the cap', async () => {
            await start();
            await loadQuery(node({}, { outputMode: 'record', maxRecords: 5 }));
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FEntity_FEntryID', Limit: 3 } }, 1);
            should(r.caught).be.undefined();
            const want = sim.rows(RETURN_REQUEST_FORM).slice(0, 5).map((x) => x.FEntity_FEntryID);
            should(r.outputs[0].map((m) => m.payload.FEntity_FEntryID)).eql(want);
            should(r.outputs[0].map((m) => m.page.index)).eql([0, 1, 2, 3, 4]);
            // Two pages cover the cap (3 rows, then 2 more from the last row emitted): no third request.
            should(sentData(isQuery).map((d) => [d.StartRow, d.Limit])).eql([[0, 3], [2, 3]]);
        });

        it('StartRow, TopRowCount and SubSystemId from the node; a server page limit of 10000 from the config', async () => {
            await start({ maxLimit: 10000 });
            await loadQuery(node({ FormId: { value: RETURN_REQUEST_FORM, type: 'str' }, FieldKeys: { value: 'FEntity_FEntryID', type: 'str' }, StartRow: { value: '4', type: 'num' }, TopRowCount: { value: '5', type: 'num' }, SubSystemId: { value: 'STK', type: 'str' } }), { maxLimit: 10000 });
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((x: Msg) => x.FEntity_FEntryID)).eql(sim.rows(RETURN_REQUEST_FORM).slice(4, 9).map((x) => x.FEntity_FEntryID));
            const [sent] = sentData(isQuery);
            should(sent).match({ StartRow: 4, Limit: 5, TopRowCount: 0, SubSystemId: 'STK' });
            await helper.unload();
            sim.clearRequests();
            await loadQuery(node({}), { maxLimit: 10000 });
            await run('n1', { params: { FormId: 'BD_STOCK', FieldKeys: 'FNumber' } }, 1);
            should(sentData(isQuery)[0].Limit).equal(10000);
        });

        it('one session for every Kingdee node of a config: a query, a save and a push node → one login', async () => {
            await start();
            // One Catch and one Complete node watch all three (the test helper loads a core node type once per node).
            const ids = ['n1', 'n2', 'n3'];
            const flow: Msg[] = [
                { id: 'f1', type: 'tab', label: 'test' },
                config(),
                { ...node({}, { outputMode: 'all' }), wires: [['o1']] },
                { id: 'n2', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: {}, wires: [['o2'], []] },
                { id: 'n3', type: 'kingdee-push', z: 'f1', config: 'c1', params: { RuleId: { value: 'r1', type: 'str' }, TargetFormId: { value: 'AP_PAYBILL', type: 'str' } }, wires: [['o3'], []] },
                ...['o1', 'o2', 'o3', 'caught', 'completed'].map((id) => ({ id, type: 'helper', z: 'f1' })),
                { id: 'k', type: 'catch', z: 'f1', scope: ids, uncaught: false, wires: [['caught']] },
                { id: 'd', type: 'complete', z: 'f1', scope: ids, uncaught: false, wires: [['completed']] },
            ];
            await load([kingdeeConfig, kingdeeBillQuery, kingdeeBatchSave, kingdeePush], flow, { c1: creds });
            const out: Record<string, Msg> = {};
            const caught: Msg[] = [];
            for (const o of ['o1', 'o2', 'o3']) helper.getNode(o).on('input', (m: Msg) => (out[o] = m));
            helper.getNode('caught').on('input', (m: Msg) => caught.push(m));
            const model = { FBillTypeID: { FNUMBER: 'XSCKD01_SYS' }, FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: { FNumber: '100' }, FCustomerID: { FNumber: 'CUST001' }, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' } }] };
            await new Promise<void>((resolve) => {
                let n = 0;
                const done = () => ++n === 3 && resolve();
                helper.getNode('completed').on('input', done);
                helper.getNode('caught').on('input', done);
                helper.getNode('n1').receive({ params: { FormId: 'BD_STOCK', FieldKeys: 'FNumber' } });
                helper.getNode('n2').receive({ payload: model });
                helper.getNode('n3').receive({ payload: { Number: 'FKSQ000106' } });
            });
            should(caught).eql([]);
            should(out.o1.payload).have.length(2);
            should(out.o2.payload.Number).match(/^XSCKD/);
            should(out.o3.payload.source).eql({ FormId: 'CN_PAYAPPLY', Number: 'FKSQ000106' });
            should(sim.loginCount).equal(1);
            const sessions = new Set(sim.requests.filter((x) => !isLogin(x)).map((x) => x.headers['kdservice-sessionid']));
            should(sim.requests.filter((x) => !isLogin(x))).have.length(3);
            should(sessions.size).equal(1);
        });

        it('ten concurrent messages with a wrong password → one login; every msg at Catch with the vendor\'s reason', async () => {
            await start();
            await loadQuery(node(), { authMode: 'password' }, { password: 'not-the-password' });
            const caught: Msg[] = [];
            await new Promise<void>((resolve) => {
                helper.getNode('n1-caught').on('input', (m: Msg) => caught.push(m) === 10 && resolve());
                for (let i = 0; i < 10; i++) helper.getNode('n1').receive({ params: { FormId: 'BD_Currency', FieldKeys: 'FCODE' } });
            });
            should(caught.every((m) => m._error.kind === 'config' && /用户名或密码错误 \(wrong user name or password\)/.test(m._error.message))).be.true();
            should(sim.loginCount).equal(1);
            should(sim.requests.filter(isQuery)).have.length(0);
        });

        it('signed login with a wrong secret → Catch saying the signature was rejected (check app id/secret, clock, algorithm)', async () => {
            await start();
            await loadQuery(node(), {}, { appSecret: 'wrong-secret-456' });
            const r = await run('n1', { params: { FormId: 'BD_Currency', FieldKeys: 'FCODE' } }, 1);
            should(r.caught!._error).match({ kind: 'config', code: '002005000003016' });
            should(r.caught!._error.message).match(/signature was rejected.*server clock.*sign algorithm/);
            should(JSON.stringify(r.caught)).not.containEql('wrong-secret-456');
            should(sim.loginCount).equal(1);
        });

        for (const [label, params, field] of [
            ['missing FormId', { FieldKeys: 'FID' }, 'FormId'],
            ['FieldKeys an object', { FormId: 'PUR_MRAPP', FieldKeys: { a: 1 } }, 'FieldKeys'],
            ['FieldKeys a list with a number', { FormId: 'PUR_MRAPP', FieldKeys: ['FID', 5] }, 'FieldKeys'],
            ['FieldKeys with an injected filter', { FormId: 'PUR_MRAPP', FieldKeys: "FID') or 1=1 --" }, 'FieldKeys'],
            ['a malformed ModifiedFrom', { FormId: 'PUR_MRAPP', FieldKeys: 'FID', ModifiedFrom: 'yesterday' }, 'ModifiedFrom'],
            // As the other query nodes: a window that ends before it starts is a mistake, not a read that finds nothing.
            ['a ModifiedTo before ModifiedFrom', { FormId: 'PUR_MRAPP', FieldKeys: 'FID', ModifiedFrom: '2024-01-05 10:00:00', ModifiedTo: '2024-01-05 09:59:59' }, 'ModifiedTo'],
            ['a ModifiedTo the day before ModifiedFrom (dates alone)', { FormId: 'PUR_MRAPP', FieldKeys: 'FID', ModifiedFrom: '2024-01-05', ModifiedTo: '2024-01-04' }, 'ModifiedTo'],
        ] as Array<[string, Msg, string]>) {
            it(`bad input (${label}) → Catch naming ${field}, nothing sent (not even a login)`, async () => {
                await start();
                await loadQuery();
                const r = await run('n1', { params }, 1);
                should(r.caught).not.be.undefined();
                should(r.caught!._error).match({ system: 'kingdee', kind: 'validation', field });
                should(r.caught!._error.message).containEql(field);
                should(r.outputs[0]).have.length(0);
                should(sim.requests).have.length(0);
            });
        }

        it('a window of one instant (ModifiedTo equal to ModifiedFrom, as an incremental run gets when the watermark is a little ahead) is no mistake: sent, nothing read', async () => {
            await start();
            await loadQuery();
            const r = await run('n1', { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo', ModifiedFrom: '2024-01-05 10:00:00', ModifiedTo: '2024-01-05 10:00:00' } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).eql([]);
            should(sentData(isQuery)[0].FilterString).equal("FModifyDate >= '2024-01-05 10:00:00' and FModifyDate < '2024-01-05 10:00:00'");
        });

        it('a wrong password → Catch in the user\'s words, one login attempt, not repeated by the next message', async () => {
            await start();
            await loadQuery(node(), { authMode: 'password' }, { password: 'not-the-password' });
            const msg = { params: { FormId: 'BD_Currency', FieldKeys: 'FCODE' } };
            const r = await run('n1', msg, 1);
            should(r.caught!._error).match({ kind: 'config' });
            should(r.caught!._error.message).match(/wrong user name or password/);
            should(r.caught!._error.message).not.containEql('not-the-password');
            const again = await run('n1', msg, 1);
            should(again.caught!._error.kind).equal('config');
            should(sim.loginCount).equal(1);
            should(sim.requests.filter(isQuery)).have.length(0);
        });

        it('a locked account is explained, and not hammered', async () => {
            await start({ locked: true });
            await loadQuery(node(), { authMode: 'password' });
            const r = await run('n1', { params: { FormId: 'BD_Currency', FieldKeys: 'FCODE' } }, 1);
            should(r.caught!._error.message).match(/locked/);
            should(sim.loginCount).equal(1);
        });

        it('Test connection clicked again and again with a wrong password sends one login: a server locking the user after 3 failures does not lock it; the corrected password is tried at once', async () => {
            // K/3 Cloud locks a user after failed logins in a row (登录失败次数超限, half an hour); each click made a client
            // of its own, which logged in regardless of the last click's refusal.
            await start({ lockAfterFailures: 3 });
            await loadQuery();
            const click = (password: string) => helper.request().post('/cn-erp/kingdee-config/test').send({ config: config({ authMode: 'password' }), credentials: { password } }).expect(200);
            const refused = (await click('nope')).body;
            should(refused).match({ ok: false, kind: 'config', message: /wrong user name or password/ });
            // The refusal in the editor's language: Kingdee's own reason, the palette's words around it.
            should(testButtonText('kingdee', 'kingdee-config', refused, 'zh-CN')).equal(`✘ ${refused.code}: 金蝶登录失败（用户“${KINGDEE_DEMO.username}”）：用户名或密码错误（请核对用户名和密码）`);
            should(testButtonText('kingdee', 'kingdee-config', refused, 'en-US')).equal(`✘ ${refused.code}: ${refused.message}`);
            for (let i = 0; i < 4; i++) should((await click('nope')).body).match({ ok: false, kind: 'config', message: /wrong user name or password.*not tried again for \d+ s by any node or Test connection with these settings/ });
            should(sim.loginCount).equal(1);
            // The button says so in the editor's language, the refusal's own text kept.
            const held = (await click('nope')).body;
            should(testButtonText('kingdee', 'kingdee-config', held, 'zh-CN')).match(/^✘ \S+: 金蝶登录失败（用户“\S+”）：用户名或密码错误（请核对用户名和密码）；\d+ 秒内，使用这组设置的任何节点和“测试连接”都不会再次登录/);
            should(testButtonText('kingdee', 'kingdee-config', held, 'en-US')).equal(`✘ ${held.code}: ${held.message}`);
            should(sim.locked).be.false();
            should((await click(KINGDEE_DEMO.password)).body).match({ ok: true, message: /CNY/ });
            should(sim.loginCount).equal(2);
        });

        it('a wrong password the flow was refused holds Test connection and a redeploy with the same settings: no login is sent until its cooldown is over', async () => {
            await start({ lockAfterFailures: 3 });
            const wrong = { password: 'not-the-password' };
            await loadQuery(node(), { authMode: 'password' }, wrong);
            const msg = { params: { FormId: 'BD_Currency', FieldKeys: 'FCODE' } };
            should((await run('n1', msg, 1)).caught!._error.message).match(/wrong user name or password/);
            const test = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config({ authMode: 'password' }), credentials: wrong }).expect(200);
            should(test.body).match({ ok: false, message: /not tried again/ });
            for (let i = 0; i < 3; i++) {
                await helper.unload();
                await loadQuery(node(), { authMode: 'password' }, wrong);
                should((await run('n1', msg, 1)).caught!._error.message).match(/wrong user name or password.*not tried again/);
            }
            should(sim.loginCount).equal(1);
            should(sim.locked).be.false();
        });

        for (const mode of ['password', 'appsecret', 'sign', 'apisign'] as const) {
            it(`auth mode ${mode}, Chinese user name: the query succeeds and the simulator verified the credentials`, async () => {
                await start({ credentials: { username: '张三' } });
                await loadQuery(node(), { authMode: mode, username: '张三' });
                const r = await run('n1', { params: { FormId: 'BD_Currency', FieldKeys: 'FCODE', FilterString: "FNumber='PRE001'" } }, 1);
                should(r.caught).be.undefined();
                should(r.outputs[0][0].payload).eql([{ FCODE: 'CNY' }]);
                should(sim.loginSuccesses).equal(mode === 'apisign' ? 0 : 1);
                should(sim.apiSignedCount).equal(mode === 'apisign' ? 1 : 0);
            });
        }

        it('config without an app secret in sign mode → Catch naming appSecret, nothing sent', async () => {
            await start();
            await loadQuery(node(), {}, { password: 'x' });
            const r = await run('n1', { params: { FormId: 'BD_Currency', FieldKeys: 'FCODE' } }, 1);
            should(r.caught!._error).match({ kind: 'config' });
            should(r.caught!._error.message).containEql('appSecret');
            should(sim.requests).have.length(0);
        });

        it('the test-connection route logs in and reports the health check; a bad secret is reported, not leaked', async () => {
            await start();
            await loadQuery();
            const ok = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config(), credentials: { appSecret: KINGDEE_DEMO.appSecret } }).expect(200);
            should(ok.body).match({ ok: true, message: /CNY/ });
            const bad = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config(), credentials: { appSecret: 'wrong-secret-123' } }).expect(200);
            should(bad.body).match({ ok: false, kind: 'config', code: '002005000003016', message: /signature was rejected/ });
            should(JSON.stringify(bad.body)).not.containEql('wrong-secret-123');
            // The dialog of the deployed node sends no secret (blank or __PWRD__): the stored one is used.
            const stored = await helper.request().post('/cn-erp/kingdee-config/test').send({ id: 'c1', config: config(), credentials: { appSecret: '__PWRD__' } }).expect(200);
            should(stored.body).match({ ok: true, message: /demo/ });
            const pwd = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config({ authMode: 'password' }), credentials: { password: 'nope' } }).expect(200);
            should(pwd.body).match({ ok: false, kind: 'config', message: /wrong user name or password/ });
        });

        it('Test connection logs out the session each click opened, once it has answered: the server holds none of them (each was a user logged in until it idled out)', async () => {
            await start();
            await loadQuery();
            for (let i = 0; i < 3; i++) {
                const ok = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config(), credentials: { appSecret: KINGDEE_DEMO.appSecret } }).expect(200);
                should(ok.body).match({ ok: true, message: /CNY/ });
            }
            await waitFor('three logouts', () => sim.logouts === 3);
            should(sim.loginSuccesses).equal(3);
            should(sim.sessionCount).equal(0);
        });

        it('a redeploy logs out the session of the config node it stops: after three, the server holds the running flow\'s session only', async () => {
            await start();
            const msg = { params: { FormId: 'BD_Currency', FieldKeys: 'FCODE' } };
            for (let i = 0; i < 4; i++) {
                if (i > 0) await helper.unload();
                await loadQuery();
                should((await run('n1', msg, 1)).caught).be.undefined();
            }
            should(sim.loginSuccesses).equal(4);
            should(sim.logouts).equal(3);
            should(sim.sessionCount).equal(1);
        });

        it('the test-connection route: a login refusal quoting the password back is reported without it', async () => {
            await start();
            await loadQuery();
            const password = 'Secret#Pwd-2024';
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ Message: `用户名或密码错误：${password}`, MessageCode: 'PWD_ERR', LoginResultType: 0, IsSuccessByAPI: false, KDSVCSessionId: null }) }, 1, (r) => /AuthService/i.test(r.path));
            const r = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config({ authMode: 'password' }), credentials: { password } }).expect(200);
            should(r.body).match({ ok: false, kind: 'config', message: /用户名或密码错误/ });
            should(JSON.stringify(r.body)).not.containEql(password);
            // Clicked again: held back, the refusal quoted in the button's text (its language's) without it too.
            const again = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config({ authMode: 'password' }), credentials: { password } }).expect(200);
            should(again.body).match({ ok: false, message: /用户名或密码错误.*not tried again/, text: { key: 'runtime.test.loginHeld', vars: { reason: { key: 'kingdee-config.test.loginRefused', vars: { reason: /用户名或密码错误/ } } } } });
            should(JSON.stringify(again.body)).not.containEql(password);
            should(testButtonText('kingdee', 'kingdee-config', again.body, 'zh-CN')).not.containEql(password);
            should(sim.requests.filter(isLogin)).have.length(1);
        });

        it('the test-connection button reads in Chinese in a zh-CN editor (and as before in en-US)', async () => {
            await start();
            await loadQuery();
            const ok = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config(), credentials: { appSecret: KINGDEE_DEMO.appSecret } }).expect(200);
            should(testButtonText('kingdee', 'kingdee-config', ok.body, 'zh-CN')).match(/^✔ 已连接数据中心 \S+，用户 \S+（签名登录）；币别 PRE001 = CNY$/);
            should(testButtonText('kingdee', 'kingdee-config', ok.body, 'en-US')).equal(`✔ ${ok.body.message}`);
            // The button's own time limit: the runtime's text, in Chinese too.
            const limit = testConnectionLimit.ms;
            testConnectionLimit.ms = 300;
            try {
                sim.inject({ type: 'delay', ms: 2000 }, 1, isLogin);
                const slow = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config(), credentials: { appSecret: KINGDEE_DEMO.appSecret } }).expect(200);
                should(testButtonText('kingdee', 'kingdee-config', slow.body, 'zh-CN')).equal('✘ TIMEOUT: 0.3 秒内没有应答');
            } finally {
                testConnectionLimit.ms = limit;
            }
        });

        it('an app secret pasted with a trailing space, a tab or a full-width space (U+3000) signs without it; one in quotes is refused naming appSecret; a password is taken as typed', async () => {
            await start();
            await loadQuery();
            for (const pad of [' ', '\t', '\u3000']) {
                const r = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config(), credentials: { appSecret: `${KINGDEE_DEMO.appSecret}${pad}` } }).expect(200);
                should(r.body).match({ ok: true, message: /CNY/ });
            }
            const quoted = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config(), credentials: { appSecret: `"${KINGDEE_DEMO.appSecret}"` } }).expect(200);
            should(quoted.body).match({ ok: false, kind: 'config', message: /^appSecret: .*quotes/ });
            should(JSON.stringify(quoted.body)).not.containEql(KINGDEE_DEMO.appSecret);
            // A user's own password may end in a space: it goes as typed (the server judges it).
            const logins = sim.requests.filter(isLogin).length;
            const pwd = await helper.request().post('/cn-erp/kingdee-config/test').send({ config: config({ authMode: 'password' }), credentials: { password: `${KINGDEE_DEMO.password} ` } }).expect(200);
            should(pwd.body).match({ ok: false, message: /wrong user name or password/ });
            should(sim.requests.filter(isLogin)).have.length(logins + 1);
        });
    });

    // ---------------------------------------------------------------------------------------------------------
    describe('kingdee-batch-save', () => {
        const node = (params: Msg = {}) => ({ id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params });
        const loadSave = (n: Msg = node()) => load([kingdeeConfig, kingdeeBatchSave], withProbes([config(), n], 'n1', 2), { c1: creds });
        const model = (mat: unknown = { FNumber: 'MAT001' }, extra: Msg = {}) => ({
            FBillTypeID: { FNUMBER: 'XSCKD01_SYS' },
            FDate: '2024-01-08',
            FSaleOrgID: { FNumber: '100' },
            FStockOrgID: { FNumber: '100' },
            FCustomerID: { FNumber: 'CUST001' },
            FEntity: [{ FMaterialID: mat, FRealQty: 2, FStockID: { FNumber: 'CK01' } }],
            ...extra,
        });
        const saved = () => sim.rows('SAL_OutStock');

        it('partial failure: exact split by DIndex — saved records with Id/Number on output 1, the bad one with Kingdee\'s field message on output 2', async () => {
            await start();
            await loadSave(node({ FormId: { value: 'SAL_OutStock', type: 'str' }, NeedReturnFields: { value: '["FBillNo","FID"]', type: 'json' } }));
            const payload = [model({ FNumber: 'MAT001' }, { FNote: 'a' }), model({ FNumber: 'MAT999' }, { FNote: 'b' }), model('MAT002', { FNote: 'c' })];
            const r = await run('n1', { payload }, 2);
            should(r.caught).be.undefined();
            const ok: Msg[] = r.outputs[0][0].payload;
            should(ok).have.length(2);
            should(ok.map((o) => o.model.FNote)).eql(['a', 'c']);
            for (const o of ok) {
                should(o.Id).match(/^\d+$/);
                should(saved().some((b) => String(b.FID) === o.Id && b.FBillNo === o.Number)).be.true();
            }
            should(r.outputs[1]).have.length(1);
            const failed = r.outputs[1][0];
            should(failed.payload.FNote).equal('b');
            should(failed.recordIndex).equal(1);
            should(failed.error).match({ system: 'kingdee', kind: 'business', field: 'FMaterialID' });
            should(failed.error.message).containEql('MAT999');
            // One request with all three Models; the plain 'MAT002' was wrapped as basic data.
            const [sent] = sentData(isSave);
            should(sent.Model).have.length(3);
            should(sent.Model[2].FEntity[0].FMaterialID).eql({ FNumber: 'MAT002' });
            should(sent.NeedReturnFields).eql(['FBillNo', 'FID']);
            should(new Set(saved().map((b) => b.FNote))).eql(new Set(['a', 'c']));
        });

        it('NaN or Infinity in a price or amount of a line (a sum over a missing value) → that bill on output 2 naming the field, not sent with null there (saved at price 0); the others saved', async () => {
            await start();
            await loadSave(node({ FormId: { value: 'SAL_OutStock', type: 'str' } }));
            const noPrice = model(undefined, { FNote: 'nan' });
            (noPrice.FEntity[0] as Msg).FPrice = 0.1 * Number.NaN;
            // FAllAmount is no field of the record schema: a form's hundreds of other fields are sent as they are.
            const infinite = model(undefined, { FNote: 'inf', FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 2, FStockID: { FNumber: 'CK01' } }, { FMaterialID: { FNumber: 'MAT002' }, FRealQty: 1, FAllAmount: 1 / 0, FStockID: { FNumber: 'CK01' } }] });
            const r = await run('n1', { payload: [noPrice, infinite, model(undefined, { FNote: 'ok' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m: Msg) => [m.recordIndex, m.error.code, m.error.field, m.error.message])).eql([
                [0, 'INVALID_RECORD', 'FEntity[0].FPrice', 'FEntity[0].FPrice: must be a finite number, not NaN; not sent'],
                [1, 'INVALID_RECORD', 'FEntity[1].FAllAmount', 'FEntity[1].FAllAmount: must be a finite number, not Infinity; not sent'],
            ]);
            should(r.outputs[0][0].payload.map((o: Msg) => o.model.FNote)).eql(['ok']);
            const [sent, ...more] = sentData(isSave);
            should(more).have.length(0);
            should(sent.Model.map((m: Msg) => m.FNote)).eql(['ok']);
            should(saved().map((b) => b.FNote)).eql(['ok']);
        });

        it('replay: the output-2 msg, fixed and fed back whole (params, topic, error, recordIndex and all), is saved once and leaves output 1 without the old msg.error or recordIndex', async () => {
            await start();
            await loadSave();
            const payload = [model(undefined, { FNote: 'ok' }), model({ FNumber: 'MAT999' }, { FNote: 'fix-me' })];
            const r = await run('n1', { topic: 'orders', params: { FormId: 'SAL_OutStock' }, payload }, 2);
            const failed = r.outputs[1][0];
            should(failed).match({ topic: 'orders', params: { FormId: 'SAL_OutStock' }, recordIndex: 1, error: { kind: 'business', retryable: false } });
            failed.payload.FEntity[0].FMaterialID = { FNumber: 'MAT001' };
            const again = await run('n1', failed, 2);
            should(again.caught).be.undefined();
            should(again.outputs[1]).have.length(0);
            const out = again.outputs[0][0];
            should(out).match({ topic: 'orders', params: { FormId: 'SAL_OutStock' }, payload: { model: { FNote: 'fix-me' } } });
            should(out.error === undefined).be.true('a bill saved on replay still carries msg.error from its earlier failure on output 1');
            should(out).not.have.property('recordIndex');
            should(saved().filter((b) => b.FNote === 'fix-me')).have.length(1);
        });

        it('replay: the Catch msg fed back whole once the fault is gone → saved once; output 1 carries neither Catch\'s msg.error nor msg._error', async () => {
            await start();
            await loadSave(node({ FormId: { value: 'SAL_OutStock', type: 'str' } }));
            sim.inject({ type: 'http', status: 503, body: 'Service Unavailable' }, 4, isSave);
            const r = await run('n1', { topic: 'orders', payload: model(undefined, { FNote: 'caught' }) }, 2);
            should(r.caught!.error).match({ cause: { code: 'HTTP_503', kind: 'transient', retryable: true } });
            should(caughtCode(r.caught)).equal('HTTP_503');
            should(r.caught!._error).match({ code: 'HTTP_503', retryable: true });
            sim.clearFaults();
            const again = await run('n1', r.caught!, 2);
            should(again.caught).be.undefined();
            const out = again.outputs[0][0];
            should(out).match({ topic: 'orders', payload: { model: { FNote: 'caught' } } });
            should(out.error === undefined).be.true('a bill saved on replay still carries the Catch node\'s msg.error on output 1');
            should(out._error).be.undefined();
            should(saved().filter((b) => b.FNote === 'caught')).have.length(1);
        });

        it('replay through a function node: the refused bill rebuilt there (its lines too, the material as plain text) is saved once, the material wrapped, the guard checking its lines; fed back again, it is found, not saved twice', async () => {
            await start();
            const guarded = node({ FormId: { value: 'SAL_OutStock', type: 'str' }, duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } });
            const fix = { id: 'fix', type: 'function', z: 'f1', func: "msg.payload = { ...msg.payload, FEntity: msg.payload.FEntity.map((l) => ({ ...l, FMaterialID: 'MAT001' })) };\nreturn msg;", outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [['n1']] };
            await load([kingdeeConfig, kingdeeBatchSave, functionNode], withProbes([config(), guarded, fix], 'n1', 2), { c1: creds });
            const bill = model({ FNumber: 'MAT999' }, { FNote: 'fix-me', FEntity: [{ FMaterialID: { FNumber: 'MAT999' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: 'JK-FIX-1' }] });
            const r = await run('n1', { payload: [bill] }, 2);
            should(r.outputs[1]).have.length(1);
            const replays = [r.outputs[1][0], JSON.parse(JSON.stringify(r.outputs[1][0]))];
            for (const [i, failed] of replays.entries()) {
                sim.clearRequests();
                const again = await new Promise<Msg>((resolve) => {
                    helper.getNode('n1-out1').once('input', resolve);
                    helper.getNode('n1-caught').once('input', resolve);
                    helper.getNode('fix').receive(failed);
                });
                should(again.error === undefined).be.true(`replay ${i + 1} did not reach output 1: ${JSON.stringify(again.error)}`);
                should(again.payload).match(i === 0 ? { model: { FNote: 'fix-me' } } : { alreadyPresent: true });
                should(sentData(isQuery)[0].FilterString).containEql("'JK-FIX-1'");
                if (i === 0) should(sentData(isSave)[0].Model[0].FEntity[0].FMaterialID).eql({ FNumber: 'MAT001' });
            }
            should(saved().filter((b) => b.FNote === 'fix-me')).have.length(1);
        });

        it('chunks of chunkSize: 5 records with chunkSize 2 → 3 BatchSave requests, all saved once', async () => {
            await start();
            await loadSave(node({ chunkSize: { value: '2', type: 'num' } }));
            const r = await run('n1', { payload: [1, 2, 3, 4, 5].map((i) => model(undefined, { FNote: `n${i}` })) }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(5);
            should(sentData(isSave).map((d) => d.Model.length)).eql([2, 2, 1]);
            should(new Set(r.outputs[0][0].payload.map((o: Msg) => o.Number)).size).equal(5);
            should(new Set(saved().map((b) => b.FBillNo)).size).equal(5);
        });

        it('duplicate guard: an already saved bill number is not saved again and comes out marked alreadyPresent', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            const first = await run('n1', { payload: model(undefined, { FBillNo: 'XS-DUP-0001' }) }, 2);
            should(first.outputs[0][0].payload).match({ Number: 'XS-DUP-0001' });
            const firstId = first.outputs[0][0].payload.Id;
            sim.clearRequests();
            const r = await run('n1', { payload: [model(undefined, { FBillNo: 'XS-DUP-0001' }), model(undefined, { FBillNo: 'XS-NEW-0002' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            const out: Msg[] = r.outputs[0][0].payload;
            should(out[0]).match({ Id: firstId, Number: 'XS-DUP-0001', alreadyPresent: true });
            should(out[1]).match({ Number: 'XS-NEW-0002' });
            should(out[1].alreadyPresent).be.undefined();
            // The lookup asked for both numbers, among the bills of their organisation; only the new one was sent to BatchSave.
            should(sentData(isQuery)[0].FilterString).equal("FBillNo in ('XS-DUP-0001','XS-NEW-0002') and FStockOrgID.FNumber = '100'");
            should(sentData(isSave).map((d) => d.Model.map((m: Msg) => m.FBillNo))).eql([['XS-NEW-0002']]);
            should(new Set(saved().filter((b) => b.FBillNo === 'XS-DUP-0001').map((b) => b.FID)).size).equal(1);
            // The status counts the bill found saved apart from the ones saved (the run's two msgs: 1 + 1 saved, 1 found).
            should(helper.getNode('n1').status.lastCall.args[0]).eql({ fill: 'green', shape: 'dot', text: '2 ok, 1 written before, 0 failed' });
        });

        it('duplicate guard: the lookup fails (HTTP 500 every time) → the msg goes to Catch (nothing was saved), not to output 2 as "possibly processed"', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            await run('n1', { payload: model(undefined, { FNote: 'warm-up' }) }, 2);
            sim.inject({ type: 'http', status: 500, body: 'Internal Server Error' }, 20, isQuery);
            const r = await run('n1', { payload: [model(undefined, { FBillNo: 'XS-LOOK-1' }), model(undefined, { FBillNo: 'XS-LOOK-2' })] }, 2);
            should(r.outputs[1].map((m) => m.error.possiblyProcessed)).eql([], 'records whose lookup failed were reported as possibly saved');
            should(r.caught).not.be.undefined();
            should(r.caught!._error.code).equal('HTTP_500');
            should(sim.requests.filter(isSave)).have.length(1);
        });

        it('duplicate guard: the lookup answers a bill whose number is none of those asked (SQL Server folds full-width letters too), or a row without its FID → not saved blind: the msg goes to Catch saying so', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (no: string) => model(undefined, { FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            await run('n1', { payload: model(undefined, { FNote: 'warm-up' }) }, 2);
            // The order typed with full-width letters in Kingdee: Chinese_PRC_CI_AS matches it to 'JK-W-1'.
            sim.inject({ type: 'http', status: 200, body: JSON.stringify([['ＪＫ-Ｗ-１', 200777, 'XSCKD000777']]) }, 1, isQuery);
            const wide = await run('n1', { payload: [order('JK-W-1')] }, 2);
            // The answer cut short: the order number alone.
            sim.inject({ type: 'http', status: 200, body: JSON.stringify([['JK-W-2']]) }, 1, isQuery);
            const short = await run('n1', { payload: [order('JK-W-2')] }, 2);
            should(sim.requests.filter(isSave)).have.length(1, 'a bill Kingdee reported present was saved again');
            for (const r of [wide, short]) {
                should(r.outputs[0]).have.length(0);
                should(r.caught).not.be.undefined();
                should(r.caught!._error).match({ code: 'BAD_RESPONSE', field: 'duplicateField' });
            }
            should(wide.caught!._error.message).match(/FID 200777.*ＪＫ-Ｗ-１.*none of the values asked/);
            should(short.caught!._error.message).match(/a row without its FID/);
        });

        it('duplicate guard: closing the node while a bill waits behind a save of the same bill (cut off in flight, so held a while): every msg is finished by the time the node has closed, the waiting bill as NOT_SENT (nothing was sent for it)', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            sim.inject({ type: 'delay', ms: 1500, thenProcess: true }, 1, isSave);
            const failed: Msg[] = [];
            let finished = 0;
            helper.getNode('n1-out2').on('input', (m: Msg) => failed.push(m));
            helper.getNode('n1-completed').on('input', () => finished++);
            helper.getNode('n1-caught').on('input', () => finished++);
            const n1 = helper.getNode('n1');
            const bill = () => ({ payload: model(undefined, { FBillNo: 'XS-CLOSE-1' }) });
            n1.receive(bill());
            await waitFor('the first save at Kingdee', () => sim.requests.some(isSave));
            // The second copy waits for the first's check and save (the guard holds the bill number).
            n1.receive(bill());
            await new Promise((r) => setTimeout(r, 50));
            await n1.close();
            // done() was called before the close ended; its msgs reach the nodes after n1 a few hops (each a turn of the
            // event loop) later, and a busy machine lets the close's poll timer run between those hops.
            for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
            should(finished).equal(2, 'a msg was still waiting for the bill number after its node had closed');
            should(failed.map((m) => [m.error.code, m.error.retryable, m.error.possiblyProcessed === true]).sort()).eql([
                ['CANCELLED', false, true],
                ['NOT_SENT', true, false],
            ]);
            should(sim.requests.filter(isSave)).have.length(1);
        });

        it('duplicate guard: closing the node (a deploy) while the lookup is at Kingdee → the bills on output 2 NOT_SENT, retryable (only the lookup, a read, was sent), and the redeployed node saves a replay at once, once', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            await run('n1', { payload: model(undefined, { FNote: 'warm-up' }) }, 2);
            sim.inject({ type: 'delay', ms: 1500 }, 1, isQuery);
            const failed: Msg[] = [];
            helper.getNode('n1-out2').on('input', (m: Msg) => failed.push(m));
            const n1 = helper.getNode('n1');
            const bill = () => ({ payload: model(undefined, { FBillNo: 'XS-LOOKUP-CLOSE-1' }) });
            const queries = sim.requests.filter(isQuery).length;
            n1.receive({ ...bill(), requestTimeout: 8000 });
            await waitFor('the lookup at Kingdee', () => sim.requests.filter(isQuery).length > queries);
            await n1.close();
            for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
            should(sim.requests.filter(isSave)).have.length(1, 'a save was sent');
            should(failed.map((m) => [m.error.code, m.error.retryable, m.error.possiblyProcessed === true])).eql([['NOT_SENT', true, false]], 'a bill whose lookup alone was cut off was reported as possibly saved');
            // The redeployed node: the replay of the bill is checked and saved at once, not held for the request timeout.
            await helper.unload();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            const started = Date.now();
            const r = await run('n1', bill(), 2);
            should(Date.now() - started).be.below(5000, 'the replay waited for a save that was never sent');
            should(r.outputs[0]).have.length(1);
            should(saved().filter((b) => b.FBillNo === 'XS-LOOKUP-CLOSE-1')).have.length(1);
        });

        it('duplicate guard: the lookup of a second chunk fails → that chunk on output 2 retryable (not "possibly processed"), the first chunk saved', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, chunkSize: { value: '1', type: 'num' } }));
            let queries = 0;
            sim.inject({ type: 'http', status: 500, body: 'Internal Server Error' }, 20, (q) => isQuery(q) && ++queries > 1);
            const r = await run('n1', { payload: [model(undefined, { FBillNo: 'XS-LOOK-3' }), model(undefined, { FBillNo: 'XS-LOOK-4' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((o: Msg) => o.Number)).eql(['XS-LOOK-3']);
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.possiblyProcessed, m.error.retryable])).eql([[1, undefined, true]]);
            should(sim.requests.filter(isSave)).have.length(1);
        });

        it('duplicate guard: new records without the guard field are saved unchecked, with one warning per msg naming the field', async () => {
            await start();
            // Chunks of 2: the one warning counts the whole msg (3), not its first chunk (2).
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, chunkSize: { value: '2', type: 'num' } }));
            const r = await run('n1', { payload: [model(undefined, { FBillNo: '' }), model(undefined, { FBillNo: '' }), model(undefined, { FBillNo: 'XS-G-1' }), model(undefined, { FBillNo: '' }), model(undefined, { FBillNo: 'XS-G-2' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0].flatMap((m) => m.payload)).have.length(5);
            const warnings = helper.getNode('n1').warn.args.map((a: unknown[]) => String(a[0])).filter((t: string) => /duplicate guard/.test(t));
            should(warnings).eql(['kingdee-batch-save: duplicate guard: 3 record(s) of this msg carry no FBillNo (on the header or the first line) and are saved without the check']);
        });

        it('duplicate guard on FBillNo while the coding rule numbers the bills itself (编码规则 taking no number from outside: Kingdee ignores the FBillNo sent) → each saved bill on output 1 marked guardIneffective with Kingdee\'s number, one warning per msg naming the coding rule and a source-order field; a bill keeping the number sent (case, trailing spaces aside) is not marked; a guard on a source-order field finds the replay', async () => {
            await start({ autoBillNo: true });
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, chunkSize: { value: '2', type: 'num' } }));
            const warnings = () => helper.getNode('n1').warn.args.map((a: unknown[]) => String(a[0])).filter((t: string) => /coding rule/.test(t));
            const order = (billNo: string, shop: string) => model(undefined, { FBillNo: billNo, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: shop }] });
            // Three bills in two chunks, the third a copy of the first (the chunk's copy gets the first's outcome).
            const r = await run('n1', { payload: [order('JKY-T0001', 'SHOP-1'), order('JKY-T0002', 'SHOP-2'), order('JKY-T0001', 'SHOP-1')] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            const out: Msg[] = r.outputs[0].flatMap((m) => m.payload);
            should(out).have.length(3);
            for (const o of out) {
                should(o.Number).match(/^XSCKD\d{6}$/);
                should(o.guardIneffective).equal(true, `${o.model.FBillNo} saved as ${o.Number}: not marked`);
            }
            // Not a green sync: each re-read saves these bills again.
            should(helper.getNode('n1').status.lastCall.args[0]).match({ fill: 'yellow', text: /^3 ok, 0 failed; 3 the duplicate guard cannot find again$/ });
            should(warnings()).have.length(1);
            should(warnings()[0]).match(/FBillNo/).and.match(/JKY-T0001/).and.match(new RegExp(out[0].Number)).and.match(/编码规则/).and.match(/source order number/).and.match(/duplicateField/);
            // What the mark warns of: the replay is not found and saved again (Kingdee holds each order twice).
            const replay = await run('n1', { payload: order('JKY-T0002', 'SHOP-2') }, 2);
            should(replay.outputs[0][0].payload).match({ guardIneffective: true });
            should(replay.outputs[0][0].payload.alreadyPresent).be.undefined();
            should(warnings()).have.length(2);
            should(saved().filter((b) => b.FJKShopNumber === 'SHOP-2').map((b) => b.FID).filter((v, i, a) => a.indexOf(v) === i)).have.length(2);
            // A coding rule taking the number sent: not marked. Compared as the lookup compares them (case and trailing
            // spaces ignored, a leading space not): 'jky-t0005 ' answered as JKY-T0005 is the number sent, ' JKY-T0007'
            // answered as JKY-T0007 is not (the lookup of ' JKY-T0007' would not find it).
            sim.autoBillNo = false;
            const kept = await run('n1', { payload: order('JKY-T0004', 'SHOP-4') }, 2);
            should(kept.outputs[0][0].payload).match({ Number: 'JKY-T0004' });
            should(kept.outputs[0][0].payload.guardIneffective).be.undefined();
            const answer = (n: string) => JSON.stringify({ Result: { ResponseStatus: { ErrorCode: '', IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: '290001', Number: n, DIndex: 0 }], SuccessMessages: [], MsgCode: 0 } } });
            sim.inject({ type: 'http', status: 200, body: answer('JKY-T0005') }, 1, isSave);
            const folded = await run('n1', { payload: order('jky-t0005 ', 'SHOP-5') }, 2);
            should(folded.outputs[0][0].payload).match({ Number: 'JKY-T0005' });
            should(folded.outputs[0][0].payload.guardIneffective).be.undefined();
            should(warnings()).have.length(2);
            sim.inject({ type: 'http', status: 200, body: answer('JKY-T0007') }, 1, isSave);
            const leading = await run('n1', { payload: order(' JKY-T0007', 'SHOP-7') }, 2);
            should(leading.outputs[0][0].payload).match({ Number: 'JKY-T0007', guardIneffective: true });
            should(warnings()).have.length(3);
            // Guarded on a field holding the source order number, the replay is found though Kingdee numbered the bill.
            sim.autoBillNo = true;
            const first = await run('n1', { payload: order('JKY-T0006', 'SHOP-6'), params: { duplicateField: 'FJKShopNumber' } }, 2);
            const again = await run('n1', { payload: order('JKY-T0006', 'SHOP-6'), params: { duplicateField: 'FJKShopNumber' } }, 2);
            should(first.outputs[0][0].payload.guardIneffective).be.undefined();
            should(again.outputs[0][0].payload).match({ Id: first.outputs[0][0].payload.Id, alreadyPresent: true });
            should(warnings()).have.length(3);
        });

        it('duplicate guard: a record modifying an existing bill (its FID set) is saved, not skipped as "already present"', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            const first = await run('n1', { payload: model(undefined, { FBillNo: 'XS-UPD-1', FNote: 'before' }) }, 2);
            const id = first.outputs[0][0].payload.Id;
            const r = await run('n1', { payload: model(undefined, { FID: Number(id), FBillNo: 'XS-UPD-1', FNote: 'after' }) }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            should(r.outputs[0][0].payload).match({ Id: id, Number: 'XS-UPD-1' });
            should(r.outputs[0][0].payload.alreadyPresent).be.undefined();
            should(saved().filter((b) => b.FBillNo === 'XS-UPD-1').map((b) => b.FNote)).eql(['after'], 'the modification was reported saved but never sent');
        });

        it('duplicate guard: a bill the lookup finds under another case or with spaces (SQL Server\'s case-insensitive collation matched it) is not saved again', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            await run('n1', { payload: model(undefined, { FNote: 'warm-up' }) }, 2);
            // The server's answer to FBillNo in ('xs-case-1','XS-NEW-9'): the bill stored as 'XS-CASE-1 '.
            sim.inject({ type: 'http', status: 200, body: JSON.stringify([['XS-CASE-1 ', 200777]]) }, 1, isQuery);
            const r = await run('n1', { payload: [model(undefined, { FBillNo: 'xs-case-1' }), model(undefined, { FBillNo: 'XS-NEW-9' })] }, 2);
            should(r.caught).be.undefined();
            const out: Msg[] = r.outputs[0][0].payload;
            should(out[0]).match({ Id: '200777', Number: 'XS-CASE-1 ', alreadyPresent: true });
            should(out[1].alreadyPresent).be.undefined();
            should(sentData(isSave).slice(1).map((d) => d.Model.map((m: Msg) => m.FBillNo))).eql([['XS-NEW-9']], 'a bill the server reported present was saved again');
        });

        it('duplicate guard: records of one chunk whose order numbers Kingdee holds equal (case, trailing spaces) are saved once, as when they come in two chunks; a leading space is another number', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (no: string, note: string) => model(undefined, { FNote: note, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            await run('n1', { payload: [order('JK-OLD-1', 'old')] }, 2);
            const r = await run('n1', { payload: [order('JK-NEW-1', 'new'), order('jk-new-1 ', 'new again'), order('jk-old-1', 'old again'), order(' jk-old-1', 'other')] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            const shop = (b: Msg) => String(b.FJKShopNumber).trimEnd().toLowerCase();
            should(saved().filter((b) => shop(b) === 'jk-new-1').map((b) => b.FNote)).eql(['new'], 'one order saved twice: its two spellings in one chunk were checked apart');
            should(saved().filter((b) => shop(b) === 'jk-old-1').map((b) => b.FNote)).eql(['old'], 'an order saved before was saved again');
            const out: Msg[] = r.outputs[0][0].payload;
            should(out.map((x) => [x.model.FNote, x.alreadyPresent === true])).eql([['new', false], ['new again', true], ['old again', true], ['other', false]]);
            should(out[1].Id).equal(out[0].Id);
            // ' jk-old-1' is not 'JK-OLD-1' to SQL Server (only trailing spaces are ignored): saved, not taken for the old bill.
            should(saved().filter((b) => b.FJKShopNumber === ' jk-old-1').map((b) => b.FNote)).eql(['other']);
        });

        it('duplicate guard: two records of one chunk with one bill number → the first saved, the second marked alreadyPresent with its Id', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            const r = await run('n1', { payload: [model(undefined, { FBillNo: 'XS-TWICE-1' }), model(undefined, { FBillNo: 'XS-TWICE-1' }), model(undefined, { FBillNo: 'XS-ONCE-2' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            const out: Msg[] = r.outputs[0][0].payload;
            should(out[0].alreadyPresent).be.undefined();
            should(out[1]).match({ Id: out[0].Id, Number: 'XS-TWICE-1', alreadyPresent: true });
            should(sentData(isSave).map((d) => d.Model.map((m: Msg) => m.FBillNo))).eql([['XS-TWICE-1', 'XS-ONCE-2']]);
            should(saved().filter((b) => b.FBillNo === 'XS-TWICE-1').map((b) => b.FID).filter((v, i, a) => a.indexOf(v) === i)).have.length(1);
        });

        it('duplicate guard: two msgs with one bill number at once while Kingdee saves slowly → saved once; the later check waits for the first save', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            sim.inject({ type: 'delay', ms: 300, thenProcess: true }, 10, isSave);
            const outs: Msg[] = [];
            let completed = 0;
            helper.getNode('n1-out1').on('input', (m: Msg) => outs.push(m));
            const done = new Promise<void>((resolve) => helper.getNode('n1-completed').on('input', () => ++completed === 2 && resolve()));
            helper.getNode('n1').receive({ payload: model(undefined, { FBillNo: 'XS-RACE-1' }) });
            helper.getNode('n1').receive({ payload: [model(undefined, { FBillNo: 'XS-RACE-1' }), model(undefined, { FBillNo: 'XS-RACE-2' })] });
            await done;
            await new Promise((r) => setTimeout(r, 30));
            const fids = new Set(saved().filter((b) => b.FBillNo === 'XS-RACE-1').map((b) => b.FID));
            should(fids.size).equal(1);
            const records = outs.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload]));
            should(records.filter((x) => x.Number === 'XS-RACE-1')).have.length(2);
            should(records.filter((x) => x.Number === 'XS-RACE-1' && x.alreadyPresent === true)).have.length(1);
            // A bill number of its own is not held up by the other one's save beyond its own chunk.
            should(records.filter((x) => x.Number === 'XS-RACE-2')).have.length(1);
        });

        it('duplicate guard: the first msg\'s save times out while Kingdee is still saving it → the second msg with that order number waits, finds the bill and is not saved again', async () => {
            await start();
            // Guarded on the source order number of the lines (seed 000): Kingdee itself does not keep it unique.
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (no: string, note: string) => model(undefined, { FNote: note, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            await run('n1', { payload: model(undefined, { FNote: 'warm-up' }) }, 2);
            // The first save gets no answer within its 200 ms; Kingdee saves it at 300 ms (the request was received).
            sim.inject({ type: 'delay', ms: 300, thenProcess: true }, 1, isSave);
            const outs: Msg[] = [];
            const failed: Msg[] = [];
            let completed = 0;
            helper.getNode('n1-out1').on('input', (m: Msg) => outs.push(m));
            helper.getNode('n1-out2').on('input', (m: Msg) => failed.push(m));
            const done = new Promise<void>((resolve) => helper.getNode('n1-completed').on('input', () => ++completed === 2 && resolve()));
            helper.getNode('n1').receive({ payload: order('JK-LATE-1', 'first'), requestTimeout: 200 });
            helper.getNode('n1').receive({ payload: [order('JK-LATE-1', 'second'), order('JK-LATE-2', 'other')] });
            await done;
            await new Promise((r) => setTimeout(r, 300));
            const bills = saved().filter((b) => b.FJKShopNumber === 'JK-LATE-1');
            should(bills.map((b) => b.FNote)).eql(['first'], 'the order was saved twice: the second msg checked while the first save was still at Kingdee');
            // The first: possibly saved (its save timed out); the second: found, the bill Kingdee finished.
            should(failed.map((m) => [m.payload.FNote, m.error.possiblyProcessed])).eql([['first', true]]);
            const records = outs.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload]));
            should(records.map((x) => [x.model.FNote, x.alreadyPresent === true])).eql([['second', true], ['other', false]]);
            should(records[0].Id).equal(String(bills[0].FID));
        });

        it('duplicate guard: two msgs naming the form in another case (SAL_OutStock, SAL_OUTSTOCK: one form for Kingdee) with one order number at once → saved once', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (no: string, note: string) => model(undefined, { FNote: note, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            sim.inject({ type: 'delay', ms: 300, thenProcess: true }, 10, isSave);
            const outs: Msg[] = [];
            let completed = 0;
            helper.getNode('n1-out1').on('input', (m: Msg) => outs.push(m));
            const done = new Promise<void>((resolve) => helper.getNode('n1-completed').on('input', () => ++completed === 2 && resolve()));
            helper.getNode('n1').receive({ payload: order('JK-FORM-1', 'first'), params: { FormId: 'SAL_OutStock' } });
            helper.getNode('n1').receive({ payload: order('JK-FORM-1', 'second'), params: { FormId: 'SAL_OUTSTOCK' } });
            await done;
            await new Promise((r) => setTimeout(r, 30));
            should(saved().filter((b) => b.FJKShopNumber === 'JK-FORM-1').map((b) => b.FNote)).eql(['first'], 'the order was saved twice: the form name\'s case split the guard\'s hold');
            const records = outs.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload]));
            should(records.map((x) => [x.model.FNote, x.alreadyPresent === true])).eql([['first', false], ['second', true]]);
        });

        it('duplicate guard: two config nodes of one data centre whose server URLs differ only in the case of the scheme (one account for the limiter), one order number sent through both at once → saved once', async () => {
            await start();
            const guarded = { duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } };
            // The same server typed two ways (say by a config node a flow import brought with it).
            const flow = [config(), config({ id: 'c2', serverUrl: sim.serverUrl.replace(/^http:/, 'HTTP:') }), node(guarded), { ...node(guarded), id: 'n2', config: 'c2' }];
            await load([kingdeeConfig, kingdeeBatchSave], withProbes(withProbes(flow, 'n1', 2), 'n2', 2), { c1: creds, c2: creds });
            const order = (no: string, note: string) => model(undefined, { FNote: note, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            // Kingdee saves slowly: the second check must wait for the first save.
            sim.inject({ type: 'delay', ms: 300, thenProcess: true }, 10, isSave);
            const [a, b] = await Promise.all([run('n1', { payload: order('JK-URL-1', 'first') }, 2), run('n2', { payload: order('JK-URL-1', 'second') }, 2)]);
            should(a.caught).be.undefined();
            should(b.caught).be.undefined();
            should(saved().filter((x) => x.FJKShopNumber === 'JK-URL-1')).have.length(1, 'the order was saved twice: the server URL as typed split the guard\'s hold');
            should([a, b].map((r) => r.outputs[0][0].payload.alreadyPresent === true).sort()).eql([false, true]);
        });

        it('save options go to BatchSave as set (IsAutoSubmitAndAudit → the bill is audited); palette settings stay out', async () => {
            await start();
            await loadSave(
                node({
                    FormId: { value: 'SAL_OutStock', type: 'str' },
                    NeedUpDateFields: { value: '["FNote"]', type: 'json' },
                    NeedReturnFields: { value: '["FBillNo"]', type: 'json' },
                    IsDeleteEntry: { value: 'false', type: 'bool' },
                    IsVerifyBaseDataField: { value: 'true', type: 'bool' },
                    IsAutoSubmitAndAudit: { value: 'true', type: 'bool' },
                    IsEntryBatchFill: { value: 'false', type: 'bool' },
                    ValidateFlag: { value: 'true', type: 'bool' },
                    InterationFlags: { value: 'STK_InvCheckResult', type: 'str' },
                    BatchCount: { value: '4', type: 'num' },
                    chunkSize: { value: '10', type: 'num' },
                }),
            );
            const r = await run('n1', { payload: [model(), model()] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(2);
            const [sent] = sentData(isSave);
            should(sent).match({ NeedUpDateFields: ['FNote'], NeedReturnFields: ['FBillNo'], IsDeleteEntry: false, IsVerifyBaseDataField: true, IsAutoSubmitAndAudit: true, IsEntryBatchFill: false, ValidateFlag: true, InterationFlags: 'STK_InvCheckResult', BatchCount: 4 });
            for (const k of ['FormId', 'chunkSize', 'duplicateGuard', 'duplicateField']) should(sent).not.have.property(k);
            should(saved().map((b) => b.FDocumentStatus)).eql(['C', 'C']);
        });

        it('duplicate guard on a source-id field of the lines (seed 000 FJKShopNumber): an order saved before is not saved again', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (no: string) => model(undefined, { FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            const first = await run('n1', { payload: [order('JK-1001')] }, 2);
            should(first.outputs[0][0].payload[0].Number).match(/^XSCKD/);
            sim.clearRequests();
            const r = await run('n1', { payload: [order('JK-1002'), order('JK-1001')] }, 2);
            should(r.caught).be.undefined();
            const out: Msg[] = r.outputs[0][0].payload;
            should(out[1]).match({ Id: first.outputs[0][0].payload[0].Id, Number: first.outputs[0][0].payload[0].Number, alreadyPresent: true });
            should(out[0].alreadyPresent).be.undefined();
            should(sentData(isQuery)[0]).match({ FilterString: "FJKShopNumber in ('JK-1002','JK-1001') and FStockOrgID.FNumber = '100'", FieldKeys: 'FJKShopNumber,FID,FBillNo' });
            should(sentData(isSave).map((d) => d.Model.length)).eql([1]);
            should(saved().filter((b) => b.FJKShopNumber === 'JK-1001')).have.length(1);
        });

        // Several organisations (组织) of one data centre: a bill number is unique only within what its coding rule covers
        // (often one organisation), and a source order number from two shops may be the same.
        const inOrg = (org: string, extra: Msg = {}) => model(undefined, { FSaleOrgID: { FNumber: org }, FStockOrgID: { FNumber: org }, ...extra });

        it('duplicate guard across organisations: org 101\'s bill numbered as org 100\'s saved bill (a coding rule per organisation) is saved, not reported alreadyPresent with org 100\'s; a replay of org 100\'s bill is still alreadyPresent', async () => {
            await start({ billNoPerOrg: true });
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            const first = await run('n1', { payload: inOrg('100', { FBillNo: 'XSCKD0001', FNote: 'org 100' }) }, 2);
            const a = first.outputs[0][0].payload;
            should(a).match({ Number: 'XSCKD0001' });
            sim.clearRequests();
            const r = await run('n1', { payload: [inOrg('101', { FBillNo: 'XSCKD0001', FNote: 'org 101' }), inOrg('100', { FBillNo: 'XSCKD0001', FNote: 'org 100' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => m.error.message)).eql([]);
            const [b, replay] = r.outputs[0][0].payload as Msg[];
            should(b.alreadyPresent === undefined).be.true('org 101\'s bill was reported present with org 100\'s bill and not saved');
            should(b.Id).not.equal(a.Id);
            should(replay).match({ Id: a.Id, Number: 'XSCKD0001', alreadyPresent: true });
            should(saved().filter((x) => x.FBillNo === 'XSCKD0001').map((x) => [x['FStockOrgID.FNumber'], x.FNote]).sort()).eql([
                ['100', 'org 100'],
                ['101', 'org 101'],
            ]);
        });

        it('duplicate guard across organisations, in one chunk: two shops\' orders with one source order number in orgs 100 and 101 are both saved; a third copy for org 100 comes out alreadyPresent with the first', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: string, note: string) => inOrg(org, { FNote: note, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: 'JK-2001' }] });
            const r = await run('n1', { payload: [order('100', 'shop A'), order('101', 'shop B'), order('100', 'shop A again')] }, 2);
            should(r.caught).be.undefined();
            const out: Msg[] = r.outputs[0][0].payload;
            should(out.map((o) => o.alreadyPresent === true)).eql([false, false, true], 'org 101\'s order was taken for a copy of org 100\'s');
            should(out[2].Id).equal(out[0].Id);
            should(saved().filter((x) => x.FJKShopNumber === 'JK-2001').map((x) => x.FNote).sort()).eql(['shop A', 'shop B']);
        });

        it('duplicate guard across organisations: a source order number saved in org 100 is looked up in the bill\'s own organisation (FStockOrgID, SAL_OutStock\'s main one): org 101\'s order is saved, org 100\'s replay is alreadyPresent', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: string) => inOrg(org, { FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: 'JK-3001' }] });
            const first = await run('n1', { payload: [order('100')] }, 2);
            sim.clearRequests();
            const r = await run('n1', { payload: [order('101'), order('100')] }, 2);
            should(r.caught).be.undefined();
            const out: Msg[] = r.outputs[0][0].payload;
            should(out[0].alreadyPresent === undefined).be.true('org 101\'s order was reported present with org 100\'s bill and not saved');
            should(out[1]).match({ Id: first.outputs[0][0].payload[0].Id, alreadyPresent: true });
            should(firstPages().map((d) => d.FilterString)).eql(["FJKShopNumber in ('JK-3001') and (FStockOrgID.FNumber in ('101','100'))"]);
            should(saved().filter((x) => x.FJKShopNumber === 'JK-3001').map((x) => x['FStockOrgID.FNumber']).sort()).eql(['100', '101']);
        });

        it('duplicate guard scope "the whole data centre": a source order number saved in org 100 is found for org 101 too (an order booked once, whatever the organisation), as before organisations were told apart', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' }, duplicateScope: { value: 'dataCentre', type: 'str' } }));
            const order = (org: string) => inOrg(org, { FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: 'JK-4001' }] });
            const first = await run('n1', { payload: [order('100')] }, 2);
            sim.clearRequests();
            const r = await run('n1', { payload: [order('101'), order('101')] }, 2);
            should(r.outputs[0][0].payload.map((o: Msg) => [o.Id, o.alreadyPresent])).eql([
                [first.outputs[0][0].payload[0].Id, true],
                [first.outputs[0][0].payload[0].Id, true],
            ]);
            should(sentData(isQuery)[0].FilterString).equal("FJKShopNumber in ('JK-4001')");
            should(sim.requests.filter(isSave)).have.length(0);
        });

        it('duplicate guard: a bill naming no organisation is looked up across the data centre, as before; duplicateOrgField names another form\'s organisation field', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (extra: Msg) => ({ ...model(undefined, { FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: 'JK-5001' }] }), ...extra });
            const noOrg = order({});
            delete (noOrg as Msg).FStockOrgID;
            await run('n1', { payload: [noOrg] }, 2);
            should(sentData(isQuery).map((d) => d.FilterString)).eql(["FJKShopNumber in ('JK-5001')"]);
            await helper.unload();
            sim.clearRequests();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' }, duplicateOrgField: { value: 'FSaleOrgID', type: 'str' } }));
            await run('n1', { payload: [order({ FSaleOrgID: { FNumber: '101' } })] }, 2);
            should(sentData(isQuery).map((d) => d.FilterString)).eql(["FJKShopNumber in ('JK-5001') and FSaleOrgID.FNumber = '101'"]);
            // The guard's settings are the node's, not BatchSave options.
            should(sentData(isSave)).have.length(1);
            for (const k of ['duplicateScope', 'duplicateOrgField']) should(sentData(isSave)[0]).not.have.property(k);
        });

        it('duplicate guard, an organisation named by its id ({"FOrgID": 100101}): looked up among that organisation\'s bills by id, so org 101\'s order whose source order number org 100 holds is saved, not reported alreadyPresent with org 100\'s bill; its replay (by id or by number) is alreadyPresent with it', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: Msg) => model(undefined, { FSaleOrgID: { FNumber: '101' }, FStockOrgID: org, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: 'JK-6001' }] });
            const a = (await run('n1', { payload: [order({ FNumber: '100' })] }, 2)).outputs[0][0].payload[0];
            sim.clearRequests();
            const r = await run('n1', { payload: [order({ FOrgID: 100101 })] }, 2);
            should(r.outputs[1].map((m) => m.error.message)).eql([]);
            const b = r.outputs[0][0].payload[0];
            should(b.alreadyPresent === undefined).be.true('org 101\'s order, naming its organisation by id, was reported present with org 100\'s bill and never saved');
            should(b.Id).not.equal(a.Id);
            should(sentData(isQuery).map((d) => d.FilterString)).eql(["FJKShopNumber in ('JK-6001') and FStockOrgID = 100101"]);
            should(saved().filter((x) => x.FJKShopNumber === 'JK-6001').map((x) => x['FStockOrgID.FNumber']).sort()).eql(['100', '101']);
            const replay = await run('n1', { payload: [order({ FOrgID: 100101 }), order({ FNumber: '101' })] }, 2);
            should(replay.outputs[0][0].payload.map((o: Msg) => [o.Id, o.alreadyPresent])).eql([
                [b.Id, true],
                [b.Id, true],
            ]);
            should(saved().filter((x) => x.FJKShopNumber === 'JK-6001')).have.length(2);
        });

        it('duplicate guard, an organisation named neither by number nor by FOrgID ({"FID": …}; a bare value the node does not wrap): output 2 naming the field and what to give, not looked up nor saved (never alreadyPresent with another organisation\'s bill); the chunk\'s other bills go on', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: unknown, no: string) => model(undefined, { FStockOrgID: org, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            await run('n1', { payload: [order({ FNumber: '100' }, 'JK-7001')] }, 2);
            sim.clearRequests();
            const r = await run('n1', { payload: [order({ FID: 100101 }, 'JK-7001'), order({ FNumber: '101' }, 'JK-7002')] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((o: Msg) => [o.model.FEntity[0].FJKShopNumber, o.alreadyPresent])).eql([['JK-7002', undefined]]);
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([[0, 'validation', 'FStockOrgID']]);
            should(r.outputs[1][0].error.message).match(/FNumber/).and.match(/FOrgID/).and.match(/dataCentre/);
            should(sentData(isQuery).map((d) => d.FilterString)).eql(["FJKShopNumber in ('JK-7002') and FStockOrgID.FNumber = '101'"]);
            should(saved().filter((x) => x.FJKShopNumber === 'JK-7001')).have.length(1);
            // A bare value on a field the node does not wrap (not among seed 000's basic-data fields): how Kingdee reads it is not known.
            await helper.unload();
            sim.clearRequests();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' }, duplicateOrgField: { value: 'F_QKZI_OrgId', type: 'str' } }));
            const bare = await run('n1', { payload: [{ ...order({ FNumber: '101' }, 'JK-7001'), F_QKZI_OrgId: 100101 }] }, 2);
            should(bare.outputs[0]).have.length(0);
            should(bare.outputs[1].map((m) => [m.error.kind, m.error.field])).eql([['validation', 'F_QKZI_OrgId']]);
            should(sim.requests.filter((q) => isQuery(q) || isSave(q))).have.length(0);
        });

        it('duplicate guard: one lookup for a chunk whatever organisations its bills name (by number, by id, none), the organisation asked beside; each bill found only among its own organisation\'s bills (a bill naming none among all)', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: unknown, no: string) => model(undefined, { FStockOrgID: org, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            const [a, b] = (await run('n1', { payload: [order({ FNumber: '100' }, 'JK-8001'), order({ FNumber: '101' }, 'JK-8002')] }, 2)).outputs[0][0].payload;
            sim.clearRequests();
            const none = order(undefined, 'JK-8001');
            delete (none as Msg).FStockOrgID;
            const r = await run('n1', { payload: [order({ FNumber: '100' }, 'JK-8002'), order({ FOrgID: 100101 }, 'JK-8002'), order({ FNumber: '101' }, 'JK-8001'), order({ FNumber: '100' }, 'JK-8001'), none] }, 2);
            should(r.outputs[1].map((m) => m.error.message)).eql([]);
            const out: Msg[] = r.outputs[0][0].payload;
            should(out.map((o) => [o.alreadyPresent === true, o.alreadyPresent ? o.Id : 'new'])).eql([[false, 'new'], [true, b.Id], [false, 'new'], [true, a.Id], [true, a.Id]]);
            const queries = firstPages();
            should(queries.map((q) => [q.FilterString, q.FieldKeys])).eql([["FJKShopNumber in ('JK-8002','JK-8001')", 'FJKShopNumber,FID,FBillNo,FStockOrgID.FNumber,FStockOrgID']]);
            sim.clearRequests();
            const r2 = await run('n1', { payload: [order({ FNumber: '100' }, 'JK-8003'), order({ FOrgID: 100101 }, 'JK-8001')] }, 2);
            should(r2.outputs[0][0].payload.map((o: Msg) => [o.alreadyPresent === true, o.alreadyPresent ? o.Id : 'new'])).eql([[false, 'new'], [true, out[2].Id]]);
            should(firstPages().map((q) => q.FilterString)).eql(["FJKShopNumber in ('JK-8003','JK-8001') and (FStockOrgID.FNumber in ('100') or FStockOrgID in (100101))"]);
            should(saved().map((x) => [x.FJKShopNumber, x['FStockOrgID.FNumber']]).sort()).eql([['JK-8001', '100'], ['JK-8001', '101'], ['JK-8002', '100'], ['JK-8002', '101'], ['JK-8003', '100']]);
        });

        it('duplicate guard, one chunk holding one source order twice, its organisation named once by number and once by id (the same organisation): saved once, the second alreadyPresent with it; two organisations\' copies are each saved', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: unknown, no: string) => model(undefined, { FStockOrgID: org, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            const r = await run('n1', { payload: [order({ FNumber: '101' }, 'JK-9001'), order({ FOrgID: 100101 }, 'JK-9001'), order({ FNumber: '100' }, 'JK-9002'), order({ FOrgID: 100101 }, 'JK-9002')] }, 2);
            should(r.outputs[1].map((m) => m.error.message)).eql([]);
            const out: Msg[] = r.outputs[0][0].payload;
            should(out[1]).match({ Id: out[0].Id, alreadyPresent: true });
            should(out[3].alreadyPresent === undefined).be.true('org 101\'s copy was reported present with org 100\'s bill');
            should(saved().map((x) => [x.FJKShopNumber, x['FStockOrgID.FNumber']]).sort()).eql([['JK-9001', '101'], ['JK-9002', '100'], ['JK-9002', '101']]);
        });

        it('duplicate guard, a bill checked again after the first of its value was saved (its organisation named another way), that second lookup failing → the saved bill on output 1, the other on output 2 retryable, nothing to Catch; its replay is alreadyPresent', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: unknown) => model(undefined, { FStockOrgID: org, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: 'JK-9101' }] });
            // Every try of the second lookup (maxRetries 3).
            sim.inject({ type: 'http', status: 500, body: 'Internal Server Error' }, 4, (q) => isQuery(q) && /FStockOrgID = 100101/.test(q.body));
            const r = await run('n1', { payload: [order({ FNumber: '101' }), order({ FOrgID: 100101 })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((o: Msg) => o.alreadyPresent)).eql([undefined]);
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.retryable, m.error.possiblyProcessed === true])).eql([[1, true, false]]);
            should(saved().filter((x) => x.FJKShopNumber === 'JK-9101')).have.length(1);
            const replay = await run('n1', { payload: r.outputs[1][0].payload }, 2);
            should(replay.outputs[0][0].payload).match({ Id: r.outputs[0][0].payload[0].Id, alreadyPresent: true });
            should(saved().filter((x) => x.FJKShopNumber === 'JK-9101')).have.length(1);
        });

        it('duplicate guard, a bill held back for a misplaced BatchSave option beside a pair whose second check fails: each record keeps its own outcome (the held-back bill was reported saved with the next bill\'s number, and the saved bill retryable)', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: unknown, no = 'JK-9101') => model(undefined, { FStockOrgID: org, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: no }] });
            sim.inject({ type: 'http', status: 500, body: 'Internal Server Error' }, 4, (q) => isQuery(q) && /FStockOrgID = 100101/.test(q.body));
            const r = await run('n1', { payload: [{ ...order({ FNumber: '100' }, 'JK-9199'), IsAutoSubmitAndAudit: true }, order({ FNumber: '101' }), order({ FOrgID: 100101 })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((o: Msg) => o.model.FEntity[0].FJKShopNumber)).eql(['JK-9101']);
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.field ?? null, m.error.retryable])).eql([
                [0, 'IsAutoSubmitAndAudit', false],
                [2, null, true],
            ]);
            should(saved().map((x) => x.FJKShopNumber)).eql(['JK-9101']);
        });

        it('duplicate guard, one lookup for several organisations: a bill it answers of an organisation none of those asked (SQL Server folds full-width digits too) → not taken for any bill\'s nor saved blind: the msg goes to Catch saying so', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FJKShopNumber', type: 'str' } }));
            const order = (org: string) => model(undefined, { FStockOrgID: { FNumber: org }, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, FJKShopNumber: 'JK-W-3' }] });
            sim.inject({ type: 'http', status: 200, body: JSON.stringify([['JK-W-3', 200778, 'XSCKD000778', '１０１']]) }, 1, isQuery);
            const r = await run('n1', { payload: [order('100'), order('101')] }, 2);
            should(firstPages().map((q) => q.FieldKeys)).eql(['FJKShopNumber,FID,FBillNo,FStockOrgID.FNumber']);
            should(r.outputs[0]).have.length(0);
            should(r.caught!._error).match({ code: 'BAD_RESPONSE', field: 'duplicateField', message: /FID 200778.*FStockOrgID\.FNumber "１０１".*none of those asked/ });
            should(sim.requests.filter(isSave)).have.length(0);
        });

        it('duplicate guard: an organisation field that is no field key (FStockOrgID.FNumber), or a scope that is none of the two → the msg goes to Catch naming the setting, nothing looked up or saved', async () => {
            await start();
            await loadSave(node({ duplicateGuard: { value: 'true', type: 'bool' } }));
            for (const [params, field] of [[{ duplicateOrgField: 'FStockOrgID.FNumber' }, 'duplicateOrgField'], [{ duplicateScope: 'all' }, 'duplicateScope']] as const) {
                const r = await run('n1', { params, payload: inOrg('100', { FBillNo: 'XS-BAD-1' }) }, 2);
                should(r.outputs[0]).have.length(0);
                should(r.caught!._error).match({ kind: 'validation', field });
            }
            should(sim.requests.filter((q) => isQuery(q) || isSave(q))).have.length(0);
        });

        // A form whose lines are not FEntity: 销售订单 SAL_SaleOrder, lines FSaleOrderEntry (keys spelt as K/3 Cloud does).
        const order = (lines: Msg[], extra: Msg = {}) => ({ FDate: '2024-01-08', FSaleOrgId: { FNumber: '100' }, FCustId: { FNumber: 'CUST001' }, FSaleOrderEntry: lines, ...extra });
        const orderNode = (extra: Msg = {}) => node({ FormId: { value: 'SAL_SaleOrder', type: 'str' }, ...extra });

        it('another form (SAL_SaleOrder, lines FSaleOrderEntry): material and org codes as plain text are wrapped as {"FNumber": …} as on SAL_OutStock, and the bill is saved', async () => {
            await start();
            await loadSave(orderNode());
            const r = await run('n1', { payload: order([{ FMaterialId: 'MAT001', FQty: 2 }, { FMaterialId: { FNumber: 'MAT002' }, FQty: 1 }], { FSaleOrgId: '100' }) }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => m.error.message)).eql([]);
            const [sent] = sentData(isSave);
            should(sent.Model[0].FSaleOrgId).eql({ FNumber: '100' });
            should(sent.Model[0].FSaleOrderEntry.map((e: Msg) => e.FMaterialId)).eql([{ FNumber: 'MAT001' }, { FNumber: 'MAT002' }]);
            should(sim.rows('SAL_SaleOrder').map((e) => e['FMaterialId.FNumber'])).eql(['MAT001', 'MAT002']);
        });

        it('another form (SAL_SaleOrder): a BatchSave option on a FSaleOrderEntry line → output 2 naming the field, not sent; the other bill saved', async () => {
            await start();
            await loadSave(orderNode());
            const line = (extra: Msg = {}) => ({ FMaterialId: { FNumber: 'MAT001' }, FQty: 1, ...extra });
            const r = await run('n1', { payload: [order([line(), line({ IsAutoSubmitAndAudit: true })], { FNote: 'a' }), order([line()], { FNote: 'b' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([[0, 'validation', 'FSaleOrderEntry[1].IsAutoSubmitAndAudit']]);
            should(sentData(isSave).map((d) => d.Model.map((m: Msg) => m.FNote))).eql([['b']]);
            should(sim.rows('SAL_SaleOrder').map((b) => b.FNote)).eql(['b']);
        });

        it('another form (SAL_SaleOrder): duplicate guard on a source-id field of the FSaleOrderEntry lines → a replay is not saved again, and no "unchecked" warning', async () => {
            await start();
            await loadSave(orderNode({ duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'F_QKZI_SourceBillNo', type: 'str' } }));
            const bill = (no: string) => order([{ FMaterialId: { FNumber: 'MAT001' }, FQty: 1, F_QKZI_SourceBillNo: no }]);
            const first = await run('n1', { payload: [bill('SO-1001')] }, 2);
            should(first.outputs[0][0].payload[0].Number).match(/^XSDD/);
            const r = await run('n1', { payload: [bill('SO-1002'), bill('SO-1001')] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload[1]).match({ Id: first.outputs[0][0].payload[0].Id, alreadyPresent: true });
            should(sim.rows('SAL_SaleOrder').filter((b) => b.F_QKZI_SourceBillNo === 'SO-1001')).have.length(1, 'the replayed order was saved twice');
            const warnings = helper.getNode('n1').warn.args.map((a: unknown[]) => String(a[0])).filter((t: string) => /duplicate guard/.test(t));
            should(warnings).eql([]);
        });

        it('bad records (Model not an object, FEntity not a list) → output 2 naming the field, nothing sent', async () => {
            await start();
            await loadSave();
            const r = await run('n1', { payload: ['not a model', model(undefined, { FEntity: 'x' })] }, 2);
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1].map((m) => m.error.field)).eql(['payload[0]', 'payload[1].FEntity']);
            should(r.outputs[1].every((m) => m.error.kind === 'validation')).be.true();
            should(sim.requests).have.length(0);
        });

        it('seed 000\'s request options written into a bill (IsAutoSubmitAndAudit on a line, FormId on the header) → output 2 naming the field, not sent where Kingdee ignores them; the others saved', async () => {
            await start();
            await loadSave();
            const line = (extra: Msg) => ({ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FStockID: { FNumber: 'CK01' }, ...extra });
            const r = await run('n1', { payload: [model(undefined, { FNote: 'a', FEntity: [line({}), line({ IsAutoSubmitAndAudit: true, Operation: 'Audit' })] }), model(undefined, { FNote: 'b', FormId: 'SAL_OutStock' }), model(undefined, { FNote: 'c' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([
                [0, 'validation', 'FEntity[1].IsAutoSubmitAndAudit'],
                [1, 'validation', 'FormId'],
            ]);
            should(r.outputs[1][0].error.message).match(/BatchSave option.*node/);
            should(r.outputs[0][0].payload.map((o: Msg) => o.model.FNote)).eql(['c']);
            should(sentData(isSave).map((d) => d.Model.map((m: Msg) => m.FNote))).eql([['c']]);
            should(saved().map((b) => b.FNote)).eql(['c']);
        });

        it('bad input (payload a string, FormId blank) → Catch naming the field, nothing sent', async () => {
            await start();
            await loadSave();
            const a = await run('n1', { payload: 'SAL_OutStock' }, 2);
            should(a.caught!._error.message).containEql('payload');
            const b = await run('n1', { payload: model(), params: { FormId: '' } }, 2);
            should(b.caught!._error.message).containEql('FormId');
            should(sim.requests).have.length(0);
        });

        it('session lost on the save → one re-login, one replay, the bill saved exactly once', async () => {
            await start();
            await loadSave();
            await run('n1', { payload: model(undefined, { FNote: 'warm-up' }) }, 2);
            sim.inject({ type: 'vendor', name: 'session-expired' }, 1, isSave);
            const r = await run('n1', { payload: model(undefined, { FNote: 'once' }) }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.Number).be.a.String();
            should(sim.loginSuccesses).equal(2);
            should(saved().filter((b) => b.FNote === 'once')).have.length(1);
        });

        it('a save performed but its answer cut short → output 2 "may have been processed" (not Catch, whose replay would save it twice); not sent again', async () => {
            await start();
            await loadSave(node({ FormId: { value: 'SAL_OutStock', type: 'str' }, duplicateGuard: { value: 'false', type: 'bool' } }));
            sim.inject({ type: 'truncate-after-processing' }, 1, isSave);
            const r = await run('n1', { payload: [model(undefined, { FNote: 'cut-1' }), model(undefined, { FNote: 'cut-2' })] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.code, m.error.possiblyProcessed, m.error.retryable])).eql([
                [0, 'BAD_RESPONSE', true, false],
                [1, 'BAD_RESPONSE', true, false],
            ]);
            should(sim.requests.filter(isSave)).have.length(1);
            should(saved().filter((b) => /^cut-/.test(String(b.FNote)))).have.length(2);
        });

        for (const fault of [{ type: 'http', status: 502, body: 'Bad Gateway' } as const, { type: 'reset' } as const]) {
            it(`the login before a save fails (${fault.type === 'http' ? 'HTTP 502' : 'connection reset'}) → the login is retried and the bill saved once (no save was sent, so nothing "may have been processed")`, async () => {
                await start();
                await loadSave();
                sim.inject(fault, 1, isLogin);
                const r = await run('n1', { payload: model(undefined, { FNote: 'after-login' }) }, 2);
                should(r.caught).be.undefined();
                should(r.outputs[1]).have.length(0);
                should(r.outputs[0][0].payload.Number).be.a.String();
                should(sim.requests.filter(isLogin)).have.length(2);
                should(saved().filter((b) => b.FNote === 'after-login')).have.length(1);
            });
        }

        it('an error Kingdee lists naming no record while every bill sent is saved (the automatic audit failing under IsAutoSubmitAndAudit) → the bills on output 1, each carrying it in requestErrors, and one warning per msg naming it', async () => {
            await start();
            await loadSave(node({ IsAutoSubmitAndAudit: { value: 'true', type: 'bool' }, chunkSize: { value: '2', type: 'num' } }));
            const audit = { FieldName: null, Message: '审核失败：库存不足' };
            const answer = (id: number) => ({ Result: { ResponseStatus: { IsSuccess: false, MsgCode: 11, Errors: [audit], SuccessEntitys: [{ Id: String(id), Number: `XSCKD${id}`, DIndex: 0 }, { Id: String(id + 1), Number: `XSCKD${id + 1}`, DIndex: 1 }] } } });
            sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer(100301)) }, 1, isSave);
            sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer(100303)) }, 1, isSave);
            const r = await run('n1', { payload: [model(), model(), model(), model()] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            const ok: Msg[] = r.outputs[0][0].payload;
            should(ok.map((o) => o.Number)).eql(['XSCKD100301', 'XSCKD100302', 'XSCKD100303', 'XSCKD100304']);
            for (const o of ok) should(o.requestErrors).eql([audit]);
            // Two chunks, one text: named once for the msg.
            const warnings = helper.getNode('n1').warn.args.map((a: unknown[]) => String(a[0])).filter((t: string) => /审核失败/.test(t));
            should(warnings).have.length(1);
            should(warnings[0]).match(/^kingdee-batch-save: .*requestErrors.*审核失败：库存不足/);
        });

        it('MsgCode 14 on a save → backoff then the save (the server did nothing the first time)', async () => {
            await start();
            await loadSave();
            sim.inject({ type: 'vendor', name: 'rate-limit' }, 1, isSave);
            const r = await run('n1', { payload: [model(), model()] }, 2);
            should(r.outputs[0][0].payload).have.length(2);
            should(sim.requests.filter(isSave)).have.length(2);
            should(saved().length).equal(2);
        });
    });

    // ---------------------------------------------------------------------------------------------------------
    describe('kingdee-push', () => {
        const RULE = '994f9913-a23f-46fb-b5d9-f1f271b4ef6c';
        const node = (params: Msg = {}) => ({ id: 'n1', type: 'kingdee-push', z: 'f1', config: 'c1', params: { FormId: { value: 'CN_PAYAPPLY', type: 'str' }, RuleId: { value: RULE, type: 'str' }, TargetFormId: { value: 'AP_PAYBILL', type: 'str' }, ...params } });
        const loadPush = (n: Msg = node()) => load([kingdeeConfig, kingdeePush], withProbes([config(), n], 'n1', 2), { c1: creds });

        it('seed 004: created target bills with their source on output 1, an unknown source with the conversion message on output 2', async () => {
            await start();
            await loadPush();
            const r = await run('n1', { payload: [{ Number: 'FKSQ000101' }, { Number: 'FKSQ999999' }, { Number: 'FKSQ000102' }] }, 2);
            should(r.caught).be.undefined();
            const created: Msg[] = r.outputs[0][0].payload;
            should(created.map((c) => c.source.Number)).eql(['FKSQ000101', 'FKSQ000102']);
            const bills = sim.rows('AP_PAYBILL');
            should(bills).have.length(2);
            for (const c of created) should(bills.find((b) => b.FBillNo === c.Number)).match({ FID: Number(c.Id), FSRCBILLNO: c.source.Number });
            should(r.outputs[1]).have.length(1);
            should(r.outputs[1][0].payload).eql({ Number: 'FKSQ999999' });
            should(r.outputs[1][0].error.message).containEql('FKSQ999999');
            // One Push request for the chunk, Numbers in input order.
            const sent = sentData(isPush);
            should(sent).have.length(1);
            should(sent[0]).match({ Numbers: ['FKSQ000101', 'FKSQ999999', 'FKSQ000102'], RuleId: RULE, TargetFormId: 'AP_PAYBILL' });
        });

        it('a source already pushed, with no TargetFormId to look its target up in (a RuleId alone), fails on output 2 the second time; nothing is created twice, nothing looked up', async () => {
            await start();
            await loadPush(node({ TargetFormId: { value: '', type: 'str' } }));
            await run('n1', { payload: { Number: 'FKSQ000103' } }, 2);
            const r = await run('n1', { payload: { Number: 'FKSQ000103' } }, 2);
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1][0].error.kind).equal('business');
            should(r.outputs[1][0].error.message).match(/已经全部下推/);
            should(sim.rows('AP_PAYBILL').filter((b) => b.FSRCBILLNO === 'FKSQ000103')).have.length(1);
            should(sentData(isQuery)).have.length(0);
        });

        it('seed 004 after a lost answer: the Push is processed but its answer lost, the msg replayed → output 1 with the same target Id/Number (alreadyPushed), found by one query on AP_PAYBILL.FSRCBILLNO; Kingdee holds one target bill each', async () => {
            await start();
            await loadPush();
            sim.inject({ type: 'reset-after-processing' }, 1, isPush);
            const msg = { payload: [{ Number: 'FKSQ000101' }, { Number: 'FKSQ000102' }] };
            const lost = await run('n1', msg, 2);
            should(lost.outputs[1].map((m) => m.error.possiblyProcessed === true)).eql([true, true]);
            const bills = sim.rows('AP_PAYBILL').map((b) => ({ ...b }));
            should(bills.map((b) => b.FSRCBILLNO)).eql(['FKSQ000101', 'FKSQ000102']);
            const r = await run('n1', msg, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1]).have.length(0);
            should(r.outputs[0][0].payload).eql(
                bills.map((b) => ({ Id: String(b.FID), Number: b.FBillNo, FormId: 'AP_PAYBILL', source: { FormId: 'CN_PAYAPPLY', Number: b.FSRCBILLNO }, alreadyPushed: true })),
            );
            should(sim.rows('AP_PAYBILL')).have.length(2);
            // One lookup: its page, then the next StartRow (from the last row read), found empty: a page cut short by
            // a server page limit set below 1000 is not taken for the last (two targets missed would be pushed again).
            const queries = sentData(isQuery);
            should(queries.map((q) => [q.StartRow, q.Limit])).eql([[0, 2000], [1, 2]]);
            should(queries[0]).match({ FormId: 'AP_PAYBILL', FilterString: "FSRCBILLNO in ('FKSQ000101','FKSQ000102')" });
            should(queries[1].FilterString).equal(queries[0].FilterString);
        });

        it('an already pushed source beside new ones: the new ones pushed as usual, the pushed one with its target (alreadyPushed), one with no target findable → output 2 naming Kingdee\'s reason and the lookup; one query for the chunk', async () => {
            await start();
            await loadPush();
            await run('n1', { payload: { Number: 'FKSQ000103' } }, 2);
            const first = sim.rows('AP_PAYBILL')[0];
            // Pushed by hand in Kingdee, its target bill since deleted: Kingdee refuses it, and nothing can be found.
            sim.rows('CN_PAYAPPLY').find((b) => b.FBillNo === 'FKSQ000105')!.FPushed = true;
            const r = await run('n1', { payload: [{ Number: 'FKSQ000103' }, { Number: 'FKSQ000104' }, { Number: 'FKSQ000105' }] }, 2);
            should(r.caught).be.undefined();
            const out: Msg[] = r.outputs[0][0].payload;
            should(out.map((c) => [c.source.Number, c.alreadyPushed === true])).eql([['FKSQ000103', true], ['FKSQ000104', false]]);
            should(out[0]).match({ Id: String(first.FID), Number: first.FBillNo, FormId: 'AP_PAYBILL' });
            should(out[1].Number).equal(sim.rows('AP_PAYBILL').find((b) => b.FSRCBILLNO === 'FKSQ000104')!.FBillNo);
            should(r.outputs[1].map((m) => [m.recordIndex, m.payload.Number])).eql([[2, 'FKSQ000105']]);
            const msg = r.outputs[1][0].error.message;
            should(msg).match(/已经全部下推/).and.match(/AP_PAYBILL/).and.match(/FSRCBILLNO/).and.match(/FKSQ000105/).and.match(/none|no /);
            should(r.outputs[1][0].error.kind).equal('business');
            const queries = firstPages();
            should(queries.map((q) => q.FilterString)).eql(["FSRCBILLNO in ('FKSQ000103','FKSQ000105')"]);
            should(sim.rows('AP_PAYBILL')).have.length(2);
        });

        it('the target of an already pushed source is looked for in the organisation pushed to (TargetOrgId, on AP_PAYBILL\'s FPAYORGID): org 101\'s source numbered as org 100\'s pushed one is not reported alreadyPushed with org 100\'s target; once org 101\'s target exists it gets that one, and org 100\'s replay its own', async () => {
            await start();
            // Payment requests numbered per organisation: org 101 (FOrgID 100101) holds an FKSQ000101 too.
            sim.rows('CN_PAYAPPLY').push({ FID: 790101, FBillNo: 'FKSQ000101', FDate: '2024-02-01T00:00:00', FPAYORGID: 100101, 'FPAYORGID.FNumber': '101', FAPPLYAMOUNTFOR_H: 5, FDocumentStatus: 'C', FPushed: false });
            await loadPush();
            const a = (await run('n1', { payload: { Number: 'FKSQ000101', TargetOrgId: 1 } }, 2)).outputs[0][0].payload;
            should(sim.rows('AP_PAYBILL').map((b) => [b.FBillNo, b.FPAYORGID])).eql([[a.Number, 1]]);
            sim.clearRequests();
            // Kingdee refuses it as already pushed: nothing of org 101's is found, so it stays a failure to check.
            const first = await run('n1', { payload: { Number: 'FKSQ000101', TargetOrgId: 100101 } }, 2);
            should(first.outputs[0].map((m) => m.payload)).eql([], 'org 101\'s source was reported alreadyPushed with org 100\'s target');
            should(first.outputs[1].map((m) => m.error.message)).match([/已经全部下推.*FPAYORGID = 100101/]);
            should(sentData(isQuery).map((q) => q.FilterString)).eql(["FSRCBILLNO in ('FKSQ000101') and FPAYORGID = 100101"]);
            // Org 101's source pushed meanwhile (its answer lost): each replay gets its own organisation's target.
            sim.rows('CN_PAYAPPLY').find((b) => b.FID === 790101)!.FPushed = true;
            sim.rows('AP_PAYBILL').push({ ...sim.rows('AP_PAYBILL')[0], FID: 790701, FBillNo: 'FKD90000701', FSRCBILLID: 790101, FPAYORGID: 100101, 'FPAYORGID.FNumber': '101' });
            const r = await run('n1', { payload: [{ Number: 'FKSQ000101', TargetOrgId: 100101 }, { Number: 'FKSQ000101', TargetOrgId: 1 }] }, 2);
            should(r.outputs[1].map((m) => m.error.message)).eql([]);
            should(r.outputs[0][0].payload).eql([
                { Id: '790701', Number: 'FKD90000701', FormId: 'AP_PAYBILL', source: { FormId: 'CN_PAYAPPLY', Number: 'FKSQ000101' }, alreadyPushed: true },
                { Id: a.Id, Number: a.Number, FormId: 'AP_PAYBILL', source: { FormId: 'CN_PAYAPPLY', Number: 'FKSQ000101' }, alreadyPushed: true },
            ]);
            should(sim.rows('AP_PAYBILL')).have.length(2);
        });

        it('the lookup of an already pushed source\'s target: a number holding a quote is quoted in the FilterString (doubled), and its target found; the field is the node\'s setting', async () => {
            await start();
            sim.rows('CN_PAYAPPLY').push({ FID: 790001, FBillNo: "FK'Q1", FDate: '2024-02-01T00:00:00', FAPPLYAMOUNTFOR_H: 1, FDocumentStatus: 'C', FPushed: true });
            sim.rows('AP_PAYBILL').push({ FID: 790501, FBillNo: 'FKD90000001', F_SRCNO: "FK'Q1", FSRCBILLNO: "FK'Q1", FDocumentStatus: 'C' });
            await loadPush(node({ targetSourceField: { value: 'F_SRCNO', type: 'str' } }));
            const r = await run('n1', { payload: { Number: "FK'Q1" } }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).eql({ Id: '790501', Number: 'FKD90000001', FormId: 'AP_PAYBILL', source: { FormId: 'CN_PAYAPPLY', Number: "FK'Q1" }, alreadyPushed: true });
            should(firstPages().map((q) => q.FilterString)).eql(["F_SRCNO in ('FK''Q1')"]);
        });

        it('an already pushed source made into two target bills, one of two entry lines (the lookup field is on the entries: one row per line) → Id/Number of the first and targets listing each bill once, as a fresh push gives them', async () => {
            await start();
            const src = sim.rows('CN_PAYAPPLY').find((b) => b.FBillNo === 'FKSQ000110')!;
            src.FPushed = true;
            sim.rows('AP_PAYBILL').push({ FID: 790601, FBillNo: 'FKD90000601', FSRCBILLNO: 'FKSQ000110', FDocumentStatus: 'C' }, { FID: 790601, FBillNo: 'FKD90000601', FSRCBILLNO: 'FKSQ000110', FDocumentStatus: 'C' }, { FID: 790602, FBillNo: 'FKD90000602', FSRCBILLNO: 'FKSQ000110', FDocumentStatus: 'C' });
            await loadPush();
            const r = await run('n1', { payload: [{ Number: 'FKSQ000110' }] }, 2);
            should(r.outputs[0][0].payload).eql([{ Id: '790601', Number: 'FKD90000601', FormId: 'AP_PAYBILL', source: { FormId: 'CN_PAYAPPLY', Number: 'FKSQ000110' }, targets: [{ Id: '790601', Number: 'FKD90000601' }, { Id: '790602', Number: 'FKD90000602' }], alreadyPushed: true }]);
        });

        it('IsDraftWhenSaveFail: an already pushed source whose only target is a draft (暂存, FDocumentStatus Z, no number) → output 2 naming the draft, not output 1 as a made bill (alreadyPushed, blank Number); once the draft is saved in Kingdee, the replay gets it', async () => {
            await start();
            await loadPush(node({ IsDraftWhenSaveFail: { value: 'true', type: 'bool' } }));
            // Pushed before (its answer lost): the target's save failed and Kingdee kept it as a draft, without a number.
            sim.rows('CN_PAYAPPLY').find((b) => b.FBillNo === 'FKSQ000107')!.FPushed = true;
            sim.rows('AP_PAYBILL').push({ FID: 790801, FBillNo: '', FSRCBILLNO: 'FKSQ000107', FPAYORGID: 1, 'FPAYORGID.FNumber': '100', FDocumentStatus: 'Z' });
            const r = await run('n1', { payload: { Number: 'FKSQ000107' } }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0].map((m) => m.payload)).eql([], 'a draft target was reported as the source\'s made bill');
            should(r.outputs[1]).have.length(1);
            should(r.outputs[1][0].payload).eql({ Number: 'FKSQ000107' });
            should(r.outputs[1][0].error.message).match(/已经全部下推/).and.match(/draft/).and.match(/790801/);
            should(r.outputs[1][0].error.retryable).be.false();
            // Completed and saved by hand in Kingdee: the replay picks it up as the source's target.
            Object.assign(sim.rows('AP_PAYBILL').find((b) => b.FID === 790801)!, { FBillNo: 'FKD90000801', FDocumentStatus: 'A' });
            const again = await run('n1', { payload: { Number: 'FKSQ000107' } }, 2);
            should(again.outputs[0][0].payload).eql({ Id: '790801', Number: 'FKD90000801', FormId: 'AP_PAYBILL', source: { FormId: 'CN_PAYAPPLY', Number: 'FKSQ000107' }, alreadyPushed: true });
            should(sim.rows('AP_PAYBILL').filter((b) => b.FSRCBILLNO === 'FKSQ000107')).have.length(1);
        });

        it('the lookup fails (HTTP 500 every time) → the already pushed source stays on output 2 with Kingdee\'s reason and why the lookup failed; not Catch', async () => {
            await start();
            await loadPush();
            await run('n1', { payload: { Number: 'FKSQ000106' } }, 2);
            sim.inject({ type: 'http', status: 500, body: 'down' }, 100, isQuery);
            const r = await run('n1', { payload: [{ Number: 'FKSQ000106' }, { Number: 'FKSQ000107' }] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((c: Msg) => c.source.Number)).eql(['FKSQ000107']);
            should(r.outputs[1].map((m) => m.payload.Number)).eql(['FKSQ000106']);
            should(r.outputs[1][0].error.message).match(/已经全部下推/).and.match(/HTTP 500|500/);
        });

        it('the lookup answers a row without its FID (cut short) → the already pushed source stays on output 2 saying the lookup failed, not on output 1 with a blank target', async () => {
            await start();
            await loadPush();
            sim.rows('CN_PAYAPPLY').find((b) => b.FBillNo === 'FKSQ000108')!.FPushed = true;
            sim.inject({ type: 'http', status: 200, body: JSON.stringify([['FKSQ000108']]) }, 1, isQuery);
            const r = await run('n1', { payload: [{ Number: 'FKSQ000108' }] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1].map((m) => m.payload.Number)).eql(['FKSQ000108']);
            should(r.outputs[1][0].error.message).match(/已经全部下推/).and.match(/looking up its target bill in AP_PAYBILL failed: .*a row without its FID/);
            // Not a passing fault: pushed again, the lookup would answer the same.
            should(r.outputs[1][0].error.retryable).be.false();
        });

        for (const [label, fault] of [['HTTP 500', { type: 'http', status: 500, body: 'down' }], ['MsgCode 14, the call limit', { type: 'vendor', name: 'rate-limit' }]] as const) {
            it(`the lookup fails for a passing reason every time (${label}) → the already pushed source on output 2 retryable: pushed again once the fault is gone, it comes out on output 1 with its target (alreadyPushed), nothing pushed twice`, async () => {
                await start();
                await loadPush();
                await run('n1', { payload: { Number: 'FKSQ000106' } }, 2);
                sim.inject(fault, 100, isQuery);
                const r = await run('n1', { payload: [{ Number: 'FKSQ000106' }] }, 2);
                should(r.caught).be.undefined();
                should(r.outputs[1]).have.length(1);
                const failed = r.outputs[1][0];
                should(failed.error.message).match(/已经全部下推/);
                should(failed.error).match({ retryable: true });
                should(failed.error).not.have.property('possiblyProcessed');
                sim.clearFaults();
                const again = await run('n1', failed, 2);
                should(again.outputs[1]).have.length(0);
                should(again.outputs[0][0].payload).match({ Number: sim.rows('AP_PAYBILL')[0].FBillNo, source: { Number: 'FKSQ000106' }, alreadyPushed: true });
                should(sim.rows('AP_PAYBILL')).have.length(1);
            });
        }

        it('closing the node (a deploy) while the lookup of an already pushed source\'s target is at Kingdee → the source on output 2 retryable (pushed again, it is refused and looked up again), not a refusal to check by hand', async () => {
            await start();
            await loadPush();
            await run('n1', { payload: { Number: 'FKSQ000106' } }, 2);
            sim.inject({ type: 'delay', ms: 1500 }, 1, isQuery);
            const failed: Msg[] = [];
            helper.getNode('n1-out2').on('input', (m: Msg) => failed.push(m));
            const n1 = helper.getNode('n1');
            const queries = sim.requests.filter(isQuery).length;
            n1.receive({ payload: [{ Number: 'FKSQ000106' }] });
            await waitFor('the lookup at Kingdee', () => sim.requests.filter(isQuery).length > queries);
            await n1.close();
            for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
            should(failed.map((m) => [m.payload.Number, m.error.retryable, m.error.possiblyProcessed === true])).eql([['FKSQ000106', true, false]]);
            should(failed[0].error.message).match(/已经全部下推.*push it again to look it up again/);
            should(sim.rows('AP_PAYBILL')).have.length(1);
        });

        it('a bad lookup field (not a field key) → Catch naming targetSourceField, nothing sent', async () => {
            await start();
            await loadPush(node({ targetSourceField: { value: "FSRCBILLNO') or (1=1", type: 'str' } }));
            const r = await run('n1', { payload: { Number: 'FKSQ000101' } }, 2);
            should(r.caught!._error).match({ kind: 'validation', field: 'targetSourceField' });
            should(sim.requests.filter(isPush)).have.length(0);
        });

        it('two target organisations in one msg, each alone in its chunk (chunkSize 1), one organisation\'s whole Push refused → its source on output 2, the other pushed; not the whole msg to Catch (as when both share a chunk)', async () => {
            await start();
            await loadPush(node({ chunkSize: { value: '1', type: 'num' } }));
            const refusal = { Result: { ResponseStatus: { IsSuccess: false, MsgCode: 4, ErrorCode: 500, Errors: [{ FieldName: 'TargetOrgId', Message: '目标组织不存在或未启用' }], SuccessEntitys: [] } } };
            sim.inject({ type: 'http', status: 200, body: JSON.stringify(refusal) }, 10, (q) => isPush(q) && /"TargetOrgId":9[,}]/.test(q.body));
            const r = await run('n1', { payload: [{ Number: 'FKSQ000108', TargetOrgId: 9 }, { Number: 'FKSQ000109', TargetOrgId: 100101 }] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([[0, 'business', 'TargetOrgId']]);
            should(r.outputs[1][0].error.message).match(/目标组织不存在/);
            should(r.outputs[0][0].payload.map((c: Msg) => c.source.Number)).eql(['FKSQ000109']);
            should(sim.rows('AP_PAYBILL').map((b) => b.FSRCBILLNO)).eql(['FKSQ000109']);
            // A msg of that organisation alone: nothing of it can be pushed, so Catch as before.
            const alone = await run('n1', { payload: [{ Number: 'FKSQ000110', TargetOrgId: 9 }] }, 2);
            should(alone.caught!._error).match({ kind: 'business' });
            should(alone.outputs[1]).have.length(0);
        });

        it('records naming different TargetOrgIds go in one request per organisation; ids and numbers both work', async () => {
            await start();
            await loadPush();
            const id = sim.rows('CN_PAYAPPLY').find((b) => b.FBillNo === 'FKSQ000105')!.FID;
            const r = await run('n1', { payload: [{ Number: 'FKSQ000104', TargetOrgId: 1 }, { Id: id, TargetOrgId: 100101 }] }, 2);
            should(r.outputs[0][0].payload.map((c: Msg) => c.source)).eql([{ FormId: 'CN_PAYAPPLY', Number: 'FKSQ000104' }, { FormId: 'CN_PAYAPPLY', Id: String(id) }]);
            const sent = sentData(isPush);
            should(sent.map((d) => d.TargetOrgId)).eql([1, 100101]);
            should(sent[1].Ids).equal(String(id));
        });

        it('every Push parameter reaches the server; entry ids push single entries; an unaudited source fails with Kingdee\'s message', async () => {
            await start();
            await loadPush(
                node({
                    RuleId: { value: '', type: 'str' },
                    IsEnableDefaultRule: { value: 'true', type: 'bool' },
                    TargetBillTypeId: { value: 'FKDLX01_SYS', type: 'str' },
                    TargetOrgId: { value: '100101', type: 'num' },
                    IsDraftWhenSaveFail: { value: 'true', type: 'bool' },
                    CustomParams: { value: '{"source":"maycur","batch":7}', type: 'json' },
                }),
            );
            const r = await run('n1', { payload: [{ EntryId: 710007 }, { Number: 'FKSQ000111' }, { Id: 700008 }] }, 2);
            should(r.caught).be.undefined();
            const sent = sentData(isPush);
            // One request per way of naming the source, in the records' order.
            should(sent.map((d) => [d.Numbers, d.Ids, d.EntryIds])).eql([[[], '', '710007'], [['FKSQ000111'], '', ''], [[], '700008', '']]);
            for (const d of sent) should(d).match({ RuleId: '', IsEnableDefaultRule: true, TargetFormId: 'AP_PAYBILL', TargetBillTypeId: 'FKDLX01_SYS', TargetOrgId: 100101, IsDraftWhenSaveFail: true, CustomParams: { source: 'maycur', batch: 7 } });
            should(r.outputs[0][0].payload.map((c: Msg) => c.source)).eql([{ FormId: 'CN_PAYAPPLY', EntryId: '710007' }, { FormId: 'CN_PAYAPPLY', Id: '700008' }]);
            const bills = sim.rows('AP_PAYBILL');
            should(bills.map((b) => [b.FSRCBILLNO, b.FRuleId, b.FBillTypeID, b.TargetOrgId])).eql([['FKSQ000107', 'default', 'FKDLX01_SYS', 100101], ['FKSQ000108', 'default', 'FKDLX01_SYS', 100101]]);
            should(bills[0].CustomParams).eql({ source: 'maycur', batch: 7 });
            should(r.outputs[1]).have.length(1);
            should(r.outputs[1][0].payload).eql({ Number: 'FKSQ000111' });
            should(r.outputs[1][0].error.message).match(/未审核/);
        });

        it('numbers pushed, then the ids request of the same chunk refused (HTTP 403) → the pushed source on output 1, the other on output 2; not Catch', async () => {
            await start();
            await loadPush();
            const id = sim.rows('CN_PAYAPPLY').find((b) => b.FBillNo === 'FKSQ000105')!.FID;
            sim.inject({ type: 'http', status: 403, body: 'Forbidden' }, 1, (q) => isPush(q) && /"Ids":"\d/.test(q.body));
            const r = await run('n1', { payload: [{ Number: 'FKSQ000104' }, { Id: id }] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((c: Msg) => c.source)).eql([{ FormId: 'CN_PAYAPPLY', Number: 'FKSQ000104' }]);
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.code])).eql([[1, 'HTTP_403']]);
            should(sim.rows('AP_PAYBILL').map((b) => b.FSRCBILLNO)).eql(['FKSQ000104']);
        });

        it('the first request of a chunk (one organisation) loses its answer → its source on output 2 "possibly processed"; the other organisation\'s source is not sent after it (NOT_SENT, safe to replay), as after any lost answer', async () => {
            await start();
            await loadPush();
            sim.inject({ type: 'truncate-after-processing' }, 1, (q) => isPush(q) && /"TargetOrgId":1[,}]/.test(q.body));
            const r = await run('n1', { payload: [{ Number: 'FKSQ000106', TargetOrgId: 1 }, { Number: 'FKSQ000107', TargetOrgId: 100101 }] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.code, m.error.possiblyProcessed === true, m.error.retryable])).eql([
                [0, 'BAD_RESPONSE', true, false],
                [1, 'NOT_SENT', false, true],
            ]);
            should(sim.rows('AP_PAYBILL').map((b) => b.FSRCBILLNO)).eql(['FKSQ000106']);
        });

        it('an Id or EntryId holding a comma (several sources in one record) → output 2 naming the field, not sent; the others pushed with their own results', async () => {
            await start();
            await loadPush();
            const [a, b, c] = sim.rows('CN_PAYAPPLY').filter((x) => x.FDocumentStatus === 'C').map((x) => String(x.FID));
            const r = await run('n1', { payload: [{ Id: `${a},${b}` }, { Id: c }, { EntryId: '710001,710002' }] }, 2);
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([
                [0, 'validation', 'payload[0].Id'],
                [2, 'validation', 'payload[2].EntryId'],
            ]);
            should(r.outputs[1][0].error.message).match(/Id: must be one id/);
            should(sentData(isPush).map((d) => d.Ids)).eql([c]);
            should(r.outputs[0][0].payload.map((x: Msg) => x.source.Id)).eql([c]);
            should(sim.rows('AP_PAYBILL').map((x) => String(x.FSRCBILLID))).eql([c]);
        });

        it('a source named by blanks (spaces only) → output 2 naming the field, not sent; every other source gets its own target bill, not the one after it', async () => {
            await start();
            await loadPush();
            const r = await run('n1', { payload: [{ Number: 'FKSQ000101' }, { Number: '  ' }, { Number: 'FKSQ000102' }, { Id: ' ' }, { Id: 700004 }, { EntryId: '\u3000' }] }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => [m.recordIndex, m.error.kind, m.error.field])).eql([
                [1, 'validation', 'payload[1].Number'],
                [3, 'validation', 'payload[3].Id'],
                [5, 'validation', 'payload[5].EntryId'],
            ]);
            should(r.outputs[1][0].error.message).match(/Number: must not be blank/);
            const created: Msg[] = r.outputs[0][0].payload;
            should(created.map((c) => c.source)).eql([{ FormId: 'CN_PAYAPPLY', Number: 'FKSQ000101' }, { FormId: 'CN_PAYAPPLY', Number: 'FKSQ000102' }, { FormId: 'CN_PAYAPPLY', Id: '700004' }]);
            const bills = sim.rows('AP_PAYBILL');
            for (const c of created) should(bills.find((b) => b.FBillNo === c.Number)).match(c.source.Number ? { FSRCBILLNO: c.source.Number } : { FSRCBILLID: Number(c.source.Id) });
            should(sentData(isPush).map((d) => [d.Numbers, d.Ids])).eql([[['FKSQ000101', 'FKSQ000102'], ''], [[], '700004']]);
        });

        it('a source Kingdee turns into two target bills (two SuccessEntitys at its DIndex) → both on output 1 with it, none hidden', async () => {
            await start();
            const answer = { Result: { ResponseStatus: { IsSuccess: true, MsgCode: 0, Errors: [], SuccessEntitys: [{ Id: '200011', Number: 'FKD00000011', DIndex: 0 }, { Id: '200012', Number: 'FKD00000012', DIndex: 0 }, { Id: '200013', Number: 'FKD00000013', DIndex: 1 }] } } };
            sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, isPush);
            await loadPush();
            const r = await run('n1', { payload: [{ Number: 'FKSQ000101' }, { Number: 'FKSQ000102' }] }, 2);
            should(r.outputs[1]).have.length(0);
            const created: Msg[] = r.outputs[0][0].payload;
            should(created[0]).match({ Id: '200011', Number: 'FKD00000011', source: { Number: 'FKSQ000101' } });
            should(created[0].targets).eql([{ Id: '200011', Number: 'FKD00000011' }, { Id: '200012', Number: 'FKD00000012' }]);
            should(created[1]).match({ Id: '200013', Number: 'FKD00000013', source: { Number: 'FKSQ000102' } });
            should(created[1]).not.have.property('targets');
        });

        it('an error Kingdee lists naming no record while every source is pushed (a target bill failing its automatic submit) → the sources on output 1, each carrying it in requestErrors, and a warning naming it', async () => {
            await start();
            const submit = { FieldName: null, Message: '提交失败：目标单余额不足' };
            const answer = { Result: { ResponseStatus: { IsSuccess: false, MsgCode: 11, Errors: [submit], SuccessEntitys: [{ Id: '200021', Number: 'FKD00000021', DIndex: 0 }, { Id: '200022', Number: 'FKD00000022', DIndex: 1 }] } } };
            sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, isPush);
            await loadPush();
            const r = await run('n1', { payload: [{ Number: 'FKSQ000101' }, { Number: 'FKSQ000102' }] }, 2);
            should(r.outputs[1]).have.length(0);
            const created: Msg[] = r.outputs[0][0].payload;
            should(created.map((c) => [c.Number, c.source.Number])).eql([['FKD00000021', 'FKSQ000101'], ['FKD00000022', 'FKSQ000102']]);
            for (const c of created) should(c.requestErrors).eql([submit]);
            const warnings = helper.getNode('n1').warn.args.map((a: unknown[]) => String(a[0])).filter((t: string) => /提交失败/.test(t));
            should(warnings).have.length(1);
            should(warnings[0]).match(/^kingdee-push: .*requestErrors.*提交失败：目标单余额不足/);
        });

        it('bad input (no RuleId without the default rule, the default rule without TargetFormId, a record with neither Number nor Id) → named, nothing sent', async () => {
            await start();
            await loadPush(node({ RuleId: { value: '', type: 'str' }, TargetFormId: { value: '', type: 'str' } }));
            const a = await run('n1', { payload: [{ Number: 'FKSQ000101' }] }, 2);
            should(a.caught!._error).match({ kind: 'validation', field: 'RuleId' });
            const c = await run('n1', { payload: [{ Number: 'FKSQ000101' }], params: { IsEnableDefaultRule: true } }, 2);
            should(c.caught!._error).match({ kind: 'validation', field: 'TargetFormId' });
            const b = await run('n1', { payload: [{ Numero: 'FKSQ000101' }], params: { RuleId: RULE } }, 2);
            should(b.outputs[1]).have.length(1);
            should(b.outputs[1][0].error.kind).equal('validation');
            should(str(b.outputs[1][0].error.message)).match(/Number|Id/);
            should(sim.requests).have.length(0);
        });

        it('the default rule on with a RuleId but no TargetFormId (protocols.md §1.7: the default rule needs it) → named, nothing sent', async () => {
            await start();
            await loadPush(node({ TargetFormId: { value: '', type: 'str' } }));
            const c = await run('n1', { payload: [{ Number: 'FKSQ000101' }], params: { IsEnableDefaultRule: true } }, 2);
            should(c.caught).be.ok();
            should(c.caught!._error).match({ kind: 'validation', field: 'TargetFormId' });
            should(c.outputs[0]).have.length(0);
            should(sim.requests).have.length(0);
        });
    });
});
