/**
 * What the runtime says (node status texts, warnings) in the language Node-RED runs in: `lang` in settings.js, else
 * the host's locale. Looked up with RED._, as Node-RED's own nodes do, in the node set's catalog
 * (locales/<lang>/<set>.json beside its js); `__name__` placeholders are filled from `vars`.
 *
 * The texts every node shows (the endpoint pipeline's) live once, in core/locales/<lang>/runtime.json under `runtime`:
 * Node-RED reads no catalog but the set's, so scripts/build.js merges that one into every set's catalog.
 *
 * Where RED._ has no text it returns the key: the set's catalog was not loaded (node-red-node-test-helper's RED._
 * returns every key as it is), or the key is missing. The English is shown then, never the key.
 */
import fs from 'fs';
import path from 'path';
import type { NodeAPI } from 'node-red';
import coreEnglish from './locales/en-US/runtime.json';

/** A placeholder's value: a value as it is, or a text of the catalog itself (a reason within a sentence), put in translated. */
export type TextVars = Record<string, string | number | Text>;
/** The text for `key` in Node-RED's language. */
export type Translate = (key: string, vars?: TextVars) => string;

/** A text named by its key in the catalog, with the values of its placeholders. */
export interface Text {
    key: string;
    vars?: TextVars;
}

type Catalog = Record<string, unknown>;

/**
 * A translator for the node set of `RED`. `nodeFile` (the set's js, `__filename`) names the catalog whose English is
 * the fallback for the set's own keys; the shared `runtime.*` keys fall back to the core catalog's.
 */
export function translator(RED: NodeAPI, nodeFile?: string): Translate {
    const inEnglish = english(nodeFile);
    const translate: Translate = (key, vars) => {
        let text: unknown;
        try {
            text = RED._(key, vars && flat(vars, translate));
        } catch {
            text = undefined;
        }
        if (typeof text === 'string' && text !== '' && text !== key) return text;
        return inEnglish(key, vars);
    };
    return translate;
}

/** The English text, whatever Node-RED's language: the set's catalog beside `nodeFile`, then the core one. */
export function english(nodeFile?: string): Translate {
    const catalogs: Catalog[] = [coreEnglish, ...(nodeFile ? [setEnglish(nodeFile)] : [])];
    const inEnglish: Translate = (key, vars) => fill(lookup(catalogs, key) ?? key, vars && flat(vars, inEnglish));
    return inEnglish;
}

/** The English catalog of the node set whose js is `nodeFile`; empty when there is none. */
function setEnglish(nodeFile: string): Catalog {
    const file = path.join(path.dirname(nodeFile), 'locales', 'en-US', path.basename(nodeFile).replace(/\.[^.]+$/, '.json'));
    try {
        return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
        return {};
    }
}

function lookup(catalogs: Catalog[], key: string): string | undefined {
    for (const catalog of catalogs) {
        let v: unknown = catalog;
        for (const part of key.split('.')) v = v !== null && typeof v === 'object' ? (v as Catalog)[part] : undefined;
        if (typeof v === 'string') return v;
    }
    return undefined;
}

/** The vars with each one that is a text of the catalog put in as `translate` gives it. */
function flat(vars: TextVars, translate: Translate): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    for (const [name, v] of Object.entries(vars)) out[name] = typeof v === 'object' && v !== null ? translate(v.key, v.vars) : v;
    return out;
}

/** Whether `v` is a text of a catalog ({key, vars}), as an error's details may carry one. */
export function isText(v: unknown): v is Text {
    return typeof v === 'object' && v !== null && typeof (v as Text).key === 'string';
}

/** `__name__` → vars.name, as Node-RED's i18next fills them. */
function fill(text: string, vars?: Record<string, string | number>): string {
    if (!vars) return text;
    return text.replace(/__(\w+)__/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole));
}
