import fs from 'fs';
import path from 'path';
import vm from 'vm';
import should from 'should';
import type { SinonSpy } from 'sinon';
import { helper, load, run, withProbes, Msg, caughtCode } from '../helpers/nodered';
import { fixture } from './fixtures';
import { readCounter } from '../helpers/reads';
import { waitFor } from '../helpers/wait';
import { editorKit, editorTranslator, mapperLastSampleText, mapperPreviewText } from '../helpers/editor-locales';
import { openAckRun, pendingTickets, ACK_PROPERTY } from '../../nodes/core/ack';
import erpMapper = require('../../nodes/mapper/erp-mapper');
import jingchengRecv = require('../../nodes/jingcheng/jingcheng-recv');
import jingchengConfig = require('../../nodes/jingcheng/jingcheng-config');

const mapperNode = (mapping: unknown, extra: Msg = {}) => ({ id: 'n1', type: 'erp-mapper', z: 'f1', name: '', target: '', mapping: typeof mapping === 'string' ? mapping : JSON.stringify(mapping), ...extra });
const modules = [jingchengConfig, jingchengRecv, erpMapper];

/**
 * What the mapper dialog shows when the runtime refuses its preview (`xhr`: status, responseJSON), in an editor set to
 * `lang`: resources/erp-mapper-editor.js beside the palette's kit, the node's `_` reading the mapper's catalog as built.
 */
function previewRefusalText(xhr: { status: number; responseJSON?: unknown; statusText?: string }, lang: string): string {
    const window: Record<string, any> = { CnErpEditor: editorKit() };
    const script = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'resources', 'erp-mapper-editor.js'), 'utf8');
    vm.runInContext(script, vm.createContext({ RED: { i18n: { lang: () => lang } }, $: () => ({}), window, navigator: {} }));
    return window.ErpMapperEditor.refusalText({ id: 'm1', type: 'erp-mapper', _: editorTranslator('mapper', 'erp-mapper', lang) }, xhr);
}

describe('erp-mapper node', function () {
    afterEach(async () => {
        await helper.unload();
    });

    it('seed 002 against the jingcheng-recv spec: an array in → an array out on output 1, other msg properties kept, input untouched', async function () {
        const fx = fixture(2);
        await load(modules, withProbes([mapperNode(fx.mapping, { target: 'jingcheng-recv' })], 'n1', 2));
        const source = [fx.source, { ...fx.source, code: 'RS2' }];
        const before = JSON.stringify(source);
        const r = await run('n1', { payload: source, topic: 'returns', correlation: { id: 7 } }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0]).have.length(1);
        const out = r.outputs[0][0];
        should(out.payload).eql([fx.expected, { ...fx.expected, SheetID: 'RS2' }]);
        should(out.topic).equal('returns');
        should(out.correlation).eql({ id: 7 });
        should(JSON.stringify(source)).equal(before);
    });

    it('an object in → an object out; records that fail validation go to output 2 one msg each with field, source and reason', async function () {
        const fx = fixture(2);
        await load(modules, withProbes([mapperNode(fx.mapping, { target: 'jingcheng-recv' })], 'n1', 2));
        const r1 = await run('n1', { payload: fx.source }, 2);
        should(r1.outputs[0][0].payload).eql(fx.expected);
        const noItems = { ...fx.source, code: 'RS3', details: [] };
        const noGoods = { ...fx.source, code: 'RS4', details: [{ qty: 1 }] };
        const r2 = await run('n1', { payload: [fx.source, noItems, noGoods] }, 2);
        should(r2.outputs[0][0].payload.map((x: Msg) => x.SheetID)).eql(['RS2401090001']);
        should(r2.outputs[1]).have.length(2);
        const [a, b] = r2.outputs[1];
        should(a.payload).eql(noItems);
        should(a.recordIndex).equal(1);
        should(a.error).match({ system: 'mapper', kind: 'validation', code: 'MAPPING_FAILED', field: 'Items', source: 'details', retryable: false });
        should(a.error.message).match(/Items: must NOT have fewer than 1 items/);
        should(a.error.record).eql(noItems);
        should(b.error).match({ field: 'Items[0].GoodsID', source: 'details[0].sku_code' });
        should(b.error.errors).eql([{ field: 'Items[0].GoodsID', source: 'details[0].sku_code', reason: 'is required (source is empty)' }]);
    });

    it('replay: an output-2 msg fixed and fed back whole maps on output 1 without the old msg.error or recordIndex; failing again, it is not given the stale recordIndex of its first batch', async function () {
        const fx = fixture(2);
        await load(modules, withProbes([mapperNode(fx.mapping, { target: 'jingcheng-recv' })], 'n1', 2));
        const r = await run('n1', { topic: 'returns', payload: [fx.source, { ...fx.source, code: 'RS3', details: [] }] }, 2);
        const failed = r.outputs[1][0];
        should(failed).match({ topic: 'returns', recordIndex: 1, error: { code: 'MAPPING_FAILED' } });
        const still = await run('n1', { ...failed, payload: { ...failed.payload } }, 2);
        should(still.outputs[1][0].error.code).equal('MAPPING_FAILED');
        should(still.outputs[1][0]).not.have.property('recordIndex');
        failed.payload.details = fx.source.details;
        const again = await run('n1', failed, 2);
        should(again.outputs[1]).have.length(0);
        const out = again.outputs[0][0];
        should(out).match({ topic: 'returns', payload: { SheetID: 'RS3' } });
        should(out.error === undefined).be.true('a record mapped on replay still carries msg.error from its earlier failure on output 1');
        should(out).not.have.property('recordIndex');
    });

    it('a msg sent to Catch whole (a payload nested too deep) turns the status red: it does not keep the green "mapped" of the msg before', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id' } } })], 'n1', 2));
        const status = helper.getNode('n1').status as any;
        await run('n1', { payload: { id: 1 } }, 2);
        should(status.lastCall.args[0]).match({ fill: 'green', text: 'mapped 1' });
        let deep: Msg = { id: 1 };
        for (let i = 0; i < 150; i++) deep = { child: deep };
        const r = await run('n1', { payload: deep }, 2);
        should(r.caught!.error.message).match(/nested deeper than 100 levels/);
        // A code a Catch flow can switch on, as the endpoint nodes give one.
        should(caughtCode(r.caught)).equal('INVALID_INPUT');
        should(status.lastCall.args[0]).match({ fill: 'red', shape: 'ring' }, 'the msg went to Catch but the status still shows the last msg mapped');
    });

    it('a msg of the run sent to Catch whole (a payload nested too deep) counts as failed: the next msg of the run leaves the status yellow, not a green "mapped"', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id' } } })], 'n1', 2));
        const status = helper.getNode('n1').status as any;
        await run('n1', { payload: { id: 1 } }, 2);
        let deep: Msg = { id: 1 };
        for (let i = 0; i < 150; i++) deep = { child: deep };
        should((await run('n1', { payload: deep }, 2)).caught).be.ok();
        await run('n1', { payload: { id: 2 } }, 2);
        await new Promise((r) => setTimeout(r, 1100));
        should(status.lastCall.args[0]).eql({ fill: 'yellow', shape: 'dot', text: 'mapped 2, failed 1' });
    });

    it('a query in record mode feeding the mapper (hundreds of one-record msgs at once): no status update per msg to every open editor, and the last one shows the outcome of them all', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id' } } })], 'n1', 2));
        const node = helper.getNode('n1');
        const status = node.status as any;
        const before = status.callCount;
        const count = 400;
        let finished = 0;
        const all = new Promise<void>((resolve) => helper.getNode('n1-completed').on('input', () => ++finished === count && resolve()));
        for (let i = 0; i < count; i++) node.receive({ payload: { id: i } });
        await all;
        // One per msg before: 400 websocket messages per open editor.
        should(status.callCount - before).be.below(count / 4);
        await new Promise((r) => setTimeout(r, 1100));
        should(status.lastCall.args[0]).eql({ fill: 'green', shape: 'dot', text: `mapped ${count}` });
    });

    it("a batch's failures cost in proportion to its size: each output-2 msg gets its record, not a copy of the batch", async function () {
        const fx = fixture(2);
        await load(modules, withProbes([mapperNode(fx.mapping, { target: 'jingcheng-recv' })], 'n1', 2));
        // Reads of a field the mapping does not use, per record, must not grow with the batch.
        const readsPerRecord = async (size: number) => {
            const counter = readCounter();
            const r = await run('n1', { payload: Array.from({ length: size }, (_, i) => counter.mark({ ...fx.source, code: `RS${i}`, details: [] })) }, 2);
            should(r.outputs[1]).have.length(size);
            return counter.reads / size;
        };
        const small = await readsPerRecord(5);
        const large = await readsPerRecord(60);
        // (One read per msg is the "last received" sample, taken of the first record.)
        should(large).not.be.above(small);
    });

    it('seed 004 lookup reads the flow context another flow stored; no match fails the record', async function () {
        const fx = fixture(4);
        await load(modules, withProbes([mapperNode(fx.mapping.fields ? { fields: fx.mapping.fields } : fx.mapping)], 'n1', 2));
        helper.getNode('n1').context().flow.set('kingdeeAccounts', (fx.context as any).flow.kingdeeAccounts);
        const r = await run('n1', { payload: [fx.source, { ...fx.source, payerAccountNumber: '000' }] }, 2);
        should(r.outputs[0][0].payload).eql([fx.expected]);
        should(r.outputs[1]).have.length(1);
        should(r.outputs[1][0].error).match({ field: 'TargetOrgId', source: 'payerAccountNumber', message: 'TargetOrgId: no match in flow.kingdeeAccounts where FNumber="000" (from payerAccountNumber)' });
    });

    it('lookup.contextStore reads the collection from that context store of settings.js (a lookup table kept in a "file" store); a store settings.js does not define is named at deploy', async function () {
        const warned = () => (helper.log() as SinonSpy).args.map((a) => a[0]).filter((l: Msg) => l.level === 30).map((l: Msg) => `${l.id}: ${l.msg}`);
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'memory' } } });
        try {
            const lookup = (contextStore: string) => ({ fields: { org: { lookup: { store: 'flow', contextStore, key: 'accts', match: { FNumber: 'acct' }, return: 'org' } } } });
            await load(modules, [...withProbes([mapperNode(lookup('file'))], 'n1', 2), mapperNode(lookup('nosuch'), { id: 'n2' })]);
            // The runtime reads contextStorage when the flows load; the helper skips that step, so it is run here.
            await (helper as any)._context.load();
            const flow = helper.getNode('n1').context().flow;
            flow.set('accts', [{ FNumber: 'A1', org: 'FILE-ORG' }], 'file');
            flow.set('accts', [{ FNumber: 'A1', org: 'DEFAULT-ORG' }]);
            const r = await run('n1', { payload: [{ acct: 'A1' }, { acct: 'ZZ' }] }, 2);
            should(r.outputs[0][0].payload).eql([{ org: 'FILE-ORG' }]);
            should(r.outputs[1][0].error.message).equal('org: no match in flow(file).accts where FNumber="ZZ" (from acct)');
            should(warned().filter((w) => w.startsWith('n2:'))).eql(['n2: a lookup reads context store "nosuch", which settings.js does not define (its stores: default, file): Node-RED reads its default store instead, where the collection is likely missing']);
            should(warned().filter((w) => w.startsWith('n1:'))).eql([]);
        } finally {
            helper.settings({});
        }
    });

    it('lookup.contextStore "default" is Node-RED\'s default store whatever settings.js names it (no contextStorage, or stores with no "default"): the collection written there is read, no warning at deploy', async function () {
        const warned = () => (helper.log() as SinonSpy).args.map((a) => a[0]).filter((l: Msg) => l.level === 30 && l.id === 'n1').map((l: Msg) => String(l.msg));
        const lookup = { fields: { org: { lookup: { store: 'flow', contextStore: 'default', key: 'accts', match: { FNumber: 'acct' }, return: 'org' } } } };
        // No contextStorage (Node-RED's own settings.js), then a file store listed first, its default.
        for (const contextStorage of [undefined, { file: { module: 'memory' }, memory: { module: 'memory' } }]) {
            helper.settings(contextStorage ? { contextStorage } : {});
            try {
                await load(modules, withProbes([mapperNode(lookup)], 'n1', 2));
                await (helper as any)._context.load();
                // Another flow's change node, no store chosen: the default store.
                helper.getNode('n1').context().flow.set('accts', [{ FNumber: 'A1', org: 'DEFAULT-ORG' }]);
                const r = await run('n1', { payload: [{ acct: 'A1' }] }, 2);
                should(r.outputs[0][0].payload).eql([{ org: 'DEFAULT-ORG' }]);
                should(warned()).eql([], JSON.stringify(contextStorage));
            } finally {
                await helper.unload();
                helper.settings({});
            }
        }
    });

    it('lookup: a collection another flow changes in place between msgs is read afresh for each msg', async function () {
        const fx = fixture(4);
        await load(modules, withProbes([mapperNode({ fields: fx.mapping.fields })], 'n1', 2));
        const accounts: any[] = JSON.parse(JSON.stringify((fx.context as any).flow.kingdeeAccounts));
        const flow = helper.getNode('n1').context().flow;
        flow.set('kingdeeAccounts', accounts);
        const r1 = await run('n1', { payload: fx.source }, 2);
        should(r1.outputs[0][0].payload).eql(fx.expected);
        // The other flow edits the stored array itself (same object) and adds an account.
        const first = accounts.find((a) => a.FNumber === fx.source.payerAccountNumber);
        first.FUseOrgId = 'CHANGED';
        accounts.push({ ...first, FNumber: 'NEW-ACCT', FUseOrgId: 'NEW-ORG' });
        flow.set('kingdeeAccounts', accounts);
        const r2 = await run('n1', { payload: [fx.source, { ...fx.source, payerAccountNumber: 'NEW-ACCT' }] }, 2);
        should(r2.outputs[1]).have.length(0);
        should(r2.outputs[0][0].payload.map((p: Msg) => p.TargetOrgId)).eql(['CHANGED', 'NEW-ORG']);
    });

    it('a bad mapping: red status and every msg goes to Catch with the reason', async function () {
        await load(modules, withProbes([mapperNode({ fields: { x: { path: '__proto__.y' } } })], 'n1', 2));
        const r = await run('n1', { payload: { a: 1 } }, 2);
        should(r.caught).be.ok();
        should(r.caught!.error.message).match(/bad mapping: x: path "__proto__\.y": "__proto__" is not allowed/);
        should(caughtCode(r.caught)).equal('BAD_MAPPING');
        // Classified as the endpoint nodes' errors are (Node-RED 3.x copies error.cause, not error.code).
        should(r.caught!.error.cause).match({ system: 'mapper', kind: 'config', code: 'BAD_MAPPING', retryable: false });
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1]).have.length(0);
        should(({} as any).y).be.undefined();
    });

    it('Node-RED running in zh-CN: a bad mapping is said in Chinese at deploy (node.error) and in the error every msg takes to Catch; in en-US as before', async function () {
        const inChinese = (red: any) => (erpMapper as any)({ ...red, _: editorTranslator('mapper', 'erp-mapper', 'zh-CN') });
        const badMapping = async (mapper: unknown) => {
            await load([mapper], withProbes([mapperNode({ fields: { x: { path: '__proto__.y' } } })], 'n1', 2));
            const status = (helper.getNode('n1').status as any).lastCall.args[0];
            const logged = (helper.log() as SinonSpy).args.map((a) => a[0]).filter((l: Msg) => l.level === 20 && l.id === 'n1').map((l: Msg) => String(l.msg));
            const r = await run('n1', { payload: { a: 1 } }, 2);
            await helper.unload();
            return { status, logged, caught: r.caught!.error, code: caughtCode(r.caught) };
        };
        const zh = await badMapping(inChinese);
        should(zh.logged).eql(['erp-mapper: x：路径 “__proto__.y”：不允许使用 “__proto__”（防止原型污染）']);
        should(zh.status).match({ fill: 'red', text: '映射有误' });
        const chinese = 'erp-mapper: 映射有误：x：路径 “__proto__.y”：不允许使用 “__proto__”（防止原型污染）';
        should(zh.caught.message).endWith(chinese);
        should(zh.caught.cause).match({ system: 'mapper', kind: 'config', code: 'BAD_MAPPING', message: chinese });
        should(zh.code).equal('BAD_MAPPING');
        const en = await badMapping(erpMapper);
        should(en.logged).eql(['erp-mapper: x: path "__proto__.y": "__proto__" is not allowed (prototype pollution)']);
        should(en.status).match({ fill: 'red', text: 'bad mapping' });
        should(en.caught.message).endWith('erp-mapper: bad mapping: x: path "__proto__.y": "__proto__" is not allowed (prototype pollution)');
    });

    it('preview of a mapping that does not compile: the answer carries the English error and its text; a zh-CN editor shows it in Chinese, an en-US one as before', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id' } } })], 'n1', 2));
        const mapping = JSON.stringify({ fields: { FBillNo: { path: 'TradeNo', requried: true }, id: { path: 'id' } } });
        const res = await helper.request().post('/cn-erp/mapper/preview').send({ mapping, sample: '{"TradeNo": "T1"}' }).expect(400);
        const english = 'FBillNo: rule has an unknown property "requried" (a rule takes convert, default, required)';
        should(res.body).eql({ error: english, text: { key: 'erp-mapper.error.field', vars: { field: 'FBillNo', reason: { key: 'erp-mapper.compile.unknownOption', vars: { name: 'requried' } } } } });
        const xhr = { status: 400, responseJSON: res.body };
        should(previewRefusalText(xhr, 'zh-CN')).equal('FBillNo：规则有未知属性 “requried”：规则可带 convert、default、required');
        should(previewRefusalText(xhr, 'en-US')).equal(english);
        // JSONata's parser says why in its own words, within the sentence.
        const jsonata = await helper.request().post('/cn-erp/mapper/preview').send({ mapping: JSON.stringify({ fields: { total: { jsonata: '$sum(' } } }), sample: '{}' }).expect(400);
        should(previewRefusalText({ status: 400, responseJSON: jsonata.body }, 'zh-CN')).equal('total：JSONata 表达式有误：Expected ")" before end of expression');
    });

    it('preview of a pasted sample of many records with a runaway JSONata rule: the runtime is held about one time limit, not one per record; the dialog says only the first records were previewed', async function () {
        this.timeout(40000);
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id' } } })], 'n1', 2));
        // Tail recursion: within the stack limit, stopped only by the 2 s time limit, during which no timer of any flow fires.
        const mapping = JSON.stringify({ fields: { id: { path: 'id' }, a: { jsonata: '($f := function($n){ $n < 0 ? 0 : $f($n + 1) }; $f(0))' } } });
        const sample = JSON.stringify(Array.from({ length: 8 }, (_, i) => ({ id: i })));
        const res = await helper.request().post('/cn-erp/mapper/preview').send({ mapping, sample }).timeout(35000).expect(200);
        // Stopped after the first (or, on a slow machine, second) record instead of running all eight.
        should(res.body.results.length).be.within(1, 2);
        should(res.body.results[0].errors[0]).match({ field: 'a', reason: /timeout/ });
        should(res.body.total).equal(8);
        const shown = res.body.results.length;
        should(mapperPreviewText(res.body, 'en-US')).endWith(`Previewed the first ${shown} of 8 records`);
        should(mapperPreviewText(res.body, 'zh-CN')).endWith(`只预览了前 ${shown} 条记录（共 8 条）`);
        // A sample over the 200 records a preview maps says so too.
        const big = await helper.request().post('/cn-erp/mapper/preview').send({ mapping: JSON.stringify({ fields: { id: { path: 'id' } } }), sample: JSON.stringify(Array.from({ length: 250 }, (_, i) => ({ id: i }))) }).expect(200);
        should(big.body.results).have.length(200);
        should(mapperPreviewText(big.body, 'en-US')).endWith('Previewed the first 200 of 250 records');
    });

    it('a JSONata rule running out of time on a record of a msg: the msg\'s later records fail at once on output 2 (not run, each holding the runtime for the time limit), saying why; the next msg runs it again', async function () {
        this.timeout(40000);
        // Endless unless $n is negative: runs out of time on a record with n ≥ 0, answers at once for n < 0.
        const mapping = { fields: { id: { path: 'id' }, a: { jsonata: '($f := function($n){ $n < 0 ? 0 : $f($n + 1) }; $f(n))' } } };
        await load(modules, withProbes([mapperNode(mapping)], 'n1', 2));
        const r = await run('n1', { payload: [{ id: 1, n: 0 }, { id: 2, n: -1 }, { id: 3, n: 0 }, { id: 4, n: -1 }] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1].map((m: Msg) => [m.recordIndex, m.error.errors[0].reason])).match([
            [0, /^JSONata failed: Evaluation timeout/],
            [1, 'JSONata not run: it ran out of time (2000 ms) on an earlier record of this msg'],
            [2, 'JSONata not run: it ran out of time (2000 ms) on an earlier record of this msg'],
            [3, 'JSONata not run: it ran out of time (2000 ms) on an earlier record of this msg'],
        ]);
        // Another msg is another chance: a record the rule answers maps.
        const next = await run('n1', { payload: [{ id: 5, n: -1 }] }, 2);
        should(next.outputs[0][0].payload).eql([{ id: 5, a: 0 }]);
    });

    it('a mapping edited with a mistyped option ("requried") fails at deploy naming the field; no record passes without the check', async function () {
        await load(modules, withProbes([mapperNode({ fields: { tid: { path: 'tid', requried: true } } })], 'n1', 2));
        const r = await run('n1', { payload: { shop: 'S1' } }, 2);
        should(r.caught).be.ok();
        should(r.caught!.error.message).match(/bad mapping: tid: rule has an unknown property "requried"/);
        should(caughtCode(r.caught)).equal('BAD_MAPPING');
        should(r.outputs[0]).have.length(0);
    });

    it('a mapping that leaves out a field the target requires is named at deploy (a warning), not first found on every record of the night', async function () {
        const warned = () => (helper.log() as SinonSpy).args.map((a) => a[0]).filter((l: Msg) => l.level === 30 && l.id === 'n1').map((l: Msg) => String(l.msg));
        await load(modules, withProbes([mapperNode({ fields: { SheetID: { path: 'code' }, Items: { array: 'details', fields: { Qua: { path: 'qty' } } } } }, { target: 'jingcheng-recv' })], 'n1', 2));
        should(warned()).eql(['target fields required but not mapped (every record will fail on them): Items[].GoodsID']);
        // Each record still goes to output 2 naming the field, as the warning said.
        const r = await run('n1', { payload: { code: 'RS1', details: [{ qty: '1' }] } }, 2);
        should(r.outputs[1][0].error.field).equal('Items[0].GoodsID');
        await helper.unload();
        // A complete mapping (seed 002) deploys without a word.
        await load(modules, withProbes([mapperNode(fixture(2).mapping, { target: 'jingcheng-recv' })], 'n1', 2));
        should(warned()).eql([]);
    });

    it('"use last received": the sample is the record as it arrived, not as a node after the mapper changed it (the output-2 msg carries the record itself)', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id', required: true } } })], 'n1', 2));
        const r = await run('n1', { payload: [{ name: 'A', lines: [{ sku: 'S1' }] }, { id: 2 }] }, 2);
        should(r.outputs[1]).have.length(1);
        // A node on output 2 trims the failed record for its log.
        const failed = r.outputs[1][0].payload;
        delete failed.lines;
        failed.name = 'changed downstream';
        const res = await helper.request().get('/cn-erp/mapper/n1/sample').expect(200);
        should(res.body).eql({ sample: { name: 'A', lines: [{ sku: 'S1' }] } });
    });

    it('preview: a sample holding a whole number beyond 2^53 (an id pasted from a vendor answer) is read with every digit, as the node gets it from a client', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id' } } })], 'n1', 2));
        // JSON.parse reads 1234567890123456789 as 1234567890123456800: the preview showed another id, or (convert
        // "string") failed a record the deployed node maps.
        const mapping = JSON.stringify({ fields: { FID: { path: 'id', convert: 'string' }, FEntryID: { path: 'lines[0].entryId' } } });
        const res = await helper.request().post('/cn-erp/mapper/preview').send({ mapping, sample: '{"id":1234567890123456789,"lines":[{"entryId":1234567890123456791}]}' }).expect(200);
        should(res.body.results).have.length(1);
        should(res.body.results[0]).match({ ok: true, record: { FID: '1234567890123456789', FEntryID: '1234567890123456791' } });
    });

    /** Seed 002 (Guanyi return → Jingcheng sheet) with the sheet date required, as example 03 maps it. */
    const sheetMapping = () => {
        const fx = fixture(2);
        fx.mapping.fields.SheetDate.required = true;
        return fx;
    };

    it('preview in a zh-CN editor: a required field left empty, a date that is no date and the target schema\'s refusals read in Chinese, the values as in the record; in en-US as before', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id' } } })], 'n1', 2));
        const fx = sheetMapping();
        const sample = [{ ...fx.source, receive_date: '' }, { ...fx.source, receive_date: '2024-13-45' }, { ...fx.source, code: ' ', details: [] }];
        const res = await helper.request().post('/cn-erp/mapper/preview').send({ mapping: JSON.stringify(fx.mapping), target: 'jingcheng-recv', sample: JSON.stringify(sample) }).expect(200);
        // The answer's reasons are the English ones, as before, each with its text beside it.
        should(res.body.results[0].errors).eql([{ field: 'SheetDate', source: 'receive_date', reason: 'is required (source is empty)', text: { key: 'erp-mapper.reason.required' } }]);
        should(mapperPreviewText(res.body, 'zh-CN')).equal(
            [
                '#1 ✘\nSheetDate ← receive_date: 必填（源为空）',
                '#2 ✘\nSheetDate ← receive_date: "2024-13-45" 不是日期：可用 yyyy-MM-dd、yyyy-MM-dd HH:mm:ss、毫秒时间戳或 /Date(ms)/',
                '#3 ✘\nSheetID ← code: 不能为空白\nItems ← details: 不能少于 1 项',
            ].join('\n\n'),
        );
        should(mapperPreviewText(res.body, 'en-US')).equal(
            [
                '#1 ✘\nSheetDate ← receive_date: is required (source is empty)',
                '#2 ✘\nSheetDate ← receive_date: "2024-13-45" is not a date (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, ms timestamp or /Date(ms)/)',
                '#3 ✘\nSheetID ← code: must not be blank\nItems ← details: must NOT have fewer than 1 items',
            ].join('\n\n'),
        );
    });

    it('Node-RED running in zh-CN: output 2 msg.error.message reads in Chinese; msg.error.errors keep {field, source, reason} with the English reason; in en-US the message as before', async function () {
        const fx = sheetMapping();
        const records = [fx.source, { ...fx.source, receive_date: '' }, { ...fx.source, receive_date: '2024-13-45', details: [{ qty: 1 }] }];
        // Node-RED with lang "zh-CN": RED._ reads the mapper's zh-CN catalog as the build ships it.
        const chinese = editorTranslator('mapper', 'erp-mapper', 'zh-CN');
        const inChinese = (red: any) => (erpMapper as any)({ ...red, _: chinese });
        const failures = async (nodeModules: unknown[]) => {
            await load(nodeModules, withProbes([mapperNode(fx.mapping, { target: 'jingcheng-recv' })], 'n1', 2));
            const r = await run('n1', { payload: records }, 2);
            should(r.outputs[0][0].payload).have.length(1);
            await helper.unload();
            return r.outputs[1].map((m: Msg) => m.error);
        };
        const errors = [
            [{ field: 'SheetDate', source: 'receive_date', reason: 'is required (source is empty)' }],
            [
                { field: 'SheetDate', source: 'receive_date', reason: '"2024-13-45" is not a date (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, ms timestamp or /Date(ms)/)' },
                { field: 'Items[0].GoodsID', source: 'details[0].sku_code', reason: 'is required (source is empty)' },
            ],
        ];
        const zh = await failures([jingchengConfig, jingchengRecv, inChinese]);
        should(zh.map((e: Msg) => e.message)).eql([
            'SheetDate（来自 receive_date）：必填（源为空）',
            'SheetDate（来自 receive_date）："2024-13-45" 不是日期：可用 yyyy-MM-dd、yyyy-MM-dd HH:mm:ss、毫秒时间戳或 /Date(ms)/；Items[0].GoodsID（来自 details[0].sku_code）：必填（源为空）',
        ]);
        should(zh.map((e: Msg) => e.errors)).eql(errors);
        should(zh[0]).match({ system: 'mapper', kind: 'validation', code: 'MAPPING_FAILED', field: 'SheetDate', source: 'receive_date', retryable: false });
        const en = await failures(modules);
        should(en.map((e: Msg) => e.message)).eql([
            'SheetDate: is required (source is empty) (from receive_date)',
            'SheetDate: "2024-13-45" is not a date (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, ms timestamp or /Date(ms)/) (from receive_date); Items[0].GoodsID: is required (source is empty) (from details[0].sku_code)',
        ]);
        should(en.map((e: Msg) => e.errors)).eql(errors);
    });

    /** A mapper (m1) inside a subflow used twice, by instances shopA and shopB. */
    async function loadSubflowUsedTwice(): Promise<void> {
        const mapping = JSON.stringify({ fields: { id: { path: 'id', required: true } } });
        await load(modules, [
            { id: 'f1', type: 'tab' },
            { id: 'sf', type: 'subflow', name: 'map', info: '', in: [{ x: 50, y: 50, wires: [{ id: 'm1' }] }], out: [{ x: 400, y: 50, wires: [{ id: 'm1', port: 0 }] }] },
            { id: 'm1', type: 'erp-mapper', z: 'sf', x: 200, y: 50, name: '', target: '', mapping, wires: [[], []] },
            { id: 'shopA', type: 'subflow:sf', z: 'f1', x: 100, y: 100, wires: [[]] },
            { id: 'shopB', type: 'subflow:sf', z: 'f1', x: 100, y: 200, wires: [[]] },
        ]);
    }

    it('"use last received" for a mapper inside a subflow: the editor asks by the id it knows the mapper by, and gets the last record any instance received', async function () {
        // Node-RED runs each instance's copy of the mapper under an id of its own; the editor knows only the subflow's.
        await loadSubflowUsedTwice();
        helper.getNode('shopA').receive({ payload: { id: 1, shop: 'A' } });
        await waitFor('shop A mapped', async () => (await sampleStatus()) === 200);
        should((await helper.request().get('/cn-erp/mapper/m1/sample').expect(200)).body).eql({ sample: { id: 1, shop: 'A' } });
        helper.getNode('shopB').receive({ payload: { id: 2, shop: 'B' } });
        await waitFor('shop B mapped', async () => (await helper.request().get('/cn-erp/mapper/m1/sample')).body?.sample?.shop === 'B');
        // A deploy stopping one instance leaves the other's record.
        await helper.getNode('shopA-m1').close();
        should((await helper.request().get('/cn-erp/mapper/m1/sample').expect(200)).body).eql({ sample: { id: 2, shop: 'B' } });

        async function sampleStatus(): Promise<number> {
            return (await helper.request().get('/cn-erp/mapper/m1/sample')).status;
        }
    });

    it('"use last received" for a mapper inside a subflow used twice: the instance that received last stopping (its instance changed and redeployed) leaves the record the other received, not none', async function () {
        await loadSubflowUsedTwice();
        const sample = async () => (await helper.request().get('/cn-erp/mapper/m1/sample')).body?.sample;
        helper.getNode('shopA').receive({ payload: { id: 1, shop: 'A' } });
        await waitFor('shop A mapped', async () => (await sample())?.shop === 'A');
        helper.getNode('shopB').receive({ payload: { id: 2, shop: 'B' } });
        await waitFor('shop B mapped', async () => (await sample())?.shop === 'B');
        await helper.getNode('shopB-m1').close();
        should((await helper.request().get('/cn-erp/mapper/m1/sample').expect(200)).body).eql({ sample: { id: 1, shop: 'A' } });
        // Both stopped: none.
        await helper.getNode('shopA-m1').close();
        await helper.request().get('/cn-erp/mapper/m1/sample').expect(404);
    });

    it('"use last received" with a record too large to keep: the dialog says so in Chinese in a zh-CN editor (as before in en-US)', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id', required: true } } })], 'n1', 2));
        await run('n1', { payload: { id: 1, note: 'x'.repeat(300 * 1024) } }, 1);
        const res = await helper.request().get('/cn-erp/mapper/n1/sample').expect(413);
        const xhr = { status: 413, responseJSON: res.body };
        should(mapperLastSampleText(xhr, 'zh-CN')).equal('最近收到的记录超过 262144 个字符，不能用作示例');
        should(mapperLastSampleText(xhr, 'en-US')).equal('the last record is over 262144 characters');
    });

    it('delivery tickets: acknowledged here when every record failed; stripped from output-2 msgs; kept on output 1', async function () {
        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id', required: true } } })], 'n1', 2));
        let settled = 0;
        const ackRun = openAckRun(() => settled++);
        const t1 = ackRun.issue();
        const t2 = ackRun.issue();
        ackRun.seal();
        const r1 = await run('n1', { payload: [{}, {}], [ACK_PROPERTY]: t1 }, 2);
        should(r1.outputs[0]).have.length(0);
        should(r1.outputs[1]).have.length(2);
        should(r1.outputs[1][0]).not.have.property(ACK_PROPERTY);
        should(pendingTickets(ackRun.id)).equal(1);
        should(settled).equal(0);
        const r2 = await run('n1', { payload: [{ id: 1 }, {}], [ACK_PROPERTY]: t2 }, 2);
        should(r2.outputs[0][0].payload).eql([{ id: 1 }]);
        should(r2.outputs[0][0][ACK_PROPERTY]).eql(t2);
        should(r2.outputs[1][0]).not.have.property(ACK_PROPERTY);
        // Output 1 goes on to a write node, which hands t2 back; the mapper does not.
        should(pendingTickets(ackRun.id)).equal(1);
        should(settled).equal(0);
    });

    it('delivery tickets: a msg sent to Catch whole (a bad mapping, a payload nested too deep) hands its ticket back, as the endpoint nodes do', async function () {
        await load(modules, withProbes([mapperNode({ fields: { x: { path: '__proto__.y' } } })], 'n1', 2));
        let settled = 0;
        const ackRun = openAckRun(() => settled++);
        const t1 = ackRun.issue();
        ackRun.seal();
        const r1 = await run('n1', { payload: [{ id: 1 }], [ACK_PROPERTY]: t1 }, 2);
        should(r1.caught!.error.message).match(/bad mapping/);
        should(pendingTickets(ackRun.id)).equal(0);
        should(settled).equal(1);
        await helper.unload();

        await load(modules, withProbes([mapperNode({ fields: { id: { path: 'id' } } })], 'n1', 2));
        const deepRun = openAckRun(() => settled++);
        const t2 = deepRun.issue();
        deepRun.seal();
        let deep: Msg = { id: 1 };
        for (let i = 0; i < 150; i++) deep = { child: deep };
        const r2 = await run('n1', { payload: deep, [ACK_PROPERTY]: t2 }, 2);
        should(r2.caught!.error.message).match(/nested deeper than 100 levels/);
        should(settled).equal(2);
    });
});

describe('erp-mapper preview: lookups read the deployed node\'s context', function () {
    afterEach(async () => {
        await helper.unload();
        helper.settings({});
    });

    /** Seed 004's lookup (TargetOrgId from flow.kingdeeAccounts by payerAccountNumber), no target. */
    const accountLookup = (onMissing = 'fail', contextStore?: string) => ({
        fields: {
            Number: { path: 'payeeTargetBusinessCode' },
            TargetOrgId: { lookup: { store: 'flow', key: 'kingdeeAccounts', match: { FNumber: 'payerAccountNumber' }, return: 'FUseOrgId', onMissing, ...(contextStore ? { contextStore } : {}) } },
        },
    });
    const preview = (id: string, mapping: unknown, sample: unknown) => helper.request().post('/cn-erp/mapper/preview').send({ id, mapping: JSON.stringify(mapping), sample: JSON.stringify(sample) }).expect(200);

    it('a deployed mapper whose flow context holds the collection: the preview shows the looked-up value (its own tab\'s flow context), and a miss as the runtime says it', async function () {
        const fx = fixture(4);
        await load(modules, [...withProbes([mapperNode(accountLookup())], 'n1', 2), mapperNode(accountLookup(), { id: 'n2', z: 'f2' }), { id: 'f2', type: 'tab' }]);
        helper.getNode('n1').context().flow.set('kingdeeAccounts', (fx.context as any).flow.kingdeeAccounts);
        helper.getNode('n2').context().flow.set('kingdeeAccounts', [{ FNumber: fx.source.payerAccountNumber, FUseOrgId: 'OTHER-TAB' }]);
        const res = await preview('n1', accountLookup(), [fx.source, { ...fx.source, payerAccountNumber: '000' }]);
        should(res.body.results[0]).eql({ ok: true, record: { Number: 'FKSQ202401090001', TargetOrgId: 100002 } });
        should(res.body.results[1].errors).eql([
            { field: 'TargetOrgId', source: 'payerAccountNumber', reason: 'no match in flow.kingdeeAccounts where FNumber="000"', text: { key: 'erp-mapper.reason.lookupNoMatch', vars: { store: 'flow', key: 'kingdeeAccounts', match: 'FNumber="000"' } } },
        ]);
        should((await preview('n2', accountLookup(), fx.source)).body.results[0].record.TargetOrgId).equal('OTHER-TAB');
        // Read only: the context is as it was.
        should(helper.getNode('n1').context().flow.keys()).eql(['kingdeeAccounts']);
    });

    it('a mapper not deployed yet, or whose flow has not loaded the collection: the field says so, in the editor\'s language, whatever onMissing says', async function () {
        const fx = fixture(4);
        await load(modules, withProbes([mapperNode(accountLookup())], 'n1', 2));
        const undeployed = await preview('new1', accountLookup('empty'), fx.source);
        should(undeployed.body.results[0]).match({ ok: false, errors: [{ field: 'TargetOrgId', source: 'payerAccountNumber', reason: 'lookup: flow.kingdeeAccounts not read: this node is not deployed (deploy, then run the flow that loads it)' }] });
        should(mapperPreviewText(undeployed.body, 'zh-CN')).equal('#1 ✘\nTargetOrgId ← payerAccountNumber: 查找：本节点尚未部署，无法读取 flow.kingdeeAccounts（请先部署，再运行加载该集合的流程）');
        should(mapperPreviewText(undeployed.body, 'en-US')).equal('#1 ✘\nTargetOrgId ← payerAccountNumber: lookup: flow.kingdeeAccounts not read: this node is not deployed (deploy, then run the flow that loads it)');
        const notSet = await preview('n1', accountLookup(), fx.source);
        should(mapperPreviewText(notSet.body, 'en-US')).equal('#1 ✘\nTargetOrgId ← payerAccountNumber: lookup: flow.kingdeeAccounts is not set in the deployed flow (deploy, then run the flow that loads it)');
        should(mapperPreviewText(notSet.body, 'zh-CN')).equal('#1 ✘\nTargetOrgId ← payerAccountNumber: 查找：已部署的流程中没有 flow.kingdeeAccounts（请先部署，再运行加载该集合的流程）');
        // No id (an older editor): as not deployed, not a generic failure.
        const noId = await helper.request().post('/cn-erp/mapper/preview').send({ mapping: JSON.stringify(accountLookup()), sample: JSON.stringify(fx.source) }).expect(200);
        should(noId.body.results[0].errors[0].text.key).equal('erp-mapper.reason.previewNotDeployed');
    });

    it('a context store that fails reading: the field names the store and its error, the preview still answers', async function () {
        const failing = () => ({
            open: () => Promise.resolve(),
            close: () => Promise.resolve(),
            get: (_scope: string, _key: string, cb: (err: Error) => void) => cb(new Error('disk unreadable')),
            set: (_scope: string, _key: string, _value: unknown, cb?: () => void) => cb?.(),
            keys: (_scope: string, cb: (err: null, keys: string[]) => void) => cb(null, []),
            delete: () => Promise.resolve(),
            clean: () => Promise.resolve(),
        });
        helper.settings({ contextStorage: { default: { module: 'memory' }, broken: { module: failing } } });
        await load(modules, withProbes([mapperNode(accountLookup('fail', 'broken'))], 'n1', 2));
        await (helper as any)._context.load();
        const res = await preview('n1', accountLookup('fail', 'broken'), fixture(4).source);
        should(mapperPreviewText(res.body, 'en-US')).equal('#1 ✘\nTargetOrgId ← payerAccountNumber: lookup: reading flow(broken).kingdeeAccounts failed: disk unreadable');
        should(mapperPreviewText(res.body, 'zh-CN')).equal('#1 ✘\nTargetOrgId ← payerAccountNumber: 查找：读取 flow(broken).kingdeeAccounts 失败：disk unreadable');
    });
});
