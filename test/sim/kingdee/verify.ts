/**
 * The Kingdee simulator's own signature checks, written from protocols.md §1.3/§1.4 and independent of the client's
 * signer (nodes/kingdee/sign.ts): a bug there must fail against this simulator, not be mirrored by it.
 * Checked against the §1.9 vector (KG) and hand-built preimages in test/kingdee/sim-verify.test.ts.
 */
import { createHash, createHmac } from 'crypto';
import { ordinal } from '../harness';

/** §1.4: the ASCII key the SDKs XOR the secret part of the appId with. */
const SDK_XOR_KEY = '0054f397c6234378b09ca7d3e5debce7';

/** §1.3 LoginBySign: [acctID, username, appId, appSecret, ts] sorted ordinally, joined, lowercase hex SHA-256 (or SHA-1). */
export function expectedLoginSign(acctId: string, username: string, appId: string, appSecret: string, ts: string, algorithm: 'sha256' | 'sha1'): string {
    const joined = [acctId, username, appId, appSecret, ts].sort(ordinal).join('');
    return createHash(algorithm === 'sha1' ? 'sha1' : 'sha256').update(Buffer.from(joined, 'utf8')).digest('hex');
}

/** §1.4 kdHmac: Base64 of the 64 ASCII characters of the lowercase hex HMAC-SHA256. */
export function kdHmacOf(message: string, key: string): string {
    const mac = createHmac('sha256', Buffer.from(key, 'utf8')).update(Buffer.from(message, 'utf8')).digest();
    let hex = '';
    for (const byte of mac) hex += (byte < 16 ? '0' : '') + byte.toString(16);
    return Buffer.from(hex, 'latin1').toString('base64');
}

/** §1.4 step 1–2: `{clientId, clientSec}` of an appId, or undefined when its secret part is not 32 Base64 chars. */
export function gatewayKeyOf(appId: string): { clientId: string; clientSec: string } | undefined {
    const cut = appId.indexOf('_');
    if (cut < 1) return undefined;
    const secPart = appId.substring(cut + 1);
    if (!/^[A-Za-z0-9+/]{32}$/.test(secPart)) return undefined;
    const b = Buffer.from(secPart, 'base64');
    if (b.length !== 24) return undefined;
    const k = Buffer.from(SDK_XOR_KEY, 'latin1');
    return { clientId: appId.substring(0, cut), clientSec: Buffer.from(b.map((x, i) => x ^ k[i])).toString('base64') };
}

/** §1.4 step 4: percent-encode every UTF-8 byte outside Python's always-safe set (A–Z a–z 0–9 _ . - ~); `/` → %2F. */
export function encodePathStrict(path: string): string {
    let out = '';
    for (const byte of Buffer.from(path, 'utf8')) {
        const c = String.fromCharCode(byte);
        out += /[A-Za-z0-9_.\-~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
}

/** §1.4 step 6: the gateway's string to sign. */
export function gatewayStringToSign(path: string, ts: string, nonce: string): string {
    return ['POST', encodePathStrict(path), '', `x-api-nonce:${nonce}`, `x-api-timestamp:${ts}`, ''].join('\n');
}

/** §1.4: the expected X-Api-Signature for a path, timestamp and nonce, or undefined for an unusable appId. */
export function expectedApiSignature(appId: string, path: string, ts: string, nonce: string): string | undefined {
    const key = gatewayKeyOf(appId);
    return key && kdHmacOf(gatewayStringToSign(path, ts, nonce), key.clientSec);
}

/** §1.4: the expected X-Kd-Signature = kdHmac(appId + appData, appSecret). */
export function expectedKdSignature(appId: string, appData: string, appSecret: string): string {
    return kdHmacOf(appId + appData, appSecret);
}
