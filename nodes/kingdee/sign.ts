/**
 * 金蝶云星空 Kingdee K/3 Cloud WebAPI signing (protocols.md §1.3, §1.4). Pure functions: no I/O, no clock.
 *
 *  - `kingdeeLogin`: the `LoginBySign` signature: the five values [acctID, username, appId, appSecret, timestamp]
 *    sorted ordinally (UTF-16 code units, never locale-aware), concatenated, lowercase hex SHA-256 (or SHA-1 for
 *    servers older than 8.0.0.202205) over the UTF-8 bytes.
 *  - `kdHmac`: Base64 of the ASCII lowercase-hex HMAC-SHA256 (88 chars ending `==`), as both official SDKs do.
 *  - `kingdeeApiHeaders`: the header set of the per-request API-signature mode (Python SDK flavour: timestamp and
 *    nonce in seconds, `x-api-signheaders` lowercase, unset orgNum → "0").
 */
import crypto from 'crypto';

export type KingdeeLoginAlgorithm = 'sha256' | 'sha1';

/** The obfuscation key the SDKs XOR the appId's secret part with (ASCII bytes of this 32-char text). */
export const KINGDEE_XOR_KEY = '0054f397c6234378b09ca7d3e5debce7';

/** `LoginBySign` signature: lowercase hex sha256 (or sha1) of the ordinally sorted, concatenated five values. */
export function kingdeeLogin(acctId: string, username: string, appId: string, appSecret: string, timestampSeconds: number | string, algorithm: KingdeeLoginAlgorithm = 'sha256'): string {
    if (algorithm !== 'sha256' && algorithm !== 'sha1') throw new RangeError(`algorithm must be sha256 or sha1 (got ${String(algorithm)})`);
    const parts = [String(acctId), String(username), String(appId), String(appSecret), String(timestampSeconds)];
    // Default sort = ordinal by UTF-16 code unit (protocols.md §0): digits < uppercase < lowercase.
    parts.sort();
    return crypto.createHash(algorithm).update(parts.join(''), 'utf8').digest('hex');
}

/** Base64( ASCII( lowercase-hex( HMAC-SHA256(key, msg) ) ) ). */
export function kdHmac(message: string, key: string | Buffer): string {
    const hex = crypto.createHmac('sha256', typeof key === 'string' ? Buffer.from(key, 'utf8') : key).update(message, 'utf8').digest('hex');
    return Buffer.from(hex, 'ascii').toString('base64');
}

/** Splits `<clientId>_<secPart>` at the first `_`. Throws a RangeError when the appId has no `_`. */
export function splitAppId(appId: string): { clientId: string; secPart: string } {
    const i = appId.indexOf('_');
    if (i <= 0) throw new RangeError('appId must have the form <clientId>_<secret part>');
    return { clientId: appId.slice(0, i), secPart: appId.slice(i + 1) };
}

/**
 * The gateway client secret: Base64( Base64Decode(secPart) XOR ASCII(KINGDEE_XOR_KEY) ). The SDK yields nothing for
 * a secret part that is not 32 Base64 characters: a RangeError here (the client reports it as a config error).
 */
export function kingdeeClientSecret(secPart: string): string {
    if (secPart.length !== 32 || !/^[A-Za-z0-9+/]{30}[A-Za-z0-9+/=]{2}$/.test(secPart)) throw new RangeError('the part of appId after "_" must be 32 Base64 characters');
    const b = Buffer.from(secPart, 'base64');
    const k = Buffer.from(KINGDEE_XOR_KEY, 'ascii');
    const out = Buffer.alloc(b.length);
    for (let i = 0; i < b.length; i++) out[i] = b[i] ^ k[i];
    return out.toString('base64');
}

/** URL-encodes a path as Python's `quote(path, safe='')` does: `/` becomes `%2F`. */
export function kingdeePathEncode(path: string): string {
    return encodeURIComponent(path).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** `appData` = acctId,username,lcid,orgNum (unset orgNum → "0", as the Python SDK prints it). */
export function kingdeeAppData(acctId: string, username: string, lcid: number | string, orgNum?: number | string | null): string {
    const org = orgNum === undefined || orgNum === null || orgNum === '' ? '0' : String(orgNum);
    return `${acctId},${username},${lcid},${org}`;
}

/**
 * `X-Kd-Signature` = kdHmac(appId + appData, appSecret). No timestamp goes into it: for one app, data centre, user,
 * language and organisation it never changes, and with the app id and app data (sent in clear beside it) it
 * authenticates a request on its own, for as long as the app secret is valid: a credential like the secret itself.
 */
export function kingdeeKdSignature(appId: string, appSecret: string, appData: string): string {
    return kdHmac(appId + appData, appSecret);
}

/** The gateway's v2 string to sign: method, encoded path, empty query line, then the two signed headers. */
export function kingdeeStringToSign(path: string, timestamp: number | string, nonce: number | string): string {
    return `POST\n${kingdeePathEncode(path)}\n\nx-api-nonce:${nonce}\nx-api-timestamp:${timestamp}\n`;
}

export interface KingdeeApiHeaderInput {
    /** URL path of the service including the server's virtual directory, e.g. `/k3cloud/Kingdee.BOS…ExecuteBillQuery.common.kdsvc`. */
    path: string;
    /** `<clientId>_<secPart>`. */
    appId: string;
    appSecret: string;
    acctId: string;
    username: string;
    lcid?: number | string;
    orgNum?: number | string | null;
    /** Unix time in seconds, used as given. */
    timestamp: number | string;
    /** Used as given (the Python SDK sends the timestamp again). */
    nonce: number | string;
}

export interface KingdeeApiHeaders {
    'X-Api-ClientID': string;
    'X-Api-Auth-Version': string;
    'x-api-timestamp': string;
    'x-api-nonce': string;
    'x-api-signheaders': string;
    'X-Api-Signature': string;
    'X-Kd-Appkey': string;
    'X-Kd-Appdata': string;
    'X-Kd-Signature': string;
}

/** The headers of the API-signature mode (protocols.md §1.4 table). */
export function kingdeeApiHeaders(input: KingdeeApiHeaderInput): KingdeeApiHeaders {
    const { clientId, secPart } = splitAppId(input.appId);
    const clientSec = kingdeeClientSecret(secPart);
    const appData = kingdeeAppData(input.acctId, input.username, input.lcid ?? 2052, input.orgNum);
    return {
        'X-Api-ClientID': clientId,
        'X-Api-Auth-Version': '2.0',
        'x-api-timestamp': String(input.timestamp),
        'x-api-nonce': String(input.nonce),
        'x-api-signheaders': 'x-api-timestamp,x-api-nonce',
        'X-Api-Signature': kdHmac(kingdeeStringToSign(input.path, input.timestamp, input.nonce), clientSec),
        'X-Kd-Appkey': input.appId,
        'X-Kd-Appdata': Buffer.from(appData, 'utf8').toString('base64'),
        'X-Kd-Signature': kingdeeKdSignature(input.appId, input.appSecret, appData),
    };
}
