/**
 * Checks of a system's editor files as the build ships them (dist/nodes/<sys>/): every message key a node's .html
 * uses (data-i18n, this._('…'), validator messages) exists in both en-US and zh-CN, the two catalogues have the same keys, and each
 * node has help in both languages in Node-RED's Inputs / Outputs / Details form naming its seed fields.
 */
import fs from 'fs';
import path from 'path';
import vm from 'vm';
import should from 'should';

export const LANGS = ['en-US', 'zh-CN'];
/** The help's section headings in each language. */
export const SECTIONS: Record<string, Record<string, RegExp>> = {
    'en-US': { inputs: /<h3>\s*Inputs\s*<\/h3>/, outputs: /<h3>\s*Outputs\s*<\/h3>/, details: /<h3>\s*Details\s*<\/h3>/ },
    'zh-CN': { inputs: /<h3>\s*(输入|Inputs)\s*<\/h3>/, outputs: /<h3>\s*(输出|Outputs)\s*<\/h3>/, details: /<h3>\s*(详细说明|详细|详情|说明|Details)\s*<\/h3>/ },
};

// test/<dir>/x.test.js in the build → dist*/nodes
const nodesDir = path.resolve(__dirname, '..', '..', 'nodes');

/** The help of node `type` (system folder `system`) in `lang`, as the build ships it. */
export function helpText(system: string, type: string, lang: string): string {
    return fs.readFileSync(path.join(nodesDir, system, 'locales', lang, `${type}.html`), 'utf8');
}

/** Every node with help in the build: [system folder, type] for each locales/en-US/<type>.html. */
export function helpNodes(): Array<[string, string]> {
    return fs
        .readdirSync(nodesDir)
        .filter((system) => fs.existsSync(path.join(nodesDir, system, 'locales', 'en-US')))
        .flatMap((system) =>
            fs
                .readdirSync(path.join(nodesDir, system, 'locales', 'en-US'))
                .filter((f) => f.endsWith('.html'))
                .map((f): [string, string] => [system, f.slice(0, -5)]),
        );
}

/**
 * The words a node's dialog template shows of its own, not from a catalogue: text outside tags, options aside (an
 * option's text is the literal value it stands for, such as md5 or SHA-256).
 */
export function wordsInTemplate(html: string): string[] {
    return [...html.matchAll(/<script type="text\/html" data-template-name="[^"]*">([\s\S]*?)<\/script>/g)].flatMap((m) =>
        m[1]
            .replace(/<option\b[\s\S]*?<\/option>/g, ' ')
            .replace(/<[^>]+>/g, ' ')
            .split(/\s+/)
            .filter((w) => /\p{L}/u.test(w)),
    );
}

function leafKeys(obj: Record<string, unknown>, prefix = ''): string[] {
    return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' ? leafKeys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function lookup(catalogue: Record<string, unknown>, key: string): unknown {
    return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), catalogue);
}

/**
 * Half-width , ; : ( ) or a straight " used as punctuation in Chinese text: next to a CJK character or a full-width
 * mark (spaces skipped). Code (<code>, <pre>) and tags are left out; a mark standing alone between spaces is a literal
 * (a list of allowed characters), and a colon between digits is a time.
 */
export function halfWidthInChinese(text: string, html: boolean): string[] {
    let t = text;
    if (html) t = t.replace(/<pre\b[\s\S]*?<\/pre>/g, ' ').replace(/<code\b[\s\S]*?<\/code>/g, '\u0001').replace(/<[^>]+>/g, '');
    const zh = /[\u4e00-\u9fff\u3000-\u303f\uff01-\uff1f\u201c\u201d]/;
    const found: string[] = [];
    for (let i = 0; i < t.length; i++) {
        const c = t[i];
        if (!',;:()"'.includes(c)) continue;
        if (t[i - 1] === ' ' && t[i + 1] === ' ') continue;
        let p = i - 1;
        while (p >= 0 && t[p] === ' ') p--;
        let n = i + 1;
        while (n < t.length && t[n] === ' ') n++;
        if (c === ':' && /\d/.test(t[p] ?? '') && /\d/.test(t[n] ?? '')) continue;
        if (zh.test(t[p] ?? '') || zh.test(t[n] ?? '')) found.push(t.slice(Math.max(0, i - 12), i + 13).replace(/\u0001/g, '<code>'));
    }
    return found;
}

/**
 * A bracket opened inside another in Chinese text, as in "（…（…）…）": hard to follow, so zh-CN writes such a passage as
 * sentences or a list. A full-width bracket with a half-width one inside counts too; code (<code>, <pre>) and tags are left out.
 */
export function nestedBrackets(text: string, html: boolean): string[] {
    let t = text;
    if (html) t = t.replace(/<pre\b[\s\S]*?<\/pre>/g, ' ').replace(/<code\b[\s\S]*?<\/code>/g, '\u0001').replace(/<[^>]+>/g, '');
    const open: string[] = [];
    const found: string[] = [];
    for (let i = 0; i < t.length; i++) {
        const c = t[i];
        if (c === '（' || c === '(') {
            open.push(c);
            if (open.length > 1 && open.includes('（')) found.push(t.slice(Math.max(0, i - 12), i + 13).replace(/\u0001/g, '<code>'));
        } else if (c === '）' || c === ')') open.pop();
    }
    return found;
}

export interface EditorExpectations {
    /** Node type → fields its help must name (in both languages). */
    help: Record<string, string[]>;
}

export function describeEditor(system: string, expect: EditorExpectations): void {
    const dir = path.join(nodesDir, system);
    describe(`${system} editor: locales and help`, () => {
        const types = fs.readdirSync(dir).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -5));

        it('every message key used by the dialogs, labels and ports exists in en-US and zh-CN, and both catalogues hold the same keys', () => {
            should(types.length).be.above(0);
            for (const type of types) {
                const html = fs.readFileSync(path.join(dir, `${type}.html`), 'utf8');
                const catalogues = LANGS.map((l) => JSON.parse(fs.readFileSync(path.join(dir, 'locales', l, `${type}.json`), 'utf8')));
                should(leafKeys(catalogues[0]).sort()).eql(leafKeys(catalogues[1]).sort(), `${type}: en-US and zh-CN keys differ`);
                const used = [...html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1]).filter((k) => !k.includes(':'));
                // this._('key') in labels, msg(this, 'key') in validators (the text Node-RED shows as the reason).
                used.push(...[...html.matchAll(/(?:this\._\(|msg\(this, )'([^']+)'\)/g)].map((m) => m[1]));
                // Port labels: this._('<type>.label.output' + (i + 1)) for each output.
                const outputs = Number((/outputs:\s*(\d+)/.exec(html) ?? [])[1] ?? 0);
                if (/this\._\('[^']+\.label\.output' \+ \(i \+ 1\)\)/.test(html)) for (let i = 1; i <= outputs; i++) used.push(`${type}.label.output${i}`);
                should(used.length).be.above(0, `${type} uses no message keys`);
                for (const key of used) {
                    catalogues.forEach((c, i) => {
                        const v = lookup(c, key);
                        should(typeof v === 'string' && v.trim() !== '').be.true(`${type}: ${LANGS[i]} lacks "${key}"`);
                    });
                }
                // The Chinese catalogue is Chinese where the English one is words (not just codes such as appkey).
                const zhValues = leafKeys(catalogues[1]).map((k) => String(lookup(catalogues[1], k)));
                should(zhValues.some((v) => /[\u4e00-\u9fff]/.test(v))).be.true(`${type}: zh-CN catalogue has no Chinese`);
            }
        });

        it('every word a dialog shows comes from the catalogues, in en-US and zh-CN (none typed into the template)', () => {
            for (const type of types) {
                const html = fs.readFileSync(path.join(dir, `${type}.html`), 'utf8');
                should(html).match(/data-template-name=/);
                should(wordsInTemplate(html)).eql([], `${type}: words in the dialog template`);
            }
        });

        it('help in both languages: Inputs / Outputs / Details (config nodes: Details or text), naming the seed fields', () => {
            for (const type of types) {
                const html = fs.readFileSync(path.join(dir, `${type}.html`), 'utf8');
                const isConfig = /category:\s*'config'/.test(html);
                const inputs = Number((/inputs:\s*(\d+)/.exec(html) ?? [])[1] ?? 0);
                for (const lang of LANGS) {
                    const help = helpText(system, type, lang);
                    should(help).match(new RegExp(`data-help-name="${type}"`));
                    if (lang === 'zh-CN') should(help).match(/[\u4e00-\u9fff]/);
                    if (!isConfig) {
                        if (inputs > 0) should(help).match(SECTIONS[lang].inputs, `${type} ${lang}: no Inputs section`);
                        should(help).match(SECTIONS[lang].outputs, `${type} ${lang}: no Outputs section`);
                        should(help).match(SECTIONS[lang].details, `${type} ${lang}: no Details section`);
                    }
                    for (const field of expect.help[type] ?? []) should(help.includes(field)).be.true(`${type} ${lang}: help does not name ${field}`);
                }
            }
        });

        it('zh-CN help and catalogue use full-width punctuation （，：；） and “” in Chinese text, not half-width , : ; ( ) "', () => {
            for (const type of types) {
                const help = fs.readFileSync(path.join(dir, 'locales', 'zh-CN', `${type}.html`), 'utf8');
                should(halfWidthInChinese(help, true)).eql([], `${type} zh-CN help`);
                const catalogue = JSON.parse(fs.readFileSync(path.join(dir, 'locales', 'zh-CN', `${type}.json`), 'utf8'));
                const values = leafKeys(catalogue).map((k) => String(lookup(catalogue, k)));
                should(values.flatMap((v) => halfWidthInChinese(v, false))).eql([], `${type} zh-CN catalogue`);
            }
        });

        it('zh-CN help and catalogue put no bracket inside another, as in （…（…）…）', () => {
            for (const type of types) {
                const help = fs.readFileSync(path.join(dir, 'locales', 'zh-CN', `${type}.html`), 'utf8');
                should(nestedBrackets(help, true)).eql([], `${type} zh-CN help`);
                const catalogue = JSON.parse(fs.readFileSync(path.join(dir, 'locales', 'zh-CN', `${type}.json`), 'utf8'));
                const values = leafKeys(catalogue).map((k) => String(lookup(catalogue, k)));
                should(values.flatMap((v) => nestedBrackets(v, false))).eql([], `${type} zh-CN catalogue`);
            }
        });
    });
}

/** The palette's editor kit (resources/cn-erp-editor.js, window.CnErpEditor) as a node's editor script finds it. */
export function editorKit(globals: Record<string, unknown> = {}): Record<string, any> {
    const window: Record<string, any> = {};
    vm.runInContext(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'resources', 'cn-erp-editor.js'), 'utf8'), vm.createContext({ RED: {}, $: () => ({}), navigator: {}, ...globals, window }));
    return window.CnErpEditor;
}

/**
 * What a config dialog's "test connection" button shows for the runtime's answer `body` (POST cn-erp/<type>/test), in
 * an editor set to `lang`: resources/cn-erp-editor.js runs with a small stand-in for jQuery, and the node's `_` reads
 * the config node's catalog as the build ships it (nodes/<sys>/locales/<lang>/<type>.json in the build), as Node-RED's does.
 */
export function testButtonText(system: string, type: string, body: unknown, lang: string): string {
    const dist = path.resolve(__dirname, '..', '..');
    const _ = editorTranslator(system, type, lang);
    const { $, elements } = jqueryStub();
    $.ajax = () => ({ done(fn: (r: unknown) => void) { fn(body); return this; }, fail() { return this; }, always(fn: () => void) { fn(); return this; } });
    const window: Record<string, any> = {};
    const RED = { i18n: { lang: () => lang }, settings: {} };
    vm.runInContext(fs.readFileSync(path.join(dist, '..', 'resources', 'cn-erp-editor.js'), 'utf8'), vm.createContext({ RED, $, window, navigator: {} }));
    window.CnErpEditor.prepareConfig({ id: 'c1', type, _, _def: { defaults: {}, credentials: {} } });
    elements.find((e) => /cn-erp-test-button/.test(e.html))!.click!();
    return elements.find((e) => /cn-erp-test-result/.test(e.html))!.text;
}

/**
 * RED._ of a node set in `lang`, as Node-RED's (a node's `_` in the editor, RED._ in the runtime): the set's catalog as
 * the build ships it (nodes/<sys>/locales/<lang>/<type>.json, the shared texts merged in), `__name__` filled from vars.
 */
export function editorTranslator(system: string, type: string, lang: string): (key: string, vars?: Record<string, unknown>) => string {
    const catalogue = JSON.parse(fs.readFileSync(path.join(nodesDir, system, 'locales', lang, `${type}.json`), 'utf8'));
    return (key, vars = {}) => {
        const v = lookup(catalogue, key);
        return typeof v === 'string' ? v.replace(/__(\w+)__/g, (w, n: string) => (n in vars ? String(vars[n]) : w)) : key;
    };
}

/**
 * What the mapper dialog shows for the runtime's answer `body` to its preview (POST cn-erp/mapper/preview), in an
 * editor set to `lang`: the palette's kit (cn-erp-editor.js, which erp-mapper.html loads first) and the mapper's editor
 * run with a small stand-in for jQuery, the node's `_` reading the mapper's catalog as the build ships it.
 */
export function mapperPreviewText(body: unknown, lang: string): string {
    const { $, elements } = jqueryStub();
    $.ajax = () => ({ done(fn: (r: unknown) => void) { fn(body); return this; }, fail() { return this; } });
    const window: Record<string, any> = {};
    const RED = { i18n: { lang: () => lang }, nodes: {}, notify() {}, settings: {} };
    const context = vm.createContext({ RED, $, window, navigator: {} });
    for (const file of ['cn-erp-editor.js', 'erp-mapper-editor.js']) vm.runInContext(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'resources', file), 'utf8'), context);
    window.ErpMapperEditor.prepare({ id: 'm1', type: 'erp-mapper', _: editorTranslator('mapper', 'erp-mapper', lang) });
    elements.filter((e) => e.html === '.erp-mapper-preview').forEach((e) => e.click?.());
    return elements.filter((e) => e.html === '.erp-mapper-result').map((e) => e.text).pop()!;
}

/** What the mapper dialog shows when "use last received" gets the runtime's failure `xhr` (status, responseJSON), in `lang`. */
export function mapperLastSampleText(xhr: { status: number; responseJSON?: unknown; statusText?: string }, lang: string): string {
    const { $, elements } = jqueryStub();
    $.getJSON = () => ({ done() { return this; }, fail(fn: (x: unknown) => void) { fn(xhr); return this; } });
    const window: Record<string, any> = {};
    const RED = { i18n: { lang: () => lang }, nodes: {}, notify() {} };
    vm.runInContext(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'resources', 'erp-mapper-editor.js'), 'utf8'), vm.createContext({ RED, $, window, navigator: {} }));
    window.ErpMapperEditor.prepare({ id: 'm1', type: 'erp-mapper' });
    elements.filter((e) => e.html === '.erp-mapper-last').forEach((e) => e.click?.());
    return elements.filter((e) => e.html === '.erp-mapper-result').map((e) => e.text).pop()!;
}

/** A small stand-in for jQuery: every call makes an element that records its text and its click handler. */
function jqueryStub(): { $: any; elements: Array<{ html: string; text: string; click?: () => void }> } {
    const elements: Array<{ html: string; text: string; click?: () => void }> = [];
    const $: any = (arg: unknown) => {
        const el = { html: typeof arg === 'string' ? arg : '', text: '', click: undefined as undefined | (() => void) };
        elements.push(el);
        const api: any = new Proxy(el, {
            get(target, prop) {
                if (prop === 'length') return 0;
                if (prop === 'text') return (v?: string) => (v === undefined ? target.text : ((target.text = String(v)), api));
                if (prop === 'on') return (ev: string, fn: () => void) => ((target.click = ev === 'click' ? fn : target.click), api);
                if (prop === 'is') return () => false;
                if (prop === 'val') return (v?: unknown) => (v === undefined ? '' : api);
                return () => api;
            },
        });
        return api;
    };
    return { $, elements };
}
