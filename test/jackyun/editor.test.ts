import fs from 'fs';
import path from 'path';
import vm from 'vm';
import should from 'should';
import { describeEditor, editorKit } from '../helpers/editor-locales';
import request from '../../nodes/jackyun/schemas/trade-query.request.json';

describeEditor('jackyun', { help: { 'jackyun-trade-query': [...Object.keys(request.properties), 'TradeNo', 'goodsDetail', 'tradeOrderPayList'] } });

describe('jackyun-config editor: Qimen settings are required in Qimen mode', () => {
    // Runs the dialog script against a stand-in for RED and jQuery, as test/kingdee/editor.test.ts does.
    function definition(dialogMode: string | undefined): any {
        const html = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'nodes', 'jackyun', 'jackyun-config.html'), 'utf8');
        const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
        let def: any;
        const RED = { nodes: { registerType: (t: string, d: any) => t === 'jackyun-config' && (def = d) }, validators: { number: () => () => true } };
        vm.runInNewContext(script, { RED, $: (sel: string) => ({ val: () => (sel === '#node-config-input-mode' ? dialogMode : undefined) }), CnErpEditor: { prepareConfig() {}, validators: editorKit().validators } });
        return def;
    }

    it('customerId, qimenAppKey, targetAppKey and gatewayUrl: empty is invalid in Qimen mode only (saved mode, or the one chosen in the open dialog)', () => {
        // gatewayUrl too: switching the dialog to Qimen empties it (it held the direct URL), and the runtime refuses it empty.
        for (const field of ['customerId', 'qimenAppKey', 'targetAppKey', 'gatewayUrl']) {
            const saved = definition(undefined).defaults[field].validate;
            should(saved.call({ mode: 'qimen' }, '')).be.false(field);
            should(saved.call({ mode: 'qimen' }, '  ')).be.false(field);
            should(saved.call({ mode: 'qimen' }, field === 'gatewayUrl' ? 'https://x.api.taobao.com/router/qm' : 'jky-demo-tenant')).be.true(field);
            should(saved.call({ mode: 'direct' }, '')).be.true(field);
            should(definition('qimen').defaults[field].validate.call({ mode: 'direct' }, '')).be.false(field);
            should(definition('direct').defaults[field].validate.call({ mode: 'qimen' }, '')).be.true(field);
        }
    });

    it('gatewayUrl: an address without http:// or https:// is invalid in either mode (the runtime refuses it), with a reason; blank is valid in direct mode (the default gateway)', () => {
        const node = (mode: string) => ({ mode, _: (key: string) => `[${key}]` });
        for (const mode of ['direct', 'qimen']) {
            const validate = definition(undefined).defaults.gatewayUrl.validate;
            should(validate.call(node(mode), 'open.jackyun.com/open/openapi/do')).equal('[jackyun-config.validation.url]');
            should(validate.call(node(mode), ' https://open.jackyun.com/open/openapi/do ')).be.true();
        }
        should(definition(undefined).defaults.gatewayUrl.validate.call(node('direct'), '')).be.true();
    });
});

describe('jackyun-config editor: switching the mode', () => {
    // The dialog's script against a stand-in for jQuery holding the inputs' values.
    function openDialog(values: Record<string, string>) {
        const html = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'nodes', 'jackyun', 'jackyun-config.html'), 'utf8');
        const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
        let def: any;
        const handlers: Record<string, () => void> = {};
        const $ = (sel: string) => ({
            val: (v?: string) => (v === undefined ? values[sel] : void (values[sel] = v)),
            toggle: () => undefined,
            on: (_event: string, fn: () => void) => void (handlers[sel] = fn),
        });
        const RED = { nodes: { registerType: (t: string, d: any) => t === 'jackyun-config' && (def = d) }, validators: { number: () => () => true } };
        vm.runInNewContext(script, { RED, $, CnErpEditor: { prepareConfig() {}, validators: editorKit().validators } });
        def.oneditprepare.call({});
        return (mode: string) => {
            values['#node-config-input-mode'] = mode;
            handlers['#node-config-input-mode']();
            return values['#node-config-input-gatewayUrl'];
        };
    }

    it('to direct, a Qimen gateway address (a Qimen app\'s /router/qm, taobao\'s router) becomes Jackyun\'s own (kept, every call was answered "Missing App Key" by Qimen); an address of the user\'s own is kept', () => {
        for (const qimenUrl of ['https://zci2vl4joy.api.taobao.com/router/qm', 'http://gw.api.taobao.com/router/rest', 'http://qimenapi.tbsandbox.com/router/qimen/service']) {
            const switchTo = openDialog({ '#node-config-input-mode': 'qimen', '#node-config-input-gatewayUrl': qimenUrl });
            should(switchTo('direct')).equal('https://open.jackyun.com/open/openapi/do', qimenUrl);
        }
        const own = 'https://jky-proxy.example.cn/open/openapi/do';
        should(openDialog({ '#node-config-input-mode': 'qimen', '#node-config-input-gatewayUrl': own })('direct')).equal(own);
        // To Qimen: the direct default is emptied (the Qimen app's address is the user's to fill).
        should(openDialog({ '#node-config-input-mode': 'direct', '#node-config-input-gatewayUrl': 'https://open.jackyun.com/open/openapi/do' })('qimen')).equal('');
    });
});
