/**
 * Reading a node's parameters: each is a TypedInput in the node (str/num/bool/json/date/msg/flow/global/env/
 * jsonata). A value set in the node wins; a blank one reads `msg.params.<name>` and then, for query and action nodes,
 * `msg.payload.<name>`. When both the node and the msg give a value and they differ, the node's value is used
 * and a warning is shown once per node and parameter.
 */
import type { Node, NodeAPI } from 'node-red';
import { Translate, translator } from './i18n';
import { parseVendorJson } from './json';

export interface TypedValue {
    value: unknown;
    type: string;
}

// An env setting naming no variable is blank too (the type picked, nothing typed): Node-RED would read it as ''.
const BLANKABLE = new Set(['str', 'num', 'json', 'bool', 'date', 'env', '']);
/** TypedInput types whose value may differ from one trigger to the next. */
const PER_TRIGGER = new Set(['msg', 'flow', 'global', 'jsonata']);
/**
 * TypedInput types whose value is fixed when the node starts (a deploy, a restart): what is typed into the node, or an
 * environment variable ('' and a missing type are text). Not a date (the time of each trigger) nor PER_TRIGGER.
 */
const FIXED_AT_DEPLOY = new Set(['str', 'num', 'bool', 'json', 'env', '']);

function isBlank(tv: TypedValue | undefined): boolean {
    return !tv || ((tv.value === '' || tv.value === undefined || tv.value === null) && BLANKABLE.has(tv.type ?? ''));
}

/** Nothing there: undefined, null, or text of white space only (a blank field, an unset env variable). */
export function isBlankValue(v: unknown): boolean {
    return v === undefined || v === null || String(v).trim() === '';
}

/**
 * A value that is wholly `${NAME}` (or the older `$(NAME)`), as Node-RED replaces with an environment variable when it
 * starts a node (a subflow instance's property, a flow's, the process's): in a running node, one no such variable is
 * set for. Not `${A}${B}`: Node-RED would look up one variable named `A}${B`. As the dialogs' validators.envVar.
 */
export function isEnvVarText(v: unknown): boolean {
    return typeof v === 'string' && /^(\$\{[^\s}]+\}|\$\([^\s)]+\))$/.test(v);
}

/** The refusal of setting `name` naming `variable`, which nothing sets. */
function unsetVariableError(name: string, variable: string): Error & { field: string } {
    return paramError(name, `${variable} is an environment variable that is not set (a subflow instance's property, a flow's or the process's)`);
}

/**
 * The first variable an env setting names that nothing sets (a subflow instance's property, a flow's, the process's),
 * as the setting names it (`SHOP` or `${SHOP}`); undefined when all are set. Read as Node-RED's evaluateEnvProperty
 * reads the setting: `${NAME}` alone, a bare NAME, or a text with `${NAME}` parts (each unset part becoming '').
 */
function unsetEnvVariable(RED: NodeAPI, node: Node, value: string): string | undefined {
    const getSetting = (RED.util as unknown as { getSetting?: (node: Node, name: string) => unknown }).getSetting;
    if (typeof getSetting !== 'function') return undefined;
    const whole = /^\$\{([^}]+)\}$/.exec(value);
    const parts = whole ? [whole] : /\$\{\S+\}/.test(value) ? [...value.matchAll(/\$\{([^}]+)\}/g)] : undefined;
    if (!parts) return getSetting(node, value) === undefined ? value : undefined;
    const missing = parts.find((m) => getSetting(node, m[1]) === undefined);
    return missing?.[0];
}

/**
 * An object literal (or JSON), not a Buffer, Date or class instance. Its prototype is checked for having none of its
 * own rather than for being this realm's Object.prototype: a function node runs in a sandbox of its own, and a record
 * built there (`msg.payload = {...msg.payload, FNote: 'x'}` fixing a failure for a replay) has that sandbox's.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const proto = Object.getPrototypeOf(v);
    return proto === null || Object.getPrototypeOf(proto) === null;
}

function evaluate(RED: NodeAPI, node: Node, tv: TypedValue, msg: Record<string, unknown>): Promise<unknown> {
    // Node-RED reads a JSON or number setting with JSON.parse / Number, which round a whole number beyond 2^53 (a
    // Java long id, 1234567890123456789 → …800) to another id. A JSON setting keeps it as its decimal text, as a
    // vendor's answer does; a number setting cannot hold it and says so.
    if (tv.type === 'json' && typeof tv.value === 'string') return new Promise((resolve) => resolve(parseVendorJson(tv.value as string)));
    if (tv.type === 'num' && typeof tv.value === 'string' && /^\s*-?\d+\s*$/.test(tv.value) && !Number.isSafeInteger(Number(tv.value))) {
        return Promise.reject(new Error(`${tv.value.trim()} is a whole number beyond 2^53, which a number cannot hold exactly: give an id as text (the string type, str)`));
    }
    return new Promise((resolve, reject) => {
        RED.util.evaluateNodeProperty(tv.value as string, tv.type || 'str', node, msg as any, (err: Error | null, value: unknown) => (err ? reject(err) : resolve(value)));
    });
}

/**
 * Why an evaluation failed, as the user can act on it. JSONata throws plain objects (`{code, message, position}`), not
 * Errors: String() of one is "[object Object]".
 */
function failureText(err: unknown): string {
    if (err instanceof Error) return err.message;
    if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
        const { message, code } = err as { message: string; code?: unknown };
        return typeof code === 'string' && code !== '' ? `${message} [${code}]` : message;
    }
    return String(err);
}

/** An Error naming the parameter it is about (`field`, as the validation errors do). */
function paramError(name: string, message: string): Error & { field: string } {
    return Object.assign(new Error(`${name}: ${message}`), { field: name });
}

/** Whether two values are the same as JSON; values that have no JSON text (a BigInt) differ from everything. */
function sameJson(a: unknown, b: unknown): boolean {
    try {
        return JSON.stringify(a) === JSON.stringify(b);
    } catch {
        return false;
    }
}

export class ParamReader {
    private readonly warned = new Set<string>();

    constructor(
        private readonly RED: NodeAPI,
        private readonly node: Node,
        private readonly names: string[],
        private readonly settings: Record<string, TypedValue>,
        private readonly payloadFallback: boolean,
        private readonly _: Translate = translator(RED),
    ) {}

    /**
     * The parameters of `params` (as read()) whose value the trigger chose: taken from the msg (the setting blank) or
     * from a setting evaluated against the msg or the context (msg, flow, global, JSONata). Blank values choose nothing.
     */
    fromTrigger(params: Record<string, unknown>): Record<string, unknown> {
        const out: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(params)) {
            const tv = this.settings[name];
            if (!isBlankValue(value) && (isBlank(tv) || PER_TRIGGER.has(tv!.type))) out[name] = value;
        }
        return out;
    }

    /**
     * The parameters of `params` (as read()) whose value a setting fixed at deploy gave (FIXED_AT_DEPLOY, not blank):
     * the same for every trigger, changed only by editing the node (or the environment) and deploying again.
     */
    fromSettings(params: Record<string, unknown>): Record<string, unknown> {
        const out: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(params)) {
            const tv = this.settings[name];
            if (!isBlankValue(value) && !isBlank(tv) && FIXED_AT_DEPLOY.has(tv!.type ?? '')) out[name] = value;
        }
        return out;
    }

    /**
     * Throws an Error naming the parameter (its message, and `field`) when a TypedInput cannot be evaluated (bad JSON,
     * bad JSONata) or still holds `${NAME}` for a variable nothing sets.
     */
    async read(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
        const fromMsg: Record<string, unknown> = {};
        const payload = msg.payload;
        if (this.payloadFallback && isPlainObject(payload)) Object.assign(fromMsg, payload);
        if (isPlainObject(msg.params)) {
            Object.assign(fromMsg, msg.params);
            this.warnNearMisses(msg.params as Record<string, unknown>);
        }
        const out: Record<string, unknown> = {};
        for (const name of this.names) {
            if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
            const tv = this.settings[name];
            const msgValue = Object.prototype.hasOwnProperty.call(fromMsg, name) ? fromMsg[name] : undefined;
            if (isBlank(tv)) {
                if (msgValue !== undefined) out[name] = msgValue;
                continue;
            }
            // Node-RED replaces a setting `${NAME}` with the variable when it starts the node, and leaves the text as it
            // is when nothing sets NAME (a subflow instance's property, a flow's, the process's): sent as typed, it would
            // reach the vendor as a shop or form literally named `${NAME}`. As the config nodes refuse theirs.
            if (FIXED_AT_DEPLOY.has(tv!.type ?? '') && tv!.type !== 'env' && isEnvVarText(String(tv!.value).trim())) {
                throw unsetVariableError(name, String(tv!.value).trim());
            }
            // An env setting naming a variable nothing sets: Node-RED reads it as '', which would beat the msg's value (or
            // reach the vendor blank) with nothing said. Refused as a `${NAME}` setting is.
            const unset = tv!.type === 'env' ? unsetEnvVariable(this.RED, this.node, String(tv!.value)) : undefined;
            if (unset !== undefined) throw unsetVariableError(name, unset);
            let value: unknown;
            try {
                value = await evaluate(this.RED, this.node, tv!, msg);
            } catch (err) {
                throw paramError(name, `cannot evaluate the ${tv!.type} setting (${failureText(err)})`);
            }
            if (value === undefined) {
                if (msgValue !== undefined) out[name] = msgValue;
                continue;
            }
            if (msgValue !== undefined && !sameJson(msgValue, value) && !this.warned.has(name)) {
                this.warned.add(name);
                this.node.warn(this._('runtime.warn.settingWins', { name }));
            }
            out[name] = value;
        }
        return out;
    }

    /**
     * msg.params keys that are not this node's parameters but one written another way (shopCode, ShopCode or
     * shop-code for shop_code): told once per key, since they are ignored — a filter typed so read every shop. Other
     * unknown keys pass silently: a query's msg.params travels on to the nodes after it, which have other parameters.
     */
    private warnNearMisses(params: Record<string, unknown>): void {
        const loose = (k: string) => k.toLowerCase().replace(/[_\-\s.]/g, '');
        for (const key of Object.keys(params)) {
            if (this.names.includes(key) || this.warned.has(`~${key}`)) continue;
            const meant = this.names.find((n) => loose(n) === loose(key));
            if (meant === undefined) continue;
            this.warned.add(`~${key}`);
            this.node.warn(this._('runtime.warn.paramNearMiss', { key, name: meant }));
        }
    }
}
