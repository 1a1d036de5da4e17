/**
 * Node-RED test harness shared by every node test: the test helper bound to the Node-RED under test (NODE_RED_PATH
 * selects another install, e.g. Node-RED 5 for the second matrix run), the core catch/complete nodes, and `run()`,
 * which sends one msg to a node and collects what leaves it until it calls done() or done(err).
 */
import path from 'path';
import { Limiter } from '../../nodes/core/limiter';
import { SharedLogin } from '../../nodes/core/login';
import { MaycurClient } from '../../nodes/maycur/client';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const helper = require('node-red-node-test-helper');

const nodeRedPath = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
helper.init(nodeRedPath);

const nodesPkg = require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath)] });
const coreDir = path.join(path.dirname(nodesPkg), 'core', 'common');
export const catchNode = require(path.join(coreDir, '25-catch.js'));
export const completeNode = require(path.join(coreDir, '24-complete.js'));
export const statusNode = require(path.join(coreDir, '25-status.js'));
/** Node-RED's function node: it runs in a sandbox of its own, so the objects it builds have another Object.prototype. */
export const functionNode = require(path.join(path.dirname(nodesPkg), 'core', 'function', '10-function.js'));
/** Node-RED's json, switch, file and file in nodes: what a flow keeping failures in a file and replaying them uses. */
export const jsonNode = require(path.join(path.dirname(nodesPkg), 'core', 'parsers', '70-JSON.js'));
export const switchNode = require(path.join(path.dirname(nodesPkg), 'core', 'function', '10-switch.js'));
export const fileNode = require(path.join(path.dirname(nodesPkg), 'core', 'storage', '10-file.js'));
export const splitNode = require(path.join(path.dirname(nodesPkg), 'core', 'sequence', '17-split.js'));

export { helper };

// Each test stands for a Node-RED of its own: what is kept of an account beyond its config nodes (the limiter's
// rate-limit pause a simulator's injected fault asked for, up to the retry policy's 30 s; a Maycur app's logins of the
// last minute; refused logins, kept for every client sending the same ones) does not outlive its test, as it does not
// outlive a restart. Tests of one file share simulators, and their accounts. (Loaded by the benchmarks too, outside
// mocha.)
if (typeof afterEach === 'function') {
    afterEach(() => {
        Limiter.forgetClosedAccounts();
        MaycurClient.forgetLogins();
        SharedLogin.forgetRefusals();
    });
}

/**
 * As if a minute had gone by since the last logins: an app of Maycur's sends at most 5 a minute (LOGINS_PER_MINUTE,
 * tested in test/maycur). For tests that log in faster than that on purpose, to check something else.
 */
export function aMinuteAfterTheLogins(): void {
    MaycurClient.forgetLogins();
}

/**
 * The error code a Catch node's msg carries: Node-RED 4 and later copy the error's `code` to `msg.error.code`; 3.x
 * does not, and there it is in `msg.error.cause.code` (the classification ours carry, which 3.x copies too).
 */
export function caughtCode(caught: Msg | undefined): unknown {
    return caught?.error?.code ?? (Number(nodeRedVersion.split('.')[0]) < 4 ? caught?.error?.cause?.code : undefined);
}
/** The version of the Node-RED under test. */
export const nodeRedVersion: string = require(require.resolve('node-red/package.json', { paths: [path.dirname(nodeRedPath)] })).version;

export type Msg = Record<string, any>;

export interface RunResult {
    /** Messages per output: outputs[0] = output 1 (results), outputs[1] = output 2 (failed records). */
    outputs: Msg[][];
    /** Set when the node called done(err): the Catch node's msg (msg.error.message, msg.payload …). */
    caught?: Msg;
}

/**
 * Adds probe nodes around node `id` of `flow`: one helper per output (`<id>-out1`, …), a catch and a complete node
 * scoped to it. `outputs` = how many outputs the node has.
 */
export function withProbes(flow: Msg[], id: string, outputs: number): Msg[] {
    const target = flow.find((n) => n.id === id);
    if (!target) throw new Error(`no node ${id} in flow`);
    const z = target.z ?? 'f1';
    const probes: Msg[] = [];
    target.wires = [];
    for (let i = 1; i <= outputs; i++) {
        probes.push({ id: `${id}-out${i}`, type: 'helper', z });
        target.wires.push([`${id}-out${i}`]);
    }
    probes.push({ id: `${id}-catch`, type: 'catch', z, scope: [id], uncaught: false, wires: [[`${id}-caught`]] });
    probes.push({ id: `${id}-caught`, type: 'helper', z });
    probes.push({ id: `${id}-complete`, type: 'complete', z, scope: [id], uncaught: false, wires: [[`${id}-completed`]] });
    probes.push({ id: `${id}-completed`, type: 'helper', z });
    const tab = flow.some((n) => n.type === 'tab') ? [] : [{ id: z, type: 'tab', label: 'test' }];
    return [...tab, ...flow.map((n) => (n.id === id ? target : n)), ...probes];
}

type NodeModule = (red: unknown) => unknown;

/**
 * Node-RED's message hooks. A running Node-RED hands them to nodes as RED.hooks; the test helper's node API leaves
 * them out, although its flows run them: they are put back, so nodes see what they see in Node-RED.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const runtimeHooks = require(require.resolve('@node-red/util', { paths: [path.dirname(nodeRedPath)] })).hooks;
const withHooks = (m: unknown): unknown =>
    typeof m === 'function'
        ? (red: Record<string, unknown>) => {
              red.hooks ??= runtimeHooks;
              return (m as NodeModule)(red);
          }
        : m;
const coreModules: Record<string, NodeModule> = { catch: catchNode, complete: completeNode, status: statusNode };

/**
 * Loads `flow` with `nodeModules` (the core catch and complete nodes are always added). Rejects when the flow does not
 * load or start.
 *
 * The test helper registers the core module of every catch, complete or status node in the flow, once per node: with
 * two Catch nodes it registers 'catch' twice, the registry throws "catch already registered" inside helper.load's
 * promise before the callback, and a caller waiting for the callback waits for ever. So each core type is
 * registered at most once per load, and the helper's own promise is watched too.
 */
export async function load(nodeModules: unknown[], flow: Msg[], credentials: Record<string, Msg> = {}): Promise<void> {
    const registered = new Set<string>();
    const once: Record<string, NodeModule> = {};
    for (const [type, fn] of Object.entries(coreModules)) {
        once[type] = (red) => {
            if (registered.has(type)) return undefined;
            registered.add(type);
            return fn(red);
        };
    }
    const coreType = (m: unknown) => Object.keys(coreModules).find((t) => coreModules[t] === m);
    const modules = [...new Set([...nodeModules.map((m) => (coreType(m) ? once[coreType(m)!] : m)), once.catch, once.complete])].map(withHooks);
    const helperCore = helper._nodeModules;
    helper._nodeModules = once;
    try {
        await new Promise<void>((resolve, reject) => {
            Promise.resolve(helper.load(modules, flow, credentials, (err?: Error) => (err ? reject(err) : resolve()))).catch(reject);
        });
    } finally {
        helper._nodeModules = helperCore;
    }
}

/**
 * Takes the test helper's sinon spies off Node.prototype (send, status, log …) and off the nodes of `flow`: a spy
 * keeps every call's arguments (every msg ever sent) and a stack trace per call. For benchmarks, and for tests that
 * check what the runtime still holds. `run()` and the helper's own assertions need the spies: load again after.
 */
export function removeSpies(flow: Msg[]): void {
    helper._sandbox.restore();
    const proto = helper._NodePrototype;
    const methods = ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send'];
    for (const m of methods) {
        if (typeof proto[m]?.getCall === 'function') throw new Error(`Node.prototype.${m} is still a test spy`);
    }
    // A node with wires copies Node.prototype.send onto itself when created (then the spy): put the real one back.
    for (const def of flow) {
        const node = helper.getNode(def.id);
        if (!node) continue;
        for (const m of methods) {
            if (Object.prototype.hasOwnProperty.call(node, m) && typeof node[m]?.getCall === 'function') node[m] = proto[m];
        }
    }
}

/** Sends `msg` to node `id` (loaded with withProbes) and resolves once the node has finished with it. */
export function run(id: string, msg: Msg, outputs: number, timeoutMs = 15000): Promise<RunResult> {
    const result: RunResult = { outputs: Array.from({ length: outputs }, () => []) };
    return new Promise((resolve, reject) => {
        const listeners: Array<[any, (m: Msg) => void]> = [];
        const cleanup = () => listeners.forEach(([node, fn]) => node.removeListener('input', fn));
        const finish = () => {
            clearTimeout(timer);
            // Messages sent just before done() are delivered asynchronously; let them arrive.
            setTimeout(() => {
                cleanup();
                resolve(result);
            }, 30);
        };
        const timer = setTimeout(() => {
            cleanup();
            reject(new Error(`node ${id} did not call done() within ${timeoutMs} ms`));
        }, timeoutMs);
        for (let i = 0; i < outputs; i++) {
            const probe = helper.getNode(`${id}-out${i + 1}`);
            const fn = (m: Msg) => result.outputs[i].push(m);
            probe.on('input', fn);
            listeners.push([probe, fn]);
        }
        const caught = helper.getNode(`${id}-caught`);
        const onCaught = (m: Msg) => {
            result.caught = m;
            finish();
        };
        caught.on('input', onCaught);
        listeners.push([caught, onCaught]);
        const completed = helper.getNode(`${id}-completed`);
        completed.on('input', finish);
        listeners.push([completed, finish]);
        helper.getNode(id).receive(msg);
    });
}
