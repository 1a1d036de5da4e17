/**
 * The callback signature (protocols.md §9.3, a palette definition; qeasy documents none):
 * lowercase hex HMAC-SHA256(key = UTF-8(secret), msg = UTF-8(ts + "\n" + rawBody)), ts = Unix seconds.
 */
import crypto from 'crypto';

export function qeasySignature(secret: string, timestamp: string | number, rawBody: string | Buffer): string {
    const hmac = crypto.createHmac('sha256', Buffer.from(secret, 'utf8'));
    hmac.update(`${timestamp}\n`, 'utf8');
    hmac.update(rawBody);
    return hmac.digest('hex');
}

/** Constant-time comparison that also hides the length of the expected value. */
export function safeEqual(given: string, expected: string): boolean {
    const a = crypto.createHash('sha256').update(given, 'utf8').digest();
    const b = crypto.createHash('sha256').update(expected, 'utf8').digest();
    return crypto.timingSafeEqual(a, b) && given.length === expected.length;
}
