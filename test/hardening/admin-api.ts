/**
 * The two editor routes that show what the runtime hands out about deployed nodes, mounted on the test helper's admin
 * app with Node-RED's own handlers (the helper serves only the routes nodes register themselves):
 *   GET /flows                      the exported flow (editor-api admin/flows.js → runtime api flows.getFlows)
 *   GET /credentials/:type/:id      the editor's view of a node's credentials (editor/credentials.js →
 *                                   flows.getNodeCredentials: `has_<field>` for password fields)
 * Resolved from the Node-RED install under test (NODE_RED_PATH), like the helper itself.
 */
import path from 'path';
import { helper } from '../helpers/nodered';

const nodeRedMain = process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red');
const from = (pkg: string) => path.dirname(require.resolve(`${pkg}/package.json`, { paths: [path.dirname(nodeRedMain)] }));
const runtimeFlowsApi = require(path.join(from('@node-red/runtime'), 'lib', 'api', 'flows.js'));
const adminFlows = require(path.join(from('@node-red/editor-api'), 'lib', 'admin', 'flows.js'));
const editorCredentials = require(path.join(from('@node-red/editor-api'), 'lib', 'editor', 'credentials.js'));

/** Call after each helper load: the helper creates a fresh admin app per load. */
export function mountAdminApi(): void {
    const redNodes = helper._redNodes;
    // What Node-RED's runtime api needs of the runtime for these two calls.
    runtimeFlowsApi.init({ log: helper._RED.log, flows: redNodes, nodes: redNodes });
    const runtimeAPI = { flows: runtimeFlowsApi };
    adminFlows.init(runtimeAPI);
    editorCredentials.init(runtimeAPI);
    const app = helper._httpAdmin;
    app.get('/flows', adminFlows.get);
    app.get('/credentials/:type/:id', editorCredentials.get);
}
