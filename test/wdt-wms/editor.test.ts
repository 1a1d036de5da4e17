import fs from 'fs';
import path from 'path';
import vm from 'vm';
import should from 'should';
import { describeEditor, editorKit } from '../helpers/editor-locales';
import record from '../../nodes/wdt-wms/schemas/cancel.record.json';

describeEditor('wdt-wms', { help: { 'wdt-wms-cancel': [...Object.keys(record.properties), 'flag', 'code', 'message', 'recordIndex', 'msg._error'] } });

describe('wdt-wms-config editor: the service URL as the runtime reads it', () => {
    // Runs the dialog script against a stand-in for RED and jQuery, as test/jackyun/editor.test.ts does.
    function definition(): any {
        const html = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'nodes', 'wdt-wms', 'wdt-wms-config.html'), 'utf8');
        const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
        let def: any;
        const RED = { nodes: { registerType: (t: string, d: any) => t === 'wdt-wms-config' && (def = d) }, validators: { number: () => () => true } };
        vm.runInNewContext(script, { RED, $: () => ({ val: () => undefined }), CnErpEditor: { prepareConfig() {}, validators: { ...editorKit().validators, seconds: () => true } } });
        return def;
    }

    it('blank is valid (the runtime uses the default URL); an address without http:// or https:// is not (the runtime refuses it), with a reason', () => {
        const serviceUrl = definition().defaults.serviceUrl;
        const node = { _: (key: string) => `[${key}]` };
        should(serviceUrl.required).not.be.true();
        should(serviceUrl.validate.call(node, '')).be.true();
        should(serviceUrl.validate.call(node, 'https://wmsapi.wdtwms.com/wms_api/wdt_service.php')).be.true();
        should(serviceUrl.validate.call(node, ' http://10.0.0.5/wms_api/wdt_service.php ')).be.true();
        should(serviceUrl.validate.call(node, 'wmsapi.wdtwms.com/wms_api/wdt_service.php')).equal('[wdt-wms-config.validation.url]');
    });
});

describe('wdt-wms-config: the service URL through Qimen', () => {
    it('runtime: blank in the Qimen style is Qimen\'s router (it was WDT\'s own host, which takes no Qimen call); in the WDT style WDT\'s; an address given is kept', () => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const { WdtWmsClient } = require('../../nodes/wdt-wms/client');
        const client = (settings: Record<string, unknown>) => new WdtWmsClient({ system: 'wdt-wms' }, { appkey: 'k', sid: 's', ...settings }, 's3cret');
        should(client({ apiStyle: 'qimen', serviceUrl: '' }).settings.serviceUrl).equal('https://qimen.api.taobao.com/router/qimen/service');
        should(client({ apiStyle: 'wdt', serviceUrl: '' }).settings.serviceUrl).equal('https://wmsapi.wdtwms.com/wms_api/wdt_service.php');
        should(client({ apiStyle: 'qimen', serviceUrl: 'https://wms.example.cn/qimen' }).settings.serviceUrl).equal('https://wms.example.cn/qimen');
    });

    it('dialog: switching the API names to Qimen puts Qimen\'s router in place of WDT\'s default address, and back; an address of the user\'s own is kept', () => {
        const html = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'nodes', 'wdt-wms', 'wdt-wms-config.html'), 'utf8');
        const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
        let def: any;
        const values: Record<string, string> = {};
        const handlers: Record<string, () => void> = {};
        const $ = (sel: string) => ({
            val: (v?: string) => (v === undefined ? values[sel] : void (values[sel] = v)),
            on: (_event: string, fn: () => void) => void (handlers[sel] = fn),
        });
        const RED = { nodes: { registerType: (t: string, d: any) => t === 'wdt-wms-config' && (def = d) }, validators: { number: () => () => true } };
        vm.runInNewContext(script, { RED, $, CnErpEditor: { prepareConfig() {}, validators: editorKit().validators } });
        def.oneditprepare.call({});
        const switchTo = (style: string, url: string) => {
            values['#node-config-input-serviceUrl'] = url;
            values['#node-config-input-apiStyle'] = style;
            handlers['#node-config-input-apiStyle']();
            return values['#node-config-input-serviceUrl'];
        };
        should(switchTo('qimen', 'https://wmsapi.wdtwms.com/wms_api/wdt_service.php')).equal('https://qimen.api.taobao.com/router/qimen/service');
        should(switchTo('wdt', 'https://qimen.api.taobao.com/router/qimen/service')).equal('https://wmsapi.wdtwms.com/wms_api/wdt_service.php');
        should(switchTo('qimen', 'https://wms.example.cn/qimen')).equal('https://wms.example.cn/qimen');
    });
});
