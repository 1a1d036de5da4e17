/**
 * Config nodes: one per account. Holds the settings and credentials, creates the vendor client lazily (one per
 * config node, shared by every endpoint node using it, so the limiter and the session are shared), closes it on
 * redeploy, and serves the editor's "test connection" button.
 */
import type { NodeAPI, Node, NodeDef } from 'node-red';
import type { BaseClient, ClientSettings } from './client';
import { ConnectorError, toConnectorError } from './errors';

export interface ConfigNodeDef<C extends BaseClient> {
    type: string;
    system: string;
    /** Credential fields; secrets are `password` (never sent to the browser or exported). */
    credentials: Record<string, { type: 'text' | 'password' }>;
    createClient(config: Record<string, any>, credentials: Record<string, string>): C;
}

export interface ConfigNode<C extends BaseClient = BaseClient> extends Node {
    /** The account's client, created on first use. Throws a config error if the settings are unusable. */
    getClient(): C;
}

/**
 * The settings every config node shares (rate limit, concurrency, timeout, retries, TLS), read from the node's
 * config with the vendor's defaults where the user left them blank.
 */
export function commonClientSettings(system: string, config: Record<string, any>, defaults: { rps: number; concurrency: number; timeoutMs?: number }): ClientSettings {
    const num = (v: unknown, d: number) => (v === '' || v === undefined || v === null || Number.isNaN(Number(v)) ? d : Number(v));
    const timeout = num(config.timeout, (defaults.timeoutMs ?? 30000) / 1000);
    // axios takes 0 for "no timeout" (a hung server holds the msg for ever) and fails every request on a negative one
    // with "network error: ERR_OUT_OF_RANGE", which makes an unsent write look possibly processed.
    if (!(timeout > 0)) {
        throw new ConnectorError({ system, kind: 'config', code: 'INVALID_SETTING', field: 'timeout', message: `timeout: must be a number of seconds greater than 0 (got ${JSON.stringify(config.timeout)})` });
    }
    return {
        system,
        rps: num(config.rps, defaults.rps),
        concurrency: num(config.concurrency, defaults.concurrency),
        timeoutMs: timeout * 1000,
        retry: {
            maxRetries: num(config.maxRetries, 4),
            baseDelayMs: num(config.retryBaseMs, 500),
        },
        allowSelfSigned: config.allowSelfSigned === true || config.allowSelfSigned === 'true',
    };
}

const testRoutes = new WeakMap<object, Set<string>>();

/** How long the "test connection" button waits for an answer, logins and retries included (tests shorten it). */
export const testConnectionLimit = { ms: 20000 };

export function registerConfigNode<C extends BaseClient>(RED: NodeAPI, def: ConfigNodeDef<C>): void {
    function ConfigNodeConstructor(this: ConfigNode<C>, config: NodeDef & Record<string, any>) {
        RED.nodes.createNode(this, config);
        const node = this;
        let client: C | undefined;
        node.getClient = () => {
            if (!client) client = def.createClient(config, ((node as any).credentials ?? {}) as Record<string, string>);
            return client;
        };
        node.on('close', (done: () => void) => {
            client?.close();
            client = undefined;
            done();
        });
    }
    RED.nodes.registerType(def.type, ConfigNodeConstructor as any, { credentials: def.credentials });

    // The "test connection" button: POST with the dialog's current settings; blank credentials fall back to the
    // stored ones of the deployed node with that id. Only the outcome is returned, never a credential.
    let registered = testRoutes.get(RED.httpAdmin);
    if (!registered) testRoutes.set(RED.httpAdmin, (registered = new Set()));
    if (registered.has(def.type)) return;
    registered.add(def.type);
    RED.httpAdmin.post(`/cn-erp/${def.type}/test`, RED.auth.needsPermission(`${def.type}.write`), async (req: any, res: any) => {
        const body = req.body ?? {};
        const stored = (body.id && RED.nodes.getCredentials(body.id)) || {};
        const credentials: Record<string, string> = { ...stored };
        for (const [k, v] of Object.entries(body.credentials ?? {})) {
            if (typeof v === 'string' && v !== '' && v !== '__PWRD__') credentials[k] = v;
        }
        let client: C | undefined;
        const abort = new AbortController();
        const timer = setTimeout(() => abort.abort(), testConnectionLimit.ms);
        try {
            client = def.createClient({ ...(body.config ?? {}), maxRetries: 0 }, credentials);
            const message = await client.testConnection({ signal: abort.signal });
            res.json({ ok: true, message });
        } catch (err) {
            // Cut off by the button's own time limit: a slow or silent server, not a closed node.
            const e = abort.signal.aborted
                ? new ConnectorError({ system: def.system, kind: 'transient', code: 'TIMEOUT', message: `no answer within ${testConnectionLimit.ms / 1000} s` })
                : toConnectorError(err, def.system);
            res.json({ ok: false, kind: e.kind, code: e.code, message: e.message });
        } finally {
            clearTimeout(timer);
            client?.close();
        }
    });
}
