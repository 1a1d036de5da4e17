/**
 * compileMapping(): turns a mapping (JSON) into a plain function from a source record to a target record.
 *
 * Everything about the mapping is decided here, once: paths are parsed into segment lists and turned into getters,
 * templates into part lists, value tables into Maps, JSONata expressions compiled, Kingdee basic-data wrapping read
 * from the target schema. The returned function only runs those closures; it never walks the mapping JSON again.
 * It is synchronous unless a rule needs I/O-like evaluation (JSONata 2.x evaluate() and context lookups are async).
 *
 * Safety: no eval / new Function of user text (JSONata has its own interpreter); any path, template or key segment
 * `__proto__`, `constructor` or `prototype` is refused at compile time; the input is never mutated.
 */
import jsonata from 'jsonata';
import type { JsonSchema } from '../core/spec';
import { getSpec } from '../core/endpoint';
import { compileRecordSchema, describeErrors } from '../core/validate';
import { chinaTime, toEpochMs } from '../core/time';

export type Convert = 'number' | 'string' | 'boolean' | 'date' | 'datetime' | 'timestamp';

interface RuleCommon {
    convert?: Convert;
    default?: unknown;
    required?: boolean;
}
export type Rule = RuleCommon &
    (
        | { const: unknown }
        | { path: string }
        | { template: string }
        | { array: string; fields: Record<string, Rule> }
        | { table: Record<string, unknown>; path: string }
        | { lookup: LookupRule }
        | { jsonata: string }
    );

export interface LookupRule {
    store?: 'flow' | 'global';
    key: string;
    match: Record<string, string>;
    return: string;
    onMissing?: 'fail' | 'empty';
}

export interface Mapping {
    /** Target node type: its recordSchema (write nodes) or requestSchema validates the output. */
    target?: string;
    fields: Record<string, Rule>;
}

export interface MappingError {
    /** Target field path, e.g. `FEntity[1].FMaterialID`. */
    field: string;
    /** Source path (or rule) it came from, e.g. `goodsDetail[1].goodsNo`. */
    source: string;
    reason: string;
}

export type MapResult = { ok: true; record: Record<string, unknown> } | { ok: false; errors: MappingError[] };

export interface MapContext {
    /** Reads a context value for lookup rules (Node-RED flow / global context). May return a promise. */
    getContext?(store: 'flow' | 'global', key: string): unknown;
}

export interface CompileOptions {
    /** Overrides the mapping's target. */
    target?: string;
    /** A target schema given directly (wins over the target's spec). */
    schema?: JsonSchema;
    /** Skip output validation even when a schema is known. */
    validate?: boolean;
}

export interface CompiledMapping {
    (record: unknown, ctx?: MapContext): MapResult | Promise<MapResult>;
    /** True when the function returns a promise (JSONata or lookup rules present). */
    readonly async: boolean;
    readonly target?: string;
    readonly schema?: JsonSchema;
}

/** Thrown for a mapping that cannot compile; names the target field. */
export class MappingCompileError extends Error {
    constructor(
        readonly field: string,
        reason: string,
    ) {
        super(field ? `${field}: ${reason}` : reason);
        this.name = 'MappingCompileError';
    }
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const CONVERTS = new Set(['number', 'string', 'boolean', 'date', 'datetime', 'timestamp']);
const RULE_KINDS = ['const', 'path', 'template', 'array', 'table', 'lookup', 'jsonata'] as const;

/** Skip marker: the field failed (its error is recorded) or is omitted. */
const FAIL = Symbol('fail');

type Env = { errors: MappingError[]; ctx: MapContext | undefined };
/** A compiled rule: (current line, top record, env) → value | FAIL | Promise of those. */
type RuleFn = (cur: any, root: any, env: Env) => unknown;
type Getter = (cur: any, root: any) => unknown;

const isEmpty = (v: unknown) => v === undefined || v === null || v === '';
const isPromise = (v: unknown): v is Promise<unknown> => v !== null && typeof v === 'object' && typeof (v as any).then === 'function';
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function checkSegment(seg: string, where: string, field: string): void {
    if (FORBIDDEN.has(seg)) throw new MappingCompileError(field, `${where}: "${seg}" is not allowed (prototype pollution)`);
}

/** `a.b[0].c` → ['a', 'b', 0, 'c']; `$root.` prefix marks the top record. */
export function parsePath(path: string, field = ''): { root: boolean; segments: Array<string | number> } {
    if (typeof path !== 'string') throw new MappingCompileError(field, 'path must be text');
    let text = path.trim();
    let root = false;
    if (text === '$root') return { root: true, segments: [] };
    if (text.startsWith('$root.')) {
        root = true;
        text = text.slice(6);
    }
    if (text === '') throw new MappingCompileError(field, 'path is empty');
    const segments: Array<string | number> = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\[["']([^"']*)["']\]|(\.)/gy;
    let m: RegExpExecArray | null;
    let last = 0;
    let expectDot = false;
    while (last < text.length && (m = re.exec(text))) {
        last = re.lastIndex;
        if (m[4]) {
            expectDot = false;
            continue;
        }
        const seg = m[1] ?? m[3];
        if (seg !== undefined) {
            const s = seg.trim();
            checkSegment(s, `path "${path}"`, field);
            segments.push(s);
        } else segments.push(Number(m[2]));
        expectDot = true;
    }
    void expectDot;
    if (last !== text.length) throw new MappingCompileError(field, `path "${path}" is malformed`);
    return { root, segments };
}

/** A getter specialised by segment count (no loop and no extra call layer for the common 1–2 segment paths). */
function makeGetter(path: string, field: string): Getter {
    const { root, segments } = parsePath(path, field);
    const read = (v: any, k: string | number) => {
        if (v === null || typeof v !== 'object') return undefined;
        const x = v[k];
        return typeof x === 'function' ? undefined : x;
    };
    const [a, b] = segments;
    if (segments.length === 0) return root ? (_cur, r) => r : (cur) => cur;
    if (segments.length === 1) {
        if (root)
            return (_cur, r) => {
                if (r === null || typeof r !== 'object') return undefined;
                const x = r[a];
                return typeof x === 'function' ? undefined : x;
            };
        return (cur) => {
            if (cur === null || typeof cur !== 'object') return undefined;
            const x = cur[a];
            return typeof x === 'function' ? undefined : x;
        };
    }
    if (segments.length === 2) {
        const two = (v: any) => {
            if (v === null || typeof v !== 'object') return undefined;
            v = v[a];
            if (v === null || typeof v !== 'object') return undefined;
            const x = v[b];
            return typeof x === 'function' ? undefined : x;
        };
        return root ? (_cur, r) => two(r) : two;
    }
    const many = (v: any) => {
        for (let i = 0; i < segments.length && v !== undefined; i++) v = read(v, segments[i]);
        return v;
    };
    return root ? (_cur, r) => many(r) : many;
}

function converter(kind: Convert): (v: unknown) => unknown | typeof FAIL {
    switch (kind) {
        case 'number':
            return (v) => {
                if (typeof v === 'number') return Number.isFinite(v) ? v : FAIL;
                if (typeof v === 'string' && v !== '') {
                    let n = Number(v);
                    if (Number.isNaN(n) && v.includes(',')) n = Number(v.replace(/,/g, ''));
                    return Number.isFinite(n) && v.trim() !== '' ? n : FAIL;
                }
                if (typeof v === 'boolean') return v ? 1 : 0;
                return FAIL;
            };
        case 'string':
            return (v) => (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
        case 'boolean':
            return (v) => {
                if (typeof v === 'boolean') return v;
                if (v === 1 || v === 0) return v === 1;
                const t = String(v).trim().toLowerCase();
                if (t === 'true' || t === '1' || t === 'y' || t === 'yes' || t === '是') return true;
                if (t === 'false' || t === '0' || t === 'n' || t === 'no' || t === '否') return false;
                return FAIL;
            };
        case 'date':
        case 'datetime':
        case 'timestamp':
            return (v) => {
                const ms = toEpochMs(v);
                if (Number.isNaN(ms)) return FAIL;
                return kind === 'timestamp' ? ms : kind === 'date' ? chinaTime(ms).slice(0, 10) : chinaTime(ms);
            };
    }
}

const CONVERT_REASON: Record<Convert, string> = {
    number: 'is not a number',
    string: 'cannot be text',
    boolean: 'is not a boolean (true/false, 1/0, 是/否)',
    date: 'is not a date (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, ms timestamp or /Date(ms)/)',
    datetime: 'is not a date (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, ms timestamp or /Date(ms)/)',
    timestamp: 'is not a date (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, ms timestamp or /Date(ms)/)',
};

function show(v: unknown): string {
    const s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return s.length > 80 ? s.slice(0, 77) + '…' : s;
}

/** The schema of a property: follows `properties` and array `items`. */
function propSchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
    const props = schema && (schema.properties as Record<string, JsonSchema> | undefined);
    return props && Object.prototype.hasOwnProperty.call(props, key) ? props[key] : undefined;
}

interface Compiler {
    async: boolean;
    /** Target path pattern (`FEntity[].FMaterialID`) → source description, for validation errors. */
    sources: Map<string, string>;
}

interface ObjectBuilder {
    keys: string[];
    fns: RuleFn[];
}

/** Compiles `fields` into parallel key/function arrays. */
function compileFields(fields: unknown, schema: JsonSchema | undefined, prefix: string, srcPrefix: string, c: Compiler): ObjectBuilder {
    if (!isPlainObject(fields)) throw new MappingCompileError(prefix, 'fields must be an object of target field → rule');
    const keys: string[] = [];
    const fns: RuleFn[] = [];
    for (const key of Object.keys(fields)) {
        const field = prefix ? `${prefix}.${key}` : key;
        checkSegment(key, 'target field', field);
        keys.push(key);
        fns.push(compileRule(fields[key], key, field, propSchema(schema, key), srcPrefix, c));
    }
    return { keys, fns };
}

function buildSync(b: ObjectBuilder, cur: any, root: any, env: Env): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const { keys, fns } = b;
    for (let i = 0; i < keys.length; i++) {
        const v = fns[i](cur, root, env);
        // Empty values (undefined, null, '') are left out: a target field is set only when there is something to send.
        if (v !== undefined && v !== FAIL && v !== null && v !== '') out[keys[i]] = v;
    }
    return out;
}

async function buildAsync(b: ObjectBuilder, cur: any, root: any, env: Env): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const { keys, fns } = b;
    for (let i = 0; i < keys.length; i++) {
        let v = fns[i](cur, root, env);
        if (isPromise(v)) v = await v;
        if (v !== undefined && v !== FAIL && v !== null && v !== '') out[keys[i]] = v;
    }
    return out;
}

/** Prefixes errors pushed since `from` with the array line's target and source positions. */
function relocate(env: Env, from: number, targetPrefix: string, sourcePrefix: string): void {
    for (let i = from; i < env.errors.length; i++) {
        const e = env.errors[i];
        e.field = `${targetPrefix}.${e.field}`;
        if (!e.source.startsWith('$root') && !e.source.startsWith('(')) e.source = `${sourcePrefix}.${e.source}`;
    }
}

function compileRule(rule: unknown, key: string, field: string, schema: JsonSchema | undefined, srcPrefix: string, c: Compiler): RuleFn {
    if (!isPlainObject(rule)) {
        throw new MappingCompileError(field, 'rule must be an object such as {"path": "a.b"} or {"const": 1}');
    }
    let kinds: string[] = RULE_KINDS.filter((k) => Object.prototype.hasOwnProperty.call(rule, k));
    // A value table reads its own `path`.
    if (kinds.includes('table')) kinds = kinds.filter((k) => k !== 'path');
    if (kinds.length !== 1) {
        throw new MappingCompileError(field, kinds.length === 0 ? `rule needs one of ${RULE_KINDS.join(', ')}` : `rule has several kinds (${kinds.join(', ')})`);
    }
    const kind = kinds[0] as (typeof RULE_KINDS)[number];
    const r = rule as Record<string, any>;
    let source: RuleFn;
    let sourceDesc: string;

    switch (kind) {
        case 'const': {
            const value = r.const;
            if (value !== null && typeof value === 'object') {
                const frozen = JSON.stringify(value);
                source = () => JSON.parse(frozen);
            } else source = () => value;
            sourceDesc = '(const)';
            break;
        }
        case 'path': {
            const get = makeGetter(r.path, field);
            source = get;
            sourceDesc = String(r.path).trim();
            break;
        }
        case 'template': {
            if (typeof r.template !== 'string') throw new MappingCompileError(field, 'template must be text');
            const parts: Array<string | Getter> = [];
            const paths: string[] = [];
            const re = /\{\{\s*([^}]+?)\s*\}\}/g;
            let last = 0;
            let m: RegExpExecArray | null;
            while ((m = re.exec(r.template))) {
                if (m.index > last) parts.push(r.template.slice(last, m.index));
                parts.push(makeGetter(m[1], field));
                paths.push(m[1]);
                last = re.lastIndex;
            }
            if (last < r.template.length) parts.push(r.template.slice(last));
            sourceDesc = paths.length === 1 ? paths[0] : `(template ${r.template})`;
            if (paths.length === 0) {
                const text = r.template;
                source = () => text;
            } else if (parts.length === 1) {
                const g = parts[0] as Getter;
                source = (cur, root) => {
                    const v = g(cur, root);
                    return isEmpty(v) ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v);
                };
            } else {
                source = (cur, root) => {
                    let s = '';
                    let any = false;
                    for (let i = 0; i < parts.length; i++) {
                        const p = parts[i];
                        if (typeof p === 'string') s += p;
                        else {
                            const v = p(cur, root);
                            if (!isEmpty(v)) {
                                any = true;
                                s += typeof v === 'object' ? JSON.stringify(v) : String(v);
                            }
                        }
                    }
                    return any ? s : undefined;
                };
            }
            break;
        }
        case 'table': {
            if (!isPlainObject(r.table)) throw new MappingCompileError(field, 'table must be an object of source value → target value');
            const table = new Map<string, unknown>();
            for (const k of Object.keys(r.table)) table.set(k, r.table[k]);
            const get = makeGetter(r.path, field);
            const hasDefault = Object.prototype.hasOwnProperty.call(r, 'default');
            const fallback = r.default;
            sourceDesc = String(r.path).trim();
            source = (cur, root, env) => {
                const v = get(cur, root);
                if (isEmpty(v)) return hasDefault ? fallback : undefined;
                const k = String(v);
                if (table.has(k)) return table.get(k);
                if (hasDefault) return fallback;
                env.errors.push({ field: key, source: sourceDesc, reason: `${show(v)} is not in the value table` });
                return FAIL;
            };
            break;
        }
        case 'array': {
            const get = makeGetter(r.array, field);
            const itemSchema = schema && (schema.items as JsonSchema | undefined);
            sourceDesc = String(r.array).trim();
            const child = compileFields(r.fields, itemSchema, `${field}[]`, `${sourceDesc}[]`, c);
            // Child field names in errors are relative (`FMaterialID`); relocate() prefixes them per line.
            const lineOf = (src: unknown): any[] | undefined => (Array.isArray(src) ? src : isPlainObject(src) ? [src] : undefined);
            if (!c.async) {
                source = (cur, root, env) => {
                    const lines = lineOf(get(cur, root));
                    if (!lines) return undefined;
                    const out = new Array(lines.length);
                    for (let i = 0; i < lines.length; i++) {
                        const before = env.errors.length;
                        out[i] = buildSync(child, lines[i], root, env);
                        if (env.errors.length !== before) relocate(env, before, `${key}[${i}]`, `${sourceDesc}[${i}]`);
                    }
                    return out;
                };
            } else {
                source = async (cur, root, env) => {
                    const lines = lineOf(get(cur, root));
                    if (!lines) return undefined;
                    const out = new Array(lines.length);
                    for (let i = 0; i < lines.length; i++) {
                        const before = env.errors.length;
                        out[i] = await buildAsync(child, lines[i], root, env);
                        if (env.errors.length !== before) relocate(env, before, `${key}[${i}]`, `${sourceDesc}[${i}]`);
                    }
                    return out;
                };
            }
            break;
        }
        case 'jsonata': {
            if (typeof r.jsonata !== 'string' || r.jsonata.trim() === '') throw new MappingCompileError(field, 'jsonata must be an expression');
            let expr: jsonata.Expression;
            try {
                expr = jsonata(r.jsonata);
            } catch (err: any) {
                throw new MappingCompileError(field, `JSONata: ${err.message ?? err}`);
            }
            sourceDesc = `(jsonata ${r.jsonata.length > 40 ? r.jsonata.slice(0, 37) + '…' : r.jsonata})`;
            source = async (cur, root, env) => {
                try {
                    const v = await expr.evaluate(cur, { root });
                    // JSONata sequences are arrays with extra flags; hand out plain values.
                    return v === undefined ? undefined : Array.isArray(v) ? Array.from(v) : v;
                } catch (err: any) {
                    env.errors.push({ field: key, source: sourceDesc, reason: `JSONata failed: ${err.message ?? err}` });
                    return FAIL;
                }
            };
            break;
        }
        case 'lookup': {
            const l = r.lookup;
            if (!isPlainObject(l)) throw new MappingCompileError(field, 'lookup must be an object');
            const store = l.store ?? 'flow';
            if (store !== 'flow' && store !== 'global') throw new MappingCompileError(field, 'lookup.store must be "flow" or "global"');
            if (typeof l.key !== 'string' || l.key.trim() === '') throw new MappingCompileError(field, 'lookup.key is required');
            for (const seg of l.key.split(/[.[\]]/)) checkSegment(seg, `lookup key "${l.key}"`, field);
            if (!isPlainObject(l.match) || Object.keys(l.match).length === 0) throw new MappingCompileError(field, 'lookup.match needs at least one collection field → source path');
            if (typeof l.return !== 'string' || l.return === '') throw new MappingCompileError(field, 'lookup.return is required');
            checkSegment(l.return, 'lookup.return', field);
            const onMissing = l.onMissing ?? 'fail';
            if (onMissing !== 'fail' && onMissing !== 'empty') throw new MappingCompileError(field, 'lookup.onMissing must be "fail" or "empty"');
            const matchFields = Object.keys(l.match as object);
            matchFields.forEach((f) => checkSegment(f, 'lookup.match', field));
            const getters = matchFields.map((f) => makeGetter((l.match as any)[f], field));
            const ret: string = l.return;
            const ctxKey: string = l.key.trim();
            sourceDesc = matchFields.length === 1 ? String((l.match as any)[matchFields[0]]) : `(lookup ${ctxKey})`;
            // One index per collection instance: the collection is scanned once, then every record is a Map hit.
            const indexes = new WeakMap<object, Map<string, any>>();
            const keyOf = (item: any) => matchFields.map((f) => (item == null ? '' : String(item[f] ?? ''))).join('\u0000');
            const indexFor = (coll: any): Map<string, any> | undefined => {
                if (coll === null || typeof coll !== 'object') return undefined;
                let idx = indexes.get(coll);
                if (!idx) {
                    idx = new Map();
                    for (const item of Array.isArray(coll) ? coll : Object.values(coll)) {
                        const k = keyOf(item);
                        if (!idx.has(k)) idx.set(k, item);
                    }
                    indexes.set(coll, idx);
                }
                return idx;
            };
            source = async (cur, root, env) => {
                const values = getters.map((g) => g(cur, root));
                const coll = env.ctx?.getContext ? await env.ctx.getContext(store, ctxKey) : undefined;
                const idx = indexFor(coll);
                const item = values.some(isEmpty) ? undefined : idx?.get(values.map((v) => String(v)).join('\u0000'));
                const v = item == null || typeof item !== 'object' ? undefined : Object.prototype.hasOwnProperty.call(item, ret) ? item[ret] : undefined;
                if (v === undefined && onMissing === 'fail') {
                    const what = matchFields.map((f, i) => `${f}=${show(values[i])}`).join(', ');
                    env.errors.push({ field: key, source: sourceDesc, reason: idx ? `no match in ${store}.${ctxKey} where ${what}` : `${store} context "${ctxKey}" holds no collection` });
                    return FAIL;
                }
                return v;
            };
            break;
        }
    }

    c.sources.set(field.replace(/\[\d+\]/g, '[]'), srcPrefix && !sourceDesc!.startsWith('$root') && !sourceDesc!.startsWith('(') ? `${srcPrefix}.${sourceDesc!}` : sourceDesc!);

    // Post-processing common to every rule: default, conversion, required, Kingdee basic-data wrapping.
    const hasDefault = kind !== 'table' && Object.prototype.hasOwnProperty.call(r, 'default');
    const dflt = r.default;
    if (r.convert !== undefined && !CONVERTS.has(r.convert)) throw new MappingCompileError(field, `convert must be one of ${[...CONVERTS].join(', ')}`);
    const conv = r.convert ? converter(r.convert) : undefined;
    const convReason = r.convert ? CONVERT_REASON[r.convert as Convert] : '';
    const required = r.required === true;
    const basedata = schema && typeof schema['x-basedata'] === 'string' ? (schema['x-basedata'] as string) : undefined;
    if (basedata) checkSegment(basedata, 'x-basedata', field);
    // Literal keys for the usual two spellings: a computed key would give V8 a slow object shape per record.
    const wrap =
        basedata === 'FNumber'
            ? (v: unknown) => ({ FNumber: v })
            : basedata === 'FNUMBER'
              ? (v: unknown) => ({ FNUMBER: v })
              : (v: unknown) => {
                    const o: Record<string, unknown> = {};
                    o[basedata!] = v;
                    return o;
                };
    const desc = sourceDesc!;

    const finish = (v: unknown, env: Env): unknown => {
        if (v === FAIL) return FAIL;
        if (isEmpty(v) || (Array.isArray(v) && v.length === 0 && required)) {
            if (hasDefault) v = dflt;
            if (isEmpty(v)) {
                if (required) {
                    env.errors.push({ field: key, source: desc, reason: 'is required (source is empty)' });
                    return FAIL;
                }
                return undefined;
            }
        }
        if (conv) {
            const x = conv(v);
            if (x === FAIL) {
                env.errors.push({ field: key, source: desc, reason: `${show(v)} ${convReason}` });
                return FAIL;
            }
            v = x;
        }
        if (basedata && (v === null || typeof v !== 'object')) return wrap(v);
        return v;
    };

    if (kind === 'jsonata' || kind === 'lookup' || (kind === 'array' && c.async)) {
        return (cur, root, env) => (source(cur, root, env) as Promise<unknown>).then((v) => finish(v, env));
    }
    if (!hasDefault && !conv && !required && !basedata) return source;
    return (cur, root, env) => finish(source(cur, root, env), env);
}

function needsAsync(fields: unknown): boolean {
    if (!isPlainObject(fields)) return false;
    for (const k of Object.keys(fields)) {
        const r = fields[k];
        if (!isPlainObject(r)) continue;
        if ('jsonata' in r || 'lookup' in r) return true;
        if ('array' in r && needsAsync(r.fields)) return true;
    }
    return false;
}

/** The schema that validates a target node's input: its recordSchema (write nodes), else its requestSchema. */
export function targetSchema(type: string): JsonSchema | undefined {
    const spec = getSpec(type);
    if (!spec) return undefined;
    return spec.kind === 'write' ? spec.recordSchema : spec.requestSchema;
}

export function compileMapping(mapping: Mapping | string, options: CompileOptions = {}): CompiledMapping {
    let m: any = mapping;
    if (typeof m === 'string') {
        try {
            m = JSON.parse(m);
        } catch (err: any) {
            throw new MappingCompileError('', `mapping is not valid JSON: ${err.message}`);
        }
    }
    if (!isPlainObject(m)) throw new MappingCompileError('', 'mapping must be an object {target?, fields}');
    const target: string | undefined = options.target || (typeof m.target === "string" && m.target) || undefined;
    let schema = options.schema;
    if (!schema && target) {
        schema = targetSchema(target);
        if (!schema) throw new MappingCompileError('', `target "${target}" is not a known node type`);
    }
    const c: Compiler = { async: needsAsync(m.fields), sources: new Map() };
    const top = compileFields(m.fields, schema, '', '', c);
    const validate = schema && options.validate !== false ? compileRecordSchema(schema) : undefined;
    const sources = c.sources;

    const sourceOf = (field: string): string => {
        const pattern = field.replace(/\[\d+\]/g, '[]');
        let s = sources.get(pattern);
        if (s === undefined) {
            // A field inside a mapped object/array: use the nearest mapped ancestor.
            let p = pattern;
            while (s === undefined && /[.[]/.test(p)) {
                p = p.replace(/(\.[^.[\]]*|\[\])$/, '');
                s = sources.get(p);
            }
        }
        if (s === undefined) return '(not mapped)';
        const idx = field.match(/\[\d+\]/g) ?? [];
        let i = 0;
        return s.replace(/\[\]/g, (x) => idx[i++] ?? x);
    };

    const finish = (record: Record<string, unknown>, env: Env): MapResult => {
        if (env.errors.length > 0) return { ok: false, errors: env.errors };
        if (validate && !validate(record)) {
            return { ok: false, errors: describeErrors(validate.errors).map((e) => ({ field: e.field, source: sourceOf(e.field), reason: e.reason })) };
        }
        return { ok: true, record };
    };
    const notObject = (): MapResult => ({ ok: false, errors: [{ field: '(root)', source: '(input)', reason: 'source record must be an object' }] });

    const fn: any = c.async
        ? async (record: unknown, ctx?: MapContext): Promise<MapResult> => {
              if (!isPlainObject(record)) return notObject();
              const env: Env = { errors: [], ctx };
              return finish(await buildAsync(top, record, record, env), env);
          }
        : (record: unknown, ctx?: MapContext): MapResult => {
              if (!isPlainObject(record)) return notObject();
              const env: Env = { errors: [], ctx };
              return finish(buildSync(top, record, record, env), env);
          };
    Object.defineProperty(fn, 'async', { value: c.async });
    Object.defineProperty(fn, 'target', { value: target });
    Object.defineProperty(fn, 'schema', { value: schema });
    return fn as CompiledMapping;
}
