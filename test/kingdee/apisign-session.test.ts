import should from 'should';
import { KINGDEE_DEMO, RETURN_REQUEST_FORM } from '../sim/kingdee';
import { KingdeeClient } from '../../nodes/kingdee/client';
import { SimRequest } from '../sim/harness';
import { kingdeeClientAgainstSim } from './against-sim';

const D = 'DynamicFormService.';

/**
 * API-signature mode (protocols.md §1.4): a passing signed request opens a server session whose cookies the vendor's
 * SDKs keep and send back with the headers (Python SDK WebApiClient.BuildHeader / FillCookieAndHeader, Java SDK
 * ApiRequester.buildHeader / getCookieFromReq). Without them, every page and every save opens another session.
 */
describe('kingdee API-signature mode: the server session is kept and sent back', function () {
    const kd = kingdeeClientAgainstSim({ authMode: 'apisign' }, { appSecret: KINGDEE_DEMO.appSecret });
    const make = () => kd.make();
    const calls = kd.calls;
    const sessionOf = (r: SimRequest) => /(?:^|;)\s*kdservice-sessionid=([^;]+)/.exec(String(r.headers.cookie ?? ''))?.[1];
    const model = (mat: string) => ({
        FID: 0,
        FBillTypeID: { FNUMBER: 'XSCKD01_SYS' },
        FDate: '2024-01-08',
        FSaleOrgID: { FNumber: '100' },
        FStockOrgID: { FNumber: '100' },
        FCustomerID: { FNumber: 'CUST001' },
        FEntity: [{ FMaterialID: { FNumber: mat }, FRealQty: 2, FStockID: { FNumber: 'CK01' } }],
    });
    const entryIds = () => kd.sim.rows(RETURN_REQUEST_FORM).map((r) => String(r.FEntity_FEntryID));
    /** Reads the whole return-request form three rows a page; the server forgets its sessions once page 2 is in. */
    const readExpiringSessionsAfterPage2 = async (c: KingdeeClient) => {
        const ids: string[] = [];
        let pages = 0;
        for await (const p of c.queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: ['FBillNo', 'FEntity_FEntryID'], Limit: 3 }, {})) {
            ids.push(...p.records.map((r) => String(r.FEntity_FEntryID)));
            if (++pages === 2) kd.sim.expireSessions();
        }
        return ids;
    };

    it('a paged read of many pages opens one server session, sent back (header and cookies) with the signature on every later page', async () => {
        const c = make();
        const ids: string[] = [];
        for await (const p of c.queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: ['FBillNo', 'FEntity_FEntryID'], Limit: 3 }, {})) ids.push(...p.records.map((r) => String(r.FEntity_FEntryID)));
        should(ids).eql(entryIds());
        const reqs = calls('ExecuteBillQuery');
        should(reqs.length).be.above(5);
        should(kd.sim.apiSessionsOpened).equal(1);
        should(kd.sim.apiSignedCount).equal(reqs.length);
        should(sessionOf(reqs[0])).be.undefined();
        const sid = sessionOf(reqs[1]);
        should.exist(sid);
        for (const r of reqs.slice(1)) {
            should(sessionOf(r)).equal(sid);
            should(r.headers['kdservice-sessionid']).equal(sid);
            should(String(r.headers.cookie)).match(/ASP\.NET_SessionId=/);
            should(r.headers['x-kd-signature']).be.a.String();
        }
    });

    it('a run of writes opens one server session', async () => {
        const c = make();
        for (const mat of ['MAT001', 'MAT002', 'MAT003', 'MAT004']) should(await c.batchSave('SAL_OutStock', [model(mat)], {}, {})).match([{ ok: true }]);
        should(calls('BatchSave')).have.length(4);
        should(kd.sim.apiSessionsOpened).equal(1);
        should(kd.sim.rows('SAL_OutStock')).have.length(4);
    });

    it('the session expired on the server mid-read, a server that then opens a new one: the new one is kept, nothing skipped or read twice', async () => {
        should(await readExpiringSessionsAfterPage2(make())).eql(entryIds());
        should(kd.sim.apiSessionsOpened).equal(2);
        const sids = calls('ExecuteBillQuery').map(sessionOf);
        // One request with the expired session, then the renewed one on every page after it.
        should(sids[2]).equal(sids[1]);
        should(sids[3]).not.equal(sids[1]);
        should(new Set(sids.slice(3)).size).equal(1);
    });

    it('the session expired on the server mid-read, a server that refuses it (MsgCode 1): dropped, the page replayed once with the headers alone; nothing skipped or read twice', async () => {
        kd.sim.staleSignedSession = 'refuse';
        should(await readExpiringSessionsAfterPage2(make())).eql(entryIds());
        should(kd.sim.apiSessionsOpened).equal(2);
        const reqs = calls('ExecuteBillQuery');
        const starts = reqs.map((r) => JSON.parse(r.body).data.StartRow);
        // StartRow 0, then each page from the last row emitted: 2, 4 (refused), 4 (replayed without the cookie), 6, …
        should(starts.slice(0, 5)).eql([0, 2, 4, 4, 6]);
        should(sessionOf(reqs[2])).equal(sessionOf(reqs[1]));
        should(sessionOf(reqs[3])).be.undefined();
        should(reqs[3].headers['kdservice-sessionid']).be.undefined();
        should(sessionOf(reqs[4])).not.equal(sessionOf(reqs[1]));
    });

    it('a write refused for its session (MsgCode 1 with a kept session) is replayed once without it and saved once', async () => {
        const c = make();
        should(await c.batchSave('SAL_OutStock', [model('MAT001')], {}, {})).match([{ ok: true }]);
        kd.sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (r) => r.path.includes(D + 'BatchSave'));
        should(await c.batchSave('SAL_OutStock', [model('MAT002')], {}, {})).match([{ ok: true }]);
        const reqs = calls('BatchSave');
        should(reqs).have.length(3);
        // The second save went with the session the first one opened, was refused, and went again without it.
        should.exist(sessionOf(reqs[1]));
        should(sessionOf(reqs[2])).be.undefined();
        should(kd.sim.rows('SAL_OutStock').map((r) => (r.FMaterialID as any)?.FNumber ?? r.FMaterialID)).have.length(2);
    });

    it('a refusal with no session sent, or a second one after the replay, is a config error about the signature: no loop', async () => {
        const c = make();
        await c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {});
        // The clock goes wrong: the kept session's request is refused, then the replay without it; no third request.
        kd.sim.clockOffsetS = 600;
        const err = await c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {}).then(() => undefined, (e) => e);
        should(err).match({ kind: 'config', code: 'MSGCODE_1' });
        should(err.message).match(/API signature/);
        should(calls('ExecuteBillQuery')).have.length(3);
    });

    it('the kept session is a secret: an answer quoting it back does not show it in the error', async () => {
        const c = make();
        await c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {});
        await c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {});
        const sid = sessionOf(calls('ExecuteBillQuery')[1]);
        should.exist(sid);
        kd.sim.inject({ type: 'http', status: 200, body: 'response_error:' + JSON.stringify({ Message: `会话 kdservice-sessionid=${sid} 无效` }) }, 1);
        const err = await c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {}).then(() => undefined, (e) => e);
        should(err).match({ code: 'RESPONSE_ERROR' });
        should(err.message).match(/kdservice-sessionid=/);
        should(err.message).not.containEql(sid!);
    });
});
