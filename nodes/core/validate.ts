/**
 * JSON Schema validation with ajv, compiled once per schema, with messages a user can act on:
 * every error names the field path and the rule broken, e.g. `FEntity[0].FMaterialID: is required`.
 */
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from './spec';

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
    reason: string;
}

export function describeErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
    const out: FieldError[] = [];
    const seen = new Set<string>();
    for (const e of errors ?? []) {
        let field = fieldPath(e.instancePath, prefix);
        let reason: string;
        switch (e.keyword) {
            case 'required':
                field = fieldPath(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, prefix);
                reason = 'is required';
                break;
            case 'additionalProperties':
                field = fieldPath(`${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`, prefix);
                reason = 'is not a known field';
                break;
            case 'enum': {
                // A code taken as text or number (0 or "0") is listed once.
                const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
                const texts = [...new Set(allowed.map((v) => (typeof v === 'number' ? String(v) : v)))];
                const both = allowed.some((v) => typeof v === 'number' && allowed.includes(String(v)));
                reason = `must be one of ${texts.map((v) => JSON.stringify(v)).join(', ')}${both ? ' (as text or a number)' : ''}`;
                break;
            }
            case 'type': {
                // ajv gives a union type as an array (`type: ["string", "array"]`) or as text.
                const t = (e.params as { type: unknown }).type;
                reason = `must be ${(Array.isArray(t) ? t.map(String) : String(t).split(',')).join(' or ')}`;
                break;
            }
            case 'pattern': {
                // A regular expression is no reason a user can act on: the schema may say it in words.
                const own = (e.parentSchema as Record<string, unknown> | undefined)?.['x-pattern-reason'];
                reason = typeof own === 'string' ? own : e.message ?? e.keyword;
                break;
            }
            default:
                reason = e.message ?? e.keyword;
        }
        const key = `${field}\u0000${reason}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ field: field || '(root)', reason });
    }
    return out;
}

export function formatErrors(errors: FieldError[]): string {
    return errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
}
