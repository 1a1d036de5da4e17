/**
 * 精诚ERP Jingcheng `md5` auth mode (protocols.md §8.1, a palette definition: no public protocol exists).
 * `X-Sign` = lowercase hex MD5 over the UTF-8 bytes of `rawBody + timestamp + secret`, where `rawBody` is the exact
 * body text sent and `timestamp` the Unix time in seconds (the value of the `X-Timestamp` header). Pure.
 */
import crypto from 'crypto';

export function jingchengSign(rawBody: string, timestampSeconds: number | string, secret: string): string {
    return crypto.createHash('md5').update(`${rawBody}${String(timestampSeconds)}${secret}`, 'utf8').digest('hex');
}
