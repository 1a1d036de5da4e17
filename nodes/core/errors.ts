/**
 * The one error type every client and node uses. `kind` drives the retry policy (see retry.ts):
 *   auth        re-authenticate once and replay once, then fail
 *   rate-limit  back off (honouring Retry-After), the account's limiter pauses for everyone
 *   transient   network, 5xx, timeout: bounded exponential backoff with jitter
 *   business    the vendor refused the record: never retried
 *   validation  the request or record is malformed: never retried
 *   config      credentials, signature, subscription, clock: never retried
 *   cancelled   the node was closed or the flow redeployed while the call was in flight
 */
import type { Text, Translate } from './i18n';

export type ErrorKind = 'auth' | 'rate-limit' | 'transient' | 'business' | 'validation' | 'config' | 'cancelled';

export interface ConnectorErrorInit {
    system: string;
    kind: ErrorKind;
    code?: string | number;
    message: string;
    /** True when the server certainly did not perform the operation, so a write may be sent again. */
    safeToRepeat?: boolean;
    /** Milliseconds the server asked us to wait (Retry-After, vendor hints). */
    retryAfterMs?: number;
    httpStatus?: number;
    /** The vendor's field name, when the vendor named one. */
    field?: string;
    /** Extra vendor detail (never secrets). */
    details?: unknown;
    cause?: unknown;
    /** A write whose answer was lost: the server may have performed it, so it must not be sent again blindly. */
    possiblyProcessed?: boolean;
}

export class ConnectorError extends Error {
    readonly system: string;
    readonly kind: ErrorKind;
    readonly code: string;
    readonly safeToRepeat: boolean;
    readonly retryAfterMs?: number;
    readonly httpStatus?: number;
    readonly field?: string;
    readonly details?: unknown;
    readonly possiblyProcessed: boolean;

    constructor(init: ConnectorErrorInit) {
        super(init.message);
        this.name = 'ConnectorError';
        this.system = init.system;
        this.kind = init.kind;
        this.code = init.code === undefined || init.code === null || init.code === '' ? defaultCode(init.kind) : String(init.code);
        this.safeToRepeat = init.safeToRepeat ?? (init.kind === 'rate-limit' || init.kind === 'auth');
        this.retryAfterMs = init.retryAfterMs;
        this.httpStatus = init.httpStatus;
        this.field = init.field;
        this.details = init.details;
        this.possiblyProcessed = init.possiblyProcessed === true;
        if (init.cause !== undefined) (this as { cause?: unknown }).cause = init.cause;
    }

    /** A copy with some properties changed (message, safeToRepeat, possiblyProcessed …); the cause is kept. */
    copyWith(changes: Partial<ConnectorErrorInit>): ConnectorError {
        const { system, kind, code, message, safeToRepeat, retryAfterMs, httpStatus, field, details, possiblyProcessed } = this;
        const cause = (this as { cause?: unknown }).cause;
        return new ConnectorError({ system, kind, code, message, safeToRepeat, retryAfterMs, httpStatus, field, details, possiblyProcessed, cause, ...changes });
    }

    /**
     * A write failing so may have been performed all the same: no answer, one that could not be read (too large to
     * read included: the server answered, so it acted on the request, unless it was a read marked safe to repeat, as
     * a write's lookup before anything was sent), or a request cut off in flight by the node closing (a cancel before
     * sending is safe to repeat).
     */
    get outcomeUnknown(): boolean {
        return ((this.kind === 'transient' || this.kind === 'cancelled' || this.code === 'RESPONSE_TOO_LARGE') && !this.safeToRepeat);
    }

    /** Whether the retry policy may try again at all (writes additionally need safeToRepeat or an idempotent endpoint). */
    get retryable(): boolean {
        return this.kind === 'transient' || this.kind === 'rate-limit' || this.kind === 'auth';
    }

    /** The shape put on `msg.error` for a failed record (design.md: {system, code, message, retryable, record}). */
    toMsgError(record?: unknown): MsgError {
        const out: MsgError = {
            system: this.system,
            kind: this.kind,
            code: this.code,
            message: this.message,
            // Sending a possibly processed write again may write it twice: a flow replaying retryable failures must not.
            retryable: this.retryable && !this.possiblyProcessed,
        };
        if (this.possiblyProcessed) out.possiblyProcessed = true;
        if (this.field !== undefined) out.field = this.field;
        if (this.httpStatus !== undefined) out.httpStatus = this.httpStatus;
        // A flow replaying retryable failures (a delay node before the write) waits this long, not into the same limit.
        if (out.retryable && this.retryAfterMs !== undefined) out.retryAfterMs = this.retryAfterMs;
        if (record !== undefined) out.record = record;
        return out;
    }
}

export interface MsgError {
    system: string;
    kind: ErrorKind;
    code: string;
    message: string;
    retryable: boolean;
    /** Set on a failed write whose outcome is unknown (answer lost): check the target before sending it again. */
    possiblyProcessed?: boolean;
    field?: string;
    httpStatus?: number;
    /** Milliseconds the vendor asked to wait before sending again (a rate limit, Retry-After), counted from the failure. */
    retryAfterMs?: number;
    record?: unknown;
}

function defaultCode(kind: ErrorKind): string {
    return kind.toUpperCase().replace('-', '_');
}

export function isConnectorError(err: unknown): err is ConnectorError {
    return err instanceof ConnectorError;
}

/**
 * Words of a frequency refusal (调用过于频繁, 触发限流, 调用频率超限, 访问频率过高, too many requests). The vendors'
 * classifiers test them before their account words: "appkey调用过于频繁" names the appkey but asks to slow down, and
 * taken for a config error it would stop the msg with "check the appkey" instead of backing off (and a re-login for it
 * is what gets accounts disabled).
 */
export const FREQUENCY_TEXT = /频繁|限流|频率(?:超|过|太|限)|(?:超过|超出)\S{0,4}频率|too.?frequent|too many requests|(?<![a-z])rate.?limit/i;

/**
 * A server saying it is too busy to take the call now (SYSTEM_BUSY, 系统繁忙, 服务器繁忙, "server is busy"): it turned
 * the call away without acting on it, so the call is transient and safe to send again — not a refusal of the record or
 * query (business, never retried), nor of a login's credentials (config, which a login holds back for a cooldown and
 * tells to check the secret). Tested after FREQUENCY_TEXT and before the vendors' account words.
 */
export function isBusyAnswer(code: string, message: string): boolean {
    // 繁忙 or 正忙 after the system's name, not a bare 忙: "业务系统忙于结账，禁止操作" (busy closing the period) and
    // "仓库系统忙时不能取消" are refusals of the record.
    return /^SYS(?:TEM)?_?BUSY$/i.test(code.trim()) || /(?:系统|服务器?|接口)(?:正在)?繁忙|(?:系统|服务器?)正忙|\b(?:system|server|service) (?:is )?(?:too )?busy\b/i.test(message);
}

/** Wraps anything thrown into a ConnectorError without losing an existing classification. */
export function toConnectorError(err: unknown, system: string): ConnectorError {
    if (err instanceof ConnectorError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new ConnectorError({ system, kind: 'business', code: 'UNEXPECTED', message, cause: err });
}

/**
 * An error told in a text of a catalog: its message is the text's English (logs, msg.error, Catch, whatever
 * Node-RED's language) and its details carry the text itself, which the editor's test button (core/config-node.ts)
 * and the node's status show in the user's language. `inEnglish` is the English of the catalog the key is in (core
 * i18n english()); details other than an object are replaced by `{ text }`.
 */
export function textError(inEnglish: Translate, text: Text, init: Omit<ConnectorErrorInit, 'message'>): ConnectorError {
    const details = init.details !== null && typeof init.details === 'object' ? { ...(init.details as object), text } : { text };
    return new ConnectorError({ ...init, message: inEnglish(text.key, text.vars), details });
}

export function validationError(system: string, field: string, reason: string): ConnectorError {
    return new ConnectorError({ system, kind: 'validation', code: 'INVALID_INPUT', field, message: `${field}: ${reason}` });
}

/**
 * The error for the records of a write request that failed after it was sent: when its outcome is unknown, a copy
 * marked possibly processed that says to check `target` before replaying them; otherwise the error itself. A request
 * the node's close stopped before it went out (waiting for the limiter, a retry or a login) is NOT_SENT, as a record
 * an earlier failure kept back: safe to replay, so retryable.
 */
export function sentWriteError(err: ConnectorError, target = 'the target'): ConnectorError {
    if (err.kind === 'cancelled' && err.safeToRepeat) return new ConnectorError({ system: err.system, kind: 'transient', code: 'NOT_SENT', message: `not sent: ${err.message}`, safeToRepeat: true });
    return err.outcomeUnknown ? err.copyWith({ message: `${err.message} (the request may have been processed: check ${target} before replaying)`, possiblyProcessed: true }) : err;
}

/**
 * A record a write never sent because an earlier request of its msg failed (`cause`): sending it again is safe,
 * so it is retryable whatever stopped the msg; after the wait the vendor asked for, when it asked (a rate limit).
 */
export function notSentError(system: string, cause: ConnectorError, earlier: string): ConnectorError {
    return new ConnectorError({ system, kind: 'transient', code: 'NOT_SENT', message: `not sent: ${earlier} failed (${cause.message})`, safeToRepeat: true, retryAfterMs: cause.retryAfterMs });
}

/** The node closed before the call was sent (waiting for the limiter, a retry or a login): nothing reached the server. */
export function cancelledError(system: string): ConnectorError {
    return new ConnectorError({ system, kind: 'cancelled', code: 'CANCELLED', message: 'cancelled: the node was closed', safeToRepeat: true });
}
