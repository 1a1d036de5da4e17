import should from 'should';
import { mayHoldLongIntegers, parseVendorJson, unsendableValue } from '../../nodes/core/json';

describe('parseVendorJson: vendor answers with whole numbers beyond 2^53', function () {
    it('a 19-digit id as a JSON number comes out as its exact decimal text (JSON.parse rounds it)', function () {
        const text = '{"tradeId":1234567890123456789,"other":1234567890123456790}';
        should(JSON.parse(text).tradeId).equal(1234567890123456800);
        should(parseVendorJson(text)).eql({ tradeId: '1234567890123456789', other: '1234567890123456790' });
    });

    it('2^53 - 1 stays a number; 2^53 and 2^53 + 1 (which JSON.parse cannot tell apart) become text', function () {
        should(parseVendorJson('[9007199254740991,9007199254740992,9007199254740993]')).eql([9007199254740991, '9007199254740992', '9007199254740993']);
        should(parseVendorJson('[-9007199254740991,-9007199254740993]')).eql([-9007199254740991, '-9007199254740993']);
    });

    it('negative numbers, -0, fractions and exponents are exactly what JSON.parse gives', function () {
        const text = '{"a":-1234567890123456789,"b":-0,"c":12345678901234567.5,"d":1234567890123456789e0,"e":1234567890123456789E+2,"f":0.1234567890123456789,"g":-12.5}';
        const v = parseVendorJson(text);
        should(v.a).equal('-1234567890123456789');
        should(Object.is(v.b, -0)).be.true();
        for (const k of ['c', 'd', 'e', 'f', 'g']) should(v[k]).equal(JSON.parse(text)[k]);
        should(v.c).be.a.Number();
    });

    it('digits inside strings are left alone: values, keys, escaped quotes and backslashes before them', function () {
        const text = String.raw`{"account":"6222021234567890123","note":"x:12345678901234567890,[12345678901234567890]","q\":1234567890123456789":"k","esc":"a\\","n":1234567890123456789,"s":"\"1234567890123456789\"","u":"\u0022,1234567890123456789"}`;
        const v = parseVendorJson(text);
        const expected = JSON.parse(text);
        expected.n = '1234567890123456789';
        should(v).eql(expected);
        should(Object.keys(v)).eql(Object.keys(expected));
        // Text that looks like a value from close by, alone in the answer.
        should(parseVendorJson('{"note":"x:12345678901234567890,y","memo":"[ 12345678901234567890 ]"}')).eql({ note: 'x:12345678901234567890,y', memo: '[ 12345678901234567890 ]' });
    });

    it('big numbers as values in arrays and nested arrays, with whitespace and newlines around them', function () {
        const text = '{ "rows": [ [ 1234567890123456789 , "a" ], [\n\t-1234567890123456789\n], [1, 2.5, 12345678901234567890123] ], "list":[{"id": 1234567890123456789}]}';
        should(parseVendorJson(text)).eql({ rows: [['1234567890123456789', 'a'], ['-1234567890123456789'], [1, 2.5, '12345678901234567890123']], list: [{ id: '1234567890123456789' }] });
        should(parseVendorJson(' 1234567890123456789 ')).equal('1234567890123456789');
    });

    it('an answer without such a number is exactly what JSON.parse gives; __proto__ stays an own key as JSON.parse leaves it', function () {
        const text = '{"__proto__":{"polluted":true},"id":1234567890123456789,"n":123,"s":"6222021234567890123","a":[1,{"b":null}]}';
        const v = parseVendorJson(text);
        should(Object.getPrototypeOf(v)).equal(Object.prototype);
        should(Object.prototype.hasOwnProperty.call(v, '__proto__')).be.true();
        should(({} as any).polluted).be.undefined();
        should(v.id).equal('1234567890123456789');
        const plain = '{"__proto__":{"x":1},"n":1234567890123456,"t":"2024-01-01 00:00:00"}';
        should(parseVendorJson(plain)).eql(JSON.parse(plain));
        should(Object.prototype.hasOwnProperty.call(parseVendorJson(plain), '__proto__')).be.true();
    });

    it('a reviver is applied as JSON.parse applies it, and sees such a number as its text', function () {
        const seen: unknown[] = [];
        const reviver = (k: string, v: unknown) => {
            if (k === 'id') seen.push(v);
            return k === '__proto__' ? undefined : v;
        };
        const v = parseVendorJson('{"__proto__":{"polluted":true},"id":1234567890123456789,"a":[{"id":7}]}', reviver);
        should(Object.prototype.hasOwnProperty.call(v, '__proto__')).be.false();
        should(v).eql({ id: '1234567890123456789', a: [{ id: 7 }] });
        should(seen).eql(['1234567890123456789', 7]);
        should(parseVendorJson('{"__proto__":1,"n":2}', reviver)).eql({ n: 2 });
        should(mayHoldLongIntegers('{"n":1234567890123456}')).be.true();
        should(mayHoldLongIntegers('{"n":123456789012345}')).be.false();
    });

    it('text that is not JSON throws as JSON.parse does, big numbers or not (a leading zero is no JSON number)', function () {
        for (const text of ['{"a":1234567890123456789', '{"a":01234567890123456789}', '{"a":1234567890123456789x}', '', 'response_error:']) {
            should(() => parseVendorJson(text)).throw(SyntaxError);
        }
    });
});

describe('core/json: unsendableValue, a value of a record that cannot be sent as it is', () => {
    it('finds NaN, ±Infinity and a BigInt at any depth, listed field or not, with its path; -0, bytes, Dates and holes are fine', () => {
        should(unsendableValue({ a: 1, b: -0, c: 'NaN', d: new Date(0), e: Buffer.from([1]), f: [1, , 3], g: null })).be.undefined();
        should(unsendableValue({ Amo: Number.NaN })).eql({ field: 'Amo', value: 'NaN', kind: 'nonFinite' });
        should(unsendableValue({ FEntity: [{ FQty: 1 }, { FPrice: -Infinity }] })).eql({ field: 'FEntity[1].FPrice', value: '-Infinity', kind: 'nonFinite' });
        should(unsendableValue({ ext: { id: 5n } })).eql({ field: 'ext.id', value: '5n', kind: 'bigint' });
        should(unsendableValue(Number.NaN)).eql({ field: '', value: 'NaN', kind: 'nonFinite' });
    });

    it('finds text or a key holding half a character (an emoji cut in two: an unpaired surrogate), naming it; whole emoji and Chinese text are fine', () => {
        const cut = '买家留言😀'.slice(0, -1);
        should(unsendableValue({ buyer_nick: '张三😀', remark: '𠀀𡃁 中文 ＡＢＣ', list: ['😀'] })).be.undefined();
        should(unsendableValue({ order_list: [{ goods_name: 'x' }, { remark: cut }] })).eql({ field: 'order_list[1].remark', value: 'U+D83D', kind: 'halfCharacter' });
        should(unsendableValue({ ext: { ['\udc00key']: 1 } })).eql({ field: 'ext.\udc00key', value: 'U+DC00', kind: 'halfCharacter' });
        // The first found wins, whatever kind.
        should(unsendableValue({ a: '\ud800', b: Number.NaN })).match({ field: 'a', kind: 'halfCharacter' });
        should(unsendableValue({ a: 5n, b: '\ud800' })).match({ field: 'a', kind: 'bigint' });
    });
});
