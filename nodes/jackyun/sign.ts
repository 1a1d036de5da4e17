/**
 * Jackyun (吉客云) native open-API signature (protocols.md §2.2), pure:
 *   s = appsecret + k1 + v1 + k2 + v2 + … + appsecret over every parameter except sign/contextid/token, keys sorted
 *   ordinally; the whole of s is lower-cased (secret and bizcontent included); sign = lowercase hex MD5(UTF-8(s)).
 */
import crypto from 'crypto';

const UNSIGNED = new Set(['sign', 'contextid', 'token']);

function text(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
}

/** The plaintext before hashing (already lower-cased); exported for diagnostics and tests. */
export function jackyunPlaintext(params: Record<string, unknown>, appSecret: string): string {
    const keys = Object.keys(params)
        .filter((k) => !UNSIGNED.has(k) && params[k] !== undefined && params[k] !== null)
        .sort();
    let s = appSecret;
    for (const k of keys) s += k + text(params[k]);
    s += appSecret;
    return s.toLowerCase();
}

/** Lowercase hex MD5 of the Jackyun scheme. */
export function jackyun(params: Record<string, unknown>, appSecret: string): string {
    return crypto.createHash('md5').update(jackyunPlaintext(params, appSecret), 'utf8').digest('hex');
}

/**
 * The inner `jkysign` of a Jackyun call through Qimen (§3.4 step 1): the Jackyun scheme with the Jackyun secret over
 * the virtual set {appkey, bizcontent, contenttype: "JSON", method, timestamp, version: "1.0"}.
 */
export function jackyunViaQimen(inner: { jkyappkey: string; content: string; method: string; timestamp: string; version?: string }, jackyunSecret: string): string {
    return jackyun({ appkey: inner.jkyappkey, bizcontent: inner.content, contenttype: 'JSON', method: inner.method, timestamp: inner.timestamp, version: inner.version ?? '1.0' }, jackyunSecret);
}
