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
