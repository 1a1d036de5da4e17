/**
 * 管易云 Guanyi ERP open API signature (protocols.md §6.2): uppercase hex MD5 of the UTF-8 bytes of
 * `secret + jsonText + secret`, where jsonText is exactly the compact JSON text that is sent, without `sign`.
 * Pure: no I/O. `guanyiBody` builds that text and the signed body from an ordered object.
 */
import crypto from 'crypto';

export function guanyi(signedJsonText: string, secret: string): string {
    return crypto.createHash('md5').update(secret + signedJsonText + secret, 'utf8').digest('hex').toUpperCase();
}

/**
 * Serialises `fields` once (compact, non-ASCII raw: JSON.stringify never escapes it), signs that text and inserts
 * `,"sign":"…"` before the final `}`. Returns the signed text and the body to send.
 */
export function guanyiBody(fields: Record<string, unknown>, secret: string): { text: string; sign: string; body: string } {
    const text = JSON.stringify(fields);
    const sign = guanyi(text, secret);
    const body = text === '{}' ? `{"sign":"${sign}"}` : `${text.slice(0, -1)},"sign":"${sign}"}`;
    return { text, sign, body };
}
