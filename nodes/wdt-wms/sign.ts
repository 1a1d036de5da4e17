/**
 * WDT WMS (旺店通WMS) signature (protocols.md §4.2), pure:
 *   s = secret + k1v1k2v2… (query keys sorted ordinally, `sign` excluded, PHP-empty values — missing, "" and "0" —
 *   skipped) + raw body + secret; then every TAB, CR, LF and SPACE is deleted from s; sign = uppercase hex MD5(UTF-8(s)).
 */
import crypto from 'crypto';

function phpEmpty(v: unknown): boolean {
    return v === undefined || v === null || v === '' || v === '0' || v === 0 || v === false;
}

export function wdtWmsPlaintext(params: Record<string, unknown>, body: string | undefined | null, secret: string): string {
    let s = secret;
    for (const k of Object.keys(params).sort()) {
        if (k === 'sign') continue;
        const v = params[k];
        if (phpEmpty(v)) continue;
        s += k + (typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    s += (body ?? '') + secret;
    return s.replace(/[\t\r\n ]/g, '');
}

/** Uppercase hex MD5 of the WDT WMS scheme. */
export function wdtWms(params: Record<string, unknown>, body: string | undefined | null, secret: string): string {
    return crypto.createHash('md5').update(wdtWmsPlaintext(params, body, secret), 'utf8').digest('hex').toUpperCase();
}
