/**
 * The Maycur simulator's own check of the login `secret` (protocols.md §7.2), written from the protocol text and
 * independent of the client's signer (nodes/maycur/sign.ts is deliberately not imported).
 *
 *   secret = lowercase hex SHA-256 of the UTF-8 bytes of appSecret ":" appCode ":" timestamp
 *
 * `timestamp` is the value the login body carries (milliseconds, a decimal string or a number), as its decimal text.
 * Comparison is exact: an uppercase secret is refused (protocols.md §0).
 */
import { createHash } from 'crypto';

export function expectedMaycurSecret(appSecret: string, appCode: string, timestamp: string | number): string {
    const ts = typeof timestamp === 'number' ? timestamp.toFixed(0) : timestamp;
    const preimage = [appSecret, appCode, ts].join(':');
    return createHash('sha256').update(Buffer.from(preimage, 'utf8')).digest('hex');
}

export function maycurSecretOk(secret: unknown, appSecret: string, appCode: string, timestamp: string | number): boolean {
    return typeof secret === 'string' && secret === expectedMaycurSecret(appSecret, appCode, timestamp);
}
