/**
 * A Node-RED runtime for benchmarks, through the same test helper as the node tests (test/helpers/nodered.ts):
 * load a flow once, then drive it many times without collecting the messages (counting only, so memory figures are
 * the nodes' own, not the harness's).
 */
import path from 'path';
import { helper, load, removeSpies, withProbes, catchNode, completeNode, Msg } from '../../test/helpers/nodered';

export { helper, load, withProbes, Msg };

const nodeRedPath = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
const nodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath)] }));

/** Node-RED's own core nodes used as the "hand-made" side of a comparison. */
export const coreNodes = {
    function: () => require(path.join(nodesDir, 'core', 'function', '10-function.js')),
    httpRequest: () => require(path.join(nodesDir, 'core', 'network', '21-httprequest.js')),
    catch: catchNode,
    complete: completeNode,
};

/**
 * Loads `flow` (already with probes or not) with the given node modules, then takes the test helper's sinon spies
 * off (removeSpies): a spy keeps every msg ever sent, which would make the memory and per-message figures the
 * harness's rather than Node-RED's.
 */
export async function loadFlow(modules: unknown[], flow: Msg[], credentials: Record<string, Msg> = {}): Promise<void> {
    await load(modules, flow, credentials);
    // The helper reports a flow that failed to start only in its log: check that every node is there.
    for (const def of flow) {
        if (def.type !== 'tab' && !helper.getNode(def.id)) throw new Error(`the flow did not start: no node ${def.id} (${def.type})`);
    }
    removeSpies(flow);
}

export function getNode(id: string): any {
    const n = helper.getNode(id);
    if (!n) throw new Error(`no node ${id} in the loaded flow`);
    return n;
}

/**
 * Sends `msg` to query node `id` (loaded with withProbes(…, id, 1)) and resolves when the node has called done()
 * and `expected` records (if given) have arrived at its output probe; `onMsg` sees every output msg as it arrives.
 * Rejects with the Catch node's error when the node fails, or after `timeoutMs`.
 */
export function runQuery(id: string, msg: Msg, onMsg: (m: Msg) => void, options: { expected?: number; count?: (m: Msg) => number; timeoutMs?: number } = {}): Promise<{ records: number; msgs: number }> {
    const probe = getNode(`${id}-out1`);
    const caught = getNode(`${id}-caught`);
    const completed = getNode(`${id}-completed`);
    const count = options.count ?? ((m: Msg) => (Array.isArray(m.payload) ? m.payload.length : 1));
    let records = 0;
    let msgs = 0;
    let done = false;
    return new Promise((resolve, reject) => {
        const cleanup = () => {
            clearTimeout(timer);
            probe.removeListener('input', onOut);
            caught.removeListener('input', onCaught);
            completed.removeListener('input', onCompleted);
        };
        const finishIfReady = () => {
            if (done && (options.expected === undefined || records >= options.expected)) {
                cleanup();
                resolve({ records, msgs });
            }
        };
        const onOut = (m: Msg) => {
            msgs++;
            records += count(m);
            onMsg(m);
            finishIfReady();
        };
        const onCaught = (m: Msg) => {
            cleanup();
            reject(new Error(`${id} failed: ${m.error?.message ?? JSON.stringify(m.error)}`));
        };
        const onCompleted = () => {
            done = true;
            finishIfReady();
            // Messages sent just before done() arrive asynchronously; if the count is still short, give up later.
            if (options.expected !== undefined && records < options.expected) {
                setTimeout(() => {
                    if (records < options.expected!) {
                        cleanup();
                        reject(new Error(`${id} finished with ${records} of ${options.expected} records`));
                    }
                }, 2000);
            }
        };
        const timer = setTimeout(() => {
            cleanup();
            reject(new Error(`${id} did not finish within ${options.timeoutMs ?? 600000} ms (${records} records so far)`));
        }, options.timeoutMs ?? 600000);
        probe.on('input', onOut);
        caught.on('input', onCaught);
        completed.on('input', onCompleted);
        getNode(id).receive(msg);
    });
}

/**
 * Keeps `window` messages in flight: `send(i)` starts message i and resolves when that message is finished; the next
 * one starts as soon as one finishes. Resolves when all `total` are finished (bounded: exactly `total` sends).
 */
export async function pump(total: number, window: number, send: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < total) {
            const i = next++;
            await send(i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(window, total) }, worker));
}

/**
 * Correlates messages by a `benchId` property: `wait(id)` resolves when `settle(msg)` is called with a msg whose
 * benchId is id (from any probe listener), rejects after `timeoutMs`.
 */
export class Correlator {
    private readonly pending = new Map<string, { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

    constructor(private readonly timeoutMs = 60000) {}

    wait(id: string): Promise<void> {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id);
                reject(new Error(`message ${id} did not finish within ${this.timeoutMs} ms`));
            }, this.timeoutMs);
            this.pending.set(id, { resolve, reject, timer });
        });
    }

    settle(msg: Msg, error?: Error): void {
        const id = String(msg.benchId);
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        if (error) p.reject(error);
        else p.resolve();
    }
}

/**
 * Like withProbes for several nodes at once: a helper probe per output (`<id>-out<n>`), and ONE catch and ONE
 * complete node scoped to all of them, wired to the probes `caught` and `completed` (the test helper cannot load two
 * nodes of the same core type). Messages are told apart by their own properties (e.g. benchId).
 */
export function withSharedProbes(flow: Msg[], targets: Array<{ id: string; outputs: number }>, options: { complete?: boolean } = {}): Msg[] {
    const z = 'f1';
    const out: Msg[] = [{ id: z, type: 'tab', label: 'bench' }];
    for (const n of flow) {
        const t = targets.find((x) => x.id === n.id);
        out.push(t ? { ...n, z, wires: Array.from({ length: t.outputs }, (_, i) => [`${t.id}-out${i + 1}`]) } : n);
    }
    for (const t of targets) for (let i = 1; i <= t.outputs; i++) out.push({ id: `${t.id}-out${i}`, type: 'helper', z });
    const scope = targets.map((t) => t.id);
    out.push({ id: 'probe-catch', type: 'catch', z, scope, uncaught: false, wires: [['caught']] }, { id: 'caught', type: 'helper', z });
    if (options.complete !== false) out.push({ id: 'probe-complete', type: 'complete', z, scope, uncaught: false, wires: [['completed']] }, { id: 'completed', type: 'helper', z });
    return out;
}
