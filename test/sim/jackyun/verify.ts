/**
 * The Jackyun simulator's own signature and time checks, written from protocols.md §2.2 (Jackyun), §3.1 (TOP) and
 * §0 (timestamps) and deliberately sharing no code with the clients (nodes/jackyun/sign.ts, nodes/qimen/sign.ts,
 * nodes/core/time.ts): a bug in a client's signer must make the simulator refuse the client's requests, not repeat
 * the bug. test/jackyun/sim-strict.test.ts holds these functions to the vectors of protocols.md §2.5 and §3.6.
 */
import crypto from 'crypto';
import { ordinal } from '../harness';

const utf8 = (s: string) => Buffer.from(s, 'utf8');

// ------------------------------------------------------------------ Jackyun §2.2

/** Parameters the Jackyun sign leaves out (§2.2 step 1). */
const JACKYUN_UNSIGNED = ['sign', 'contextid', 'token'];

/**
 * §2.2 steps 1–3: every parameter except sign/contextid/token (empty values included), keys sorted ordinally,
 * appsecret + k1 + v1 + … + appsecret, the whole text lower-cased.
 */
export function jackyunPreimage(params: Record<string, string>, appSecret: string): string {
    const keys = Object.keys(params).filter((k) => JACKYUN_UNSIGNED.indexOf(k) < 0);
    keys.sort(ordinal);
    const parts: string[] = [appSecret];
    for (const k of keys) parts.push(k, params[k]);
    parts.push(appSecret);
    return parts.join('').toLowerCase();
}

/** §2.2 step 4: lowercase hex MD5 over the UTF-8 bytes of the preimage. */
export function jackyunSignature(params: Record<string, string>, appSecret: string): string {
    return crypto.createHash('md5').update(utf8(jackyunPreimage(params, appSecret))).digest('hex');
}

// ------------------------------------------------------------------ TOP / Qimen §3.1

export const TOP_METHODS = ['md5', 'hmac', 'hmac-sha256'] as const;

/** §3.1 steps 1–3: drop `sign` and any empty key or value, sort ordinally, k1v1k2v2…, then the raw body if any. */
export function topPreimage(params: Record<string, string>, body = ''): string {
    const pairs = Object.entries(params).filter(([k, v]) => k !== 'sign' && k !== '' && v !== '');
    pairs.sort((a, b) => ordinal(a[0], b[0]));
    return pairs.map(([k, v]) => k + v).join('') + body;
}

/** §3.1 steps 4–5 as uppercase hex; undefined when `signMethod` names no TOP algorithm. */
export function topSignature(params: Record<string, string>, secret: string, signMethod: string, body = ''): string | undefined {
    const q = topPreimage(params, body);
    let digest: Buffer;
    if (signMethod === 'md5') digest = crypto.createHash('md5').update(utf8(secret + q + secret)).digest();
    else if (signMethod === 'hmac') digest = crypto.createHmac('md5', utf8(secret)).update(utf8(q)).digest();
    else if (signMethod === 'hmac-sha256') digest = crypto.createHmac('sha256', utf8(secret)).update(utf8(q)).digest();
    else return undefined;
    return digest.toString('hex').toUpperCase();
}

// ------------------------------------------------------------------ timestamps §0

/** Exactly `yyyy-MM-dd HH:mm:ss`: no `T`, no missing seconds, no fraction, no zone, no padding spaces. */
export const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Epoch ms of a `yyyy-MM-dd HH:mm:ss` China-time (UTC+8) text; NaN for any other form or a date that does not exist. */
export function strictChinaTime(text: string | undefined): number {
    const m = TIMESTAMP.exec(text ?? '');
    if (!m) return NaN;
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
    const ms = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(ms);
    // Date.UTC rolls 2024-02-30 over to March: a field that changes on the way back names no real time.
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return NaN;
    return ms - 8 * 3600000;
}
