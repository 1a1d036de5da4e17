import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import sinon from 'sinon';
import type { SinonSpy } from 'sinon';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { waitFor } from '../helpers/wait';
import { KitSim, KIT_DEMO } from '../sim/kit';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM } from '../sim/kingdee';
import type { SimRequest } from '../sim/harness';
import { kitConfig, kitQuery } from '../kit/kit-nodes';
import { readDigest } from '../../nodes/core/watermark';
import { english } from '../../nodes/core/i18n';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBillQuery = require('../../nodes/kingdee/kingdee-bill-query');
import { KingdeeClient } from '../../nodes/kingdee/client';
import { JackyunSim, JACKYUN_DEMO } from '../sim/jackyun';
import { chinaTime } from '../../nodes/core/time';
import jackyunConfig = require('../../nodes/jackyun/jackyun-config');
import jackyunTradeQuery = require('../../nodes/jackyun/jackyun-trade-query');

/**
 * An incremental query node's watermark belongs to the records its own settings choose (a form, a date field, a
 * filter, a shop typed into the node): the node keeps a digest of those settings beside its watermarks. Redeployed
 * with other such settings, the node forgets its watermarks and reads the new settings' records from the user's start
 * (warning so), instead of reading them only from the old mark and skipping every record changed before it. Settings
 * that only shape the records or the paging (a field list, an order, a page size) keep the watermark, as does a
 * watermark an earlier release saved without a digest.
 */
describe('core/endpoint: a watermark follows the node\'s own filter settings', function () {
    const SETTINGS_KEY = 'cnErpWatermarkSettings';
    const warnText = (type: string) => english()('runtime.warn.watermarkSettingsChanged', { type });

    beforeEach(() => {
        // A store configured in settings.js (a file or database store in production): what it holds outlives a deploy.
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'memory' } } });
    });
    afterEach(async () => {
        await helper.unload();
        helper.settings({});
    });

    const stored = (id: string, key: string) => helper.getNode(id).context().get(key, 'file');
    const warnings = (id: string) => (helper.getNode(id).warn as SinonSpy).args.map((a) => String(a[0]));

    describe('kit-query', () => {
        let sim: KitSim;
        beforeEach(async () => {
            sim = new KitSim(5);
            await sim.start();
        });
        afterEach(async () => {
            await sim.stop();
        });

        const creds = { c1: { password: KIT_DEMO.password }, c2: { password: KIT_DEMO.password } };
        const config = (id = 'c1') => ({ id, type: 'kit-config', url: sim.baseUrl, user: KIT_DEMO.user, retryBaseMs: 5, maxRetries: 0 });
        const flow = (params: Msg, extra: Msg = {}) =>
            withProbes([config('c1'), config('c2'), { id: 'q1', type: 'kit-query', z: 'f1', config: 'c1', params, outputMode: 'page', incremental: true, watermarkStore: 'file', overlapMinutes: '1', ...extra }], 'q1', 1);
        const A = { category: { value: 'A', type: 'str' }, pageSize: { value: '10', type: 'num' } };
        const sinces = () => sim.requests.filter((r: SimRequest) => r.path === '/items/query').map((r) => JSON.parse(r.body).since as number | undefined);

        async function deployed(params: Msg, extra: Msg = {}): Promise<void> {
            await load([kitConfig, kitQuery], flow(params, extra), creds);
            // The runtime opens the context stores when the flows load; the test helper does not.
            await (helper as any)._context.load();
        }
        /** A deploy of the modified nodes: the query node restarts with `params`, its context kept by the store. */
        async function redeploy(params: Msg, extra: Msg = {}): Promise<void> {
            await helper.setFlows(flow(params, extra), 'nodes', creds);
        }
        /** The `since` of the run's first request (undefined: from the user's start). */
        async function sinceOfRun(msg: Msg = {}): Promise<number | undefined> {
            const before = sinces().length;
            const r = await run('q1', msg, 1);
            should(r.caught).be.undefined();
            return sinces()[before];
        }

        it('a filter typed into the node changed and redeployed: the next run reads from the user\'s start, with a warning, and stores the new digest', async () => {
            await deployed(A);
            should(await sinceOfRun()).be.undefined();
            const first = stored('q1', 'cnErpWatermark') as number;
            should(first).be.a.Number();
            const digest = stored('q1', SETTINGS_KEY);
            should(digest).be.a.String();
            should(await sinceOfRun()).equal(first - 60000);

            await redeploy({ ...A, category: { value: 'B', type: 'str' } });
            should(stored('q1', 'cnErpWatermark')).be.a.Number();
            // B's records changed before A's watermark are read, not skipped.
            should(await sinceOfRun()).be.undefined();
            should(warnings('q1').filter((w) => w === warnText('kit-query'))).have.length(1, warnings('q1').join('\n'));
            should(stored('q1', SETTINGS_KEY)).be.a.String().and.not.equal(digest);
            // From then on B reads on from its own watermark, warned of once.
            const b = stored('q1', 'cnErpWatermark') as number;
            should(await sinceOfRun()).equal(b - 60000);
            should(warnings('q1').filter((w) => w === warnText('kit-query'))).have.length(1);
            should(helper.getNode('q1').context().keys('file').sort()).eql(['cnErpWatermark', SETTINGS_KEY]);
        });

        it('a filter typed into the node cleared (now chosen by msg.params) or newly typed: from the start', async () => {
            await deployed({ pageSize: A.pageSize });
            await sinceOfRun();
            await redeploy(A);
            should(await sinceOfRun()).be.undefined();
            await sinceOfRun();
            await redeploy({ pageSize: A.pageSize });
            should(await sinceOfRun({ params: { category: 'A' } })).be.undefined();
        });

        it('the watermarks of the reads triggers chose are forgotten too when a filter typed into the node changes', async () => {
            // The category left blank in the node: each trigger's msg.params choose it.
            const withOther = (v: string) => ({ category: { value: '', type: 'str' }, pageSize: { value: v, type: 'num' } });
            await deployed(withOther('10'));
            await sinceOfRun({ params: { category: 'X' } });
            should(stored('q1', 'cnErpWatermarkReads')).have.property(readDigest({ category: 'X' })!);
            should(await sinceOfRun({ params: { category: 'X' } })).be.a.Number();
            // The page size alone: the read keeps its watermark.
            await redeploy(withOther('20'));
            should(await sinceOfRun({ params: { category: 'X' } })).be.a.Number();
            should(warnings('q1').some((w) => w === warnText('kit-query'))).be.false();
            // The config node another one (another account, another database): from the start.
            await redeploy(withOther('20'), { config: 'c2' });
            should(await sinceOfRun({ params: { category: 'X' } })).be.undefined();
            should(warnings('q1').filter((w) => w === warnText('kit-query'))).have.length(1);
            should(Object.keys(stored('q1', 'cnErpWatermarkReads') as object)).eql([readDigest({ category: 'X' })]);
        });

        it('only the page size changed (a setting the spec names as no filter): the watermark is kept, no warning', async () => {
            await deployed(A);
            await sinceOfRun();
            const first = stored('q1', 'cnErpWatermark') as number;
            await redeploy({ ...A, pageSize: { value: '20', type: 'num' } });
            should(await sinceOfRun()).equal(first - 60000);
            should(warnings('q1').some((w) => w === warnText('kit-query'))).be.false();
            // The same filter typed as a number and as text, or as the default value: the same read.
            await redeploy({ ...A, pageSize: { value: '', type: 'str' } });
            should(await sinceOfRun()).be.a.Number();
            should(warnings('q1').some((w) => w === warnText('kit-query'))).be.false();
        });

        it('a filter set in the node from the msg (per trigger) is no deploy setting: other values read with watermarks of their own, the node\'s kept', async () => {
            const byMsg = { category: { value: 'shop', type: 'msg' } };
            await deployed(byMsg);
            should(await sinceOfRun({ shop: 'A' })).be.undefined();
            should(await sinceOfRun({ shop: 'B' })).be.undefined();
            should(await sinceOfRun({ shop: 'A' })).be.a.Number();
            should(await sinceOfRun({ shop: 'B' })).be.a.Number();
            should(warnings('q1').some((w) => w === warnText('kit-query'))).be.false();
        });

        it('a filter read from an environment variable is a deploy setting: the variable set to another value (a restart with other settings) reads from the start', async () => {
            process.env.CN_ERP_TEST_CATEGORY = 'A';
            try {
                await deployed({ category: { value: 'CN_ERP_TEST_CATEGORY', type: 'env' } });
                await sinceOfRun();
                should(await sinceOfRun()).be.a.Number();
                process.env.CN_ERP_TEST_CATEGORY = 'B';
                should(await sinceOfRun()).be.undefined();
                should(warnings('q1').filter((w) => w === warnText('kit-query'))).have.length(1);
            } finally {
                delete process.env.CN_ERP_TEST_CATEGORY;
            }
        });

        it('a watermark an earlier release saved (no digest stored): kept on upgrade, the digest stored; a later change of the filter then reads from the start', async () => {
            await deployed(A);
            const saved = Date.now() - 30 * 60000;
            helper.getNode('q1').context().set('cnErpWatermark', saved, 'file');
            should(await sinceOfRun()).equal(saved - 60000);
            should(warnings('q1').some((w) => w === warnText('kit-query'))).be.false();
            should(stored('q1', SETTINGS_KEY)).be.a.String();
            await redeploy({ ...A, category: { value: 'B', type: 'str' } });
            should(await sinceOfRun()).be.undefined();
        });

        it('a restart of Node-RED on a file store with the filter edited in the flows file: from the start; unedited: from the watermark', async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-settings-'));
            // What the file store holds of the node outlives the restart (the test helper's unload deletes every node's
            // context: the node's file is written back as the store left it).
            const restart = async (params: Msg) => {
                const q = helper.getNode('q1');
                const kept: Msg = {};
                for (const key of q ? (q.context().keys('file') as string[]) : []) kept[key] = q.context().get(key, 'file');
                await helper.unload();
                await (helper as any)._context.close();
                // The helper's unload cleans the store without waiting: it removes the tab's directory.
                await waitFor('the store cleaned', () => !fs.existsSync(path.join(dir, 'context', 'f1')));
                fs.mkdirSync(path.join(dir, 'context', 'f1'), { recursive: true });
                fs.writeFileSync(path.join(dir, 'context', 'f1', 'q1.json'), JSON.stringify(kept));
                helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { dir, flushInterval: 1 } } } });
                await deployed(params);
            };
            try {
                await restart(A);
                await sinceOfRun();
                await restart(A);
                should(await sinceOfRun()).be.a.Number();
                await restart({ ...A, category: { value: 'B', type: 'str' } });
                should(await sinceOfRun()).be.undefined();
                should(warnings('q1').filter((w) => w === warnText('kit-query'))).have.length(1);
            } finally {
                await helper.unload();
                await (helper as any)._context.close();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it('msg.resetWatermark still reads from the start, without the settings warning', async () => {
            await deployed(A);
            await sinceOfRun();
            should(await sinceOfRun({ resetWatermark: true })).be.undefined();
            should(await sinceOfRun()).be.a.Number();
            should(warnings('q1').some((w) => w === warnText('kit-query'))).be.false();
        });
    });

    describe('kingdee-bill-query', () => {
        let sim: KingdeeSim;
        beforeEach(async () => {
            sim = new KingdeeSim();
            await sim.start();
        });
        afterEach(async () => {
            await sim.stop();
        });

        const config = () => ({ id: 'c1', type: 'kingdee-config', serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'sign', appId: KINGDEE_DEMO.appId, rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3 });
        const creds = { c1: { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret } };
        const str = (value: string) => ({ value, type: 'str' });
        const base = { FormId: str(RETURN_REQUEST_FORM), FieldKeys: str('FBillNo,FModifyDate,FEntity_FEntryID'), DateField: str('FModifyDate') };
        const flow = (params: Msg) => withProbes([config(), { id: 'n1', type: 'kingdee-bill-query', z: 'f1', config: 'c1', params, outputMode: 'all', incremental: true, watermarkStore: 'file', overlapMinutes: 10 }], 'n1', 1);
        const filters = () =>
            sim.requests
                .filter((r) => /ExecuteBillQuery/i.test(r.path))
                .map((r) => {
                    const b = JSON.parse(r.body);
                    const data = b.data ?? b.parameters?.[b.parameters.length - 1];
                    return String((typeof data === 'string' ? JSON.parse(data) : data).FilterString);
                });
        async function runOnce(): Promise<{ rows: Msg[]; filter: string }> {
            const before = filters().length;
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            return { rows: r.outputs[0][0].payload, filter: filters()[before] };
        }

        it('DateField FModifyDate → FCANCELDATE redeployed: the voided bills of before the watermark are read (from the start), with a warning', async () => {
            await load([kingdeeConfig, kingdeeBillQuery], flow(base), creds);
            await (helper as any)._context.load();
            await runOnce();
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            await helper.setFlows(flow({ ...base, DateField: str('FCANCELDATE') }), 'nodes', creds);
            const voided = sim.rows(RETURN_REQUEST_FORM).filter((x) => x.FCANCELDATE);
            should(voided.length).be.above(0);
            const after = await runOnce();
            // No lower bound: every bill voided before now, not only those voided in the last ten minutes.
            should(after.filter).match(/^FCANCELDATE < '[^']+'$/);
            should(after.rows.length).equal(voided.length);
            should(warnings('n1').filter((w) => w === warnText('kingdee-bill-query'))).have.length(1, warnings('n1').join('\n'));
        });

        it('its config node edited to another data centre (test → production, the same config node) and redeployed: from the start, with a warning', async () => {
            await load([kingdeeConfig, kingdeeBillQuery], flow(base), creds);
            await (helper as any)._context.load();
            await runOnce();
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            // Another database of the server: its bills modified before the test data centre's watermark are not read
            // from that mark.
            (sim.creds as { acctId: string }).acctId = 'prod0123456789ab';
            await helper.setFlows(flow(base).map((n) => (n.id === 'c1' ? { ...n, acctId: 'prod0123456789ab' } : n)), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate < '[^']+'$/);
            should(warnings('n1').filter((w) => w === warnText('kingdee-bill-query'))).have.length(1);
        });

        /** The flow with the config node edited (`edit`): its credentials the app's (every mode but password). */
        const edited = (edit: Msg, params: Msg = base) => flow(params).map((n) => (n.id === 'c1' ? { ...n, ...edit } : n));

        it('its config node edited from organisation 100 to 101 (API-signature mode, orgNum) and redeployed: from the start, with a warning', async () => {
            await load([kingdeeConfig, kingdeeBillQuery], edited({ authMode: 'apisign', orgNum: '100' }), creds);
            await (helper as any)._context.load();
            await runOnce();
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            // Organisation 101's bills modified before 100's watermark are not read from that mark.
            await helper.setFlows(edited({ authMode: 'apisign', orgNum: '101' }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate < '[^']+'$/);
            should(warnings('n1').filter((w) => w === warnText('kingdee-bill-query'))).have.length(1);
        });

        it('its config node edited to another user (app login: the user\'s data permissions) and redeployed: from the start', async () => {
            await load([kingdeeConfig, kingdeeBillQuery], flow(base), creds);
            await (helper as any)._context.load();
            await runOnce();
            (sim.creds as { username: string }).username = 'org101user';
            await helper.setFlows(edited({ username: 'org101user' }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate < '[^']+'$/);
            should(warnings('n1').filter((w) => w === warnText('kingdee-bill-query'))).have.length(1);
        });

        it('only the language, the page limit, the rate, the timeout or the login mode (the same user) changed in the config node: the watermark is kept, no warning', async () => {
            await load([kingdeeConfig, kingdeeBillQuery], flow(base), creds);
            await (helper as any)._context.load();
            await runOnce();
            await helper.setFlows(edited({ lcid: 1033, maxLimit: 500, rps: 2, concurrency: 1, timeout: 60, maxRetries: 1 }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            await helper.setFlows(edited({ authMode: 'apisign', orgNum: '' }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            // The same user logging in with the password instead of through the app: the same bills.
            await helper.setFlows(edited({ authMode: 'password' }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            should(warnings('n1').some((w) => w === warnText('kingdee-bill-query'))).be.false();
        });

        it('a watermark saved by the release before the organisation and user were part of the digest goes on after the upgrade, no warning', async () => {
            // The earlier release: the account was the data centre and the app (its client id), no user, no organisation.
            const before = sinon.stub(KingdeeClient.prototype, 'accountIdentity').callsFake(function (this: KingdeeClient) {
                return JSON.stringify(['kingdee', this.settings.serverUrl.replace(/\/+$/, ''), this.settings.acctId, `app ${this.settings.appId!.split('_')[0]}`]);
            });
            try {
                await load([kingdeeConfig, kingdeeBillQuery], edited({ authMode: 'apisign', orgNum: '100' }), creds);
                await (helper as any)._context.load();
                await runOnce();
            } finally {
                before.restore();
            }
            const digest = stored('n1', SETTINGS_KEY);
            await helper.setFlows(edited({ authMode: 'apisign', orgNum: '100', name: 'upgraded' }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            should(warnings('n1').some((w) => w === warnText('kingdee-bill-query'))).be.false();
            // The new digest stored: the organisation edited after the upgrade reads from the start.
            should(stored('n1', SETTINGS_KEY)).be.a.String().and.not.equal(digest);
            await helper.setFlows(edited({ authMode: 'apisign', orgNum: '101' }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate < '[^']+'$/);
        });

        it('the server URL typed otherwise (upper case, the default port, no trailing slash): the watermark is kept, no warning', async () => {
            await load([kingdeeConfig, kingdeeBillQuery], flow(base), creds);
            await (helper as any)._context.load();
            await runOnce();
            const url = new URL(sim.serverUrl);
            await helper.setFlows(edited({ serverUrl: `HTTP://${url.host}${url.pathname.replace(/\/+$/, '')}` }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            should(warnings('n1').some((w) => w === warnText('kingdee-bill-query'))).be.false();
            // The default port written out, the host in capitals: the same account.
            const identity = (serverUrl: string) => new KingdeeClient({ system: 'kingdee' }, { serverUrl, acctId: 'a1', username: 'u', authMode: 'sign', appId: KINGDEE_DEMO.appId }, { appSecret: 'x' }).accountIdentity();
            should(identity('HTTPS://ERP.Example.com:443/k3cloud')).equal(identity('https://erp.example.com/k3cloud/'));
            should(identity('https://erp.example.com/k3cloud/')).not.equal(identity('https://erp2.example.com/k3cloud/'));
        });

        it('FormId changed: from the start', async () => {
            await load([kingdeeConfig, kingdeeBillQuery], flow(base), creds);
            await (helper as any)._context.load();
            await runOnce();
            await helper.setFlows(flow({ ...base, FormId: str('SAL_OutStock') }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate < '[^']+'$/);
            should(warnings('n1').filter((w) => w === warnText('kingdee-bill-query'))).have.length(1);
        });

        it('only FieldKeys, the page size (Limit) and the order changed: the watermark is kept, no warning', async () => {
            await load([kingdeeConfig, kingdeeBillQuery], flow(base), creds);
            await (helper as any)._context.load();
            await runOnce();
            await helper.setFlows(flow({ ...base, FieldKeys: str('FBillNo,FModifyDate,FDate,FEntity_FEntryID'), Limit: { value: '3', type: 'num' }, OrderString: str('FDate DESC') }), 'nodes', creds);
            should((await runOnce()).filter).match(/^FModifyDate >= '[^']+' and FModifyDate < '[^']+'$/);
            should(warnings('n1').some((w) => w === warnText('kingdee-bill-query'))).be.false();
        });
    });

    describe('jackyun-trade-query via Qimen', () => {
        let sim: JackyunSim;
        beforeEach(async () => {
            sim = new JackyunSim();
            await sim.start();
        });
        afterEach(async () => {
            await sim.stop();
        });

        const config = (customerId: string) => ({
            id: 'c1', type: 'jackyun-config', mode: 'qimen', gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey, qimenAppKey: JACKYUN_DEMO.qimenAppKey,
            targetAppKey: JACKYUN_DEMO.targetAppKey, customerId, signMethod: 'md5', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 0,
        });
        const creds = { c1: { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: JACKYUN_DEMO.qimenSecret } };
        const start = chinaTime(Date.now() - 86400000);
        const flow = (customerId: string) =>
            withProbes([config(customerId), { id: 'n1', type: 'jackyun-trade-query', z: 'f1', config: 'c1', params: { startModified: { value: start, type: 'str' } }, outputMode: 'all', incremental: true, watermarkStore: 'file', overlapMinutes: 10 }], 'n1', 1);
        /** The startModified of the run's first request. */
        async function startOfRun(): Promise<string> {
            const before = sim.requests.length;
            const r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            const form = new URLSearchParams(sim.requests[before].body);
            return JSON.parse(form.get('bizcontent') ?? form.get('content') ?? '{}').startModified;
        }

        it('its config node edited from one Jackyun tenant to another (customerId, the same Qimen app) and redeployed: from the start, with a warning', async () => {
            await load([jackyunConfig, jackyunTradeQuery], flow(JACKYUN_DEMO.customerId), creds);
            await (helper as any)._context.load();
            should(await startOfRun()).equal(start);
            should(await startOfRun()).not.equal(start);
            // The production tenant, through the same Qimen app and gateway: its trades modified before the test
            // tenant's watermark are not read from that mark.
            (sim.creds as { customerId: string }).customerId = 'jky-prod-tenant';
            await helper.setFlows(flow('jky-prod-tenant'), 'nodes', creds);
            should(await startOfRun()).equal(start);
            should(warnings('n1').filter((w) => w === warnText('jackyun-trade-query'))).have.length(1);
        });
    });
});
