/**
 * The Alibaba TOP / Qimen gateway's own errors (protocols.md §3.5): `<error_response>` (XML) or `{"error_response":…}`
 * (JSON) with a numeric code, answered by the gateway before the request reaches the target system.
 */
import type { ErrorKind } from '../core';

/** §3.5: 7 call limit → rate-limit; 10, 15 service unavailable → transient; 26, 27 session → auth; 40, 41 parameters → validation; else config. */
export function topErrorKind(code: number): ErrorKind {
    if (code === 7) return 'rate-limit';
    if (code === 10 || code === 15) return 'transient';
    if (code === 26 || code === 27) return 'auth';
    if (code === 40 || code === 41) return 'validation';
    return 'config';
}
