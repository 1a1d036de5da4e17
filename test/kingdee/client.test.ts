import should from 'should';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM } from '../sim/kingdee';
import { KingdeeClient, KingdeeSettings, convertNetDate, normaliseFieldKeys } from '../../nodes/kingdee/client';
import { ConnectorError, commonClientSettings } from '../../nodes/core';

const D = 'DynamicFormService.';

describe('KingdeeClient against the Kingdee simulator', function () {
    let sim: KingdeeSim;
    let client: KingdeeClient | undefined;

    beforeEach(async () => {
        sim = new KingdeeSim();
        await sim.start();
    });
    afterEach(async () => {
        client?.close();
        client = undefined;
        await sim.stop();
    });

    const make = (extra: Partial<KingdeeSettings> = {}, creds: Record<string, string> = {}) =>
        (client = new KingdeeClient(
            commonClientSettings('kingdee', { rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3 }, { rps: 5, concurrency: 2 }),
            { serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'sign', appId: KINGDEE_DEMO.appId, ...extra },
            { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret, ...creds },
        ));
    const calls = (op: string) => sim.requests.filter((r) => r.path.includes(D + op));
    const bodies = (op: string) => calls(op).map((r) => JSON.parse(r.body));
    const all = async (it: AsyncIterable<{ records: Record<string, unknown>[] }>) => {
        const out: Record<string, unknown>[] = [];
        for await (const p of it) out.push(...p.records);
        return out;
    };
    const goodModel = (mat = 'MAT001', billNo?: string) => ({
        FID: 0,
        ...(billNo ? { FBillNo: billNo } : {}),
        FBillTypeID: { FNUMBER: 'XSCKD01_SYS' },
        FDate: '2024-01-08',
        FSaleOrgID: { FNumber: '100' },
        FStockOrgID: { FNumber: '100' },
        FCustomerID: { FNumber: 'CUST001' },
        FEntity: [{ FMaterialID: { FNumber: mat }, FRealQty: 2, FStockID: { FNumber: 'CK01' } }],
    });

    for (const mode of ['password', 'appsecret', 'sign', 'apisign'] as const) {
        it(`auth mode ${mode}: test connection runs the SDK health check (PRE001 → CNY)`, async () => {
            const msg = await make({ authMode: mode }).testConnection({});
            should(msg).match(/CNY/);
            should(sim.loginSuccesses).equal(mode === 'apisign' ? 0 : 1);
            if (mode === 'apisign') should(sim.apiSignedCount).equal(1);
        });
    }

    it('sign mode with sha1 for an old server; sha256 is refused there', async () => {
        sim.signAlgorithm = 'sha1';
        await should(make().testConnection({})).be.rejectedWith({ kind: 'config' });
        client!.close();
        should(await make({ signAlgorithm: 'sha1' }).testConnection({})).match(/CNY/);
    });

    it('ten concurrent queries → one login, one shared session', async () => {
        const c = make();
        await Promise.all(Array.from({ length: 10 }, () => c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', Limit: 0 }, {})));
        should(sim.loginCount).equal(1);
        should(c.loginCount).equal(1);
        should(calls('ExecuteBillQuery')).have.length(10);
        should(new Set(calls('ExecuteBillQuery').map((r) => r.headers['kdservice-sessionid'])).size).equal(1);
    });

    it('session expiry mid-paging → exactly one re-login; no page lost or repeated', async () => {
        const c = make();
        const pages: string[][] = [];
        const it = c.queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: ['FBillNo', 'FEntity_FEntryID'], Limit: 3 }, {});
        for await (const p of it) {
            pages.push(p.records.map((r) => String(r.FEntity_FEntryID)));
            if (pages.length === 2) sim.inject({ type: 'vendor', name: 'session-expired' }, 1);
        }
        const ids = pages.flat();
        const expected = sim.rows(RETURN_REQUEST_FORM).map((r) => String(r.FEntity_FEntryID));
        should(ids).eql(expected);
        should(sim.loginCount).equal(2);
        // StartRow sequence: 0,3,6,6(replay),9,…
        const starts = bodies('ExecuteBillQuery').map((b) => b.data.StartRow);
        should(starts.slice(0, 4)).eql([0, 3, 6, 6]);
        should(bodies('ExecuteBillQuery')[0].data.OrderString).equal('FID,FEntity_FEntryID');
    });

    it('a second MsgCode 1 after the re-login is an auth failure (no loop)', async () => {
        const c = make();
        sim.inject({ type: 'vendor', name: 'session-expired' }, 5, (r) => r.path.includes('ExecuteBillQuery'));
        await should(c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'auth' });
        should(sim.loginCount).equal(2);
        should(calls('ExecuteBillQuery')).have.length(2);
    });

    it('flattened _FNumber keys are sent dotted, rows keyed as asked; /Date(ms)/ → ISO', async () => {
        sim.netDates = true;
        const rows = await all(make().queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FMaterialID_FNumber,FStockID_FNumber,FDate', FilterString: "FBillNo = 'TL2024010002'" }, {}));
        should(bodies('ExecuteBillQuery')[0].data.FieldKeys).equal('FBillNo,FMaterialID.FNumber,FStockID.FNumber,FDate');
        should(rows).eql([
            { FBillNo: 'TL2024010002', FMaterialID_FNumber: 'MAT002', FStockID_FNumber: 'WH01', FDate: '2024-01-02T00:00:00' },
            { FBillNo: 'TL2024010002', FMaterialID_FNumber: 'MAT003', FStockID_FNumber: 'WH01', FDate: '2024-01-02T00:00:00' },
        ]);
        should(convertNetDate('/Date(1704067200000)/')).equal('2024-01-01T00:00:00.000Z');
    });

    it('page size never exceeds the configured server maximum; TopRowCount caps the total', async () => {
        sim.maxLimit = 4;
        const rows = await all(make({ maxLimit: 4 }).queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FEntity_FEntryID', Limit: 50, TopRowCount: 10 }, {}));
        should(rows).have.length(10);
        should(bodies('ExecuteBillQuery').map((b) => b.data.Limit)).eql([4, 4, 2]);
    });

    it('MsgCode 14 → backoff, then success', async () => {
        const c = make();
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 2, (r) => r.path.includes('ExecuteBillQuery'));
        const backoffs: string[] = [];
        const rows = await c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', OrderString: 'FMATERIALID' }, { onBackoff: (_ms, e) => backoffs.push(e.code) });
        should(rows.map((r) => r[0])).eql(['MAT001', 'MAT002', 'MAT003', 'MAT004', 'MAT005']);
        should(backoffs).eql(['MSGCODE_14', 'MSGCODE_14']);
    });

    it('wrong app secret → config error in the user\'s words, one login attempt, not repeated by later calls', async () => {
        const c = make({ authMode: 'appsecret' }, { appSecret: 'wrong-secret-123' });
        const err = await c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {}).then(() => undefined, (e) => e);
        should(err).be.instanceOf(ConnectorError);
        should(err.kind).equal('config');
        should(err.message).match(/login as "demo" failed: 应用ID或应用密钥错误/);
        should(err.message).not.match(/wrong-secret-123/);
        await should(c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'config' });
        should(sim.loginCount).equal(1);
        should(calls('ExecuteBillQuery')).have.length(0);
    });

    it('locked account → config error explaining the lock', async () => {
        sim.locked = true;
        await should(make({ authMode: 'password' }).testConnection({})).be.rejectedWith(/locked/);
        should(sim.loginCount).equal(1);
    });

    it('partial BatchSave: outcomes split exactly by DIndex; the store holds only the saved ones', async () => {
        const out = await make().batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT999'), goodModel('MAT003')], { NeedReturnFields: ['FBillNo', 'FID'], IsDeleteEntry: true }, {});
        should(out.map((o) => o.ok)).eql([true, false, true]);
        const bad = out[1] as { ok: false; error: ConnectorError };
        should(bad.error.field).equal('FMaterialID');
        should(bad.error.message).match(/MAT999/);
        should(bad.error.kind).equal('business');
        const saved = out.filter((o) => o.ok).map((o: any) => o.result.Number);
        should(new Set(sim.rows('SAL_OutStock').map((r) => r.FBillNo))).eql(new Set(saved));
        should(sim.rows('SAL_OutStock').map((r) => r['FMaterialID.FNumber'])).eql(['MAT001', 'MAT003']);
        const sent = bodies('BatchSave')[0];
        should(sent.formid).equal('SAL_OutStock');
        should(sent.data.Model).have.length(3);
    });

    it('duplicate guard lookup: existingBills finds saved bill numbers only', async () => {
        const c = make();
        await c.batchSave('SAL_OutStock', [goodModel('MAT001', 'XS-1'), goodModel('MAT002', "XS-'2")], {}, {});
        const found = await c.existingBills('SAL_OutStock', 'FBillNo', ['XS-1', "XS-'2", 'XS-3'], {});
        should([...found.keys()].sort()).eql(["XS-'2", 'XS-1']);
        should(found.get('XS-1')!.Number).equal('XS-1');
    });

    it('push 3 sources with 1 unknown → 2 target bills with their source, 1 failure', async () => {
        const out = await make().push('CN_PAYAPPLY', [{ Number: 'FKSQ000101' }, { Number: 'FKSQ999999' }, { Id: 700003 }], { TargetFormId: 'AP_PAYBILL', IsEnableDefaultRule: true, IsDraftWhenSaveFail: true, RuleId: '', TargetOrgId: 0, CustomParams: {} }, {});
        should(out.map((o) => o.ok)).eql([true, false, true]);
        should((out[0] as any).result.source).eql({ FormId: 'CN_PAYAPPLY', Number: 'FKSQ000101' });
        should((out[2] as any).result.source).eql({ FormId: 'CN_PAYAPPLY', Id: '700003' });
        should((out[1] as any).error.message).match(/FKSQ999999/);
        should(sim.rows('AP_PAYBILL').map((r) => r.FSRCBILLNO)).eql(['FKSQ000101', 'FKSQ000103']);
        should(bodies('Push').map((b) => [b.data.Numbers, b.data.Ids])).eql([[['FKSQ000101', 'FKSQ999999'], ''], [[], '700003']]);
    });

    it('positional body form and response_error: classified, never retried', async () => {
        const c = make({ bodyForm: 'positional' });
        const rows = await c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber', OrderString: 'FStockId' }, {});
        should(rows).eql([['CK01'], ['WH01']]);
        should(Array.isArray(bodies('ExecuteBillQuery')[0].parameters)).be.true();
        sim.inject({ type: 'http', status: 200, body: 'response_error:{"Message":"对象引用未设置到对象的实例","InnerExWrapper":null}' }, 1);
        await should(c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'business', code: 'RESPONSE_ERROR' });
    });

    it('FieldKeys: comma string or list; anything else is a validation error naming FieldKeys', () => {
        should(normaliseFieldKeys('FID, FBillNo')).eql(['FID', 'FBillNo']);
        should(normaliseFieldKeys(['FID', 'FMaterialID.FNumber'])).eql(['FID', 'FMaterialID.FNumber']);
        should(() => normaliseFieldKeys(5)).throw(/FieldKeys/);
        should(() => normaliseFieldKeys([{}])).throw(/FieldKeys/);
    });
});
