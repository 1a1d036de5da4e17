import fs from 'fs';
import path from 'path';
import vm from 'vm';
import should from 'should';

// What the mapper dialog's field table writes for a value typed in a row (resources/erp-mapper-editor.js, run as the
// page loads it), and what it shows for a saved rule: a constant keeps the type its target field's schema asks for.
const root = path.resolve(__dirname, '..', '..', '..');

function editor(): any {
    const window: Record<string, unknown> = {};
    vm.runInContext(fs.readFileSync(path.join(root, 'resources', 'erp-mapper-editor.js'), 'utf8'), vm.createContext({ RED: {}, $: () => ({}), window, navigator: {} }));
    return window.ErpMapperEditor;
}
const schema = (file: string) => JSON.parse(fs.readFileSync(path.join(root, 'nodes', file), 'utf8'));
const kingdee = schema('kingdee/schemas/batch-save.record.json').properties;
const line = kingdee.FEntity.items.properties;
const jingcheng = schema('jingcheng/schemas/return-sheet.record.json').properties;

/** The rule the table writes when `text` is typed as a constant of a field with schema `prop` (as this realm's JSON). */
const typed = (text: string, prop: unknown = {}) => JSON.parse(JSON.stringify(editor().ruleFromText('const', text, undefined, prop)));

describe('mapper dialog: constants typed in the field table', () => {
    it('a code typed for a Kingdee basic-data field stays the text typed: 1.10, 007, 100 and a 19-digit number are codes, not numbers', () => {
        for (const code of ['1.10', '007', '100', '6222021234567890123', '1e3', 'true', 'null', '0']) {
            should(typed(code, line.FMaterialID)).eql({ const: code }, `FMaterialID typed ${code}`);
            should(typed(code, kingdee.FCustomerID)).eql({ const: code }, `FCustomerID typed ${code}`);
        }
        // An object is still written as the object (it is not wrapped again).
        should(typed('{"FNumber": "1.10"}', line.FMaterialID)).eql({ const: { FNumber: '1.10' } });
    });

    it('a text-only field (Jingcheng RedBlue, Remark; Kingdee FBillNo) keeps exactly what was typed, quotes and Chinese included', () => {
        for (const text of ['1', '0', '123', 'true', 'null', '"VIP"', '他说"好"', '红字', ' 1 ', '{"a":1}']) {
            should(typed(text, jingcheng.RedBlue)).eql({ const: text }, `RedBlue typed ${text}`);
            should(typed(text, jingcheng.Remark)).eql({ const: text }, `Remark typed ${text}`);
            should(typed(text, kingdee.FBillNo)).eql({ const: text }, `FBillNo typed ${text}`);
        }
    });

    it('a number is a number where the schema takes one; a number that would lose digits stays text', () => {
        should(typed('2', line.FRealQty)).eql({ const: 2 });
        should(typed('1.10', jingcheng.Qua)).eql({ const: 1.1 });
        should(typed('0', kingdee.FID)).eql({ const: 0 });
        // Quoted, it is text where the field takes both.
        should(typed('"2"', line.FRealQty)).eql({ const: '2' });
        should(typed('6222021234567890123', kingdee.FID)).eql({ const: '6222021234567890123' });
        should(typed('abc', line.FRealQty)).eql({ const: 'abc' });
    });

    it('a field the schema does not describe (no target, an extra Kingdee field) takes JSON only when it reads back the same', () => {
        should(typed('123')).eql({ const: 123 });
        should(typed('true')).eql({ const: true });
        should(typed('{"a": [1]}')).eql({ const: { a: [1] } });
        should(typed('"quoted"')).eql({ const: 'quoted' });
        for (const text of ['1.10', '007', '6222021234567890123', '1e3', '中文', 'CUST001']) should(typed(text)).eql({ const: text }, `typed ${text}`);
    });

    it('a saved constant is shown so that saving it again writes it unchanged', () => {
        const values = ['100', '1.10', 'CUST001', '"VIP"', '红字', '', 100, 1.1, 0, true, null, { FNumber: '1.10' }, '6222021234567890123'];
        for (const prop of [{}, line.FMaterialID, kingdee.FCustomerID, jingcheng.RedBlue, jingcheng.Qua, line.FRealQty, kingdee.FID]) {
            for (const value of values) {
                const accepted = ([] as string[]).concat(prop.type ?? []);
                const type = value === null ? 'null' : typeof value;
                // Only values the field can hold (a number saved for a text-only field is fixed when edited).
                if (accepted.length && !accepted.some((t) => t === type || (t === 'integer' && typeof value === 'number'))) continue;
                const text = editor().ruleText({ const: value }, 'const', prop);
                should(typed(text, prop)).eql({ const: value }, `${JSON.stringify(value)} shown as ${text} for ${JSON.stringify(prop.type)}`);
            }
        }
        // A text-only field shows its text as it is (no JSON quotes to type around a code).
        should(editor().ruleText({ const: '1' }, 'const', jingcheng.RedBlue)).equal('1');
        should(editor().ruleText({ const: 'CUST001' }, 'const', kingdee.FCustomerID)).equal('CUST001');
    });
});

describe('mapper dialog: a whole number beyond 2^53 (a Java long id) typed in the field table', () => {
    it('a value table or a JSON constant keeps every digit, as the text the runtime reads it as (JSON.parse made 1234567890123456789 …800, another record)', () => {
        const rule = (kind: string, text: string, prop: unknown = {}) => JSON.parse(JSON.stringify(editor().ruleFromText(kind, text, kind === 'table' ? { path: 'shopId' } : undefined, prop)));
        should(rule('table', '{"1001": 1234567890123456789, "1002": -9007199254740993, "1003": 12, "1004": "x 1234567890123456789", "1005": 1e21}', kingdee.FID)).eql({
            table: { 1001: '1234567890123456789', 1002: '-9007199254740993', 1003: 12, 1004: 'x 1234567890123456789', 1005: 1e21 },
            path: 'shopId',
        });
        should(rule('const', '{"FNumber": 1234567890123456789}')).eql({ const: { FNumber: '1234567890123456789' } });
        // Not JSON: still kept as typed (the runtime refuses it naming the field).
        should(rule('table', '{"1001": 1234567890123456789,}')).eql({ table: '{"1001": 1234567890123456789,}', path: 'shopId' });
        // Shown again as saved, and typed back unchanged.
        const shown = editor().ruleText({ table: { 1001: '1234567890123456789' }, path: 'shopId' }, 'table', kingdee.FID);
        should(rule('table', shown, kingdee.FID)).eql({ table: { 1001: '1234567890123456789' }, path: 'shopId' });
    });
});
