import { describeEditor, editorKit } from '../helpers/editor-locales';
import fs from 'fs';
import path from 'path';
import vm from 'vm';
import should from 'should';

// The Kingdee editor files as Node-RED's editor reads them: the config dialog shows only the fields of the chosen
// auth mode, every i18n key exists in both locales, the help follows Inputs/Outputs/Details and names the seed
// fields, and the labels show the form id. The dialog script runs against a small stand-in for jQuery and RED.
const root = path.resolve(__dirname, '..', '..', '..');
const dir = path.join(root, 'nodes', 'kingdee');
const read = (...p: string[]) => fs.readFileSync(path.join(dir, ...p), 'utf8');
const TYPES = ['kingdee-config', 'kingdee-bill-query', 'kingdee-batch-save', 'kingdee-push'];
const LOCALES = ['en-US', 'zh-CN'];

/** Runs the editor script of `type` and returns the definition it registers. */
function definition(type: string, $: unknown = () => ({})): any {
    const html = read(`${type}.html`);
    const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
    let def: any;
    const RED = { nodes: { registerType: (t: string, d: any) => t === type && (def = d) }, validators: { number: () => () => true } };
    vm.runInNewContext(script, { RED, $, CnErpEditor: { ...editorKit(), prepareConfig() {}, prepareEndpoint() {}, saveEndpoint() {} } });
    return def;
}

describe('kingdee editor: dialogs, locales, help, labels', () => {
    describe('kingdee-config dialog', () => {
        const template = /<script type="text\/html" data-template-name="kingdee-config">([\s\S]*?)<\/script>/.exec(read('kingdee-config.html'))![1];
        // input id → the classes of its form row
        const rows = new Map<string, string[]>();
        for (const m of template.matchAll(/<div class="form-row([^"]*)">[\s\S]*?id="node-config-input-(\w+)"/g)) rows.set(m[2], m[1].trim().split(/\s+/).filter(Boolean));

        /** The inputs a user sees for `mode`: rows whose kingdee-* classes were toggled on (or have none). */
        function visible(mode: string, viaChange: boolean): string[] {
            const shown = new Map<string, boolean>();
            let onChange: (() => void) | undefined;
            let current = viaChange ? 'password' : mode;
            const $ = (sel: string) => ({
                val: () => (sel === '#node-config-input-authMode' ? current : ''),
                on: (ev: string, fn: () => void) => sel === '#node-config-input-authMode' && ev === 'change' && (onChange = fn),
                toggle: (on: boolean) => shown.set(sel.replace(/^\./, ''), on),
            });
            definition('kingdee-config', $).oneditprepare.call({ authMode: current });
            if (viaChange) {
                current = mode;
                onChange!();
            }
            return [...rows].filter(([, classes]) => classes.filter((c) => c.startsWith('kingdee-')).every((c) => shown.get(c) === true)).map(([id]) => id);
        }

        const always = ['name', 'serverUrl', 'acctId', 'username', 'authMode', 'lcid', 'maxLimit', 'bodyForm'];
        const expected: Record<string, string[]> = {
            password: ['password'],
            appsecret: ['appId', 'appSecret'],
            sign: ['appId', 'appSecret', 'signAlgorithm'],
            apisign: ['appId', 'appSecret', 'orgNum'],
        };
        for (const [mode, own] of Object.entries(expected)) {
            it(`auth mode ${mode}: shows ${own.join(', ')} and hides the other modes' fields (on open and on change)`, () => {
                const want = [...always, ...own].sort();
                should(visible(mode, false).sort()).eql(want);
                should(visible(mode, true).sort()).eql(want);
            });
        }

        it('server page limit: blank (2000) or a whole number from 1 to 10000; a fraction is invalid (the server was sent Limit 2.5)', () => {
            const validate = definition('kingdee-config').defaults.maxLimit.validate;
            should(['', '1', '2000', '10000', ' 500 '].map((v) => validate.call({}, v))).eql([true, true, true, true, true]);
            should(['0', '2.5', '10001', '-5', 'abc'].map((v) => validate.call({}, v) === true)).eql([false, false, false, false, false]);
        });

        it('the app id is required (clientId_secret form) in every mode but password', () => {
            const def = definition('kingdee-config', () => ({ val: () => undefined }));
            const valid = (authMode: string, v: string) => def.defaults.appId.validate.call({ authMode }, v);
            should(valid('password', '')).be.true();
            for (const m of ['appsecret', 'sign', 'apisign']) {
                should(valid(m, '')).be.false();
                should(valid(m, '225649_7eeAwdDqQkoY0aUvSe4q3/2rUo4UUqlE')).be.true();
            }
            should(JSON.parse(JSON.stringify(def.credentials))).eql({ password: { type: 'password' }, appSecret: { type: 'password' } });
        });
    });

    it('every data-i18n key of the dialogs exists in en-US and zh-CN, and both locales have the same keys', () => {
        const flat = (o: any, pre = ''): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? flat(v, `${pre}${k}.`) : [`${pre}${k}`]));
        for (const type of TYPES) {
            const keys = LOCALES.map((l) => new Set(flat(JSON.parse(read('locales', l, `${type}.json`))[type])));
            should([...keys[0]].sort()).eql([...keys[1]].sort(), type);
            for (const m of read(`${type}.html`).matchAll(/data-i18n="(?:\[\w+\])?([\w-]+)\.([\w.]+)"/g)) {
                if (m[1] === 'node-red') continue;
                should(m[1]).equal(type);
                for (const k of keys) should(k.has(m[2])).be.true(`${type}: ${m[2]}`);
            }
        }
    });

    describe('help', () => {
        const help = (type: string, locale: string) => {
            const m = new RegExp(`<script type="text/html" data-help-name="${type}">([\\s\\S]*?)</script>`).exec(read('locales', locale, `${type}.html`));
            should(m).not.be.null();
            return m![1];
        };
        const sections = { 'en-US': ['Inputs', 'Outputs', 'Details'], 'zh-CN': ['输入', '输出', '详细说明'] } as Record<string, string[]>;
        const fieldsOf = (schema: string, sub?: string) => {
            const j = JSON.parse(read('schemas', `${schema}.json`));
            return Object.keys(sub ? j.properties[sub].items.properties : j.properties);
        };
        const seedFields: Record<string, string[]> = {
            'kingdee-bill-query': [...fieldsOf('bill-query.response'), ...fieldsOf('bill-query.request')],
            'kingdee-batch-save': [...fieldsOf('batch-save.record'), ...fieldsOf('batch-save.record', 'FEntity'), ...fieldsOf('batch-save.request')],
            'kingdee-push': [...fieldsOf('push.request'), 'Numbers', 'Ids', 'EntryId', 'Number', 'Id'],
        };

        for (const locale of LOCALES) {
            it(`${locale}: Inputs/Outputs/Details in order, and every seed field and parameter named`, () => {
                for (const type of TYPES) {
                    const text = help(type, locale);
                    const heads = [...text.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1]);
                    should(heads).eql(type === 'kingdee-config' ? [sections[locale][2]] : sections[locale], `${type} ${locale}`);
                    for (const f of seedFields[type] ?? []) should(text.includes(f)).be.true(`${type} ${locale} names ${f}`);
                    if (locale === 'zh-CN') should(text.match(/[\u4e00-\u9fff]/g)!.length).be.above(60, `${type} is in Chinese`);
                }
            });
        }
    });

    it('labels: the node shows its form id; the config node its user and data centre', () => {
        for (const type of TYPES.slice(1)) {
            // The editor gives each node `_`, reading the node's catalogue in the user's language.
            const catalogue = (lang: string) => JSON.parse(read(`locales/${lang}/${type}.json`))[type];
            const zh = { _: (key: string) => catalogue('zh-CN')[key.slice(type.length + 1)] };
            const en = { _: (key: string) => catalogue('en-US')[key.slice(type.length + 1)] };
            const withForm = { ...zh, params: { FormId: { value: 'PUR_MRAPP', type: 'str' } } };
            const def = definition(type);
            should(def.label.call(withForm)).containEql('PUR_MRAPP').and.match(/^金蝶/);
            should(def.label.call({ ...withForm, name: 'mine' })).equal('mine');
            should(def.paletteLabel.call(zh)).match(/^金蝶/);
            should(def.paletteLabel.call(en)).match(/^Kingdee /);
            should(def.icon).equal('kingdee.svg');
        }
        const config = (lang: string) => JSON.parse(read(`locales/${lang}/kingdee-config.json`))['kingdee-config'];
        const configIn = (lang: string) => ({ _: (key: string) => config(lang)[key.slice('kingdee-config.'.length)] });
        should(definition('kingdee-config').label.call({ ...configIn('zh-CN'), username: '张三', acctId: '65f0' })).equal('金蝶 张三@65f0');
        should(definition('kingdee-config').label.call({ ...configIn('en-US'), username: 'demo', acctId: '65f0' })).equal('Kingdee demo@65f0');
    });
});

// The shared checks (keys in both catalogues, help sections, zh-CN punctuation) for the Kingdee nodes too.
// Output 2 is documented for replay: the record's position, and what a replayed msg leaves behind.
const replay = ['recordIndex', 'msg._error'];
describeEditor('kingdee', { help: { 'kingdee-batch-save': replay, 'kingdee-push': replay } });
