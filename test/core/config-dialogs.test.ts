import fs from 'fs';
import http from 'http';
import path from 'path';
import vm from 'vm';
import should from 'should';
import { cleanCredentials, commonClientSettings } from '../../nodes/core/config-node';
import { editorKit, testButtonText } from '../helpers/editor-locales';
import { droppingListener } from '../helpers/dropping';

// The config dialogs' numbers and URLs against the runtime: what the dialog lets through, the runtime must read as the
// dialog's tips say (0 = unlimited), and what the runtime refuses, the dialog marks invalid.
const root = path.resolve(__dirname, '..', '..', '..');
const SYSTEMS = ['guanyi', 'jackyun', 'jingcheng', 'kingdee', 'maycur', 'wdt', 'wdt-wms'];

/** Runs nodes/<sys>/<file>.html's script (the config node's by default) after the editor kit, as the page loads them; returns its definition. */
function definition(system: string, file = `${system}-config`): any {
    const html = fs.readFileSync(path.join(root, 'nodes', system, `${file}.html`), 'utf8');
    const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
    let def: any;
    const RED = { nodes: { registerType: (_t: string, d: any) => (def = d) }, validators: { number: () => (v: unknown) => v === '' || v === undefined || !Number.isNaN(Number(v)) } };
    const window: Record<string, unknown> = {};
    const context = vm.createContext({ RED, $: () => ({ val: () => undefined }), window });
    vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'cn-erp-editor.js'), 'utf8'), context);
    context.CnErpEditor = window.CnErpEditor;
    vm.runInContext(script, context);
    return def;
}

/** The "test connection" route of a config node, registered on a stand-in for RED: config → the route's answer. */
function testRoute(system: string): (config: Record<string, unknown>, credentials: Record<string, string>) => Promise<any> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const register = require(`../../nodes/${system}/${system}-config`);
    const routes: Record<string, (req: unknown, res: unknown) => unknown> = {};
    const RED = {
        nodes: { createNode() {}, registerType() {}, getCredentials: () => undefined },
        httpAdmin: { post: (p: string, _perm: unknown, handler: (req: unknown, res: unknown) => unknown) => (routes[p] = handler) },
        auth: { needsPermission: () => () => undefined },
    };
    register(RED);
    return (config, credentials) => new Promise((resolve) => routes[`/cn-erp/${system}-config/test`]({ body: { config, credentials } }, { json: resolve }));
}

describe('config dialogs: limits and retries as the runtime reads them', () => {
    it('runtime: a negative rate or concurrency (it meant "unlimited"), a fraction of a request in flight or of a retry, and a retry base of 0 or less (a rate-limited call retried at once) are refused naming the setting', () => {
        const refused: Array<[string, unknown]> = [
            ['rps', -1],
            ['rps', '-0.5'],
            ['concurrency', -2],
            ['concurrency', '1.5'],
            ['maxRetries', -1],
            ['maxRetries', 2.5],
            ['retryBaseMs', 0],
            ['retryBaseMs', '-100'],
        ];
        for (const [field, value] of refused) {
            let err: any;
            try {
                commonClientSettings('kit', { [field]: value }, { rps: 1, concurrency: 1 });
            } catch (e) {
                err = e;
            }
            should.exist(err, `${field} ${JSON.stringify(value)} was accepted`);
            should(err).match({ kind: 'config', field });
            should(err.message).startWith(`${field}: `);
        }
        // What the tips promise still holds: 0 = unlimited, 0 retries, a fraction of a request per second.
        should(commonClientSettings('kit', { rps: '0.5', concurrency: '0', maxRetries: 0, retryBaseMs: '250' }, { rps: 1, concurrency: 1 })).match({ rps: 0.5, concurrency: 0, retry: { maxRetries: 0, baseDelayMs: 250 } });
    });

    for (const system of SYSTEMS) {
        it(`${system}-config dialog: Requests/s takes blank or ≥ 0, Concurrency and Max retries a whole number ≥ 0, Retry base a number above 0`, () => {
            const d = definition(system).defaults;
            const ok = (name: string, v: unknown) => d[name].validate.call({}, v) === true;
            for (const v of ['', '0', '0.5', '5', ' 2 ']) should(ok('rps', v)).be.true(`rps ${JSON.stringify(v)}`);
            for (const v of ['-1', 'abc']) should(ok('rps', v)).be.false(`rps ${JSON.stringify(v)}`);
            for (const name of ['concurrency', 'maxRetries']) {
                for (const v of ['', '0', '3']) should(ok(name, v)).be.true(`${name} ${JSON.stringify(v)}`);
                for (const v of ['-1', '1.5', 'abc']) should(ok(name, v)).be.false(`${name} ${JSON.stringify(v)}`);
            }
            for (const v of ['', '500', '5']) should(ok('retryBaseMs', v)).be.true(`retryBaseMs ${JSON.stringify(v)}`);
            for (const v of ['0', '-500', 'abc']) should(ok('retryBaseMs', v)).be.false(`retryBaseMs ${JSON.stringify(v)}`);
        });
    }

    it('qeasy-config dialog: the inbound rate limit and the duplicate window take blank or ≥ 0 (a negative one read as none)', () => {
        const d = definition('qeasy').defaults;
        const ok = (name: string, v: unknown) => d[name].validate.call({}, v) === true;
        for (const name of ['rps', 'dedupeWindow']) {
            for (const v of ['', '0', '0.5', '60']) should(ok(name, v)).be.true(`${name} ${JSON.stringify(v)}`);
            for (const v of ['-1', 'abc']) should(ok(name, v)).be.false(`${name} ${JSON.stringify(v)}`);
        }
    });
});

describe('config dialogs: server URLs with a query string', () => {
    // Port 9 on this host refuses at once: a URL the runtime takes goes on to a network error instead of a config one.
    const host = 'http://127.0.0.1:9';
    const cases: Array<{ system: string; field: string; config: Record<string, unknown>; credentials: Record<string, string>; url: string }> = [
        { system: 'kingdee', field: 'serverUrl', config: { acctId: 'a1', username: 'u', authMode: 'password' }, credentials: { password: 'p' }, url: `${host}/k3cloud/?a=b` },
        { system: 'jackyun', field: 'gatewayUrl', config: { mode: 'direct', appKey: 'k' }, credentials: { appSecret: 's3cret' }, url: `${host}/open/openapi/do?x=1` },
        {
            system: 'jackyun',
            field: 'gatewayUrl',
            config: { mode: 'qimen', appKey: 'k', qimenAppKey: 'q', targetAppKey: 't', customerId: 'c' },
            credentials: { appSecret: 's3cret', qimenSecret: 'q3cret' },
            url: `${host}/router/qm?partner_id=x`,
        },
        { system: 'wdt-wms', field: 'serviceUrl', config: { appkey: 'k', sid: 's' }, credentials: { secret: 's3cret' }, url: `${host}/wms_api/wdt_service.php?method=WDT_WMS_ORDER_CANCEL` },
        { system: 'maycur', field: 'baseUrl', config: { server: 'custom', appCode: 'AC' }, credentials: { appSecret: 's3cret' }, url: `${host}?tenant=1` },
        { system: 'jingcheng', field: 'baseUrl', config: {}, credentials: {}, url: `${host}/erp?x=1` },
        { system: 'guanyi', field: 'url', config: { appkey: 'k' }, credentials: { sessionkey: 'sk', secret: 's3cret' }, url: `${host}/rest/erp_open?appkey=k` },
        { system: 'wdt', field: 'baseUrl', config: { server: 'custom', sid: 's', appkey: 'k' }, credentials: { appsecret: 's3cret' }, url: `${host}/openapi2/trade_push.php?sid=s` },
    ];

    for (const c of cases) {
        it(`${c.system}${c.config.mode ? ` (${c.config.mode})` : ''}: ${c.field} with a query string is refused naming ${c.field} by the runtime, and marked invalid in the dialog`, async () => {
            const answer = await testRoute(c.system)({ ...c.config, [c.field]: c.url }, c.credentials);
            should(answer).match({ ok: false, kind: 'config' });
            should(answer.message).match(new RegExp(`^${c.field}: .*query string`));
            // A fragment is no better (everything after # never reaches the server).
            const hash = await testRoute(c.system)({ ...c.config, [c.field]: c.url.replace('?', '#') }, c.credentials);
            should(hash).match({ ok: false, kind: 'config' });
            should(hash.message).match(new RegExp(`^${c.field}: `));

            const def = definition(c.system);
            const node = { ...c.config, server: c.config.server, _: (key: string) => `[${key}]` };
            should(def.defaults[c.field].validate.call(node, c.url)).not.be.true();
            should(def.defaults[c.field].validate.call(node, c.url.replace(/\?.*$/, ''))).be.true();
            if (c.system === 'wdt') should(testButtonText('wdt', 'wdt-config', answer, 'zh-CN')).equal('✘ CONFIG: baseUrl：不能含查询串或片段，即 ? 或 #：只填地址，参数由节点自行添加');
        });
    }
});

describe('jingcheng-config: the token header template', () => {
    it('a template without <token> (Bearer {token}) is refused naming tokenTemplate by the runtime under token auth, and marked invalid in the dialog; blank (the default) and <token> alone are taken', async () => {
        const route = testRoute('jingcheng');
        const def = definition('jingcheng');
        const node = (auth: string) => ({ auth, _: (key: string) => `[${key}]` });
        const config = { baseUrl: 'http://127.0.0.1:9/erp', auth: 'token', rps: '0' };
        const refused = await route({ ...config, tokenTemplate: 'Bearer {token}' }, { token: 't0ken' });
        should(testButtonText('jingcheng', 'jingcheng-config', refused, 'zh-CN')).equal('✘ CONFIG: tokenTemplate：其中没有 <token>，即令牌所在的位置，请写作例如“Bearer <token>”，或只写“<token>”（令牌本身填在令牌字段中）');
        for (const v of ['Bearer {token}', 'Token $token', 'Bearer', '   ']) {
            should(await route({ ...config, tokenTemplate: v }, { token: 't0ken' })).match({ ok: false, kind: 'config', message: /^tokenTemplate: .*has no <token>/ });
            should(def.defaults.tokenTemplate.validate.call(node('token'), v)).equal('[jingcheng-config.validation.tokenTemplate]');
            // Under md5 or no auth the template is not used: not refused.
            should(await route({ ...config, auth: 'md5', tokenTemplate: v }, { secret: 's3cret' })).not.match({ kind: 'config' });
            should(def.defaults.tokenTemplate.validate.call(node('md5'), v)).be.true();
        }
        for (const v of ['', 'Bearer <token>', '<token>', 'Token <token>']) {
            should(await route({ ...config, tokenTemplate: v }, { token: 't0ken' })).not.match({ kind: 'config' });
            should(def.defaults.tokenTemplate.validate.call(node('token'), v)).be.true();
        }
        should(def.defaults.tokenTemplate.validate.call(node('token'), '令牌 <token>')).not.be.true();
    });
});

describe('config dialogs: every field the runtime refuses is marked invalid', () => {
    // Port 9 on this host refuses at once: a setting the runtime takes goes on to a network error, not a config one.
    const host = 'http://127.0.0.1:9';
    // A working account of each system, every URL on that host.
    const accounts: Record<string, [Record<string, unknown>, Record<string, string>]> = {
        kingdee: [{ serverUrl: `${host}/k3cloud/`, acctId: 'a1', username: 'u', authMode: 'password' }, { password: 'p' }],
        jackyun: [{ mode: 'direct', gatewayUrl: `${host}/open/openapi/do`, appKey: 'k' }, { appSecret: 's3cret' }],
        'wdt-wms': [{ serviceUrl: `${host}/wms_api/wdt_service.php`, appkey: 'k', sid: 's' }, { secret: 's3cret' }],
        maycur: [{ server: 'custom', baseUrl: host, appCode: 'AC' }, { appSecret: 's3cret' }],
        jingcheng: [{ baseUrl: `${host}/erp`, auth: 'md5' }, { token: 't0ken', secret: 's3cret' }],
        guanyi: [{ url: `${host}/rest/erp_open`, appkey: 'k' }, { sessionkey: 'sk', secret: 's3cret' }],
        wdt: [{ server: 'custom', baseUrl: `${host}/openapi2`, sid: 's', appkey: 'k' }, { appsecret: 's3cret' }],
        qeasy: [{ auth: 'hmac' }, { secret: 'a-secret-of-24-characters' }],
    };
    // What a user may type into a text field: blank, spaces alone (Node-RED's own check of a required field takes ' '
    // as filled in; the runtime reads it as blank), numbers, words, header names, JSON, URLs.
    const typed = ['', '   ', '0', '-1', '1.5', '5', '20000', 'abc', 'X-Token', 'X Token', 'X-Token:', '{"X-App": "1"}', '{"X App": "1"}', '{"X-App": {"a": 1}}', '{"X-Company": "精诚总部"}', '{"X-App": "a\\nb"}', '[1]', 'null', host, `${host}/a?b=1`, `${host}/a#b`, 'erp.example.com'];
    const LIMITS = ['rps', 'concurrency', 'timeout', 'maxRetries', 'retryBaseMs'];

    for (const system of Object.keys(accounts)) {
        it(`${system}-config: a text field the runtime refuses a value of (naming the field) marks that value invalid`, async () => {
            const def = definition(system);
            const html = fs.readFileSync(path.join(root, 'nodes', system, `${system}-config.html`), 'utf8');
            // The dialog's text inputs, and the limit and retry rows the editor kit adds.
            const fields = [...html.matchAll(/<input type="text" id="node-config-input-(\w+)"/g)].map((m) => m[1]).concat(LIMITS.filter((f) => def.defaults[f]));
            should(fields.length).be.above(LIMITS.length);
            // Unlimited: the test button goes through the account's limiter, and hundreds of tests of one account at
            // its default rate (1/s for some) would take minutes. A value typed into rps itself still applies.
            const config = { ...accounts[system][0], rps: '0' };
            const credentials = accounts[system][1];
            const route = testRoute(system);
            // The account works as it is (a network error on port 9, not a config one; qeasy-config calls nothing).
            should(await route(config, credentials)).not.match({ kind: 'config' });
            const problems: string[] = [];
            let refused = 0;
            for (const field of fields) {
                const d = def.defaults[field];
                for (const value of typed) {
                    const answer = await route({ ...config, [field]: value }, credentials);
                    if (!(answer.ok === false && answer.kind === 'config' && String(answer.message).startsWith(`${field}:`))) continue;
                    refused++;
                    // As Node-RED's editor checks a field: a required one must not be '', then its validator decides.
                    const node = { ...config, _: (key: string) => `[${key}]` };
                    const valid = !(d.required && value === '') && (!d.validate || d.validate.call(node, value) === true);
                    if (valid) problems.push(`${field} ${JSON.stringify(value)}: the dialog takes it, the runtime says "${answer.message}"`);
                }
            }
            should(problems).eql([]);
            // The runtime refused something (a blank required field, a bad URL): the check had values to compare.
            should(refused).be.above(0);
        });
    }
});

describe('config dialogs: Test connection to an address nothing listens on', () => {
    // Port 9 on this host refuses at once.
    const host = 'http://127.0.0.1:9';
    const accounts: Array<[string, Record<string, unknown>, Record<string, string>]> = [
        ['kingdee', { serverUrl: `${host}/k3cloud/`, acctId: 'a1', username: 'u', authMode: 'password' }, { password: 'p' }],
        ['jackyun', { mode: 'direct', gatewayUrl: `${host}/open/openapi/do`, appKey: 'k' }, { appSecret: 's3cret' }],
        ['wdt-wms', { serviceUrl: `${host}/wms_api/wdt_service.php`, appkey: 'k', sid: 's' }, { secret: 's3cret' }],
        // An app of its own: Maycur's logins per minute are counted by app in this process, and the tests above log in.
        ['maycur', { server: 'custom', baseUrl: host, appCode: 'AC-unreachable' }, { appSecret: 's3cret' }],
        ['jingcheng', { baseUrl: `${host}/erp`, auth: 'md5' }, { token: 't0ken', secret: 's3cret' }],
        ['guanyi', { url: `${host}/rest/erp_open`, appkey: 'k' }, { sessionkey: 'sk', secret: 's3cret' }],
        ['wdt', { server: 'custom', baseUrl: `${host}/openapi2`, sid: 's', appkey: 'k' }, { appsecret: 's3cret' }],
    ];
    for (const [system, config, credentials] of accounts) {
        it(`${system}-config: says which server could not be reached and why, in the editor's language`, async () => {
            const answer = await testRoute(system)({ ...config, rps: '0' }, credentials);
            should(answer).match({ ok: false, kind: 'transient', code: 'ECONNREFUSED' });
            should(answer.message).startWith(`network error: ECONNREFUSED (${host})`);
            should(testButtonText(system, `${system}-config`, answer, 'zh-CN')).equal(`✘ ECONNREFUSED: 无法连接 ${host}：连接被拒绝（地址或端口有误，或服务未启动）（ECONNREFUSED）`);
            should(testButtonText(system, `${system}-config`, answer, 'en-US')).equal(`✘ ECONNREFUSED: could not reach ${host}: the connection was refused (a wrong address or port, or the service is not running) (ECONNREFUSED)`);
        });
    }
});

describe('config dialogs: Test connection to an address that answers with an HTTP error (a wrong server URL, a proxy\'s error page)', () => {
    // The most common first click: a server URL without its virtual directory (IIS answers 404), or a proxy in front
    // of a server that is down (502). A zh-CN editor said it all in English ("HTTP 404 from server: … check the server
    // URL …"), where a refused connection or a refused login is said in Chinese.
    const PAGES: Record<number, string> = { 404: '<h1>404 - File or directory not found.</h1>', 502: '<title>502 Bad Gateway</title>' };
    let server: http.Server;
    let host = '';
    before(async () => {
        server = http.createServer((req, res) => {
            req.resume();
            req.on('end', () => {
                const status = /^\/502\//.test(req.url ?? '') ? 502 : 404;
                res.writeHead(status, { 'content-type': 'text/html' });
                res.end(PAGES[status]);
            });
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        host = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(() => server.close());
    const accounts = (base: string): Array<[string, Record<string, unknown>, Record<string, string>]> => [
        ['kingdee', { serverUrl: `${base}/`, acctId: 'a1', username: 'u', authMode: 'password' }, { password: 'p' }],
        ['jackyun', { mode: 'direct', gatewayUrl: `${base}/open/openapi/do`, appKey: 'k' }, { appSecret: 's3cret' }],
        ['wdt-wms', { serviceUrl: `${base}/wms_api/wdt_service.php`, appkey: 'k', sid: 's' }, { secret: 's3cret' }],
        ['maycur', { server: 'custom', baseUrl: base, appCode: 'AC-http-error' }, { appSecret: 's3cret' }],
        ['guanyi', { url: `${base}/rest/erp_open`, appkey: 'k' }, { sessionkey: 'sk', secret: 's3cret' }],
        ['wdt', { server: 'custom', baseUrl: `${base}/openapi2`, sid: 's', appkey: 'k' }, { appsecret: 's3cret' }],
    ];
    for (const status of [404, 502]) {
        for (const [system] of accounts('')) {
            it(`${system}-config: HTTP ${status} is said in the editor's language, the server's page quoted`, async () => {
                const [, config, credentials] = accounts(status === 502 ? `${host}/502` : host).find(([s]) => s === system)!;
                const answer = await testRoute(system)({ ...config, rps: '0', maxRetries: '0' }, credentials);
                should(answer).match({ ok: false, code: `HTTP_${status}` });
                // The English message as before (flows and logs read it).
                should(answer.message).startWith(`HTTP ${status} from server: ${PAGES[status]}`);
                const zh = testButtonText(system, `${system}-config`, answer, 'zh-CN');
                // Kingdee's 404 says what is wrong with the URL (no WebAPI there: the virtual directory) instead of the page.
                if (system === 'kingdee' && status === 404) should(zh).equal(`✘ HTTP_404: ${host}/ 没有金蝶 WebAPI（HTTP 404）：请检查服务器地址（serverUrl），须为带虚拟目录的 WebAPI 根地址，如 http://host/k3cloud/`);
                else should(zh).containEql(PAGES[status]);
                should(zh).not.match(/from server|check the|gave up/);
                should(zh).match(status === 404 ? /请检查/ : /服务器/);
                should(testButtonText(system, `${system}-config`, answer, 'en-US')).containEql(`HTTP ${status}`);
            });
        }
    }
});

describe('config dialogs: Test connection to an address that answers a web page with 200 (a portal, a proxy\'s login page)', () => {
    // A wrong address that answers at all answers a page: "the answer is not JSON: <html>…" was said in English in a
    // zh-CN editor, where a refused connection or an HTTP error is said in Chinese.
    const PAGE = '<html><head><title>统一认证门户</title></head><body>请登录</body></html>';
    let server: http.Server;
    let host = '';
    before(async () => {
        server = http.createServer((req, res) => {
            req.resume();
            req.on('end', () => {
                res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
                res.end(PAGE);
            });
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        host = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(() => server.close());
    const accounts = (base: string): Array<[string, Record<string, unknown>, Record<string, string>]> => [
        ['jackyun', { mode: 'direct', gatewayUrl: `${base}/open/openapi/do`, appKey: 'k' }, { appSecret: 's3cret' }],
        ['jingcheng', { baseUrl: `${base}/erp`, auth: 'md5' }, { token: 't0ken', secret: 's3cret' }],
        ['guanyi', { url: `${base}/rest/erp_open`, appkey: 'k' }, { sessionkey: 'sk', secret: 's3cret' }],
        ['wdt', { server: 'custom', baseUrl: `${base}/openapi2`, sid: 's', appkey: 'k' }, { appsecret: 's3cret' }],
        ['wdt-wms', { serviceUrl: `${base}/wms_api/wdt_service.php`, appkey: 'k', sid: 's' }, { secret: 's3cret' }],
        ['kingdee', { serverUrl: `${base}/k3cloud/`, acctId: 'a1', username: 'u', authMode: 'password' }, { password: 'p' }],
        // An app of its own: Maycur's logins per minute are counted by app in this process, and other tests log in.
        ['maycur', { server: 'custom', baseUrl: base, appCode: 'AC-web-page' }, { appSecret: 's3cret' }],
    ];
    for (const [system] of accounts('')) {
        it(`${system}-config: a web page answered with 200 is said in the editor's language, the page quoted`, async () => {
            const [, config, credentials] = accounts(host).find(([s]) => s === system)!;
            const answer = await testRoute(system)({ ...config, rps: '0', maxRetries: '0' }, credentials);
            // Kingdee's is its login's answer: a setting to correct, not a passing fault.
            should(answer).match({ ok: false, code: system === 'kingdee' ? 'BAD_LOGIN_RESPONSE' : 'BAD_RESPONSE' });
            const said = /not JSON|not answer JSON|not answer a <response>/;
            should(answer.message).match(said);
            const zh = testButtonText(system, `${system}-config`, answer, 'zh-CN');
            should(zh).containEql(PAGE.slice(0, 60));
            should(zh).match(/不是.*(JSON|XML).*请检查/);
            should(zh).not.match(/not JSON|answer|check/);
            should(testButtonText(system, `${system}-config`, answer, 'en-US')).match(said);
        });
    }
});

describe('config dialogs: Test connection to a server that never takes the connection (a firewall dropping it)', () => {
    it('wdt-config: says the server could not be connected to in time and that nothing was sent, in the editor\'s language', async () => {
        const listener = await droppingListener();
        try {
            const host = `http://127.0.0.1:${listener.port}`;
            const answer = await testRoute('wdt')({ server: 'custom', baseUrl: `${host}/openapi2`, sid: 's', appkey: 'k', rps: '0', timeout: '0.2', maxRetries: '0' }, { appsecret: 's3cret' });
            should(answer).match({ ok: false, kind: 'transient', code: 'CONNECT_TIMEOUT' });
            should(answer.message).startWith(`could not connect to ${host} within 200 ms; nothing was sent`);
            should(testButtonText('wdt', 'wdt-config', answer, 'zh-CN')).equal(`✘ CONNECT_TIMEOUT: 无法连接 ${host}：200 毫秒内未能建立连接（被防火墙丢弃，或服务器停机、重启中）；未发送任何内容（CONNECT_TIMEOUT）`);
            should(testButtonText('wdt', 'wdt-config', answer, 'en-US')).equal(`✘ CONNECT_TIMEOUT: could not reach ${host}: no connection within 200 ms (a firewall dropping it, or the server down or restarting); nothing was sent (CONNECT_TIMEOUT)`);
        } finally {
            listener.close();
        }
    });
});

describe('config dialogs: Test connection with a setting or a credential missing (the password never typed in)', () => {
    // What the runtime refuses before sending anything: the secret fields have no check in the dialog, so the button
    // is where a user learns of a missing one. A zh-CN editor shows the reason in Chinese, naming the field, as the
    // other systems' buttons do (it said "password: is required" in English for Kingdee, Maycur and the callbacks).
    const host = 'http://127.0.0.1:9';
    const cases: Array<[string, Record<string, unknown>, Record<string, string>, string, string]> = [
        ['kingdee', { serverUrl: `${host}/k3cloud/`, acctId: 'a1', username: 'u', authMode: 'password' }, {}, 'password: is required', 'password：必填'],
        ['kingdee', { serverUrl: `${host}/k3cloud/`, acctId: 'a1', username: 'u', authMode: 'sign', appId: '225649_7eeAwdDqQkoY0aUvSe4q3/2rUo4UUqlE' }, {}, 'appSecret: is required', 'appSecret：必填'],
        ['kingdee', { serverUrl: `${host}/k3cloud/`, acctId: '', username: 'u', authMode: 'password' }, { password: 'p' }, 'acctId: is required', 'acctId：必填'],
        ['kingdee', { serverUrl: 'erp.example.com/k3cloud/', acctId: 'a1', username: 'u', authMode: 'password' }, { password: 'p' }, 'serverUrl: must start with http:// or https://', 'serverUrl：须以 http:// 或 https:// 开头'],
        ['maycur', { server: 'custom', baseUrl: host, appCode: 'AC' }, {}, 'appSecret: is required', 'appSecret：必填'],
        ['maycur', { server: 'custom', baseUrl: host, appCode: '' }, { appSecret: 's3cret' }, 'appCode: is required', 'appCode：必填'],
        ['maycur', { server: 'custom', baseUrl: '', appCode: 'AC' }, { appSecret: 's3cret' }, 'baseUrl: is required when the server is custom', 'baseUrl：选择自定义地址时必填'],
        ['qeasy', { auth: 'hmac' }, {}, 'secret: is required', 'secret（密钥）必填'],
        ['qeasy', { auth: 'token' }, { secret: 'short' }, 'secret: use at least 16 characters', 'secret（密钥）至少须 16 个字符'],
        ['qeasy', { auth: 'hmac', windowSeconds: '0' }, {}, 'secret: is required; windowSeconds: must be a number of seconds ≥ 1', 'secret（密钥）必填；windowSeconds（时间窗口）须为 ≥ 1 的秒数'],
    ];
    for (const [system, config, credentials, english, chinese] of cases) {
        it(`${system}-config: "${english}" is said in the editor's language`, async () => {
            const answer = await testRoute(system)({ ...config, rps: '0' }, credentials);
            should(answer).match({ ok: false, kind: 'config' });
            should(answer.message).equal(english);
            should(testButtonText(system, `${system}-config`, answer, 'zh-CN')).equal(`✘ ${answer.code}: ${chinese}`);
            should(testButtonText(system, `${system}-config`, answer, 'en-US')).equal(`✘ ${answer.code}: ${english}`);
        });
    }
});

describe('dialogs: a field holding ${NAME} (an environment variable: a subflow instance\'s property, a flow\'s, the process\'s)', () => {
    // Node-RED puts the variable in place of a value that is wholly ${NAME} when it starts the node, so one subflow
    // serves two shops or two Kingdee organisations with a property of each instance. Its own number validator takes
    // such a value; ours marked the node invalid, and every deploy asked to confirm deploying an invalid flow.
    const node = (extra: Record<string, unknown> = {}) => ({ _: (key: string) => `[${key}]`, ...extra });
    const urls: Record<string, [string, Record<string, unknown>]> = {
        kingdee: ['serverUrl', {}],
        jackyun: ['gatewayUrl', { mode: 'qimen' }],
        'wdt-wms': ['serviceUrl', {}],
        maycur: ['baseUrl', { server: 'custom' }],
        jingcheng: ['baseUrl', {}],
        guanyi: ['url', {}],
        wdt: ['baseUrl', { server: 'custom' }],
    };
    for (const [system, [field, mode]] of Object.entries(urls)) {
        it(`${system}-config: the server URL and the limits and retries take \${NAME}`, () => {
            const d = definition(system).defaults;
            should(d[field].validate.call(node(mode), '${ERP_URL}')).be.true(field);
            for (const limit of ['rps', 'concurrency', 'timeout', 'maxRetries', 'retryBaseMs']) {
                should(d[limit].validate.call(node(), '${ERP_LIMIT}')).be.true(limit);
                // Not a variable Node-RED replaces (it takes no spaces in the name): still refused.
                should(d[limit].validate.call(node(), '${ ERP_LIMIT }')).not.be.true(limit);
            }
        });
    }

    it('kingdee-config: the AppID and the page size limit take ${NAME}', () => {
        const d = definition('kingdee').defaults;
        should(d.appId.validate.call(node({ authMode: 'appsecret' }), '${KD_APPID}')).be.true();
        should(d.maxLimit.validate.call(node(), '${KD_MAX_LIMIT}')).be.true();
    });

    it('every dialog field that takes ${NAME} can hold it: none is a number input (which shows a saved ${MAX_ROWS} blank and saves "" on Done: the default)', () => {
        const lost: string[] = [];
        for (const system of fs.readdirSync(path.join(root, 'nodes'), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'core').map((d) => d.name)) {
            for (const file of fs.readdirSync(path.join(root, 'nodes', system)).filter((f) => f.endsWith('.html'))) {
                const html = fs.readFileSync(path.join(root, 'nodes', system, file), 'utf8');
                const defaults = definition(system, file.replace(/\.html$/, '')).defaults;
                for (const input of html.match(/<input\b[^>]*>/g) ?? []) {
                    const field = /\bid="node-(?:config-)?input-(\w+)"/.exec(input)?.[1];
                    if (!field || !/\btype="number"/.test(input)) continue;
                    const validate = defaults[field]?.validate;
                    if (!validate || validate.call(node(), '${DIALOG_SETTING}') === true) lost.push(`${file}: ${field}`);
                }
            }
        }
        should(lost).eql([]);
    });

    it('qeasy-config: the signature window, the inbound rate limit and the duplicate window take ${NAME}', () => {
        const d = definition('qeasy').defaults;
        for (const field of ['windowSeconds', 'rps', 'dedupeWindow']) should(d[field].validate.call(node(), '${QEASY_SETTING}')).be.true(field);
    });

    it('qeasy-callback and qeasy-config: the reply timeout and hold, the duplicate key and the reply number\'s field take ${NAME}, as the body limit and the duplicate window beside them do', () => {
        const callback = definition('qeasy', 'qeasy-callback').defaults;
        const config = definition('qeasy').defaults;
        const refused: string[] = [];
        for (const field of ['maxBytes', 'dedupeWindow', 'replyTimeout', 'replyHold', 'dedupeKey', 'numberSource']) {
            if (callback[field].validate.call(node(), '${QEASY_SETTING}') !== true) refused.push(`qeasy-callback ${field}`);
        }
        for (const field of ['dedupeKey', 'numberSource']) if (config[field].validate.call(node(), '${QEASY_SETTING}') !== true) refused.push(`qeasy-config ${field}`);
        should(refused).eql([]);
        // Still refused: what Node-RED would not replace.
        for (const field of ['replyTimeout', 'replyHold']) should(callback[field].validate.call(node(), '${A}${B}')).not.be.true(field);
    });

    it('jingcheng-config: the header names and extra headers take ${NAME}', () => {
        const d = definition('jingcheng').defaults;
        for (const field of ['tokenHeader', 'timestampHeader', 'signHeader', 'extraHeaders']) should(d[field].validate.call(node(), '${JC_HEADER}')).be.true(field);
    });

    it('qeasy-callback: the path takes ${NAME} (one path per shop, from the subflow instance)', () => {
        const d = definition('qeasy', 'qeasy-callback').defaults;
        should(d.path.validate.call(node(), '${SHOP_PATH}')).be.true();
        should(d.path.validate.call(node(), '/qeasy/${SHOP}')).not.be.true();
    });

    it('qeasy-config and qeasy-callback: the duplicate key takes a list of fields (shop_no,tid, the new default) as well as one field (tid, as earlier flows saved it)', () => {
        const config = definition('qeasy').defaults;
        const callback = definition('qeasy', 'qeasy-callback').defaults;
        should(config.dedupeKey.value).equal('shop_no,tid');
        for (const d of [config, callback]) {
            for (const v of ['shop_no,tid', 'shop_no, tid', 'shop_no，tid', 'tid', 'receiver.mobile,tid']) should(d.dedupeKey.validate.call(node(), v)).be.true(v);
            for (const v of ['shop_no;tid', 'tid/x', ',']) should(d.dedupeKey.validate.call(node(), v)).not.be.true(v);
        }
    });

    it('query and write nodes: the request timeout, max records, overlap and ack timeout take ${NAME}', () => {
        const d = editorKit().endpointDefaults('kingdee-config', 'query');
        for (const field of ['timeout', 'maxRecords', 'overlapMinutes', 'ackTimeout']) should(d[field].validate.call(node(), '${SYNC_SETTING}')).be.true(field);
    });

    it('"test connection" with a field holding ${NAME}: says the button tests the values as typed, naming the field (a password field\'s text never)', async () => {
        const kingdee = { acctId: 'a1', username: 'u', authMode: 'password' };
        const url = await testRoute('kingdee')({ ...kingdee, serverUrl: '${KD_URL}' }, { password: 'p' });
        should(url).match({ ok: false, kind: 'config', code: 'ENV_VAR', text: { key: 'runtime.test.envVar', vars: { field: 'serverUrl' } } });
        should(url.message).startWith('serverUrl: holds an environment variable');
        should(testButtonText('kingdee', 'kingdee-config', url, 'zh-CN')).startWith('✘ ENV_VAR: serverUrl：填的是环境变量');
        // A credential: Node-RED never replaces it, deployed or not (below).
        const password = await testRoute('kingdee')({ ...kingdee, serverUrl: 'http://127.0.0.1:9/k3cloud/' }, { password: '${KD_PASSWORD}' });
        should(password).match({ ok: false, kind: 'config', code: 'ENV_VAR' });
        should(password.message).startWith('password: holds an environment variable').and.containEql('does not replace in a credential');
        should(password).match({ text: { key: 'runtime.test.envVarCredential', vars: { field: 'password' } } });
        should(testButtonText('kingdee', 'kingdee-config', password, 'zh-CN')).startWith('✘ ENV_VAR: password：填的是环境变量').and.containEql('不替换凭据');
        should(JSON.stringify(password)).not.containEql('KD_PASSWORD');
        const appKey = await testRoute('jackyun')({ mode: 'direct', gatewayUrl: 'http://127.0.0.1:9/open/openapi/do', appKey: '${SHOP_KEY}' }, { appSecret: 's3cret' });
        should(appKey).match({ ok: false, code: 'ENV_VAR', text: { vars: { field: 'appKey' } } });
    });

    /** A kingdee-config node built as Node-RED builds it, on a stand-in for RED, with a password and maybe an app secret. */
    const kingdeeNode = (config: Record<string, unknown>): any => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const register = require('../../nodes/kingdee/kingdee-config');
        let Ctor: any;
        register({ nodes: { createNode() {}, registerType: (_t: string, c: unknown) => (Ctor = c), getCredentials: () => undefined }, httpAdmin: { post() {} }, auth: { needsPermission: () => () => undefined } });
        const n: any = { credentials: { password: 'p', appSecret: 's' }, on() {} };
        Ctor.call(n, config);
        return n;
    };

    const kingdeeChecks = (): Array<[string, (v: unknown) => unknown]> => {
        const d = definition('kingdee').defaults;
        const kit = editorKit().endpointDefaults('kingdee-config', 'query');
        return [
            ['serverUrl', (v) => d.serverUrl.validate.call(node(), v)],
            ['appId', (v) => d.appId.validate.call(node({ authMode: 'appsecret' }), v)],
            ['maxLimit', (v) => d.maxLimit.validate.call(node(), v)],
            ['rps', (v) => d.rps.validate.call(node(), v)],
            ['timeout', (v) => d.timeout.validate.call(node(), v)],
            ['retryBaseMs', (v) => d.retryBaseMs.validate.call(node(), v)],
            ['maxRecords', (v) => kit.maxRecords.validate.call(node(), v)],
        ];
    };

    it('dialogs take the older $(NAME), which Node-RED replaces as ${NAME}', () => {
        for (const [field, validate] of kingdeeChecks()) {
            should(validate('$(KD_SETTING)')).be.true(`${field} $(KD_SETTING)`);
            should(validate('${kd.setting}')).be.true(`${field} \${kd.setting}`);
        }
    });

    it('dialogs refuse ${A}${B}: Node-RED looks up one variable named "A}${B" and leaves the text as typed', () => {
        for (const [field, validate] of kingdeeChecks()) {
            should(validate('${KDA}${KDB}')).not.be.true(`${field} \${KDA}\${KDB}`);
            should(validate('$(KDA)$(KDB)')).not.be.true(`${field} $(KDA)$(KDB)`);
        }
    });

    it('runtime: a credential holding ${NAME} (Node-RED replaces none in credentials) is refused naming the field, not sent and signed with as typed', () => {
        for (const [value, verbatim] of [['${KD_PASSWORD}', ['password']], [' $(KD_PASSWORD) ', []]] as const) {
            let err: any;
            try {
                cleanCredentials('kingdee', { password: value }, [...verbatim]);
            } catch (e) {
                err = e;
            }
            should.exist(err, `${JSON.stringify(value)} was used as the password`);
            should(err).match({ kind: 'config', code: 'ENV_VAR', field: 'password' });
            should(err.message).startWith('password: holds an environment variable').and.not.containEql('KD_PASSWORD');
        }
        // A secret with a $ or braces inside is a secret.
        should(cleanCredentials('kingdee', { password: 'a${b}' }, ['password'])).eql({ password: 'a${b}' });
    });

    it('runtime: kingdee-config\'s server page limit still holding ${NAME} (no such variable is set) is refused naming maxLimit, not read as 2000 (a server allowing fewer rows a page would end the read after one page)', () => {
        const account = { serverUrl: 'http://127.0.0.1:9/k3cloud/', acctId: 'a1', username: 'u', authMode: 'password' };
        const node = kingdeeNode;
        // And any other text (a flow written by hand or imported: the dialog refuses it).
        for (const [maxLimit, message] of [['${KD_MAX_LIMIT}', 'maxLimit: ${KD_MAX_LIMIT} is an environment variable that is not set'], ['2000 rows', 'maxLimit: must be a whole number']]) {
            let err: any;
            try {
                node({ ...account, maxLimit }).getClient();
            } catch (e) {
                err = e;
            }
            should.exist(err, `maxLimit ${JSON.stringify(maxLimit)} was read as 2000`);
            should(err).match({ kind: 'config', field: 'maxLimit' });
            should(err.message).startWith(message);
        }
        // Blank is the default.
        for (const maxLimit of ['', ' ', undefined]) {
            const client = node({ ...account, maxLimit }).getClient();
            should(client.settings.maxLimit).equal(2000);
            client.close();
        }
    });

    it('runtime: jackyun-config\'s max page size and kingdee-config\'s language (lcid) that are no whole number (a ${NAME} set to a word, 1.5, 0) are refused naming the setting, not read as 200 and 2052', () => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const register = require('../../nodes/jackyun/jackyun-config');
        let Ctor: any;
        register({ nodes: { createNode() {}, registerType: (_t: string, c: unknown) => (Ctor = c), getCredentials: () => undefined }, httpAdmin: { post() {} }, auth: { needsPermission: () => () => undefined } });
        const jackyunNode = (config: Record<string, unknown>): any => {
            const n: any = { credentials: { appSecret: 's' }, on() {} };
            Ctor.call(n, { mode: 'direct', gatewayUrl: 'http://127.0.0.1:9/open/openapi/do', appKey: 'k', ...config });
            return n;
        };
        const kingdee = { serverUrl: 'http://127.0.0.1:9/k3cloud/', acctId: 'a1', username: 'u', authMode: 'password' };
        const cases: Array<[string, (v: unknown) => any, string]> = [
            ['maxPageSize', (v) => jackyunNode({ maxPageSize: v }).getClient(), 'maxPageSize: must be a whole number of records'],
            ['lcid', (v) => kingdeeNode({ ...kingdee, lcid: v }).getClient(), 'lcid: must be a language id'],
        ];
        for (const [field, client, message] of cases) {
            for (const value of ['zh-CN', '1.5', '0', '-5', 'NaN']) {
                let err: any;
                try {
                    client(value).close();
                } catch (e) {
                    err = e;
                }
                should.exist(err, `${field} ${JSON.stringify(value)} was read as the default`);
                should(err).match({ kind: 'config', field });
                should(err.message).startWith(message).and.containEql(JSON.stringify(value));
            }
            // Still ${NAME}: no such variable is set.
            should(() => client('${ERP_SETTING}')).throw({ code: 'ENV_VAR', field });
        }
        // Blank is the default; a number is used.
        for (const blank of ['', ' ', undefined]) {
            const j = jackyunNode({ maxPageSize: blank }).getClient();
            should(j.settings.maxPageSize).equal(200);
            j.close();
            const k = kingdeeNode({ ...kingdee, lcid: blank }).getClient();
            should(k.settings.lcid).equal(2052);
            k.close();
        }
        const j = jackyunNode({ maxPageSize: '50' }).getClient();
        should(j.settings.maxPageSize).equal(50);
        j.close();
        const k = kingdeeNode({ ...kingdee, lcid: '1033' }).getClient();
        should(k.settings.lcid).equal(1033);
        k.close();
    });

    it('jackyun-config\'s max page size and kingdee-config\'s language (lcid) dialogs: take ${NAME} and $(NAME), a whole number from 1 or blank, and refuse what the runtime refuses', () => {
        const checks: Array<[string, (v: unknown) => unknown]> = [
            ['maxPageSize', (v) => definition('jackyun').defaults.maxPageSize.validate.call(node(), v)],
            ['lcid', (v) => definition('kingdee').defaults.lcid.validate.call(node(), v)],
        ];
        for (const [field, validate] of checks) {
            for (const v of ['${ERP_SETTING}', '$(ERP_SETTING)', '', '1', '2052', 2052]) should(validate(v)).be.true(`${field} ${JSON.stringify(v)}`);
            for (const v of ['${A}${B}', 'zh-CN', '1.5', '0', '-5']) should(validate(v)).not.be.true(`${field} ${JSON.stringify(v)}`);
        }
    });

    it('runtime: a config node\'s setting still holding ${NAME} (no such variable is set: an AppID, a data centre) is refused naming the setting and the variable, not sent as typed', () => {
        const account = { serverUrl: 'http://127.0.0.1:9/k3cloud/', acctId: 'a1', username: 'u', authMode: 'appsecret', appId: '123_abc' };
        for (const [field, value] of [['appId', '${KD_APPID}'], ['acctId', '$(KD_ACCT)']]) {
            let err: any;
            try {
                kingdeeNode({ ...account, [field]: value }).getClient();
            } catch (e) {
                err = e;
            }
            should.exist(err, `${field} ${value} was used as typed`);
            should(err).match({ kind: 'config', code: 'ENV_VAR', field });
            should(err.message).equal(`${field}: ${value} is an environment variable that is not set (a subflow instance's property, a flow's or the process's)`);
        }
        const client = kingdeeNode(account).getClient();
        should(client.settings.appId).equal('123_abc');
        client.close();
    });

    it('runtime: a limit still holding ${NAME} (no such variable is set) is refused naming the setting, not read as the default', () => {
        for (const field of ['rps', 'concurrency', 'timeout', 'maxRetries', 'retryBaseMs']) {
            let err: any;
            try {
                commonClientSettings('kit', { [field]: '${ERP_LIMIT}' }, { rps: 1, concurrency: 1 });
            } catch (e) {
                err = e;
            }
            should.exist(err, `${field} "\${ERP_LIMIT}" was read as the default`);
            should(err).match({ kind: 'config', field });
            should(err.message).startWith(`${field}: `).and.containEql('${ERP_LIMIT}');
        }
    });
});
