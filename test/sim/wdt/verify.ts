/**
 * The WDT openapi2 simulator's own signature check, written from protocols.md §5.2 and independent of the client's
 * signer (nodes/wdt/sign.ts). Checked against vector W1 (§5.4) in test/wdt/sim-verify.test.ts.
 */
import { createHash } from 'crypto';

/** Characters as PHP's iconv_strlen counts them: Unicode code points (a surrogate pair is one). */
function codePoints(s: string): number {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
        const u = s.charCodeAt(i);
        if (u >= 0xd800 && u <= 0xdbff && i + 1 < s.length) {
            const next = s.charCodeAt(i + 1);
            if (next >= 0xdc00 && next <= 0xdfff) i++;
        }
        n++;
    }
    return n;
}

function zeroPad(n: number, width: number): string {
    let s = n.toString(10);
    while (s.length < width) s = '0' + s;
    return s;
}

/** §5.2 steps 1–2: every parameter but `sign`, keys in code-unit order, `LL-key:VVVV-value` joined with `;`. */
export function packForSign(params: Record<string, string>): string {
    const keys = Object.keys(params).filter((k) => k !== 'sign');
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pieces: string[] = [];
    for (const k of keys) {
        const v = params[k];
        pieces.push(zeroPad(codePoints(k), 2) + '-' + k + ':' + zeroPad(codePoints(v), 4) + '-' + v);
    }
    return pieces.join(';');
}

/** §5.2 step 3: lowercase hex MD5 of the packed text + appsecret. */
export function expectedWdtSign(params: Record<string, string>, appsecret: string): string {
    return createHash('md5').update(Buffer.from(packForSign(params) + appsecret, 'utf8')).digest('hex');
}

/** Half of a UTF-16 surrogate pair standing alone. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * JSON text as the official server (PHP, §5.2) decodes it with json_decode, or undefined where that fails. Stricter
 * than JSON.parse in one way that a client can meet: PHP 7+ refuses the whole text when a `\uD800`–`\uDFFF` escape is
 * not one half of a high+low pair (JSON_ERROR_UTF16, "Single unpaired UTF-16 surrogate in unicode escape"), which is
 * what JSON.stringify writes for half an emoji; JSON.parse keeps the half character. The body arrives as UTF-8 bytes,
 * so an unpaired surrogate in a decoded string can only have come from such an escape.
 */
export function phpJsonDecode(text: string): unknown {
    let unpaired = false;
    let value: unknown;
    try {
        value = JSON.parse(text, (key, v) => {
            if (UNPAIRED_SURROGATE.test(key) || (typeof v === 'string' && UNPAIRED_SURROGATE.test(v))) unpaired = true;
            return v;
        });
    } catch {
        return undefined;
    }
    return unpaired ? undefined : value;
}
