import fs from 'fs';
import path from 'path';
import should from 'should';
import { helper, load, run, withProbes, nodeRedVersion, Msg } from '../helpers/nodered';
import { LANGS, helpText as help } from '../helpers/editor-locales';
import { WdtSim, WDT_DEMO, demoTrade } from '../sim/wdt';
import wdtConfig = require('../../nodes/wdt/wdt-config');
import wdtTradePush = require('../../nodes/wdt/wdt-trade-push');
import erpMapper = require('../../nodes/mapper/erp-mapper');

/**
 * What the nodes' help (en-US and zh-CN, as the build ships it) says a msg carries, checked against msgs the nodes
 * send when they run.
 */

// test/core/x.test.js in the build → dist*/nodes
const nodesDir = path.resolve(__dirname, '..', '..', 'nodes');

/** Every endpoint node of the build: [system folder, module] for each node js whose module carries a spec. */
function endpointModules(): Array<[string, any]> {
    return fs.readdirSync(nodesDir).flatMap((system) => {
        const dir = path.join(nodesDir, system);
        if (!fs.statSync(dir).isDirectory()) return [];
        return fs
            .readdirSync(dir)
            .filter((f) => f.endsWith('.js') && fs.existsSync(path.join(dir, `${f.slice(0, -3)}.html`)))
            .map((f) => require(path.join(dir, f)))
            .filter((m) => m && m.spec && m.spec.type)
            .map((m): [string, any] => [system, m]);
    });
}

/** The type the help gives output 1's msg.payload (`<li>` of the first port, `payload <span class="property-type">…`). */
function port1PayloadType(text: string): string[] {
    const port = /<ol class="node-ports">\s*<li>([\s\S]*?)<\/li>/.exec(text);
    const type = port && /<dt>payload <span class="property-type">([^<]*)<\/span>/.exec(port[1]);
    return type ? type[1].split('|').map((t) => t.trim()).sort() : [];
}

describe('help against what the nodes send', function () {
    describe("a write node's output 1", () => {
        let sim: WdtSim;
        beforeEach(async () => {
            sim = new WdtSim();
            await sim.start();
        });
        afterEach(async () => {
            await helper.unload();
            await sim.stop();
        });

        it('is an object for one record in and an array for an array in, and every write node\'s help types it "array | object"', async () => {
            const flow = [
                { id: 'c1', type: 'wdt-config', server: 'custom', baseUrl: `${sim.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, rps: 0 },
                { id: 'n1', type: 'wdt-trade-push', z: 'f1', config: 'c1', params: { shop_no: { value: 'SHOP01', type: 'str' } } },
            ];
            await load([wdtConfig, wdtTradePush], withProbes(flow, 'n1', 2), { c1: { appsecret: WDT_DEMO.appsecret } });
            const one = await run('n1', { payload: demoTrade('T1') }, 2);
            should(one.outputs[0]).have.length(1);
            should(one.outputs[0][0].payload).be.an.Object().and.not.be.an.Array().and.match({ tid: 'T1', shop_no: 'SHOP01' });
            const many = await run('n1', { payload: [demoTrade('T2')] }, 2);
            should(many.outputs[0][0].payload).be.an.Array().and.have.length(1);

            const writes = endpointModules().filter(([, m]) => m.spec.kind === 'write');
            should(writes.map(([, m]) => m.spec.type)).containDeep(['kingdee-batch-save', 'kingdee-push', 'wdt-trade-push', 'wdt-wms-cancel', 'jingcheng-recv']);
            const problems: string[] = [];
            for (const [system, m] of writes) {
                for (const lang of LANGS) {
                    const type = port1PayloadType(help(system, m.spec.type, lang));
                    if (type.join(' | ') !== 'array | object') problems.push(`${m.spec.type} ${lang}: output 1 payload typed "${type.join(' | ')}"`);
                }
            }
            should(problems).eql([]);
        });
    });

    describe('what a Catch node receives', () => {
        afterEach(() => helper.unload());

        /**
         * The Catch msg of each endpoint node (a bad msg.requestTimeout, refused before anything else) and of the
         * mapper (a bad mapping): Node-RED puts its own {message, source, code, cause …} in msg.error.
         */
        async function caughtMsgs(): Promise<Map<string, [string, Msg]>> {
            const out = new Map<string, [string, Msg]>();
            for (const [system, m] of endpointModules()) {
                const { type } = m.spec;
                await load([m], withProbes([{ id: 'n1', type, z: 'f1', config: 'none' }], 'n1', m.spec.kind === 'write' ? 2 : 1));
                const r = await run('n1', { payload: {}, requestTimeout: -1 }, m.spec.kind === 'write' ? 2 : 1);
                out.set(type, [system, r.caught!]);
                await helper.unload();
            }
            await load([erpMapper], withProbes([{ id: 'n1', type: 'erp-mapper', z: 'f1', mapping: '{"fields": {"a": {"nope": 1}}}' }], 'n1', 2));
            out.set('erp-mapper', ['mapper', (await run('n1', { payload: {} }, 2)).caught!]);
            return out;
        }

        it('every msg.error shape and msg.error.<property> the help gives for it is there, in both languages', async () => {
            const caught = await caughtMsgs();
            should(caught.size).be.above(9);
            const problems: string[] = [];
            // Shapes and properties checked: the check finds what the help says (it would pass on none).
            let named = 0;
            for (const [type, [system, msg]] of caught) {
                should(msg?.error).be.an.Object();
                const keys = new Set(Object.keys(msg.error));
                should([...keys]).containDeep(['message', 'source', 'cause']);
                // Node-RED 3.x copies no error.code (the README says to read error.cause.code there).
                if (Number(nodeRedVersion.split('.')[0]) < 4) keys.add('code');
                for (const lang of LANGS) {
                    for (const para of help(system, type, lang).split(/<\/(?:p|dd|li)>/).filter((p) => p.includes('Catch'))) {
                        // msg.error = {…}, msg.error is Node-RED's {…}: the keys it names.
                        for (const shape of para.matchAll(/msg\.error<\/code>[^<]{0,40}<code>\{([^}]*)\}<\/code>/g)) {
                            named++;
                            const missing = shape[1].split(',').map((k) => k.trim().replace(/\?$/, '')).filter((k) => k && !keys.has(k));
                            if (missing.length > 0) problems.push(`${type} ${lang}: msg.error {${shape[1]}}: the Catch msg's has no ${missing.join(', ')}`);
                        }
                        for (const p of para.matchAll(/msg\.error\.(\w+)/g)) {
                            named++;
                            if (!keys.has(p[1])) problems.push(`${type} ${lang}: the Catch msg has no msg.error.${p[1]}`);
                        }
                    }
                }
            }
            should(problems).eql([]);
            should(named).be.above(20);
        });
    });
});
