import http from 'http';
import type { AddressInfo } from 'net';
import should from 'should';
import { helper, load, Msg } from '../helpers/nodered';
import { testButtonText } from '../helpers/editor-locales';
import jackyunConfig = require('../../nodes/jackyun/jackyun-config');
import wdtWmsConfig = require('../../nodes/wdt-wms/wdt-wms-config');
import maycurConfig = require('../../nodes/maycur/maycur-config');
import jingchengConfig = require('../../nodes/jingcheng/jingcheng-config');
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import wdtConfig = require('../../nodes/wdt/wdt-config');
import guanyiConfig = require('../../nodes/guanyi/guanyi-config');

/**
 * Test connection of a deployed config node, its secrets left blank in the dialog (the stored ones are used), and its
 * server changed in the dialog: the stored secrets go only to the server they were saved for. Sent to the address typed
 * (a test server, a typo, or anyone's who can open the dialog), they would hand the production password, app secret
 * or token to it, or a signature made with it; the user is asked to enter them again instead.
 */
describe('hardening: Test connection sends stored secrets only to the deployed server', function () {
    this.timeout(20000);
    // Port 9 on this host refuses at once: the deployed server, which the stored secrets may reach.
    const deployed = 'http://127.0.0.1:9';
    let other: http.Server;
    let otherUrl: string;
    let received: string[];

    before(async () => {
        other = http.createServer((req, res) => {
            let body = '';
            req.on('data', (c) => (body += c));
            req.on('end', () => {
                received.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
                res.writeHead(200, { 'Content-Type': 'application/json' });
                res.end('{}');
            });
        });
        await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
        otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => other.close(() => resolve())));
    beforeEach(() => {
        received = [];
    });
    afterEach(() => helper.unload());

    // Each system: its module, its config at a server (with the field holding it, and a field a secret is sent in).
    const systems: Array<{ system: string; module: unknown; config: (host: string) => Msg; field: string; credentials: Record<string, string>; needed: string }> = [
        { system: 'kingdee', module: kingdeeConfig, config: (h) => ({ serverUrl: `${h}/k3cloud/`, acctId: 'a1', username: 'u', authMode: 'password' }), field: 'serverUrl', credentials: { password: 'Kd-Pwd-0001' }, needed: 'password' },
        { system: 'jackyun', module: jackyunConfig, config: (h) => ({ mode: 'direct', gatewayUrl: `${h}/open/openapi/do`, appKey: 'k' }), field: 'gatewayUrl', credentials: { appSecret: 'Jky-Secret-0001' }, needed: 'appSecret' },
        { system: 'wdt-wms', module: wdtWmsConfig, config: (h) => ({ serviceUrl: `${h}/wms_api/wdt_service.php`, appkey: 'k', sid: 's' }), field: 'serviceUrl', credentials: { secret: 'Wms-Secret-0001' }, needed: 'secret' },
        { system: 'maycur', module: maycurConfig, config: (h) => ({ server: 'custom', baseUrl: h, appCode: 'AC-stored' }), field: 'baseUrl', credentials: { appSecret: 'Mc-Secret-0001' }, needed: 'appSecret' },
        { system: 'jingcheng', module: jingchengConfig, config: (h) => ({ baseUrl: `${h}/erp`, auth: 'token' }), field: 'baseUrl', credentials: { token: 'Jc-Token-0001' }, needed: 'token' },
        { system: 'guanyi', module: guanyiConfig, config: (h) => ({ url: `${h}/rest/erp_open`, appkey: 'k' }), field: 'url', credentials: { sessionkey: 'Gy-Session-0001', secret: 'Gy-Secret-0001' }, needed: 'sessionkey' },
        { system: 'wdt', module: wdtConfig, config: (h) => ({ server: 'custom', baseUrl: `${h}/openapi2`, sid: 's', appkey: 'k' }), field: 'baseUrl', credentials: { appsecret: 'Wdt-Secret-0001' }, needed: 'appsecret' },
    ];

    for (const s of systems) {
        const type = `${s.system}-config`;
        const route = `/cn-erp/${type}/test`;
        const limits = { rps: '0', maxRetries: '0' };
        const deploy = () => load([s.module], [{ id: 'c1', type, ...s.config(deployed), ...limits }], { c1: s.credentials });
        const blank = Object.fromEntries(Object.keys(s.credentials).map((k) => [k, '__PWRD__']));

        it(`${type}: the dialog's server changed, its secrets left blank → nothing sent there, asked to enter ${s.needed} again (en, zh)`, async () => {
            await deploy();
            // The deployed server: the stored secrets are used (it refuses the connection).
            const same = (await helper.request().post(route).send({ id: 'c1', config: { ...s.config(deployed), ...limits }, credentials: blank }).expect(200)).body;
            should(same).match({ ok: false, code: 'ECONNREFUSED' });
            // Another server, as typed into the dialog, with and without __PWRD__ for the blank secrets.
            for (const credentials of [blank, {}]) {
                const answer = (await helper.request().post(route).send({ id: 'c1', config: { ...s.config(otherUrl), ...limits }, credentials }).expect(200)).body;
                should(received).eql([], `${type}: the stored secrets went to ${otherUrl}`);
                should(answer).match({ ok: false, kind: 'config', code: 'STORED_CREDENTIALS', text: { key: 'runtime.test.storedCredentials', vars: { field: s.needed, server: s.field } } });
                should(answer.message).startWith(`${s.needed}: `);
                should(testButtonText(s.system, type, answer, 'en-US')).match(new RegExp(`^✘ STORED_CREDENTIALS: ${s.needed}: .*${s.field}`));
                should(testButtonText(s.system, type, answer, 'zh-CN')).match(new RegExp(`^✘ STORED_CREDENTIALS: ${s.needed}：.*${s.field}`));
            }
        });

        it(`${type}: the dialog's server changed and the secrets typed again → the test goes to that server`, async () => {
            await deploy();
            const answer = (await helper.request().post(route).send({ id: 'c1', config: { ...s.config(otherUrl), ...limits }, credentials: s.credentials }).expect(200)).body;
            should(answer.code).not.equal('STORED_CREDENTIALS');
            should(received.length).be.above(0);
        });
    }

    it('wdt-config: a server chosen from the list in place of the deployed custom one is another server too', async () => {
        await load([wdtConfig], [{ id: 'c1', type: 'wdt-config', server: 'custom', baseUrl: `${otherUrl}/openapi2`, sid: 's', appkey: 'k', rps: '0', maxRetries: '0' }], { c1: { appsecret: 'Wdt-Secret-0001' } });
        const answer = (await helper.request().post('/cn-erp/wdt-config/test').send({ id: 'c1', config: { server: 'sandbox', baseUrl: `${otherUrl}/openapi2`, sid: 's', appkey: 'k', rps: '0', maxRetries: '0' }, credentials: {} }).expect(200)).body;
        should(answer).match({ ok: false, code: 'STORED_CREDENTIALS', text: { vars: { field: 'appsecret', server: 'server' } } });
    });

    it("kingdee-config: the same server typed otherwise (upper-case scheme and host, no trailing slash) is the deployed one: the stored password is used", async () => {
        await load([kingdeeConfig], [{ id: 'c1', type: 'kingdee-config', serverUrl: `${otherUrl}/k3cloud/`, acctId: 'a1', username: 'u', authMode: 'password', rps: '0', maxRetries: '0' }], { c1: { password: 'Kd-Pwd-0001' } });
        const answer = (await helper.request().post('/cn-erp/kingdee-config/test').send({ id: 'c1', config: { serverUrl: `${otherUrl.toUpperCase()}/k3cloud`, acctId: 'a1', username: 'u', authMode: 'password', rps: '0', maxRetries: '0' }, credentials: {} }).expect(200)).body;
        should(answer.code).not.equal('STORED_CREDENTIALS');
        should(received.join('\n')).containEql('Kd-Pwd-0001');
    });

    it("a config node of another type's id: its stored secrets are not used (guanyi-config's test with jingcheng-config's secret)", async () => {
        await load([jingchengConfig, guanyiConfig], [{ id: 'c1', type: 'jingcheng-config', baseUrl: `${deployed}/erp`, auth: 'md5' }], { c1: { secret: 'Jc-Secret-0001' } });
        const answer = (await helper.request().post('/cn-erp/guanyi-config/test').send({ id: 'c1', config: { url: `${otherUrl}/rest/erp_open`, appkey: 'k', rps: '0' }, credentials: { sessionkey: 'typed-session' } }).expect(200)).body;
        should(received.join('\n')).not.containEql('Jc-Secret-0001');
        should(answer).match({ ok: false, kind: 'config' });
    });
});
