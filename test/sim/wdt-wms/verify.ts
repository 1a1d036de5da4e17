/**
 * The WDT WMS simulator's own signature checks, written from protocols.md §4.2 (native WDT WMS scheme) and §3.1
 * (Alibaba TOP, the Qimen route), independent of the client's signers (nodes/wdt-wms/sign.ts, nodes/qimen/sign.ts).
 * Checked against vectors WMS0 (§4.5), Q0 and Q1 (§3.6) in test/wdt-wms/sim-verify.test.ts.
 */
import { createHash, createHmac } from 'crypto';

function codeUnitOrder(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** §4.2: PHP's empty(): a missing value, "" and "0". */
function phpEmptyText(v: string | undefined): boolean {
    return v === undefined || v === '' || v === '0';
}

/** §4.2 steps 1–4: secret + k1v1… (sorted, `sign` and PHP-empty values skipped) + body + secret, TAB/CR/LF/SPACE deleted. */
export function wmsPreimage(query: Record<string, string>, body: string, secret: string): string {
    const parts = [secret];
    for (const k of Object.keys(query).sort(codeUnitOrder)) {
        if (k === 'sign' || phpEmptyText(query[k])) continue;
        parts.push(k, query[k]);
    }
    parts.push(body, secret);
    return parts.join('').split('').filter((ch) => ch !== '\t' && ch !== '\r' && ch !== '\n' && ch !== ' ').join('');
}

/** §4.2 step 5: uppercase hex MD5. */
export function expectedWmsSign(query: Record<string, string>, body: string, secret: string): string {
    return createHash('md5').update(Buffer.from(wmsPreimage(query, body, secret), 'utf8')).digest('hex').toUpperCase();
}

export type TopAlgorithm = 'md5' | 'hmac' | 'hmac-sha256';

/** §3.1 steps 1–3: k1v1… over the parameters with a non-empty key and value, `sign` excluded, then the raw body. */
export function topPreimage(query: Record<string, string>, body: string): string {
    let q = '';
    for (const k of Object.keys(query).sort(codeUnitOrder)) {
        if (k === 'sign' || k === '' || query[k] === undefined || query[k] === '') continue;
        q += k + query[k];
    }
    return q + body;
}

/** §3.1 steps 4–5, uppercase hex; undefined for an algorithm TOP does not define. */
export function expectedTopSign(query: Record<string, string>, body: string, secret: string, algorithm: string): string | undefined {
    const q = Buffer.from(topPreimage(query, body), 'utf8');
    const key = Buffer.from(secret, 'utf8');
    let digest: Buffer;
    if (algorithm === 'md5') digest = createHash('md5').update(Buffer.concat([key, q, key])).digest();
    else if (algorithm === 'hmac') digest = createHmac('md5', key).update(q).digest();
    else if (algorithm === 'hmac-sha256') digest = createHmac('sha256', key).update(q).digest();
    else return undefined;
    return digest.toString('hex').toUpperCase();
}

/** `yyyy-MM-dd HH:mm:ss` exactly (a real calendar time), as China time (UTC+8) → epoch ms; NaN otherwise. */
export function strictChinaTime(text: string): number {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
    if (!m) return NaN;
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
    const ms = Date.UTC(y, mo - 1, d, h - 8, mi, s);
    const back = new Date(ms + 8 * 3600000);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return NaN;
    return ms;
}
