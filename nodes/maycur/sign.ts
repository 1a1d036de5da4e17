/**
 * 每刻 Maycur OpenAPI login secret (protocols.md §7.2): lowercase hex SHA-256 over the UTF-8 bytes of
 * `appSecret + ":" + appCode + ":" + timestamp`, timestamp = Unix time in milliseconds as a decimal string.
 * Pure: no I/O, no clock.
 */
import crypto from 'crypto';

export function maycurLogin(appSecret: string, appCode: string, timestampMs: number | string): string {
    const preimage = `${appSecret}:${appCode}:${String(timestampMs)}`;
    return crypto.createHash('sha256').update(preimage, 'utf8').digest('hex');
}
