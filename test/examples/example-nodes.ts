/**
 * The node modules an example flow needs, for tests that run the flows in the test helper's Node-RED: Node-RED's core
 * nodes the examples use (from the Node-RED under test, NODE_RED_PATH or this package's) and this palette's, from this
 * build.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { functionNode, helper, load, Msg } from '../helpers/nodered';
import { demoFlows } from '../../scripts/demo';
import { SIMULATORS, StartedSimulators, startSimulators } from '../../scripts/demo-sims';

const nodeRedPath = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
const nodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath)] }));
const core = (file: string) => require(path.join(nodesDir, 'core', file));
export const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));

/** The palette's node modules by type, from this build. */
export const palette = (type: string) => require(path.join(__dirname, '..', '..', String(pkg['node-red'].nodes[type]).replace(/^dist\//, '')));

/** Node-RED's core nodes the example flows use, by type. */
export const CORE: Record<string, unknown> = {
    inject: core('common/20-inject.js'),
    debug: core('common/21-debug.js'),
    comment: core('common/90-comment.js'),
    function: functionNode,
    change: core('function/15-change.js'),
    switch: core('function/10-switch.js'),
    'http response': core('network/21-httpin.js'),
    file: core('storage/10-file.js'),
    'file in': core('storage/10-file.js'),
};

/**
 * Loads the example tab whose label starts with `prefix` ("02") as the demo deploys it, its config nodes on `sims`, its
 * files in a new directory (`dir`, for the caller to remove), with a probe counting the completed reads of its query
 * node `queryId`. `edit` changes the tab's nodes before they are deployed (a user's edit, such as a broken mapping).
 */
export async function loadExampleTab(sims: StartedSimulators, prefix: string, queryId: string, edit?: (flow: Msg[]) => void): Promise<{ dir: string; flow: Msg[]; completedReads: () => number }> {
    const ports = new Map(SIMULATORS.map((s) => [s.port, Number(new URL(sims.list.find((l) => l.dir === s.dir)!.url).port)] as [number, number]));
    const { flows, credentials } = demoFlows(ports);
    const tab = flows.find((n) => n.type === 'tab' && String(n.label).startsWith(prefix));
    const flow: Msg[] = flows.filter((n) => n.id === tab.id || n.z === tab.id);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cn-erp-ex${prefix}-`));
    for (const n of flow) if (n.type === 'file' || n.type === 'file in') n.filename = path.join(dir, n.filename);
    edit?.(flow);
    const creds: Record<string, Msg> = {};
    for (const n of flow) if (credentials[n.id]) creds[n.id] = credentials[n.id];
    const types = new Set(flow.map((n) => n.type).filter((t) => t !== 'tab' && t !== 'catch'));
    const modules = [...types].map((t) => CORE[t] ?? palette(t));
    const probe = [
        { id: 'probe-complete', type: 'complete', z: tab.id, scope: [queryId], uncaught: false, wires: [['probe-completed']] },
        { id: 'probe-completed', type: 'helper', z: tab.id },
    ];
    await load([...new Set(modules)], [...flow, ...probe], creds);
    let reads = 0;
    helper.getNode('probe-completed').on('input', () => reads++);
    return { dir, flow, completedReads: () => reads };
}

/**
 * Mocha hooks for tests of one example tab against the demo simulators: started afresh for each test (on free ports);
 * after it, the flow unloaded, the simulators stopped and the tab's files removed. For the test's body: `sims()`, and
 * `load(prefix, queryId)` (loadExampleTab on them).
 */
export function exampleTabPerTest(): { sims(): StartedSimulators; load(prefix: string, queryId: string, edit?: (flow: Msg[]) => void): ReturnType<typeof loadExampleTab> } {
    let sims: StartedSimulators | undefined;
    const dirs: string[] = [];
    beforeEach(async () => {
        sims = await startSimulators({ freePorts: true });
    });
    afterEach(async () => {
        await helper.unload();
        await sims?.stop();
        for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    });
    return {
        sims: () => sims!,
        load: async (prefix, queryId, edit) => {
            const ex = await loadExampleTab(sims!, prefix, queryId, edit);
            dirs.push(ex.dir);
            return ex;
        },
    };
}
