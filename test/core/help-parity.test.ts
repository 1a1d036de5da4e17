import should from 'should';
import { LANGS, SECTIONS, helpNodes, helpText } from '../helpers/editor-locales';

/**
 * Each node's help says the same in en-US and zh-CN where a machine can tell: the same code (msg properties, field
 * names, error codes, option values), the same field names in the prose, the same sections, output ports and property
 * lists. Chinese integrators read the zh-CN help; behaviour documented in one language only was the drift to stop.
 */

const CJK = /[\u4e00-\u9fff]/;

/**
 * What one language names and the other rightly does not. Keep it short; each entry says why.
 */
const ONE_LANGUAGE_ONLY: Array<{ type: string; lang: string; token: string; why: string }> = [
    { type: 'maycur-config', lang: 'en-US', token: 'DingTalk', why: "the name of Maycur's DingTalk editions, 钉钉版 in Chinese, not a field" },
];

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const plain = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();

/** The text of each <code> element. */
const codeTokens = (html: string) => new Set([...html.matchAll(/<code\b[^>]*>([\s\S]*?)<\/code>/g)].map((m) => plain(m[1])));

/** Field names the help writes, in code or prose: words with an underscore or a capital after a small letter (goodsNo, FBillNo, page_no). */
const identifiers = (html: string) => new Set((plain(html).match(/[A-Za-z_$][\w$]*/g) ?? []).filter((w) => (/_/.test(w) && /[A-Za-z]/.test(w)) || /[a-z][A-Z]/.test(w)));

/** Chinese text translating the English `en`: it has Chinese in it, and every Latin word it keeps is in the English. */
function translates(en: string, zh: string): boolean {
    if (!CJK.test(zh)) return false;
    const kept = zh.match(/[A-Za-z]+/g) ?? [];
    return kept.every((w) => en.toLowerCase().includes(w.toLowerCase()));
}

/** A code token's shape, its words as placeholders: `{"const": value}` and `{"const": 值}` are both `{"w": w}`. */
const shape = (token: string) => token.replace(/[A-Za-z\u4e00-\u9fff]+(?: [A-Za-z\u4e00-\u9fff]+)*/g, 'w');

/** The tokens of `a` that `b` lacks, less the listed exceptions of `lang`. */
function missing(type: string, lang: string, a: Set<string>, b: Set<string>): string[] {
    return [...a].filter((t) => !b.has(t) && !ONE_LANGUAGE_ONLY.some((x) => x.type === type && x.lang === lang && x.token === t));
}

/** The <dt> terms (without their type) and types of the help, and whether each lies under its Details heading. */
function terms(html: string, lang: string): Array<{ term: string; type: string; details: boolean }> {
    const details = html.search(SECTIONS[lang].details);
    return [...html.matchAll(/<dt\b[^>]*>([\s\S]*?)<\/dt>/g)].map((m) => {
        const type = /<span class="property-type">([\s\S]*?)<\/span>/.exec(m[1]);
        return {
            // A list of names reads "a, b" in English and "a、b" in Chinese.
            term: plain(m[1].replace(/<span class="property-type">[\s\S]*?<\/span>/, '')).replace(/\s*、\s*/g, ', '),
            type: type ? plain(type[1]) : '',
            details: details >= 0 && m.index! > details,
        };
    });
}

/** Each node with help: its type and the help in en-US and zh-CN. */
function helps(): Array<{ type: string; en: string; zh: string }> {
    const nodes = helpNodes();
    // Every system's nodes and config nodes (the check would pass on none).
    should(nodes.length).be.above(18);
    return nodes.map(([system, type]) => {
        const [en, zh] = LANGS.map((lang) => helpText(system, type, lang));
        return { type, en, zh };
    });
}

describe('help in en-US and zh-CN says the same', () => {
    it('each node names the same code in both languages: msg properties, fields, error codes, option values', () => {
        const problems: string[] = [];
        let compared = 0;
        for (const { type, en, zh } of helps()) {
            const [enTokens, zhTokens] = [codeTokens(en), codeTokens(zh)];
            compared += enTokens.size;
            const enOnly = missing(type, 'en-US', enTokens, zhTokens);
            // A token zh-CN writes with Chinese placeholders (<名称>, {服务地址}) stands for the English one of its shape.
            const zhOnly = missing(type, 'zh-CN', zhTokens, enTokens).filter((t) => {
                const i = enOnly.findIndex((e) => shape(e) === shape(t) && translates(e, t));
                if (i >= 0) enOnly.splice(i, 1);
                return i < 0;
            });
            for (const t of enOnly) problems.push(`${type}: <code>${t}</code> in en-US only`);
            for (const t of zhOnly) problems.push(`${type}: <code>${t}</code> in zh-CN only`);
        }
        should(problems).eql([]);
        should(compared).be.above(500);
    });

    it('each node names the same fields in its prose in both languages (goodsNo, FBillNo, page_no …)', () => {
        const problems: string[] = [];
        let compared = 0;
        for (const { type, en, zh } of helps()) {
            const [enIds, zhIds] = [identifiers(en), identifiers(zh)];
            compared += enIds.size;
            for (const id of missing(type, 'en-US', enIds, zhIds)) problems.push(`${type}: ${id} in en-US only`);
            for (const id of missing(type, 'zh-CN', zhIds, enIds)) problems.push(`${type}: ${id} in zh-CN only`);
        }
        should(problems).eql([]);
        should(compared).be.above(400);
    });

    it('each node has the same sections, output ports and property lists in both languages', () => {
        const problems: string[] = [];
        let compared = 0;
        for (const { type, en, zh } of helps()) {
            const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;
            if (count(en, /<h3>/g) !== count(zh, /<h3>/g)) problems.push(`${type}: ${count(en, /<h3>/g)} sections in en-US, ${count(zh, /<h3>/g)} in zh-CN`);
            const ports = (html: string) => count(/<ol class="node-ports">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '', /<li\b/g);
            if (ports(en) !== ports(zh)) problems.push(`${type}: ${ports(en)} output ports in en-US, ${ports(zh)} in zh-CN`);
            const [enTerms, zhTerms] = [terms(en, 'en-US'), terms(zh, 'zh-CN')];
            compared += enTerms.length;
            if (enTerms.length !== zhTerms.length) {
                problems.push(`${type}: properties ${enTerms.map((t) => t.term).join(' | ')} in en-US, ${zhTerms.map((t) => t.term).join(' | ')} in zh-CN`);
                continue;
            }
            enTerms.forEach((e, i) => {
                const z = zhTerms[i];
                // msg properties (Inputs, Outputs) are names in both; a config node's settings (Details) are labels, translated.
                const same = (a: string, b: string) => a === b || (e.details && z.details && translates(a, b));
                if (!same(e.term, z.term)) problems.push(`${type}: property ${i + 1} is "${e.term}" in en-US, "${z.term}" in zh-CN`);
                if (!same(e.type, z.type)) problems.push(`${type}: ${e.term} is typed "${e.type}" in en-US, "${z.type}" in zh-CN`);
            });
        }
        should(problems).eql([]);
        should(compared).be.above(80);
    });
});
