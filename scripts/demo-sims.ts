/**
 * The simulators the demo starts, on fixed loopback ports, with the demo credentials their config nodes need.
 * Example flows point their config nodes at these addresses.
 */
import { SimServer } from '../test/sim/harness';
import { KINGDEE_DEMO } from '../test/sim/kingdee';
import { JACKYUN_DEMO } from '../test/sim/jackyun';
import { WDT_WMS_DEMO } from '../test/sim/wdt-wms';
import { WDT_DEMO } from '../test/sim/wdt';
import { GUANYI_DEMO } from '../test/sim/guanyi';
import { MAYCUR_DEMO } from '../test/sim/maycur';
import { JINGCHENG_DEMO } from '../test/sim/jingcheng';

export interface DemoSimulator {
    name: string;
    /** Folder under test/sim/. */
    dir: string;
    port: number;
    /** The config node type whose credentials the demo fills in. */
    configType: string;
    credentials: Record<string, string>;
}

export const SIMULATORS: DemoSimulator[] = [
    { name: '金蝶云星空 Kingdee', dir: 'kingdee', port: 18801, configType: 'kingdee-config', credentials: { password: KINGDEE_DEMO.password, appSecret: KINGDEE_DEMO.appSecret } },
    { name: '吉客云 Jackyun', dir: 'jackyun', port: 18802, configType: 'jackyun-config', credentials: { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: JACKYUN_DEMO.qimenSecret } },
    { name: '旺店通WMS', dir: 'wdt-wms', port: 18803, configType: 'wdt-wms-config', credentials: { secret: WDT_WMS_DEMO.secret } },
    { name: '旺店通·企业版', dir: 'wdt', port: 18804, configType: 'wdt-config', credentials: { appsecret: WDT_DEMO.appsecret } },
    { name: '管易云 Guanyi', dir: 'guanyi', port: 18805, configType: 'guanyi-config', credentials: { sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret } },
    { name: '每刻 Maycur', dir: 'maycur', port: 18806, configType: 'maycur-config', credentials: { appSecret: MAYCUR_DEMO.appSecret } },
    { name: '精诚ERP', dir: 'jingcheng', port: 18807, configType: 'jingcheng-config', credentials: { secret: JINGCHENG_DEMO.secret, token: JINGCHENG_DEMO.token } },
];

export interface StartedSimulators {
    list: Array<{ name: string; url: string; sim: SimServer }>;
    get(name: string): SimServer | undefined;
    callbackHint?: (nodeRedUrl: string) => string | undefined;
    stop(): Promise<void>;
}

function loadSimulator(dir: string): SimServer {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(`../test/sim/${dir}`);
    const Sim = Object.values(mod).find((v) => typeof v === 'function' && (v as any).prototype instanceof SimServer) as new () => SimServer;
    if (!Sim) throw new Error(`test/sim/${dir} exports no simulator class`);
    return new Sim();
}

export async function startSimulators(): Promise<StartedSimulators> {
    const list: StartedSimulators['list'] = [];
    try {
        for (const s of SIMULATORS) {
            const sim = loadSimulator(s.dir);
            const url = await sim.start(s.port);
            list.push({ name: s.name, url, sim });
        }
    } catch (err) {
        await Promise.all(list.map((s) => s.sim.stop()));
        throw err;
    }
    return {
        list,
        get: (name) => list.find((s) => s.name === name)?.sim,
        stop: async () => {
            await Promise.all(list.map((s) => s.sim.stop()));
        },
    };
}
