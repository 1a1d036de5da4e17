/**
 * Generates invalid inputs for a JSON Schema: wrong types, missing required fields, huge strings, deep nesting,
 * `__proto__` / `constructor` keys, lone surrogates (text that is not valid UTF-16/UTF-8), Buffers of bytes that are
 * not UTF-8, arrays where objects are expected, and what only a function node can make: objects that contain
 * themselves, BigInts, invalid Dates.
 * Deterministic (seeded) so a failure can be replayed. Callers keep only the inputs their validator rejects.
 */

type Schema = Record<string, any>;

export function seededRandom(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function deep(depth: number): unknown {
    let v: any = { leaf: true };
    for (let i = 0; i < depth; i++) v = { nested: v };
    return v;
}

const HUGE = 'x'.repeat(2 * 1024 * 1024);
const LONE_SURROGATE = 'abc\ud800def';
/** Bytes that are not UTF-8 (a lone continuation byte, an overlong form, 0xFF), as a Node-RED flow carries them. */
export function nonUtf8(): Buffer {
    return Buffer.from([0x61, 0x80, 0xc0, 0xaf, 0xff, 0xfe, 0xc3, 0x28]);
}

/** An object that contains itself (a function node can build one; JSON cannot carry it). */
export function circular(): Record<string, unknown> {
    const o: Record<string, unknown> = { name: 'loop' };
    o.self = o;
    return o;
}

/** Values of the wrong kind for a property of `schema`'s type. */
function wrongValues(schema: Schema): unknown[] {
    const type = Array.isArray(schema.type) ? schema.type : [schema.type];
    const out: unknown[] = [null, deep(200), [1, 2, 3], { a: 1 }, true, -1e308, 'not-a-number', '', HUGE, LONE_SURROGATE, nonUtf8(), circular(), BigInt(42), new Date(NaN)];
    return out.filter((v) => {
        if (type.includes('string') && typeof v === 'string' && v !== '' && v !== HUGE && v !== LONE_SURROGATE) return false;
        return true;
    });
}

/** A valid-looking skeleton: required properties filled with a value of the right type. */
export function skeleton(schema: Schema): any {
    const t = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (schema.enum) return schema.enum[0];
    if (schema.default !== undefined) return schema.default;
    if (t === 'object' || schema.properties) {
        const out: Record<string, unknown> = {};
        // `anyOf: [{required: [a]}, {required: [b]}]`: the first alternative's fields make it valid-looking.
        const alternative = (schema.anyOf ?? schema.oneOf)?.[0]?.required ?? [];
        for (const key of [...(schema.required ?? []), ...alternative]) out[key] = skeleton(schema.properties?.[key] ?? {});
        return out;
    }
    if (t === 'array') return schema.minItems ? Array.from({ length: schema.minItems }, () => skeleton(schema.items ?? {})) : [];
    if (t === 'integer' || t === 'number') return schema.minimum ?? 1;
    if (t === 'boolean') return true;
    if (t === 'string') return schema.minLength ? 'x'.repeat(schema.minLength) : 'x';
    return 'x';
}

/** Up to `count` candidate invalid values for an object schema (each a fresh object). */
export function invalidObjects(schema: Schema, count: number, seed = 1): unknown[] {
    const random = seededRandom(seed);
    const base = skeleton(schema);
    const props = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
    const candidates: Array<() => unknown> = [
        () => 'a string instead of an object',
        () => 42,
        () => null,
        () => [base, 'x'],
        () => deep(2000),
        () => JSON.parse('{"__proto__":{"polluted":true}}'),
        () => ({ ...structuredClone(base), constructor: { prototype: { polluted: true } } }),
        () => JSON.parse(`{"constructor":{"prototype":{"polluted":true}},"__proto__":{"polluted":true}}`),
        () => nonUtf8(),
        () => [structuredClone(base)],
        () => Object.assign(circular(), structuredClone(base)),
    ];
    for (const key of schema.required ?? []) {
        candidates.push(() => {
            const v = structuredClone(base);
            delete v[key];
            return v;
        });
    }
    for (const [key, prop] of props) {
        for (const wrong of wrongValues(prop)) {
            candidates.push(() => ({ ...structuredClone(base), [key]: wrong }));
        }
        if (prop.type === 'array' && prop.items) {
            candidates.push(() => ({ ...structuredClone(base), [key]: [42, 'x', null] }));
            if (prop.items.properties) {
                for (const sub of invalidObjects(prop.items, 6, seed + 1)) candidates.push(() => ({ ...structuredClone(base), [key]: [sub] }));
            }
        }
    }
    const out: unknown[] = [];
    for (let i = 0; i < count; i++) out.push(candidates[Math.floor(random() * candidates.length)]());
    // Always include each candidate once when there are fewer than asked for.
    if (candidates.length <= count) return candidates.map((c) => c()).concat(out.slice(candidates.length));
    return out;
}
