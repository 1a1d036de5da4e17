/**
 * The simulators the demo starts, on fixed loopback ports, with the demo credentials their config nodes need.
 * Example flows point their config nodes at these addresses.
 */
import { SimServer } from '../test/sim/harness';

export interface DemoSimulator {
    name: string;
    /** Folder under test/sim/. */
    dir: string;
    port: number;
    /** The config node type whose credentials the demo fills in. */
    configType: string;
    credentials: Record<string, string>;
}

export const SIMULATORS: DemoSimulator[] = [];

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
