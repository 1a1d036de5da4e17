/**
 * 旺店通·企业版 WDT openapi2 signature (protocols.md §5.2). Every parameter except `sign` (system and business,
 * nothing skipped), keys sorted ordinally, each as `LL-key:VVVV-value` (lengths in characters = Unicode code points,
 * as PHP's iconv_strlen counts; zero-padded to 2 / 4 digits, longer values print more digits), joined with `;`,
 * the appsecret appended, lowercase hex MD5 of the UTF-8 bytes. Pure: no I/O, no clock.
 */
import crypto from 'crypto';

/** Length in characters (code points), not UTF-16 units and not bytes. */
function chars(s: string): number {
    return Array.from(s).length;
}

function pad(n: number, width: number): string {
    const s = String(n);
    return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** The packed form, without the secret (exposed for tests and diagnostics). */
export function wdtPacked(params: Record<string, unknown>): string {
    return Object.keys(params)
        .filter((k) => k !== 'sign')
        .sort()
        .map((k) => {
            const v = params[k] === undefined || params[k] === null ? '' : String(params[k]);
            return `${pad(chars(k), 2)}-${k}:${pad(chars(v), 4)}-${v}`;
        })
        .join(';');
}

export function wdt(params: Record<string, unknown>, appSecret: string): string {
    return crypto.createHash('md5').update(wdtPacked(params) + appSecret, 'utf8').digest('hex');
}
