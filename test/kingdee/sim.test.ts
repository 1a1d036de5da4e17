import should from 'should';
import axios from 'axios';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM, parseFilter } from '../sim/kingdee';
import { kingdeeLogin, kingdeeApiHeaders } from '../../nodes/kingdee/sign';

const A = 'Kingdee.BOS.WebApi.ServicesStub.AuthService.';
const D = 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.';

describe('KingdeeSim (protocols.md §1 reference behaviour)', () => {
    let sim: KingdeeSim;
    beforeEach(async () => {
        sim = new KingdeeSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const post = async (svc: string, body: unknown, headers: Record<string, string> = {}) =>
        (await axios.post(sim.serverUrl + svc + '.common.kdsvc', typeof body === 'string' ? body : JSON.stringify(body), { headers: { 'Content-Type': 'applicatin/json', ...headers }, transformResponse: [(d) => d], validateStatus: () => true })).data as string;

    it('FilterString subset: = <> > >= < <= like in and or parentheses', () => {
        const rows = [{ A: 1, B: 'x1' }, { A: 2, B: 'y2' }, { A: 3, B: 'x3' }];
        const run = (f: string) => rows.filter((r) => parseFilter(f)((k) => (r as any)[k])).map((r) => r.A);
        should(run("A = 2")).eql([2]);
        should(run("A <> 2")).eql([1, 3]);
        should(run("A > 1 and A <= 3")).eql([2, 3]);
        should(run("A >= 3 or A < 2")).eql([1, 3]);
        should(run("B like 'x%'")).eql([1, 3]);
        should(run("B in ('y2','x3')")).eql([2, 3]);
        should(run("(A = 1 or A = 3) and B like '%3'")).eql([3]);
        should(() => parseFilter("A = ")).throw();
    });

    it('FilterString on a date field compares times (as SQL Server does), not text: T or space form, a date alone is its midnight; NULL matches no comparison; a text that is no time fails the query', () => {
        const rows = [{ N: 1, D: '2024-01-05T09:00:00' }, { N: 2, D: '2024-01-05T10:00:00' }, { N: 3, D: '2024-01-05T11:30:00' }, { N: 4, D: null }];
        const run = (f: string) => rows.filter((r) => parseFilter(f)((k) => (r as any)[k])).map((r) => r.N);
        // As text, 'T' (0x54) sorts after ' ' (0x20): 09:00 would pass `>= 10:00` and fail `< 10:00`.
        should(run("D >= '2024-01-05 10:00:00'")).eql([2, 3]);
        should(run("D < '2024-01-05 10:00:00'")).eql([1]);
        should(run("D = '2024-01-05 10:00:00'")).eql([2]);
        should(run("D = '2024-01-05T10:00:00'")).eql([2]);
        should(run("D >= '2024-01-05' and D < '2024-01-06'")).eql([1, 2, 3]);
        should(run("D <= '2024-01-05'")).eql([]);
        should(run("D > '2024/1/5 9:30'")).eql([2, 3]);
        should(run("D <> '2024-01-05 10:00:00'")).eql([1, 3]);
        should(run("D not in ('2024-01-05 10:00:00')")).eql([1, 3]);
        should(run("D is null")).eql([4]);
        should(run("D is not null and D < '2024-01-05 10:00:00.000'")).eql([1]);
        // SQL Server: 从字符串转换日期和/或时间时，转换失败 (a real query fails, it does not match nothing).
        for (const bad of ["D >= 'yesterday'", "D < '2024-02-30 00:00:00'", "D >= '2024-01-05 10:00:00+08:00'"]) should(() => run(bad)).throw(/转换失败/);
    });

    it('FilterString text comparisons ignore case and trailing spaces (SQL Server default collation); a text column is not compared as a number', () => {
        const rows = [{ N: 1, S: 'ab' }, { N: 2, S: 'AB ' }, { N: 3, S: '0100' }, { N: 4, S: '100' }];
        const run = (f: string) => rows.filter((r) => parseFilter(f)((k) => (r as any)[k])).map((r) => r.N);
        should(run("S = 'ab'")).eql([1, 2]);
        should(run("S in ('Ab')")).eql([1, 2]);
        should(run("S = '100'")).eql([4]);
        should(run("S <> '100'")).eql([1, 2, 3]);
    });

    it('LoginBySign verifies the signature and the timestamp; sessions via header', async () => {
        const ts = Math.floor(Date.now() / 1000);
        const c = KINGDEE_DEMO;
        const bad = JSON.parse(await post(A + 'LoginBySign', { parameters: [c.acctId, c.username, c.appId, ts, 'deadbeef', 2052] }));
        should(bad.LoginResultType).equal(0);
        should(bad.MessageCode).equal('002005000003016');
        const old = ts - 1000;
        const expired = JSON.parse(await post(A + 'LoginBySign', { parameters: [c.acctId, c.username, c.appId, old, kingdeeLogin(c.acctId, c.username, c.appId, c.appSecret, old), 2052] }));
        should(expired.LoginResultType).equal(0);
        const ok = JSON.parse(await post(A + 'LoginBySign', { parameters: [c.acctId, c.username, c.appId, String(ts), kingdeeLogin(c.acctId, c.username, c.appId, c.appSecret, ts), 2052] }));
        should(ok.LoginResultType).equal(1);
        should(sim.loginCount).equal(3);
        const q = { data: { FormId: 'BD_Currency', FieldKeys: 'FCODE', FilterString: " FNUMBER='PRE001' ", TopRowCount: 0, StartRow: 0, Limit: 0 } };
        should(JSON.parse(await post(D + 'ExecuteBillQuery', q, { 'kdservice-sessionid': ok.KDSVCSessionId }))).eql([['CNY']]);
        const lost = JSON.parse(await post(D + 'ExecuteBillQuery', q));
        should(lost[0][0].Result.ResponseStatus.MsgCode).equal(1);
        sim.expireSessions();
        should(JSON.parse(await post(D + 'ExecuteBillQuery', q, { 'kdservice-sessionid': ok.KDSVCSessionId }))[0][0].Result.ResponseStatus.MsgCode).equal(1);
    });

    it('API-signature headers are verified exactly; positional body with data as JSON text', async () => {
        const c = KINGDEE_DEMO;
        const path = c.virtualDir + D + 'ExecuteBillQuery.common.kdsvc';
        const ts = Math.floor(Date.now() / 1000);
        const h = kingdeeApiHeaders({ path, appId: c.appId, appSecret: c.appSecret, acctId: c.acctId, username: c.username, lcid: 2052, timestamp: ts, nonce: ts });
        const body = { parameters: [JSON.stringify({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FStockID_FNumber', OrderString: 'FID,FEntity_FEntryID', Limit: 3 })] };
        should(JSON.parse(await post(D + 'ExecuteBillQuery', body, h as any))).eql([['TL2024010001', 'WH01'], ['TL2024010001', 'WH01'], ['TL2024010002', 'WH01']]);
        const tampered = { ...h, 'X-Kd-Signature': h['X-Kd-Signature'].toLowerCase() };
        should(JSON.parse(await post(D + 'ExecuteBillQuery', body, tampered as any))[0][0].Result.ResponseStatus.MsgCode).equal(1);
        should(sim.apiSignedCount).equal(1);
    });

    it('malformed JSON → response_error:', async () => {
        const text = await post(D + 'BatchSave', '{"formid":');
        should(text.startsWith('response_error:')).be.true();
    });
    const login = async () => {
        const ts = Math.floor(Date.now() / 1000);
        const c = KINGDEE_DEMO;
        const res = await axios.post(sim.serverUrl + A + 'LoginBySign.common.kdsvc', JSON.stringify({ parameters: [c.acctId, c.username, c.appId, String(ts), kingdeeLogin(c.acctId, c.username, c.appId, c.appSecret, ts), 2052] }), { transformResponse: [(d) => d] });
        const body = JSON.parse(res.data);
        return { sid: body.KDSVCSessionId as string, cookies: res.headers['set-cookie'] as string[] };
    };
    const query = (data: Record<string, unknown>, headers: Record<string, string>) => post(D + 'ExecuteBillQuery', { data }, headers).then((t) => JSON.parse(t));
    const msgCodeOf = (answer: any) => (Array.isArray(answer) ? answer[0]?.[0] : answer)?.Result?.ResponseStatus?.MsgCode;

    it('seeds the forms of the issue: SAL_OutStock, CN_PAYAPPLY, AP_PAYBILL, PUR_MRAPP, BD_MATERIAL, BD_Customer, BD_STOCK; an unknown form is refused', async () => {
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        const expect: Array<[string, string, number]> = [
            ['BD_MATERIAL', 'FMATERIALID,FNumber,FName', 5],
            ['BD_Customer', 'FCUSTID,FNumber,FName', 1],
            ['BD_STOCK', 'FStockId,FNumber,FName', 2],
            [RETURN_REQUEST_FORM, 'FID,FBillNo,FMaterialID.FNumber,FEntity_FEntryID', 20],
            ['CN_PAYAPPLY', 'FID,FBillNo,FDocumentStatus', 11],
            ['AP_PAYBILL', 'FID,FBillNo', 0],
            ['SAL_OutStock', 'FID,FBillNo', 0],
        ];
        for (const [form, keys, n] of expect) {
            const rows = await query({ FormId: form, FieldKeys: keys }, h);
            should(rows).be.an.Array();
            should(rows).have.length(n, form);
            if (n) should(rows[0]).have.length(keys.split(',').length);
        }
        const unknown = await query({ FormId: 'XX_NOPE', FieldKeys: 'FID' }, h);
        should(unknown[0][0].Result.ResponseStatus).match({ IsSuccess: false, MsgCode: 4, Errors: [{ Message: /XX_NOPE/ }] });
        const badKey = await query({ FormId: 'BD_MATERIAL', FieldKeys: 'FNope' }, h);
        should(badKey[0][0].Result.ResponseStatus).match({ MsgCode: 9, Errors: [{ FieldName: 'FNope' }] });
        // Unknown fields in the order or the filter fail the query too (the server builds SQL from them).
        const badOrder = await query({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', OrderString: 'FID' }, h);
        should(badOrder[0][0].Result.ResponseStatus).match({ MsgCode: 9, Errors: [{ FieldName: 'FID' }] });
        const badFilter = await query({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', FilterString: "FNumber = 'MAT001' or FBillNo = 'x'" }, h);
        should(badFilter[0][0].Result.ResponseStatus).match({ MsgCode: 9, Errors: [{ FieldName: 'FBillNo' }] });
    });

    it('OrderString (several keys, DESC), StartRow/Limit paging, Limit capped at the server maximum, Limit 0 = the maximum, TopRowCount', async () => {
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        const all = sim.rows(RETURN_REQUEST_FORM);
        const ordered = [...all].sort((a, b) => (a.FDocumentStatus === b.FDocumentStatus ? Number(b.FEntity_FEntryID) - Number(a.FEntity_FEntryID) : String(a.FDocumentStatus) < String(b.FDocumentStatus) ? -1 : 1)).map((r) => r.FEntity_FEntryID);
        const page = (StartRow: number, Limit: number, extra: Record<string, unknown> = {}) => query({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FEntity_FEntryID', OrderString: 'FDocumentStatus, FEntity_FEntryID DESC', StartRow, Limit, ...extra }, h).then((rows: unknown[][]) => rows.map((r) => r[0]));
        should([...(await page(0, 7)), ...(await page(7, 7)), ...(await page(14, 7))]).eql(ordered);
        should(await page(14, 7)).have.length(6);
        sim.maxLimit = 4;
        should(await page(0, 100)).eql(ordered.slice(0, 4));
        should(await page(0, 0)).eql(ordered.slice(0, 4));
        sim.maxLimit = 2000;
        should(await page(0, 0, { TopRowCount: 3 })).eql(ordered.slice(0, 3));
        should(await page(2, 10, { TopRowCount: 3 })).eql(ordered.slice(2, 3));
    });

    it('rows of a bill form: header-only FieldKeys → one row per bill, an entry field → one per entry; a filter on an entry field selects bills once; paging counts rows of the kind asked', async () => {
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        const form = RETURN_REQUEST_FORM;
        const all = sim.rows(form);
        const bills = [...new Map(all.map((r) => [r.FID, r])).values()];
        should(bills).have.length(10);
        should(all).have.length(20);
        // Header fields only (the flattened spelling too): one row per bill, with the bill's header values.
        const heads = await query({ FormId: form, FieldKeys: 'FID,FBillNo,FDocumentStatus,FStockOrgId_FNumber', OrderString: 'FID' }, h);
        should(heads).eql(bills.map((r) => [r.FID, r.FBillNo, r.FDocumentStatus, r['FStockOrgId.FNumber']]));
        // One entry field among them (its flattened spelling, or the entry id): one row per entry.
        should(await query({ FormId: form, FieldKeys: 'FBillNo,FQty', OrderString: 'FID,FEntity_FEntryID' }, h)).eql(all.map((r) => [r.FBillNo, r.FQty]));
        should(await query({ FormId: form, FieldKeys: 'FBillNo,FStockID_FNumber', OrderString: 'FID,FEntity_FEntryID' }, h)).have.length(20);
        should(await query({ FormId: form, FieldKeys: 'FID,FEntity_FEntryID', OrderString: 'FID,FEntity_FEntryID' }, h)).have.length(20);
        // A filter on an entry field: with entry keys the matching entries; with header keys each bill having one, once
        // (FQty > 12 matches one entry of TL2024010003 and both of TL2024010004…10).
        const matching = all.filter((r) => Number(r.FQty) > 12);
        should(matching).have.length(15);
        should(await query({ FormId: form, FieldKeys: 'FBillNo,FEntity_FEntryID', FilterString: 'FQty > 12', OrderString: 'FID,FEntity_FEntryID' }, h)).eql(matching.map((r) => [r.FBillNo, r.FEntity_FEntryID]));
        const matchingBills = [...new Set(matching.map((r) => r.FBillNo))];
        should(matchingBills).have.length(8);
        should(await query({ FormId: form, FieldKeys: 'FBillNo', FilterString: 'FQty > 12', OrderString: 'FID' }, h)).eql(matchingBills.map((b) => [b]));
        // Paging counts bills when only header fields are asked: 3 + 3 + 3 + 1, TopRowCount caps bills.
        const page = (StartRow: number, Limit: number, extra: Record<string, unknown> = {}) => query({ FormId: form, FieldKeys: 'FBillNo', OrderString: 'FID', StartRow, Limit, ...extra }, h).then((rows: unknown[][]) => rows.map((r) => r[0]));
        const pages = [await page(0, 3), await page(3, 3), await page(6, 3), await page(9, 3)];
        should(pages.map((p) => p.length)).eql([3, 3, 3, 1]);
        should(pages.flat()).eql(bills.map((r) => r.FBillNo));
        should(await page(0, 0, { TopRowCount: 4 })).eql(bills.slice(0, 4).map((r) => r.FBillNo));
        should(await page(2, 10, { TopRowCount: 4 })).eql(bills.slice(2, 4).map((r) => r.FBillNo));
        // Bills saved through BatchSave follow the same rule; basic data (no entries) is one row per record as before.
        const saved = JSON.parse(await post(D + 'BatchSave', { formid: 'SAL_OutStock', data: { Model: [{ FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: { FNumber: '100' }, FCustomerID: { FNumber: 'CUST001' }, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1, FJKShopNumber: 'T1' }, { FMaterialID: { FNumber: 'MAT002' }, FRealQty: 2, FJKShopNumber: 'T1' }] }] } }, h));
        should(saved.Result.ResponseStatus.IsSuccess).be.true();
        should(await query({ FormId: 'SAL_OutStock', FieldKeys: 'FID,FBillNo' }, h)).have.length(1);
        should(await query({ FormId: 'SAL_OutStock', FieldKeys: 'FBillNo,FJKShopNumber' }, h)).have.length(2);
        should(await query({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, h)).have.length(5);
    });

    it('the session travels by the kdservice-sessionid header or cookie, the ASP.NET_SessionId cookie or the SID header; it expires when idle', async () => {
        const { sid, cookies } = await login();
        const asp = cookies.find((c) => c.startsWith('ASP.NET_SessionId='))!.split(';')[0];
        const q = { FormId: 'BD_Currency', FieldKeys: 'FCODE', FilterString: "FNumber='PRE001'" };
        const carriers: Array<Record<string, string>> = [{ 'kdservice-sessionid': sid }, { Cookie: `Theme=standard;kdservice-sessionid=${sid}` }, { Cookie: asp }, { SID: sid }];
        for (const h of carriers) should(await query(q, h)).eql([['CNY']]);
        should(msgCodeOf(await query(q, { SID: 'not-a-session' }))).equal(1);
        const realNow = Date.now;
        try {
            const t = realNow();
            Date.now = () => t + sim.idleMs - 1000;
            should(await query(q, { SID: sid })).eql([['CNY']]); // used again: the idle clock restarts
            Date.now = () => t + 2 * sim.idleMs + 1000;
            should(msgCodeOf(await query(q, { SID: sid }))).equal(1);
        } finally {
            Date.now = realNow;
        }
    });

    it('API-signature headers: an expired timestamp, a tampered X-Api-Signature or a signature for another path are refused', async () => {
        const c = KINGDEE_DEMO;
        const path = c.virtualDir + D + 'ExecuteBillQuery.common.kdsvc';
        const q = { FormId: 'BD_Currency', FieldKeys: 'FCODE', FilterString: "FNumber='PRE001'" };
        const headers = (ts: number, p = path) => kingdeeApiHeaders({ path: p, appId: c.appId, appSecret: c.appSecret, acctId: c.acctId, username: c.username, lcid: 2052, timestamp: ts, nonce: ts }) as any;
        const now = Math.floor(Date.now() / 1000);
        should(await query(q, headers(now))).eql([['CNY']]);
        should(await query(q, headers(now - 200))).eql([['CNY']]); // within ±300 s
        should(msgCodeOf(await query(q, headers(now - 400)))).equal(1);
        should(msgCodeOf(await query(q, { ...headers(now), 'X-Api-Signature': headers(now + 1)['X-Api-Signature'] }))).equal(1);
        should(msgCodeOf(await query(q, headers(now, c.virtualDir + D + 'BatchSave.common.kdsvc')))).equal(1);
        // Another user in X-Kd-Appdata (signature made for it with the right secret) is not this app's user.
        should(msgCodeOf(await query(q, kingdeeApiHeaders({ path, appId: c.appId, appSecret: c.appSecret, acctId: c.acctId, username: 'someone', timestamp: now, nonce: now }) as any))).equal(1);
        should(sim.apiSignedCount).equal(2);
    });

    it('password and app-secret logins, named (case-insensitive) and positional; wrong ones refused with the vendor\'s message', async () => {
        const c = KINGDEE_DEMO;
        const ok = (t: string) => JSON.parse(t).LoginResultType;
        should(ok(await post(A + 'ValidateUser', { AcctID: c.acctId, UserName: c.username, Password: c.password, Lcid: 2052 }))).equal(1);
        should(ok(await post(A + 'ValidateUser', { parameters: [c.acctId, c.username, c.password, 2052] }))).equal(1);
        should(JSON.parse(await post(A + 'ValidateUser', { parameters: [c.acctId, c.username, 'nope', 2052] }))).match({ LoginResultType: 0, Message: '用户名或密码错误' });
        should(ok(await post(A + 'LoginByAppSecret', { acctId: c.acctId, username: c.username, appId: c.appId, appSecret: c.appSecret, lcid: 2052 }))).equal(1);
        should(JSON.parse(await post(A + 'LoginByAppSecret', { parameters: [c.acctId, c.username, c.appId, 'nope', 2052] }))).match({ LoginResultType: 0, MessageCode: '002005000003016' });
        should(JSON.parse(await post(A + 'ValidateUser', { parameters: ['other-dc', c.username, c.password, 2052] }))).match({ LoginResultType: 0, Message: /数据中心/ });
        sim.signAlgorithm = 'sha1';
        const ts = Math.floor(Date.now() / 1000);
        should(ok(await post(A + 'LoginBySign', { parameters: [c.acctId, c.username, c.appId, ts, kingdeeLogin(c.acctId, c.username, c.appId, c.appSecret, ts, 'sha1'), 2052] }))).equal(1);
        should(ok(await post(A + 'LoginBySign', { parameters: [c.acctId, c.username, c.appId, ts, kingdeeLogin(c.acctId, c.username, c.appId, c.appSecret, ts), 2052] }))).equal(0);
        should(sim.loginSuccesses).equal(4);
    });

    it('BatchSave: required fields and basic-data references checked per record (FieldName, DIndex), the others saved; both body forms', async () => {
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        const model = (extra: Record<string, unknown> = {}, mat = 'MAT001') => ({ FBillTypeID: { FNUMBER: 'XSCKD01_SYS' }, FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: { FNumber: '100' }, FCustomerID: { FNumber: 'CUST001' }, FEntity: [{ FMaterialID: { FNumber: mat }, FRealQty: 2, FStockID: { FNumber: 'CK01' } }], ...extra });
        const data = { NeedReturnFields: ['FBillNo', 'FID'], Model: [model(), model({ FCustomerID: undefined }), model({}, 'MAT999'), model({ FStockOrgID: { FNumber: '999' } })] };
        const named = JSON.parse(await post(D + 'BatchSave', { formid: 'SAL_OutStock', data }, h));
        const st = named.Result.ResponseStatus;
        should(st.IsSuccess).be.false();
        should(st.SuccessEntitys.map((e: any) => e.DIndex)).eql([0]);
        should(st.Errors.map((e: any) => [e.DIndex, e.FieldName])).eql([[1, 'FCustomerID'], [2, 'FMaterialID'], [3, 'FStockOrgID']]);
        should(st.Errors[1].Message).match(/MAT999/);
        should(named.Result.NeedReturnData).eql([{ FBillNo: st.SuccessEntitys[0].Number, FID: Number(st.SuccessEntitys[0].Id) }]);
        // Positional, data as JSON text (Java SDK); Model must be an array for BatchSave.
        const positional = JSON.parse(await post(D + 'BatchSave', { parameters: ['SAL_OutStock', JSON.stringify({ Model: [model()] })] }, h));
        should(positional.Result.ResponseStatus).match({ IsSuccess: true, SuccessEntitys: [{ DIndex: 0 }] });
        const notArray = JSON.parse(await post(D + 'BatchSave', { formid: 'SAL_OutStock', data: { Model: model() } }, h));
        should(notArray.Result.ResponseStatus).match({ IsSuccess: false, MsgCode: 8, Errors: [{ FieldName: 'Model' }] });
        should(sim.rows('SAL_OutStock')).have.length(2);
        // data that is not JSON text → response_error:
        should(await post(D + 'BatchSave', { parameters: ['SAL_OutStock', '{"Model":['] }, h)).startWith('response_error:');
    });

    it('BatchSave: a bill number is refused when the form holds it already (any organisation); with billNoPerOrg, only within the bill\'s main organisation (SAL_OutStock FStockOrgID, SAL_SaleOrder FSaleOrgId)', async () => {
        const outStock = (org: string) => ({ FDate: '2024-01-08', FSaleOrgID: { FNumber: org }, FStockOrgID: { FNumber: org }, FCustomerID: { FNumber: 'CUST001' }, FBillNo: 'XSCKD-N1', FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1 }] });
        const saleOrder = (org: string) => ({ FDate: '2024-01-08', FSaleOrgId: { FNumber: org }, FCustId: { FNumber: 'CUST001' }, FBillNo: 'XSDD-N1', FSaleOrderEntry: [{ FMaterialId: { FNumber: 'MAT001' }, FQty: 1 }] });
        for (const perOrg of [false, true]) {
            await sim.stop();
            sim = new KingdeeSim({ billNoPerOrg: perOrg });
            await sim.start();
            const { sid } = await login();
            const h = { 'kdservice-sessionid': sid };
            for (const [formid, bill] of [['SAL_OutStock', outStock], ['SAL_SaleOrder', saleOrder]] as const) {
                const st = JSON.parse(await post(D + 'BatchSave', { formid, data: { Model: [bill('100')] } }, h)).Result.ResponseStatus;
                should(st.IsSuccess).be.true();
                const again = JSON.parse(await post(D + 'BatchSave', { formid, data: { Model: [bill('100'), bill('101')] } }, h)).Result.ResponseStatus;
                should(again.Errors.map((e: any) => [e.DIndex, e.FieldName])).eql(perOrg ? [[0, 'FBillNo']] : [[0, 'FBillNo'], [1, 'FBillNo']], `${formid} billNoPerOrg ${perOrg}`);
                should(sim.rows(formid)).have.length(perOrg ? 2 : 1);
            }
        }
    });

    it('BatchSave with autoBillNo (a coding rule numbering bills itself, 编码规则 without manual numbers): the FBillNo sent is ignored, not checked nor stored; every bill gets the next number of the rule; a modification keeps its number', async () => {
        await sim.stop();
        sim = new KingdeeSim({ autoBillNo: true });
        await sim.start();
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        const bill = (extra: Record<string, unknown> = {}) => ({ FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: { FNumber: '100' }, FCustomerID: { FNumber: 'CUST001' }, FBillNo: 'JKY-T0001', FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1 }], ...extra });
        const save = async (models: unknown[]) => JSON.parse(await post(D + 'BatchSave', { formid: 'SAL_OutStock', data: { NeedReturnFields: ['FBillNo', 'FID'], Model: models } }, h)).Result;
        const a = await save([bill(), bill()]);
        should(a.ResponseStatus.IsSuccess).be.true();
        const numbers = a.ResponseStatus.SuccessEntitys.map((e: any) => e.Number);
        should(numbers).have.length(2);
        for (const n of numbers) should(n).match(/^XSCKD\d{6}$/);
        should(numbers[0]).not.equal(numbers[1]);
        should(a.NeedReturnData.map((d: any) => d.FBillNo)).eql(numbers);
        should(sim.rows('SAL_OutStock').some((r) => r.FBillNo === 'JKY-T0001')).be.false();
        const id = Number(a.ResponseStatus.SuccessEntitys[0].Id);
        const b = await save([bill({ FID: id, FBillNo: 'OTHER', FNote: 'changed' })]);
        should(b.ResponseStatus.SuccessEntitys[0]).match({ Id: String(id), Number: numbers[0] });
    });

    it('作废 (ExcuteOperation Cancel) sets FCANCELSTATUS, FCANCELDATE (the server\'s time now, China time) and FCANCELLERID, never FModifyDate; the seed\'s voided bills were voided after their last save', async () => {
        const rows = sim.rows(RETURN_REQUEST_FORM);
        for (const r of rows.filter((x) => x.FCANCELSTATUS === 'B')) should(String(r.FCANCELDATE) > String(r.FModifyDate)).be.true(`${r.FBillNo}: voided at ${r.FCANCELDATE}, last saved ${r.FModifyDate}`);
        const bill = rows.filter((r) => r.FBillNo === 'TL2024010003');
        should(bill.map((r) => r.FCANCELSTATUS)).eql(['A', 'A']);
        const modified = bill[0].FModifyDate;
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        const before = new Date(Date.now() + 8 * 3600000 - 1000).toISOString().slice(0, 19);
        const cancel = async (data: unknown, positional = false) => JSON.parse(await post(D + 'ExcuteOperation', positional ? { parameters: [RETURN_REQUEST_FORM, 'Cancel', JSON.stringify(data)] } : { formid: RETURN_REQUEST_FORM, opNumber: 'Cancel', data }, h)).Result.ResponseStatus;
        const st = await cancel({ Numbers: ['TL2024010003', 'TL2099999999'] });
        should(st.SuccessEntitys).match([{ Number: 'TL2024010003', DIndex: 0 }]);
        should(st.Errors).match([{ DIndex: 1, Message: /不存在/ }]);
        for (const r of bill) {
            should(r).match({ FCANCELSTATUS: 'B', FCANCELLERID: 16394, FModifyDate: modified });
            should(String(r.FCANCELDATE) >= before).be.true(`FCANCELDATE ${r.FCANCELDATE} is not now (${before})`);
        }
        // Positional, by id; voided already → refused.
        should((await cancel({ Ids: String(bill[0].FID) }, true)).Errors).match([{ Message: /已经作废/ }]);
        const q = JSON.parse(await post(D + 'ExecuteBillQuery', { data: { FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo', FilterString: `FCANCELSTATUS = 'B' and FCANCELDATE >= '${before.replace('T', ' ')}'` } }, h));
        should(q.map((r: unknown[]) => r[0])).eql(['TL2024010003']);
    });

    it('BatchSave: an organisation named by its internal id ({"FOrgID": …}) is as good as by its number: stored as K/3 Cloud answers it (the field its id, .FNumber its number), a filter on the field alone compares the id; another key ({"FID": …}) is refused as ill-formed', async () => {
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        const bill = (org: unknown) => ({ FDate: '2024-01-08', FSaleOrgID: { FNumber: '100' }, FStockOrgID: org, FCustomerID: { FNumber: 'CUST001' }, FEntity: [{ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 1 }] });
        const st = JSON.parse(await post(D + 'BatchSave', { formid: 'SAL_OutStock', data: { Model: [bill({ FOrgID: 100101 }), bill({ FNumber: '100' }), bill({ FID: 100101 }), bill({ FOrgID: 999 })] } }, h)).Result.ResponseStatus;
        should(st.SuccessEntitys.map((e: any) => e.DIndex)).eql([0, 1]);
        should(st.Errors.map((e: any) => [e.DIndex, e.FieldName])).eql([[2, 'FStockOrgID'], [3, 'FStockOrgID']]);
        should(sim.rows('SAL_OutStock').map((r) => [r.FStockOrgID, r['FStockOrgID.FNumber']])).eql([[100101, '101'], [1, '100']]);
        const query = async (filter: string) => JSON.parse(await post(D + 'ExecuteBillQuery', { data: { FormId: 'SAL_OutStock', FieldKeys: 'FBillNo', FilterString: filter } }, h)).map((r: unknown[]) => r[0]);
        should(await query('FStockOrgID = 100101')).eql([st.SuccessEntitys[0].Number]);
        should(await query("FStockOrgID.FNumber = '100'")).eql([st.SuccessEntitys[1].Number]);
        should(await query('FStockOrgID = 100')).eql([]);
    });

    it('Push: EntryIds win over Numbers (entry-level push); unknown, unaudited and already pushed sources fail by DIndex', async () => {
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        const push = async (data: Record<string, unknown>) => JSON.parse(await post(D + 'Push', { formid: 'CN_PAYAPPLY', data: { RuleId: 'r', TargetFormId: 'AP_PAYBILL', ...data } }, h)).Result.ResponseStatus;
        const a = await push({ EntryIds: '710001,799999', Numbers: ['FKSQ000105'] });
        should(a.SuccessEntitys.map((e: any) => e.DIndex)).eql([0]);
        should(a.Errors).match([{ DIndex: 1, Message: /799999/ }]);
        should(sim.rows('AP_PAYBILL').map((r) => r.FSRCBILLNO)).eql(['FKSQ000101']);
        const b = await push({ Numbers: ['FKSQ000101', 'FKSQ000111', 'FKSQ000102'] });
        should(b.SuccessEntitys.map((e: any) => e.DIndex)).eql([2]);
        should(b.Errors.map((e: any) => e.DIndex)).eql([0, 1]);
        should(b.Errors[0].Message).match(/不能重复下推/);
        should(b.Errors[1].Message).match(/未审核/);
        should(await push({ Numbers: [], Ids: '' })).match({ MsgCode: 8 });
        should(await push({ RuleId: '', IsEnableDefaultRule: false, Numbers: ['FKSQ000103'] })).match({ MsgCode: 8, Errors: [{ FieldName: 'RuleId' }] });
    });

    it('call limit on demand: MsgCode 14, [[…]]-wrapped for ExecuteBillQuery, plain for BatchSave', async () => {
        const { sid } = await login();
        const h = { 'kdservice-sessionid': sid };
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 2);
        const q = await query({ FormId: 'BD_STOCK', FieldKeys: 'FNumber' }, h);
        should(q[0][0].Result.ResponseStatus).match({ MsgCode: 14, IsSuccess: false });
        const s = JSON.parse(await post(D + 'BatchSave', { formid: 'SAL_OutStock', data: { Model: [] } }, h));
        should(s.Result.ResponseStatus).match({ MsgCode: 14 });
        should(await query({ FormId: 'BD_STOCK', FieldKeys: 'FNumber' }, h)).eql([['CK01'], ['WH01']]);
    });
});
