/**
 * The node modules an example flow needs, for tests that run the flows in the test helper's Node-RED: Node-RED's core
 * nodes the examples use (from the Node-RED under test, NODE_RED_PATH or this package's) and this palette's, from this
 * build.
 */
import fs from 'fs';
import path from 'path';
import { functionNode } from '../helpers/nodered';

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
