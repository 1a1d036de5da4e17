import fs from 'fs';
import path from 'path';
import should from 'should';
import { translator } from '../../nodes/core/i18n';
import { Watermark } from '../../nodes/core/watermark';
import { JackyunSim, JACKYUN_DEMO } from '../sim/jackyun';
import { chinaTime } from '../../nodes/core/time';
import { NodeRedProcess, NodeRedOptions, waitFor } from '../crash/runtime';

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

/** Every runtime text key in the node sources: a quoted `<type or runtime>.status|warn.<name>`. */
function keysInCode(): Map<string, string> {
    const keys = new Map<string, string>();
    for (const file of filesUnder(path.join(root, 'nodes'), '.ts')) {
        for (const m of fs.readFileSync(file, 'utf8').matchAll(/'([a-z][\w-]*\.(?:status|warn)\.\w+)'/g)) keys.set(m[1], path.relative(root, file));
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
