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

/** An `error_response` as the error of `system`: its kind by code, the gateway's message and sub_code; `init` overrides. */
export function topGatewayError(system: string, err: Record<string, unknown>, init: Partial<ConnectorErrorInit> = {}): ConnectorError {
    const sub = err.sub_code ? ` [${String(err.sub_code)}]` : '';
    return new ConnectorError({
        system,
        kind: topErrorKind(Number(err.code)),
        code: `TOP_${String(err.code)}`,
        message: `Qimen gateway: ${String(err.msg ?? err.sub_msg ?? 'error')} (code ${String(err.code)})${sub}`,
        details: { sub_code: err.sub_code, request_id: err.request_id },
        ...init,
    });
}
