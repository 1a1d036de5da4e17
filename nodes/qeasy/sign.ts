/**
 * The callback signature (protocols.md §9.3, a palette definition; qeasy documents none):
 * lowercase hex HMAC-SHA256(key = UTF-8(secret), msg = UTF-8(ts + "\n" + rawBody)), ts = Unix seconds as a decimal
 * string. `rawBody` is the exact bytes sent: pass the Buffer read from the socket, not a re-serialised object.
 *
 * Upstream equivalent:
 *   printf '%s\n%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -hex
 */
import crypto from 'crypto';

export function qeasySignature(secret: string, timestamp: string | number, rawBody: string | Buffer): string {
    const hmac = crypto.createHmac('sha256', Buffer.from(secret, 'utf8'));
    hmac.update(`${timestamp}\n`, 'utf8');
    hmac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
    return hmac.digest('hex');
}

/**
 * Constant-time string comparison (crypto.timingSafeEqual). Both sides are hashed to 32 bytes first, so neither the
 * time taken nor an early length check reveals how long the expected value (a token) is. Case-sensitive.
 */
export function safeEqual(given: string, expected: string): boolean {
    const a = crypto.createHash('sha256').update(given, 'utf8').digest();
    const b = crypto.createHash('sha256').update(expected, 'utf8').digest();
    return crypto.timingSafeEqual(a, b) && given === expected;
}
