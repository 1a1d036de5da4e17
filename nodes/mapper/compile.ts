/**
 * compileMapping(): turns a mapping (JSON) into a plain function from a source record to a target record.
 *
 * Everything about the mapping is decided here, once: the mapping tree is checked and turned into the source of one
 * straight-line JavaScript function (one block per target field, one loop per array rule, each path an inline chain
 * of property reads), which `new Function` compiles on deploy. The mapping JSON is never walked per record.
 *
 * What goes into that generated source is closed: fixed code shapes written here, variable names made here, and
 * property names as JSON.stringify'd string literals (never code). Every other value of the mapping — constants,
 * template text, value tables, defaults — is handed to the function by reference (`K[i]`), not written into it.
 * JSONata expressions run in JSONata's own interpreter. The names `__proto__`, `constructor` and `prototype` are
 * refused anywhere in a mapping (paths, templates, target fields, constant/default objects, table keys and values).
 *
 * Outputs share no object with the input, the mapping or a lookup's collection: object values are copied.
 * The returned function is synchronous unless a rule needs JSONata or a context lookup (both async).
 */
import { join } from 'path';
import jsonata from 'jsonata';
import type { JsonSchema } from '../core/spec';
import { english, type Text, type TextVars } from '../core/i18n';
import { getSpec } from '../core/endpoint';
import { compileRecordSchema, describeErrors } from '../core/validate';
import { chinaTime, isCalendarDate, toEpochMs } from '../core/time';
import { decimal, decimalText, isRoundedInteger, parseVendorJson } from '../core/json';
import { roundHalfUp } from './round';

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
    /** The context store (settings.js contextStorage) holding it; blank: the default store. */
    contextStore?: string;
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
    /** Why, in English, worded as it always was: flows match on it. */
    reason: string;
    /**
     * The same reason as a text of the catalog ({key, vars}: the mapper's `erp-mapper.reason.*`, the target schema's
     * `runtime.validate.*`), for showing it in the user's language; values quoted from the record are its vars, as they
     * are. Absent only for a rarer schema rule (anyOf …): `reason` then.
     */
    text?: Text;
}

export type MapResult = { ok: true; record: Record<string, unknown> } | { ok: false; errors: MappingError[] };

export interface MapContext {
    /**
     * Reads a context value for lookup rules (Node-RED flow / global context). May return a promise.
     * A lookup indexes a collection once per ctx object: pass a new ctx when the collections may have changed
     * (the erp-mapper node makes one per msg), so an edit another flow made in place is seen.
     */
    getContext?(store: 'flow' | 'global', key: string, contextStore?: string): unknown;
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
    /** Fields the target's schema requires that the mapping does not map (`Items[].GoodsID`): every record fails on them. */
    readonly unmapped: string[];
    /** The context stores lookup rules name (`lookup.contextStore`), for the node to check settings.js defines them. */
    readonly contextStores: string[];
}

/** The mapper's English catalog (locales/en-US/erp-mapper.json, named after the node's js): a compile error's message. */
const inEnglish = english(join(__dirname, 'erp-mapper.js'));
type CompileTexts = (typeof import('./locales/en-US/erp-mapper.json'))['erp-mapper']['compile'];
type CompileName = Exclude<keyof CompileTexts, 'where'> | `where.${keyof CompileTexts['where']}`;

/** Why a mapping does not compile (or a part of it): the catalog's `erp-mapper.compile.<name>`. */
function says(name: CompileName, vars?: TextVars): Text {
    return vars ? { key: `erp-mapper.compile.${name}`, vars } : { key: `erp-mapper.compile.${name}` };
}

/**
 * Thrown for a mapping that cannot compile; names the target field. `text` is the message as a text of the catalog
 * (`erp-mapper.compile.*` after the field), for the user's language; the message is its English.
 */
export class MappingCompileError extends Error {
    readonly text: Text;
    constructor(
        readonly field: string,
        reason: Text,
    ) {
        const text = field ? { key: 'erp-mapper.error.field', vars: { field, reason } } : reason;
        super(inEnglish(text.key, text.vars));
        this.text = text;
        this.name = 'MappingCompileError';
    }
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const CONVERTS = new Set(['number', 'string', 'boolean', 'date', 'datetime', 'timestamp']);
/** Limits of one JSONata evaluation (one rule of one record): nesting depth and milliseconds. */
const JSONATA_STACK = 500;
const JSONATA_TIMEOUT_MS = 2000;

const RULE_KINDS = ['const', 'path', 'template', 'array', 'table', 'lookup', 'jsonata'] as const;
/** What a rule may hold besides its kind (`path` beside a table; `fields` the editor keeps when an array rule changes kind). */
const RULE_OPTIONS = new Set<string>([...RULE_KINDS, 'convert', 'default', 'required', 'fields']);

const isEmpty = (v: unknown) => v === undefined || v === null || v === '';
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Where a name was found: a text of the catalog (`where.*`), or a property's name as it is (`lookup.return`). */
type Where = Text | string;

function checkSegment(seg: string, where: Where, field: string): void {
    if (FORBIDDEN.has(seg)) throw new MappingCompileError(field, says('forbidden', { where, name: seg }));
}

/** Constants, defaults and value tables are data: refuse the pollution keys anywhere inside them. */
function checkData(v: unknown, where: Where, field: string): void {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
        for (const x of v) checkData(x, where, field);
        return;
    }
    for (const k of Object.keys(v)) {
        checkSegment(k, where, field);
        checkData((v as Record<string, unknown>)[k], where, field);
    }
}

/** `a.b[0].c` → ['a', 'b', 0, 'c']; `$root.` prefix marks the top record. */
export function parsePath(path: string, field = ''): { root: boolean; segments: Array<string | number> } {
    if (typeof path !== 'string') throw new MappingCompileError(field, says('pathNotText'));
    let text = path.trim();
    let root = false;
    if (text === '$root') return { root: true, segments: [] };
    if (text.startsWith('$root.')) {
        root = true;
        text = text.slice(6);
    }
    if (text === '') throw new MappingCompileError(field, says('pathEmpty'));
    const segments: Array<string | number> = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\[["']([^"']*)["']\]|(\.)/gy;
    let m: RegExpExecArray | null;
    let last = 0;
    while (last < text.length && (m = re.exec(text))) {
        last = re.lastIndex;
        if (m[4]) continue;
        const seg = m[1] ?? m[3];
        if (seg !== undefined) {
            // A quoted key is exact (a column "备注 " is not "备注"); spaces around a bare one are layout.
            const s = m[3] ?? seg.trim();
            checkSegment(s, says('where.path', { path }), field);
            segments.push(s);
        } else segments.push(Number(m[2]));
    }
    if (last !== text.length) throw new MappingCompileError(field, says('pathMalformed', { path }));
    return { root, segments };
}

/**
 * `[0]` of an object: its first line. A single line given as an object (not a list) is that line, as the array rule
 * takes it, so `goodsDetail[0].consignTime` reads the same record the `goodsDetail` array rule maps; an object keyed
 * "0" is read by its key.
 */
function lineZero(v: any): unknown {
    return Array.isArray(v) || v[0] !== undefined ? v[0] : v;
}

/** A list index written as an object key ("0", "17"), as json_encode writes a PHP list with gaps. */
const INDEX_KEY = /^(?:0|[1-9]\d{0,8})$/;

/**
 * The lines of an array rule's source object: an object keyed only "0", "1"… is a list PHP's json_encode wrote as an
 * object (one with gaps, or counted from 1), its lines in the order of their keys; any other object is one line. Taken
 * as one line, such a list became a single line of nothing but the constants: the bill's goods silently gone.
 */
function linesOf(v: Record<string, unknown>): unknown[] {
    if (ArrayBuffer.isView(v)) return [v];
    const keys = Object.keys(v);
    return keys.length > 0 && keys.every((k) => INDEX_KEY.test(k)) ? Object.values(v) : [v];
}

/** A closure getter, for the async rules (lookup match paths); the generated code inlines its own reads. */
function makeGetter(path: string, field: string): (cur: any, root: any) => unknown {
    const { root, segments } = parsePath(path, field);
    return (cur, r) => {
        let v = root ? r : cur;
        for (let i = 0; i < segments.length; i++) {
            if (v === null || typeof v !== 'object') return undefined;
            v = segments[i] === 0 ? lineZero(v) : v[segments[i]];
        }
        return typeof v === 'function' ? undefined : v;
    };
}

// ---- Runtime helpers: fixed code the generated function calls (never generated) ----

/** Marks a field that failed (its error is recorded) and is not set. */
const FAIL = Symbol('fail');
/**
 * Why a field failed, by name: the English `reason` as it always read (flows match on it; the en-US catalog's
 * `erp-mapper.reason.<name>` says the same, test/mapper checks), with `__name__` standing for the values given as vars.
 */
const REASONS = {
    required: 'is required (source is empty)',
    notNumber: '__value__ is not a number',
    bigNumber: '__value__ is a whole number beyond 2^53: as a number it would lose its last digits (leave convert off to write it as text)',
    // A 19-digit id sent as a JSON number: written as text it would name another order or goods.
    digitsLost: '__value__ is a whole number beyond 2^53: its last digits were lost when the JSON was read (the source must send it as text)',
    notBoolean: '__value__ is not a boolean (true/false, 1/0, 是/否)',
    notDate: '__value__ is not a date (yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, ms timestamp or /Date(ms)/)',
    notInTable: '__value__ is not in the value table',
    notSingleValue: '__value__ is not a single value for the value table',
    notSingleLookupValue: '__value__ is not a single value to look up',
    notList: '__value__ is not a list',
    jsonataFailed: 'JSONata failed: __error__',
    jsonataTimedOut: 'JSONata not run: it ran out of time (__ms__ ms) on an earlier record of this msg',
    lookupNoReturn: '__store__.__key__ has __match__ but no __return__',
    lookupNoMatch: 'no match in __store__.__key__ where __match__',
    lookupNoCollection: '__store__ context "__key__" holds no collection',
    // The editor's preview only (its context reader throws LookupUnavailable): why it could not read the collection.
    previewNotDeployed: 'lookup: __store__.__key__ not read: this node is not deployed (deploy, then run the flow that loads it)',
    previewNotSetFlow: 'lookup: __store__.__key__ is not set in the deployed flow (deploy, then run the flow that loads it)',
    previewNotSetGlobal: 'lookup: __store__.__key__ is not set in global context (run the flow that loads it)',
    previewStoreFailed: 'lookup: reading __store__.__key__ failed: __error__',
    notObject: 'source record must be an object',
} as const;
export type ReasonName = keyof typeof REASONS;
/** The English of each reason (`__name__` placeholders), for checking the catalogs against it. */
export const REASON_TEXTS: Readonly<Record<ReasonName, string>> = REASONS;

/** Why a field failed: its English reason and its catalog text. An async rule returns one; the generated code adds field and source. */
class Failure {
    constructor(
        readonly reason: string,
        readonly text: Text,
    ) {}
}

function why(name: ReasonName, vars?: Record<string, string>): Failure {
    if (!vars) return new Failure(REASONS[name], { key: `erp-mapper.reason.${name}` });
    const reason = REASONS[name].replace(/__(\w+)__/g, (whole, n: string) => (has(vars, n) ? vars[n] : whole));
    return new Failure(reason, { key: `erp-mapper.reason.${name}`, vars });
}

/**
 * Thrown by a MapContext's getContext when the collection cannot be read for a reason the field should show (the
 * editor's preview: the node is not deployed, the key is not set, the store failed): the lookup's field fails with it,
 * whatever onMissing says. Any other error thrown there fails the whole msg, as before.
 */
export class LookupUnavailable extends Error {
    readonly failure: Failure;
    constructor(name: 'previewNotDeployed' | 'previewNotSetFlow' | 'previewNotSetGlobal' | 'previewStoreFailed', vars: Record<string, string>) {
        const failure = why(name, vars);
        super(failure.reason);
        this.failure = failure;
        this.name = 'LookupUnavailable';
    }
}

/** why() of a value from the record, quoted as `show` quotes it. */
function whyValue(name: ReasonName, v: unknown): Failure {
    return why(name, { value: show(v) });
}

function show(v: unknown): string {
    const s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return s.length > 80 ? s.slice(0, 77) + '…' : s;
}

/** A copy of plain data (objects, arrays, dates), so outputs never alias the input, the mapping or the context. */
function clone(v: any): any {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (let i = 0; i < v.length; i++) out.push(clone(v[i]));
        return out;
    }
    if (v instanceof Date) return new Date(v.getTime());
    if (Buffer.isBuffer(v)) return Buffer.from(v);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
        const x = clone(v[k]);
        // A source's own "__proto__" key stays an own property of the copy (assigning it would swap the prototype).
        if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
        else out[k] = x;
    }
    return out;
}

/**
 * A JSONata result with every fractional number in it as its decimal (`decimal`), as JSONata's $string writes them: a
 * copy where an object or list holds one (the result may be an object of the input), the value itself otherwise.
 */
function decimals(v: any): any {
    if (typeof v === 'number') return decimal(v);
    if (v === null || typeof v !== 'object' || v instanceof Date || Buffer.isBuffer(v)) return v;
    if (Array.isArray(v)) {
        let out: unknown[] | undefined;
        for (let i = 0; i < v.length; i++) {
            const x = decimals(v[i]);
            if (x !== v[i] && !out) out = v.slice(0, i);
            if (out) out.push(x);
        }
        return out ?? v;
    }
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length; i++) {
        const x = decimals(v[keys[i]]);
        if (x !== v[keys[i]] && !out) out = clone(v);
        // A source's own "__proto__" key stays an own property of the copy (assigning it would swap the prototype).
        if (out) Object.defineProperty(out, keys[i], { value: x, enumerable: true, writable: true, configurable: true });
    }
    return out ?? v;
}

const NON_DECIMAL = /^\s*0[xbo]/i;
// Commas only as thousands separators: "1,234.5". "1,5" (a decimal comma, or two values) is no number.
const THOUSANDS = /^\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\s*$/;

// A whole number written out in digits (with or without thousands separators).
const WHOLE_TEXT = /^\s*[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)\s*$/;

/** A whole number beyond 2^53 as text (a 19-digit id, as vendor answers give it): as a number it would name another. */
function bigWholeText(v: unknown): boolean {
    if (typeof v !== 'string' || !WHOLE_TEXT.test(v)) return false;
    const n = +v.replace(/,/g, '');
    return n - n === 0 && !Number.isSafeInteger(n);
}

function toNumber(v: unknown): number | typeof FAIL {
    if (typeof v === 'number') return v - v === 0 ? v : FAIL;
    if (typeof v === 'string') {
        let n = +v;
        if (n !== n && THOUSANDS.test(v)) n = +v.replace(/,/g, '');
        // `+"  "` is 0: a blank text is not a number; nor is "0x10" (16 to JavaScript) an amount anyone writes.
        if (n - n !== 0 || (n === 0 && v.trim() === '') || NON_DECIMAL.test(v)) return FAIL;
        if (n % 1 === 0 && !Number.isSafeInteger(n) && bigWholeText(v)) return FAIL;
        return n;
    }
    if (typeof v === 'boolean') return v ? 1 : 0;
    return FAIL;
}

// A number as its decimal, never in exponent form (1e-7 → "0.0000001"), as the write nodes put numbers in text fields.
function toText(v: unknown): string {
    return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : typeof v === 'number' && v - v === 0 ? decimalText(v) : String(v);
}

/**
 * A number whose text would not be the amount or id it stands for: NaN or ±Infinity (a sum over a missing amount made
 * in a function node), written "NaN", which a PHP vendor reads as 0, or a whole number beyond 2^53, which has already
 * lost digits (JSON.parse rounded it). The write nodes refuse such a number, but not once it is text.
 */
function badNumberText(v: unknown): boolean {
    return typeof v === 'number' && (v - v !== 0 || isRoundedInteger(v));
}

/** Why a number cannot be written as text (badNumberText): not a number, or digits already lost. */
function whyNumberText(v: number): Failure {
    return whyValue(v - v !== 0 ? 'notNumber' : 'digitsLost', v);
}

/** convert "string": as toText, but not a number whose text would be another (badNumberText). */
function toTextExact(v: unknown): string | typeof FAIL {
    return badNumberText(v) ? FAIL : toText(v);
}

function toBoolean(v: unknown): boolean | typeof FAIL {
    if (typeof v === 'boolean') return v;
    if (v === 1 || v === 0) return v === 1;
    const t = String(v).trim().toLowerCase();
    if (t === 'true' || t === '1' || t === 'y' || t === 'yes' || t === '是') return true;
    if (t === 'false' || t === '0' || t === 'n' || t === 'no' || t === '否') return false;
    return FAIL;
}

const CHINA_OFFSET_MS = 8 * 3600 * 1000;
// Four-digit years only: anything else cannot be written as yyyy-MM-dd.
const MIN_MS = Date.UTC(1000, 0, 1) - CHINA_OFFSET_MS;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999) - CHINA_OFFSET_MS;
const CHINA_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/;

/**
 * `yyyy-MM-dd[ HH:mm[:ss[.fff]]]` (China time): its parts when it is a real date, false when it has that form but is
 * not a real date, null for other forms. Text of this form is formatted from its parts, without a Date.
 */
function chinaParts(text: string): RegExpExecArray | false | null {
    const m = CHINA_TEXT.exec(text);
    if (!m) return null;
    return isCalendarDate(+m[1], +m[2], +m[3], m[4] === undefined ? 0 : +m[4], m[5] === undefined ? 0 : +m[5], m[6] === undefined ? 0 : +m[6]) ? m : false;
}

/** Epoch ms of any other date value (ms timestamp, /Date(ms)/, zoned ISO text, yyyyMMdd, Date); NaN when not a real date. */
function otherMs(v: unknown): number {
    const ms = toEpochMs(v);
    return ms >= MIN_MS && ms <= MAX_MS ? ms : NaN;
}

const NO_DATE = /^\s*0000-00-00(?:[ T]00:00(?::00(?:\.0+)?)?)?\s*$/;
/** `0000-00-00 00:00:00` (or the date alone): how WDT and Jackyun write "no date". */
const noDate = (text: string) => NO_DATE.test(text);

function toDate(v: unknown): string | typeof FAIL {
    if (typeof v === 'string') {
        const text = v.trim();
        const m = chinaParts(text);
        if (m) return text.slice(0, 10);
        if (m === false) return FAIL;
    }
    const ms = otherMs(v);
    return ms === ms ? chinaTime(ms).slice(0, 10) : FAIL;
}
function toDateTime(v: unknown): string | typeof FAIL {
    if (typeof v === 'string') {
        const text = v.trim();
        const m = chinaParts(text);
        if (m) return `${text.slice(0, 10)} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
        if (m === false) return FAIL;
    }
    const ms = otherMs(v);
    return ms === ms ? chinaTime(ms) : FAIL;
}
function toTimestamp(v: unknown): number | typeof FAIL {
    if (typeof v === 'string') {
        const m = chinaParts(v.trim());
        if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), m[7] ? Math.floor(+`0.${m[7]}` * 1000) : 0) - CHINA_OFFSET_MS;
        if (m === false) return FAIL;
    }
    const ms = otherMs(v);
    return ms === ms ? ms : FAIL;
}

function pushError(E: MappingError[] | null, field: string, source: string, failure: Failure): MappingError[] {
    const errors = E ?? [];
    errors.push({ field, source, reason: failure.reason, text: failure.text });
    return errors;
}

const HELPERS = { err: pushError, why, whyValue, badText: badNumberText, whyText: whyNumberText, show, clone, dec: decimal, num: toNumber, bigText: bigWholeText, text: toText, str: toTextExact, bool: toBoolean, date: toDate, datetime: toDateTime, timestamp: toTimestamp, noDate, line0: lineZero, lines: linesOf, Failure };

const CONVERT_FN: Record<Convert, string> = { number: 'H.num', string: 'H.str', boolean: 'H.bool', date: 'H.date', datetime: 'H.datetime', timestamp: 'H.timestamp' };
const CONVERT_REASON: Record<Convert, ReasonName> = {
    number: 'notNumber',
    string: 'digitsLost',
    boolean: 'notBoolean',
    date: 'notDate',
    datetime: 'notDate',
    timestamp: 'notDate',
};

// ---- Code generation ----

/** A piece of a field/source name: literal text, or `{v}` a generated index variable. */
type Part = string | { v: string };

/** A string literal for generated code (JSON.stringify escapes everything that could end it). */
const q = (s: string) => JSON.stringify(s);

/** JS expression concatenating name parts (evaluated only when an error is recorded). */
function concat(parts: Part[]): string {
    const merged: Part[] = [];
    for (const p of parts) {
        const last = merged[merged.length - 1];
        if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
        else merged.push(p);
    }
    if (merged.length === 0) return '""';
    const code = merged.map((p) => (typeof p === 'string' ? q(p) : p.v)).join(' + ');
    return typeof merged[0] === 'string' ? code : `"" + ${code}`;
}

interface Gen {
    async: boolean;
    /** Target path pattern (`FEntity[].FMaterialID`) → source description, for validation errors. */
    sources: Map<string, string>;
    /** Values the generated code reads as K[i]. */
    refs: unknown[];
    maxDepth: number;
    /** Required target fields (schema `required`) with no rule. */
    unmapped: string[];
    /** Context stores named by lookup rules. */
    contextStores: Set<string>;
}

interface Scope {
    depth: number;
    /** Variable holding the current record (depth 0) or array line. */
    cur: string;
    /** Name parts before a field's key, e.g. ['FEntity[', {v: 'i1'}, '].']. */
    fieldParts: Part[];
    /** Name parts before a relative source path, e.g. ['goodsDetail[', {v: 'i1'}, '].']. */
    srcParts: Part[];
    /** Pattern prefixes for compile errors and the sources map: `FEntity[].`, `goodsDetail[].`. */
    fieldPattern: string;
    srcPattern: string;
}

function ref(g: Gen, value: unknown): string {
    g.refs.push(value);
    return `K[${g.refs.length - 1}]`;
}

const absolute = (desc: string) => desc.startsWith('$root') || desc.startsWith('(');

/** Inline read of a path: a chain of property reads, undefined as soon as a step is not an object. */
function readPath(path: unknown, field: string, scope: Scope): string {
    const { root, segments } = parsePath(path as string, field);
    const base = root ? 'rec' : scope.cur;
    if (segments.length === 0) return base;
    // The top record is known to be an object (checked on entry); an array line may be anything.
    const baseIsObject = root || scope.depth === 0;
    const clauses: string[] = [];
    if (!baseIsObject) clauses.push(`${base} !== null && typeof ${base} === "object"`);
    segments.forEach((seg, i) => {
        const key = typeof seg === 'number' ? String(seg) : q(seg);
        const read = seg === 0 ? `H.line0(${i === 0 ? base : 't'})` : i === 0 ? `${base}[${key}]` : `t[${key}]`;
        // Inherited methods (`toString`, `hasOwnProperty`) are not data.
        clauses.push(i < segments.length - 1 ? `(t = ${read}) !== null && typeof t === "object"` : `typeof (t = ${read}) !== "function"`);
    });
    return `(${clauses.join(' && ')} ? t : undefined)`;
}

/** Code that compiles `fields` into object variable `obj` at the scope's depth. */
function genFields(fields: unknown, schema: JsonSchema | undefined, obj: string, scope: Scope, g: Gen): string {
    const where = scope.fieldPattern.replace(/\.$/, '');
    if (!isPlainObject(fields)) throw new MappingCompileError(where, says('fieldsNotObject'));
    const required = schema && Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
    for (const name of required) if (typeof name === 'string' && !has(fields, name)) g.unmapped.push(scope.fieldPattern + name);
    let code = '';
    const v = `v${scope.depth}`;
    for (const key of Object.keys(fields)) {
        const field = scope.fieldPattern + key;
        checkSegment(key, says('where.targetField'), field);
        const props = schema && (schema.properties as Record<string, JsonSchema> | undefined);
        const propSchema = props && has(props, key) ? props[key] : undefined;
        code += genRule(fields[key], key, field, propSchema, scope, g);
        // Empty values (undefined, null, '') are left out: a target field is set only when there is something to send.
        code += `if (${v} !== undefined && ${v} !== FAIL && ${v} !== null && ${v} !== "") ${obj}[${q(key)}] = ${v};\n`;
    }
    return code;
}

/** Code that leaves the rule's value in v<depth>: a value, undefined (left out) or FAIL (error recorded). */
function genRule(rule: unknown, key: string, field: string, schema: JsonSchema | undefined, scope: Scope, g: Gen): string {
    if (!isPlainObject(rule)) throw new MappingCompileError(field, says('ruleNotObject'));
    let kinds: string[] = RULE_KINDS.filter((k) => has(rule, k));
    // A value table reads its own `path`.
    if (kinds.includes('table')) kinds = kinds.filter((k) => k !== 'path');
    if (kinds.length !== 1) {
        throw new MappingCompileError(field, kinds.length === 0 ? says('ruleNoKind', { kinds: RULE_KINDS.join(', ') }) : says('ruleSeveralKinds', { kinds: kinds.join(', ') }));
    }
    const kind = kinds[0] as (typeof RULE_KINDS)[number];
    const r = rule as Record<string, any>;
    // A mistyped option ("requried", "defualt", "required": "true") would be ignored: the record it was meant to
    // stop would reach the target, found only when the target refuses it or someone notices.
    for (const k of Object.keys(r)) {
        if (!RULE_OPTIONS.has(k)) throw new MappingCompileError(field, says('unknownOption', { name: k }));
    }
    if (has(r, 'required') && typeof r.required !== 'boolean') throw new MappingCompileError(field, says('requiredNotBoolean', { value: show(r.required) }));
    const d = scope.depth;
    const v = `v${d}`;
    const x = `x${d}`;
    const fieldName = concat([...scope.fieldParts, key]);
    const sourceName = (desc: string) => (absolute(desc) ? q(desc) : concat([...scope.srcParts, desc]));
    /** Code recording the failure `failure` (an expression giving a Failure) of this field. */
    const fail = (desc: string, failure: string) => `E = H.err(E, ${fieldName}, ${sourceName(desc)}, ${failure}); ${v} = FAIL;`;

    let code = '';
    let desc: string;
    /** The value may be an object of the input, the mapping or the context: copy it. */
    let mayAlias = false;

    switch (kind) {
        case 'const': {
            checkData(r.const, says('where.constant'), field);
            desc = '(const)';
            mayAlias = r.const !== null && typeof r.const === 'object';
            code += `${v} = ${ref(g, clone(r.const))};\n`;
            break;
        }
        case 'path': {
            desc = String(r.path).trim();
            mayAlias = true;
            code += `${v} = ${readPath(r.path, field, scope)};\n`;
            break;
        }
        case 'template': {
            if (typeof r.template !== 'string') throw new MappingCompileError(field, says('templateNotText'));
            const text: string = r.template;
            const re = /\{\{\s*([^}]+?)\s*\}\}/g;
            const paths: string[] = [];
            let body = '';
            let last = 0;
            let m: RegExpExecArray | null;
            const s = `s${d}`;
            while ((m = re.exec(text))) {
                if (m.index > last) body += `${s} += ${ref(g, text.slice(last, m.index))};\n`;
                body += `${x} = ${readPath(m[1], field, scope)};\n`;
                // NaN or a rounded 19-digit id would be written into the text as "NaN" or another id: the field fails.
                body += `if (H.badText(${x})) { ${fail(m[1], `H.whyText(${x})`)} f${d} = null; }\n`;
                body += `else if (${x} !== undefined && ${x} !== null && ${x} !== "") { if (f${d} !== null) f${d} = true; ${s} += typeof ${x} === "string" ? ${x} : H.text(${x}); }\n`;
                paths.push(m[1]);
                last = re.lastIndex;
            }
            if (last < text.length) body += `${s} += ${ref(g, text.slice(last))};\n`;
            desc = paths.length === 1 ? paths[0] : `(template ${text})`;
            // All paths empty → the field is empty (so default/required apply), not just the text around them.
            code += paths.length === 0 ? `${v} = ${ref(g, text)};\n` : `${s} = ""; f${d} = false;\n${body}${v} = f${d} === null ? FAIL : f${d} ? ${s} : undefined;\n`;
            break;
        }
        case 'table': {
            if (!isPlainObject(r.table)) throw new MappingCompileError(field, typeof r.table === 'string' ? says('tableText', { text: show(r.table) }) : says('tableNotObject'));
            checkData(r.table, says('where.table'), field);
            const table = new Map<string, unknown>();
            for (const k of Object.keys(r.table)) if (r.table[k] !== undefined) table.set(k, clone(r.table[k]));
            const hasDefault = has(r, 'default');
            if (hasDefault) checkData(r.default, says('where.default'), field);
            desc = String(r.path).trim();
            mayAlias = [...table.values(), r.default].some((t) => t !== null && typeof t === 'object');
            const M = ref(g, table);
            const dflt = hasDefault ? ref(g, clone(r.default)) : 'undefined';
            code += `${x} = ${readPath(r.path, field, scope)};\n`;
            code += `if (${x} === undefined || ${x} === null || ${x} === "") ${v} = ${dflt};\n`;
            code += `else if (typeof ${x} === "object") { ${fail(desc, `H.whyValue("notSingleValue", ${x})`)} }\n`;
            code += `else if ((${v} = ${M}.get(typeof ${x} === "string" ? ${x} : String(${x}))) === undefined) { `;
            code += hasDefault ? `${v} = ${dflt}; }\n` : `${fail(desc, `H.whyValue("notInTable", ${x})`)} }\n`;
            break;
        }
        case 'array': {
            desc = String(r.array).trim();
            const itemSchema = schema && (schema.items as JsonSchema | undefined);
            const n = d + 1;
            g.maxDepth = Math.max(g.maxDepth, n);
            const i = { v: `i${n}` };
            const srcBase: Part[] = absolute(desc) ? [desc] : [...scope.srcParts, desc];
            const child: Scope = {
                depth: n,
                cur: `c${n}`,
                fieldParts: [...scope.fieldParts, key, '[', i, '].'],
                srcParts: [...srcBase, '[', i, '].'],
                fieldPattern: `${field}[].`,
                srcPattern: absolute(desc) ? `${desc}[].` : `${scope.srcPattern}${desc}[].`,
            };
            const body = genFields(r.fields, itemSchema, `o${n}`, child, g);
            code += `${x} = ${readPath(r.array, field, scope)};\n`;
            // Empty source → no lines (the field is left out; default/required apply); one object → one line (a PHP
            // list written as an object: its lines); anything else (text, a number) is not a list: the record fails
            // rather than silently losing its lines.
            code += `if (${x} === undefined || ${x} === null || ${x} === "") ${v} = undefined;\n`;
            code += `else if (typeof ${x} !== "object") { ${fail(desc, `H.whyValue("notList", ${x})`)} }\n`;
            code += `else {\nl${n} = Array.isArray(${x}) ? ${x} : H.lines(${x}); a${n} = [];\n`;
            code += `for (i${n} = 0; i${n} < l${n}.length; i${n}++) {\nc${n} = l${n}[i${n}]; o${n} = {};\n${body}a${n}.push(o${n});\n}\n`;
            code += `${v} = a${n};\n}\n`;
            break;
        }
        case 'jsonata': {
            if (typeof r.jsonata !== 'string' || r.jsonata.trim() === '') throw new MappingCompileError(field, says('jsonataEmpty'));
            let expr: jsonata.Expression;
            try {
                // Bounded per evaluation: a runaway expression (recursion, an endless tail call) never yields to the
                // event loop, so without a limit it would freeze the whole runtime, not only this record.
                expr = jsonata(r.jsonata, { stack: JSONATA_STACK, timeout: JSONATA_TIMEOUT_MS });
                // 四舍五入 beside JSONata's $round, which rounds halves to even (10.125 → 10.12): see round.ts.
                expr.registerFunction('roundHalfUp', roundHalfUp, '<n-n?:n>');
            } catch (err: any) {
                throw new MappingCompileError(field, says('jsonataBad', { error: String(err.message ?? err) }));
            }
            desc = `(jsonata ${r.jsonata.length > 40 ? r.jsonata.slice(0, 37) + '…' : r.jsonata})`;
            mayAlias = true;
            // The msgs (ctx) on which this rule ran out of time: each evaluation holds the event loop, every flow of the
            // runtime, for the whole limit, so a msg of 1,000 records would freeze it for half an hour. The msg's later
            // records fail at once instead (output 2, replayable once the rule is fixed).
            const timedOut = new WeakSet<object>();
            const run = async (cur: unknown, root: unknown, ctx: MapContext | undefined): Promise<unknown> => {
                if (ctx && timedOut.has(ctx)) return why('jsonataTimedOut', { ms: String(JSONATA_TIMEOUT_MS) });
                try {
                    const out = await expr.evaluate(cur, { root });
                    // Sums and products of decimals are binary floats (0.1 + 0.2 = 0.30000000000000004), also those
                    // inside an object or list it builds (the lines of an entry with their amounts).
                    return decimals(out);
                } catch (err: any) {
                    if (ctx && err?.code === 'D1012') timedOut.add(ctx);
                    return why('jsonataFailed', { error: String(err.message ?? err) });
                }
            };
            code += `${v} = await ${ref(g, run)}(${scope.cur}, rec, ctx);\n`;
            code += `if (${v} instanceof H.Failure) { ${fail(desc, v)} }\n`;
            break;
        }
        case 'lookup': {
            const l = r.lookup;
            if (!isPlainObject(l)) throw new MappingCompileError(field, typeof l === 'string' ? says('lookupText', { text: show(l) }) : says('lookupNotObject'));
            const store = l.store ?? 'flow';
            if (store !== 'flow' && store !== 'global') throw new MappingCompileError(field, says('lookupStore'));
            // Which of settings.js's context stores holds it (a lookup table kept in a "file" store): blank, the default.
            const named: unknown = l.contextStore;
            if (named !== undefined && named !== null && named !== '' && (typeof named !== 'string' || !/^[A-Za-z0-9_-]+$/.test(named))) throw new MappingCompileError(field, says('lookupContextStore'));
            const contextStore = typeof named === 'string' && named !== '' ? named : undefined;
            if (contextStore) g.contextStores.add(contextStore);
            // As the reasons name where it looked: flow.orgs, or flow(file).orgs.
            const where = contextStore ? `${store}(${contextStore})` : store;
            if (typeof l.key !== 'string' || l.key.trim() === '') throw new MappingCompileError(field, says('lookupKeyMissing'));
            // Node-RED reads the key as a property expression: `orgs["__proto__"]` is orgs.__proto__, spaces trimmed.
            for (const seg of l.key.split(/[.[\]]/)) checkSegment(seg.trim().replace(/^(["'])(.*)\1$/, '$2'), says('where.lookupKey', { key: l.key }), field);
            if (!isPlainObject(l.match) || Object.keys(l.match).length === 0) throw new MappingCompileError(field, says('lookupMatchEmpty'));
            if (typeof l.return !== 'string' || l.return === '') throw new MappingCompileError(field, says('lookupReturnMissing'));
            checkSegment(l.return, 'lookup.return', field);
            const onMissing = l.onMissing ?? 'fail';
            if (onMissing !== 'fail' && onMissing !== 'empty') throw new MappingCompileError(field, says('lookupOnMissing'));
            const matchFields = Object.keys(l.match as object);
            matchFields.forEach((f) => checkSegment(f, 'lookup.match', field));
            const getters = matchFields.map((f) => makeGetter((l.match as any)[f], field));
            const ret: string = l.return;
            const ctxKey: string = l.key.trim();
            desc = matchFields.length === 1 ? String((l.match as any)[matchFields[0]]) : `(lookup ${ctxKey})`;
            mayAlias = true;
            // The collection is indexed once per ctx (one msg in the node), then every record is a Map hit. Keyed by
            // ctx as well as by collection: another flow may edit the same array in place between msgs.
            const indexes = new WeakMap<object, WeakMap<object, Map<string, any>>>();
            // Values are matched as text (7 finds "7"), single values only: String(['A']) is "A", and an object's
            // String() whatever its toString says, so a list or object on either side matches nothing.
            const keyOf = (item: any): string | undefined => {
                const parts: string[] = [];
                for (const f of matchFields) {
                    const x = item == null ? '' : item[f] ?? '';
                    if (typeof x === 'object') return undefined;
                    parts.push(String(x));
                }
                return parts.join('\u0000');
            };
            const indexFor = (ctx: object, coll: any): Map<string, any> | undefined => {
                if (coll === null || typeof coll !== 'object') return undefined;
                let perCtx = indexes.get(ctx);
                if (!perCtx) indexes.set(ctx, (perCtx = new WeakMap()));
                let idx = perCtx.get(coll);
                if (!idx) {
                    idx = new Map();
                    for (const item of Array.isArray(coll) ? coll : Object.values(coll)) {
                        const k = keyOf(item);
                        if (k !== undefined && !idx.has(k)) idx.set(k, item);
                    }
                    perCtx.set(coll, idx);
                }
                return idx;
            };
            const find = async (cur: unknown, root: unknown, ctx: MapContext | undefined): Promise<unknown> => {
                const values = getters.map((get) => get(cur, root));
                // A list or object is no key to look up with (as for a value table): failed whatever onMissing says.
                const notSingle = values.find((x) => x !== null && typeof x === 'object');
                if (notSingle !== undefined) return whyValue('notSingleLookupValue', notSingle);
                let coll: unknown;
                try {
                    coll = ctx?.getContext ? await ctx.getContext(store, ctxKey, contextStore) : undefined;
                } catch (err) {
                    if (err instanceof LookupUnavailable) return err.failure;
                    throw err;
                }
                const idx = ctx ? indexFor(ctx, coll) : undefined;
                const item = values.some(isEmpty) ? undefined : idx?.get(values.map((x) => String(x)).join('\u0000'));
                const hit = item != null && typeof item === 'object';
                const found = hit && has(item, ret) ? item[ret] : undefined;
                // A matching item with nothing to return (null, "", no such property) is a miss too: left out, the
                // target would silently get no value (a push to the node's default org).
                if (isEmpty(found) && onMissing === 'fail') {
                    // Nothing to look up with: the source is what is missing, not an item of the collection.
                    if (values.some(isEmpty)) return why('required');
                    const what = matchFields.map((f, k) => `${f}=${show(values[k])}`).join(', ');
                    if (hit) return why('lookupNoReturn', { store: where, key: ctxKey, match: what, return: ret });
                    return idx ? why('lookupNoMatch', { store: where, key: ctxKey, match: what }) : why('lookupNoCollection', { store: where, key: ctxKey });
                }
                return found;
            };
            code += `${v} = await ${ref(g, find)}(${scope.cur}, rec, ctx);\n`;
            code += `if (${v} instanceof H.Failure) { ${fail(desc, v)} }\n`;
            break;
        }
    }

    g.sources.set(field, scope.srcPattern && !absolute(desc!) ? `${scope.srcPattern}${desc!}` : desc!);

    // Post-processing common to every rule: default, required, conversion, copy, Kingdee basic-data wrapping.
    const hasDefault = kind !== 'table' && has(r, 'default') && !isEmpty(r.default);
    if (kind !== 'table' && has(r, 'default')) checkData(r.default, says('where.default'), field);
    if (r.convert !== undefined && !CONVERTS.has(r.convert)) throw new MappingCompileError(field, says('convertUnknown', { converts: [...CONVERTS].join(', ') }));
    const conv = r.convert as Convert | undefined;
    const required = r.required === true;
    const basedata = schema && typeof schema['x-basedata'] === 'string' ? (schema['x-basedata'] as string) : undefined;
    if (basedata) checkSegment(basedata, 'x-basedata', field);
    if (hasDefault && r.default !== null && typeof r.default === 'object') mayAlias = true;

    // A constant text or number: nothing to decide per record but the basic-data wrapper (a fresh object each time).
    if (kind === 'const' && !mayAlias && !isEmpty(r.const) && !conv) {
        return basedata ? `${code}${v} = { ${q(basedata)}: ${v} };\n` : code;
    }
    // WDT's and Jackyun's "no date" (an unpaid trade's pay_time) is an empty source, not an impossible date.
    if (conv === 'date' || conv === 'datetime' || conv === 'timestamp') code += `if (typeof ${v} === "string" && H.noDate(${v})) ${v} = undefined;\n`;
    if (hasDefault || required) {
        const emptyList = required ? ` || (Array.isArray(${v}) && ${v}.length === 0)` : '';
        code += `if (${v} === undefined || ${v} === null || ${v} === ""${emptyList}) { `;
        code += hasDefault ? `${v} = ${ref(g, clone(r.default))}; }\n` : `${fail(desc!, 'H.why("required")')} }\n`;
    }
    if (conv || mayAlias || basedata) {
        code += `if (${v} !== undefined && ${v} !== null && ${v} !== "" && ${v} !== FAIL) {\n`;
        let reason = `H.whyValue(${q(CONVERT_REASON[conv!])}, ${v})`;
        if (conv === 'number') {
            reason = `H.whyValue(H.bigText(${v}) ? "bigNumber" : "notNumber", ${v})`;
            // Numbers pass as they are (a fraction as its decimal); a text starting with a digit 1 – 9 giving a number
            // up to 2^53 - 1 is taken at once (it can be neither blank, `+"  "` being 0, nor "0x10", 16 to JavaScript);
            // everything else goes through the helper, which also reads "1,234.5" and refuses the rest (a 19-digit id
            // as text among them: as a number it would be another id).
            code += `if (typeof ${v} === "number") { if (${v} - ${v} !== 0) { ${fail(desc!, reason)} } else if (${v} % 1 !== 0) ${v} = H.dec(${v}); }\n`;
            code += `else if (typeof ${v} === "string" && (${v}.charCodeAt(0) - 49) >>> 0 < 9 && (${x} = +${v}) <= 9007199254740991) ${v} = ${x};\n`;
            code += `else if ((${x} = H.num(${v})) === FAIL) { ${fail(desc!, reason)} } else ${v} = ${x};\n`;
        } else if (conv === 'string') {
            code += `if ((${x} = H.str(${v})) === FAIL) { ${fail(desc!, `H.whyText(${v})`)} } else ${v} = ${x};\n`;
        } else if (conv) {
            code += `if ((${x} = ${CONVERT_FN[conv]}(${v})) === FAIL) { ${fail(desc!, reason)} } else ${v} = ${x};\n`;
        } else if (mayAlias) {
            code += `if (typeof ${v} === "object") ${v} = H.clone(${v});\n`;
        }
        // Converted values are never objects, so only a rule without conversion can already give {FNumber: …}.
        if (basedata) code += `${conv ? '' : `if (typeof ${v} !== "object") `}${v} = ${conv ? `${v} === FAIL ? FAIL : ` : ''}{ ${q(basedata)}: ${v} };\n`;
        code += '}\n';
    }
    return code;
}

function needsAsync(fields: unknown): boolean {
    if (!isPlainObject(fields)) return false;
    for (const k of Object.keys(fields)) {
        const r = fields[k];
        if (!isPlainObject(r)) continue;
        if (has(r, 'jsonata') || has(r, 'lookup')) return true;
        if (has(r, 'array') && needsAsync(r.fields)) return true;
    }
    return false;
}

/** The schema that validates a target node's input: its recordSchema (write nodes), else its requestSchema. */
export function targetSchema(type: string): JsonSchema | undefined {
    const spec = getSpec(type);
    if (!spec) return undefined;
    return spec.kind === 'write' ? spec.recordSchema : spec.requestSchema;
}

/** The generated function's source, for reading and tests (`compileMapping` compiles it). */
export function generateMapping(mapping: Mapping, schema?: JsonSchema): { source: string; refs: unknown[]; async: boolean; sources: Map<string, string>; unmapped: string[]; contextStores: string[] } {
    const g: Gen = { async: needsAsync(mapping.fields), sources: new Map(), refs: [], maxDepth: 0, unmapped: [], contextStores: new Set() };
    const top: Scope = { depth: 0, cur: 'rec', fieldParts: [], srcParts: [], fieldPattern: '', srcPattern: '' };
    const body = genFields(mapping.fields, schema, 'o0', top, g);
    const vars = ['E = null', 't'];
    for (let d = 0; d <= g.maxDepth; d++) vars.push(`v${d}`, `x${d}`, `s${d}`, `f${d}`);
    for (let d = 1; d <= g.maxDepth; d++) vars.push(`l${d}`, `a${d}`, `i${d}`, `c${d}`, `o${d}`);
    const source =
        `return ${g.async ? 'async ' : ''}function map(rec, ctx) {\n` +
        `if (rec === null || typeof rec !== "object" || Array.isArray(rec)) return NOT_OBJECT();\n` +
        `let ${vars.join(', ')};\nconst o0 = {};\n${body}` +
        `return E === null ? DONE(o0) : { ok: false, errors: E };\n};`;
    return { source, refs: g.refs, async: g.async, sources: g.sources, unmapped: g.unmapped, contextStores: [...g.contextStores] };
}

export function compileMapping(mapping: Mapping | string, options: CompileOptions = {}): CompiledMapping {
    let m: any = mapping;
    if (typeof m === 'string') {
        try {
            // A whole number beyond 2^53 (a long id typed as a constant or in a value table) is kept as its decimal
            // text: JSON.parse rounded 1234567890123456789 to …800, another record. The target schema checks its type.
            m = parseVendorJson(m);
        } catch (err: any) {
            throw new MappingCompileError('', says('notJson', { error: String(err.message) }));
        }
    }
    if (!isPlainObject(m)) throw new MappingCompileError('', says('notObject'));
    const target: string | undefined = options.target || (typeof m.target === 'string' && m.target) || undefined;
    let schema = options.schema;
    if (!schema && target) {
        schema = targetSchema(target);
        if (!schema) throw new MappingCompileError('', says('unknownTarget', { target }));
    }
    const gen = generateMapping(m as unknown as Mapping, schema);
    const validate = schema && options.validate !== false ? compileRecordSchema(schema) : undefined;
    const sources = gen.sources;

    const sourceOf = (field: string): string => {
        const pattern = field.replace(/\[\d+\]/g, '[]');
        let s = sources.get(pattern);
        // A field inside a mapped object/array: use the nearest mapped ancestor.
        let p = pattern;
        while (s === undefined && /[.[]/.test(p)) {
            p = p.replace(/(\.[^.[\]]*|\[\])$/, '');
            s = sources.get(p);
        }
        if (s === undefined) return '(not mapped)';
        const idx = field.match(/\[\d+\]/g) ?? [];
        let i = 0;
        return s.replace(/\[\]/g, (x) => idx[i++] ?? x);
    };

    const done = validate
        ? (record: Record<string, unknown>): MapResult =>
              validate(record)
                  ? { ok: true, record }
                  : { ok: false, errors: describeErrors(validate.errors).map((e) => ({ field: e.field, source: sourceOf(e.field), reason: e.reason, ...(e.text ? { text: e.text } : {}) })) }
        : (record: Record<string, unknown>): MapResult => ({ ok: true, record });
    const notObject = (): MapResult => ({ ok: false, errors: [pushError(null, '(root)', '(input)', why('notObject'))[0]] });

    // The source is made by generateMapping from the checked mapping structure (see the header comment).
    const fn: any = new Function('K', 'H', 'FAIL', 'DONE', 'NOT_OBJECT', gen.source)(gen.refs, HELPERS, FAIL, done, notObject);
    Object.defineProperty(fn, 'async', { value: gen.async });
    Object.defineProperty(fn, 'target', { value: target });
    Object.defineProperty(fn, 'schema', { value: schema });
    Object.defineProperty(fn, 'unmapped', { value: validate ? gen.unmapped : [] });
    Object.defineProperty(fn, 'contextStores', { value: gen.contextStores });
    return fn as CompiledMapping;
}
