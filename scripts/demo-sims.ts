/**
 * The simulators the demo starts, on fixed loopback ports, with the demo credentials their config nodes need, and the
 * callback secret of scenario 04. Example flows point their config nodes at these addresses and carry no credentials:
 * the demo fills them in from here, by config node type.
 */
import { SimServer } from '../test/sim/harness';
import { qeasySignature } from '../nodes/qeasy/sign';
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

/** Scenario 04's callback (qeasy-config, protocols.md §9.3): the secret the upstream signs with, and the path. */
export const QEASY_DEMO = { secret: 'qeasy-demo-callback-secret-0001', path: '/qeasy/orders' };

/** Credentials by config node type: each simulator's demo credentials, and the callback secret. */
export const DEMO_CREDENTIALS: Record<string, Record<string, string>> = {
    ...Object.fromEntries(SIMULATORS.map((s) => [s.configType, s.credentials])),
    'qeasy-config': { secret: QEASY_DEMO.secret },
};

/** The headers that sign a callback body with the demo secret (X-Timestamp, X-Signature). */
export function signedCallbackHeaders(body: string, nowMs = Date.now()): Record<string, string> {
    const ts = String(Math.floor(nowMs / 1000));
    return { 'Content-Type': 'application/json', 'X-Timestamp': ts, 'X-Signature': qeasySignature(QEASY_DEMO.secret, ts, body) };
}

/**
 * A shell snippet that posts one new order to scenario 04, signed at the time it runs (the signature is valid for
 * 300 s, so it is computed when pasted, not printed ready-made). The order number carries the time: each paste is a
 * new order; post the same body twice within a day to see the duplicate answer.
 */
export function callbackCurl(nodeRedUrl: string): string {
    const body = `{"shop_no":"SHOP01","tid":"CB'"$ts"'","trade_status":"30","pay_status":"2","delivery_term":"1","trade_time":"2024-01-09 10:00:00","buyer_nick":"demo","paid":"100","order_list":[{"oid":"1","num":"2","price":"50.00","goods_no":"G001","spec_no":"G001-RED"}]}`;
    return [
        `ts=$(date +%s); body='${body}'`,
        `sig=$(printf '%s\\n%s' "$ts" "$body" | openssl dgst -sha256 -hmac '${QEASY_DEMO.secret}' -hex | sed 's/^.* //')`,
        `curl -sS -X POST '${nodeRedUrl}${QEASY_DEMO.path}' -H 'Content-Type: application/json' -H "X-Timestamp: $ts" -H "X-Signature: $sig" --data-binary "$body"; echo`,
    ].join('\n');
}

export interface StartedSimulators {
    list: Array<{ name: string; dir: string; url: string; sim: SimServer }>;
    /** A simulator by display name or by its folder under test/sim/ (e.g. 'kingdee'). */
    get(name: string): SimServer | undefined;
    stop(): Promise<void>;
}

function loadSimulator(dir: string): SimServer {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(`../test/sim/${dir}`);
    const Sim = Object.values(mod).find((v) => typeof v === 'function' && (v as any).prototype instanceof SimServer) as new () => SimServer;
    if (!Sim) throw new Error(`test/sim/${dir} exports no simulator class`);
    return new Sim();
}

/**
 * Starts every simulator on its fixed port, or on free ports (`freePorts`: checks and tests, so they neither clash
 * with a running `npm start` nor with each other; the demo then points the flows at the ports used).
 */
export async function startSimulators(options: { freePorts?: boolean } = {}): Promise<StartedSimulators> {
    const list: StartedSimulators['list'] = [];
    try {
        for (const s of SIMULATORS) {
            const sim = loadSimulator(s.dir);
            const url = await sim.start(options.freePorts ? 0 : s.port).catch((err: NodeJS.ErrnoException) => {
                // A fixed port taken is, nearly always, another `npm start` still running: say so, not just EADDRINUSE.
                if (err.code !== 'EADDRINUSE' || options.freePorts) throw err;
                throw new Error(`port ${s.port} of the ${s.name} simulator is already in use: is another \`npm start\` running? The simulators' ports are fixed (the example flows point at them), so one demo at a time: stop the other one (Ctrl-C) first`);
            });
            list.push({ name: s.name, dir: s.dir, url, sim });
        }
    } catch (err) {
        await Promise.all(list.map((s) => s.sim.stop()));
        throw err;
    }
    return {
        list,
        get: (name) => list.find((s) => s.name === name || s.dir === name)?.sim,
        stop: async () => {
            await Promise.all(list.map((s) => s.sim.stop()));
        },
    };
}
