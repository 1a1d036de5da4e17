import fs from 'fs';
import path from 'path';
import should from 'should';
import { compileRecordSchema, compileParamsSchema, describeErrors, formatErrors, toEpochMs, toEpochEndMs, chinaTime, parseChinaTime } from '../../nodes/core';
import { english, translator } from '../../nodes/core/i18n';

describe('core/validate: messages name the field and the rule', () => {
    const schema = {
        type: 'object',
        required: ['FormId', 'FEntity'],
        properties: {
            FormId: { type: 'string', minLength: 1 },
            Limit: { type: 'integer', maximum: 2000 },
            Mode: { enum: ['a', 'b'] },
            FEntity: { type: 'array', items: { type: 'object', required: ['FMaterialID'], properties: { FMaterialID: { type: 'object' } } } },
        },
    };

    it('reports missing fields by name, nested ones with their index', () => {
        const v = compileRecordSchema(schema);
        should(v({ FEntity: [{}, { FMaterialID: {} }] })).be.false();
        const text = formatErrors(describeErrors(v.errors));
        should(text).match(/FormId: is required/);
        should(text).match(/FEntity\[0\]\.FMaterialID: is required/);
    });

    it('reports wrong types and enums with the allowed values, prefixed by the record position', () => {
        const v = compileRecordSchema(schema);
        should(v({ FormId: 7, FEntity: [], Mode: 'c' })).be.false();
        const text = formatErrors(describeErrors(v.errors, 'payload[3]'));
        should(text).match(/payload\[3\]\.FormId: must be string/);
        should(text).match(/payload\[3\]\.Mode: must be one of "a", "b"/);
    });

    it('coerces parameter text from the editor and fills defaults, records are not coerced', () => {
        const p = compileParamsSchema({ type: 'object', properties: { Limit: { type: 'integer', default: 100 }, Top: { type: 'integer' } } });
        const params: Record<string, unknown> = { Top: '20' };
        should(p(params)).be.true();
        should(params).eql({ Top: 20, Limit: 100 });
        const r = compileRecordSchema({ type: 'object', properties: { Top: { type: 'integer' } } });
        should(r({ Top: '20' })).be.false();
    });
});

describe('core/validate: each common rule broken also as a text of the core catalog, for the user\'s language', () => {
    // test/core → the source tree's core catalog (the build merges it into every node set's).
    const zhCatalog = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'nodes', 'core', 'locales', 'zh-CN', 'runtime.json'), 'utf8'));
    const lookup = (key: string) => key.split('.').reduce<any>((o, k) => (o && typeof o === 'object' ? o[k] : undefined), zhCatalog);
    const inChinese = translator({ _: (key: string, vars: Record<string, unknown> = {}) => String(lookup(key) ?? key).replace(/__(\w+)__/g, (w: string, n: string) => (n in vars ? String(vars[n]) : w)) } as any);
    const inEnglish = english();
    const schema = {
        type: 'object',
        required: ['FBillNo', 'Lines'],
        additionalProperties: false,
        properties: {
            FBillNo: { type: 'string', maxLength: 5 },
            Code: { type: 'string', minLength: 2, pattern: '^[A-Z]+$' },
            Name: { type: 'string', pattern: '\\S', 'x-pattern-reason': 'must not be blank' },
            Other: { type: 'string', pattern: '^x', 'x-pattern-reason': 'must start with x' },
            Qty: { type: ['string', 'number'], minimum: 1, maximum: 9 },
            Rate: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
            Kind: { enum: ['a', 'b'] },
            Type: { enum: [0, '0', 1, '1'] },
            Lines: { type: 'array', minItems: 1, maxItems: 2 },
            Either: { anyOf: [{ type: 'string' }, { type: 'number' }] },
        },
    };
    const errorsOf = (record: unknown) => {
        const v = compileRecordSchema(schema);
        should(v(record)).be.false();
        return describeErrors(v.errors);
    };
    const shown = (record: unknown) => errorsOf(record).map((e) => `${e.field}: ${e.text ? inChinese(e.text.key, e.text.vars) : e.reason}`);

    it('required, type, maxLength/minLength, enum, minimum/maximum, pattern, minItems/maxItems: in Chinese with the values as they are; the reasons as before', () => {
        const record = { FBillNo: 'ABCDEFG', Code: 'a', Name: ' ', Qty: 10, Rate: 1, Kind: 'c', Type: 2, Lines: [], Extra: 1 };
        should(errorsOf(record).map((e) => `${e.field}: ${e.reason}`)).eql([
            'Extra: is not a known field',
            'FBillNo: must NOT have more than 5 characters',
            'Code: must NOT have fewer than 2 characters',
            'Code: must match pattern "^[A-Z]+$"',
            'Name: must not be blank',
            'Qty: must be <= 9',
            'Rate: must be < 1',
            'Kind: must be one of "a", "b"',
            'Type: must be one of "0", "1" (as text or a number)',
            'Lines: must NOT have fewer than 1 items',
        ]);
        should(shown(record)).eql([
            'Extra: 不是目标的字段',
            'FBillNo: 不能超过 5 个字符',
            'Code: 不能少于 2 个字符',
            'Code: 须符合格式 “^[A-Z]+$”',
            'Name: 不能为空白',
            'Qty: 不能大于 9',
            'Rate: 须小于 1',
            'Kind: 须为以下之一："a", "b"',
            'Type: 须为以下之一："0", "1"（文本或数字均可）',
            'Lines: 不能少于 1 项',
        ]);
        should(shown({ Code: 7, Qty: true, Rate: 0, Lines: [1, 2, 3] })).eql(['FBillNo: 必填', 'Code: 须为文本', 'Qty: 须为文本或数字', 'Rate: 须大于 0', 'Lines: 不能超过 2 项']);
        should(shown({ FBillNo: 'A', Qty: 0, Lines: [1] })).eql(['Qty: 不能小于 1']);
    });

    it('a number typed with full-width digits ("１２", a Chinese IME in full-width mode) says so, in English and in Chinese', () => {
        const p = compileParamsSchema({ type: 'object', properties: { Limit: { type: 'integer' }, Rate: { type: 'number' }, Name: { type: 'string' } } });
        should(p({ Limit: '１２', Rate: '１.５', Name: '１２' })).be.false();
        const errors = describeErrors(p.errors);
        should(errors.map((e) => `${e.field}: ${e.reason}`)).eql([
            'Limit: must be integer ("１２" has full-width digits; type them as 0-9)',
            'Rate: must be number ("１.５" has full-width digits; type them as 0-9)',
        ]);
        for (const e of errors) should(inEnglish(e.text!.key, e.text!.vars)).equal(e.reason);
        should(inChinese(errors[0].text!.key, errors[0].text!.vars)).equal('须为整数（"１２" 含全角数字，请改用半角数字 0-9 输入）');
        // Other text that is no number keeps its reason.
        should(p({ Limit: 'abc' })).be.false();
        should(formatErrors(describeErrors(p.errors))).equal('Limit: must be integer');
    });

    it('each text says in English what its reason says; a rarer rule (anyOf) and a pattern reason the catalog does not hold keep their English reason only', () => {
        const all = [
            ...errorsOf({ FBillNo: 'ABCDEFG', Code: 'a', Name: ' ', Qty: 10, Rate: 1, Kind: 'c', Type: 2, Lines: [], Extra: 1 }),
            ...errorsOf({ Code: 7, Qty: true, Rate: 0, Lines: [1, 2, 3] }),
        ];
        for (const e of all) should(inEnglish(e.text!.key, e.text!.vars)).equal(e.reason);
        const rare = errorsOf({ FBillNo: 'A', Lines: [1], Other: 'y', Either: true });
        should(rare.find((e) => e.field === 'Other')).eql({ field: 'Other', reason: 'must start with x' });
        should(rare.find((e) => e.field === 'Either' && /anyOf/.test(e.reason))).not.have.property('text');
    });
});

describe('core/time: China time whatever the host zone', () => {
    it('formats and parses yyyy-MM-dd HH:mm:ss as UTC+8', () => {
        const ms = Date.UTC(2024, 0, 8, 2, 11, 12);
        should(chinaTime(ms)).equal('2024-01-08 10:11:12');
        should(parseChinaTime('2024-01-08 10:11:12')).equal(ms);
    });

    it('reads every form a user or vendor gives', () => {
        should(toEpochMs('/Date(1704067200000+0800)/')).equal(1704067200000);
        should(toEpochMs(1704067200)).equal(1704067200000);
        should(toEpochMs('1704067200000')).equal(1704067200000);
        should(toEpochMs('2024-01-01T00:00:00Z')).equal(1704067200000);
        should(toEpochMs('2024-01-01')).equal(1704067200000 - 8 * 3600000);
        should(Number.isNaN(toEpochMs('yesterday'))).be.true();
    });

    it('a time outside the years 1000 – 9999 is NaN (it has no yyyy-MM-dd HH:mm:ss text; 2^60 ms is no Date at all)', () => {
        for (const v of [2 ** 60, -(2 ** 60), 8.64e15, new Date(8.64e15), '1152921504606846976', Date.UTC(10000, 0, 1), '+010000-01-01T00:00:00Z']) {
            should(Number.isNaN(toEpochMs(v))).be.true(String(v));
        }
        should(chinaTime(toEpochMs('9999-12-31 23:59:59'))).equal('9999-12-31 23:59:59');
        should(chinaTime(toEpochMs('1000-01-01 00:00:00'))).equal('1000-01-01 00:00:00');
    });

    it('a date the calendar does not have is NaN, not rolled over into the next month (China text, zoned ISO)', () => {
        for (const text of ['2024-02-30', '2023-02-29 10:00:00', '2024-04-31 00:00:00', '2024-13-01', '2024-01-08 24:00:00', '2024-01-08 10:60:00', '2024-02-30T10:00:00+08:00', '2024-02-30T10:00:00Z']) {
            should(Number.isNaN(toEpochMs(text))).be.true(text);
        }
        should(Number.isNaN(parseChinaTime('2024-02-30 00:00:00'))).be.true();
        should(chinaTime(toEpochMs('2024-02-29 23:59:59'))).equal('2024-02-29 23:59:59');
        should(toEpochMs('2024-02-29T16:00:00Z')).equal(Date.UTC(2024, 1, 29, 16));
        // compact digits: yyyyMMdd[HHmmss] in China time, not seconds of 1970
        should(toEpochMs('20240105')).equal(parseChinaTime('2024-01-05 00:00:00'));
        should(toEpochMs('20240105103000')).equal(parseChinaTime('2024-01-05 10:30:00'));
        should(Number.isNaN(toEpochMs('20240230'))).be.true();
        should(toEpochMs('1704067200')).equal(1704067200000);
        // the same digits as a whole number; other numbers stay seconds (below 10^11) or ms
        should(toEpochMs(20240105)).equal(parseChinaTime('2024-01-05 00:00:00'));
        should(toEpochMs(20240105103000)).equal(parseChinaTime('2024-01-05 10:30:00'));
        should(Number.isNaN(toEpochMs(20240230))).be.true();
        should(toEpochMs(1704067200)).equal(1704067200000);
        should(toEpochMs(1704067200000)).equal(1704067200000);
    });

    it('a date alone as a window\'s end is the end of that day (its last ms, or the next midnight for an exclusive end), not its 00:00; date-times as typed', () => {
        const jan31 = parseChinaTime('2024-01-31 00:00:00');
        for (const v of ['2024-01-31', ' 2024-01-31 ', '20240131', 20240131]) {
            should(toEpochEndMs(v)).equal(jan31 + 86400000 - 1, String(v));
            should(chinaTime(toEpochEndMs(v))).equal('2024-01-31 23:59:59');
            should(toEpochEndMs(v, true)).equal(jan31 + 86400000, String(v));
        }
        // A time of day, ISO with a zone, epoch ms, a Date: as typed, exclusive or not.
        for (const v of ['2024-01-31 00:00:00', '2024-01-31T00:00', '2024-01-31T00:00:00+08:00', '20240131000000', jan31, new Date(jan31)]) {
            should(toEpochEndMs(v)).equal(jan31, String(v));
            should(toEpochEndMs(v, true)).equal(jan31, String(v));
        }
        should(Number.isNaN(toEpochEndMs('2024-02-30'))).be.true();
        should(Number.isNaN(toEpochEndMs('yesterday'))).be.true();
        // The last day the text can write still has an end that it can write.
        should(chinaTime(toEpochEndMs('9999-12-31'))).equal('9999-12-31 23:59:59');
        should(chinaTime(toEpochEndMs('9999-12-31', true))).equal('9999-12-31 23:59:59');
    });
});
