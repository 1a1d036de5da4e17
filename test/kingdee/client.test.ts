import path from 'path';
import should from 'should';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM, isKingdeeLogin } from '../sim/kingdee';
import { KingdeeClient, KingdeeSettings, BillQueryParams, convertNetDate, normaliseFieldKeys, responseStatusOf, isSessionLost, classifyMsgCode, resumePoint } from '../../nodes/kingdee/client';
import { ConnectorError, commonClientSettings, english, endSessionLimit } from '../../nodes/core';
import { sleep } from '../helpers/wait';
import { kingdeeClientAgainstSim } from './against-sim';

const D = 'DynamicFormService.';

describe('KingdeeClient against the Kingdee simulator', function () {
    const kd = kingdeeClientAgainstSim({ authMode: 'sign' }, { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret });
    const make = kd.make;
    const calls = kd.calls;
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
            should(kd.sim.loginSuccesses).equal(mode === 'apisign' ? 0 : 1);
            if (mode === 'apisign') should(kd.sim.apiSignedCount).equal(1);
        });
    }

    for (const mode of ['password', 'appsecret', 'sign'] as const) {
        it(`auth mode ${mode}: closing the client (a redeploy, the end of a Test connection) logs its session out, with the session's header and cookies; the server holds none of it`, async () => {
            const c = make({ authMode: mode });
            await c.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
            should(kd.sim.sessionCount).equal(1);
            await c.close();
            should(kd.sim.sessionCount).equal(0);
            should(kd.sim.logouts).equal(1);
            const [logout] = kd.sim.requests.filter((r) => r.path.endsWith('AuthService.Logout.common.kdsvc'));
            should(JSON.parse(logout.body)).eql({ parameters: [] });
            should(logout.headers['kdservice-sessionid']).be.a.String().and.not.be.empty();
            should(String(logout.headers.cookie)).match(/^Theme=standard;kdservice-sessionid=\w+;.*ASP\.NET_SessionId=/);
        });
    }

    it('closing a client that never logged in, or one in API-signature mode (no login: the session is the signed requests\'), sends no logout', async () => {
        await make({ authMode: 'password' }).close();
        const signed = make({ authMode: 'apisign' });
        await signed.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
        await signed.close();
        should(kd.sim.requests.filter((r) => /Logout/i.test(r.path))).have.length(0);
    });

    it('a login already sent when the client closes (a redeploy during a login, or a re-login): the session the server opens for it is logged out, not left behind', async () => {
        for (const relogin of [false, true]) {
            const c = make({ authMode: 'password' });
            if (relogin) {
                await c.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
                kd.sim.expireSessions();
            }
            kd.sim.inject({ type: 'delay', ms: 300, thenProcess: true }, 1, isKingdeeLogin);
            const query = c.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {}).catch((e) => e);
            await sleep(100);
            await c.close();
            should(kd.sim.sessionCount).equal(0);
            should(await query).be.instanceOf(ConnectorError);
        }
        should(kd.sim.loginSuccesses).equal(3);
        should(kd.sim.logouts).equal(2);
    });

    it('the logout is a request of the account: it waits out a rate-limit pause the vendor asked for, and is not sent while one outlasts the close\'s time limit', async () => {
        const limit = endSessionLimit.ms;
        endSessionLimit.ms = 500;
        try {
            const short = make({ authMode: 'password' });
            await short.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
            short.limiter.pause(200);
            const started = Date.now();
            await short.close();
            should(Date.now() - started).be.aboveOrEqual(150);
            should(kd.sim.logouts).equal(1);
            const long = make({ authMode: 'password' });
            await long.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
            long.limiter.pause(60000);
            endSessionLimit.ms = 3000;
            const closing = Date.now();
            await long.close();
            // Not held for the close's whole time limit (a redeploy into a ban of hours waited it out for nothing).
            should(Date.now() - closing).be.below(1500);
            should(kd.sim.logouts).equal(1);
            should(kd.sim.sessionCount).equal(1);
        } finally {
            endSessionLimit.ms = limit;
        }
    });

    it('a login needed while the account is paused for longer than the longest wait (a redeploy into a ban of hours, a Test connection) is not queued for the pause: the call fails at once, ACCOUNT_PAUSED, nothing sent', async () => {
        for (const mode of ['password', 'sign'] as const) {
            const c = make({ authMode: mode });
            c.limiter.pause(3600000);
            const t0 = Date.now();
            const outcome = await Promise.race([c.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {}).then(() => 'answered', (e) => e), sleep(3000).then(() => 'still waiting')]);
            should(outcome).match({ code: 'ACCOUNT_PAUSED', kind: 'rate-limit', retryable: true });
            should(Date.now() - t0).be.below(2000);
            const test = await Promise.race([c.testConnection({}).then(() => 'answered', (e) => e), sleep(3000).then(() => 'still waiting')]);
            should(test).match({ code: 'ACCOUNT_PAUSED' });
            should(kd.sim.requests).have.length(0);
            await c.close();
        }
    });

    it('a login answered 429 pauses the account before its limiter slot is given back: a call of the account queued behind it is not sent into the pause', async () => {
        const settings = commonClientSettings('kingdee', { rps: 0, concurrency: 1, retryBaseMs: 5, maxRetries: 3 }, { rps: 5, concurrency: 2 });
        const account = { serverUrl: kd.sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, appId: KINGDEE_DEMO.appId, authMode: 'password' } as KingdeeSettings;
        const [a, b] = [0, 1].map(() => new KingdeeClient(settings, account, { password: KINGDEE_DEMO.password }));
        try {
            a.shareLimiter();
            b.shareLimiter();
            await a.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
            kd.sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '2' }, afterMs: 300 }, 1, isKingdeeLogin);
            const logsIn = b.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
            const t0 = Date.now();
            while (!kd.sim.requests.some((r) => r.fault?.type === 'http') && Date.now() - t0 < 3000) await sleep(5);
            const limited = kd.sim.requests.find((r) => r.fault?.type === 'http')!;
            // Queued behind the login, which holds the account's one slot until its 429 comes 300 ms later.
            const queued = a.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
            await Promise.all([logsIn, queued]);
            const after = kd.sim.requests.filter((r) => r.time > limited.time);
            should(after.length).be.above(0);
            // Nothing went out between the 429 (answered 300 ms after it came) and the end of the 2 s it asked for.
            should(Math.min(...after.map((r) => r.time)) - limited.time).be.aboveOrEqual(300 + 1900);
        } finally {
            await a.close();
            await b.close();
        }
    });

    it('a logout the server does not take (it is gone) ends the close all the same, without an error', async () => {
        const c = make({ authMode: 'password' });
        await c.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
        await kd.sim.stop();
        await c.close();
        await kd.sim.start();
    });

    it('lcid (default 2052) goes with every login; the org number goes in the API-signature app data', async () => {
        const logins = () => kd.sim.requests.filter(isKingdeeLogin).map((r) => JSON.parse(r.body));
        await make({ authMode: 'password' }).testConnection({});
        kd.client!.close();
        await make({ authMode: 'appsecret', lcid: 1033 }).testConnection({});
        kd.client!.close();
        await make({ authMode: 'sign', lcid: 3076, bodyForm: 'positional' }).testConnection({});
        kd.client!.close();
        await make({ authMode: 'password', bodyForm: 'positional' }).testConnection({});
        should(logins()).match([{ lcid: 2052, acctid: KINGDEE_DEMO.acctId }, { lcid: 1033, appId: KINGDEE_DEMO.appId }, { parameters: (p: unknown[]) => p.length === 6 && p[5] === 3076 }, { parameters: (p: unknown[]) => p.length === 4 && p[3] === 2052 }]);
        kd.client!.close();
        await make({ authMode: 'apisign', orgNum: '100', lcid: 1033 }).testConnection({});
        const h = calls('ExecuteBillQuery').pop()!.headers;
        should(Buffer.from(String(h['x-kd-appdata']), 'base64').toString('utf8')).equal(`${KINGDEE_DEMO.acctId},${KINGDEE_DEMO.username},1033,100`);
        should(kd.sim.apiSignedCount).equal(1);
    });

    it('sign mode with sha1 for an old server; sha256 is refused there', async () => {
        kd.sim.signAlgorithm = 'sha1';
        await should(make().testConnection({})).be.rejectedWith({ kind: 'config' });
        kd.client!.close();
        should(await make({ signAlgorithm: 'sha1' }).testConnection({})).match(/CNY/);
    });

    it('ten concurrent queries → one login, one shared session', async () => {
        const c = make();
        await Promise.all(Array.from({ length: 10 }, () => c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', Limit: 0 }, {})));
        should(kd.sim.loginCount).equal(1);
        should(c.loginCount).equal(1);
        should(calls('ExecuteBillQuery')).have.length(10);
        should(new Set(calls('ExecuteBillQuery').map((r) => r.headers['kdservice-sessionid'])).size).equal(1);
    });

    it('the session expires under ten concurrent queries → one re-login for all, each query replayed once', async () => {
        const c = make();
        await c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber' }, {});
        kd.sim.expireSessions();
        kd.sim.clearRequests();
        const rows = await Promise.all(Array.from({ length: 10 }, () => c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber', OrderString: 'FStockId' }, {})));
        should(rows.every((r) => JSON.stringify(r) === '[["CK01"],["WH01"]]')).be.true();
        should(kd.sim.loginCount).equal(2);
        should(calls('ExecuteBillQuery')).have.length(20);
        const sids = calls('ExecuteBillQuery').map((r) => r.headers['kdservice-sessionid']);
        // Ten with the lost session, ten replays with the one new session.
        const uses = new Map<unknown, number>();
        for (const s of sids) uses.set(s, (uses.get(s) ?? 0) + 1);
        should([...uses.values()]).eql([10, 10]);
    });

    for (const mode of ['password', 'appsecret', 'sign'] as const) {
        for (const [concurrency, queries] of [[1, 4], [4, 12]] as const) {
            it(`auth mode ${mode}, concurrency ${concurrency}: after a session expires, the calls whose turn comes wait for the re-login (sent first, the session set before its slot goes back): no call goes out with the dead session or none once it is known lost; every query its rows once`, async () => {
                const c = (kd.client = new KingdeeClient(
                    commonClientSettings('kingdee', { rps: 0, concurrency, retryBaseMs: 5, maxRetries: 3 }, { rps: 5, concurrency: 2 }),
                    { serverUrl: kd.sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, appId: KINGDEE_DEMO.appId, authMode: mode } as KingdeeSettings,
                    { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret },
                ));
                const query = { FormId: 'BD_STOCK', FieldKeys: 'FNumber', OrderString: 'FStockId' };
                should(await c.executeBillQuery(query, {})).eql([['CK01'], ['WH01']]);
                // What the client sends and hears, in order: a data call, a session-lost answer, a login.
                const events: string[] = [];
                const request = c.http.request.bind(c.http);
                c.http.request = async (req, options) => {
                    const login = /AuthService\./.test(req.url);
                    events.push(login ? 'login' : `data ${req.headers?.['kdservice-sessionid'] ?? 'none'}`);
                    const res = await request(req, options);
                    if (!login && /会话信息已丢失/.test(res.body)) events.push('lost');
                    return res;
                };
                kd.sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (r) => r.path.includes(D + 'ExecuteBillQuery'));
                const rows = await Promise.all(Array.from({ length: queries }, () => c.executeBillQuery(query, {})));
                should(rows.every((r) => JSON.stringify(r) === '[["CK01"],["WH01"]]')).be.true();
                should(kd.sim.loginSuccesses).equal(2);
                const known = events.indexOf('lost');
                const relogin = events.indexOf('login');
                should(known).be.above(-1);
                // Sent after the session was known lost and before the re-login: none.
                should(events.slice(known, relogin).filter((e) => e.startsWith('data'))).eql([]);
                // After the re-login, every call goes with the new session, each query sent (again) once.
                const after = events.slice(relogin + 1).filter((e) => e.startsWith('data'));
                should(new Set(after).size).equal(1);
                should(after[0]).not.equal('data none');
                should(events.filter((e) => e.startsWith('data')).length).equal(queries + events.filter((e) => e === 'lost').length);
            });
        }
    }

    for (const mode of ['password', 'appsecret', 'sign'] as const) {
        it(`auth mode ${mode}: an older K/3 Cloud answering a login with no KDSVCSessionId, its session in the ASP.NET_SessionId cookie alone: logged in (was NO_SESSION), queried, re-logged in after the session expires, logged out`, async () => {
            kd.sim.aspSessionOnly = true;
            const c = make({ authMode: mode });
            should(await c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber', OrderString: 'FStockId' }, {})).eql([['CK01'], ['WH01']]);
            kd.sim.expireSessions();
            should(await c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber', OrderString: 'FStockId' }, {})).eql([['CK01'], ['WH01']]);
            should(kd.sim.loginCount).equal(2);
            should(String(calls('ExecuteBillQuery').at(-1)!.headers.cookie)).match(/ASP\.NET_SessionId=/);
            await c.close();
            should(kd.sim.sessionCount).equal(0);
        });
    }

    it('session expiry mid-paging → exactly one re-login; no page lost or repeated', async () => {
        const c = make();
        const pages: string[][] = [];
        const it = c.queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: ['FBillNo', 'FEntity_FEntryID'], Limit: 3 }, {});
        for await (const p of it) {
            pages.push(p.records.map((r) => String(r.FEntity_FEntryID)));
            if (pages.length === 2) kd.sim.inject({ type: 'vendor', name: 'session-expired' }, 1);
        }
        const ids = pages.flat();
        const expected = kd.sim.rows(RETURN_REQUEST_FORM).map((r) => String(r.FEntity_FEntryID));
        should(ids).eql(expected);
        should(kd.sim.loginCount).equal(2);
        // StartRow sequence: 0, then each page from the last row emitted: 2, 4, 4 (replay), 6, …
        const starts = bodies('ExecuteBillQuery').map((b) => b.data.StartRow);
        should(starts.slice(0, 4)).eql([0, 2, 4, 4]);
        should(bodies('ExecuteBillQuery')[0].data.OrderString).equal('FID,FEntity_FEntryID');
    });

    it('a node closed while the shared login is in flight stops waiting; another node\'s query still gets the session', async () => {
        const c = make();
        kd.sim.inject({ type: 'delay', ms: 300 }, 1, (r) => r.path.includes('AuthService.'));
        const health = { FormId: 'BD_Currency', FieldKeys: 'FCODE', FilterString: " FNUMBER='PRE001' ", TopRowCount: 0, StartRow: 0, Limit: 0 };
        const a = new AbortController();
        const pA = c.executeBillQuery(health, { signal: a.signal }).then(() => 'ok', (e) => e);
        await new Promise((r) => setTimeout(r, 20));
        const pB = c.executeBillQuery(health, {});
        await new Promise((r) => setTimeout(r, 50));
        a.abort();
        should(await pA).match({ kind: 'cancelled' });
        should(await pB).eql([['CNY']]);
        should(kd.sim.loginCount).equal(1);
    });

    it('a second MsgCode 1 after the re-login is an auth failure (no loop)', async () => {
        const c = make();
        kd.sim.inject({ type: 'vendor', name: 'session-expired' }, 5, (r) => r.path.includes('ExecuteBillQuery'));
        await should(c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'auth' });
        should(kd.sim.loginCount).equal(2);
        should(calls('ExecuteBillQuery')).have.length(2);
    });

    it('flattened _FNumber keys are sent dotted, rows keyed as asked; /Date(ms)/ → ISO', async () => {
        kd.sim.netDates = true;
        const rows = await all(make().queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FBillNo,FMaterialID_FNumber,FStockID_FNumber,FDate', FilterString: "FBillNo = 'TL2024010002'" }, {}));
        // The primary key (the order's tiebreaker) is asked too, after the fields, to tell rows apart; not in the rows.
        should(bodies('ExecuteBillQuery')[0].data.FieldKeys).equal('FBillNo,FMaterialID.FNumber,FStockID.FNumber,FDate,FID');
        should(rows).eql([
            { FBillNo: 'TL2024010002', FMaterialID_FNumber: 'MAT002', FStockID_FNumber: 'WH01', FDate: '2024-01-02T00:00:00' },
            { FBillNo: 'TL2024010002', FMaterialID_FNumber: 'MAT003', FStockID_FNumber: 'WH01', FDate: '2024-01-02T00:00:00' },
        ]);
        should(convertNetDate('/Date(1704067200000)/')).equal('2024-01-01T00:00:00.000Z');
    });

    it('when more than the last 20 rows read leave the result mid-read, the read goes on from an earlier row it remembers: nothing skipped, fewer than 50 rows sent twice, and a warning', async () => {
        await kd.sim.stop();
        kd.sim = new KingdeeSim({ returnRequests: 100 });
        await kd.sim.start();
        const rows = kd.sim.rows(RETURN_REQUEST_FORM);
        const before = rows.map((r) => String(r.FEntity_FEntryID));
        const warnings: string[] = [];
        const got: string[] = [];
        let pages = 0;
        for await (const p of make().queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: ['FBillNo', 'FEntity_FEntryID'], Limit: 80 }, {}, undefined, (w) => warnings.push(english(path.join(__dirname, '..', '..', 'nodes', 'kingdee', 'kingdee-bill-query.js'))(w.key, w.vars)))) {
            got.push(...p.records.map((r) => String(r.FEntity_FEntryID)));
            // After the second page (rows 0 – 158 read), rows 130 – 159 leave the result: the last 29 read and one more.
            if (++pages === 2) rows.splice(130, 30);
        }
        // Every row still in the result is read, and every row read before the edit too.
        should(rows.map((r) => String(r.FEntity_FEntryID)).filter((id) => !got.includes(id))).eql([]);
        should(before.slice(0, 159).filter((id) => !got.includes(id))).eql([]);
        const twice = got.filter((id, i) => got.indexOf(id) !== i);
        should(twice.length).be.above(0).and.below(50);
        should(warnings).have.length(1);
        should(warnings[0]).match(/left the result .* up to 50 rows already sent may be sent again; none is skipped/);
    });

    it('basic-data forms are ordered by their own key without a PrimaryKey setting (the server refuses FID there)', async () => {
        const c = make();
        should((await all(c.queryBills({ FormId: 'BD_BillType', FieldKeys: 'FNumber' }, {}))).map((r) => r.FNumber)).eql(['TLSQ01_SYS', 'XSCKD01_SYS']);
        should((await all(c.queryBills({ FormId: 'CN_BANKACNT', FieldKeys: 'FNumber' }, {}))).length).equal(kd.sim.rows('CN_BANKACNT').length);
        should((await all(c.queryBills({ FormId: 'CN_BANKACNT', FieldKeys: 'FNumber', PrimaryKey: 'FNumber' }, {}))).length).equal(kd.sim.rows('CN_BANKACNT').length);
        should(bodies('ExecuteBillQuery').map((b) => b.data.OrderString)).eql(['FBillTypeID', 'FBANKACNTID', 'FNumber']);
        await should(all(c.queryBills({ FormId: 'CN_BANKACNT', FieldKeys: 'FNumber', PrimaryKey: 'FID' }, {}))).be.rejectedWith({ kind: 'business', code: 'MSGCODE_9', field: 'FID' });
    });

    it('page size never exceeds the configured server maximum; TopRowCount caps the total', async () => {
        kd.sim.maxLimit = 4;
        const rows = await all(make({ maxLimit: 4 }).queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: 'FEntity_FEntryID', Limit: 50, TopRowCount: 10 }, {}));
        should(rows).have.length(10);
        should(bodies('ExecuteBillQuery').map((b) => [b.data.StartRow, b.data.Limit])).eql([[0, 4], [3, 4], [6, 4]]);
    });

    it('MsgCode 14 → backoff, then success', async () => {
        const c = make();
        kd.sim.inject({ type: 'vendor', name: 'rate-limit' }, 2, (r) => r.path.includes('ExecuteBillQuery'));
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
        should(kd.sim.loginCount).equal(1);
        should(calls('ExecuteBillQuery')).have.length(0);
    });

    it('locked account → config error explaining the lock', async () => {
        kd.sim.locked = true;
        await should(make({ authMode: 'password' }).testConnection({})).be.rejectedWith(/locked/);
        should(kd.sim.loginCount).equal(1);
    });

    for (const msgCode of [13, 14, 8]) {
        it(`an answer naming saved records with MsgCode ${msgCode} is read record by record: sent once, the saved one reported saved`, async () => {
            const answer = { Result: { ResponseStatus: { IsSuccess: false, MsgCode: msgCode,
                SuccessEntitys: [{ Id: '100123', Number: 'XSCKD000123', DIndex: 0 }],
                Errors: [{ FieldName: null, Message: '网控冲突', DIndex: 1 }] } } };
            kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => r.path.includes('BatchSave'));
            const out = await make().batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT003')], {}, {});
            should(kd.sim.requests.filter((r) => r.path.includes('BatchSave'))).have.length(1);
            should(out.map((o) => o.ok)).eql([true, false]);
            should((out[0] as any).result).match({ Id: '100123', Number: 'XSCKD000123' });
            should((out[1] as any).error.message).match(/网控冲突/);
        });
    }

    it('MsgCode 14 (call limit) on a partly saved batch: the saved record reported saved, the refused one on output 2 retryable (not possibly processed), and the account pauses as after a whole call refused for the limit: the next call waits', async () => {
        const answer = { Result: { ResponseStatus: { IsSuccess: false, MsgCode: 14,
            SuccessEntitys: [{ Id: '100123', Number: 'XSCKD000123', DIndex: 0 }],
            Errors: [{ FieldName: null, Message: '调用限制：接口调用次数超过限制，请稍后再试', DIndex: 1 }] } } };
        kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => r.path.includes('BatchSave'));
        // A backoff of 200 to 400 ms for the first rate-limit answer.
        const c = (kd.client = new KingdeeClient(
            commonClientSettings('kingdee', { rps: 0, concurrency: 0, retryBaseMs: 400, maxRetries: 3 }, { rps: 5, concurrency: 2 }),
            { serverUrl: kd.sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, appId: KINGDEE_DEMO.appId, authMode: 'sign' } as KingdeeSettings,
            { appSecret: KINGDEE_DEMO.appSecret },
        ));
        const out = await c.batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT003')], {}, {});
        should(out.map((o) => o.ok)).eql([true, false]);
        const refused = (out[1] as any).error as ConnectorError;
        should(refused.toMsgError()).match({ kind: 'rate-limit', code: 'MSGCODE_14', retryable: true });
        should(refused.possiblyProcessed).be.false();
        // Every node of the account would otherwise send its next call at once into the limit.
        should(c.limiter.pausedFor()).be.above(100);
        await c.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
        const [save] = calls('BatchSave');
        const [query] = calls('ExecuteBillQuery');
        should(query.time - save.time).be.aboveOrEqual(150);
    });

    for (const [label, msgCode, message] of [['MsgCode 1', 1, '会话信息已丢失，请重新登录'], ['the session keywords', 11, '会话已过期，请重新登录']] as const) {
        it(`a session-lost answer (${label}) naming saved records (the session expired in the middle of the chunk) is not sent again: the saved one reported saved, the other failed`, async () => {
            const answer = { Result: { ResponseStatus: { IsSuccess: false, MsgCode: msgCode,
                SuccessEntitys: [{ Id: '100123', Number: 'XSCKD000123', DIndex: 0 }],
                Errors: [{ FieldName: null, Message: message, DIndex: 1 }] } } };
            kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => r.path.includes('BatchSave'));
            const out = await make().batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT003')], {}, {});
            should(kd.sim.requests.filter((r) => r.path.includes('BatchSave')).length).equal(1, 'the chunk was sent again after the re-login: its saved record was saved twice');
            should(out.map((o) => o.ok)).eql([true, false]);
            should((out[0] as any).result).match({ Id: '100123', Number: 'XSCKD000123' });
            should((out[1] as any).error.message).containEql(message);
        });
    }

    it('records the answer gives no outcome for (IsSuccess true but not listed, or an error without DIndex) are marked possibly processed, with the unattributed error\'s text', async () => {
        const answers = [
            { Result: { ResponseStatus: { IsSuccess: true, MsgCode: 0, SuccessEntitys: [{ Id: '100123', Number: 'XSCKD000123', DIndex: 0 }], Errors: [] } } },
            { Result: { ResponseStatus: { IsSuccess: false, MsgCode: 11, SuccessEntitys: [{ Id: '100124', Number: 'XSCKD000124', DIndex: 0 }], Errors: [{ FieldName: 'FCustomerID', Message: '客户不存在' }] } } },
        ];
        for (const answer of answers) kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => r.path.includes('BatchSave'));
        const c = make();
        for (const answer of answers) {
            const out = await c.batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT003')], {}, {});
            should(out.map((o) => o.ok)).eql([true, false]);
            const e = (out[1] as any).error as ConnectorError;
            should(e.toMsgError()).match({ code: 'NO_OUTCOME', retryable: false, possiblyProcessed: true });
            if (answer.Result.ResponseStatus.Errors.length) should(e.message).containEql('FCustomerID: 客户不存在');
        }
    });

    it('an answer placing records outside the chunk (DIndex counted from 1) beside saved bills: no record is matched by it; all possibly processed, naming the bills saved, none reported saved as another\'s bill', async () => {
        // Two bills sent: the first saved, the second refused, numbered from 1 (so the refusal is at 2, past the chunk).
        const answer = { Result: { ResponseStatus: { IsSuccess: false, MsgCode: 11, SuccessEntitys: [{ Id: '100201', Number: 'XSCKD000201', DIndex: 1 }], Errors: [{ FieldName: 'FCustomerID', Message: '客户不存在', DIndex: 2 }] } } };
        kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => r.path.includes('BatchSave'));
        const out = await make().batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT003')], {}, {});
        should(out.map((o) => o.ok)).eql([false, false], 'a record was reported saved as a bill the answer may give to another');
        for (const o of out) {
            const e = (o as any).error as ConnectorError;
            should(e.toMsgError()).match({ code: 'OUTCOME_MISMATCH', retryable: false, possiblyProcessed: true });
            should(e.message).match(/outside the 2 sent \(DIndex 2\).*XSCKD000201.*客户不存在/);
        }
    });

    it('a record listed as saved and refused both (saved, then its automatic audit failed) is possibly processed, with the saved number: not a plain refusal to replay', async () => {
        const answer = { Result: { ResponseStatus: { IsSuccess: false, MsgCode: 11, SuccessEntitys: [{ Id: '100125', Number: 'XSCKD000125', DIndex: 0 }, { Id: '100126', Number: 'XSCKD000126', DIndex: 1 }], Errors: [{ FieldName: null, Message: '审核失败：库存不足', DIndex: 1 }] } } };
        kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => r.path.includes('BatchSave'));
        const out = await make().batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT003')], { IsAutoSubmitAndAudit: true }, {});
        should(out.map((o) => o.ok)).eql([true, false]);
        const e = (out[1] as any).error as ConnectorError;
        should(e.toMsgError()).match({ code: 'MSGCODE_11', retryable: false, possiblyProcessed: true });
        should(e.message).match(/审核失败：库存不足 .*also listed as saved as XSCKD000126, Id 100126/);
    });

    it('a call refused as a whole (reported at DIndex 0, nothing saved) fails the call with the server\'s reason, not one record and "no outcome" for the rest', async () => {
        await should(make().push('CN_PAYAPPLY', 'Number', ['FKSQ000101', 'FKSQ000102', 'FKSQ000103'], { TargetFormId: 'AP_OTHERBILL', IsEnableDefaultRule: true, RuleId: '', TargetOrgId: 0, CustomParams: {} }, {}))
            .be.rejectedWith(/没有从 CN_PAYAPPLY 到 AP_OTHERBILL 的转换规则.*refused as a whole/);
        // One record: its own outcome, as before.
        const one = await make().push('CN_PAYAPPLY', 'Number', ['FKSQ000101'], { TargetFormId: 'AP_OTHERBILL', IsEnableDefaultRule: true, RuleId: '', TargetOrgId: 0, CustomParams: {} }, {});
        should(one[0].ok).be.false();
        should((one[0] as any).error.message).match(/转换规则/);
    });

    it('partial BatchSave: outcomes split exactly by DIndex; the store holds only the saved ones', async () => {
        const out = await make().batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT999'), goodModel('MAT003')], { NeedReturnFields: ['FBillNo', 'FID'], IsDeleteEntry: true }, {});
        should(out.map((o) => o.ok)).eql([true, false, true]);
        const bad = out[1] as { ok: false; error: ConnectorError };
        should(bad.error.field).equal('FMaterialID');
        should(bad.error.message).match(/MAT999/);
        should(bad.error.kind).equal('business');
        const saved = out.filter((o) => o.ok).map((o: any) => o.result.Number);
        should(new Set(kd.sim.rows('SAL_OutStock').map((r) => r.FBillNo))).eql(new Set(saved));
        should(kd.sim.rows('SAL_OutStock').map((r) => r['FMaterialID.FNumber'])).eql(['MAT001', 'MAT003']);
        const sent = bodies('BatchSave')[0];
        should(sent.formid).equal('SAL_OutStock');
        should(sent.data.Model).have.length(3);
    });

    it('BatchSave answers parsed leniently: IsSuccess "false" as text, outcomes out of order, two messages for one record', async () => {
        const answer = { Result: { ResponseStatus: { ErrorCode: '500', IsSuccess: 'false', MsgCode: 11, SuccessMessages: [],
            SuccessEntitys: [{ Id: '100125', BillNo: 'XSCKD000125', DIndex: 2 }, { Id: '100123', Number: 'XSCKD000123', DIndex: 0 }],
            Errors: [{ FieldName: 'FCustomerID', Message: '客户不存在', DIndex: 1 }, { FieldName: 'FMaterialID', Message: '编码值["MAT999"]不存在', DIndex: 1 }] } } };
        kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => r.path.includes('BatchSave'));
        const out = await make().batchSave('SAL_OutStock', [goodModel(), goodModel(), goodModel()], {}, {});
        should(out.map((o) => o.ok)).eql([true, false, true]);
        should((out[0] as any).result).match({ Id: '100123', Number: 'XSCKD000123' });
        should((out[2] as any).result).match({ Id: '100125', Number: 'XSCKD000125' });
        const bad = (out[1] as any).error as ConnectorError;
        should(bad.message).equal('FCustomerID: 客户不存在; FMaterialID: 编码值["MAT999"]不存在');
        should(bad).match({ kind: 'business', field: 'FCustomerID', code: 'MSGCODE_11' });
        should((bad.details as any).errors).have.length(2);
    });

    it('NeedReturnData is given to the record of the bill it names (FID, FBillNo), not by position: entities out of order never give a record another bill\'s returned fields', async () => {
        // The entities listed DIndex 2 before 0 (read leniently, as above), the returned data in the bills' own order.
        const answer = { Result: { ResponseStatus: { IsSuccess: 'false', MsgCode: 11,
            SuccessEntitys: [{ Id: '100125', Number: 'XSCKD000125', DIndex: 2 }, { Id: '100123', Number: 'XSCKD000123', DIndex: 0 }],
            Errors: [{ FieldName: 'FCustomerID', Message: '客户不存在', DIndex: 1 }] },
            NeedReturnData: [{ FBillNo: 'XSCKD000123', FID: 100123 }, { FBillNo: 'XSCKD000125', FID: 100125 }] } };
        // The same without a bill key among the fields returned: which item is whose cannot be told, none is given.
        const anonymous = { Result: { ...answer.Result, NeedReturnData: [{ FNote: 'a' }, { FNote: 'b' }] } };
        for (const a of [answer, anonymous]) kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(a) }, 1, (r) => r.path.includes('BatchSave'));
        const c = make();
        const out = await c.batchSave('SAL_OutStock', [goodModel(), goodModel(), goodModel()], { NeedReturnFields: ['FBillNo', 'FID'] }, {});
        should(out.map((o) => o.ok)).eql([true, false, true]);
        should((out[0] as any).result).match({ Id: '100123', Number: 'XSCKD000123', returnData: { FBillNo: 'XSCKD000123', FID: 100123 } });
        should((out[2] as any).result).match({ Id: '100125', Number: 'XSCKD000125', returnData: { FBillNo: 'XSCKD000125', FID: 100125 } });
        const blind = await c.batchSave('SAL_OutStock', [goodModel(), goodModel(), goodModel()], { NeedReturnFields: ['FNote'] }, {});
        should(blind.map((o) => o.ok)).eql([true, false, true]);
        should((blind[0] as any).result).not.have.property('returnData');
        should((blind[2] as any).result).not.have.property('returnData');
        // In order, the simulator's own answer: each record its own item.
        const real = await c.batchSave('SAL_OutStock', [goodModel('MAT001'), goodModel('MAT003')], { NeedReturnFields: ['FBillNo', 'FID'] }, {});
        for (const o of real as any[]) should(o.result.returnData).eql({ FBillNo: o.result.Number, FID: Number(o.result.Id) });
    });

    it('DIndex sent as text ("0", "1") is read as the record\'s position: nothing saved, each record refused on its own, not the whole msg', async () => {
        const answers = [
            { Result: { ResponseStatus: { ErrorCode: '500', IsSuccess: false, MsgCode: 11, SuccessEntitys: [],
                Errors: [{ FieldName: 'FCustomerID', Message: '客户不存在', DIndex: '0' }, { FieldName: 'FMaterialID', Message: '编码值["MAT999"]不存在', DIndex: '1' }] } } },
            { Result: { ResponseStatus: { IsSuccess: false, MsgCode: 11, SuccessEntitys: [], Errors: [{ FieldName: 'FMaterialID', Message: '编码值["MAT999"]不存在', DIndex: '0' }] } } },
        ];
        for (const answer of answers) kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => r.path.includes('BatchSave'));
        const c = make();
        const two = await c.batchSave('SAL_OutStock', [goodModel(), goodModel('MAT999')], {}, {});
        should(two.map((o) => o.ok)).eql([false, false]);
        should((two[0] as any).error).match({ field: 'FCustomerID', code: 'MSGCODE_11', message: 'FCustomerID: 客户不存在' });
        should((two[1] as any).error).match({ field: 'FMaterialID', code: 'MSGCODE_11' });
        const one = await c.batchSave('SAL_OutStock', [goodModel('MAT999')], {}, {});
        should(one.map((o) => o.ok)).eql([false]);
        should((one[0] as any).error).match({ field: 'FMaterialID', possiblyProcessed: false });
    });

    it('duplicate guard lookup: existingBills finds saved bill numbers only', async () => {
        const c = make();
        await c.batchSave('SAL_OutStock', [goodModel('MAT001', 'XS-1'), goodModel('MAT002', "XS-'2")], {}, {});
        const found = await c.existingBills('SAL_OutStock', 'FBillNo', ['XS-1', "XS-'2", 'XS-3'], {});
        should([...found.keys()].sort()).eql(["XS-'2", 'XS-1']);
        should(found.get('XS-1')!.Number).equal('XS-1');
        // Basic data has no FID/FBillNo: its own key and FNumber are asked.
        const mats = await c.existingBills('BD_MATERIAL', 'FNumber', ['MAT002', 'MAT404'], {});
        should([...mats]).eql([['MAT002', { Id: '100002', Number: 'MAT002' }]]);
        should(bodies('ExecuteBillQuery').pop().data).match({ FieldKeys: 'FNumber,FMATERIALID', OrderString: 'FMATERIALID', FilterString: "FNumber in ('MAT002','MAT404')" });
    });

    it('push 3 sources with 1 unknown → 2 target bills with their source, 1 failure', async () => {
        const c = make();
        const options = { TargetFormId: 'AP_PAYBILL', IsEnableDefaultRule: true, IsDraftWhenSaveFail: true, RuleId: '', TargetOrgId: 0, CustomParams: {} };
        const out = [...(await c.push('CN_PAYAPPLY', 'Number', ['FKSQ000101', 'FKSQ999999'], options, {})), ...(await c.push('CN_PAYAPPLY', 'Id', ['700003'], options, {}))];
        should(out.map((o) => o.ok)).eql([true, false, true]);
        should((out[0] as any).result.source).eql({ FormId: 'CN_PAYAPPLY', Number: 'FKSQ000101' });
        should((out[2] as any).result.source).eql({ FormId: 'CN_PAYAPPLY', Id: '700003' });
        should((out[1] as any).error.message).match(/FKSQ999999/);
        should(kd.sim.rows('AP_PAYBILL').map((r) => r.FSRCBILLNO)).eql(['FKSQ000101', 'FKSQ000103']);
        should(bodies('Push').map((b) => [b.data.Numbers, b.data.Ids])).eql([[['FKSQ000101', 'FKSQ999999'], ''], [[], '700003']]);
    });

    it('push: a source the conversion refuses, named only in ConvertResponseStatus beside the others\' targets → that source fails with the conversion\'s reason, not "neither success nor an error … may have been processed"', async () => {
        const c = make();
        const refusal = { FieldName: null, Message: '源单“FKSQ000111”未审核，不能下推', DIndex: 0 };
        const body = { Result: {
            ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: '900001', Number: 'FKD00000001', DIndex: 1 }], SuccessMessages: [], MsgCode: 0 },
            ConvertResponseStatus: { IsSuccess: false, Errors: [refusal], SuccessEntitys: [], SuccessMessages: [], MsgCode: 11 },
        } };
        kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(body) }, 1, (r) => /\.Push\./.test(r.path));
        const options = { TargetFormId: 'AP_PAYBILL', IsEnableDefaultRule: false, IsDraftWhenSaveFail: false, RuleId: 'r', TargetOrgId: 0, CustomParams: {} };
        const out = await c.push('CN_PAYAPPLY', 'Number', ['FKSQ000111', 'FKSQ000101'], options, {});
        should(out.map((o) => o.ok)).eql([false, true]);
        const err = (out[0] as any).error as ConnectorError;
        should(err.message).match(/未审核/);
        should(err.kind).equal('business');
        should(err.possiblyProcessed).not.be.true();
        should((out[1] as any).result).match({ Number: 'FKD00000001', source: { Number: 'FKSQ000101' } });
    });

    it('push: every source refused by the conversion, the reasons listed only in ConvertResponseStatus (ResponseStatus failing with no Errors) → each source fails with its own reason, not the msg to Catch as "a failure without a message"', async () => {
        const c = make();
        const refusals = [
            { FieldName: null, Message: '源单“FKSQ000111”未审核，不能下推', DIndex: 0 },
            { FieldName: null, Message: '源单“FKSQ000112”已关闭，不能下推', DIndex: 1 },
        ];
        const body = { Result: {
            ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: [], SuccessEntitys: [], SuccessMessages: [], MsgCode: 0 },
            ConvertResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: refusals, SuccessEntitys: [], SuccessMessages: [], MsgCode: 11 },
        } };
        kd.sim.inject({ type: 'http', status: 200, body: JSON.stringify(body) }, 1, (r) => /\.Push\./.test(r.path));
        const options = { TargetFormId: 'AP_PAYBILL', IsEnableDefaultRule: false, IsDraftWhenSaveFail: false, RuleId: 'r', TargetOrgId: 0, CustomParams: {} };
        const out = await c.push('CN_PAYAPPLY', 'Number', ['FKSQ000111', 'FKSQ000112'], options, {});
        should(out.map((o) => o.ok)).eql([false, false]);
        should((out[0] as any).error.message).match(/FKSQ000111.*未审核/);
        should((out[1] as any).error.message).match(/FKSQ000112.*已关闭/);
        for (const o of out) {
            should((o as any).error.kind).equal('business');
            should((o as any).error.possiblyProcessed).not.be.true();
        }
    });

    it('positional body form and response_error: classified, never retried', async () => {
        const c = make({ bodyForm: 'positional' });
        const rows = await c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber', OrderString: 'FStockId' }, {});
        should(rows).eql([['CK01'], ['WH01']]);
        should(Array.isArray(bodies('ExecuteBillQuery')[0].parameters)).be.true();
        kd.sim.inject({ type: 'http', status: 200, body: 'response_error:{"Message":"对象引用未设置到对象的实例","InnerExWrapper":null}' }, 1);
        await should(c.executeBillQuery({ FormId: 'BD_STOCK', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'business', code: 'RESPONSE_ERROR' });
    });

    it('FieldKeys: comma string or list; anything else is a validation error naming FieldKeys', () => {
        should(normaliseFieldKeys('FID, FBillNo')).eql(['FID', 'FBillNo']);
        should(normaliseFieldKeys(['FID', 'FMaterialID.FNumber'])).eql(['FID', 'FMaterialID.FNumber']);
        should(() => normaliseFieldKeys(5)).throw(/FieldKeys/);
        should(() => normaliseFieldKeys([{}])).throw(/FieldKeys/);
    });
    it('ten concurrent calls with a wrong password → one login; all ten get the vendor\'s reason', async () => {
        const c = make({ authMode: 'password' }, { password: 'not-the-password' });
        const errs = await Promise.all(Array.from({ length: 10 }, () => c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {}).then(() => undefined, (e) => e)));
        should(errs.every((e) => e instanceof ConnectorError && e.kind === 'config' && /用户名或密码错误 \(wrong user name or password\)/.test(e.message))).be.true();
        should(kd.sim.loginCount).equal(1);
        should(calls('ExecuteBillQuery')).have.length(0);
    });

    it('a wrong password is held for every client sending it — copies logging in at once, one differing only in what the login does not send (an app secret kept from another mode, the sign algorithm, the language, the body form) — one login', async () => {
        kd.sim.lockAfterFailures = 2;
        const wrong = { password: 'not-the-password' };
        const copies = [make({ authMode: 'password' }, { ...wrong, appSecret: 'left-from-appsecret-mode' }), make({ authMode: 'password', signAlgorithm: 'sha1' }, wrong), make({ authMode: 'password', lcid: 1033, bodyForm: 'positional' }, wrong)];
        try {
            const errs = await Promise.all(copies.map((c) => c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {}).then(() => undefined, (e) => e)));
            should(errs.every((e) => e instanceof ConnectorError && /wrong user name or password/.test(e.message))).be.true();
            should(errs.filter((e) => /not tried again/.test(e.message))).have.length(2);
            should(kd.sim.loginCount).equal(1);
            should(kd.sim.locked).be.false();
        } finally {
            for (const c of copies) c.close();
        }
    });

    it('a login answered with the general envelope: MsgCode 14 (call limit) is waited out and sent again, not held as a refused login; another MsgCode is a config error quoting its Errors', async () => {
        kd.sim.inject({ type: 'vendor', name: 'rate-limit' }, 1, isKingdeeLogin);
        const c = make({ authMode: 'password' }, { password: KINGDEE_DEMO.password });
        const rows = await c.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {});
        should(rows.length).be.above(0);
        should(kd.sim.requests.filter(isKingdeeLogin)).have.length(2);
        await c.close();
        const refusal = JSON.stringify({ Result: { ResponseStatus: { IsSuccess: false, MsgCode: 15, Errors: [{ FieldName: null, Message: '禁止管理员登录', DIndex: 0 }] } } });
        kd.sim.inject({ type: 'http', status: 200, body: refusal }, 1, isKingdeeLogin);
        const c2 = make({ authMode: 'password' }, { password: KINGDEE_DEMO.password });
        await should(c2.executeBillQuery({ FormId: 'BD_Currency', FieldKeys: 'FCODE' }, {})).be.rejectedWith({ kind: 'config', code: 'MSGCODE_15', message: /禁止管理员登录/ });
        should(kd.sim.requests.filter(isKingdeeLogin)).have.length(3);
    });

    it('a login refused for something other than the credentials (an unknown data centre) is held for that client only: a redeploy (once the data centre exists) tries at once', async () => {
        const c1 = make({ authMode: 'password', acctId: 'not-yet-created' }, { password: KINGDEE_DEMO.password });
        await should(c1.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'config', message: /check the data-centre id/ });
        c1.close();
        const c2 = make({ authMode: 'password', acctId: 'not-yet-created' }, { password: KINGDEE_DEMO.password });
        await should(c2.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'config', message: /^(?!.*not tried again)/ });
        should(kd.sim.loginCount).equal(2);
    });

    it('a signed login refused for its timestamp (the clock, not the secret) is held for that client only: a redeploy once the clock is right tries at once', async () => {
        kd.sim.clockOffsetS = 3600;
        const c1 = make({ authMode: 'sign' }, { appSecret: KINGDEE_DEMO.appSecret });
        await should(c1.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {})).be.rejectedWith({ kind: 'config', message: /签名已过期/ });
        c1.close();
        kd.sim.clockOffsetS = 0;
        const c2 = make({ authMode: 'sign' }, { appSecret: KINGDEE_DEMO.appSecret });
        await c2.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {});
        should(kd.sim.loginCount).equal(2);
        should(kd.sim.loginSuccesses).equal(1);
    });

    it('refused logins back off: 1 min, then 2, 4 … up to the maximum; a locked account waits the maximum; a success resets it', async () => {
        // Time moved on by `offset`: the cooldowns are measured on the monotonic clock, the signatures on the wall clock.
        const realNow = Date.now;
        const realMonotonic = performance.now.bind(performance);
        let offset = 0;
        Date.now = () => realNow() + offset;
        performance.now = () => realMonotonic() + offset;
        try {
            const c = make({ authMode: 'password', loginCooldownMs: 60000, maxLoginCooldownMs: 240000 }, { password: 'old-password' });
            const q = () => c.executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', FilterString: "FNumber='MAT001'" }, {}).then((rows) => rows, (e: ConnectorError) => e);
            should(await q()).match({ kind: 'config' });
            should(kd.sim.loginCount).equal(1);
            const held = await q();
            should(held).match({ kind: 'config', message: /not tried again for (59|60) s/ });
            should(kd.sim.loginCount).equal(1);
            offset += 61000; // the first cooldown (1 min) is over: one more attempt, refused → 2 min
            await q();
            should(kd.sim.loginCount).equal(2);
            offset += 61000;
            await q();
            should(kd.sim.loginCount).equal(2);
            offset += 60000; // 121 s after the second refusal
            await q();
            should(kd.sim.loginCount).equal(3); // refused a third time → 4 min (the maximum)
            offset += 239000;
            await q();
            should(kd.sim.loginCount).equal(3);
            // The administrator sets the password the flow uses; after the cooldown the login works and resets the count.
            kd.sim.creds.password = 'old-password';
            offset += 2000;
            should(await q()).eql([['MAT001']]);
            should(kd.sim.loginCount).equal(4);
            // Session lost and the account now locked: the first refusal already waits the maximum.
            kd.sim.expireSessions();
            kd.sim.locked = true;
            should(await q()).match({ kind: 'config', message: /locked/ });
            should(kd.sim.loginCount).equal(5);
            offset += 230000;
            await q();
            should(kd.sim.loginCount).equal(5);
            kd.sim.locked = false;
            offset += 11000;
            should(await q()).eql([['MAT001']]);
            should(kd.sim.loginCount).equal(6);
        } finally {
            Date.now = realNow;
            performance.now = realMonotonic;
        }
    });

    it('signed login refused: the message says the signature was rejected and names clock and algorithm, not the secret', async () => {
        const err = await make({}, { appSecret: 'a-wrong-secret-0000' }).testConnection({}).then(() => undefined, (e) => e);
        should(err).match({ kind: 'config', code: '002005000003016' });
        should(err.message).match(/签名验证失败 \(the signature was rejected: check the app id and app secret, the server clock, and the sign algorithm \(sha256/);
        should(err.message).not.containEql('a-wrong-secret-0000');
        kd.client!.close();
        // A server whose clock is 10 minutes off refuses the timestamp.
        kd.sim.clockOffsetS = 600;
        const skew = await make().testConnection({}).then(() => undefined, (e) => e);
        should(skew.message).match(/签名已过期.*server clock/);
    });

    it('API-signature mode against a server whose clock is off: a config error after one request, no loop', async () => {
        kd.sim.clockOffsetS = -600;
        const err = await make({ authMode: 'apisign' }).executeBillQuery({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {}).then(() => undefined, (e) => e);
        should(err).match({ kind: 'config', code: 'MSGCODE_1' });
        should(err.message).match(/API signature/);
        should(calls('ExecuteBillQuery')).have.length(1);
        should(kd.sim.loginCount).equal(0);
    });

    it('a server URL without the virtual directory (http://host instead of http://host/k3cloud/): the 404 says to check serverUrl and its /k3cloud/, for the login and in API-signature mode, one request each', async () => {
        for (const mode of ['sign', 'apisign'] as const) {
            const before = kd.sim.requests.length;
            const err = await make({ authMode: mode, serverUrl: kd.sim.baseUrl }).testConnection({}).then(() => undefined, (e) => e);
            should(err).match({ kind: 'config', code: 'HTTP_404' });
            should(err.message).match(/check the server URL \(serverUrl\).*\/k3cloud\//);
            should(kd.sim.requests.length).equal(before + 1);
            kd.client!.close();
        }
    });

    it('server page limit: default 2000, configurable to 10000, never above 10000', async () => {
        should(make().settings.maxLimit).equal(2000);
        kd.client!.close();
        should(make({ maxLimit: 50000 }).settings.maxLimit).equal(10000);
        kd.client!.close();
        kd.sim.maxLimit = 10000;
        await all(make({ maxLimit: 10000 }).queryBills({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber' }, {}));
        await all(kd.client!.queryBills({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', Limit: 20000 }, {}));
        should(bodies('ExecuteBillQuery').map((b) => b.data.Limit)).eql([10000, 10000]);
    });

    it('server page limit: a fraction (2.5) is refused naming maxLimit, not sent to the server as Limit 2.5', async () => {
        for (const maxLimit of [2.5, 1999.5]) {
            const err = await Promise.resolve().then(() => make({ maxLimit })).then(() => undefined, (e) => e);
            kd.client?.close();
            should.exist(err, `maxLimit ${maxLimit} was accepted`);
            should(err).match({ kind: 'config', field: 'maxLimit' });
            should(err.message).match(/^maxLimit: .*whole number/);
        }
    });

    it('push by entry id (EntryIds, entry-level push); an unaudited source fails with the conversion message', async () => {
        const c = make();
        const options = { TargetFormId: 'AP_PAYBILL', RuleId: 'r1', IsEnableDefaultRule: false, TargetOrgId: 0 };
        const out = [...(await c.push('CN_PAYAPPLY', 'EntryId', ['710003'], options, {})), ...(await c.push('CN_PAYAPPLY', 'Number', ['FKSQ000111'], options, {}))];
        should(out[0]).match({ ok: true, result: { FormId: 'AP_PAYBILL', source: { FormId: 'CN_PAYAPPLY', EntryId: '710003' } } });
        should((out[1] as any).error.message).match(/FKSQ000111.*未审核/);
        should(bodies('Push').map((b) => [b.data.Numbers, b.data.Ids, b.data.EntryIds])).eql([[[], '', '710003'], [['FKSQ000111'], '', '']]);
        should(kd.sim.rows('AP_PAYBILL').map((r) => r.FSRCBILLNO)).eql(['FKSQ000103']);
    });
});

describe('kingdee answers as protocols.md prints them (§1.3, §1.5, §1.8)', () => {
    const lost = { Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: false, Errors: [{ FieldName: null, Message: '会话信息已丢失，请重新登录', DIndex: 0 }], SuccessEntitys: [], SuccessMessages: [], MsgCode: 1 } } };

    it('session lost: MsgCode 1 unwrapped and [[…]]-wrapped (ExecuteBillQuery), and by the keywords alone', () => {
        should(isSessionLost(responseStatusOf(lost))).be.true();
        should(isSessionLost(responseStatusOf([[lost]]))).be.true();
        for (const m of ['会话信息已丢失，请重新登录', '会话已过期', '请重新登录', 'Session lost']) {
            should(isSessionLost(responseStatusOf({ Result: { ResponseStatus: { IsSuccess: false, Errors: [{ Message: m }], MsgCode: 4 } } }))).be.true(m);
        }
        // Rows are not a status; a success and another failure are not a lost session.
        should(responseStatusOf([[100001, 'MAT001', '螺丝']])).be.undefined();
        should(isSessionLost(responseStatusOf({ Result: { ResponseStatus: { IsSuccess: true, Errors: [], MsgCode: 0 } } }))).be.false();
        should(isSessionLost(responseStatusOf([[{ Result: { ResponseStatus: { IsSuccess: false, Errors: [{ Message: '…' }], MsgCode: 4 } } }]]))).be.false();
    });

    it('MsgCode → kind as in the §1.8 table', () => {
        const table: Record<number, string> = { 1: 'auth', 2: 'config', 3: 'validation', 4: 'business', 5: 'validation', 6: 'business', 7: 'config', 8: 'validation', 9: 'business', 10: 'business', 11: 'business', 12: 'business', 13: 'transient', 14: 'rate-limit', 15: 'config' };
        for (const [code, kind] of Object.entries(table)) should(classifyMsgCode(Number(code))).equal(kind, `MsgCode ${code}`);
    });

    it('/Date(1704067200000+0800)/ → 2024-01-01T08:00:00 (China time, zone-less like the server\'s other dates)', () => {
        should(convertNetDate('/Date(1704067200000+0800)/')).equal('2024-01-01T08:00:00');
        should(convertNetDate('/Date(1704067200000-0500)/')).equal('2023-12-31T19:00:00');
        should(convertNetDate('2024-01-01T00:00:00')).equal('2024-01-01T00:00:00');
        should(convertNetDate(5)).equal(5);
    });
});

describe('kingdee bill query: where the rows emitted end on a page read again', () => {
    // Rows keyed by material and quantity only (no bill or entry id among the fields): equal rows are common.
    const keys = ['FMaterialId', 'FQty'];
    const row = (m: string, q = 1) => ({ FMaterialId: m, FQty: q });
    const ids = (...rows: Array<Record<string, unknown>>) => rows.map((r) => JSON.stringify(keys.map((k) => r[k])));

    it('rows added before: the last row emitted further down the page', () => {
        should(resumePoint([row('Z'), row('A'), row('B')], keys, ids(row('Z'), row('A')), []).at).equal(1);
    });

    it('an unread row with the values of an older emitted row, after the last one emitted, is not taken for it', () => {
        // Emitted …, A, B, C (C last). Rows were added before, so C is at index 2; the unread row at index 4 has A's
        // values. Taking it (the last row of the page matching any emitted one) would skip the unread D.
        const page = [row('A'), row('B'), row('C'), row('D'), row('A')];
        should(resumePoint(page, keys, ids(row('A'), row('B'), row('C')), []).at).equal(2);
    });

    it('rows with equal values: the one whose preceding rows match what was emitted before it', () => {
        // Emitted X, A, A (two identical lines), the last at index 2 of this page; an unread A follows after Y.
        const page = [row('X'), row('A'), row('A'), row('Y'), row('A')];
        should(resumePoint(page, keys, ids(row('X'), row('A'), row('A')), []).at).equal(2);
        // Emitted Y, A; the page (read a page back, rows having left) holds A, Y, A, A: the A after Y.
        should(resumePoint([row('A'), row('Y'), row('A'), row('A')], keys, ids(row('Y'), row('A')), []).at).equal(2);
    });

    it('the last row emitted left the result: the most recent emitted row still on the page', () => {
        should(resumePoint([row('P'), row('Q'), row('R')], keys, ids(row('Q'), row('GONE')), []).at).equal(1);
        should(resumePoint([row('P')], keys, ids(row('Q')), []).at).equal(-1);
        should(resumePoint([row('P')], keys, [], []).at).equal(-1);
    });
});

describe('kingdee bill query against a scripted result that changes while it is paged', () => {
    // A vendor that answers ExecuteBillQuery from `rows` (ordered by FID, as the query's stable order asks), after
    // `before(call)` has changed them; every call is counted and a runaway read is stopped.
    const scripted = (rows: Array<{ FID: number; FV: unknown }>, before: (call: number, rows: Array<{ FID: number; FV: unknown }>) => void = () => undefined) => {
        const c = new KingdeeClient(
            commonClientSettings('kingdee', { rps: 0, concurrency: 0 }, { rps: 0, concurrency: 0 }),
            { serverUrl: 'http://127.0.0.1:9', acctId: 'a', username: 'u', authMode: 'sign', appId: 'x' },
            { password: 'p', appSecret: 's' },
        );
        const starts: number[] = [];
        c.executeBillQuery = async (data: Record<string, unknown>) => {
            if (starts.length >= 200) throw new Error(`runaway read: ${starts.length} calls, StartRow ${starts.slice(-5).join(', ')} …`);
            before(starts.length + 1, rows);
            starts.push(Number(data.StartRow));
            return rows.slice(Number(data.StartRow), Number(data.StartRow) + Number(data.Limit)).map((r) => String(data.FieldKeys).split(',').map((k) => (r as Record<string, unknown>)[k]));
        };
        return { c, starts };
    };
    const read = async (c: KingdeeClient, params: Partial<BillQueryParams> = {}) => {
        const out: unknown[] = [];
        for await (const p of c.queryBills({ FormId: 'SAL_OutStock', FieldKeys: ['FID', 'FV'], ...params }, {})) out.push(...p.records.map((r) => r.FID));
        return out;
    };
    const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ FID: i + 1, FV: 'x' }));

    it('Limit 1: each page after the first still moves on past the last row emitted; every row once, then the read ends', async () => {
        const { c } = scripted(rowsOf(5));
        should(await read(c, { Limit: 1 })).eql([1, 2, 3, 4, 5]);
    });

    it('FieldKeys without the primary key, rows of equal values: a row moved onto the place of the last one emitted is not taken for it', async () => {
        // Bills 2 and 3 have the same values in the fields asked. After the first page (1, 2), bill 1 leaves the result:
        // bill 3 moves onto the place of bill 2, where the next page starts.
        const { c, starts } = scripted([{ FID: 1, FV: 'X' }, { FID: 2, FV: 'A' }, { FID: 3, FV: 'A' }, { FID: 4, FV: 'Y' }], (call, rows) => {
            if (call === 2) rows.splice(0, 1);
        });
        const out: unknown[] = [];
        for await (const p of c.queryBills({ FormId: 'SAL_OutStock', FieldKeys: 'FV', Limit: 2 }, {})) out.push(...p.records);
        should(out).eql([{ FV: 'X' }, { FV: 'A' }, { FV: 'A' }, { FV: 'Y' }]);
        should(starts[0]).equal(0);
    });
});
