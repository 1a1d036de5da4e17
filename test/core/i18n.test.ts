import fs from 'fs';
import path from 'path';
import should from 'should';
import sinon from 'sinon';
import { english, translator, type Text } from '../../nodes/core/i18n';
import { textError } from '../../nodes/core/errors';
import { Watermark } from '../../nodes/core/watermark';
import { JackyunSim, JACKYUN_DEMO } from '../sim/jackyun';
import { chinaTime } from '../../nodes/core/time';
import { NodeRedProcess, NodeRedOptions, waitFor } from '../crash/runtime';
import { helper, load, run, withProbes } from '../helpers/nodered';
import { kitConfig, kitQuery } from '../kit/kit-nodes';
import { KingdeeSim, KINGDEE_DEMO, RETURN_REQUEST_FORM } from '../sim/kingdee';
import { pageNumbers, shortPageWarning } from '../../nodes/core/paging';
import { KingdeeClient, KingdeeSettings } from '../../nodes/kingdee/client';
import { commonClientSettings } from '../../nodes/core';
import qeasyConfig = require('../../nodes/qeasy/qeasy-config');
import qeasyCallback = require('../../nodes/qeasy/qeasy-callback');
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBillQuery = require('../../nodes/kingdee/kingdee-bill-query');

/**
 * What the runtime says (node status, warnings) goes through Node-RED's i18n: every key the code uses has its text in
 * en-US and zh-CN with the same placeholders, the build gives every node set the shared texts, and a real Node-RED run
 * with `lang: "zh-CN"` shows Chinese.
 */

/** The build folder (dist or a BUILD_OUT one) and the package root. */
const buildDir = path.resolve(__dirname, '..', '..');
const root = path.resolve(buildDir, '..');
const LANGS = ['en-US', 'zh-CN'];

type Catalog = Record<string, unknown>;
const readJson = (file: string): Catalog => JSON.parse(fs.readFileSync(file, 'utf8'));

function filesUnder(dir: string, ext: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), ext) : e.name.endsWith(ext) ? [path.join(dir, e.name)] : []));
}

/** Every runtime text key in the node sources: a quoted `<type or runtime>.status|warn|error.<name>`. */
function keysInCode(): Map<string, string> {
    const keys = new Map<string, string>();
    for (const file of filesUnder(path.join(root, 'nodes'), '.ts')) {
        for (const m of fs.readFileSync(file, 'utf8').matchAll(/'([a-z][\w-]*\.(?:status|warn|error)\.\w+)'/g)) keys.set(m[1], path.relative(root, file));
    }
    return keys;
}

/** The source catalog holding `key` in `lang`: the core one for `runtime.*`, else the node type's own. */
function sourceCatalog(key: string, lang: string): string | undefined {
    const head = key.split('.')[0];
    if (head === 'runtime') return path.join(root, 'nodes', 'core', 'locales', lang, 'runtime.json');
    return filesUnder(path.join(root, 'nodes'), '.json').find((f) => f.endsWith(path.join('locales', lang, `${head}.json`)));
}

function lookup(catalog: Catalog, key: string): unknown {
    let v: unknown = catalog;
    for (const part of key.split('.')) v = v !== null && typeof v === 'object' ? (v as Catalog)[part] : undefined;
    return v;
}

/** Leaves of a catalog as dotted keys. */
function leaves(v: unknown, prefix = ''): Map<string, string> {
    const out = new Map<string, string>();
    if (typeof v === 'string') out.set(prefix, v);
    else if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) for (const [kk, vv] of leaves(c, prefix ? `${prefix}.${k}` : k)) out.set(kk, vv);
    return out;
}

const placeholders = (text: string) => [...new Set(text.match(/__\w+__/g) ?? [])].sort();

describe('runtime texts in the language Node-RED runs in', function () {
    describe('an error told in a text of a catalog (core textError)', () => {
        const inEnglish = english();
        const text: Text = { key: 'runtime.test.timeout', vars: { seconds: 20 } };

        it("says the text's English as its message and carries the text beside the details it was given", () => {
            const e = textError(inEnglish, text, { system: 'wdt', kind: 'config', code: 'X', field: 'sid', details: { credentials: true } });
            should(e.message).equal('no answer within 20 s');
            should(e.details).eql({ credentials: true, text });
            should(e).match({ system: 'wdt', kind: 'config', code: 'X', field: 'sid', safeToRepeat: false });
        });

        it('replaces details that are no object by the text alone', () => {
            should(textError(inEnglish, text, { system: 'wdt', kind: 'config', details: 'answer' }).details).eql({ text });
            should(textError(inEnglish, text, { system: 'wdt', kind: 'config' }).details).eql({ text });
        });
    });

    describe('catalogs', () => {
        it('every key the code uses has a text in en-US and zh-CN with the same __placeholders__', () => {
            const keys = keysInCode();
            // The scan finds the code's keys (it would pass with none): the endpoint pipeline's status texts among them.
            should([...keys.keys()]).containDeep(['runtime.status.pageRecords', 'runtime.status.recordsPages', 'runtime.warn.capped', 'erp-mapper.status.mapped', 'qeasy-callback.status.received']);
            const problems: string[] = [];
            for (const [key, file] of keys) {
                const texts = LANGS.map((lang) => {
                    const catalog = sourceCatalog(key, lang);
                    const text = catalog ? lookup(readJson(catalog), key) : undefined;
                    if (typeof text !== 'string' || text === '') problems.push(`${key} (used in ${file}): no ${lang} text`);
                    return typeof text === 'string' ? text : '';
                });
                if (texts.every((t) => t) && placeholders(texts[0]).join() !== placeholders(texts[1]).join()) {
                    problems.push(`${key}: en-US has ${placeholders(texts[0]).join(' ') || 'no placeholder'}, zh-CN ${placeholders(texts[1]).join(' ') || 'no placeholder'}`);
                }
            }
            should(problems).eql([]);
        });

        it('the runtime texts of each catalog are the same keys in en-US and zh-CN, with the same __placeholders__', () => {
            const problems: string[] = [];
            const pairs = [path.join(root, 'nodes', 'core', 'locales', '%s', 'runtime.json'), ...filesUnder(path.join(root, 'nodes'), '.json').filter((f) => f.includes(`${path.sep}locales${path.sep}en-US${path.sep}`)).map((f) => f.replace(`${path.sep}en-US${path.sep}`, `${path.sep}%s${path.sep}`))];
            for (const pattern of new Set(pairs)) {
                const [en, zh] = LANGS.map((lang) => {
                    const all = leaves(readJson(pattern.replace('%s', lang)));
                    return new Map([...all].filter(([k]) => /^[^.]+\.(status|warn)\./.test(k)));
                });
                const name = path.relative(root, pattern);
                for (const [k, text] of en) {
                    const other = zh.get(k);
                    if (other === undefined) problems.push(`${name}: ${k} has no zh-CN text`);
                    else if (placeholders(text).join() !== placeholders(other).join()) problems.push(`${name}: ${k}: en-US ${placeholders(text).join(' ')} ≠ zh-CN ${placeholders(other).join(' ')}`);
                }
                for (const k of zh.keys()) if (!en.has(k)) problems.push(`${name}: ${k} has no en-US text`);
            }
            should(problems).eql([]);
        });

        it('the build gives every node set the shared runtime texts, in each language', () => {
            for (const lang of LANGS) {
                const shared = readJson(path.join(root, 'nodes', 'core', 'locales', lang, 'runtime.json'));
                const built = filesUnder(path.join(buildDir, 'nodes'), '.json').filter((f) => f.includes(`${path.sep}locales${path.sep}${lang}${path.sep}`) && !f.includes(`${path.sep}core${path.sep}`));
                should(built.length).be.above(15);
                for (const file of built) should(readJson(file).runtime).eql(shared.runtime, path.relative(buildDir, file));
            }
        });

        it("a key RED._ returns as it is (no catalog loaded, as in the test helper) shows the English, placeholders filled", () => {
            const _ = translator({ _: (key: string) => key } as any);
            should(_('runtime.status.pageRecords', { page: 3, records: 600 })).equal('page 3, records: 600');
            const zh = translator({ _: (key: string, vars: any) => (key === 'runtime.status.done' ? '完成' : key) } as any);
            should(zh('runtime.status.done')).equal('完成');
        });
        it("a watermark stored as text is read with a warning in Node-RED's language (it was English whatever the language)", async () => {
            const zhCatalog = readJson(path.join(root, 'nodes', 'core', 'locales', 'zh-CN', 'runtime.json'));
            const zh = translator({ _: (key: string, vars: any) => String(lookup(zhCatalog, key) ?? key).replace(/__(\w+)__/g, (_w: string, n: string) => String(vars[n])) } as any);
            const warnings: string[] = [];
            const node = { type: 'kingdee-bill-query', warn: (w: string) => warnings.push(w), context: () => ({ get: (_k: string, _s: string, cb: (e: undefined, v: unknown) => void) => cb(undefined, '1700000000000') }) };
            const ms = await new Watermark(node as any, undefined, 0, zh).get();
            should(ms).equal(1700000000000);
            should(warnings).eql([`kingdee-bill-query：存储的水位是文本 "1700000000000"，不是数字：按 ${new Date(1700000000000).toISOString()} 读取，本次运行提交时改存为数字`]);
        });
    });

    /**
     * The warnings a node gives in a Node-RED running with lang "zh-CN": the node's module is handed a RED whose `_`
     * reads the zh-CN catalog of its set as built (the shared texts merged in), as Node-RED's does; the test helper's
     * own RED._ returns every key as it is, which shows the English.
     */
    describe("warnings in Node-RED's language", function () {
        this.timeout(20000);
        afterEach(async () => {
            helper.settings({});
            await helper.unload();
        });

        /** RED._ of node set `set` in zh-CN (its built catalog); the shared texts alone without a set. */
        function chinese(set?: string): (key: string, vars?: Record<string, unknown>) => string {
            const file = set ? filesUnder(path.join(buildDir, 'nodes'), '.json').find((f) => f.endsWith(path.join('locales', 'zh-CN', `${set}.json`)))! : path.join(root, 'nodes', 'core', 'locales', 'zh-CN', 'runtime.json');
            const catalog = readJson(file);
            return (key, vars = {}) => String(lookup(catalog, key) ?? key).replace(/__(\w+)__/g, (whole: string, n: string) => (n in vars ? String(vars[n]) : whole));
        }
        /** Node module `m` (of set `set`) as Node-RED runs it with lang "zh-CN". */
        const inChinese = (m: any, set?: string) => (red: any) => m({ ...red, _: chinese(set) });
        /** A warning as a node's ctx.warn shows it: a text as it is, a key of the catalog in the translator's language. */
        const shown = (warning: unknown, _: (key: string, vars?: any) => string) => (typeof warning === 'string' ? warning : _((warning as Text).key, (warning as Text).vars));
        // The test helper spies on Node.prototype.warn: one spy for every node, whose calls are told apart by `this`.
        const warningsOf = (id: string) => (helper.getNode(id).warn as sinon.SinonSpy).getCalls().filter((c) => c.thisValue === helper.getNode(id)).map((c) => String(c.args[0]));

        it('a watermark store settings.js does not define: the warning at deploy is Chinese with lang "zh-CN", English otherwise (it was English whatever the language)', async () => {
            const flow = [
                { id: 'f1', type: 'tab' },
                { id: 'c1', type: 'kit-config', url: 'http://127.0.0.1:9', user: 'u', retryBaseMs: 5, maxRetries: 0 },
                { id: 'n1', type: 'kit-query', z: 'f1', config: 'c1', params: {}, outputMode: 'all', incremental: true, watermarkStore: 'fiel', wires: [[]] },
            ];
            const cases = [
                {
                    settings: {},
                    en: 'kit-query: watermark store "fiel" is not defined in settings.js (contextStorage is not set): Node-RED keeps the watermark in its default store, in memory: it is lost on every restart, and the next run then reads again from your start (with no contextStorage, Node-RED also clears it on every deploy that restarts the node)',
                    zh: 'kit-query：水位存储 “fiel” 未在 settings.js 中定义（未设置 contextStorage）：Node-RED 会把水位保存在默认存储中，即内存中：每次重启都会丢失，之后下次运行会从您给出的开始时间重新读取（未设置 contextStorage 时，每次重新部署重启了该节点，Node-RED 也会清除它）',
                },
                {
                    settings: { contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } } },
                    en: 'kit-query: watermark store "fiel" is not defined in settings.js (contextStorage: default, file): Node-RED keeps the watermark in its default store "default", in memory: it is lost on every restart, and the next run then reads again from your start',
                    zh: 'kit-query：水位存储 “fiel” 未在 settings.js 中定义（contextStorage：default, file）：Node-RED 会把水位保存在默认存储 “default” 中，即内存中：每次重启都会丢失，之后下次运行会从您给出的开始时间重新读取',
                },
                {
                    settings: { contextStorage: { file: { module: 'localfilesystem' } } },
                    en: 'kit-query: watermark store "fiel" is not defined in settings.js (contextStorage: file): Node-RED keeps the watermark in its default store "file"',
                    zh: 'kit-query：水位存储 “fiel” 未在 settings.js 中定义（contextStorage：file）：Node-RED 会把水位保存在默认存储 “file” 中',
                },
            ];
            for (const c of cases) {
                helper.settings(c.settings);
                await load([kitConfig, kitQuery], flow, { c1: { password: 'p' } });
                should(warningsOf('n1')).containEql(c.en);
                await helper.unload();
                await load([inChinese(kitConfig), inChinese(kitQuery)], flow, { c1: { password: 'p' } });
                should(warningsOf('n1')).containEql(c.zh);
                should(warningsOf('n1').join('\n')).not.match(/watermark store/);
                await helper.unload();
            }
        });

        describe('qeasy', () => {
            const SECRET = 'qeasy-test-secret-7f3a9c';
            const flow = (node: Record<string, unknown> = {}, config: Record<string, unknown> = {}) => [
                { id: 'f1', type: 'tab' },
                { id: 'c1', type: 'qeasy-config', auth: 'hmac', windowSeconds: 300, ...config },
                { id: 'n1', type: 'qeasy-callback', z: 'f1', config: 'c1', path: '/qeasy/orders', wires: [[]], ...node },
            ];
            const deploy = (zh: boolean, node?: Record<string, unknown>, config?: Record<string, unknown>) =>
                load(zh ? [inChinese(qeasyConfig, 'qeasy-config'), inChinese(qeasyCallback, 'qeasy-callback')] : [qeasyConfig, qeasyCallback], flow(node, config), { c1: { secret: SECRET } });

            it('qeasy-callback: the duplicate store settings.js does not define, and a path it cannot serve: warned of in Chinese with lang "zh-CN", English otherwise', async () => {
                helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } } });
                const cases = [
                    {
                        node: { dedupeStore: 'fiel' },
                        en: 'qeasy-callback: dedupeStore: duplicate store "fiel" is not defined in settings.js (contextStorage: default, file): Node-RED keeps the keys of delivered orders and the signatures of accepted deliveries in its default store "default", in memory: they are lost on every restart, and an order delivered again (or a delivery replayed) after a restart starts the flow again',
                        zh: 'qeasy-callback：dedupeStore（去重存储）：存储 “fiel” 未在 settings.js 中定义（contextStorage：default, file）：Node-RED 会把已接收订单的去重键和已接受推送的签名保存在默认存储 “default” 中，即内存中：每次重启都会丢失，重启后再次推送的订单（或重放的推送）会再次启动流程',
                    },
                    {
                        node: { dedupeStore: 'fiel', dedupeWindow: 0 },
                        en: 'qeasy-callback: dedupeStore: duplicate store "fiel" is not defined in settings.js (contextStorage: default, file): Node-RED keeps the signatures of accepted deliveries in its default store "default", in memory: they are lost on every restart, and a signed delivery replayed after a restart starts the flow again',
                        zh: 'qeasy-callback：dedupeStore（去重存储）：存储 “fiel” 未在 settings.js 中定义（contextStorage：default, file）：Node-RED 会把已接受推送的签名保存在默认存储 “default” 中，即内存中：每次重启都会丢失，重启后重放的已签名推送会再次启动流程',
                    },
                    {
                        node: { dedupeStore: 'fiel' },
                        config: { auth: 'token' },
                        en: 'qeasy-callback: dedupeStore: duplicate store "fiel" is not defined in settings.js (contextStorage: default, file): Node-RED keeps the keys of delivered orders in its default store "default", in memory: they are lost on every restart, and an order delivered again after a restart starts the flow again',
                        zh: 'qeasy-callback：dedupeStore（去重存储）：存储 “fiel” 未在 settings.js 中定义（contextStorage：default, file）：Node-RED 会把已接收订单的去重键保存在默认存储 “default” 中，即内存中：每次重启都会丢失，重启后再次推送的订单会再次启动流程',
                    },
                    {
                        node: { path: '${QEASY_NO_SUCH_PATH}' },
                        en: "qeasy-callback: path: ${QEASY_NO_SUCH_PATH} is an environment variable that is not set (a subflow instance's property, a flow's or the process's)",
                        zh: 'qeasy-callback：path（URL 路径）：${QEASY_NO_SUCH_PATH} 是未设置的环境变量（子流程实例的属性、流程或进程的环境变量）',
                    },
                    {
                        node: { path: '/:shop/orders' },
                        en: "qeasy-callback: path: /:shop/orders starts with a parameter: it would also catch the editor's own requests (deploys) under /; start it with a fixed segment, e.g. /qeasy/:shop/orders",
                        zh: 'qeasy-callback：path（URL 路径）：/:shop/orders 以参数开头，会连 / 下编辑器自己的请求（部署）一起截获；请以固定的一段开头，例如 /qeasy/:shop/orders',
                    },
                    {
                        node: { path: '/flows/orders' },
                        en: "qeasy-callback: path: /flows/orders is under the editor's own address (/flows): choose another first segment, e.g. /qeasy/flows/orders",
                        zh: 'qeasy-callback：path（URL 路径）：/flows/orders 在编辑器自己的地址（/flows）之下；请换一个第一段，例如 /qeasy/flows/orders',
                    },
                ];
                delete process.env.QEASY_NO_SUCH_PATH;
                for (const c of cases) {
                    await deploy(false, c.node, c.config);
                    should(warningsOf('n1')).containEql(c.en);
                    await helper.unload();
                    await deploy(true, c.node, c.config);
                    should(warningsOf('n1')).containEql(c.zh);
                    await helper.unload();
                }
            });

            it('qeasy-config: settings it cannot take as given are warned of in Chinese with lang "zh-CN", English otherwise', async () => {
                await deploy(false, {}, { rps: -1, dedupeWindow: '-5', windowSeconds: '0' });
                should(warningsOf('c1')).eql(['qeasy-config: windowSeconds: must be a number of seconds ≥ 1', 'qeasy-config: dedupeWindow: must be a number of seconds ≥ 0', 'qeasy-config: rps: must be a number ≥ 0 (0 or blank: no limit)']);
                await helper.unload();
                await deploy(true, {}, { rps: -1, dedupeWindow: '-5', windowSeconds: '0' });
                should(warningsOf('c1')).eql(['qeasy-config：windowSeconds（时间窗口）须为 ≥ 1 的秒数', 'qeasy-config：dedupeWindow（去重时长）须为 ≥ 0 的秒数', 'qeasy-config：rps（每秒请求数）须为 ≥ 0 的数（0 或留空：不限）']);
            });
        });

        describe('paging', () => {
            it("a server serving fewer records a page than asked: the warning is Node-RED's language (it was English whatever the language)", async () => {
                const zh = translator({ _: chinese() } as any);
                const en = translator({ _: (key: string) => key } as any);
                const warnings: unknown[] = [];
                const rows = Array.from({ length: 10 }, (_, i) => i);
                const pages = pageNumbers(async (n) => ({ records: rows.slice((n - 1) * 3, n * 3), total: rows.length }), { system: 'test', first: 1, pageSize: 5, warn: (t: unknown) => warnings.push(t) });
                for await (const _ of pages) void _;
                should(warnings).have.length(1);
                should(shown(warnings[0], zh)).equal('第 1 页按每页 5 条只返回了 3 条记录，而总数（10）表明后面还有：服务器每页最多返回 3 条；继续读取（请把每页条数设为 3 或更小）');
                should(shown(warnings[0], en)).equal('page 1 brought 3 records for a page size of 5 while the total (10) says more follow: the server serves at most 3 a page; reading on (set the page size to 3 or less)');
                // Jackyun's trades, read by scrolling.
                const trades = shortPageWarning(2, 40, 50, 200, 'trades');
                should(shown(trades, zh)).equal('第 2 页按每页 50 条只返回了 40 笔订单，而总数（200）表明后面还有：服务器每页最多返回 40 条；继续读取（请把每页条数设为 40 或更小）');
                should(shown(trades, en)).equal('page 2 brought 40 trades for a page size of 50 while the total (200) says more follow: the server serves at most 40 a page; reading on (set the page size to 40 or less)');
            });
        });

        describe('kingdee-bill-query', () => {
            let sim: KingdeeSim;
            afterEach(() => sim.stop());
            const config = { id: 'c1', type: 'kingdee-config', serverUrl: '', acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'sign', appId: KINGDEE_DEMO.appId, rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3 };
            const creds = { c1: { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret } };
            const node = { id: 'n1', type: 'kingdee-bill-query', z: 'f1', config: 'c1', params: {}, outputMode: 'all' };
            const query = { params: { FormId: RETURN_REQUEST_FORM, FieldKeys: ['FID', 'FBillNo', 'FMaterialID_FNumber'], Limit: 3 } };

            it("entry rows of one bill spanning two pages: the warning is Node-RED's language (it was English whatever the language)", async () => {
                sim = new KingdeeSim();
                await sim.start();
                const flow = withProbes([{ ...config, serverUrl: sim.serverUrl }, node], 'n1', 1);
                await load([kingdeeConfig, kingdeeBillQuery], flow, creds);
                should((await run('n1', query, 1)).caught).be.undefined();
                should(warningsOf('n1')).eql([
                    "kingdee-bill-query: the rows of bill FID=500002 span two pages and no entry id orders them: PUR_MRAPP may order a bill's entry rows differently for each page, so one can be skipped and another repeated. Add the entry id key to FieldKeys (e.g. FEntity_FEntryID; the entity's name depends on the form)",
                ]);
                await helper.unload();
                await load([inChinese(kingdeeConfig, 'kingdee-config'), inChinese(kingdeeBillQuery, 'kingdee-bill-query')], withProbes([{ ...config, serverUrl: sim.serverUrl }, node], 'n1', 1), creds);
                should((await run('n1', query, 1)).caught).be.undefined();
                should(warningsOf('n1')).eql(['kingdee-bill-query：单据 FID=500002 的行跨了两页，且没有分录 ID 参与排序：PUR_MRAPP 每页对单据分录行的排序可能不同，因此可能漏掉一行、重复另一行。请在 FieldKeys 中加入分录 ID 字段（例如 FEntity_FEntryID；分录名称因表单而异）']);
            });

            it("rows leaving the result while it is paged: the warning is Node-RED's language (it was English whatever the language)", async () => {
                sim = new KingdeeSim({ returnRequests: 100 });
                await sim.start();
                const zh = translator({ _: chinese('kingdee-bill-query') } as any);
                const rows = sim.rows(RETURN_REQUEST_FORM);
                const warnings: string[] = [];
                let pages = 0;
                const client = new KingdeeClient(
                    commonClientSettings('kingdee', { rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3 }, { rps: 5, concurrency: 2 }),
                    { serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, appId: KINGDEE_DEMO.appId, authMode: 'sign' } as KingdeeSettings,
                    { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret },
                );
                try {
                    for await (const _ of client.queryBills({ FormId: RETURN_REQUEST_FORM, FieldKeys: ['FBillNo', 'FEntity_FEntryID'], Limit: 80 }, {}, undefined, (t: unknown) => warnings.push(shown(t, zh)))) {
                        // After the second page, rows 130 – 159 leave the result: more than the last 20 read.
                        if (++pages === 2) rows.splice(130, 30);
                    }
                } finally {
                    client.close();
                }
                should(warnings).eql(['kingdee-bill-query：分页读取期间，PUR_MRAPP 的查询结果中最后读到的 20 行以外还有行移出（读取期间有单据被修改）：最多 50 条已发出的行可能再次发出；没有行被跳过']);
            });
        });
    });

    describe('a real Node-RED', function () {
        this.timeout(120000);
        const DAY = 86400000;
        let sim: JackyunSim;
        let nr: NodeRedProcess | undefined;

        beforeEach(async () => {
            sim = new JackyunSim({ base: Date.now() - 2 * DAY, spanDays: 1, trades: 20 });
            await sim.start();
        });
        afterEach(async function () {
            if (this.currentTest?.state === 'failed' && nr) console.log(nr.log.slice(-6000));
            await nr?.dispose();
            nr = undefined;
            await sim.stop();
        });

        /**
         * A jackyun-trade-query node reading 20 trades in pages of 5, with a status node that copies its status texts
         * into Node-RED's log (a debug node to the console), and an invalid timeout setting, which it warns of at deploy.
         * Resolves with the log once the read is over.
         */
        async function runQuery(options: NodeRedOptions): Promise<string> {
            const flows = [
                { id: 't1', type: 'tab', label: 'language' },
                { id: 'jc', type: 'jackyun-config', mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey, rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 0 },
                {
                    id: 'q1', type: 'jackyun-trade-query', z: 't1', name: 'trades', config: 'jc', outputMode: 'all', timeout: '-1',
                    params: { startModified: { value: chinaTime(sim.base - DAY), type: 'str' }, endModified: { value: chinaTime(Date.now()), type: 'str' }, pageSize: { value: '5', type: 'num' } },
                    wires: [[]],
                },
                { id: 's1', type: 'status', z: 't1', scope: ['q1'], wires: [['d1']] },
                { id: 'd1', type: 'debug', z: 't1', name: 'status', active: true, tosidebar: false, console: true, tostatus: false, complete: 'status.text', targetType: 'msg', wires: [] },
                { id: 'i1', type: 'inject', z: 't1', props: [{ p: 'payload' }], payload: '', payloadType: 'date', repeat: '', once: false, wires: [['q1']] },
            ];
            nr = new NodeRedProcess(flows, { jc: { appSecret: JACKYUN_DEMO.appSecret } }, { coreNodes: ['25-status.js', '21-debug.js'], ...options });
            await nr.start();
            await nr.inject('i1');
            // The final status, not the one shown while the last page is read ("page 4, records: 20").
            await waitFor('the read to end', () => sim.calls.direct >= 4 && /\[debug:status\] (records: 20, pages: \d|20 条记录，\d 页)/.test(nr!.log), 30000);
            return nr.log;
        }

        it('with lang "zh-CN" in settings.js, the status texts and warnings are Chinese', async () => {
            const log = await runQuery({ lang: 'zh-CN' });
            should(log).match(/\[debug:status\] 20 条记录，\d 页/);
            should(log).match(/\[warn\] \[jackyun-trade-query:trades\] jackyun-trade-query：timeout（超时）须为大于 0 的秒数（收到 "-1"）/);
            should(log).not.match(/\[debug:status\] .*records/);
        });

        it('with the default language (en-US), they are English', async () => {
            const log = await runQuery({ lang: 'en-US' });
            should(log).match(/\[debug:status\] records: 20, pages: \d/);
            should(log).match(/\[warn\] \[jackyun-trade-query:trades\] jackyun-trade-query: timeout: must be a number of seconds greater than 0 \(got "-1"\); using the config node's timeout/);
        });
    });
});
