import should from 'should';
import sinon from 'sinon';
import { helper, load, run, withProbes, Msg, caughtCode } from '../helpers/nodered';
import { fakeContextStore } from '../helpers/context-store';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { readCounter } from '../helpers/reads';
import { waitFor } from '../helpers/wait';
import { kitConfig, kitQuery, kitSave } from '../kit/kit-nodes';
import { testConnectionLimit, commonClientSettings } from '../../nodes/core/config-node';
import { STATUS_REASON_CHARS } from '../../nodes/core/status';

describe('core/endpoint: the endpoint mechanism, through nodes defined in the tests', function () {
    let sim: KitSim;

    beforeEach(async () => {
        sim = new KitSim(250);
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const config = (extra: Msg = {}) => ({ id: 'c1', type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 3, ...extra });
    const creds = { c1: { password: KIT_DEMO.password } };
    const queryNode = (extra: Msg = {}) => ({ id: 'n1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'all', ...extra });
    const saveNode = (extra: Msg = {}) => ({ id: 'n1', type: 'kit-save', z: 'f1', config: 'c1', params: {}, ...extra });
    const loadQuery = (node: Msg, cfg: Msg = {}) => load([kitConfig, kitQuery], withProbes([config(cfg), node], 'n1', 1), creds);
    const loadSave = (node: Msg, cfg: Msg = {}) => load([kitConfig, kitSave], withProbes([config(cfg), node], 'n1', 2), creds);
    const dataCalls = () => sim.requests.filter((r) => r.path !== '/login').length;

    describe('query output modes', () => {
        it('all: one msg with every record, fetched page by page', async () => {
            await loadQuery(queryNode());
            const r = await run('n1', { payload: 'go', topic: 't' }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0]).have.length(1);
            const ids = r.outputs[0][0].payload.map((i: any) => i.id);
            should(ids).eql(sim.items.map((i) => i.id));
            should(r.outputs[0][0].topic).equal('t');
            should(dataCalls()).equal(3);
        });

        it('page: one msg per page with its position', async () => {
            await loadQuery(queryNode({ outputMode: 'page' }));
            const r = await run('n1', {}, 1);
            should(r.outputs[0].map((m) => m.payload.length)).eql([100, 100, 50]);
            should(r.outputs[0].map((m) => m.page.first)).eql([0, 100, 200]);
            should(r.outputs[0][2].page.total).equal(250);
        });

        it('record: one msg per record, none lost or repeated', async () => {
            await loadQuery(queryNode({ outputMode: 'record' }));
            const r = await run('n1', {}, 1);
            should(r.outputs[0].map((m) => m.payload.id)).eql(sim.items.map((i) => i.id));
        });

        it("record mode does not copy the trigger's payload into each record's msg", async () => {
            await loadQuery(queryNode({ outputMode: 'record' }));
            const counter = readCounter();
            const r = await run('n1', { params: {}, payload: counter.mark({}), topic: 't' }, 1);
            should(r.outputs[0]).have.length(250);
            should(r.outputs[0].every((m) => m.topic === 't')).be.true();
            should(counter.reads).be.below(5);
        });

        it('the record cap stops paging: later pages are never fetched', async () => {
            await loadQuery(queryNode({ outputMode: 'record', maxRecords: '120' }));
            const r = await run('n1', {}, 1);
            should(r.outputs[0]).have.length(120);
            should(dataCalls()).equal(2);
        });
    });

    describe('parameters', () => {
        it('a blank setting reads msg.params, then msg.payload', async () => {
            await loadQuery(queryNode({ params: { pageSize: { value: '', type: 'num' } } }));
            await run('n1', { params: { pageSize: 30 } }, 1);
            should(JSON.parse(sim.requests[1].body).size).equal(30);
            sim.clearRequests();
            await run('n1', { payload: { pageSize: 40 } }, 1);
            should(JSON.parse(sim.requests[0].body).size).equal(40);
        });

        it('a setting in the node wins over the msg and warns once', async () => {
            await loadQuery(queryNode());
            // The test helper wraps node.warn/status in sinon spies already.
            const warn = helper.getNode('n1').warn as sinon.SinonSpy;
            await run('n1', { params: { pageSize: 10 } }, 1);
            await run('n1', { params: { pageSize: 10 } }, 1);
            should(sim.requests.filter((r) => r.path === '/items/query').every((r) => JSON.parse(r.body).size === 100)).be.true();
            should(warn.callCount).equal(1);
            should(String(warn.firstCall.args[0])).match(/pageSize/);
        });

        it('evaluates msg, env and JSONata settings', async () => {
            await loadQuery(queryNode({ params: { pageSize: { value: '$number(payload.n) * 2', type: 'jsonata' } } }));
            await run('n1', { payload: { n: '25' } }, 1);
            should(JSON.parse(sim.requests[1].body).size).equal(50);
        });

        it('an invalid parameter goes to Catch naming the field, and nothing is sent', async () => {
            await loadQuery(queryNode({ params: { pageSize: { value: '500', type: 'num' } } }));
            const r = await run('n1', { payload: 1 }, 1);
            should(r.caught).be.ok();
            should(r.caught!.error.message).match(/pageSize: must be <= 100/);
            should(r.caught!.payload).equal(1);
            // Catch flows see the code and the classification.
            should(caughtCode(r.caught)).equal('INVALID_INPUT');
            should(r.caught!.error.cause).match({ system: 'kit', kind: 'validation', retryable: false });
            should(sim.requests).have.length(0);
            // The red status says why beside the code, cut to fit under the node.
            const shown = (helper.getNode('n1').status as sinon.SinonSpy).lastCall.args[0];
            should(shown).match({ fill: 'red', shape: 'ring' });
            should(shown.text).startWith('INVALID_INPUT: pageSize: must be <= 100');
            should(shown.text.length).be.belowOrEqual('INVALID_INPUT: '.length + STATUS_REASON_CHARS);
        });

        it('a JSONata setting that fails goes to Catch naming the parameter and saying why (JSONata throws no Error: it read "[object Object]")', async () => {
            await loadQuery(queryNode({ params: { pageSize: { value: 'payload.n + 1', type: 'jsonata' } } }));
            const r = await run('n1', { payload: { n: 'ten' } }, 1);
            should(r.caught).be.ok();
            should(r.caught!.error.message).match(/pageSize: cannot evaluate the jsonata setting \(.*"\+" operator must evaluate to a number/);
            should(r.caught!.error.message).not.match(/object Object/);
            should(caughtCode(r.caught)).equal('INVALID_INPUT');
            should(r.caught!.error.cause).match({ field: 'pageSize' });
            should(sim.requests).have.length(0);
        });

        it('a setting still ${NAME} (no subflow, flow or process sets that variable) goes to Catch naming it: not sent as the text', async () => {
            // Node-RED replaces `${NAME}` in a node's settings when it starts the node, and leaves the text when nothing sets NAME.
            delete process.env.CN_ERP_TEST_UNSET_CATEGORY;
            await loadQuery(queryNode({ params: { pageSize: { value: '100', type: 'num' }, category: { value: '${CN_ERP_TEST_UNSET_CATEGORY}', type: 'str' } } }));
            const r = await run('n1', { payload: 1 }, 1);
            should(r.caught).be.ok();
            should(r.caught!.error.message).match(/category: \$\{CN_ERP_TEST_UNSET_CATEGORY\} is an environment variable that is not set/);
            should(caughtCode(r.caught)).equal('INVALID_INPUT');
            should(r.caught!.error.cause).match({ field: 'category' });
            should(sim.requests).have.length(0);
        });

        it('a number setting still ${NAME} is named as an unset variable, not "must be integer; must be <= 100; must be >= 1"', async () => {
            delete process.env.CN_ERP_TEST_UNSET_SIZE;
            await loadQuery(queryNode({ params: { pageSize: { value: '${CN_ERP_TEST_UNSET_SIZE}', type: 'num' } } }));
            const r = await run('n1', { payload: 1 }, 1);
            should(r.caught!.error.message).match(/pageSize: \$\{CN_ERP_TEST_UNSET_SIZE\} is an environment variable that is not set/);
            should(sim.requests).have.length(0);
        });

        it('an env setting whose variable is not set goes to Catch naming the setting and the variable: not read as "" beating msg.params', async () => {
            delete process.env.CN_ERP_TEST_UNSET_CATEGORY;
            await loadQuery(queryNode({ params: { pageSize: { value: '100', type: 'num' }, category: { value: 'CN_ERP_TEST_UNSET_CATEGORY', type: 'env' } } }));
            const r = await run('n1', { params: { category: 'shoes' } }, 1);
            should(r.caught).be.ok();
            should(r.caught!.error.message).match(/category: CN_ERP_TEST_UNSET_CATEGORY is an environment variable that is not set/);
            should(caughtCode(r.caught)).equal('INVALID_INPUT');
            should(r.caught!.error.cause).match({ field: 'category' });
            should((helper.getNode('n1').warn as sinon.SinonSpy).callCount).equal(0);
            should(sim.requests).have.length(0);
        });

        it('a number parameter that reads as ±Infinity ("1e400") in a field with no maximum goes to Catch naming it: not sent as null', async () => {
            await loadQuery(queryNode());
            for (const since of ['1e400', '-1e400', Infinity]) {
                const r = await run('n1', { params: { since } }, 1);
                should(r.caught).be.ok();
                should(r.caught!.error.message).match(/since: must be a finite number, not -?Infinity/);
                should(caughtCode(r.caught)).equal('INVALID_INPUT');
                should(r.caught!.error.cause).match({ field: 'since' });
            }
            should(sim.requests).have.length(0);
        });

        it('a number parameter typed with full-width digits ("１２") is refused saying so, not only "must be integer"', async () => {
            await loadQuery(queryNode({ params: { pageSize: { value: '', type: 'num' } } }));
            const r = await run('n1', { params: { pageSize: '１２' } }, 1);
            should(r.caught!.error.message).match(/pageSize: must be integer \("１２" has full-width digits; type them as 0-9\)/);
            should(r.caught!.error.cause).match({ field: 'pageSize' });
            should(sim.requests).have.length(0);
        });

        it('a setting ${NAME} whose variable is set reads its value', async () => {
            process.env.CN_ERP_TEST_SET_SIZE = '30';
            try {
                await loadQuery(queryNode({ params: { pageSize: { value: '${CN_ERP_TEST_SET_SIZE}', type: 'num' } } }));
                const r = await run('n1', { payload: 1 }, 1);
                should(r.caught).be.undefined();
                should(JSON.parse(sim.requests[1].body).size).equal(30);
            } finally {
                delete process.env.CN_ERP_TEST_SET_SIZE;
            }
        });

        it('a network error at Catch: the red status names the server it could not reach, in Node-RED\'s language', async () => {
            await loadQuery(queryNode(), { url: 'http://127.0.0.1:9', maxRetries: 0 });
            const r = await run('n1', { payload: 1 }, 1);
            should(caughtCode(r.caught)).equal('ECONNREFUSED');
            should((helper.getNode('n1').status as sinon.SinonSpy).lastCall.args[0]).match({ fill: 'red', text: /^ECONNREFUSED: could not reach http:\/\/127\.0\.0\.1:9: the connection was refused/ });
        });
    });

    describe('sessions, retries and faults', () => {
        it('ten concurrent messages log in once', async () => {
            await loadQuery(queryNode());
            await Promise.all(Array.from({ length: 10 }, () => run('n1', {}, 1)));
            should(sim.logins).equal(1);
        });

        it('an expired session mid-paging re-logs in once and no page is lost or repeated', async () => {
            await loadQuery(queryNode({ outputMode: 'page' }));
            sim.inject({ type: 'vendor', name: 'session-expired' }, 1, (req) => req.path === '/items/query' && JSON.parse(req.body).page === 2);
            const r = await run('n1', {}, 1);
            should(sim.logins).equal(2);
            should(r.outputs[0].flatMap((m) => m.payload.map((i: any) => i.id))).eql(sim.items.map((i) => i.id));
        });

        it('5xx and resets are retried; the node shows it was backing off', async () => {
            await loadQuery(queryNode());
            const status = helper.getNode('n1').status as sinon.SinonSpy;
            sim.inject({ type: 'http', status: 502 }, 1, (r) => r.path === '/items/query');
            sim.inject({ type: 'reset' }, 1, (r) => r.path === '/items/query');
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(250);
            should(status.args.some((a: any[]) => a[0].fill === 'yellow')).be.true();
            should(status.lastCall.args[0]).match({ fill: 'green' });
        });

        it('retries exhausted → the whole msg reaches Catch with a classified msg.error', async () => {
            await loadQuery(queryNode(), { maxRetries: 2 });
            sim.inject({ type: 'http', status: 500 }, 10, (r) => r.path === '/items/query');
            const r = await run('n1', { payload: 'x' }, 1);
            should(r.caught!.error.message).match(/HTTP 500.*gave up after 3 attempts/);
            should(caughtCode(r.caught)).equal('HTTP_500');
            should(r.caught!.error.cause).match({ kind: 'transient', retryable: true });
            should(r.caught!._error).match({ system: 'kit', code: 'HTTP_500' });
            should(sim.requests.filter((q) => q.path === '/items/query')).have.length(3);
        });

        it('a rate-limit answer backs off and then succeeds', async () => {
            await loadQuery(queryNode());
            sim.inject({ type: 'vendor', name: 'rate-limit' }, 2, (r) => r.path === '/items/query');
            const r = await run('n1', {}, 1);
            should(r.outputs[0][0].payload).have.length(250);
        });

        it('closing the node cancels a request in flight and leaves nothing behind', async () => {
            await loadQuery(queryNode(), { timeout: 30 });
            sim.inject({ type: 'delay', ms: 5000 }, 1, (r) => r.path === '/items/query');
            const pending = run('n1', {}, 1, 4000);
            await new Promise((r) => setTimeout(r, 200));
            const t0 = Date.now();
            await helper.getNode('n1').close();
            should(Date.now() - t0).be.below(2500);
            const r = await pending.catch((e) => e);
            // The msg was not silently dropped: the node finished with an error.
            should(r.caught?.error?.message ?? String(r)).match(/cancel|closing|did not call/);
        });

        it('a record cap still holding ${NAME} (no such variable is set) is not used: a warning naming it at deploy, then every record is read', async () => {
            await loadQuery(queryNode({ maxRecords: '${MAX_RECORDS}' }));
            const warnings = (helper.getNode('n1').warn as sinon.SinonSpy).args.map((a) => String(a[0]));
            should(warnings.some((w) => w.includes('maxRecords: must be a whole number, 0 or more (got "${MAX_RECORDS}"); reading without a cap'))).be.true(JSON.stringify(warnings));
            const r = await run('n1', {}, 1);
            should(r.outputs[0][0].payload).have.length(250);
        });

        it('a node timeout that is not a positive number of seconds is not used: a warning naming it, then the config node\'s timeout', async () => {
            await loadQuery(queryNode({ timeout: '-1' }));
            const r = await run('n1', {}, 1);
            should(r.caught?.error?.message).be.undefined();
            should(r.outputs[0][0].payload).have.length(250);
            const warnings = (helper.getNode('n1').warn as sinon.SinonSpy).args.map((a) => String(a[0]));
            should(warnings.some((w) => /timeout: must be a number of seconds greater than 0 \(got "-1"\); using the config node's timeout/.test(w))).be.true();
        });

        it('a config timeout of 0 or less is refused naming the setting: the msg to Catch, nothing sent (not "network error", not a write said to be possibly processed)', async () => {
            await loadSave(saveNode(), { timeout: -5, maxRetries: 0 });
            const r = await run('n1', { payload: [{ name: 'a' }] }, 2);
            should(r.caught!.error.message).match(/timeout: must be a number of seconds greater than 0 \(got -5\)/);
            should(r.caught!.error.cause).match({ kind: 'config', field: 'timeout' });
            should(r.outputs[1]).have.length(0);
            should(sim.requests).have.length(0);
        });

        it('a rate-limit answer pauses the account before its call gives up its slot: a node\'s call queued behind it is not sent into the limit, and shows "account paused" in yellow, then finishes green', async () => {
            const flow = withProbes(withProbes([config({ concurrency: 1 }), queryNode(), { ...queryNode(), id: 'n2' }], 'n1', 1), 'n2', 1);
            await load([kitConfig, kitQuery], flow, creds);
            const statusOf = (id: string) => (helper.getNode(id).status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === id).map((c) => c.args[0]);
            sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '2' }, afterMs: 300 }, 1, (r) => r.path === '/items/query');
            const first = run('n1', {}, 1, 8000);
            const t0 = Date.now();
            while (sim.requests.filter((r) => r.path === '/items/query').length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
            const limited = sim.requests.find((r) => r.path === '/items/query')!;
            // n2's first call waits for the one slot n1's slow answer holds: queued before the pause is set.
            const second = await run('n2', {}, 1, 8000);
            should(second.caught).be.undefined();
            should(second.outputs[0][0].payload).have.length(250);
            should((await first).outputs[0][0].payload).have.length(250);
            // Nothing went out between the 429 (answered 300 ms after it came) and the end of the 2 s it asked for.
            const next = sim.requests.filter((r) => r.path === '/items/query')[1];
            should(next.time - limited.time).be.aboveOrEqual(300 + 1900);
            // Said while it waits, before its first page (the status is throttled: pages in between may not show).
            const n2 = statusOf('n2');
            const texts = n2.map((st) => st.text);
            should(n2[1]).match({ fill: 'yellow', text: /^account paused by a rate limit: [12] s$/ });
            should(texts.indexOf('page 1, records: 100')).be.above(1);
            should(n2[n2.length - 1]).match({ fill: 'green', text: 'records: 250, pages: 3' });
        });

        it('a node whose calls wait out the account pause another node\'s rate-limit answer set shows it in yellow, then finishes green', async () => {
            const flow = withProbes(withProbes([config(), queryNode(), { ...queryNode(), id: 'n2' }], 'n1', 1), 'n2', 1);
            await load([kitConfig, kitQuery], flow, creds);
            // The helper's status spy sees every node: n2's own calls.
            const statusOf = (id: string) => (helper.getNode(id).status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === id).map((c) => c.args[0]);
            sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '2' } }, 1, (r) => r.path === '/items/query');
            const first = run('n1', {}, 1, 8000);
            const t0 = Date.now();
            while (sim.requests.filter((r) => r.path === '/items/query').length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
            const second = await run('n2', {}, 1, 8000);
            should(second.caught).be.undefined();
            should(second.outputs[0][0].payload).have.length(250);
            const n2 = statusOf('n2');
            should(n2.filter((st) => st.fill === 'yellow').map((st) => st.text)).match([/^account paused by a rate limit: [12] s$/]);
            should(n2[n2.length - 1]).match({ fill: 'green' });
            should(statusOf('n1').find((st) => st.fill === 'yellow')).match({ text: /^HTTP_429: retry in 2 s$/ });
            should((await first).caught).be.undefined();
        });

        it('a rate-limit wait longer than the longest waited out (Retry-After: 1 hour) fails the msg at once saying until when, and the account\'s next calls fail unsent until then: a query\'s msg and a write\'s to Catch, retryable, nothing sent', async () => {
            const flow = [config(), queryNode(), { ...saveNode(), id: 'n2' }];
            await load([kitConfig, kitQuery, kitSave], withProbes(withProbes(flow, 'n1', 1), 'n2', 2), creds);
            sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '3600' } }, 1, (r) => r.path === '/items/query');
            const t0 = Date.now();
            const first = await run('n1', {}, 1, 8000);
            should(Date.now() - t0).be.below(5000);
            should(first.caught!.error.message).match(/HTTP 429 Too Many Requests \(the server asks to wait 3600 s, until .*: not waited, being longer than 15 min;/);
            should(first.caught!.error.cause).match({ kind: 'rate-limit', retryable: true });
            const sent = sim.requests.length;
            const again = await run('n1', {}, 1, 8000);
            should(again.caught!.error.message).match(/kit-query: not sent: account paused by a rate limit until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\+8\) \(3\d\d\d s more, longer than the longest wait of 15 min\)$/);
            // Nothing of the msg written: the whole msg to Catch, to be sent again as it is.
            const write = await run('n2', { payload: [{ name: 'a' }, { name: 'b' }] }, 2, 8000);
            // (error.cause on every Node-RED; 3.x puts no code on the Catch msg's error itself)
            should(write.caught!.error).match({ cause: { code: 'ACCOUNT_PAUSED', kind: 'rate-limit', retryable: true } });
            should(write.outputs[0].length + write.outputs[1].length).equal(0);
            should(sim.requests.length).equal(sent);
        });

        it('a rate-limit wait of hours: the status of the node meeting it and of the nodes failing unsent after it (ACCOUNT_PAUSED) says until when in full, within the 80 characters a status keeps, from a text of the catalog (the editor\'s language)', async () => {
            const flow = [config(), queryNode(), { ...saveNode(), id: 'n2' }];
            await load([kitConfig, kitQuery, kitSave], withProbes(withProbes(flow, 'n1', 1), 'n2', 2), creds);
            const red = (id: string) => (helper.getNode(id).status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === id).map((c) => c.args[0]).filter((st) => st.fill === 'red').map((st) => st.text as string);
            sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '3600' } }, 1, (r) => r.path === '/items/query');
            await run('n1', {}, 1, 8000);
            const until = / \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\+8\)/;
            should(red('n1')).have.length(1);
            should(red('n1')[0]).match(/^HTTP_429: /).and.match(until);
            await run('n2', { payload: [{ name: 'a' }] }, 2, 8000);
            should(red('n2')).have.length(1);
            should(red('n2')[0]).match(/^ACCOUNT_PAUSED: /).and.match(until);
        });

        it('"account paused by a rate limit: N s" counts down while the node waits (at most once a second), not the figure from when the pause began', async () => {
            const flow = withProbes(withProbes([config({ concurrency: 1 }), queryNode(), { ...queryNode(), id: 'n2' }], 'n1', 1), 'n2', 1);
            await load([kitConfig, kitQuery], flow, creds);
            const statusOf = (id: string) => (helper.getNode(id).status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === id).map((c) => c.args[0]);
            sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '4' }, afterMs: 300 }, 1, (r) => r.path === '/items/query');
            const first = run('n1', {}, 1, 12000);
            const t0 = Date.now();
            while (sim.requests.filter((r) => r.path === '/items/query').length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
            const second = await run('n2', {}, 1, 12000);
            should(second.caught).be.undefined();
            await first;
            const told = statusOf('n2').filter((st) => st.fill === 'yellow').map((st) => Number(/^account paused by a rate limit: (\d+) s$/.exec(st.text)![1]));
            // (The pause is set twice in a row for one answer, each telling the waiting calls: the same figure again.)
            const seconds = told.filter((n, i) => n !== told[i - 1]);
            // 4 s asked, the pause set 300 ms into n2's wait: 4 (or 3), then less each second, down to 1 or 2 (a busy
            // machine may fire a tick late and skip a second; the figure never stands still, never rises).
            should(seconds.length).be.within(2, 5);
            should(seconds[0]).be.within(3, 4);
            should(seconds[seconds.length - 1]).be.within(1, 2);
            for (let i = 1; i < seconds.length; i++) should(seconds[i]).be.below(seconds[i - 1]);
            should(statusOf('n2')[statusOf('n2').length - 1]).match({ fill: 'green', text: 'records: 250, pages: 3' });
        });

        it('an incremental node\'s "account paused: N s" goes on counting down when a trigger comes meanwhile ("· next run waiting" added), then "…": not frozen at the figure of the trigger\'s arrival', async () => {
            const flow = withProbes(withProbes([config({ concurrency: 1 }), queryNode({ incremental: true, overlapMinutes: '1' }), { ...queryNode(), id: 'n2' }], 'n1', 1), 'n2', 1);
            await load([kitConfig, kitQuery], flow, creds);
            const statusOf = (id: string) => (helper.getNode(id).status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === id).map((c) => c.args[0]);
            sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '4' }, afterMs: 300 }, 1, (r) => r.path === '/items/query');
            const other = run('n2', {}, 1, 12000);
            await waitFor('the query answered 429', () => sim.requests.some((r) => r.path === '/items/query'), 3000, 5);
            const first = run('n1', {}, 1, 12000);
            await waitFor('n1 told of the pause', () => statusOf('n1').some((st) => st.fill === 'yellow'), 3000, 5);
            await new Promise((r) => setTimeout(r, 1100));
            // A second trigger while the run waits: it waits for the run's end, and the status says so.
            helper.getNode('n1').receive({});
            await waitFor('the note', () => statusOf('n1').some((st) => / · next run waiting$/.test(st.text)), 3000, 5);
            await Promise.all([first, other]);
            const shown = statusOf('n1');
            const since = shown.findIndex((st) => / · next run waiting$/.test(st.text));
            const figures = shown.slice(since).filter((st) => st.fill === 'yellow').map((st) => /^account paused by a rate limit: (\d+) s · /.exec(st.text)?.[1]).filter((n) => n !== undefined).map(Number);
            // Counted on after the note came: at least one lower figure than the one the note was added to.
            should(figures.length).be.above(0);
            should(Math.min(...figures)).be.below(figures[0]);
            should(shown.slice(since).some((st) => st.fill === 'blue' && st.text === '… · next run waiting')).be.true();
        });

        it('a call failing unsent on a pause of hours (ACCOUNT_PAUSED) shows its red status alone: no yellow "account paused" first, as if it would wait', async () => {
            const flow = [config(), queryNode(), { ...saveNode(), id: 'n2' }];
            await load([kitConfig, kitQuery, kitSave], withProbes(withProbes(flow, 'n1', 1), 'n2', 2), creds);
            const statusOf = (id: string) => (helper.getNode(id).status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === id).map((c) => c.args[0]);
            sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '3600' } }, 1, (r) => r.path === '/items/query');
            await run('n1', {}, 1, 8000);
            await run('n2', { payload: [{ name: 'a' }] }, 2, 8000);
            const n2 = statusOf('n2');
            should(n2[n2.length - 1]).match({ fill: 'red', text: /^ACCOUNT_PAUSED: / });
            should(n2.filter((st) => st.fill === 'yellow')).eql([]);
        });

        it('closing the node while a call backs off leaves the status cleared, not a stale red CANCELLED for the redeployed node', async () => {
            await loadQuery(queryNode(), { retryBaseMs: 5000, maxRetries: 3 });
            const status = helper.getNode('n1').status as sinon.SinonSpy;
            sim.inject({ type: 'http', status: 502 }, 1, (r) => r.path === '/items/query');
            const pending = run('n1', {}, 1, 4000);
            const t0 = Date.now();
            while (!status.args.some((a: any[]) => a[0].fill === 'yellow') && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
            await helper.getNode('n1').close();
            await pending.catch((e) => e);
            should(status.lastCall.args[0]).eql({});
        });
    });

    describe('writes', () => {
        it('a write cut off in flight by a redeploy: its records on output 2 as possibly processed (the server went on and saved them), not as plain cancelled', async () => {
            await loadSave(saveNode());
            sim.inject({ type: 'delay', ms: 400, thenProcess: true }, 1, (r) => r.path === '/items/save');
            const pending = run('n1', { payload: [{ name: 'a' }, { name: 'b' }] }, 2, 4000);
            const t0 = Date.now();
            while (!sim.requests.some((r) => r.path === '/items/save') && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
            await helper.getNode('n1').close();
            const r = await pending;
            should(r.outputs[1].map((m) => [m.payload.name, m.error.code, m.error.possiblyProcessed, m.error.retryable])).eql([
                ['a', 'CANCELLED', true, false],
                ['b', 'CANCELLED', true, false],
            ]);
            should(r.outputs[1][0].error.message).match(/may have been processed/);
            await new Promise((res) => setTimeout(res, 500));
            should(sim.saved.map((s) => s.name)).eql(['a', 'b']);
        });

        it('records still waiting for their turn at the account\'s limiter when a redeploy closes the write node: never sent, so on output 2 as NOT_SENT and retryable (safe to replay), not as a CANCELLED that may not be', async () => {
            await loadSave(saveNode(), { concurrency: 1 });
            sim.inject({ type: 'delay', ms: 400, thenProcess: true }, 1, (r) => r.path === '/items/save');
            const failed: Msg[] = [];
            helper.getNode('n1-out2').on('input', (m: Msg) => failed.push(m));
            const n1 = helper.getNode('n1');
            n1.receive({ payload: [{ name: 'a' }] });
            n1.receive({ payload: [{ name: 'b' }, { name: 'c' }] });
            // 'a' is at the vendor, holding the account's one request in flight; 'b' and 'c' wait for it.
            await waitFor('the save of a at the vendor', () => sim.requests.some((r) => r.path === '/items/save'));
            await n1.close();
            await waitFor('every record on output 2', () => failed.length === 3);
            const byName = Object.fromEntries(failed.map((m) => [m.payload.name, [m.error.code, m.error.retryable, m.error.possiblyProcessed === true]]));
            should(byName).eql({ a: ['CANCELLED', false, true], b: ['NOT_SENT', true, false], c: ['NOT_SENT', true, false] });
            // Sent out of a closing node, maybe into a stopping flow: the log says so too, per msg.
            const said = (n1.warn as sinon.SinonSpy).args.map((a) => String(a[0])).filter((t) => /closed .* before it finished msg/.test(t));
            should(said).have.length(2);
            should(said.some((t) => /1 of its records .*\(1 possibly/.test(t))).be.true();
            should(said.some((t) => /2 of its records .*\(0 possibly/.test(t))).be.true();
            await new Promise((res) => setTimeout(res, 500));
            should(sim.requests.filter((r) => r.path === '/items/save')).have.length(1);
            should(sim.saved.map((x) => x.name)).eql(['a']);
        });

        it('splits a partial failure exactly: saved records on output 1, refused ones on output 2', async () => {
            await loadSave(saveNode());
            const payload = [{ name: 'a' }, { name: 'bad' }, { name: 'c' }, { name: 'bad' }];
            const r = await run('n1', { payload }, 2);
            should(r.outputs[0]).have.length(1);
            should(r.outputs[0][0].payload).have.length(2);
            should(r.outputs[1].map((m) => m.recordIndex)).eql([1, 3]);
            should(r.outputs[1][0].payload).eql({ name: 'bad' });
            should(r.outputs[1][0].error).match({ system: 'kit', code: 'BAD_NAME', retryable: false, record: { name: 'bad' } });
            should(sim.saved.map((s) => s.name)).eql(['a', 'c']);
        });

        it("a batch's failures cost in proportion to its size: each failure msg gets its record, not a copy of the batch", async () => {
            await loadSave(saveNode());
            // Reads of a field per record must not grow with the batch.
            const readsPerRecord = async (size: number) => {
                const counter = readCounter();
                const r = await run('n1', { payload: Array.from({ length: size }, () => counter.mark({ name: 'bad' })) }, 2);
                should(r.outputs[1]).have.length(size);
                return counter.reads / size;
            };
            const small = await readsPerRecord(5);
            const large = await readsPerRecord(60);
            should(large).equal(small);
        });

        it('a query in record mode feeding a write node (hundreds of one-record msgs at once): no status update per msg to every open editor, and the last one shows the outcome of them all (not of the last msg)', async () => {
            await loadSave(saveNode());
            const node = helper.getNode('n1');
            const statusOf = () => (node.status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === 'n1').map((c) => c.args[0]);
            const count = 400;
            let finished = 0;
            const all = new Promise<void>((resolve) => {
                const end = () => ++finished === count && resolve();
                helper.getNode('n1-completed').on('input', end);
                helper.getNode('n1-caught').on('input', end);
            });
            for (let i = 0; i < count; i++) node.receive({ payload: { name: `r${i}` } });
            await all;
            // Two per msg before ("…" at its start, its counts at its end): 800 websocket messages per open editor.
            should(statusOf().length).be.below(count / 4);
            // The outcome is shown once the updates held back are let through, not a "…" of a msg long done.
            await new Promise((r) => setTimeout(r, 1100));
            should(statusOf().pop()).eql({ fill: 'green', shape: 'dot', text: `${count} ok, 0 failed` });
            should(sim.saved).have.length(count);
        });

        it("the status adds up the msgs of one run (close together), and starts anew after a pause of more than a minute; a failure in the run keeps it yellow", async () => {
            await loadSave(saveNode());
            const node = helper.getNode('n1');
            const statusOf = () => (node.status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === 'n1').map((c) => c.args[0]);
            const realMonotonic = performance.now.bind(performance);
            let offset = 0;
            performance.now = () => realMonotonic() + offset;
            try {
                await run('n1', { payload: [{ name: 'a' }, { name: 'bad' }] }, 2);
                await run('n1', { payload: [{ name: 'b' }, { name: 'c' }] }, 1);
                await new Promise((r) => setTimeout(r, 1100));
                should(statusOf().pop()).eql({ fill: 'yellow', shape: 'dot', text: '3 ok, 1 failed' });
                offset += 61000; // the next night's run
                await run('n1', { payload: [{ name: 'd' }] }, 1);
                await new Promise((r) => setTimeout(r, 1100));
                should(statusOf().pop()).eql({ fill: 'green', shape: 'dot', text: '1 ok, 0 failed' });
            } finally {
                performance.now = realMonotonic;
            }
        });

        it('a msg of the run that went to Catch whole (payload not records) counts its records as failed: the next msg of the run leaves the status yellow, not a green "0 failed"', async () => {
            await loadSave(saveNode());
            const node = helper.getNode('n1');
            const statusOf = () => (node.status as sinon.SinonSpy).getCalls().filter((c) => (c.thisValue as { id: string }).id === 'n1').map((c) => c.args[0]);
            await run('n1', { payload: [{ name: 'a' }] }, 1);
            const caught = await run('n1', { payload: 'text' }, 0);
            should(caught.caught).be.ok();
            await run('n1', { payload: [{ name: 'b' }] }, 1);
            await new Promise((r) => setTimeout(r, 1100));
            should(statusOf().pop()).eql({ fill: 'yellow', shape: 'dot', text: '2 ok, 1 failed' });
        });

        it('invalid records go to output 2 naming the field and are never sent', async () => {
            await loadSave(saveNode());
            const r = await run('n1', { payload: [{ name: 'ok' }, { nom: 'x' }, 'text'] }, 2);
            should(r.outputs[1].map((m) => m.error.message)).eql(['payload[1].name: is required', 'payload[2]: must be object']);
            should(JSON.parse(sim.requests.find((q) => q.path === '/items/save')!.body).items).eql([{ name: 'ok' }]);
        });

        it('a payload that is not a record or a list goes to Catch, nothing sent', async () => {
            await loadSave(saveNode());
            const r = await run('n1', { payload: 'hello' }, 2);
            should(r.caught!.error.message).match(/payload: must be a record object or an array of records/);
            should(sim.requests).have.length(0);
        });

        it('a payload nested absurdly deep reaches Catch (Node-RED can still clone the msg), nothing sent', async () => {
            await loadSave(saveNode());
            let deep: any = { name: 'x' };
            for (let i = 0; i < 3000; i++) deep = { nested: deep };
            const r = await run('n1', { payload: deep }, 2);
            should(r.caught!.error.message).match(/payload: nested deeper than 100 levels/);
            should(sim.requests).have.length(0);
        });

        it('sends in chunks of the configured size', async () => {
            await loadSave(saveNode({ params: { chunkSize: { value: '4', type: 'num' } } }));
            const payload = Array.from({ length: 10 }, (_, i) => ({ name: `n${i}` }));
            const r = await run('n1', { payload }, 2);
            should(sim.requests.filter((q) => q.path === '/items/save').map((q) => JSON.parse(q.body).items.length)).eql([4, 4, 2]);
            should(r.outputs[0][0].payload).have.length(10);
        });

        it('a first chunk refused as a whole sends the msg to Catch and emits nothing', async () => {
            await loadSave(saveNode(), { maxRetries: 0 });
            sim.inject({ type: 'http', status: 503 }, 1, (q) => q.path === '/items/save');
            const r = await run('n1', { payload: [{ name: 'a' }] }, 2);
            should(r.caught).be.ok();
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1]).have.length(0);
            should(sim.saved).have.length(0);
        });

        it('a timeout after the write left is not retried; its records and the rest go to output 2', async () => {
            await loadSave(saveNode({ params: { chunkSize: { value: '2', type: 'num' } }, timeout: '0.3' }));
            sim.inject({ type: 'delay', ms: 600, thenProcess: true }, 1, (q) => q.path === '/items/save' && JSON.parse(q.body).items[0].name === 'c');
            const payload = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name }));
            const r = await run('n1', { payload }, 2);
            await new Promise((res) => setTimeout(res, 500));
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(2);
            should(r.outputs[1].map((m) => m.payload.name)).eql(['c', 'd', 'e', 'f']);
            should(r.outputs[1][0].error.message).match(/may have been processed/);
            should(r.outputs[1][2].error.message).match(/not sent/);
            // The chunk sent once, never twice.
            should(sim.requests.filter((q) => q.path === '/items/save' && JSON.parse(q.body).items[0].name === 'c')).have.length(1);
        });

        it('an answer accounting for fewer records than the first chunk sent: the chunk may have been written, so its records go to output 2 as possibly processed, not to Catch to be replayed', async () => {
            await loadSave(saveNode({ params: { chunkSize: { value: '2', type: 'num' } } }));
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ ok: true, results: [{ ok: true, id: 1 }] }) }, 1, (q) => q.path === '/items/save');
            const r = await run('n1', { payload: ['a', 'b', 'c'].map((name) => ({ name })) }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[0]).have.length(0);
            should(r.outputs[1].map((m) => [m.payload.name, m.error.code, m.error.retryable, m.error.possiblyProcessed === true])).eql([
                ['a', 'OUTCOME_MISMATCH', false, true],
                ['b', 'OUTCOME_MISMATCH', false, true],
                ['c', 'NOT_SENT', true, false],
            ]);
            should(r.outputs[1][0].error.message).match(/accounts for 1 of 2 records.*may have been processed/);
        });

        it('records never sent because a later chunk was refused after an earlier one was written → output 2 as NOT_SENT, retryable (replaying them is safe)', async () => {
            await loadSave(saveNode({ params: { chunkSize: { value: '2', type: 'num' } } }));
            sim.inject({ type: 'http', status: 403, body: 'Forbidden' }, 1, (q) => q.path === '/items/save' && JSON.parse(q.body).items[0].name === 'c');
            const r = await run('n1', { payload: ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name })) }, 2);
            should(r.caught).be.undefined();
            should(r.outputs[1].map((m) => [m.payload.name, m.error.code, m.error.retryable])).eql([
                ['c', 'HTTP_403', false],
                ['d', 'HTTP_403', false],
                ['e', 'NOT_SENT', true],
                ['f', 'NOT_SENT', true],
            ]);
            should(r.outputs[1][2].error.message).match(/^not sent: an earlier batch failed \(HTTP 403/);
        });

        it('records failed or never sent for a rate limit of hours (Retry-After: 3600 on a later chunk) carry the wait on msg.error.retryAfterMs, for a replay flow to wait it out rather than meet the pause again', async () => {
            await loadSave(saveNode({ params: { chunkSize: { value: '2', type: 'num' } } }));
            sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '3600' } }, 1, (q) => q.path === '/items/save' && JSON.parse(q.body).items[0].name === 'c');
            const r = await run('n1', { payload: ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name })) }, 2, 8000);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(2);
            const failed = r.outputs[1].map((m) => [m.payload.name, m.error.code, m.error.retryable]);
            should(failed).eql([
                ['c', 'HTTP_429', true],
                ['d', 'HTTP_429', true],
                ['e', 'NOT_SENT', true],
                ['f', 'NOT_SENT', true],
            ]);
            for (const m of r.outputs[1]) should(m.error.retryAfterMs).be.within(3590000, 3600000);
            // A failure the vendor asked no wait for carries none.
            should(r.outputs[0][0].error).be.undefined();
        });
    });

    describe('config node: the settings as typed', () => {
        it('a limit or retry setting holding only spaces (a space, a tab, a full-width space) is blank: the vendor\'s defaults, not 0 (no rate limit, no concurrency bound, no retries)', () => {
            for (const blank of [' ', '\t', '\u3000']) {
                const s = commonClientSettings('kit', { rps: blank, concurrency: blank, maxRetries: blank, retryBaseMs: blank }, { rps: 1, concurrency: 1 });
                should(s).match({ rps: 1, concurrency: 1, retry: { maxRetries: 4, baseDelayMs: 500 } });
                // The timeout too: blank is the default, not "0 is refused".
                should(commonClientSettings('kit', { timeout: blank }, { rps: 1, concurrency: 1 }).timeoutMs).equal(30000);
            }
            // 0 typed is 0 (the help's "0 = unlimited").
            should(commonClientSettings('kit', { rps: '0', concurrency: 0 }, { rps: 1, concurrency: 1 })).match({ rps: 0, concurrency: 0 });
        });
    });

    describe('config node: the test-connection button', () => {
        it('a server that does not answer within the button\'s time limit is reported as a timeout, not as "cancelled: the node was closed"', async () => {
            await loadQuery(queryNode());
            const limit = testConnectionLimit.ms;
            testConnectionLimit.ms = 300;
            try {
                sim.inject({ type: 'delay', ms: 2000 }, 1, (q) => q.path === '/login');
                // The dialog's timeout (30 s, the default) is longer than the button waits.
                const res = await helper.request().post('/cn-erp/kit-config/test').send({ config: { url: sim.baseUrl, user: KIT_DEMO.user, timeout: 30 }, credentials: creds.c1 }).expect(200);
                should(res.body).match({ ok: false, kind: 'transient', code: 'TIMEOUT' });
                should(res.body.message).match(/no answer within 0\.3 s/);
            } finally {
                testConnectionLimit.ms = limit;
            }
        });
    });

    describe('incremental sync', () => {
        it('reads from the watermark minus the overlap on the next run', async () => {
            await loadQuery(queryNode({ incremental: true, overlapMinutes: '1' }));
            const first = await run('n1', {}, 1);
            should(first.outputs[0][0].payload).have.length(250);
            const firstQuery = JSON.parse(sim.requests.find((q) => q.path === '/items/query')!.body);
            should(firstQuery.since).be.undefined();
            const before = Date.now();
            sim.clearRequests();
            await run('n1', {}, 1);
            const since = JSON.parse(sim.requests.find((q) => q.path === '/items/query')!.body).since;
            should(since).be.a.Number();
            should(since).be.within(before - 60000 - 5000, before - 60000 + 10);
        });

        it('msg.resetWatermark as the text "true" (a change node set to string, an http-in query) resets like true; any other value is refused naming the property', async () => {
            await loadQuery(queryNode({ incremental: true, overlapMinutes: '1' }));
            await run('n1', {}, 1);
            sim.clearRequests();
            const reset = await run('n1', { resetWatermark: 'true' }, 1);
            should(reset.caught).be.undefined();
            should(JSON.parse(sim.requests.find((q) => q.path === '/items/query')!.body).since).be.undefined();
            // "false" (and false) read on from the watermark.
            sim.clearRequests();
            await run('n1', { resetWatermark: 'false' }, 1);
            should(JSON.parse(sim.requests.find((q) => q.path === '/items/query')!.body).since).be.a.Number();
            sim.clearRequests();
            const bad = await run('n1', { resetWatermark: 'yes' }, 1);
            should(bad.caught!.error.message).match(/resetWatermark: must be true or false/);
            should(dataCalls()).equal(0);
        });

        it('a negative overlap (it would leave a gap between runs) is not used: a warning naming overlapMinutes, then the default 10 minutes', async () => {
            await loadQuery(queryNode({ incremental: true, overlapMinutes: '-5' }));
            const warnings = (helper.getNode('n1').warn as sinon.SinonSpy).args.map((a) => String(a[0]));
            should(warnings.some((w) => /overlapMinutes: must be a number of minutes, 0 or more .*using 10/.test(w))).be.true();
            await run('n1', {}, 1);
            const before = Date.now();
            sim.clearRequests();
            await run('n1', {}, 1);
            const since = JSON.parse(sim.requests.find((q) => q.path === '/items/query')!.body).since;
            should(since).be.within(before - 600000 - 5000, before - 600000 + 10);
        });

        it('an ackTimeout that is no number of minutes ("abc", "-5") is not used: a warning naming ackTimeout, then the default 30', async () => {
            for (const ackTimeout of ['abc', '-5']) {
                await loadQuery(queryNode({ incremental: true, watermarkCommit: 'ack', ackTimeout }));
                const warnings = (helper.getNode('n1').warn as sinon.SinonSpy).args.map((a) => String(a[0]));
                should(warnings.filter((w) => /ackTimeout: must be a number of minutes, 0 or more .*using 30/.test(w))).have.length(1, JSON.stringify(ackTimeout));
                await helper.unload();
            }
            // Blank (spaces too), 0 (wait for ever) and a number are settings, not mistakes.
            for (const ackTimeout of ['', '  ', '0', '5']) {
                await loadQuery(queryNode({ incremental: true, watermarkCommit: 'ack', ackTimeout }));
                should((helper.getNode('n1').warn as sinon.SinonSpy).args.map((a) => String(a[0])).filter((w) => /ackTimeout/.test(w))).have.length(0);
                await helper.unload();
            }
        });

        it('a run ending on a rate limit of hours (Retry-After: 3600), and the runs meeting the account\'s pause after it (ACCOUNT_PAUSED), leave the watermark where the last whole run put it, emitting or committing after the writes', async () => {
            for (const watermarkCommit of ['emit', 'ack']) {
                const flow = withProbes(withProbes([config(), { ...queryNode({ incremental: true, overlapMinutes: '1', watermarkCommit }), id: 'q1' }, saveNode()], 'q1', 0), 'n1', 2);
                flow.find((n) => n.id === 'q1')!.wires = [['n1']];
                await load([kitConfig, kitQuery, kitSave], flow, creds);
                const q = helper.getNode('q1');
                const whole = await run('q1', {}, 0);
                should(whole.caught).be.undefined();
                // Committed after the writes in ack mode.
                const t0 = Date.now();
                while (q.context().get('cnErpWatermark') === undefined && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
                const mark = q.context().get('cnErpWatermark');
                should(mark).be.a.Number();
                sim.inject({ type: 'http', status: 429, headers: { 'Retry-After': '3600' } }, 1, (r) => r.path === '/items/query' && JSON.parse(r.body).since !== undefined);
                const limited = await run('q1', {}, 0, 8000);
                should(limited.caught!.error.message).match(/not waited, being longer than 15 min/);
                should(q.context().get('cnErpWatermark')).eql(mark);
                sim.clearRequests();
                const paused = await run('q1', {}, 0, 8000);
                should(paused.caught!.error).match({ cause: { code: 'ACCOUNT_PAUSED' } });
                should(q.context().get('cnErpWatermark')).eql(mark);
                should(sim.requests).have.length(0);
                await helper.unload();
            }
        });

        it('a watermark later than now by more than the overlap (the clock was set back): the msg goes to Catch naming the watermark and how to recover, nothing is read, the watermark stays', async () => {
            await loadQuery(queryNode({ incremental: true, overlapMinutes: '1' }));
            const n1 = helper.getNode('n1');
            // Committed while the clock ran a day ahead: read from it, the window would start after it ends, and the
            // watermark committed at "now" would skip what changed between the last real read and now.
            const ahead = Date.now() + 86400000;
            n1.context().set('cnErpWatermark', ahead);
            const r = await run('n1', {}, 1);
            should(r.caught).not.be.undefined();
            should(r.caught!.error.message).match(/watermark .*later than now.*resetWatermark/);
            should(r.outputs[0]).have.length(0);
            should(dataCalls()).equal(0);
            should(n1.context().get('cnErpWatermark')).equal(ahead);
            // Within the overlap (a clock stepped back a little) the window is still a window: the run goes ahead.
            n1.context().set('cnErpWatermark', Date.now() + 30000);
            const ok = await run('n1', {}, 1);
            should(ok.caught).be.undefined();
            // Past the overlap by less than a minute (a clock slewed back a little, or overlap 0): still a run, and
            // its window starts no later than it ends.
            n1.context().set('cnErpWatermark', Date.now() + 90000);
            sim.clearRequests();
            const before = Date.now();
            const slewed = await run('n1', {}, 1);
            should(slewed.caught).be.undefined();
            should(JSON.parse(sim.requests.find((q) => q.path === '/items/query')!.body).since).be.belowOrEqual(Date.now()).and.aboveOrEqual(before - 1000);
        });

        it('a watermark store settings.js does not define (a typo, or no file store): a warning at deploy naming it, saying the watermark is kept in memory and lost on restart', async () => {
            helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'memory' } } });
            try {
                await loadQuery(queryNode({ incremental: true, watermarkStore: 'fiel' }));
                const warnings = (helper.getNode('n1').warn as sinon.SinonSpy).args.map((a) => String(a[0]));
                should(warnings.some((w) => /watermark store "fiel" is not defined in settings\.js .*default.*memory.*restart/.test(w))).be.true();
                await helper.unload();
                // A store it defines: no warning.
                await loadQuery(queryNode({ incremental: true, watermarkStore: 'file' }));
                should((helper.getNode('n1').warn as sinon.SinonSpy).args.some((a) => /watermark store/.test(String(a[0])))).be.false();
            } finally {
                helper.settings({});
            }
            // Node-RED's default settings (no contextStorage): only the memory store exists.
            await helper.unload();
            await loadQuery(queryNode({ incremental: true, watermarkStore: 'file' }));
            should((helper.getNode('n1').warn as sinon.SinonSpy).args.some((a) => /watermark store "file" is not defined in settings\.js .*memory.*restart.*also clears it on every deploy that restarts the node/.test(String(a[0])))).be.true();
        });

        it('Node-RED\'s default settings (no contextStorage): a warning at deploy that the watermark is cleared by every deploy restarting the node, as Node-RED then does; none with a store configured', async () => {
            const flow = withProbes([config(), queryNode({ incremental: true })], 'n1', 1);
            const inMemory = (w: unknown) => /watermark is kept in memory \(settings\.js sets no contextStorage\).*every deploy that restarts this node.*contextStorage: \{/.test(String(w));
            await load([kitConfig, kitQuery], flow, creds);
            should((helper.getNode('n1').warn as sinon.SinonSpy).args.filter((a) => inMemory(a[0]))).have.length(1);
            await run('n1', {}, 1);
            should(helper.getNode('n1').context().get('cnErpWatermark')).be.a.Number();
            // What the warning says: a full deploy (the editor's default) restarts the node, and Node-RED deletes its context.
            await helper.setFlows([{ id: 'f1', type: 'tab' }, ...flow], 'full', creds);
            should(helper.getNode('n1').context().get('cnErpWatermark')).be.undefined();
            await helper.unload();
            // A store configured (memory or not): Node-RED keeps a stopped node's context, no warning.
            helper.settings({ contextStorage: { default: { module: 'memory' } } });
            try {
                await load([kitConfig, kitQuery], flow, creds);
                // The runtime reads contextStorage when the flows load; the helper skips that step, so it is run here.
                await (helper as any)._context.load();
                should((helper.getNode('n1').warn as sinon.SinonSpy).args.filter((a) => inMemory(a[0]))).have.length(0);
                await run('n1', {}, 1);
                await helper.setFlows([{ id: 'f1', type: 'tab' }, ...flow], 'full', creds);
                should(helper.getNode('n1').context().get('cnErpWatermark')).be.a.Number();
            } finally {
                helper.settings({});
            }
        });

        it('a context store failing on read or on save: the error names the watermark and its store; a failed read sends nothing, a failed save leaves the watermark', async () => {
            const failing = { get: false, set: false };
            const store = fakeContextStore({ fail: (op) => (op === 'get' && failing.get ? new Error('ECONNREFUSED 127.0.0.1:6379') : op === 'set' && failing.set ? new Error('ENOSPC: no space left on device') : undefined) });
            helper.settings({ contextStorage: { default: { module: 'memory' }, shared: { module: store.module } } });
            try {
                await loadQuery(queryNode({ incremental: true, watermarkStore: 'shared' }));
                await (helper as any)._context.load();
                failing.get = true;
                const r = await run('n1', {}, 1);
                should(r.caught!.error.message).match(/watermark store "shared": could not read the watermark: ECONNREFUSED/);
                should(dataCalls()).equal(0);
                failing.get = false;
                failing.set = true;
                const s = await run('n1', {}, 1);
                should(s.outputs[0]).have.length(1);
                should(s.caught!.error.message).match(/watermark store "shared": could not save the watermark: ENOSPC.*next run reads these records again/);
            } finally {
                helper.settings({});
            }
        });
    });
    describe('watermark committed after the writes (crash-safe incremental sync)', () => {
        it('advances only once every emitted page was acknowledged by the write node', async () => {
            const flow = [
                config(),
                { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', incremental: true, watermarkCommit: 'ack', wires: [['n1']] },
                saveNode({ params: { chunkSize: { value: '100', type: 'num' } } }),
            ];
            await load([kitConfig, kitQuery, kitSave], withProbes(flow, 'n1', 2), creds);
            // Hold the writes back so the read finishes long before them.
            sim.inject({ type: 'delay', ms: 300, thenProcess: true }, 3, (q) => q.path === '/items/save');
            const completed: Msg[] = [];
            helper.getNode('n1-completed').on('input', (m: Msg) => completed.push(m));
            const q = helper.getNode('q1');
            q.receive({});
            await new Promise((r) => setTimeout(r, 150));
            should(q.context().get('cnErpWatermark')).be.undefined();
            const t0 = Date.now();
            while (completed.length < 3 && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 20));
            should(completed).have.length(3);
            await new Promise((r) => setTimeout(r, 20));
            should(q.context().get('cnErpWatermark')).be.a.Number();
            should(sim.saved).have.length(250);
        });

        it('a lookup query between the query and the writes passes the acknowledgement on: the watermark waits for the writes of the lookup\'s msgs, then advances', async () => {
            const flow = [
                config(),
                { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', incremental: true, watermarkCommit: 'ack', ackTimeout: '0.05', wires: [['q2']] },
                { id: 'q2', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '50', type: 'num' } }, outputMode: 'page', wires: [['n1']] },
                saveNode({ params: { chunkSize: { value: '100', type: 'num' } } }),
            ];
            await load([kitConfig, kitQuery, kitSave], withProbes(flow, 'n1', 2), creds);
            // q1 emits 3 pages; q2 answers each with 5 pages of 50: 15 msgs to save, held back so the reads end first,
            // the last save much longer than the others.
            sim.inject({ type: 'delay', ms: 50, thenProcess: true }, 14, (q) => q.path === '/items/save');
            sim.inject({ type: 'delay', ms: 800, thenProcess: true }, 1, (q) => q.path === '/items/save');
            const completed: Msg[] = [];
            helper.getNode('n1-completed').on('input', (m: Msg) => completed.push(m));
            const q = helper.getNode('q1');
            q.receive({});
            const t0 = Date.now();
            while (sim.saved.length < 700 && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 5));
            await new Promise((r) => setTimeout(r, 100));
            should(sim.saved).have.length(700);
            should(q.context().get('cnErpWatermark')).be.undefined();
            while (completed.length < 15 && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 5));
            await new Promise((r) => setTimeout(r, 20));
            should(q.context().get('cnErpWatermark')).be.a.Number();
            const warnings = (q.warn as sinon.SinonSpy).args.map((a) => String(a[0]));
            should(warnings.filter((w) => /acknowledged/.test(w))).be.empty();
        });

        it('never advances when a page is not acknowledged (a crash between the read and the writes)', async () => {
            const flow = [
                config(),
                { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params: { pageSize: { value: '100', type: 'num' } }, outputMode: 'page', incremental: true, watermarkCommit: 'ack', wires: [[]] },
            ];
            await load([kitConfig, kitQuery], flow, creds);
            const q = helper.getNode('q1');
            q.receive({});
            await new Promise((r) => setTimeout(r, 300));
            should(sim.requests.filter((r) => r.path === '/items/query')).have.length(3);
            should(q.context().get('cnErpWatermark')).be.undefined();
        });
    });
});
