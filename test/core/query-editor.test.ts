import fs from 'fs';
import path from 'path';
import vm from 'vm';
import should from 'should';

// The four query nodes' dialogs as Node-RED's editor reads them: a Max records the runtime would misread (a negative
// number stops the read before it starts and keeps the watermark; text is silently no limit) is marked invalid.
const root = path.resolve(__dirname, '..', '..', '..');
const QUERY_NODES = ['kingdee/kingdee-bill-query', 'jackyun/jackyun-trade-query', 'guanyi/guanyi-return-get', 'maycur/maycur-paid-list'];

/**
 * Runs the inline editor script of nodes/<file>.html, after the palette's editor kit (resources/cn-erp-editor.js) as
 * the page loads it, and returns the definition it registers.
 */
function definition(file: string, validators: Record<string, unknown> = { number: () => () => true }): any {
    const html = fs.readFileSync(path.join(root, 'nodes', `${file}.html`), 'utf8');
    const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
    let def: any;
    const RED = { nodes: { registerType: (_t: string, d: any) => (def = d) }, validators };
    const window: Record<string, unknown> = {};
    const context = vm.createContext({ RED, $: () => ({}), window });
    vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'cn-erp-editor.js'), 'utf8'), context);
    context.CnErpEditor = window.CnErpEditor;
    vm.runInContext(script, context);
    return def;
}

describe('query node dialogs', () => {
    for (const file of QUERY_NODES) {
        it(`${path.basename(file)}: Max records takes blank (no limit) or a whole number ≥ 0, nothing else`, () => {
            const validate = definition(file).defaults.maxRecords.validate as (v: unknown) => boolean;
            should(['', undefined, '0', '500', ' 2000 '].map((v) => validate(v))).eql([true, true, true, true, true]);
            should(['-1', 'abc', '1.5', '1e3'].map((v) => validate(v))).eql([false, false, false, false]);
        });

        it(`${path.basename(file)}: Overlap and Ack timeout take blank (the default) or minutes ≥ 0, nothing else`, () => {
            const { overlapMinutes, ackTimeout } = definition(file).defaults;
            for (const validate of [overlapMinutes.validate, ackTimeout.validate] as Array<(v: unknown) => boolean>) {
                should(['', undefined, '0', '10', ' 2.5 '].map((v) => validate(v))).eql([true, true, true, true, true]);
                should(['-10', 'abc', '1e3', '.5'].map((v) => validate(v))).eql([false, false, false, false]);
            }
        });
    }
});

describe('query node parameter rows', () => {
    // The kit as the dialogs load it: the TypedInput types each parameter row offers.
    const kit = (): any => {
        const window: Record<string, unknown> = {};
        vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'cn-erp-editor.js'), 'utf8'), vm.createContext({ RED: {}, $: () => ({}), window }));
        return window.CnErpEditor;
    };
    const schema = (file: string) => JSON.parse(fs.readFileSync(path.join(root, 'nodes', file), 'utf8'));

    it('maycur-paid-list: a paid time can be typed as text in the dialog (its tip and help offer 2024-01-09 10:00:00), not only as a number', () => {
        const props = schema('maycur/schemas/paid-list.request.json').properties;
        for (const name of ['startPaidTime', 'endPaidTime']) {
            const types = (kit().typesFor(props[name]) as unknown[]).map((t) => (typeof t === 'string' ? t : (t as { value: string }).value));
            should(types.includes('num')).be.true(`${name}: ${types}`);
            should(types.includes('str')).be.true(`${name} offers ${types.join(', ')}: a number-only field turns "2024-01-09 10:00:00" into NaN`);
        }
    });

    it('every parameter of the four query nodes offers a TypedInput type for each JSON type its schema accepts', () => {
        const files = ['kingdee/schemas/bill-query.request.json', 'jackyun/schemas/trade-query.request.json', 'guanyi/schemas/return-get.request.json', 'maycur/schemas/paid-list.request.json'];
        const offers: Record<string, string> = { string: 'str', integer: 'num', number: 'num', array: 'json', object: 'json', boolean: 'bool' };
        for (const file of files) {
            for (const [name, prop] of Object.entries<any>(schema(file).properties)) {
                if (Array.isArray(prop.enum)) continue;
                const types = (kit().typesFor(prop) as unknown[]).map((t) => (typeof t === 'string' ? t : (t as { value: string }).value));
                for (const t of ([] as string[]).concat(prop.type)) should(types.includes(offers[t])).be.true(`${file} ${name} (${t}) offers ${types.join(', ')}`);
            }
        }
    });
});

describe('qeasy-callback dialog', () => {
    it('the Output row (one msg per order / all in one) is shown in both reply modes: it applies to both', () => {
        const html = fs.readFileSync(path.join(root, 'nodes', 'qeasy', 'qeasy-callback.html'), 'utf8');
        const row = /<div class="form-row([^"]*)"><label for="node-input-emit">/.exec(html);
        should(row).be.ok();
        should(row![1].trim()).equal('');
    });

    it('a reply timeout must be above 0 s and the config\'s time window at least 1 s (the runtime would silently use its default)', () => {
        const timeout = definition('qeasy/qeasy-callback').defaults.replyTimeout.validate as (v: unknown) => boolean;
        should(['', '30', '0.5'].map((v) => timeout(v))).eql([true, true, true]);
        should(['0', '-5', 'abc'].map((v) => timeout(v))).eql([false, false, false]);
        const windowSeconds = definition('qeasy/qeasy-config').defaults.windowSeconds.validate as (v: unknown) => boolean;
        should(['', '300', '1'].map((v) => windowSeconds(v))).eql([true, true, true]);
        should(['0', '0.5', '-300', 'abc'].map((v) => windowSeconds(v))).eql([false, false, false, false]);
    });

    it('a duplicate window must be blank or ≥ 0 s and the body limit blank (1 MB) or a whole number of bytes ≥ 1 (the runtime silently used the config\'s window and 1 MB, or cut the limit to 1 byte)', () => {
        // Node-RED's own number check (its editor's RED.validators.number): any number, or ${NAME}.
        const number = (blank?: boolean) => (v: unknown) => (blank && (v === '' || v === undefined)) || (v !== '' && (/^[+-]?[0-9]*\.?[0-9]*([eE][-+]?[0-9]+)?$/.test(String(v)) || /^\${[^}]+}$/.test(String(v)))) || !isNaN(v as number);
        const d = definition('qeasy/qeasy-callback', { number }).defaults;
        const ok = (name: string, v: unknown) => d[name].validate.call({ _: (key: string) => `[${key}]` }, v) === true;
        for (const v of ['', '0', '3600', '${DEDUPE_S}']) should(ok('dedupeWindow', v)).be.true(`dedupeWindow ${JSON.stringify(v)}`);
        for (const v of ['-1', 'abc']) should(ok('dedupeWindow', v)).be.false(`dedupeWindow ${JSON.stringify(v)}`);
        for (const v of ['', '1048576', '1', '${MAX_BYTES}']) should(ok('maxBytes', v)).be.true(`maxBytes ${JSON.stringify(v)}`);
        for (const v of ['0', '-1', '1.5', 'abc']) should(ok('maxBytes', v)).be.false(`maxBytes ${JSON.stringify(v)}`);
    });
});

// A timeout of 0 or less would be refused by the runtime (axios reads 0 as "never time out" and fails on a negative one).
describe('timeout fields of the endpoint and config dialogs', () => {
    const ENDPOINTS = [...QUERY_NODES, 'kingdee/kingdee-batch-save', 'kingdee/kingdee-push', 'jingcheng/jingcheng-recv', 'wdt-wms/wdt-wms-cancel', 'wdt/wdt-trade-push'];
    const CONFIGS = ['kingdee/kingdee-config', 'jackyun/jackyun-config', 'guanyi/guanyi-config', 'maycur/maycur-config', 'jingcheng/jingcheng-config', 'wdt-wms/wdt-wms-config', 'wdt/wdt-config'];
    for (const file of [...ENDPOINTS, ...CONFIGS]) {
        it(`${path.basename(file)}: Timeout takes blank or a number of seconds above 0, nothing else`, () => {
            const validate = definition(file).defaults.timeout.validate as (v: unknown) => boolean;
            should(validate).be.a.Function();
            should(['', undefined, '30', '0.5'].map((v) => validate(v))).eql([true, true, true, true]);
            should(['0', '-5', 'abc'].map((v) => validate(v))).eql([false, false, false]);
        });
    }
});

// The parameter rows' tips (the label's title: the label itself is cut at 130px) in the editor's language.
describe('endpoint parameter rows: the tip in the editor\'s language', () => {
    /** The label tips prepareEndpoint gives a request schema's parameters, with the editor in `lang`. */
    const tips = (requestSchema: unknown, lang: string): string[] => {
        const titles: string[] = [];
        // Just enough of jQuery for prepareEndpoint: every call chains; label titles are recorded.
        const el = (html?: unknown): any => {
            const self: any = new Proxy({}, {
                get: (_t, key) => {
                    if (key === 'attr') return (k: string, v?: unknown) => {
                        if (k === 'title' && /^<label/.test(String(html))) titles.push(String(v));
                        return self;
                    };
                    if (key === 'data') return () => undefined;
                    if (key === 'then') return undefined;
                    return () => self;
                },
            });
            return self;
        };
        const $: any = (html: unknown) => el(html);
        $.getJSON = () => ({ done(cb: (s: unknown) => void) { cb({ requestSchema }); return this; }, fail() { return this; } });
        const window: Record<string, unknown> = {};
        vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'cn-erp-editor.js'), 'utf8'), vm.createContext({ RED: { i18n: { lang: () => lang }, settings: {} }, $, window, navigator: {} }));
        (window.CnErpEditor as any).prepareEndpoint({ type: 'x', params: {}, _def: { defaults: {} } });
        return titles;
    };
    const files = fs.readdirSync(path.join(root, 'nodes')).flatMap((sys) => {
        const dir = path.join(root, 'nodes', sys, 'schemas');
        return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.request.json')).map((f) => path.join(dir, f)) : [];
    });

    it('an English editor shows an English tip (title and English description) for every parameter with an English title; a Chinese editor keeps the Chinese description', () => {
        should(files.length).be.above(5);
        for (const file of files) {
            const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
            const names = Object.keys(schema.properties);
            const en = tips(schema, 'en-US');
            const zh = tips(schema, 'zh-CN');
            should(en).have.length(names.length);
            names.forEach((name, i) => {
                const prop = schema.properties[name];
                if (prop['x-title-en']) {
                    const english = prop['x-title-en'] + (prop['x-description-en'] ? `: ${prop['x-description-en']}` : '');
                    should(en[i]).equal(`${name} — ${english}`, `${path.basename(file)} ${name}: English tip "${en[i]}"`);
                    should(/[\u3000-\u9fff\uff00-\uffef]/.test(en[i])).be.false(`${path.basename(file)} ${name}: English tip "${en[i]}"`);
                }
                should(zh[i]).equal(name + (prop.description ? ` — ${prop.description}` : ''));
                // The English of a bilingual text goes in x-description-en: a Chinese tip does not end in an English sentence.
                should(/ \/ [A-Za-z][^\u3000-\u9fff\uff00-\uffef]*$/.test(prop.description ?? '')).be.false(`${path.basename(file)} ${name}: "${prop.description}"`);
            });
        }
    });

    it('enum options are labelled in the editor\'s language (x-enum-titles / x-enum-titles-en), valued as the schema gives them', () => {
        const optionsOf = (prop: unknown, lang: string) => {
            const window: Record<string, unknown> = {};
            vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'cn-erp-editor.js'), 'utf8'), vm.createContext({ RED: { i18n: { lang: () => lang } }, $: () => ({}), window, navigator: {} }));
            // Plain objects of this realm (the kit's are the vm context's).
            return JSON.parse(JSON.stringify((window.CnErpEditor as any).typesFor(prop)[0].options)) as Array<{ value: string; label: string }>;
        };
        const prop = (file: string, name: string) => JSON.parse(fs.readFileSync(path.join(root, 'nodes', file), 'utf8')).properties[name];
        const cases: Array<[string, string, string[], string[], string[]]> = [
            ['kingdee/schemas/batch-save.request.json', 'duplicateScope', ['organisation', 'dataCentre'], ['按组织', '整个数据中心'], ['per organisation', 'whole data centre']],
            ['jackyun/schemas/trade-query.request.json', 'pagingMode', ['page', 'scroll'], ['页码翻页', '游标翻页'], ['page numbers', 'cursor (scrollId)']],
            ['jackyun/schemas/trade-query.request.json', 'hasTotal', ['1', '0'], ['是', '否'], ['yes', 'no']],
            ['wdt/schemas/trade-push.request.json', 'switch', ['0', '1'], ['非严格', '严格'], ['not strict', 'strict']],
        ];
        for (const [file, name, values, zh, en] of cases) {
            should(optionsOf(prop(file, name), 'zh-CN')).eql(values.map((value, i) => ({ value, label: zh[i] })), `${file} ${name}`);
            should(optionsOf(prop(file, name), 'en-US')).eql(values.map((value, i) => ({ value, label: en[i] })), `${file} ${name}`);
        }
        // Without English titles the English editor shows the value itself.
        should(optionsOf(prop('wdt-wms/schemas/cancel.request.json', 'orderType'), 'en-US')[0]).eql({ value: 'JYCK', label: 'JYCK' });
        should(optionsOf(prop('wdt-wms/schemas/cancel.request.json', 'orderType'), 'zh-CN')[0]).eql({ value: 'JYCK', label: 'JYCK 一般交易出库' });
    });
});

// The context-store selects (an endpoint's watermark store, qeasy-callback's duplicate store): a node naming a store
// settings.js does not define (a typo, a settings.js without that store) must still show it, or the dialog hides
// which store it names (and a store picked by mistake cannot be set back to it).
describe('dialogs: a context store settings.js does not define', () => {
    interface El { html: string; value?: string; text: string; options: El[]; selected?: string | null }
    /**
     * Just enough of jQuery for the dialogs, with a <select> that behaves as the DOM's: val(x) selects x only if an
     * option has that value, else nothing (val() → null). Returns the kit, loaded as the page loads it, and the
     * elements by id (`$('#id')` of the dialog's template: a select holding its "default store" option).
     */
    const page = (stores: string[], lang = 'en-US') => {
        const byId: Record<string, El> = {};
        const wrap = (el: El): any => {
            const self: any = new Proxy({}, {
                get: (_t, key) => {
                    if (key === 'then') return undefined;
                    if (key === '__el') return el;
                    if (key === 'append') return (child: any) => {
                        if (child && child.__el) el.options.push(child.__el);
                        return self;
                    };
                    if (key === 'attr') return (k: string, v?: unknown) => {
                        if (k === 'value' && v !== undefined) el.value = String(v);
                        return self;
                    };
                    if (key === 'text') return (v?: unknown) => {
                        if (v === undefined) return el.text;
                        el.text = String(v);
                        return self;
                    };
                    if (key === 'val') return (v?: unknown) => {
                        const select = /^<select/.test(el.html);
                        if (v === undefined) return select ? el.selected ?? null : el.value;
                        if (select) el.selected = el.options.some((o) => o.value === String(v)) ? String(v) : null;
                        else el.value = String(v);
                        return self;
                    };
                    if (key === 'is' || key === 'data') return () => undefined;
                    return () => self;
                },
            });
            return self;
        };
        const $: any = (html: unknown) => {
            const text = String(html);
            const ref = /^#([\w-]+)$/.exec(text);
            if (ref) return wrap((byId[ref[1]] ??= { html: '<select>', text: '', options: [{ html: '<option value="">', value: '', text: 'default store', options: [] }] }));
            const el: El = { html: text, text: '', options: [] };
            const id = /id="([^"]+)"/.exec(text);
            if (id) byId[id[1]] = el;
            const value = /^<option value="([^"]*)"/.exec(text);
            if (value) el.value = value[1];
            return wrap(el);
        };
        $.getJSON = () => ({ done() { return this; }, fail() { return this; } });
        const window: Record<string, unknown> = {};
        const RED = { i18n: { lang: () => lang }, settings: { context: { default: stores[0], stores } }, nodes: { registerType: (_t: string, d: any) => (registered = d) }, validators: { number: () => () => true } };
        let registered: any;
        const context = vm.createContext({ RED, $, window, navigator: {} });
        vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'cn-erp-editor.js'), 'utf8'), context);
        context.CnErpEditor = window.CnErpEditor;
        /** Opens the dialog of nodes/<file>.html for `node`. */
        const open = (file: string, node: Record<string, unknown>) => {
            const html = fs.readFileSync(path.join(root, 'nodes', `${file}.html`), 'utf8');
            vm.runInContext(/<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1], context);
            registered.oneditprepare.call({ _def: registered, ...node });
        };
        return { byId, kit: window.CnErpEditor as any, open };
    };
    const endpoint = (node: Record<string, unknown>, stores: string[], lang = 'en-US'): El => {
        const { byId, kit } = page(stores, lang);
        kit.prepareEndpoint({ type: 'x', params: {}, _def: { defaults: { incremental: {}, watermarkStore: {}, watermarkCommit: {}, ackTimeout: {} } }, incremental: true, ...node });
        return byId['node-input-watermarkStore'];
    };

    it('endpoint dialog: a watermark store settings.js does not define stays selected, marked as not defined, not a blank selection', () => {
        const store = endpoint({ watermarkStore: 'fiel' }, ['default', 'file']);
        should(store.selected).equal('fiel');
        should(store.options.find((o) => o.value === 'fiel')!.text).match(/fiel.*not defined in settings\.js/);
        should(endpoint({ watermarkStore: 'fiel' }, ['default', 'file'], 'zh-CN').options.find((o) => o.value === 'fiel')!.text).match(/fiel.*未定义/);
    });

    it('endpoint dialog: a defined store, or none (the default store), is selected as it is, with no extra option', () => {
        const file = endpoint({ watermarkStore: 'file' }, ['default', 'file']);
        should(file.selected).equal('file');
        should(file.options.map((o) => o.value)).eql(['', 'default', 'file']);
        const none = endpoint({}, ['default', 'file']);
        should(none.selected).equal('');
        should(none.options.map((o) => o.value)).eql(['', 'default', 'file']);
    });

    it('endpoint dialog: a query node saved without an output mode (an earlier release\'s, or written by hand) shows one msg per page, as the runtime runs it', () => {
        const { byId, kit } = page(['default']);
        kit.prepareEndpoint({ type: 'x', params: {}, _def: { defaults: { outputMode: {}, maxRecords: {} } } });
        should(byId['node-input-outputMode'].selected).equal('page');
        const all = page(['default']);
        all.kit.prepareEndpoint({ type: 'x', params: {}, _def: { defaults: { outputMode: {}, maxRecords: {} } }, outputMode: 'all' });
        should(all.byId['node-input-outputMode'].selected).equal('all');
    });

    it('qeasy-callback dialog: a duplicate store settings.js does not define stays selected, marked as not defined; a defined one as it is', () => {
        const undefinedOne = page(['default', 'file']);
        undefinedOne.open('qeasy/qeasy-callback', { dedupeStore: 'fiel' });
        const store = undefinedOne.byId['node-input-dedupeStore'];
        should(store.selected).equal('fiel');
        should(store.options.find((o) => o.value === 'fiel')!.text).match(/not defined in settings\.js/);
        const defined = page(['default', 'file']);
        defined.open('qeasy/qeasy-callback', { dedupeStore: 'file' });
        should(defined.byId['node-input-dedupeStore'].selected).equal('file');
        should(defined.byId['node-input-dedupeStore'].options.map((o) => o.value)).eql(['', 'default', 'file']);
    });
});

// The shared "Limits and retries" block of the config dialogs: qeasy-config retries nothing (an inbound limit only).
describe('config dialogs: the shared limits block', () => {
    /** The texts and placeholders prepareConfig puts in the dialog of nodes/<file>.html, with the editor in `lang`. */
    const shown = (file: string, lang: string) => {
        const texts: string[] = [];
        const placeholders: string[] = [];
        const self: any = new Proxy({}, {
            get: (_t, key) => {
                if (key === 'then') return undefined;
                if (key === 'text') return (v?: unknown) => (v !== undefined && texts.push(String(v)), self);
                if (key === 'attr') return (k: string, v?: unknown) => (k === 'placeholder' && placeholders.push(String(v)), self);
                if (key === 'is') return () => false;
                return () => self;
            },
        });
        const $: any = () => self;
        let registered: any;
        const RED = { i18n: { lang: () => lang }, settings: {}, nodes: { registerType: (_t: string, d: any) => (registered = d) }, validators: { number: () => () => true } };
        const window: Record<string, unknown> = {};
        const context = vm.createContext({ RED, $, window, navigator: {} });
        vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'cn-erp-editor.js'), 'utf8'), context);
        context.CnErpEditor = window.CnErpEditor;
        const html = fs.readFileSync(path.join(root, 'nodes', `${file}.html`), 'utf8');
        vm.runInContext(/<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1], context);
        registered.oneditprepare.call({ _def: registered, _: (k: string) => k });
        return { texts, placeholders };
    };

    it('qeasy-config: an inbound limit shared by its callback nodes, no retries', () => {
        const zh = shown('qeasy/qeasy-config', 'zh-CN');
        should(zh.texts).containEql('入站限流');
        should(zh.texts).not.containEql('限流与重试');
        should(zh.placeholders).eql(['使用此配置的回调节点共用（留空或 0 = 不限）']);
        const en = shown('qeasy/qeasy-config', 'en-US');
        should(en.texts).containEql('Inbound limit');
        should(en.placeholders).eql(['shared by the callback nodes using this config (blank or 0 = no limit)']);
    });

    it('an outbound config (wdt-config) keeps the shared heading, and its retry tip tells reads from writes', () => {
        const zh = shown('wdt/wdt-config', 'zh-CN');
        should(zh.texts).containEql('限流与重试');
        should(zh.placeholders.find((p) => /写入/.test(p))).match(/超时不重试/);
    });
});
