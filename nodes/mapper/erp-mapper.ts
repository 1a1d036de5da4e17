/**
 * erp-mapper: maps source records to target records with a compiled mapping (compile.ts).
 * Output 1: the mapped records in one msg (object in → object out, array in → array out).
 * Output 2: one msg per record that failed to map or validate, with msg.error naming field, source and reason.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ACK_PROPERTY, acknowledge } from '../core/ack';
import { ConnectorError } from '../core/errors';
import { asSequence, derive, unfitInput, withoutOutcome } from '../core/endpoint';
import { RunTally, StatusReporter } from '../core/status';
import { Translate, translator } from '../core/i18n';
import { parseVendorJson } from '../core/json';
import { undefinedStore } from '../core/watermark';
import { compileMapping, CompiledMapping, LookupUnavailable, MapContext, MapResult, MappingCompileError, MappingError } from './compile';

interface MapperNodeDef extends NodeDef {
    target?: string;
    mapping?: string | object;
}

type Msg = Record<string, any>;

const previewRoutes = new WeakSet<object>();
const PREVIEW_MAX = 200;
// A preview stops starting records after this long: each evaluation of a runaway JSONata rule holds the event loop (every
// flow of the runtime) for its whole time limit, so a pasted sample of 200 records would freeze the runtime for minutes.
const PREVIEW_BUDGET_MS = 2000;
// The last record each deployed mapper received, by the id the editor knows it by, for the editor's preview ("last
// received"); memory only. A mapper inside a subflow runs under an id of each instance's (`_alias` is the editor's):
// there each instance's last record, by the id it runs under, the one received last shown, so an instance stopping
// takes only its own away. Kept as JSON text taken on arrival: the output-2 msg carries the record itself, which nodes
// after the mapper may change. Over SAMPLE_MAX_CHARS only its size is kept.
const lastSamples = new Map<string, Map<string, string | number | undefined>>();
const SAMPLE_MAX_CHARS = 256 * 1024;
// The deployed mappers, by the id the editor knows them by (each instance's node inside a subflow), for the preview
// to read their lookups' collections from the context they run in.
const deployedNodes = new Map<string, Map<string, Node>>();

/**
 * The context reader of a msg (`node` given) or of a preview: each collection read once. A preview reads the context
 * of the deployed node the editor knows by that id (read-only), and says per field why it could not: not deployed,
 * not set, the store failing (a msg's store failure fails the msg, as before).
 */
function contextReader(node: Node | undefined, preview: boolean): MapContext {
    const reads = new Map<string, Promise<unknown>>();
    return {
        getContext(store, key, contextStore) {
            const id = `${store}\u0000${key}\u0000${contextStore ?? ''}`;
            let p = reads.get(id);
            if (!p) {
                const vars = { store: contextStore ? `${store}(${contextStore})` : store, key };
                p = new Promise((resolve, reject) => {
                    if (!node) {
                        reject(new LookupUnavailable('previewNotDeployed', vars));
                        return;
                    }
                    const got = (err: any, value: unknown) => {
                        if (!preview) return err ? reject(err) : resolve(value);
                        if (err) reject(new LookupUnavailable('previewStoreFailed', { ...vars, error: String(err?.message ?? err) }));
                        else if (value === undefined) reject(new LookupUnavailable(store === 'global' ? 'previewNotSetGlobal' : 'previewNotSetFlow', vars));
                        else resolve(value);
                    };
                    try {
                        const c = store === 'global' ? node.context().global : node.context().flow;
                        if (contextStore) c.get(key, contextStore, got);
                        else c.get(key, got);
                    } catch (err) {
                        got(err, undefined);
                    }
                });
                reads.set(id, p);
            }
            return p;
        },
    };
}

/** The deployed mapper the editor knows by `editorId`: inside a subflow used several times, the instance that received last. */
function deployedNode(editorId: unknown): Node | undefined {
    if (typeof editorId !== 'string') return undefined;
    const nodes = deployedNodes.get(editorId);
    if (!nodes || nodes.size === 0) return undefined;
    const received = [...(lastSamples.get(editorId)?.keys() ?? [])].reverse().find((id) => nodes.has(id));
    return nodes.get(received ?? [...nodes.keys()].pop()!);
}

/** The record's JSON text, its length when over SAMPLE_MAX_CHARS, undefined when it has none (undefined, a BigInt). */
function sampleOf(record: unknown): string | number | undefined {
    let text: string | undefined;
    try {
        text = JSON.stringify(record);
    } catch {
        return undefined;
    }
    return text !== undefined && text.length > SAMPLE_MAX_CHARS ? text.length : text;
}

/** The failures in one line, in Node-RED's language (`_`): each reason's text, its English reason where it has none. */
function summary(errors: MappingError[], _: Translate): string {
    return errors
        .map((e) => {
            const reason = e.text ? _(e.text.key, e.text.vars) : e.reason;
            return e.source && !e.source.startsWith('(') ? _('erp-mapper.error.fieldFrom', { field: e.field, reason, source: e.source }) : _('erp-mapper.error.field', { field: e.field, reason });
        })
        .join(_('erp-mapper.error.separator'));
}

/**
 * msg.error of a record that failed: its message in Node-RED's language; `errors` each {field, source, reason} with
 * the English reason, as the help gives them (flows match on them).
 */
function mapperError(errors: MappingError[], record: unknown, _: Translate): Record<string, unknown> {
    const first = errors[0] ?? { field: '(root)', source: '', reason: 'mapping failed' };
    return {
        system: 'mapper',
        kind: 'validation',
        code: 'MAPPING_FAILED',
        message: summary(errors, _),
        retryable: false,
        field: first.field,
        source: first.source,
        errors: errors.map(({ field, source, reason }) => ({ field, source, reason })),
        record,
    };
}

function compileFromDef(target: string | undefined, mapping: unknown): CompiledMapping {
    const text = typeof mapping === 'string' ? (mapping.trim() === '' ? '{"fields":{}}' : mapping) : mapping ?? { fields: {} };
    return compileMapping(text as any, { target: target || undefined });
}

export = function (RED: NodeAPI) {
    const _ = translator(RED, __filename);
    function ErpMapperNode(this: Node, def: MapperNodeDef) {
        RED.nodes.createNode(this, def);
        const node = this;
        const editorId = (node as { _alias?: string })._alias ?? node.id;
        // Throttled as the endpoint nodes' status: a query in record mode sends thousands of msgs a second.
        const status = new StatusReporter(node);
        const tally = new RunTally();
        let compiled: CompiledMapping | undefined;
        /** Why the mapping does not compile, in Node-RED's language. */
        let badMapping: string | undefined;
        try {
            compiled = compileFromDef(def.target, def.mapping);
            status.clear();
            // Said on deploy, not found in the first night's records: each of them would fail on these fields.
            if (compiled.unmapped.length > 0) node.warn(_('erp-mapper.warn.unmapped', { fields: compiled.unmapped.join(', ') }));
            // Node-RED reads a store settings.js does not define from its default store, saying so only in its log.
            // "default" always reads the default store, where a flow writing with no store chosen puts the collection.
            for (const store of compiled.contextStores.filter((name) => name !== 'default')) {
                const missing = undefinedStore((RED.settings as any).contextStorage, store);
                if (missing) node.warn(_('erp-mapper.warn.undefinedStore', { store, stores: missing.vars.stores || '-' }));
            }
        } catch (err: any) {
            badMapping = err instanceof MappingCompileError ? _(err.text.key, err.text.vars) : String(err?.message ?? err);
            status.error(_('erp-mapper.status.badMapping'));
            node.error(`erp-mapper: ${badMapping}`);
        }

        // A fresh context reader per msg: each collection is read (and indexed by lookup rules) once per msg, and
        // a collection another flow changed since the last msg — even the same array edited in place — is seen.
        const msgContext = (): MapContext => contextReader(node, false);
        let deployed = deployedNodes.get(editorId);
        if (!deployed) deployedNodes.set(editorId, (deployed = new Map()));
        deployed.set(node.id, node);

        node.on('input', async (msg: Msg, send: (m: any) => void, done: (err?: Error) => void) => {
            // A msg that reaches Catch whole is accounted for, as at the endpoint nodes: its delivery ticket comes back.
            // With a code and a classification, as the endpoint nodes' errors: Node-RED 4 puts the code in the Catch
            // msg's error.code, and every version the classification in error.cause (3.x has no error.code).
            const toCatch = (err: Error, fallback: string) => {
                if (msg[ACK_PROPERTY]) acknowledge(msg);
                // Its records failed too: the next msg of the run must not show the run green with none failed.
                tally.addCaught(msg.payload);
                const code = (err as { code?: string }).code ?? fallback;
                const kind = fallback === 'MAPPING_FAILED' ? 'transient' : fallback === 'BAD_MAPPING' ? 'config' : 'validation';
                done(Object.assign(err, { code, cause: new ConnectorError({ system: 'mapper', kind, code, message: err.message }).toMsgError() }));
            };
            if (!compiled) {
                toCatch(new Error(`erp-mapper: ${_('erp-mapper.error.badMapping', { error: badMapping ?? '' })}`), 'BAD_MAPPING');
                return;
            }
            // Nested deeper than any business record, or a part that throws when read: Node-RED copying the msg on the way
            // to an output or Catch would overflow or throw. Named, and replaced so the msg can still reach Catch.
            const unfit = unfitInput(msg.payload, 'payload');
            if (unfit) {
                msg.payload = `[removed: ${unfit}]`;
                // Red, as for any msg sent to Catch: the status must not keep the last msg's green "mapped".
                status.error(_('erp-mapper.status.badInput'));
                toCatch(new Error(`erp-mapper: ${unfit}`), 'INVALID_INPUT');
                return;
            }
            try {
                const isArray = Array.isArray(msg.payload);
                const records: unknown[] = isArray ? msg.payload : [msg.payload];
                if (records.length > 0) {
                    let samples = lastSamples.get(editorId);
                    if (!samples) lastSamples.set(editorId, (samples = new Map()));
                    // Set last, as the one received last.
                    samples.delete(node.id);
                    samples.set(node.id, sampleOf(records[0]));
                }
                const ok: unknown[] = [];
                const failed: Msg[] = [];
                const ctx = compiled.async ? msgContext() : undefined;
                for (let i = 0; i < records.length; i++) {
                    let r = compiled(records[i], ctx) as MapResult | Promise<MapResult>;
                    if (compiled.async) r = await r;
                    const res = r as MapResult;
                    if (res.ok) ok.push(res.record);
                    else failed.push(derive(RED, msg, records[i], { error: mapperError(res.errors, records[i], _), ...(isArray ? { recordIndex: i } : {}) }));
                }
                let first: Msg | null = null;
                if (ok.length > 0) {
                    // Without a replayed msg's old msg.error / recordIndex: these records mapped.
                    first = RED.util.cloneMessage(withoutOutcome(msg));
                    first.payload = isArray ? ok : ok[0];
                } else if (msg[ACK_PROPERTY]) {
                    // Nothing goes on to a write node that would hand the delivery ticket back: hand it back here.
                    acknowledge(msg);
                }
                asSequence(RED, failed, !isArray);
                tally.add(ok.length, failed.length);
                status.done(tally.failed ? _('erp-mapper.status.mappedFailed', { ok: tally.ok, failed: tally.failed }) : _('erp-mapper.status.mapped', { ok: tally.ok }), tally.failed > 0);
                if (first) send([first, null]);
                for (const f of failed) send([null, f]);
                done();
            } catch (err: any) {
                status.error(_('erp-mapper.status.error'));
                toCatch(err instanceof Error ? err : new Error(String(err)), 'MAPPING_FAILED');
            }
        });
        node.on('close', () => {
            // An update held back must not reach the node after it closed.
            status.close();
            const samples = lastSamples.get(editorId);
            samples?.delete(node.id);
            if (samples?.size === 0) lastSamples.delete(editorId);
            const nodes = deployedNodes.get(editorId);
            if (nodes?.get(node.id) === node) nodes.delete(node.id);
            if (nodes?.size === 0) deployedNodes.delete(editorId);
        });
    }
    RED.nodes.registerType('erp-mapper', ErpMapperNode as any);

    if (!previewRoutes.has(RED.httpAdmin)) {
        previewRoutes.add(RED.httpAdmin);
        // Compiles and runs a mapping on a sample in the runtime (same code as deployed nodes). Lookups read the context
        // of the deployed mapper `id` names (read-only; each collection once), a field saying why when they cannot.
        RED.httpAdmin.post('/cn-erp/mapper/preview', RED.auth.needsPermission('erp-mapper.write'), async (req: any, res: any) => {
            const body = req.body ?? {};
            let compiled: CompiledMapping;
            try {
                compiled = compileFromDef(typeof body.target === 'string' ? body.target : undefined, body.mapping);
            } catch (err: any) {
                // With its text, which the dialog shows in the editor's language (the English error where it has none).
                res.status(400).json({ error: String(err?.message ?? err), ...(err instanceof MappingCompileError ? { text: err.text } : {}) });
                return;
            }
            let sample = body.sample;
            if (typeof sample === 'string') {
                try {
                    // A long id pasted from a vendor answer is kept exact, as the clients keep it (see core/json.ts).
                    sample = parseVendorJson(sample);
                } catch (err: any) {
                    res.status(400).json({ error: `sample is not valid JSON: ${err.message}` });
                    return;
                }
            }
            const many = Array.isArray(sample);
            const list: unknown[] = many ? sample.slice(0, PREVIEW_MAX) : [sample];
            const results: MapResult[] = [];
            const started = Date.now();
            const ctx = contextReader(deployedNode(body.id), true);
            try {
                for (const rec of list) {
                    if (results.length > 0 && Date.now() - started >= PREVIEW_BUDGET_MS) break;
                    results.push(await compiled(rec, ctx));
                }
            } catch (err: any) {
                res.status(400).json({ error: String(err?.message ?? err) });
                return;
            }
            // `total`: the sample's records, so the editor can say when only the first of them were previewed.
            res.json({ target: compiled.target ?? null, async: compiled.async, results, total: many ? sample.length : 1 });
        });
        RED.httpAdmin.get('/cn-erp/mapper/:id/sample', RED.auth.needsPermission('erp-mapper.read'), (req: any, res: any) => {
            const samples = lastSamples.get(req.params.id);
            const text = samples ? [...samples.values()].pop() : undefined;
            if (text === undefined) res.status(404).json({ error: 'no record received since the last deploy' });
            else if (typeof text === 'number') res.status(413).json({ error: `the last record is over ${SAMPLE_MAX_CHARS} characters`, maxChars: SAMPLE_MAX_CHARS });
            else res.type('application/json').send(`{"sample":${text}}`);
        });
    }
};
