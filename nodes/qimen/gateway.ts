/**
 * The Alibaba TOP / Qimen gateway's own errors (protocols.md §3.5): `<error_response>` (XML) or `{"error_response":…}`
 * (JSON) with a numeric code, answered by the gateway before the request reaches the target system.
 */
import { ConnectorError, ConnectorErrorInit, ErrorKind } from '../core';

/** §3.5: 7 call limit → rate-limit; 10, 15 service unavailable → transient; 26, 27 session → auth; 40, 41 parameters → validation; else config. */
export function topErrorKind(code: number): ErrorKind {
    if (code === 7) return 'rate-limit';
    if (code === 10 || code === 15) return 'transient';
    if (code === 26 || code === 27) return 'auth';
    if (code === 40 || code === 41) return 'validation';
    return 'config';
}

/**
 * The gateway's ban of an app that called too often says how long it lasts ("This ban will last for 12 more
 * seconds"): waited out as a Retry-After, not the usual backoff (about 7 s in all), which would give up mid-ban.
 */
const BAN_SECONDS = /\blast for (\d+) more seconds?\b/i;

/** An `error_response` as the error of `system`: its kind by code, the gateway's message and sub_code; `init` overrides. */
export function topGatewayError(system: string, err: Record<string, unknown>, init: Partial<ConnectorErrorInit> = {}): ConnectorError {
    const sub = err.sub_code ? ` [${String(err.sub_code)}]` : '';
    const kind = topErrorKind(Number(err.code));
    const text = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
    const msg = text(err.msg);
    const subMsg = text(err.sub_msg);
    const reason = msg && subMsg && subMsg !== msg ? `${msg}: ${subMsg}` : msg || subMsg || 'error';
    const ban = kind === 'rate-limit' ? BAN_SECONDS.exec(subMsg) : null;
    return new ConnectorError({
        system,
        kind,
        code: `TOP_${String(err.code)}`,
        message: `Qimen gateway: ${reason} (code ${String(err.code)})${sub}`,
        details: { sub_code: err.sub_code, request_id: err.request_id },
        ...(ban ? { retryAfterMs: Number(ban[1]) * 1000 } : {}),
        ...init,
    });
}
