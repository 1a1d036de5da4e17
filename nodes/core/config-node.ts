/**
 * Config nodes: one per account. Holds the settings and credentials, creates the vendor client lazily (one per
 * config node, shared by every endpoint node using it, so the session is shared; the limiter is shared with every
 * config node of the same account too), closes it on redeploy, and serves the editor's "test connection" button.
 */
import type { NodeAPI, Node, NodeDef } from 'node-red';
import { serverKey, type BaseClient, type ClientSettings } from './client';
import { ConnectorError, cancelledError, textError, toConnectorError } from './errors';
import { english, isText, translator, type Text } from './i18n';
import type { Limits } from './limiter';
import { isBlankValue, isEnvVarText } from './params';
import { heldLogin } from './login';

export interface ConfigNodeDef<C extends BaseClient> {
    type: string;
    system: string;
    /** Credential fields; secrets are `password` (never sent to the browser or exported). */
    credentials: Record<string, { type: 'text' | 'password' }>;
    /** Credentials used exactly as typed (a user's own password may begin or end with a space); see cleanCredentials. */
    verbatim?: string[];
    /**
     * The settings naming the server the credentials are sent to (its URL, a choice of servers). Test connection sends
     * the deployed node's stored credentials only while these are the deployed node's; without the list, only while
     * every setting is.
     */
    server?: string[];
    createClient(config: Record<string, any>, credentials: Record<string, string>): C;
}

/**
 * What the test button's answers say in English (the `message` beside the catalog text the editor shows in its
 * language), read from the catalog so that the two cannot part.
 */
const inEnglish = english();

export interface ConfigNode<C extends BaseClient = BaseClient> extends Node {
    /** The account's client, created on first use. Throws a config error if the settings are unusable. */
    getClient(): C;
}

/**
 * The settings every config node shares (rate limit, concurrency, timeout, retries, TLS), read from the node's
 * config with the vendor's defaults where the user left them blank.
 */
export function commonClientSettings(system: string, config: Record<string, any>, defaults: { rps: number; concurrency: number; timeoutMs?: number }): ClientSettings {
    // A field holding only spaces is blank, as it looks: Number(' ') is 0, which would mean no rate limit, no
    // concurrency bound or no retries. Anything else that is no number is refused below, not read as the default: the
    // dialog refuses it, but a `${NAME}` it lets through reaches the runtime as typed when no such variable is set.
    const num = (v: unknown, d: number) => (isBlankValue(v) ? d : Number(v));
    const timeout = num(config.timeout, (defaults.timeoutMs ?? 30000) / 1000);
    // axios takes 0 for "no timeout" (a hung server holds the msg for ever) and fails every request on a negative one
    // with "network error: ERR_OUT_OF_RANGE", which makes an unsent write look possibly processed.
    if (!(timeout > 0)) {
        throw new ConnectorError({ system, kind: 'config', code: 'INVALID_SETTING', field: 'timeout', message: `timeout: must be a number of seconds greater than 0 (got ${JSON.stringify(config.timeout)})` });
    }
    // The limiter reads any rate or concurrency below 0 as "unlimited" (the dialog says 0 is), counts a fraction of a
    // request in flight as a whole one, and a retry base of 0 retries a rate-limited call at once (no backoff, no pause
    // of the account): refused as the timeout is.
    const setting = (field: string, value: number, ok: boolean, rule: string) => {
        if (!ok) throw new ConnectorError({ system, kind: 'config', code: 'INVALID_SETTING', field, message: `${field}: must be ${rule} (got ${JSON.stringify(config[field])})` });
        return value;
    };
    const rps = num(config.rps, defaults.rps);
    const concurrency = num(config.concurrency, defaults.concurrency);
    const maxRetries = num(config.maxRetries, 4);
    const baseDelayMs = num(config.retryBaseMs, 500);
    return {
        system,
        rps: setting('rps', rps, rps >= 0, 'a number of requests per second, 0 or more (0 = unlimited)'),
        concurrency: setting('concurrency', concurrency, Number.isInteger(concurrency) && concurrency >= 0, 'a whole number of requests, 0 or more (0 = unlimited)'),
        timeoutMs: timeout * 1000,
        retry: {
            maxRetries: setting('maxRetries', maxRetries, Number.isInteger(maxRetries) && maxRetries >= 0, 'a whole number, 0 or more'),
            baseDelayMs: setting('retryBaseMs', baseDelayMs, baseDelayMs > 0, 'a number of milliseconds greater than 0'),
        },
        allowSelfSigned: config.allowSelfSigned === true || config.allowSelfSigned === 'true',
    };
}

/**
 * Why a config node's server URL cannot be used (a reason to follow the field's name), or undefined: it holds a query
 * string or a fragment. Every client builds its requests from it (appends the service path, or adds the signed system
 * parameters to its query) and no vendor documents one. `…/k3cloud/?a=b` became `…/k3cloud/?a=bKingdee.BOS…kdsvc`, `…/router/qm?x=1` sent a parameter the
 * signature does not cover, and after a `#` nothing reaches the server.
 */
export function urlQueryProblem(url: string): string | undefined {
    return /[?#]/.test(url) ? `must not contain a query string or a fragment (? or #): enter the address only, the node adds the parameters itself` : undefined;
}

/** Quote pairs a value is pasted in from an e-mail, a chat or a JSON text (the Chinese ones as IMEs and editors type them). */
const QUOTES: Array<[string, string]> = [['"', '"'], ["'", "'"], ['`', '`'], ['“', '”'], ['‘', '’'], ['「', '」'], ['『', '』']];

/**
 * The credentials as the client must use them. Keys, secrets and session keys a vendor issues never begin or end with
 * white space nor sit in quotes, but copied from a console, an e-mail or a chat they often bring a trailing space, a
 * tab, a line break or a full-width space (U+3000) with them: in a password field nobody sees it, the request is
 * signed with it and the vendor answers only "sign error". So white space around them is dropped, and a value in
 * quotes is refused naming the field (never the value). Fields in `verbatim` are left as typed.
 */
export function cleanCredentials(system: string, credentials: Record<string, string>, verbatim: string[] = []): Record<string, string> {
    const out: Record<string, string> = { ...credentials };
    for (const [field, value] of Object.entries(credentials)) {
        if (typeof value !== 'string') continue;
        // Node-RED replaces `${NAME}` in a node's properties, never in its credentials: the text as typed would be sent
        // and signed with, and the vendor answer only "wrong password" or "sign error".
        if (isEnvVarText(value.trim())) {
            throw new ConnectorError({ system, kind: 'config', code: 'ENV_VAR', field, message: inEnglish('runtime.test.envVarCredential', { field }) });
        }
        if (verbatim.includes(field)) continue;
        const v = value.trim();
        if (v.length >= 2 && QUOTES.some(([open, close]) => v.startsWith(open) && v.endsWith(close))) {
            throw new ConnectorError({ system, kind: 'config', code: 'CONFIG', field, message: `${field}: has quotes around it; enter the value without the quotes` });
        }
        out[field] = v;
    }
    return out;
}

const testRoutes = new WeakMap<object, Set<string>>();

/** The settings each running config node was deployed with, for Test connection to tell its server from another. */
const deployedSettings = new WeakMap<object, Record<string, unknown>>();

/**
 * The first of `fields` (all settings when undefined) whose value in the dialog is not the deployed one's, or
 * undefined. URLs compare as the server sees them (serverKey: `HTTP://Host/api/` is `http://host/api`), and a blank
 * setting is one left out.
 */
function changedSetting(dialog: Record<string, unknown>, deployed: Record<string, unknown>, fields = Object.keys(dialog)): string | undefined {
    const norm = (v: unknown) => (v === undefined || v === null ? '' : serverKey(String(v).trim()));
    return fields.find((f) => norm(dialog[f]) !== norm(deployed[f]));
}

/** An HTTP status answer as a text of the shared catalog (runtime.test.httpStatus), with why such a status comes. */
function httpStatusText(status: number, answer: unknown): Text {
    const why = status === 404 || status === 405 ? 'notFound' : status >= 500 ? 'server' : status === 401 || status === 403 ? 'refused' : 'other';
    const vars = { status, why: { key: `runtime.test.httpWhy.${why}` } };
    return typeof answer === 'string' && answer !== '' ? { key: 'runtime.test.httpStatus', vars: { ...vars, answer } } : { key: 'runtime.test.httpStatusBare', vars };
}

/** How long the "test connection" button waits for an answer, logins and retries included (tests shorten it). */
export const testConnectionLimit = { ms: 20000 };

export function registerConfigNode<C extends BaseClient>(RED: NodeAPI, def: ConfigNodeDef<C>): void {
    function ConfigNodeConstructor(this: ConfigNode<C>, config: NodeDef & Record<string, any>) {
        RED.nodes.createNode(this, config);
        const node = this;
        deployedSettings.set(node, config);
        const _ = translator(RED);
        let client: C | undefined;
        let closed = false;
        node.getClient = () => {
            // A msg still on its way when a deploy stopped this node: a client made now would join the account's
            // limiter and, never closed, hold it to this node's old settings.
            if (closed) throw cancelledError(def.system);
            // A setting still `${NAME}` when the node runs: no subflow instance, flow or process sets that variable.
            // Used as typed it would fail later as a wrong address, AppID or key, which it is not.
            const unset = Object.entries(config).find(([k, v]) => k !== 'name' && isEnvVarText(v));
            if (unset) throw new ConnectorError({ system: def.system, kind: 'config', code: 'ENV_VAR', field: unset[0], message: `${unset[0]}: ${unset[1]} is an environment variable that is not set (a subflow instance's property, a flow's or the process's)` });
            if (!client) {
                client = def.createClient(config, cleanCredentials(def.system, ((node as any).credentials ?? {}) as Record<string, string>, def.verbatim));
                // The vendor counts an account's requests together, whichever config node sends them (a copy of this
                // one, one inside each instance of a subflow): one limiter for all of them.
                const text = (l: Limits) => _('runtime.warn.limits', { rps: l.rps, concurrency: l.concurrency });
                client.shareLimiter((l) => node.warn(_('runtime.warn.sharedLimits', { type: def.type, own: text(l.own), other: text(l.other), applied: text(l.applied) })));
            }
            return client;
        };
        node.on('close', (done: () => void) => {
            closed = true;
            const closing = client?.close();
            client = undefined;
            // The client logs out of its session first (bounded by the logout's own time limit).
            if (closing) closing.then(() => done());
            else done();
        });
    }
    RED.nodes.registerType(def.type, ConfigNodeConstructor as any, { credentials: def.credentials });

    // The "test connection" button: POST with the dialog's current settings; blank credentials fall back to the
    // stored ones of the deployed node with that id, while the dialog names that node's server. Only the outcome is
    // returned, never a credential.
    let registered = testRoutes.get(RED.httpAdmin);
    if (!registered) testRoutes.set(RED.httpAdmin, (registered = new Set()));
    if (registered.has(def.type)) return;
    registered.add(def.type);
    RED.httpAdmin.post(`/cn-erp/${def.type}/test`, RED.auth.needsPermission(`${def.type}.write`), async (req: any, res: any) => {
        const body = req.body ?? {};
        const stored: Record<string, string> = (body.id && RED.nodes.getCredentials(body.id)) || {};
        const given: Record<string, string> = {};
        for (const [k, v] of Object.entries(body.credentials ?? {})) {
            if (typeof v === 'string' && v !== '' && v !== '__PWRD__') given[k] = v;
        }
        // The stored credentials go only to the server they were saved for: the dialog's server changed (a test server,
        // a typo, or the address of whoever opened the dialog) would otherwise be sent the production password, or a
        // signature made with the secret. The deployed node must be of this type: another type's id would lend its
        // secrets (a `secret` field) too. Withheld, a credential the client needs is asked for again (below).
        const running = body.id ? (RED.nodes.getNode(body.id) as object | null) : null;
        const deployed = running && (running as { type?: string }).type === def.type ? deployedSettings.get(running) : undefined;
        const otherServer = deployed ? changedSetting(body.config ?? {}, deployed, def.server) : (def.server?.[0] ?? 'server');
        const withheld = otherServer === undefined ? [] : Object.keys(stored).filter((k) => !(k in given) && stored[k] !== '');
        const credentials: Record<string, string> = { ...(withheld.length > 0 ? {} : stored), ...given };
        // A field holding `${NAME}`: Node-RED puts the variable in its place only in a node it starts (from a subflow
        // instance, a flow, the process). Tried as typed it would fail as a wrong URL or key, which it is not. Named by
        // the field only. A credential holding one is refused by cleanCredentials below: Node-RED never replaces it.
        const envField = Object.entries(body.config ?? {}).find(([, v]) => isEnvVarText(v))?.[0];
        if (envField) {
            const text = { key: 'runtime.test.envVar', vars: { field: envField } };
            res.json({ ok: false, kind: 'config', code: 'ENV_VAR', message: inEnglish(text.key, text.vars), text });
            return;
        }
        let client: C | undefined;
        const abort = new AbortController();
        const timer = setTimeout(() => abort.abort(), testConnectionLimit.ms);
        // Set when the account is held by a vendor's rate-limit answer: the test is not sent into it.
        let pausedMs = 0;
        try {
            client = def.createClient({ ...(body.config ?? {}), maxRetries: 0 }, cleanCredentials(def.system, credentials, def.verbatim));
            // The vendor counts the test with the account's other requests (a flow writing at its limit while the
            // button is clicked): it goes through the account's limiter, not beside it, at the account's settings (not
            // the dialog's, which are not deployed), ahead of the flow's queue (thousands of records at 1/s would
            // outlast the button's time limit).
            client.shareLimiter(undefined, { guest: true });
            const onAccountPaused = (ms: number) => {
                pausedMs = ms;
                abort.abort();
            };
            // Said at once, not sent: a login the test needs (sent outside call(), which tells onAccountPaused) would wait
            // in the account's queue for the pause, the button saying the server timed out.
            const paused = client.limiter.pausedFor();
            if (paused >= 1000) {
                onAccountPaused(paused);
                throw cancelledError(def.system);
            }
            const { message, key, vars } = await client.connectionCheck({ signal: abort.signal, onAccountPaused, first: true });
            // The text also as a key of the config node's catalog, for the editor to show in its own language.
            res.json({ ok: true, message, ...(key ? { text: { key: `${def.type}.test.${key}`, vars: vars ?? {} } } : {}) });
        } catch (err) {
            // Cut off by the button's own time limit (a slow or silent server, not a closed node), or not sent: the
            // account waits out a rate-limit pause.
            let e: ConnectorError;
            let text: Text | undefined;
            // Or refused unsent for it (a login while the account is paused for longer than the longest wait).
            const refused = err instanceof ConnectorError && err.code === 'ACCOUNT_PAUSED' ? err.retryAfterMs ?? 0 : 0;
            if (pausedMs === 0) pausedMs = refused;
            if (pausedMs > 0) {
                text = { key: 'runtime.test.accountPaused', vars: { seconds: Math.ceil(pausedMs / 1000) } };
                e = textError(inEnglish, text, { system: def.system, kind: 'rate-limit', code: 'ACCOUNT_PAUSED' });
            } else if (abort.signal.aborted) {
                text = { key: 'runtime.test.timeout', vars: { seconds: testConnectionLimit.ms / 1000 } };
                e = textError(inEnglish, text, { system: def.system, kind: 'transient', code: 'TIMEOUT' });
            } else {
                e = toConnectorError(err, def.system);
                // The error's own text of the catalog, where it has one (a refused login, said in the editor's language).
                const own = (e.details as { text?: unknown } | undefined)?.text;
                // Not sent: the same credentials were refused moments ago (by the flow, or the last click).
                const held = heldLogin(e);
                if (e.code === 'ENV_VAR' && e.field) text = { key: 'runtime.test.envVarCredential', vars: { field: e.field } };
                else if (held) text = { key: 'runtime.test.loginHeld', vars: { reason: isText(own) ? own : held.reason, seconds: held.seconds } };
                else if (isText(own)) text = own;
                // A status the client said nothing more of (a server URL without its virtual directory answered 404, a
                // proxy's 502 page): said in the editor's language too, the server's page quoted.
                else if (e.httpStatus !== undefined) text = httpStatusText(e.httpStatus, (e.details as { answer?: unknown } | undefined)?.answer);
                // A credential the dialog left blank and the client needs: the stored one was withheld (another server).
                const missing = e.kind === 'config' ? withheld.find((f) => e.field === f || e.message.startsWith(`${f}:`)) : undefined;
                if (missing) {
                    text = { key: 'runtime.test.storedCredentials', vars: { field: missing, server: otherServer! } };
                    e = textError(inEnglish, text, { system: def.system, kind: 'config', code: 'STORED_CREDENTIALS', field: missing });
                }
            }
            res.json({ ok: false, kind: e.kind, code: e.code, message: e.message, ...(text ? { text } : {}) });
        } finally {
            clearTimeout(timer);
            // After the answer: the click does not wait for the session's logout.
            void client?.close();
        }
    });
}
