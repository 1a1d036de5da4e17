/**
 * The Guanyi simulator's own check of `sign` (protocols.md §6.2), written from the protocol text and independent of
 * the client's signer (nodes/guanyi/sign.ts is deliberately not imported: a signer bug must fail against the
 * simulator, not be reproduced by it).
 *
 *   sign = uppercase hex MD5 of the UTF-8 bytes of secret, then the JSON text without `sign`, then secret.
 *
 * The server's own check is not public; the simulator accepts when either (a) the raw body with its `sign` member cut
 * out, or (b) the parsed body minus `sign` re-serialised compactly with key order kept, gives the sign [palette].
 * Comparison is exact: a lowercase sign is refused (protocols.md §0).
 */
import { createHash } from 'crypto';

/** The sign expected for `jsonText` (the text without `sign`) and `secret`. */
export function expectedGuanyiSign(jsonText: string, secret: string): string {
    const s = Buffer.from(secret, 'utf8');
    const md5 = createHash('md5');
    md5.update(s);
    md5.update(Buffer.from(jsonText, 'utf8'));
    md5.update(s);
    return md5.digest('hex').toUpperCase();
}

/**
 * `raw` with the member `"sign":<literal>` (whitespace around the colon allowed) cut out together with one
 * neighbouring comma and the whitespace between (the comma before it, or the one after it when sign is the first
 * member); undefined when the member is not in the text with that value.
 */
export function cutSignMember(raw: string, sign: string): string | undefined {
    const literal = JSON.stringify(sign).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const before = new RegExp(`\\s*,\\s*"sign"\\s*:\\s*${literal}`);
    const after = new RegExp(`"sign"\\s*:\\s*${literal}\\s*,\\s*`);
    const alone = new RegExp(`\\s*"sign"\\s*:\\s*${literal}\\s*`);
    for (const re of [before, after, alone]) {
        if (re.test(raw)) return raw.replace(re, '');
    }
    return undefined;
}

/** Why the body's sign is refused, or undefined when it is accepted by (a) or (b). */
export function guanyiSignProblem(raw: string, secret: string): string | undefined {
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        return 'body is not JSON';
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'body is not a JSON object';
    const sign = (parsed as Record<string, unknown>).sign;
    if (typeof sign !== 'string' || sign === '') return 'sign is missing';
    const cut = cutSignMember(raw, sign);
    if (cut !== undefined && expectedGuanyiSign(cut, secret) === sign) return undefined;
    const rest: Record<string, unknown> = {};
    for (const key of Object.keys(parsed as Record<string, unknown>)) if (key !== 'sign') rest[key] = (parsed as Record<string, unknown>)[key];
    if (expectedGuanyiSign(JSON.stringify(rest), secret) === sign) return undefined;
    return 'sign does not match';
}
