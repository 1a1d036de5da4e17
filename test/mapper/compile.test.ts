import fs from 'fs';
import path from 'path';
import should from 'should';
import { compileMapping, MapResult, MappingCompileError, MappingError, REASON_TEXTS } from '../../nodes/mapper/compile';
import { english, translator } from '../../nodes/core/i18n';
import { fixture } from './fixtures';
import wdtWmsCancel = require('../../nodes/wdt-wms/wdt-wms-cancel');
import jingchengRecv = require('../../nodes/jingcheng/jingcheng-recv');

const run = (fields: Record<string, any>, record: unknown, opts: any = {}, ctx?: any) => compileMapping({ fields }, opts)(record, ctx) as MapResult;
const ok = (r: MapResult) => {
    if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.errors)}`);
    return r.record;
};
/** The errors as {field, source, reason}: the English reasons, as they always read (their texts are checked below). */
const bad = (r: MapResult) => errorsOf(r).map(({ field, source, reason }) => ({ field, source, reason }));
const errorsOf = (r: MapResult) => {
    if (r.ok) throw new Error(`expected errors, got ${JSON.stringify(r.record)}`);
    return r.errors;
};

describe('compileMapping: rules', function () {
    it('const: scalars and objects (a fresh copy each record)', function () {
        const fn = compileMapping({ fields: { a: { const: 'X' }, b: { const: { k: [1] } } } });
        const r1 = ok(fn({}) as MapResult);
        const r2 = ok(fn({}) as MapResult);
        should(r1).eql({ a: 'X', b: { k: [1] } });
        should(r1.b).not.equal(r2.b);
        should(fn.async).be.false();
    });

    it('path: dotted, indexed, quoted, missing parts give nothing', function () {
        const rec = { a: { b: [{ c: 1 }, { c: 2 }] }, 'x y': 3, s: 'str' };
        should(ok(run({ v: { path: 'a.b[1].c' }, w: { path: "['x y']" }, m: { path: 'a.q.z' }, n: { path: 's.length' } }, rec))).eql({ v: 2, w: 3 });
        should(ok(run({ v: { path: 'a.b[0].toString' } }, rec))).eql({});
    });

    it('path: a quoted key is read exactly as quoted, spaces included (a custom column "备注 " is not silently read as "备注")', function () {
        const rec = { '备注 ': 'N1', ' 单号': 'T1', 'a.b': { '数 量': 2 } };
        should(ok(run({ n: { path: "['备注 ']" }, t: { path: '[" 单号"]' }, q: { path: "['a.b']['数 量']" }, u: { path: ' a.b ' } }, rec))).eql({ n: 'N1', t: 'T1', q: 2 });
        should(ok(run({ t: { template: "{{['备注 ']}}" } }, rec))).eql({ t: 'N1' });
    });

    it('path: [0] of a single line given as an object (not a list) is that line, as the array rule takes it; [1] is nothing', function () {
        const fields = { d: { path: 'lines[0].t' }, e: { path: 'lines[1].t' }, f: { template: '{{lines[0].t}}' }, L: { array: 'lines', fields: { g: { path: 'g' } } } };
        should(ok(run(fields, { lines: { t: 'T1', g: 'G1' } }))).eql({ d: 'T1', f: 'T1', L: [{ g: 'G1' }] });
        should(ok(run(fields, { lines: [{ t: 'T1', g: 'G1' }, { t: 'T2' }] }))).eql({ d: 'T1', e: 'T2', f: 'T1', L: [{ g: 'G1' }, {}] });
        // An object keyed "0", "1" (a PHP list with gaps) is read by its keys; an empty list has no line 0.
        should(ok(run(fields, { lines: { 0: { t: 'K0' }, 1: { t: 'K1' } } }))).match({ d: 'K0', e: 'K1' });
        should(ok(run({ d: fields.d }, { lines: [] }))).eql({});
    });

    it('template: several paths and text; all-empty is empty; objects as JSON', function () {
        const fields = { t: { template: '{{tradeNo}}-{{shopId}}' }, o: { template: 'x={{ o }}' }, e: { template: '{{none}}-{{nada}}' }, c: { template: 'plain' } };
        should(ok(run(fields, { tradeNo: 'T1', shopId: 7, o: { a: 1 } }))).eql({ t: 'T1-7', o: 'x={"a":1}', c: 'plain' });
        should(ok(run({ t: { template: '{{a}}/{{b}}' } }, { a: 'A' }))).eql({ t: 'A/' });
    });

    it('array: child rules per line, $root reaches the parent, a single object is one line, nested arrays', function () {
        const fields = {
            L: { array: 'lines', fields: { g: { path: 'goodsNo' }, no: { path: '$root.no' }, S: { array: 'subs', fields: { v: { path: 'v' }, top: { path: '$root.no' } } } } },
            one: { array: 'single', fields: { x: { path: 'x' } } },
        };
        const rec = { no: 'N1', lines: [{ goodsNo: 'G1', subs: [{ v: 1 }, { v: 2 }] }, { goodsNo: 'G2' }], single: { x: 9 } };
        should(ok(run(fields, rec))).eql({
            L: [{ g: 'G1', no: 'N1', S: [{ v: 1, top: 'N1' }, { v: 2, top: 'N1' }] }, { g: 'G2', no: 'N1' }],
            one: [{ x: 9 }],
        });
    });

    it('table: mapped values, default for unknown and empty; no default → the record fails naming the value', function () {
        const fields = { t: { table: { A: 1, B: 2 }, path: 'k', default: 0 } };
        should(ok(run(fields, { k: 'B' }))).eql({ t: 2 });
        should(ok(run(fields, { k: 'Z' }))).eql({ t: 0 });
        should(ok(run(fields, {}))).eql({ t: 0 });
        should(ok(run({ t: { table: { A: 1 }, path: 'k' } }, { k: 'A' }))).eql({ t: 1 });
        should(bad(run({ t: { table: { A: 1 }, path: 'k' } }, { k: 'Q' }))).eql([{ field: 't', source: 'k', reason: '"Q" is not in the value table' }]);
        // Inherited names are not table entries.
        should(bad(run({ t: { table: { A: 1 }, path: 'k' } }, { k: 'toString' }))[0].reason).match(/not in the value table/);
    });

    it('lookup: flow and global collections, composite match, fail or empty when nothing matches', async function () {
        const coll = [
            { FNumber: 'A1', Org: 'O1', FUseOrgId: 101 },
            { FNumber: 'A2', Org: 'O2', FUseOrgId: 102 },
        ];
        const seen: string[] = [];
        const ctx = { getContext: (store: string, key: string) => (seen.push(`${store}.${key}`), store === 'flow' && key === 'accts' ? coll : store === 'global' ? { x: { FNumber: 'A1', Org: 'O1', name: 'g' } } : undefined) };
        const fn = compileMapping({
            fields: {
                org: { lookup: { key: 'accts', match: { FNumber: 'acct' }, return: 'FUseOrgId' } },
                g: { lookup: { store: 'global', key: 'gl', match: { FNumber: 'acct', Org: 'org' }, return: 'name', onMissing: 'empty' }, default: 'none' },
            },
        });
        should(fn.async).be.true();
        should(ok(await fn({ acct: 'A2', org: 'O1' }, ctx))).eql({ org: 102, g: 'none' });
        should(ok(await fn({ acct: 'A1', org: 'O1' }, ctx))).eql({ org: 101, g: 'g' });
        should(seen).containEql('flow.accts').and.containEql('global.gl');
        should(bad(await fn({ acct: 'ZZ', org: 'O1' }, ctx))).eql([{ field: 'org', source: 'acct', reason: 'no match in flow.accts where FNumber="ZZ"' }]);
        should(bad(await fn({ acct: 'A1' }, {}))[0].reason).equal('flow context "accts" holds no collection');
        // Nothing to look up with (the source field missing or blank): said so, not "no match … where FNumber=undefined".
        for (const acct of [undefined, null, '']) should(bad(await fn({ acct, org: 'O1' }, ctx))).eql([{ field: 'org', source: 'acct', reason: 'is required (source is empty)' }]);
    });

    it('jsonata: compiled once, line input and $root binding; a failing expression fails the record', async function () {
        const fn = compileMapping({
            fields: {
                total: { jsonata: '$sum(lines.qty)' },
                L: { array: 'lines', fields: { q2: { jsonata: 'qty * 2' }, no: { jsonata: '$root.no' } } },
                boom: { jsonata: '$error("nope")' },
            },
        });
        should(fn.async).be.true();
        const r = await fn({ no: 'N', lines: [{ qty: 1 }, { qty: 2 }] });
        should(bad(r)).eql([{ field: 'boom', source: '(jsonata $error("nope"))', reason: 'JSONata failed: nope' }]);
        const fn2 = compileMapping({ fields: { total: { jsonata: '$sum(lines.qty)' }, L: { array: 'lines', fields: { q2: { jsonata: 'qty * 2' }, no: { jsonata: '$root.no' } } } } });
        should(ok(await fn2({ no: 'N', lines: [{ qty: 1 }, { qty: 2 }] }))).eql({ total: 3, L: [{ q2: 2, no: 'N' }, { q2: 4, no: 'N' }] });
        should(() => compileMapping({ fields: { x: { jsonata: '$sum(' } } })).throw(/x: JSONata/);
    });

    it('a JSONata sum of decimal lines is written as the decimal, not a binary float (0.1 + 0.2 is 0.3, not 0.30000000000000004)', async function () {
        const fn = compileMapping({
            fields: {
                Qua: { jsonata: '$sum(details.$number(qty))', convert: 'string' },
                Amo: { jsonata: '$sum(details.$number(amount))' },
                Big: { jsonata: '$number(big)' },
                L: { array: 'details', fields: { Amo: { jsonata: '$number(amount) * 3', convert: 'number' } } },
            },
        });
        const r = ok(await fn({ big: '9007199254740991', details: [{ qty: '0.1', amount: '0.1' }, { qty: '0.2', amount: '0.2' }] })) as any;
        should(r).eql({ Qua: '0.3', Amo: 0.3, Big: 9007199254740991, L: [{ Amo: 0.3 }, { Amo: 0.6 }] });
    });

    it('a JSONata rule returning an object or a list (an entry\'s lines with computed amounts) has the fractions in it written as the decimal too, not 3.3000000000000003', async function () {
        const fn = compileMapping({ fields: { FEntity: { jsonata: 'lines.{"FQty": qty, "FAmount": qty * price}' }, Totals: { jsonata: '{"sum": $sum(lines.price), "all": [0.1 + 0.2]}' } } });
        const src = { lines: [{ qty: 3, price: 1.1 }, { qty: 1, price: 0.2 }] };
        const before = JSON.stringify(src);
        const r = ok(await fn(src)) as any;
        should(r).eql({ FEntity: [{ FQty: 3, FAmount: 3.3 }, { FQty: 1, FAmount: 0.2 }], Totals: { sum: 1.3, all: [0.3] } });
        should(JSON.stringify(src)).equal(before);
    });

    it('$roundHalfUp in a JSONata rule rounds halves away from zero (四舍五入), on the decimal as it reads, where $round rounds them to even', async function () {
        const cases: Array<[string, unknown]> = [
            ['$roundHalfUp(10.125, 2)', 10.13],
            ['$round(10.125, 2)', 10.12],
            ['$roundHalfUp(2.5)', 3],
            ['$roundHalfUp(-2.5)', -3],
            ['$roundHalfUp(-0.4)', 0],
            ['$roundHalfUp(2.675, 2)', 2.68],
            ['$roundHalfUp(1.005, 2)', 1.01],
            ['$roundHalfUp(30.25 * 1 / 2, 2)', 15.13],
            ['$roundHalfUp(1234.5, -1)', 1230],
            ['$roundHalfUp(1235, -1)', 1240],
            ['$roundHalfUp(0.0000001, 2)', 0],
            ['$roundHalfUp(9007199254740993, 2)', 9007199254740992],
            ['amount.$roundHalfUp()', 20],
            ['$roundHalfUp(amount, 2)', 19.99],
        ];
        for (const [jsonata, expected] of cases) {
            const r = await compileMapping({ fields: { v: { jsonata } } })({ amount: 19.985 });
            should(ok(r as MapResult)).eql({ v: expected }, jsonata);
        }
        // Nothing to round: the field is empty, as for $round; a fraction of digits fails the record naming the rule.
        should(ok((await compileMapping({ fields: { v: { jsonata: '$roundHalfUp(missing, 2)' } } })({})) as MapResult)).eql({});
        should(bad((await compileMapping({ fields: { v: { jsonata: '$roundHalfUp(1.5, 0.5)' } } })({})) as MapResult)[0].reason).match(/digits must be a whole number/);
    });

    it('an amount a function node upstream computed (0.1 + 0.2, 19.99 × 3) is written as the decimal by convert number, convert string and a template, as by JSONata, and as text never in exponent form', function () {
        const fields = { n: { path: 'a', convert: 'number' }, s: { path: 'a', convert: 'string' }, t: { template: '{{a}} 元' }, L: { array: 'l', fields: { amo: { path: 'amo', convert: 'string' } } } };
        should(ok(run(fields, { a: 0.1 + 0.2, l: [{ amo: 19.99 * 3 }] }))).eql({ n: 0.3, s: '0.3', t: '0.3 元', L: [{ amo: '59.97' }] });
        // Values that are already decimals, and whole numbers up to 2^53, are written as they are.
        should(ok(run(fields, { a: 12.3, l: [{ amo: 9007199254740991 }] }))).eql({ n: 12.3, s: '12.3', t: '12.3 元', L: [{ amo: '9007199254740991' }] });
        should(ok(run(fields, { a: 1234567.891, l: [] }))).eql({ n: 1234567.891, s: '1234567.891', t: '1234567.891 元', L: [] });
        // Text never in exponent form, which an ERP reading an amount need not parse.
        should(ok(run(fields, { a: 1e-7, l: [{ amo: 2.5e-8 }] }))).eql({ n: 1e-7, s: '0.0000001', t: '0.0000001 元', L: [{ amo: '0.000000025' }] });
    });

    it('lookup: an item that matches but has no value to return (null, "", missing) fails the record as a miss does, naming the item', async function () {
        const coll = [{ FNumber: 'A1', FUseOrgId: null }, { FNumber: 'A2', FUseOrgId: '' }, { FNumber: 'A3' }, { FNumber: 'A4', FUseOrgId: 0 }];
        const ctx = { getContext: () => coll };
        const fn = compileMapping({ fields: { org: { lookup: { key: 'accts', match: { FNumber: 'acct' }, return: 'FUseOrgId' } } } });
        for (const acct of ['A1', 'A2', 'A3']) {
            should(bad(await fn({ acct }, ctx))).eql([{ field: 'org', source: 'acct', reason: `flow.accts has FNumber="${acct}" but no FUseOrgId` }]);
        }
        should(ok(await fn({ acct: 'A4' }, ctx))).eql({ org: 0 });
        // onMissing "empty" leaves the field out (its default applies), as for no match.
        const empty = compileMapping({ fields: { org: { lookup: { key: 'accts', match: { FNumber: 'acct' }, return: 'FUseOrgId', onMissing: 'empty' }, default: 100 } } });
        should(ok(await empty({ acct: 'A1' }, ctx))).eql({ org: 100 });
    });

    it('lookup: a list or object is no key: ["A"] in the record fails the field naming it (String(["A"]) is "A"), and an item keyed by a list matches nothing; 7 still finds "7"', async function () {
        const coll = [{ FNumber: 'A', FUseOrgId: 1 }, { FNumber: ['B'], FUseOrgId: 2 }, { FNumber: '7', FUseOrgId: 7 }];
        const ctx = { getContext: () => coll };
        for (const onMissing of ['fail', 'empty'] as const) {
            const fn = compileMapping({ fields: { org: { lookup: { key: 'accts', match: { FNumber: 'acct' }, return: 'FUseOrgId', onMissing } } } });
            should(bad(await fn({ acct: ['A'] }, ctx))).eql([{ field: 'org', source: 'acct', reason: '["A"] is not a single value to look up' }]);
            should(bad(await fn({ acct: { toString: () => 'A' } }, ctx))).eql([{ field: 'org', source: 'acct', reason: '{} is not a single value to look up' }]);
            should(ok(await fn({ acct: 7 }, ctx))).eql({ org: 7 });
        }
        const fn = compileMapping({ fields: { org: { lookup: { key: 'accts', match: { FNumber: 'acct' }, return: 'FUseOrgId' } } } });
        should(bad(await fn({ acct: 'B' }, ctx))).eql([{ field: 'org', source: 'acct', reason: 'no match in flow.accts where FNumber="B"' }]);
    });

    it('pure-path mappings stay synchronous (no promise)', function () {
        const fn = compileMapping({ fields: { a: { path: 'a' }, L: { array: 'l', fields: { b: { template: '{{b}}' } } } } });
        should(fn.async).be.false();
        const r = fn({ a: 1, l: [{ b: 2 }] });
        should(typeof (r as any).then).equal('undefined');
    });
});

describe('compileMapping: conversions, default, required', function () {
    it('number: numeric text (with thousands separators) and numbers; other text fails', function () {
        const f = { n: { path: 'v', convert: 'number' } };
        should(ok(run(f, { v: ' 1,234.50 ' }))).eql({ n: 1234.5 });
        should(ok(run(f, { v: 7 }))).eql({ n: 7 });
        should(bad(run(f, { v: 'abc' }))).eql([{ field: 'n', source: 'v', reason: '"abc" is not a number' }]);
    });
    it('string: numbers, booleans and objects become text', function () {
        const f = { a: { path: 'a', convert: 'string' }, b: { path: 'b', convert: 'string' }, c: { path: 'c', convert: 'string' } };
        should(ok(run(f, { a: 12.5, b: false, c: { x: 1 } }))).eql({ a: '12.5', b: 'false', c: '{"x":1}' });
    });
    it('string: a whole number beyond 2^53 (a 19-digit platform id sent as a JSON number) fails instead of becoming text with other digits', function () {
        // JSON.parse has already rounded 3581234567890123456 to 3581234567890123300: written as text it names another goods id.
        const rec = JSON.parse('{"goods_id": 3581234567890123456, "spec_id": 9007199254740991, "sku": 12.5}');
        const f = { goods_id: { path: 'goods_id', convert: 'string' }, spec_id: { path: 'spec_id', convert: 'string' }, sku: { path: 'sku', convert: 'string' } };
        const errs = bad(run(f, rec));
        should(errs).have.length(1);
        should(errs[0]).match({ field: 'goods_id', source: 'goods_id' });
        should(errs[0].reason).match(/^3581234567890123\d* is a whole number beyond 2\^53: its last digits were lost/);
        should(ok(run({ spec_id: f.spec_id, sku: f.sku }, rec))).eql({ spec_id: '9007199254740991', sku: '12.5' });
    });
    it('string and templates: NaN or Infinity (a sum over a missing amount, made in a function node) and a rounded whole number beyond 2^53 fail the field naming its source, not written as the text "NaN" or another id', function () {
        const rec = JSON.parse('{"tid": 3581234567890123456, "shop": "S1"}');
        Object.assign(rec, { paid: NaN, lines: [{ amt: 12.5 }, { amt: Infinity }] });
        const f = {
            paid: { path: 'paid', convert: 'string' },
            no: { template: '{{shop}}-{{tid}}' },
            memo: { template: '实付 {{paid}} 元', default: '-' },
            L: { array: 'lines', fields: { amt: { template: '{{amt}}' } } },
        };
        should(bad(run(f, rec))).eql([
            { field: 'paid', source: 'paid', reason: 'NaN is not a number' },
            { field: 'no', source: 'tid', reason: '3581234567890123300 is a whole number beyond 2^53: its last digits were lost when the JSON was read (the source must send it as text)' },
            { field: 'memo', source: 'paid', reason: 'NaN is not a number' },
            { field: 'L[1].amt', source: 'lines[1].amt', reason: 'Infinity is not a number' },
        ]);
        // Numbers that read as they are still become text.
        should(ok(run(f, { tid: 9007199254740991, shop: 'S1', paid: 0.1 + 0.2, lines: [{ amt: 12.5 }] }))).eql({ paid: '0.3', no: 'S1-9007199254740991', memo: '实付 0.3 元', L: [{ amt: '12.5' }] });
    });
    it('boolean: true/false, 1/0, 是/否; other values fail', function () {
        const f = { b: { path: 'v', convert: 'boolean' } };
        should([true, 'true', '1', 1, '是', 'Y'].map((v) => ok(run(f, { v })).b)).eql([true, true, true, true, true, true]);
        should([false, 'false', '0', 0, '否', 'no'].map((v) => ok(run(f, { v })).b)).eql([false, false, false, false, false, false]);
        should(bad(run(f, { v: 'maybe' }))[0].reason).match(/is not a boolean/);
    });
    it('date / datetime / timestamp from China-time text, ms timestamps, /Date(ms)/; bad dates fail', function () {
        const f = { d: { path: 'v', convert: 'date' }, dt: { path: 'v', convert: 'datetime' }, ts: { path: 'v', convert: 'timestamp' } };
        // 2024-01-09 23:30:00 China time = 2024-01-09T15:30:00Z
        const ms = Date.UTC(2024, 0, 9, 15, 30, 0);
        for (const v of ['2024-01-09 23:30:00', ms, String(ms), `/Date(${ms})/`, `/Date(${ms}+0800)/`]) {
            should(ok(run(f, { v }))).eql({ d: '2024-01-09', dt: '2024-01-09 23:30:00', ts: ms });
        }
        should(ok(run(f, { v: '2024-01-09' }))).eql({ d: '2024-01-09', dt: '2024-01-09 00:00:00', ts: Date.UTC(2024, 0, 8, 16) });
        // Late evening UTC is already the next day in China.
        should(ok(run({ d: { path: 'v', convert: 'date' } }, { v: Date.UTC(2024, 0, 9, 17, 0, 0) }))).eql({ d: '2024-01-10' });
        should(bad(run(f, { v: '09/01/2024' })).map((e) => e.field)).eql(['d', 'dt', 'ts']);
    });
    it('"0000-00-00 00:00:00", WDT\'s and Jackyun\'s "no date" (an unpaid trade\'s pay_time), is empty: the field is left out, default and required apply', function () {
        const f = { d: { path: 'v', convert: 'date' }, dt: { path: 'v', convert: 'datetime' }, ts: { path: 'v', convert: 'timestamp' } };
        for (const v of ['0000-00-00 00:00:00', '0000-00-00', ' 0000-00-00 00:00:00 ', '0000-00-00T00:00:00']) should(ok(run(f, { v }))).eql({});
        should(ok(run({ d: { path: 'v', convert: 'datetime', default: '2024-01-01 00:00:00' } }, { v: '0000-00-00 00:00:00' }))).eql({ d: '2024-01-01 00:00:00' });
        should(bad(run({ d: { path: 'v', convert: 'date', required: true } }, { v: '0000-00-00 00:00:00' }))).eql([{ field: 'd', source: 'v', reason: 'is required (source is empty)' }]);
        // Any other date of year 0000 or month/day 00 is still no real date.
        should(bad(run(f, { v: '0000-00-00 10:00:00' })).map((e) => e.field)).eql(['d', 'dt', 'ts']);
        should(bad(run(f, { v: '2024-00-00' })).map((e) => e.field)).eql(['d', 'dt', 'ts']);
    });
    it('default applies to empty sources (undefined, null, ""), not to 0 or false', function () {
        const f = { a: { path: 'a', default: 'D' } };
        should([undefined, null, ''].map((a) => ok(run(f, { a })).a)).eql(['D', 'D', 'D']);
        should([0, false].map((a) => ok(run(f, { a })).a)).eql([0, false]);
    });
    it('required: an empty source without default fails naming field and source; inside arrays with the line index', function () {
        const f = { no: { path: 'tradeNo', required: true }, L: { array: 'goodsDetail', fields: { m: { path: 'goodsNo', required: true }, q: { path: 'sellCount', convert: 'number' } } } };
        const errs = bad(run(f, { goodsDetail: [{ goodsNo: 'G', sellCount: '1' }, { sellCount: 'x' }] }));
        should(errs).eql([
            { field: 'no', source: 'tradeNo', reason: 'is required (source is empty)' },
            { field: 'L[1].m', source: 'goodsDetail[1].goodsNo', reason: 'is required (source is empty)' },
            { field: 'L[1].q', source: 'goodsDetail[1].sellCount', reason: '"x" is not a number' },
        ]);
    });
});

describe('compileMapping: target schema', function () {
    const schema = {
        type: 'object',
        required: ['FBillNo', 'FEntity'],
        properties: {
            FBillNo: { type: 'string' },
            FCustomerID: { type: 'object', 'x-basedata': 'FNumber' },
            FBillTypeID: { type: 'object', 'x-basedata': 'FNUMBER' },
            FEntity: { type: 'array', minItems: 1, items: { type: 'object', required: ['FMaterialID'], properties: { FMaterialID: { type: 'object', 'x-basedata': 'FNumber' }, FQty: { type: 'number' } } } },
        },
    };
    it('wraps basic-data fields as {FNumber}/{FNUMBER}, but not values the rule already gives as objects', function () {
        const r = ok(run({ FBillNo: { path: 'no' }, FCustomerID: { const: { FNumber: 'C9' } }, FBillTypeID: { const: 'XSCKD01_SYS' }, FEntity: { array: 'l', fields: { FMaterialID: { path: 'g' } } } }, { no: 'B1', l: [{ g: 'M1' }] }, { schema }));
        should(r).eql({ FBillNo: 'B1', FCustomerID: { FNumber: 'C9' }, FBillTypeID: { FNUMBER: 'XSCKD01_SYS' }, FEntity: [{ FMaterialID: { FNumber: 'M1' } }] });
    });
    it('validation errors name the target field and the source path, with line indexes', function () {
        const errs = bad(run({ FBillNo: { path: 'no' }, FEntity: { array: 'lines', fields: { FMaterialID: { path: 'goodsNo' }, FQty: { path: 'qty' } } } }, { no: 5, lines: [{ goodsNo: 'G1', qty: 1 }, { qty: '2' }] }, { schema }));
        should(errs).containEql({ field: 'FBillNo', source: 'no', reason: 'must be string' });
        should(errs).containEql({ field: 'FEntity[1].FMaterialID', source: 'lines[1].goodsNo', reason: 'is required' });
        should(errs).containEql({ field: 'FEntity[1].FQty', source: 'lines[1].qty', reason: 'must be number' });
        should(errs).have.length(3);
    });
    it('a required field the mapping does not set is reported as not mapped', function () {
        should(bad(run({ FEntity: { const: [{ FMaterialID: { FNumber: 'x' } }] } }, {}, { schema }))).eql([{ field: 'FBillNo', source: '(not mapped)', reason: 'is required' }]);
    });
    it('an unknown target type is a compile error; getSpec-less schemas come from the option', function () {
        should(() => compileMapping({ target: 'no-such-node', fields: {} })).throw(/target "no-such-node" is not a known node type/);
    });
});

describe('compileMapping: safety', function () {
    const attempts: Array<[string, any]> = [
        ['path', { x: { path: '__proto__.polluted' } }],
        ['bracket path', { x: { path: "a['constructor']" } }],
        ['$root path', { x: { path: '$root.constructor.prototype' } }],
        ['template', { x: { template: 'a {{__proto__}}' } }],
        ['target field', JSON.parse('{"__proto__": {"path": "a"}}')],
        ['child target field', { L: { array: 'l', fields: JSON.parse('{"__proto__": {"const": 1}}') } }],
        ['array path', { L: { array: 'l.prototype', fields: {} } }],
        ['table path', { t: { table: {}, path: 'constructor' } }],
        ['lookup key', { x: { lookup: { key: 'a.__proto__', match: { a: 'b' }, return: 'c' } } }],
        // Node-RED reads a context key as a property expression: `a["__proto__"]` is a.__proto__, ` __proto__ ` trimmed.
        ['quoted lookup key', { x: { lookup: { key: 'orgs["__proto__"]', match: { a: 'b' }, return: 'c' } } }],
        ['single-quoted lookup key', { x: { lookup: { key: "orgs['constructor']", match: { a: 'b' }, return: 'c' } } }],
        ['spaced lookup key', { x: { lookup: { key: ' __proto__ ', match: { a: 'b' }, return: 'c' } } }],
        ['lookup return', { x: { lookup: { key: 'k', match: { a: 'b' }, return: '__proto__' } } }],
        ['lookup match', { x: { lookup: { key: 'k', match: { a: 'prototype' }, return: 'c' } } }],
    ];
    for (const [what, fields] of attempts) {
        it(`rejects __proto__/constructor/prototype in a ${what} at compile time`, function () {
            should(() => compileMapping({ fields })).throw(MappingCompileError).and.throw(/not allowed \(prototype pollution\)/);
            should(({} as any).polluted).be.undefined();
        });
    }
    it('a source carrying __proto__ keys cannot pollute, and the input is never mutated', function () {
        const src = JSON.parse('{"a": {"__proto__": {"polluted": 1}, "b": 2}, "l": [{"g": 1}]}');
        const before = JSON.stringify(src);
        const r = ok(run({ a: { path: 'a' }, L: { array: 'l', fields: { g: { path: 'g', convert: 'string' } } }, s: { template: '{{a}}' } }, src));
        should(JSON.stringify(src)).equal(before);
        should(r.L).not.equal(src.l);
        should(({} as any).polluted).be.undefined();
    });
    it('bad mappings are compile errors naming the field', function () {
        should(() => compileMapping({ fields: { a: { path: 'x', const: 1 } } } as any)).throw(/a: rule has several kinds/);
        should(() => compileMapping({ fields: { a: {} } } as any)).throw(/a: rule needs one of/);
        should(() => compileMapping({ fields: { a: { path: 'x', convert: 'money' } } } as any)).throw(/a: convert must be one of/);
        should(() => compileMapping('{nope')).throw(/not valid JSON/);
        should(() => compileMapping({ fields: { L: { array: 'l', fields: { b: { path: 'a..[' } } } } })).throw(/L\[\]\.b: path "a\.\.\[" is malformed/);
    });
    it('a mistyped rule option ("requried", "defualt", "required": "true") is a compile error naming the field, not a rule silently without it', function () {
        should(() => compileMapping({ fields: { FBillNo: { path: 'TradeNo', requried: true } } } as any)).throw('FBillNo: rule has an unknown property "requried" (a rule takes convert, default, required)');
        should(() => compileMapping({ fields: { L: { array: 'l', fields: { rate: { path: 'r', defualt: 13 } } } } } as any)).throw(/^L\[\]\.rate: rule has an unknown property "defualt"/);
        should(() => compileMapping({ fields: { FBillNo: { path: 'TradeNo', required: 'true' } } } as any)).throw('FBillNo: required must be true or false (got "true")');
        // What the editor writes stays valid: a table's own path, and the child fields an array rule left when its kind changed.
        should(ok(run({ a: { table: { x: 'X' }, path: 'p', default: 'D', required: false }, b: { path: 'p', fields: {}, convert: 'string' } }, { p: 'x' }))).eql({ a: 'X', b: 'x' });
    });
    it('a value table or lookup given as text (the editor keeps a table typed with a JSON mistake as typed) is refused naming the field and the text', function () {
        should(() => compileMapping({ fields: { c: { table: '{"1001": "C1",}', path: 'shop' } } } as any)).throw('c: table must be a JSON object of source value → target value (got text "{\\"1001\\": \\"C1\\",}")');
        should(() => compileMapping({ fields: { o: { lookup: '{"key": "orgs"' } } } as any)).throw(/^o: lookup must be a JSON object \(got text /);
    });
    it('a source that is not an object fails cleanly', function () {
        should(bad(run({ a: { path: 'a' } }, 'text'))).eql([{ field: '(root)', source: '(input)', reason: 'source record must be an object' }]);
    });
});

describe('compileMapping: seed scenarios (test/mapper/fixtures)', function () {
    const specs: Record<string, any> = { 'wdt-wms-cancel': (wdtWmsCancel as any).spec, 'jingcheng-recv': (jingchengRecv as any).spec };
    for (const n of [0, 1, 2, 3, 4]) {
        const fx = fixture(n);
        it(fx.name, async function () {
            const spec = fx.mapping.target ? specs[fx.mapping.target] : undefined;
            const schema = fx.schema ?? (spec && (spec.kind === 'write' ? spec.recordSchema : spec.requestSchema));
            should(schema).be.ok();
            const fn = compileMapping(fx.mapping, { schema });
            const before = JSON.stringify(fx.source);
            const ctx = { getContext: (store: 'flow' | 'global', key: string) => (fx.context as any)?.[store]?.[key] };
            const r = await fn(fx.source, ctx);
            should(ok(r)).eql(fx.expected);
            should(JSON.stringify(fx.source)).equal(before);
        });
    }
    it('seed 000: a trade whose second line has no goodsNo and a bad count fails naming FEntity[1]', function () {
        const fx = fixture(0);
        const src = JSON.parse(JSON.stringify(fx.source));
        delete src.goodsDetail[1].goodsNo;
        src.goodsDetail[2].sellCount = '三';
        const errs = bad(compileMapping(fx.mapping, { schema: fx.schema })(src) as MapResult);
        should(errs).eql([
            { field: 'FEntity[1].FMaterialID', source: 'goodsDetail[1].goodsNo', reason: 'is required (source is empty)' },
            { field: 'FEntity[2].FRealQty', source: 'goodsDetail[2].sellCount', reason: '"三" is not a number' },
        ]);
    });
    it('seed 001 against the wdt-wms-cancel schema: an unknown order type from the table fails validation', function () {
        const fx = fixture(1);
        const fields = { ...fx.mapping.fields, orderType: { table: { TLSQD01_SYS: 'XXXX' }, path: 'FBillTypeID', default: 'NOPE' } };
        const errs = bad(compileMapping({ fields }, { schema: (wdtWmsCancel as any).spec.recordSchema })(fx.source) as MapResult);
        should(errs).have.length(1);
        should(errs[0]).match({ field: 'orderType', source: 'FBillTypeID', reason: /must be one of/ });
    });
});

describe('compileMapping: reviewed defects (issue 7)', function () {
    it('(a) a table rule reads its own path: conversion applies to the table value, in array lines too, $root reaches the parent', function () {
        const fields = {
            n: { table: { A: '5', B: '7' }, path: 'k', convert: 'number' },
            L: { array: 'l', fields: { t: { table: { X: 'x1' }, path: 'code', default: 'x0' }, p: { table: { A: 'pa' }, path: '$root.k' } } },
        };
        should(ok(run(fields, { k: 'A', l: [{ code: 'X' }, { code: 'Y' }] }))).eql({ n: 5, L: [{ t: 'x1', p: 'pa' }, { t: 'x0', p: 'pa' }] });
        // The failing line is named with its index; the $root source is not prefixed by the line.
        should(bad(run({ L: { array: 'l', fields: { p: { table: { A: 'pa' }, path: '$root.k' } } } }, { k: 'Q', l: [{}] }))).eql([
            { field: 'L[0].p', source: '$root.k', reason: '"Q" is not in the value table' },
        ]);
    });

    it('(a) a table rule over an object or list source fails the record (no match on "[object Object]" or "a,b")', function () {
        const fields = { t: { table: { '[object Object]': 'O', 'a,b': 'AB' }, path: 'k', default: 'D' } };
        should(bad(run(fields, { k: {} }))).eql([{ field: 't', source: 'k', reason: '{} is not a single value for the value table' }]);
        should(bad(run(fields, { k: ['a', 'b'] }))).eql([{ field: 't', source: 'k', reason: '["a","b"] is not a single value for the value table' }]);
        should(ok(run(fields, { k: 1 }))).eql({ t: 'D' });
    });

    it('(b) lookup: a collection changed in place between calls is seen (the index is kept per context object)', async function () {
        const coll: any[] = [{ FNumber: 'A1', FUseOrgId: 101 }];
        const fn = compileMapping({ fields: { org: { lookup: { key: 'accts', match: { FNumber: 'acct' }, return: 'FUseOrgId' } } } });
        const ctx = () => ({ getContext: () => coll });
        should(ok(await fn({ acct: 'A1' }, ctx()))).eql({ org: 101 });
        coll.push({ FNumber: 'A2', FUseOrgId: 102 });
        coll[0].FUseOrgId = 111;
        should(ok(await fn({ acct: 'A2' }, ctx()))).eql({ org: 102 });
        should(ok(await fn({ acct: 'A1' }, ctx()))).eql({ org: 111 });
        coll.splice(0, 1);
        should(bad(await fn({ acct: 'A1' }, ctx()))[0].reason).equal('no match in flow.accts where FNumber="A1"');
    });

    it('(c) output records share no object with the input, the mapping or the context collection', async function () {
        const src = { a: { x: 1 }, tags: ['t1'], l: [{ o: { y: 1 } }], k: 'k' };
        const before = JSON.stringify(src);
        const coll = [{ n: 'k', v: { deep: 1 } }];
        const mapping = {
            fields: {
                a: { path: 'a' },
                tags: { path: 'tags' },
                L: { array: 'l', fields: { o: { path: 'o' } } },
                d: { path: 'none', default: { z: 1 } },
                t: { table: { k: { q: 1 } }, path: 'k' },
                c: { const: { w: [1] } },
            },
        };
        const fn = compileMapping(mapping);
        const r1 = ok(fn(src) as MapResult) as any;
        should(r1.a).not.equal(src.a);
        should(r1.tags).not.equal(src.tags);
        should(r1.L[0].o).not.equal(src.l[0].o);
        // Mutating one output changes neither the input nor the next output.
        r1.a.x = 9; r1.tags.push('t2'); r1.L[0].o.y = 9; r1.d.z = 9; r1.t.q = 9; r1.c.w.push(2);
        should(JSON.stringify(src)).equal(before);
        should(ok(fn(src) as MapResult)).eql({ a: { x: 1 }, tags: ['t1'], L: [{ o: { y: 1 } }], d: { z: 1 }, t: { q: 1 }, c: { w: [1] } });
        const j = ok(await compileMapping({ fields: { a: { jsonata: 'a' }, v: { lookup: { key: 'c', match: { n: 'k' }, return: 'v' } } } })(src, { getContext: () => coll })) as any;
        should(j).eql({ a: { x: 1 }, v: { deep: 1 } });
        j.a.x = 5; j.v.deep = 5;
        should(JSON.stringify(src)).equal(before);
        should(coll[0].v).eql({ deep: 1 });
    });

    it('(d) __proto__/constructor/prototype keys inside constants, defaults and value tables are refused at compile time', function () {
        const attempts = [
            '{"c": {"const": {"__proto__": {"polluted": 1}}}}',
            '{"c": {"const": [{"a": {"__proto__": {"polluted": 1}}}]}}',
            '{"c": {"path": "a", "default": {"__proto__": {"polluted": 1}}}}',
            '{"c": {"table": {"__proto__": "X"}, "path": "k"}}',
            '{"c": {"table": {"A": {"constructor": {"prototype": {"polluted": 1}}}}, "path": "k"}}',
            '{"L": {"array": "l", "fields": {"c": {"const": {"__proto__": 1}}}}}',
        ];
        for (const text of attempts) {
            should(() => compileMapping({ fields: JSON.parse(text) })).throw(MappingCompileError).and.throw(/not allowed \(prototype pollution\)/);
        }
        should(({} as any).polluted).be.undefined();
    });

    it('(e) an array rule over text or a number fails the record; an empty source leaves the field out; one object is one line', function () {
        const fields = { L: { array: 'l', fields: { a: { path: 'a' } } } };
        should(bad(run(fields, { l: 'abc' }))).eql([{ field: 'L', source: 'l', reason: '"abc" is not a list' }]);
        should(bad(run({ X: { array: 'x', fields: { L: { array: 'l', fields: {} } } } }, { x: [{ l: [] }, { l: 5 }] }))).eql([
            { field: 'X[1].L', source: 'x[1].l', reason: '5 is not a list' },
        ]);
        should(ok(run(fields, {}))).eql({});
        should(ok(run(fields, { l: null }))).eql({});
        should(ok(run(fields, { l: [] }))).eql({ L: [] });
        should(ok(run(fields, { l: { a: 1 } }))).eql({ L: [{ a: 1 }] });
        should(bad(run({ L: { array: 'l', required: true, fields: {} } }, { l: [] }))).eql([{ field: 'L', source: 'l', reason: 'is required (source is empty)' }]);
    });

    it('an array rule over an object keyed "0", "1"… (a PHP list with gaps, as json_encode writes it) maps each of its lines, not the object as one empty line', function () {
        const fields = { FEntity: { array: 'goodsDetail', fields: { FMaterialID: { path: 'goodsNo' }, FRealQty: { path: 'qty', convert: 'number' }, FStockID: { const: 'CK01' }, no: { path: '$root.no' } } } };
        // [{goodsNo: G1}, {goodsNo: G2}, {goodsNo: G3}] with the second filtered out before json_encode.
        should(ok(run(fields, { no: 'T1', goodsDetail: { 0: { goodsNo: 'G1', qty: '2' }, 2: { goodsNo: 'G3', qty: '5' } } }))).eql({
            FEntity: [
                { FMaterialID: 'G1', FRealQty: 2, FStockID: 'CK01', no: 'T1' },
                { FMaterialID: 'G3', FRealQty: 5, FStockID: 'CK01', no: 'T1' },
            ],
        });
        // Counted from 1, as a PHP list built by hand often is: in the order of its keys.
        should(ok(run(fields, { no: 'T1', goodsDetail: { 2: { goodsNo: 'G2' }, 1: { goodsNo: 'G1' } } })).FEntity).eql([
            { FMaterialID: 'G1', FStockID: 'CK01', no: 'T1' },
            { FMaterialID: 'G2', FStockID: 'CK01', no: 'T1' },
        ]);
        // A single line given as an object stays one line, an empty one too; a line keyed by other names is no list.
        should(ok(run(fields, { no: 'T1', goodsDetail: { goodsNo: 'G1', 0: 'x' } })).FEntity).eql([{ FMaterialID: 'G1', FStockID: 'CK01', no: 'T1' }]);
        should(ok(run(fields, { no: 'T1', goodsDetail: {} })).FEntity).eql([{ FStockID: 'CK01', no: 'T1' }]);
        // Without gaps, as the path rule reads it: lines[1] is the line the array rule maps second.
        should(ok(run({ L: { array: 'l', fields: { a: { path: 'a' } } }, b: { path: 'l[1].a' } }, { l: { 0: { a: 1 }, 1: { a: 2 } } }))).eql({ L: [{ a: 1 }, { a: 2 }], b: 2 });
    });

    it('dates: China time whatever the host zone; /Date(ms±zzzz)/ is an instant; impossible dates and times fail naming the field', function () {
        const tz = process.env.TZ;
        process.env.TZ = 'America/Los_Angeles';
        try {
            const f = { dt: { path: 'v', convert: 'datetime' } };
            should(ok(run(f, { v: '2024-01-09 23:30:00' }))).eql({ dt: '2024-01-09 23:30:00' });
            should(ok(run({ ts: { path: 'v', convert: 'timestamp' } }, { v: '2024-01-09 23:30:00' }))).eql({ ts: Date.UTC(2024, 0, 9, 15, 30) });
            // The offset of a .NET date is display information: the ms are already UTC.
            should(ok(run(f, { v: '/Date(1704814200000-0500)/' }))).eql({ dt: '2024-01-09 23:30:00' });
            should(ok(run(f, { v: '/Date(-28800000)/' }))).eql({ dt: '1970-01-01 00:00:00' });
            should(ok(run(f, { v: '2024-01-09T15:30:00Z' }))).eql({ dt: '2024-01-09 23:30:00' });
            should(ok(run({ d: { path: 'v', convert: 'date' } }, { v: '2024-02-29' }))).eql({ d: '2024-02-29' });
            for (const v of ['2024-02-30 10:00:00', '2023-02-29', '2024-13-01', '2024-01-09 24:00:00', '2024-01-09 23:60:00', 1e15, '/Date(abc)/']) {
                const errs = bad(run({ FDate: { path: 'v', convert: 'date' } }, { v }));
                should(errs).have.length(1);
                should(errs[0]).match({ field: 'FDate', source: 'v', reason: /is not a date/ });
            }
        } finally {
            if (tz === undefined) delete process.env.TZ;
            else process.env.TZ = tz;
        }
    });
});

describe('compileMapping: generated code', function () {
    it('compiles once: changing the mapping object after compiling changes nothing', function () {
        const mapping: any = { fields: { c: { const: { k: 1 } }, t: { table: { A: { n: 1 } }, path: 'a', default: { n: 0 } }, p: { path: 'a' } } };
        const fn = compileMapping(mapping);
        mapping.fields.c.const.k = 2;
        mapping.fields.t.table.A.n = 2;
        mapping.fields.t.default.n = 2;
        mapping.fields.p.path = 'b';
        should(ok(fn({ a: 'A', b: 'B' }) as MapResult)).eql({ c: { k: 1 }, t: { n: 1 }, p: 'A' });
        should(ok(fn({ a: 'Z' }) as MapResult)).eql({ c: { k: 1 }, t: { n: 0 }, p: 'Z' });
    });

    it('names that look like code stay names: quotes, backslashes, line separators and */ in fields, paths and templates', function () {
        const odd = ['a"b', "a'b", 'a\\b', 'x\u2028y', 'x\u2029y', 'n\nl', '*/ ); throw 1; //', '${1}', '`', '"+(globalThis.x = 1)+"'.replace('.', '_')];
        const fields: Record<string, any> = {};
        const src: Record<string, any> = { plain: 'P' };
        odd.forEach((name, i) => {
            src[name] = `v${i}`;
            fields[name] = { path: name };
            // A template path cannot hold braces (they end the {{…}}); the text around it can.
            fields[`t${i}`] = { template: `<${name}>{{${name.includes('}') ? 'plain' : name}}}` };
            fields[`k${i}`] = { const: name };
        });
        const r = ok(run(fields, src)) as Record<string, unknown>;
        odd.forEach((name, i) => {
            should(r[name]).equal(`v${i}`);
            should(r[`t${i}`]).equal(name.includes('}') ? `<${name}>P` : `<${name}>v${i}`);
            should(r[`k${i}`]).equal(name);
        });
        should(Object.keys(r)).have.length(odd.length * 3);
        should((globalThis as any).x).be.undefined();
    });

    it('date from compact yyyyMMdd / yyyyMMddHHmmss text (China time), not a moment of 1970', function () {
        const f = { d: { path: 'v', convert: 'date' }, dt: { path: 'v', convert: 'datetime' } };
        should(ok(run(f, { v: '20240105' }))).eql({ d: '2024-01-05', dt: '2024-01-05 00:00:00' });
        should(ok(run(f, { v: '20240105103000' }))).eql({ d: '2024-01-05', dt: '2024-01-05 10:30:00' });
        should(bad(run(f, { v: '20240230' }))[0].reason).match(/is not a date/);
        // the same digits as a number
        should(ok(run(f, { v: 20240105 }))).eql({ d: '2024-01-05', dt: '2024-01-05 00:00:00' });
        should(ok(run(f, { v: 20240105103000 }))).eql({ d: '2024-01-05', dt: '2024-01-05 10:30:00' });
        should(bad(run(f, { v: 20240230 }))[0].reason).match(/is not a date/);
    });

    it('number conversion: zero, blank and signed texts', function () {
        const f = { n: { path: 'v', convert: 'number' } };
        should(['0', ' 0 ', '-0.5', '1e3', '+7'].map((v) => ok(run(f, { v })).n)).eql([0, 0, -0.5, 1000, 7]);
        for (const v of ['  ', 'NaN', 'Infinity', '1.2.3', '0x10', '0b11', '0o7', '1,5', '12,34,56', ',', '1,2345', '1234,567']) should(bad(run(f, { v }))[0].reason).endWith('is not a number');
        should(['1,234', '-12,345.6', '1,234,567'].map((v) => ok(run(f, { v })).n)).eql([1234, -12345.6, 1234567]);
        should(bad(run(f, { v: Infinity }))[0].reason).equal('Infinity is not a number');
    });

    it('a 19-digit id read as text (as vendor answers now give it) passes convert string unchanged; convert number fails it instead of rounding it to another id', function () {
        const rec = { id: '1234567890123456789', neg: '-9007199254740993', big: '1,234,567,890,123,456,789', safe: '9007199254740991', sci: '1e20', frac: '12345678901234567.5' };
        should(ok(run({ s: { path: 'id', convert: 'string' } }, rec))).eql({ s: '1234567890123456789' });
        for (const k of ['id', 'neg', 'big']) {
            const errs = bad(run({ n: { path: k, convert: 'number' } }, rec));
            should(errs).eql([{ field: 'n', source: k, reason: `${JSON.stringify(rec[k as keyof typeof rec])} is a whole number beyond 2^53: as a number it would lose its last digits (leave convert off to write it as text)` }]);
        }
        // Up to 2^53 - 1, and written as an exponent or with a fraction, text is still converted.
        should(ok(run({ a: { path: 'safe', convert: 'number' }, b: { path: 'sci', convert: 'number' }, c: { path: 'frac', convert: 'number' } }, rec))).eql({ a: 9007199254740991, b: 1e20, c: 12345678901234567.5 });
    });

    it('a mapping given as JSON text keeps a whole number beyond 2^53 (a Java long id) in a constant, a value table and a default as its exact text; a number-only field refuses it naming the field', function () {
        // JSON.parse read 1234567890123456789 as 1234567890123456800: the record named another bill, customer or org.
        const text =
            '{"fields": {"id": {"const": 1234567890123456789}, "org": {"table": {"1001": 9007199254740993, "1002": -1234567890123456789, "1003": 12}, "path": "shop"},' +
            ' "cust": {"path": "c", "default": 1234567890123456791}, "small": {"const": 9007199254740991}, "list": {"const": [12345678901234567890, 1.5]}, "note": {"const": "no 12345678901234567890"}}}';
        const fn = compileMapping(text);
        should(ok(fn({ shop: '1001' }) as MapResult)).eql({ id: '1234567890123456789', org: '9007199254740993', cust: '1234567890123456791', small: 9007199254740991, list: ['12345678901234567890', 1.5], note: 'no 12345678901234567890' });
        should(ok(fn({ shop: '1002' }) as MapResult).org).equal('-1234567890123456789');
        should(ok(fn({ shop: '1003' }) as MapResult).org).equal(12);
        const qty = compileMapping('{"fields": {"qty": {"const": 1234567890123456789}}}', { schema: { type: 'object', properties: { qty: { type: 'number' } } } });
        should(bad(qty({}) as MapResult)).eql([{ field: 'qty', source: '(const)', reason: 'must be number' }]);
    });
});

describe('compileMapping: validation inside nested arrays', function () {
    it('a schema error two arrays deep names both line indexes in the field and the full source path', function () {
        const schema = { type: 'object', properties: { L: { type: 'array', items: { type: 'object', properties: { S: { type: 'array', items: { type: 'object', properties: { q: { type: 'number' } } } } } } } } };
        const fields = { L: { array: 'lines', fields: { S: { array: 'subs', fields: { q: { path: 'qty' } } } } } };
        const errs = bad(run(fields, { lines: [{ subs: [{ qty: 1 }] }, { subs: [{ qty: 2 }, { qty: 'x' }] }] }, { schema }));
        should(errs).eql([{ field: 'L[1].S[1].q', source: 'lines[1].subs[1].qty', reason: 'must be number' }]);
    });
});

// dist/test/mapper → the mapper's js in the build, its catalogs beside it (the core's texts merged in).
const mapperJs = path.resolve(__dirname, '..', '..', 'nodes', 'mapper', 'erp-mapper.js');
const catalog = (lang: string) => JSON.parse(fs.readFileSync(path.join(path.dirname(mapperJs), 'locales', lang, 'erp-mapper.json'), 'utf8'));
const lookup = (c: any, key: string) => key.split('.').reduce<any>((o, k) => (o && typeof o === 'object' ? o[k] : undefined), c);
const zh = catalog('zh-CN');
/** RED._ of a Node-RED running in zh-CN, as the mapper's translator uses it. */
const inChinese = translator({ _: (key: string, vars: Record<string, unknown> = {}) => String(lookup(zh, key) ?? key).replace(/__(\w+)__/g, (w: string, n: string) => (n in vars ? String(vars[n]) : w)) } as any, mapperJs);
const inEnglish = english(mapperJs);

describe('compileMapping: each reason also as a text of the catalog, for the user\'s language', function () {
    const chinese = (errors: MappingError[]) => errors.map((e) => `${e.field} ← ${e.source}: ${e.text ? inChinese(e.text.key, e.text.vars) : e.reason}`);

    /** A failure of every kind the mapping decides (the target schema's come from core/validate). */
    async function everyFailure(): Promise<MappingError[]> {
        const schema = { type: 'object', required: ['FBillNo'], properties: { FBillNo: { type: 'string' }, FName: { type: 'string', maxLength: 3 }, FKind: { enum: ['A', 'B'] } } };
        const fields: Record<string, any> = {
            req: { path: 'none', required: true },
            num: { path: 'text', convert: 'number' },
            big: { path: 'bigText', convert: 'number' },
            lost: { path: 'bigNumber', convert: 'string' },
            bool: { path: 'text', convert: 'boolean' },
            date: { path: 'text', convert: 'date' },
            table: { table: { A: 1 }, path: 'text' },
            single: { table: { A: 1 }, path: 'obj' },
            list: { array: 'text', fields: {} },
            js: { jsonata: '$error("nope")' },
            noMatch: { lookup: { key: 'accts', match: { FNumber: 'text' }, return: 'FUseOrgId' } },
            noReturn: { lookup: { key: 'accts', match: { FNumber: 'acct' }, return: 'FUseOrgId' } },
            noColl: { lookup: { store: 'global', key: 'none', match: { FNumber: 'acct' }, return: 'FUseOrgId' } },
            FName: { path: 'text' },
            FKind: { const: 'C' },
        };
        const ctx = { getContext: (store: string, key: string) => (store === 'flow' && key === 'accts' ? [{ FNumber: 'A1' }] : undefined) };
        const fn = compileMapping({ fields }, { schema, validate: false });
        const rec = { text: 'abcd', bigText: '12345678901234567890', bigNumber: 12345678901234567890, obj: { a: 1 }, acct: 'A1' };
        const mapped = errorsOf(await fn(rec, ctx));
        const validated = errorsOf(await compileMapping({ fields: { FName: { path: 'text' }, FKind: { const: 'C' } } }, { schema })(rec));
        return [...mapped, ...validated, ...errorsOf(await fn('text', ctx))];
    }

    it('in a zh-CN runtime or editor: a required field left empty, a conversion, a value table, a list, a lookup, JSONata and the target schema read in Chinese, the values quoted from the record as they are', async function () {
        should(chinese(await everyFailure())).eql([
            'req ← none: 必填（源为空）',
            'num ← text: "abcd" 不是数字',
            'big ← bigText: "12345678901234567890" 是超过 2^53 的整数：转成数字会丢失末几位（不设 convert 即按文本写入）',
            'lost ← bigNumber: 12345678901234567000 是超过 2^53 的整数：读取 JSON 时末几位已丢失（源数据须以文本发送）',
            'bool ← text: "abcd" 不是布尔值（true/false、1/0、是/否）',
            'date ← text: "abcd" 不是日期：可用 yyyy-MM-dd、yyyy-MM-dd HH:mm:ss、毫秒时间戳或 /Date(ms)/',
            'table ← text: "abcd" 不在值对照表中',
            'single ← obj: {"a":1} 不是单个值，无法按值对照表转换',
            'list ← text: "abcd" 不是列表',
            'js ← (jsonata $error("nope")): JSONata 执行失败：nope',
            'noMatch ← text: flow.accts 中找不到 FNumber="abcd" 的项',
            'noReturn ← acct: flow.accts 中有 FNumber="A1" 的项，但它没有 FUseOrgId',
            'noColl ← acct: global 上下文 “none” 中没有集合',
            'FBillNo ← (not mapped): 必填',
            'FName ← text: 不能超过 3 个字符',
            'FKind ← (const): 须为以下之一："A", "B"',
            '(root) ← (input): 源记录须为对象',
        ]);
    });

    it('the English reasons as before, and each text says in English exactly what its reason says', async function () {
        const errors = await everyFailure();
        should(errors.map((e) => e.reason)).eql([
            'is required (source is empty)',
            '"abcd" is not a number',
            '"12345678901234567890" is a whole number beyond 2^53: as a number it would lose its last digits (leave convert off to write it as text)',
            '12345678901234567000 is a whole number beyond 2^53: its last digits were lost when the JSON was read (the source must send it as text)',
            '"abcd" is not a boolean (true/false, 1/0, 是/否)',
            '"abcd" is not a date (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, ms timestamp or /Date(ms)/)',
            '"abcd" is not in the value table',
            '{"a":1} is not a single value for the value table',
            '"abcd" is not a list',
            'JSONata failed: nope',
            'no match in flow.accts where FNumber="abcd"',
            'flow.accts has FNumber="A1" but no FUseOrgId',
            'global context "none" holds no collection',
            'is required',
            'must NOT have more than 3 characters',
            'must be one of "A", "B"',
            'source record must be an object',
        ]);
        for (const e of errors) should(inEnglish(e.text!.key, e.text!.vars)).equal(e.reason);
        // The catalogs hold every reason, en-US in the very words of the code's.
        for (const [name, text] of Object.entries(REASON_TEXTS)) {
            should(lookup(catalog('en-US'), `erp-mapper.reason.${name}`)).equal(text);
            should(lookup(zh, `erp-mapper.reason.${name}`)).match(/[\u4e00-\u9fff]/);
        }
    });
});

describe('compileMapping: a mapping that does not compile says why also as a text of the catalog, for the user\'s language', function () {
    /** The compile error of `mapping` (with `options`). */
    function refusal(mapping: unknown, options = {}): MappingCompileError {
        try {
            compileMapping(mapping as any, options);
        } catch (err) {
            if (err instanceof MappingCompileError) return err;
            throw err;
        }
        throw new Error('the mapping compiled');
    }
    const field = (name: string, reason: unknown) => ({ key: 'erp-mapper.error.field', vars: { field: name, reason } });

    it('a bad path, a rule of no known kind, an unknown option, bad JSONata, lookup settings, a forbidden name, an unknown target, no JSON: the text names the reason and its values; the message is the English as before; in zh-CN it reads in Chinese', function () {
        const cases: Array<[unknown, object, unknown, string, string]> = [
            [
                { fields: { L: { array: 'l', fields: { b: { path: 'a..[' } } } } },
                {},
                field('L[].b', { key: 'erp-mapper.compile.pathMalformed', vars: { path: 'a..[' } }),
                'L[].b: path "a..[" is malformed',
                'L[].b：路径 “a..[” 格式有误',
            ],
            [
                { fields: { a: { colum: 'x' } } },
                {},
                field('a', { key: 'erp-mapper.compile.ruleNoKind', vars: { kinds: 'const, path, template, array, table, lookup, jsonata' } }),
                'a: rule needs one of const, path, template, array, table, lookup, jsonata',
                'a：规则须含以下之一：const, path, template, array, table, lookup, jsonata',
            ],
            [
                { fields: { FBillNo: { path: 'TradeNo', requried: true } } },
                {},
                field('FBillNo', { key: 'erp-mapper.compile.unknownOption', vars: { name: 'requried' } }),
                'FBillNo: rule has an unknown property "requried" (a rule takes convert, default, required)',
                'FBillNo：规则有未知属性 “requried”：规则可带 convert、default、required',
            ],
            [
                { fields: { total: { jsonata: '$sum(' } } },
                {},
                field('total', { key: 'erp-mapper.compile.jsonataBad', vars: { error: 'Expected ")" before end of expression' } }),
                'total: JSONata: Expected ")" before end of expression',
                'total：JSONata 表达式有误：Expected ")" before end of expression',
            ],
            [
                { fields: { org: { lookup: { store: 'flow', contextStore: 'my store', key: 'orgs', match: { FNumber: 'shop' }, return: 'FOrgID' } } } },
                {},
                field('org', { key: 'erp-mapper.compile.lookupContextStore' }),
                'org: lookup.contextStore must be the name of a context store of settings.js (letters, digits, _ and -), or left out for the default store',
                'org：lookup.contextStore 须为 settings.js 中定义的上下文存储名称（字母、数字、_ 和 -），或省略以使用默认存储',
            ],
            [
                { fields: { org: { lookup: { store: 'session', key: 'orgs', match: { FNumber: 'shop' }, return: 'FOrgID' } } } },
                {},
                field('org', { key: 'erp-mapper.compile.lookupStore' }),
                'org: lookup.store must be "flow" or "global"',
                'org：lookup.store 须为 flow 或 global',
            ],
            [
                { fields: { x: { path: '__proto__.y' } } },
                {},
                field('x', { key: 'erp-mapper.compile.forbidden', vars: { where: { key: 'erp-mapper.compile.where.path', vars: { path: '__proto__.y' } }, name: '__proto__' } }),
                'x: path "__proto__.y": "__proto__" is not allowed (prototype pollution)',
                'x：路径 “__proto__.y”：不允许使用 “__proto__”（防止原型污染）',
            ],
            [{ fields: {} }, { target: 'no-such-node' }, { key: 'erp-mapper.compile.unknownTarget', vars: { target: 'no-such-node' } }, 'target "no-such-node" is not a known node type', '目标 “no-such-node” 不是已知的节点类型'],
        ];
        for (const [mapping, options, text, message, chinese] of cases) {
            const err = refusal(mapping, options);
            should(err.text).eql(text);
            should(err.message).equal(message);
            should(inChinese(err.text.key, err.text.vars)).equal(chinese);
        }
        // JSON's parser says why in its own words (in English), within the sentence.
        const json = refusal('{nope');
        const parser = String(json.text.vars?.error);
        should(json.text).eql({ key: 'erp-mapper.compile.notJson', vars: { error: parser } });
        should(json.message).equal(`mapping is not valid JSON: ${parser}`);
        should(inChinese(json.text.key, json.text.vars)).equal(`映射不是有效的 JSON：${parser}`);
    });

    it('the catalogs hold every compile text: zh-CN in Chinese, with the placeholders of the en-US one', function () {
        const leaves = (o: any, prefix: string): Array<[string, string]> => Object.entries(o).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}.${k}`, v] as [string, string]] : leaves(v, `${prefix}.${k}`)));
        const placeholders = (t: string) => (t.match(/__\w+__/g) ?? []).sort();
        const en = leaves(catalog('en-US')['erp-mapper'].compile, 'erp-mapper.compile');
        should(en.length).be.above(20);
        for (const [key, text] of en) {
            const other = lookup(zh, key);
            should(other).match(/[\u4e00-\u9fff]/, `${key}: no Chinese`);
            should(placeholders(other)).eql(placeholders(text), key);
        }
    });
});
