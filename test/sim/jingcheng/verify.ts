/**
 * The Jingcheng simulator's own check of the `md5` auth mode (protocols.md §8.1, a palette definition), written from
 * the protocol text and independent of the client's signer (nodes/jingcheng/sign.ts is deliberately not imported).
 *
 *   X-Sign = lowercase hex MD5 of the body's bytes exactly as received, then the UTF-8 bytes of the X-Timestamp value,
 *            then the UTF-8 bytes of the secret.
 *
 * Comparison is exact: an uppercase sign is refused (protocols.md §0).
 */
import { createHash } from 'crypto';

export function expectedJingchengSign(rawBody: Buffer | string, timestamp: string, secret: string): string {
    const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
    return createHash('md5')
        .update(Buffer.concat([body, Buffer.from(timestamp, 'utf8'), Buffer.from(secret, 'utf8')]))
        .digest('hex');
}

export function jingchengSignOk(sign: string | undefined, rawBody: Buffer | string, timestamp: string, secret: string): boolean {
    return typeof sign === 'string' && sign === expectedJingchengSign(rawBody, timestamp, secret);
}
