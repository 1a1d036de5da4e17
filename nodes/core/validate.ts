/**
 * JSON Schema validation with ajv, compiled once per schema, with messages a user can act on:
 * every error names the field path and the rule broken, e.g. `FEntity[0].FMaterialID: is required`.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from './spec';
import { english, Text } from './i18n';
import coreEnglish from './locales/en-US/runtime.json';

// Parameters come from TypedInputs as text: scalars are coerced ("100" → 100) and schema defaults filled in.
// `verbose` gives each error its schema, so a pattern can carry the reason a user reads (`x-pattern-reason`).
const paramsAjv = new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true, verbose: true });
// Records are the user's data: no coercion, so a wrong type is reported rather than silently changed.
const recordsAjv = new Ajv({ allErrors: true, strict: false, verbose: true });

const cache = new WeakMap<object, ValidateFunction>();
const paramsCache = new WeakMap<object, ValidateFunction>();

export function compileRecordSchema(schema: JsonSchema): ValidateFunction {
    let fn = cache.get(schema);
    if (!fn) cache.set(schema, (fn = recordsAjv.compile(schema)));
    return fn;
}

export function compileParamsSchema(schema: JsonSchema): ValidateFunction {
    let fn = paramsCache.get(schema);
    if (!fn) paramsCache.set(schema, (fn = paramsAjv.compile(schema)));
    return fn;
}

/** `/FEntity/0/FMaterialID` → `FEntity[0].FMaterialID`, with `prefix` in front. */
function fieldPath(instancePath: string, prefix: string): string {
    let out = prefix;
    for (const part of instancePath.split('/').slice(1)) {
        const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
        out += /^\d+$/.test(key) ? `[${key}]` : out ? `.${key}` : key;
    }
    return out;
}

export interface FieldError {
    field: string;
    /** In English, as it always read (flows and answers match on it). */
    reason: string;
    /**
     * The reason as a text of the core catalog (runtime.validate.*), for showing it in the user's language; absent for
     * the rarer rules (anyOf, const …) and a schema's own pattern reason the catalog does not hold: `reason` then.
     */
    text?: Text;
}

const inEnglish = english();
/** A full-width digit (U+FF10 – U+FF19), as a Chinese IME in full-width mode types. */
const FULL_WIDTH_DIGIT = /[\uff10-\uff19]/;
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
const LIMITS = new Set(['maxLength', 'minLength', 'maxItems', 'minItems', 'maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum']);
/** A schema's own pattern reason (`x-pattern-reason`, English) → its key in the core catalog, where it has one. */
const OWN_PATTERN_REASONS = new Map(Object.entries(coreEnglish.runtime.validate.patternReason).map(([name, text]) => [text, `runtime.validate.patternReason.${name}`]));

/** `must be string or number`: the type names as texts, joined by "or". */
function typeText(types: string[]): Text | undefined {
    if (types.length === 0 || !types.every((t) => JSON_TYPES.has(t))) return undefined;
    const names: Text[] = types.map((t) => ({ key: `runtime.validate.types.${t}` }));
    return { key: 'runtime.validate.type', vars: { type: names.reduceRight((b, a) => ({ key: 'runtime.validate.typeOr', vars: { a, b } })) } };
}

/** The text of an error of ajv's own wording, or of a schema's pattern reason; undefined for the rest. */
function ajvText(e: ErrorObject, reason: string): Text | undefined {
    const params = e.params as Record<string, unknown>;
    if (LIMITS.has(e.keyword)) return { key: `runtime.validate.${e.keyword}`, vars: { limit: String(params.limit) } };
    if (e.keyword === 'format') return { key: 'runtime.validate.format', vars: { format: String(params.format) } };
    if (e.keyword === 'pattern') {
        const own = OWN_PATTERN_REASONS.get(reason);
        return own ? { key: own } : { key: 'runtime.validate.pattern', vars: { pattern: String(params.pattern) } };
    }
    return undefined;
}

export function describeErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
    const out: FieldError[] = [];
    const seen = new Set<string>();
    for (const e of errors ?? []) {
        let field = fieldPath(e.instancePath, prefix);
        let reason: string;
        let text: Text | undefined;
        switch (e.keyword) {
            case 'required':
                field = fieldPath(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, prefix);
                reason = 'is required';
                text = { key: 'runtime.validate.required' };
                break;
            case 'additionalProperties':
                field = fieldPath(`${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`, prefix);
                reason = 'is not a known field';
                text = { key: 'runtime.validate.additionalProperties' };
                break;
            case 'enum': {
                // A code taken as text or number (0 or "0") is listed once.
                const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
                const texts = [...new Set(allowed.map((v) => (typeof v === 'number' ? String(v) : v)))];
                const both = allowed.some((v) => typeof v === 'number' && allowed.includes(String(v)));
                const values = texts.map((v) => JSON.stringify(v)).join(', ');
                reason = `must be one of ${values}${both ? ' (as text or a number)' : ''}`;
                text = { key: both ? 'runtime.validate.enumTextOrNumber' : 'runtime.validate.enum', vars: { values } };
                break;
            }
            case 'type': {
                // ajv gives a union type as an array (`type: ["string", "array"]`) or as text.
                const t = (e.params as { type: unknown }).type;
                const types = Array.isArray(t) ? t.map(String) : String(t).split(',');
                reason = `must be ${types.join(' or ')}`;
                text = typeText(types);
                // "１２" typed with a full-width IME is no number to ajv (nor to Number()): say why, or the user sees none.
                if (typeof e.data === 'string' && FULL_WIDTH_DIGIT.test(e.data) && types.some((t) => t === 'integer' || t === 'number')) {
                    const value = JSON.stringify(e.data);
                    reason += ` (${value} has full-width digits; type them as 0-9)`;
                    text = text && { key: 'runtime.validate.fullWidthDigits', vars: { type: text, value } };
                }
                break;
            }
            case 'pattern': {
                // A regular expression is no reason a user can act on: the schema may say it in words.
                const own = (e.parentSchema as Record<string, unknown> | undefined)?.['x-pattern-reason'];
                reason = typeof own === 'string' ? own : e.message ?? e.keyword;
                text = ajvText(e, reason);
                break;
            }
            default:
                reason = e.message ?? e.keyword;
                text = ajvText(e, reason);
        }
        const key = `${field}\u0000${reason}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // Only a text that says in English what `reason` says (ajv words its messages itself, a schema its patterns).
        if (text && inEnglish(text.key, text.vars) !== reason) text = undefined;
        out.push(text ? { field: field || '(root)', reason, text } : { field: field || '(root)', reason });
    }
    return out;
}

export function formatErrors(errors: FieldError[]): string {
    return errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
}
