import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { MaycurSim, MAYCUR_DEMO, demoPayments } from '../sim/maycur';
import { MaycurClient } from '../../nodes/maycur/client';
import { commonClientSettings, ConnectorError, SharedLogin } from '../../nodes/core';
import maycurConfig = require('../../nodes/maycur/maycur-config');
import maycurPaidList = require('../../nodes/maycur/maycur-paid-list');
import { testButtonText } from '../helpers/editor-locales';
import { testConnectionLimit } from '../../nodes/core/config-node';

const PAID_LIST = '/api/openapi/paymenttransaction/paid/list';
const isData = (r: { path: string }) => r.path === PAID_LIST;
const until = async (ok: () => boolean) => {
    while (!ok()) await new Promise((r) => setTimeout(r, 5));
};
// Node-RED's Catch puts its own {message, source, stack} on msg.error and keeps the kit's classified error as msg._error.

describe('maycur-paid-list against the Maycur simulator', function () {
    let sim: MaycurSim;

    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const start = async (options: ConstructorParameters<typeof MaycurSim>[0] = {}) => {
        sim = new MaycurSim(options);
        await sim.start();
    };
    const config = (extra: Msg = {}) => ({ id: 'c1', type: 'maycur-config', server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode, retryBaseMs: 5, maxRetries: 3, rps: 0, ...extra });
    const node = (params: Msg = {}, extra: Msg = {}) => ({ id: 'n1', type: 'maycur-paid-list', z: 'f1', config: 'c1', params, outputMode: 'all', ...extra });
    const loadFlow = (n: Msg = node(), cfg: Msg = {}, appSecret = MAYCUR_DEMO.appSecret) => load([maycurConfig, maycurPaidList], withProbes([config(cfg), n], 'n1', 1), { c1: { appSecret } });
    const bodies = () => sim.requests.filter(isData).map((r) => JSON.parse(r.body));

    describe('session', () => {
        it('reuses one token across 50 calls: exactly one login', async () => {
            await start();
            await loadFlow();
            for (let i = 0; i < 50; i++) {
                const r = await run('n1', { params: { paymentNo: demoPayments()[i % 10].paymentNo } }, 1);
                should(r.caught).be.undefined();
                should(r.outputs[0][0].payload).have.length(1);
            }
            should(sim.logins).equal(1);
            should(sim.loginAttempts).equal(1);
            should(sim.requests.filter(isData)).have.length(50);
            // Every data call carried the session headers of that one login.
            should(new Set(sim.requests.filter(isData).map((r) => r.headers.tokenid)).size).equal(1);
            should(sim.requests.filter(isData).every((r) => r.headers.entcode === MAYCUR_DEMO.entCode)).be.true();
        });

        it('after the token expires (clock fast-forwarded 31 min): exactly one more login, and the call succeeds', async () => {
            await start();
            await loadFlow();
            await run('n1', {}, 1);
            should(sim.logins).equal(1);
            sim.advance(31 * 60000);
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
            await run('n1', {}, 1);
            should(sim.logins).equal(2);
        });

        it('a token-expired NACK: one re-login and one replay of the same request', async () => {
            await start();
            await loadFlow();
            await run('n1', {}, 1);
            sim.clearRequests();
            sim.inject({ type: 'vendor', name: 'token-expired' }, 1, isData);
            const r = await run('n1', { params: { paymentNo: 'PAY202401000003' } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((p: Msg) => p.payeeTargetBusinessCode)).eql(['FKSQ000103']);
            should(sim.requests.map((q) => (isData(q) ? 'data' : 'login'))).eql(['data', 'login', 'data']);
            should(JSON.parse(sim.requests[2].body).data).eql(JSON.parse(sim.requests[0].body).data);
            should(sim.logins).equal(2);
        });

        it('a second auth NACK after the re-login fails to Catch instead of looping', async () => {
            await start();
            await loadFlow();
            sim.inject({ type: 'vendor', name: 'token-expired' }, 5, isData);
            const r = await run('n1', {}, 1);
            should(r.caught!._error).match({ system: 'maycur', kind: 'auth', code: 'TOKEN_INVALID' });
            should(sim.logins).equal(2);
            should(sim.requests.filter(isData)).have.length(2);
        });

        it('login blocked by the vendor → rate-limit error to Catch, and no login loop', async () => {
            await start();
            sim.blockLogins();
            await loadFlow();
            const r = await run('n1', {}, 1);
            should(r.caught!._error).match({ system: 'maycur', kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT' });
            should(r.caught!._error.message).match(/too often/);
            // Three retries were allowed, yet the server saw one login: the block is remembered locally.
            should(sim.loginAttempts).equal(1);
            await run('n1', {}, 1);
            should(sim.loginAttempts).equal(1);
            should(sim.requests.filter(isData)).have.length(0);
        });

        it('the simulator\'s own login limit (re-login within the minute) is classified as rate-limit', async () => {
            await start({ loginsPerMinute: 1 });
            await loadFlow();
            await run('n1', {}, 1);
            sim.expireTokens();
            const r = await run('n1', {}, 1);
            should(r.caught!._error).match({ kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT' });
            should(sim.loginAttempts).equal(2);
        });

        it('POST /cn-erp/maycur-config/test: an appSecret pasted with a trailing space, a tab or a full-width space (U+3000) logs in; one in quotes is refused naming appSecret, no login sent', async () => {
            await start();
            await loadFlow();
            const test = (appSecret: string) => helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret } }).expect(200);
            for (const pad of [' ', '\t', '\u3000']) should((await test(`${MAYCUR_DEMO.appSecret}${pad}`)).body).match({ ok: true, message: /entCode EC2024000001/ });
            const quoted = await test(`"${MAYCUR_DEMO.appSecret}"`);
            should(quoted.body).match({ ok: false, kind: 'config', message: /^appSecret: .*quotes/ });
            should(JSON.stringify(quoted.body)).not.containEql(MAYCUR_DEMO.appSecret);
            should(sim.loginAttempts).equal(3);
        });

        it('"Test connection" clicked again and again while a flow runs: the sixth login of the app in a minute is not sent, so Maycur never blocks the app and the flow reads on', async () => {
            await start();
            await loadFlow();
            await run('n1', {}, 1);
            const test = () => helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret: MAYCUR_DEMO.appSecret } }).expect(200);
            for (let click = 1; click <= 4; click++) should((await test()).body).match({ ok: true });
            const refused = await test();
            should(refused.body).match({ ok: false, kind: 'rate-limit', code: 'LOGINS_PER_MINUTE', message: /^no login sent: this app \(appCode\) logged in 5 times in the last minute, .*next login can go in \d+ s$/ });
            should(testButtonText('maycur', 'maycur-config', refused.body, 'zh-CN')).match(/^✘ LOGINS_PER_MINUTE: 未发送登录：此应用（appCode）最近一分钟已登录 5 次，.*\d+ 秒后可再登录$/);
            // Before, the sixth login went out and Maycur blocked the app for 10 minutes: the flow's next renewal with it.
            should(sim.loginAttempts).equal(5);
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
        });

        it('Maycur blocking the app\'s logins holds every config node of the app and the test button: no login is sent into the block', async () => {
            await start();
            sim.blockLogins();
            const test = () => helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret: MAYCUR_DEMO.appSecret } }).expect(200);
            const blocked = (await test()).body;
            should(blocked).match({ ok: false, kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT' });
            should(testButtonText('maycur', 'maycur-config', blocked, 'zh-CN')).match(/^✘ \S+: 每刻因登录过于频繁拒绝了登录.*；北京时间 \d\d:\d\d 之前不再尝试登录$/);
            should(testButtonText('maycur', 'maycur-config', blocked, 'en-US')).equal(`✘ ${blocked.code}: ${blocked.message}`);
            should(sim.loginAttempts).equal(1);
            await loadFlow();
            const r = await run('n1', {}, 1);
            should(r.caught!._error).match({ kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT', message: /no new login is attempted before/ });
            should((await test()).body).match({ ok: false, kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT' });
            should(sim.loginAttempts).equal(1);
        });

        it('a wrong appSecret → config error to Catch, one login attempt, secret not in the message', async () => {
            await start();
            await loadFlow(node(), {}, 'not-the-secret');
            const r = await run('n1', {}, 1);
            should(r.caught!._error).match({ kind: 'config', code: 'SECRET_INVALID' });
            should(r.caught!._error.message).not.match(/not-the-secret/);
            should(sim.loginAttempts).equal(1);
        });

        it('a refused login is not sent again by the next msgs (a rotated secret must not log in once per poll): each msg at Catch with the cooldown, one login', async () => {
            await start();
            await loadFlow(node(), {}, 'rotated-secret');
            for (let i = 0; i < 5; i++) {
                const r = await run('n1', {}, 1);
                should(r.caught!._error).match({ kind: 'config', code: 'SECRET_INVALID' });
                if (i > 0) should(r.caught!._error.message).match(/not tried again for \d+ s/);
            }
            should(sim.loginAttempts).equal(1);
        });

        it('the secret the flow was refused is not sent again by Test connection or a redeploy with it; the right secret is tried at once', async () => {
            // Each click of the button is a client of its own: it logged in with the refused secret every time, and Maycur
            // disables an app that keeps logging in (§7.2).
            await start();
            await loadFlow(node(), {}, 'rotated-secret');
            should((await run('n1', {}, 1)).caught!._error).match({ code: 'SECRET_INVALID' });
            const click = (appSecret: string) => helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret } }).expect(200);
            for (let i = 0; i < 3; i++) should((await click('rotated-secret')).body).match({ ok: false, code: 'SECRET_INVALID', message: /not tried again for \d+ s by any node or Test connection with these settings/ });
            await helper.unload();
            await loadFlow(node(), {}, 'rotated-secret');
            should((await run('n1', {}, 1)).caught!._error.message).match(/not tried again/);
            should(sim.loginAttempts).equal(1);
            should((await click(MAYCUR_DEMO.appSecret)).body).match({ ok: true });
            should(sim.loginAttempts).equal(2);
        });

        it('a login refused for its timestamp (this machine\'s clock, not the secret) is held for that config node only: a redeploy once the clock is right logs in at once', async () => {
            await start();
            const isLogin = (r: { path: string }) => /auth\/login/.test(r.path);
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 'NACK', success: false, errorCode: 'TIMESTAMP_INVALID', message: 'timestamp与服务器时间相差超过5分钟', data: null }) }, 1, isLogin);
            await loadFlow(node());
            should((await run('n1', {}, 1)).caught!._error).match({ kind: 'config', code: 'TIMESTAMP_INVALID' });
            await helper.unload();
            await loadFlow(node());
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(sim.requests.filter(isLogin)).have.length(2);
        });

        it('a login refused for its timestamp tells to check this machine\'s clock, not appCode and appSecret (flow and Test connection, zh-CN too)', async () => {
            await start();
            const isLogin = (r: { path: string }) => /auth\/login/.test(r.path);
            const skew = JSON.stringify({ code: 'NACK', success: false, errorCode: 'TIMESTAMP_INVALID', message: 'timestamp与服务器时间相差超过5分钟', data: null });
            sim.inject({ type: 'http', status: 200, body: skew }, 2, isLogin);
            await loadFlow(node());
            const e = (await run('n1', {}, 1)).caught!._error;
            should(e).match({ kind: 'config', code: 'TIMESTAMP_INVALID' });
            should(e.message).match(/timestamp与服务器时间相差超过5分钟/);
            should(e.message).match(/clock/);
            should(e.message).not.match(/check appCode and appSecret/);
            const test = await helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret: MAYCUR_DEMO.appSecret } }).expect(200);
            should(test.body).match({ ok: false, code: 'TIMESTAMP_INVALID' });
            const zh = testButtonText('maycur', 'maycur-config', test.body, 'zh-CN');
            should(zh).match(/时钟/);
            should(zh).not.match(/请核对 appCode 和 appSecret/);
        });

        it('Chinese appCode and appSecret sign correctly (the simulator verifies the sha256)', async () => {
            await start({ appCode: '每刻应用', appSecret: '密钥ABC' });
            await loadFlow(node(), { appCode: '每刻应用' }, '密钥ABC');
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
            should(sim.logins).equal(1);
        });
    });

    describe('paging and parameters', () => {
        it('pages across boundaries with no record lost or repeated (23 payments, 5 per page)', async () => {
            await start({ count: 23 });
            await loadFlow(node({ pageSize: { value: '5', type: 'num' } }, { outputMode: 'page' }));
            const r = await run('n1', {}, 1);
            should(r.outputs[0].map((m) => m.payload.length)).eql([5, 5, 5, 5, 3]);
            const got = r.outputs[0].flatMap((m) => m.payload.map((p: Msg) => p.paymentNo));
            should(got).eql(sim.payments.map((p) => p.paymentNo));
            should(bodies().map((b) => b.data.pageNum)).eql([1, 2, 3, 4, 5]);
            should(bodies().every((b) => b.data.pageSize === 5 && typeof b.timestamp === 'number')).be.true();
        });

        it('one payment order (paymentNo) paying several bills: the payment of each bill comes out, across page boundaries too; only true repeats are dropped', async () => {
            const payments = demoPayments(7);
            // Payments 2-4 are one payment order paying three bills (paid at one instant, as a merged payment is).
            for (const i of [3, 4]) payments[i] = { ...payments[i], paymentNo: payments[2].paymentNo, paidTime: payments[2].paidTime };
            await start({ payments });
            await loadFlow(node({ pageSize: { value: '3', type: 'num' } }));
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            const got: Msg[] = r.outputs[0][0].payload;
            should(got.map((p) => p.payeeTargetBusinessCode).sort()).eql(payments.map((p) => p.payeeTargetBusinessCode).sort());
            should(got.filter((p) => p.paymentNo === payments[2].paymentNo)).have.length(3);
        });

        it('a 19-digit sequence sent as a JSON number (a Java long) comes out with every digit, as text; amounts stay numbers', async () => {
            const payments = demoPayments(3);
            // JSON.parse rounds both to 1234567890123456800.
            payments[0].sequence = 1234567890123456789n;
            payments[1].sequence = 1234567890123456790n;
            payments[2].sequence = 42;
            await start({ payments });
            await loadFlow();
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            const out: Msg[] = r.outputs[0][0].payload;
            should(out.map((p) => p.sequence)).eql(['1234567890123456789', '1234567890123456790', 42]);
            should(out[0].payableAmount).equal(1000);
        });

        it('an exact multiple of the page size stops on totalCount, without an empty extra page', async () => {
            await start({ count: 20 });
            await loadFlow(node({ pageSize: { value: '10', type: 'num' } }));
            const r = await run('n1', {}, 1);
            should(r.outputs[0][0].payload).have.length(20);
            should(sim.requests.filter(isData)).have.length(2);
        });

        it('offset paging mode sends (page − 1) × pageSize and still loses nothing', async () => {
            await start({ count: 12 });
            sim.pagingMode = 'offset';
            await loadFlow(node({ pageSize: { value: '5', type: 'num' } }), { pagingMode: 'offset' });
            const r = await run('n1', {}, 1);
            should(r.outputs[0][0].payload.map((p: Msg) => p.paymentNo)).eql(sim.payments.map((p) => p.paymentNo));
            should(bodies().map((b) => b.data.pageNum)).eql([0, 5, 10]);
        });

        describe('a server reading pageNum as an offset while the config sends page numbers (the default)', () => {
            // Page n is then rows n, n+1 …: the first payment is never read and each page repeats all but one row of
            // the page before. Read through, the run ended green with 7 of 12 payments.
            const offsetServer = async (count: number) => {
                await start({ count });
                sim.pagingMode = 'offset';
            };
            const namesTheSetting = (e: Msg) => {
                should(e).match({ system: 'maycur', kind: 'config', code: 'CONFIG', field: 'pagingMode', retryable: false });
                should(e.message).match(/reads pageNum as an offset/);
                should(e.message).match(/"pageNum means" \(pageNum 含义\) to "record offset" \(记录偏移量\)/);
            };

            it('the msg goes to Catch naming the setting, at page 2, and no payment is sent', async () => {
                await offsetServer(12);
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }));
                const r = await run('n1', {}, 1);
                should(r.outputs[0]).have.length(0);
                namesTheSetting(r.caught!._error);
                should(r.caught!._error.message).match(/page 2 repeats 4 of its 5 payments from page 1/);
                should(bodies().map((b) => b.data.pageNum)).eql([1, 2]);
            });

            it('caught whatever the count, a short first page included (3, 4, 6, 23 payments in pages of 5)', async () => {
                for (const count of [3, 4, 6, 23]) {
                    await offsetServer(count);
                    await loadFlow(node({ pageSize: { value: '5', type: 'num' } }));
                    const r = await run('n1', {}, 1);
                    should(r.outputs[0]).have.length(0, String(count));
                    namesTheSetting(r.caught!._error);
                    await helper.unload();
                    await sim.stop();
                }
                // afterEach stops a simulator of its own.
                await start();
            });

            it('incremental: the watermark does not move, so the run after the config is fixed reads every payment', async () => {
                await offsetServer(12);
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }, { incremental: true }));
                const r1 = await run('n1', {}, 1);
                namesTheSetting(r1.caught!._error);
                should(r1.outputs[0]).have.length(0);
                // The server now reading what the node sends (as after the config is set right: a redeploy would also
                // start a fresh watermark): the next run still asks from the start, and reads all 12.
                sim.pagingMode = 'page';
                const r2 = await run('n1', {}, 1);
                should(r2.caught).be.undefined();
                should(bodies()[2].data.startPaidTime).be.undefined();
                should(r2.outputs[0][0].payload.map((p: Msg) => p.paymentNo)).eql(sim.payments.map((p) => p.paymentNo));
            });

            it('the config set to offsets reads all 12, and says nothing', async () => {
                await offsetServer(12);
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }), { pagingMode: 'offset' });
                const r = await run('n1', {}, 1);
                should(r.caught).be.undefined();
                should(r.outputs[0][0].payload.map((p: Msg) => p.paymentNo)).eql(sim.payments.map((p) => p.paymentNo));
            });
        });

        describe('a server reading pageNum as a page number while the config sends offsets', () => {
            // A Java server paging with PageHelper's `reasonable` reads pageNum 0 as page 1 (not refused, as the config
            // node's help had it) and a page number past the last as the last page: page 2 (offset 5) is the last page,
            // taken for a capped short page, and the read went on over pages of repeats to end green without 6, 9, 10.
            it('the msg goes to Catch naming the setting, no payment is sent, and the watermark does not move', async () => {
                await start({ count: 12 });
                sim.reasonable = true;
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }, { incremental: true }), { pagingMode: 'offset' });
                const r1 = await run('n1', {}, 1);
                should(r1.outputs[0]).have.length(0);
                should(r1.caught!._error).match({ system: 'maycur', kind: 'config', code: 'CONFIG', field: 'pagingMode', retryable: false });
                should(r1.caught!._error.message).match(/reads pageNum as a page number/);
                should(r1.caught!._error.message).match(/"pageNum means" \(pageNum 含义\) to "page number" \(页码\)/);
                // The config set right (the server now reading offsets as sent): the next run reads all 12 from the start.
                sim.pagingMode = 'offset';
                const r2 = await run('n1', {}, 1);
                should(r2.caught).be.undefined();
                should(r2.outputs[0][0].payload.map((p: Msg) => p.paymentNo)).eql(sim.payments.map((p) => p.paymentNo));
            });
        });

        describe('a server reading pageNum as a page number, not paging "reasonably", while the config sends offsets', () => {
            const namesPageNumber = (e: Msg) => {
                should(e).match({ system: 'maycur', kind: 'config', code: 'CONFIG', field: 'pagingMode', retryable: false });
                should(e.message).match(/"pageNum means" \(pageNum 含义\) to "page number" \(页码\)/);
            };

            it('one refusing pageNum 0 (page 1\'s offset): the msg goes to Catch naming the setting, not as the server\'s bare "pageNum不合法"', async () => {
                await start({ count: 12 });
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }), { pagingMode: 'offset' });
                const r = await run('n1', {}, 1);
                should(r.outputs[0]).have.length(0);
                namesPageNumber(r.caught!._error);
                should(r.caught!._error.message).match(/refused pageNum 0.*pageNum不合法/);
                should(bodies().map((b) => b.data.pageNum)).eql([0]);
            });

            it('one reading pageNum 0 as page 1 and a page past its last as empty (MyBatis-Plus): page 2 empty fails naming the setting, not as EMPTY_PAGE; the watermark does not move', async () => {
                await start({ count: 12 });
                sim.belowOneIsFirst = true;
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }, { incremental: true }), { pagingMode: 'offset' });
                const r1 = await run('n1', {}, 1);
                namesPageNumber(r1.caught!._error);
                should(r1.caught!._error.message).match(/page 2 \(pageNum 5\) came back empty 3 times while totalCount \(12\)/);
                // Page 2 asked three times, as any empty page.
                should(bodies().map((b) => b.data.pageNum)).eql([0, 5, 5, 5]);
                sim.belowOneIsFirst = false;
                sim.pagingMode = 'offset';
                const r2 = await run('n1', {}, 1);
                should(r2.caught).be.undefined();
                should(bodies()[4].data.startPaidTime).be.undefined();
                should(r2.outputs[0][0].payload.map((p: Msg) => p.paymentNo)).eql(sim.payments.map((p) => p.paymentNo));
            });

            it('page numbers sent and page 2 empty after a full page 1 (a replica behind): EMPTY_PAGE as before, the setting not blamed', async () => {
                await start({ count: 12 });
                const empty = JSON.stringify({ code: 'ACK', success: true, message: '', data: { pageNum: 2, pageSize: 5, totalCount: 12, list: [] } });
                sim.inject({ type: 'http', status: 200, body: empty }, 3, (q) => isData(q) && JSON.parse(q.body).data.pageNum === 2);
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }));
                const r = await run('n1', {}, 1);
                should(r.caught!._error).match({ code: 'EMPTY_PAGE', kind: 'transient' });
                should(r.caught!._error.field).be.undefined();
            });
        });

        describe('payments changing while the node pages (page numbers on both sides): repeats are dropped, no config error', () => {
            const earlier = (i: number) => ({ ...demoPayments(1)[0], paymentNo: `PAY2023${String(i).padStart(8, '0')}`, paidTime: Date.UTC(2024, 0, 9, 1, i) });

            it('four payments paid earlier arrive after page 1 (page 2 repeats 4 of its 5 rows, but the total grew): every payment there was is read, once', async () => {
                await start({ count: 12 });
                const all = sim.payments.map((p) => p.paymentNo);
                sim.afterRequest(() => sim.payments.unshift(...[1, 2, 3, 4].map(earlier)), isData);
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }));
                const r = await run('n1', {}, 1);
                should(r.caught).be.undefined();
                const got: string[] = r.outputs[0][0].payload.map((p: Msg) => p.paymentNo);
                should(all.filter((no) => !got.includes(no))).eql([]);
                should(got.filter((no, i) => got.indexOf(no) !== i)).eql([]);
            });

            it('one payment arrives and one leaves after page 1 (the total unchanged, page 2 repeats one row): every payment left is read, once', async () => {
                await start({ count: 12 });
                sim.afterRequest(() => {
                    sim.payments.pop();
                    sim.payments.unshift(earlier(1));
                }, isData);
                const kept = sim.payments.slice(0, 11).map((p) => p.paymentNo);
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }));
                const r = await run('n1', {}, 1);
                should(r.caught).be.undefined();
                should(r.outputs[0][0].payload.map((p: Msg) => p.paymentNo)).eql(kept);
                should(sim.requests.filter(isData).map((q) => JSON.parse(q.body).data.pageNum)).eql([1, 2, 3]);
            });
        });

        it('a server serving fewer payments a page than asked (its totalCount saying more follow): every payment is read, in offset mode as in page mode', async () => {
            for (const pagingMode of ['page', 'offset'] as const) {
                await start({ count: 12 });
                sim.pagingMode = pagingMode;
                sim.servesAtMost = 3;
                await loadFlow(node({ pageSize: { value: '5', type: 'num' } }), { pagingMode });
                const r = await run('n1', {}, 1);
                should(r.caught).be.undefined();
                should(r.outputs[0][0].payload.map((p: Msg) => p.paymentNo)).eql(sim.payments.map((p) => p.paymentNo), pagingMode);
                const warnings = helper.getNode('n1').warn.args.map((a: unknown[]) => String(a[0])).filter((t: string) => /for a page size of 5 while the total/.test(t));
                should(warnings).have.length(1, pagingMode);
                await helper.unload();
                await sim.stop();
            }
            // afterEach stops a simulator of its own.
            await start();
        });

        it('China-time and ISO paid-time strings are sent as ms and select the inclusive window', async () => {
            await start();
            const pays = demoPayments();
            await loadFlow();
            // pays[1] is paid at 2024-01-09 11:00 China time (03:00Z), pays[3] at 05:00Z.
            const r = await run('n1', { params: { startPaidTime: '2024-01-09 11:00:00', endPaidTime: '2024-01-09T05:00:00Z' } }, 1);
            should(r.caught).be.undefined();
            should(bodies()[0].data).match({ startPaidTime: pays[1].paidTime, endPaidTime: pays[3].paidTime });
            should(r.outputs[0][0].payload.map((p: Msg) => p.payeeTargetBusinessCode)).eql(['FKSQ000102', 'FKSQ000103', 'FKSQ000104']);
        });

        it('a date alone as endPaidTime (inclusive, as the help says) means the end of that day: its payments are read, not cut at 00:00', async () => {
            await start();
            const pays = demoPayments();
            await loadFlow();
            // Every demo payment is paid on 2024-01-09 (10:00 – 19:00 China time).
            const r = await run('n1', { params: { startPaidTime: '2024-01-09', endPaidTime: '2024-01-09' } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
            should(bodies()[0].data).match({ startPaidTime: pays[0].paidTime - 10 * 3600000, endPaidTime: pays[0].paidTime + 14 * 3600000 - 1 });
            // A date-time end stays as typed.
            const t = await run('n1', { params: { startPaidTime: '2024-01-09', endPaidTime: '2024-01-09 11:00:00' } }, 1);
            should(t.outputs[0][0].payload.map((p: Msg) => p.paymentNo)).eql([pays[0].paymentNo, pays[1].paymentNo]);
        });

        it('incremental, first run with a date alone as its end: the watermark is the end of that day, so the next run neither reads that day again nor skips it', async () => {
            await start();
            await loadFlow(node({ endPaidTime: { value: '2024-01-09', type: 'str' } }, { incremental: true, overlapMinutes: 10 }));
            const r1 = await run('n1', {}, 1);
            should(r1.outputs[0][0].payload).have.length(10);
            const endOfDay = Date.UTC(2024, 0, 9, 16) - 1;
            should(bodies()[0].data.endPaidTime).equal(endOfDay);
            await run('n1', {}, 1);
            should(bodies()[1].data.startPaidTime).equal(endOfDay - 10 * 60000);
        });

        it('a paymentNo holding only spaces (a template that came out blank) is blank: not sent, every payment read', async () => {
            await start();
            await loadFlow();
            const r = await run('n1', { params: { paymentNo: '  ' } }, 1);
            should(r.caught).be.undefined();
            should(bodies()[0].data).not.have.property('paymentNo');
            should(r.outputs[0][0].payload).have.length(10);
        });

        it('records carry the seed\'s fields plus amount and paid time', async () => {
            await start();
            await loadFlow(node({}, { outputMode: 'record', maxRecords: '1' }));
            const r = await run('n1', {}, 1);
            should(r.outputs[0][0].payload).have.properties(['payeeTargetBusinessCode', 'payerAccountName', 'payerAccountNumber', 'payableAmount', 'paidTime', 'paymentBizCode', 'auditTimeStamp']);
            should(r.outputs[0][0].payload.payerAccountNumber).equal('6222000000000001');
        });

        it('bad input → clear error naming the field, nothing sent (not even a login)', async () => {
            await start();
            await loadFlow();
            let r = await run('n1', { params: { startPaidTime: 'last tuesday' } }, 1);
            should(r.caught!.error.message).match(/startPaidTime/);
            r = await run('n1', { params: { endPaidTime: '2024-13-45 99:00:00' } }, 1);
            should(r.caught!._error).match({ kind: 'validation', field: 'endPaidTime' });
            r = await run('n1', { params: { pageSize: 500 } }, 1);
            should(r.caught!.error.message).match(/pageSize/);
            r = await run('n1', { params: { startPaidTime: '2024-02-01', endPaidTime: '2024-01-01' } }, 1);
            should(r.caught!._error).match({ field: 'endPaidTime' });
            should(sim.requests).have.length(0);
        });

        it('an ACK whose data holds no list the node knows (list/records/data) but counts payments fails the msg; the watermark stays', async () => {
            await start();
            await loadFlow(node({}, { incremental: true }));
            const rows = demoPayments(2);
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 'ACK', success: true, message: '', data: { pageNum: 1, pageSize: 100, totalCount: 2, content: rows } }) }, 1, isData);
            const r = await run('n1', {}, 1);
            should(r.outputs[0]).have.length(0);
            should(r.caught!._error).match({ system: 'maycur', code: 'BAD_RESPONSE', retryable: false });
            should(r.caught!._error.message).match(/content/);
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 'ACK', success: true, message: '', data: JSON.stringify({ list: rows }) }) }, 1, isData);
            const text = await run('n1', {}, 1);
            should(text.caught!._error).match({ system: 'maycur', code: 'BAD_RESPONSE' });
            // Nothing taken for read: the next run asks from the start again (no startPaidTime) and gets every payment.
            const next = await run('n1', {}, 1);
            should(next.outputs[0][0].payload).have.length(10);
            should(bodies()[1].data.startPaidTime).be.undefined();
            // An empty answer is still an empty answer.
            for (const data of [null, {}, { pageNum: 1, pageSize: 100, totalCount: 0 }, { list: null }]) {
                sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 'ACK', success: true, message: '', data }) }, 1, isData);
                const empty = await run('n1', {}, 1);
                should(empty.caught).be.undefined();
                should(empty.outputs[0][0].payload).have.length(0);
            }
        });

        it('incremental on paid time: the second run starts at the first run\'s end minus the overlap', async () => {
            await start();
            await loadFlow(node({}, { incremental: true, overlapMinutes: 10 }));
            const before = Date.now();
            const r1 = await run('n1', {}, 1);
            should(r1.outputs[0][0].payload).have.length(10);
            const first = bodies()[0].data;
            should(first.startPaidTime).be.undefined();
            should(first.endPaidTime).be.within(before, Date.now());
            const r2 = await run('n1', {}, 1);
            const second = bodies()[1].data;
            should(second.startPaidTime).equal(first.endPaidTime - 10 * 60000);
            should(second.endPaidTime).be.aboveOrEqual(first.endPaidTime);
            // The demo payments are from 2024: nothing new since the first run.
            should(r2.outputs[0][0].payload).have.length(0);
        });
    });

    describe('rate limits and the test-connection button', () => {
        it('a data-call "too frequent" NACK is a rate limit: backed off and retried on the same session', async () => {
            await start();
            await loadFlow();
            sim.inject({ type: 'vendor', name: 'rate-limit' }, 1, isData);
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
            should(sim.requests.filter(isData)).have.length(2);
            should(sim.logins).equal(1);
        });

        it('a data-call "too frequent" NACK whose text names the login or the token is still a rate limit: backed off on the same session, no re-login (logins are what get the account disabled)', async () => {
            await start();
            await loadFlow();
            await run('n1', {}, 1);
            const nack = (message: string) => ({ type: 'http' as const, status: 200, body: JSON.stringify({ code: 'NACK', success: false, errorCode: 'REQUEST_TOO_FREQUENT', message, data: null }) });
            sim.inject(nack('当前登录用户请求过于频繁，请稍后再试'), 1, isData);
            let r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
            sim.inject(nack('token调用过于频繁'), 1, isData);
            r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(sim.loginAttempts).equal(1);
            should(sim.requests.filter(isData)).have.length(5);
            // Worded as the other vendors word it (限流, too many requests) under a code of its own: a rate limit too.
            for (const [errorCode, message] of [['FLOW_CONTROL', '触发限流，请稍后重试'], ['SYS_BUSY', 'Too Many Requests'], ['API_LIMIT', '调用频率超限'], ['API_LIMIT', '访问频率过高，请稍后重试'], ['API_LIMIT', '超出接口调用频率限制']]) {
                sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 'NACK', success: false, errorCode, message, data: null }) }, 1, isData);
                r = await run('n1', {}, 1);
                should(r.caught).be.undefined();
                should(r.outputs[0][0].payload).have.length(10);
            }
            should(sim.loginAttempts).equal(1);
        });

        it('a login answered "system busy" (NACK SYSTEM_BUSY 系统繁忙) is transient: logged in again after a backoff and read, not held as a refused login telling to check appCode and appSecret', async () => {
            await start();
            await loadFlow();
            const isLogin = (r: { path: string }) => r.path.endsWith('/auth/login');
            sim.inject({ type: 'vendor', name: 'system-busy' }, 1, isLogin);
            let r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
            should(sim.requests.filter(isLogin)).have.length(2);
            // Busy for longer than the retries: the msg fails as transient, and the next msg logs in at once (nothing held).
            await helper.unload();
            SharedLogin.forgetRefusals();
            MaycurClient.forgetLogins();
            sim.clearRequests();
            await loadFlow();
            sim.inject({ type: 'vendor', name: 'system-busy' }, 4, isLogin);
            r = await run('n1', {}, 1);
            should(r.caught!._error).match({ kind: 'transient', code: 'SYSTEM_BUSY', retryable: true });
            should(r.caught!._error.message).not.match(/check appCode/);
            r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
        });

        it('a data call answered "system busy" (NACK 系统繁忙) is transient: read again on the same session, no re-login, not a business error to Catch', async () => {
            await start();
            await loadFlow();
            sim.inject({ type: 'vendor', name: 'system-busy' }, 2, isData);
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(10);
            should(sim.requests.filter(isData)).have.length(3);
            should(sim.loginAttempts).equal(1);
        });

        it('POST /cn-erp/maycur-config/test logs in once with the dialog\'s values; a wrong secret is reported, not thrown', async () => {
            await start();
            await loadFlow();
            const ok = await helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret: MAYCUR_DEMO.appSecret } }).expect(200);
            should(ok.body).match({ ok: true, message: /entCode EC2024000001/ });
            should(testButtonText('maycur', 'maycur-config', ok.body, 'zh-CN')).equal('✔ 已登录（企业编码 entCode EC2024000001）');
            const bad = await helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret: 'x' } }).expect(200);
            should(bad.body).match({ ok: false, kind: 'config', code: 'SECRET_INVALID' });
            // In the editor's language: Maycur's own reason, the palette's words around it.
            should(testButtonText('maycur', 'maycur-config', bad.body, 'zh-CN')).match(/^✘ SECRET_INVALID: 登录被拒：.+（请核对 appCode 和 appSecret）$/);
            should(testButtonText('maycur', 'maycur-config', bad.body, 'en-US')).equal(`✘ SECRET_INVALID: ${bad.body.message}`);
            const missing = await helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl }, credentials: { appSecret: 'x' } }).expect(200);
            should(missing.body).match({ ok: false, kind: 'config', message: 'appCode: is required' });
            should(sim.loginAttempts).equal(2);
        });

        it('a custom base URL typed with the API prefix (…/api/openapi, …/api/openapi/) is the host: login and data calls go to /api/openapi/…, not /api/openapi/api/openapi/…', async () => {
            await start();
            await loadFlow(node(), { baseUrl: `${sim.baseUrl}/api/openapi` });
            const r = await run('n1', { params: { paymentNo: demoPayments()[0].paymentNo } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(1);
            const ok = await helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: `${sim.baseUrl}/api/openapi/`, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret: MAYCUR_DEMO.appSecret } }).expect(200);
            should(ok.body).match({ ok: true, message: /entCode EC2024000001/ });
            should(sim.requests.map((q) => q.path)).eql(['/api/openapi/auth/login', PAID_LIST, '/api/openapi/auth/login']);
        });
    });

    describe('client', () => {
        const client = (now?: () => number) =>
            new MaycurClient(commonClientSettings('maycur', { retryBaseMs: 5 }, { rps: 0, concurrency: 0 }), { baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode, now }, { appSecret: MAYCUR_DEMO.appSecret });

        it('a refusal a new session gets too (no permission for the API) costs at most one re-login, not one per msg; the msgs reach Catch naming the permission', async () => {
            await start();
            await loadFlow();
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 'NACK', success: false, errorCode: 'NO_PERMISSION', message: '当前登录用户无权访问该接口', data: null }) }, 1000, isData);
            for (let i = 0; i < 7; i++) {
                const r = await run('n1', {}, 1);
                should(r.caught!.error.message).match(/无权访问/);
            }
            should(sim.loginAttempts).be.belowOrEqual(1);
        });

        it('a token refused again right after the re-login made for it: no further login within the minute', async () => {
            await start();
            await loadFlow();
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 'NACK', success: false, errorCode: 'TOKEN_INVALID', message: 'token已失效', data: null }) }, 1000, isData);
            for (let i = 0; i < 6; i++) should((await run('n1', {}, 1)).caught).be.ok();
            should(sim.loginAttempts).equal(2);
        });

        it('a login answered HTTP 401 is a refused login: held back like any other, not tried twice per msg', async () => {
            await start();
            await loadFlow();
            sim.inject({ type: 'http', status: 401, body: 'Unauthorized' }, 1000, (r) => r.path.endsWith('/auth/login'));
            for (let i = 0; i < 5; i++) {
                const r = await run('n1', {}, 1);
                should(r.caught!.error.message).match(/login refused: HTTP 401/);
            }
            should(sim.requests.filter((r) => r.path.endsWith('/auth/login'))).have.length(1);
        });

        it('a login refused for the app\'s pace (LOGINS_PER_MINUTE) holds that login only: the app\'s calls with a token in hand go on at once, the account is not paused', async () => {
            await start();
            const clients = Array.from({ length: 6 }, () => client());
            for (const c of clients) c.shareLimiter();
            const stop = new AbortController();
            try {
                for (const c of clients.slice(0, 5)) await c.paidList({ pageNum: 1, pageSize: 10 });
                let refused: ConnectorError | undefined;
                const sixth = clients[5].paidList({ pageNum: 1, pageSize: 10 }, { signal: stop.signal, onBackoff: (_ms, err) => (refused = err) }).then(() => 'read', (e) => e);
                await until(() => refused !== undefined);
                should(refused).match({ kind: 'rate-limit', code: 'LOGINS_PER_MINUTE' });
                // Before, the retry policy paused the whole account for the minute, as for a vendor's "too many requests".
                should(clients[0].limiter.pausedFor()).equal(0);
                should((await clients[0].paidList({ pageNum: 1, pageSize: 10 })).list.length).be.above(0);
                should(sim.loginAttempts).equal(5);
                stop.abort();
                should(await sixth).match({ kind: 'cancelled' });
            } finally {
                for (const c of clients) c.close();
            }
        });

        it('a login refused as too frequent under another code (REQUEST_TOO_FREQUENT 登录过于频繁) holds logins only, as LOGIN_TOO_FREQUENT does: the app\'s calls with a token in hand go on, the account is not paused', async () => {
            await start();
            const [withToken, loggingIn] = [client(), client()];
            for (const c of [withToken, loggingIn]) c.shareLimiter();
            try {
                await withToken.paidList({ pageNum: 1, pageSize: 10 });
                sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 'NACK', success: false, errorCode: 'REQUEST_TOO_FREQUENT', message: '登录过于频繁，请稍后再试', data: null }) }, 1, (r) => r.path.endsWith('/auth/login'));
                // The account's pause is read as the refused login backs off (a pause is over by the time the call ends).
                const pausedAtBackoff: number[] = [];
                const refused = await loggingIn.paidList({ pageNum: 1, pageSize: 10 }, { onBackoff: () => pausedAtBackoff.push(withToken.limiter.pausedFor()) }).then(() => 'read', (e) => e);
                should(refused).match({ kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT' });
                should(pausedAtBackoff.length).be.above(0);
                should(pausedAtBackoff).matchEach(0);
                should((await withToken.paidList({ pageNum: 1, pageSize: 10 })).list.length).be.above(0);
            } finally {
                for (const c of [withToken, loggingIn]) c.close();
            }
        });

        it('the account paused for longer than the longest wait (Retry-After: 1 hour): a msg needing a login fails at once to Catch, ACCOUNT_PAUSED, and Test connection says the account is paused, in the editor\'s language; no login sent', async () => {
            await start();
            await loadFlow();
            const other = client();
            other.shareLimiter();
            try {
                other.limiter.pause(3600000);
                const t0 = Date.now();
                const r = await run('n1', {}, 1, 5000);
                should(r.caught!.error).match({ cause: { code: 'ACCOUNT_PAUSED', kind: 'rate-limit', retryable: true } });
                should(Date.now() - t0).be.below(3000);
                const test = await helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret: MAYCUR_DEMO.appSecret } }).expect(200);
                should(test.body).match({ ok: false, kind: 'rate-limit', code: 'ACCOUNT_PAUSED' });
                should(testButtonText('maycur', 'maycur-config', test.body, 'zh-CN')).match(/^✘ ACCOUNT_PAUSED: 未测试：厂商要求该账号暂停请求（限流），请 3\d\d\d 秒后再测试$/);
                should(sim.loginAttempts).equal(0);
            } finally {
                other.close();
            }
        });

        it('Test connection while the account waits out a pause (Retry-After: 60) says the account is paused, not that the server timed out: the login it needs is not queued for the pause', async () => {
            await start();
            await loadFlow();
            const other = client();
            other.shareLimiter();
            const limit = testConnectionLimit.ms;
            testConnectionLimit.ms = 2000;
            try {
                other.limiter.pause(60000);
                const test = await helper.request().post('/cn-erp/maycur-config/test').send({ config: { server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, credentials: { appSecret: MAYCUR_DEMO.appSecret } }).expect(200);
                should(test.body).match({ ok: false, kind: 'rate-limit', code: 'ACCOUNT_PAUSED' });
                should(testButtonText('maycur', 'maycur-config', test.body, 'en-US')).match(/^✘ ACCOUNT_PAUSED: not tested: the vendor asked this account to wait \(rate limit\); test again in (60|59) s$/);
                should(sim.loginAttempts).equal(0);
            } finally {
                testConnectionLimit.ms = limit;
                other.close();
            }
        });

        it('a login answered HTTP 429 pauses the account before its limiter slot is given back: a call of the app queued behind it is not sent into the pause', async () => {
            await start();
            const one = () => new MaycurClient(commonClientSettings('maycur', { retryBaseMs: 5 }, { rps: 0, concurrency: 1 }), { baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, { appSecret: MAYCUR_DEMO.appSecret });
            const [withToken, loggingIn] = [one(), one()];
            withToken.shareLimiter();
            loggingIn.shareLimiter();
            try {
                await withToken.paidList({ pageNum: 1, pageSize: 10 });
                sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '2' }, afterMs: 300 }, 1, (r) => r.path.endsWith('/auth/login'));
                const logsIn = loggingIn.paidList({ pageNum: 1, pageSize: 10 });
                await until(() => sim.requests.some((r) => r.fault?.type === 'http'));
                const limited = sim.requests.find((r) => r.fault?.type === 'http')!;
                // Queued behind the login, which holds the app's one slot until its 429 comes 300 ms later.
                const queued = withToken.paidList({ pageNum: 1, pageSize: 10 });
                await Promise.all([logsIn, queued]);
                const after = sim.requests.filter((r) => r.time > limited.time);
                should(after.length).be.above(0);
                // Nothing went out between the 429 (answered 300 ms after it came) and the end of the 2 s it asked for.
                should(Math.min(...after.map((r) => r.time)) - limited.time).be.aboveOrEqual(300 + 1900);
            } finally {
                withToken.close();
                loggingIn.close();
            }
        });

        it('a login waiting for its turn while another is refused as too frequent is not sent into the block: the block is checked as it leaves the queue', async () => {
            await start();
            sim.blockLogins();
            sim.inject({ type: 'delay', ms: 200 }, 1, (r) => r.path.endsWith('/auth/login'));
            // One request at a time for the app: the second client's login waits behind the first's.
            const one = () => new MaycurClient(commonClientSettings('maycur', { retryBaseMs: 5, maxRetries: 0 }, { rps: 0, concurrency: 1 }), { baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode }, { appSecret: MAYCUR_DEMO.appSecret });
            const [a, b] = [one(), one()];
            a.shareLimiter();
            b.shareLimiter();
            try {
                const first = a.paidList({ pageNum: 1, pageSize: 10 }).then(() => 'read', (e) => e);
                await until(() => a.limiter.inFlight === 1);
                const second = b.paidList({ pageNum: 1, pageSize: 10 }).then(() => 'read', (e) => e);
                should(await first).match({ kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT' });
                should(await second).match({ kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT', message: /no new login is attempted before/ });
                // Before, the second login was let through as it joined the queue, and went into the block when its turn came.
                should(sim.loginAttempts).equal(1);
            } finally {
                a.close();
                b.close();
            }
        });

        it('ten concurrent calls share one login (single flight)', async () => {
            await start();
            const c = client();
            try {
                const pages = await Promise.all(Array.from({ length: 10 }, (_, i) => c.paidList({ pageNum: 1, pageSize: 100, paymentNo: demoPayments()[i].paymentNo })));
                should(pages.map((p) => p.list.length)).eql(new Array(10).fill(1));
                should(sim.logins).equal(1);
            } finally {
                c.close();
            }
        });

        it('a node closed while the shared login is in flight stops waiting; the other node\'s call still gets the token', async () => {
            await start();
            const c = client();
            try {
                sim.inject({ type: 'delay', ms: 300 }, 1, (r) => /auth\/login$/.test(r.path));
                const a = new AbortController();
                const pA = c.paidList({ pageNum: 1, pageSize: 10 }, { signal: a.signal }).then(() => 'ok', (e) => e);
                await new Promise((r) => setTimeout(r, 20));
                const pB = c.paidList({ pageNum: 1, pageSize: 10 }, {});
                await new Promise((r) => setTimeout(r, 50));
                a.abort();
                should(await pA).match({ kind: 'cancelled' });
                should((await pB).list.length).be.above(0);
                should(sim.logins).equal(1);
            } finally {
                c.close();
            }
        });

        it('renews the token proactively after 25 minutes, before the server refuses it', async () => {
            await start();
            let clock = Date.now();
            const c = client(() => clock);
            try {
                await c.paidList({ pageNum: 1, pageSize: 10 });
                clock += 24 * 60000;
                await c.paidList({ pageNum: 1, pageSize: 10 });
                should(sim.logins).equal(1);
                clock += 2 * 60000;
                await c.paidList({ pageNum: 1, pageSize: 10 });
                should(sim.logins).equal(2);
                // No NACK was needed: login, data, data, login, data.
                should(sim.requests.map((q) => (isData(q) ? 'data' : 'login'))).eql(['login', 'data', 'data', 'login', 'data']);
            } finally {
                c.close();
            }
        });

        describe('an early renewal that fails does not fail the call: the token, minutes from its end, serves until its 30 minutes are up', () => {
            const logins = () => sim.requests.filter((r) => r.path.endsWith('/auth/login')).length;

            it('logins blocked (the account logged in too often elsewhere): refused once, the read goes on with the token; past 30 minutes the call fails without a login', async () => {
                await start();
                let clock = Date.now();
                const c = client(() => clock);
                const age = (ms: number) => {
                    clock += ms;
                    sim.advance(ms);
                };
                try {
                    await c.paidList({ pageNum: 1, pageSize: 10 });
                    age(26 * 60000);
                    sim.blockLogins();
                    should((await c.paidList({ pageNum: 1, pageSize: 10 })).list).have.length(10);
                    should((await c.paidList({ pageNum: 1, pageSize: 10 })).list).have.length(10);
                    // One renewal tried and refused; the block is kept locally, so the next call sends none.
                    should(logins()).equal(2);
                    should(new Set(sim.requests.filter(isData).map((r) => r.headers.tokenid)).size).equal(1);
                    // Past its 30 minutes the token is not sent: the blocked login fails the call, and no login is sent for it.
                    age(5 * 60000);
                    const dataCalls = sim.requests.filter(isData).length;
                    await should(c.paidList({ pageNum: 1, pageSize: 10 })).be.rejectedWith({ kind: 'rate-limit', code: 'LOGIN_TOO_FREQUENT' });
                    should(sim.requests.filter(isData)).have.length(dataCalls);
                    should(logins()).equal(2);
                } finally {
                    c.close();
                }
            });

            it('the login answering 502: the call is served at once with the token, no backoff; the next call renews it', async () => {
                await start();
                let clock = Date.now();
                const c = client(() => clock);
                try {
                    await c.paidList({ pageNum: 1, pageSize: 10 });
                    clock += 26 * 60000;
                    sim.advance(26 * 60000);
                    sim.inject({ type: 'http', status: 502, body: 'Bad Gateway' }, 1, (r) => r.path.endsWith('/auth/login'));
                    const backoffs: number[] = [];
                    should((await c.paidList({ pageNum: 1, pageSize: 10 }, { onBackoff: (ms) => backoffs.push(ms) })).list).have.length(10);
                    should(backoffs).eql([]);
                    should(sim.requests.map((q) => (isData(q) ? 'data' : 'login'))).eql(['login', 'data', 'login', 'data']);
                    await c.paidList({ pageNum: 1, pageSize: 10 });
                    should(sim.requests.map((q) => (isData(q) ? 'data' : 'login'))).eql(['login', 'data', 'login', 'data', 'login', 'data']);
                    should(sim.logins).equal(2);
                } finally {
                    c.close();
                }
            });
        });
    });
});
