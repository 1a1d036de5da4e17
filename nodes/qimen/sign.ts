/**
 * Alibaba TOP / Qimen (奇门) signature (protocols.md §3.1), pure:
 *   drop `sign` and every parameter whose key or value is empty or whitespace alone (the SDK's StringUtils.isEmpty);
 *   sort keys ordinally; q = k1v1k2v2…; append the raw body when there is one; md5 → MD5(secret + q + secret),
 *   hmac → HMAC-MD5(secret, q), hmac-sha256 → HMAC-SHA256(secret, q); uppercase hex.
 */
import crypto from 'crypto';

export type TopSignMethod = 'md5' | 'hmac' | 'hmac-sha256';
export const TOP_SIGN_METHODS: readonly TopSignMethod[] = ['md5', 'hmac', 'hmac-sha256'];

/**
 * A key or value the TOP SDK counts as empty (StringUtils.isEmpty): whitespace alone by Java's Character.isWhitespace,
 * which, unlike JS trim(), leaves out the no-break spaces (U+00A0, U+2007, U+202F) and takes in U+001C–U+001F.
 */
const BLANK = /^[\t\n\v\f\r\x1C-\x1F \u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]*$/;

function text(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
}

/** `k1v1k2v2…` + body: the string between the secrets (md5) or the HMAC message. */
export function topPlaintext(params: Record<string, unknown>, body?: string): string {
    let q = '';
    for (const k of Object.keys(params).sort()) {
        if (k === 'sign' || BLANK.test(k)) continue;
        const v = params[k];
        if (v === undefined || v === null) continue;
        const t = text(v);
        // As the SDK, which neither sends nor signs a value of spaces alone.
        if (BLANK.test(t)) continue;
        q += k + t;
    }
    if (body) q += body;
    return q;
}

/** Uppercase hex TOP/Qimen sign (32 chars; 64 for hmac-sha256). */
export function top(params: Record<string, unknown>, body: string | undefined | null, secret: string, signMethod: TopSignMethod = 'md5'): string {
    const q = topPlaintext(params, body ?? undefined);
    let hex: string;
    switch (signMethod) {
        case 'md5':
            hex = crypto.createHash('md5').update(secret + q + secret, 'utf8').digest('hex');
            break;
        case 'hmac':
            hex = crypto.createHmac('md5', Buffer.from(secret, 'utf8')).update(q, 'utf8').digest('hex');
            break;
        case 'hmac-sha256':
            hex = crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(q, 'utf8').digest('hex');
            break;
        default:
            throw new RangeError(`sign_method: must be one of ${TOP_SIGN_METHODS.join(', ')}`);
    }
    return hex.toUpperCase();
}
