/**
 * The Alibaba TOP / Qimen gateway's own errors (protocols.md §3.5): `<error_response>` (XML) or `{"error_response":…}`
 * (JSON) with a numeric code, answered by the gateway before the request reaches the target system.
 */
import { ConnectorError, ConnectorErrorInit, ErrorKind, textError, type Text, type Translate } from '../core';

/** A config node's catalog: its type (`jackyun-config`) and its English (core english()). */
export interface GatewayCatalog {
    type: string;
    inEnglish: Translate;
}

/**
 * TOP's "Remote service error": code 15, and the codes of a service's own (50, 520, 530, 550 … in TOP's answers; TOP
 * counts 15 and every code from 100 among the business errors, not the platform's checks). The target service was
 * called: it refused the request, or did not answer.
 */
export function isRemoteServiceError(code: number): boolean {
    return code === 15 || code === 50 || code >= 100;
}

/**
 * §3.5: 4–8 call limits → rate-limit; 10, 15 service unavailable → transient; 26, 27 session → auth; 40, 41 parameters
 * → validation; else config. TOP's call limits are a family (4 user, 5 session, 6 partner, 7 app count, 8 "App Call
 * Exceeds Limited Frequency", the per-minute one): each is waited out. A remote service error (15, or a service's own
 * code) is the platform's (sub_code `isp.*`, or none) or the target service's refusal (`isv.*`, or its own codes:
 * "isv.invalid-parameter", "2401"): the refusal comes back the same on every retry, and the target did not act on it.
 * A sub_code `isp.*` is the server's failure whatever the code: TOP says to try again later, and its SDK's
 * AutoRetryTaobaoClient retries every one.
 */
export function topErrorKind(code: number, subCode?: unknown): ErrorKind {
    if (code >= 4 && code <= 8) return 'rate-limit';
    const sub = subCode === undefined || subCode === null ? '' : String(subCode).trim();
    if (/^isp\./i.test(sub)) return 'transient';
    if (isRemoteServiceError(code)) return sub === '' ? 'transient' : 'business';
    if (code === 10) return 'transient';
    if (code === 26 || code === 27) return 'auth';
    if (code === 40 || code === 41) return 'validation';
    return 'config';
}

/**
 * The gateway's ban of an app that called too often says how long it lasts ("This ban will last for 12 more
 * seconds"): waited out as a Retry-After, not the usual backoff (about 7 s in all), which would give up mid-ban.
 */
const BAN_SECONDS = /\blast for (\d+) more seconds?\b/i;

/**
 * An `error_response` as the error of `system`: its kind by code, the gateway's message and sub_code; `init` overrides.
 * With `catalog` (the config node's), the same is said for the editor's button in its language: the catalog's
 * `test.qimenGateway*` text in `details.text`, the gateway's own words as its reason, and its English as the message.
 */
export function topGatewayError(system: string, err: Record<string, unknown>, init: Partial<ConnectorErrorInit> = {}, catalog?: GatewayCatalog): ConnectorError {
    const sub = err.sub_code ? ` [${String(err.sub_code)}]` : '';
    const kind = topErrorKind(Number(err.code), err.sub_code);
    const text = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
    const msg = text(err.msg);
    const subMsg = text(err.sub_msg);
    const reason = msg && subMsg && subMsg !== msg ? `${msg}: ${subMsg}` : msg || subMsg || 'error';
    const ban = kind === 'rate-limit' ? BAN_SECONDS.exec(subMsg) : null;
    const error: ConnectorErrorInit = {
        system,
        kind,
        code: `TOP_${String(err.code)}`,
        message: `Qimen gateway: ${reason} (code ${String(err.code)})${sub}`,
        details: { sub_code: err.sub_code, request_id: err.request_id },
        ...(ban ? { retryAfterMs: Number(ban[1]) * 1000 } : {}),
        ...init,
    };
    if (!catalog) return new ConnectorError(error);
    const why: Text | string = msg && subMsg && subMsg !== msg ? { key: `${catalog.type}.test.qimenReasonSub`, vars: { message: msg, sub: subMsg } } : msg || subMsg || { key: `${catalog.type}.test.noReason.error` };
    const code = String(err.code);
    const said: Text = err.sub_code ? { key: `${catalog.type}.test.qimenGatewaySub`, vars: { reason: why, code, subCode: String(err.sub_code) } } : { key: `${catalog.type}.test.qimenGateway`, vars: { reason: why, code } };
    return textError(catalog.inEnglish, said, error);
}
