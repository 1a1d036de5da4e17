/**
 * The base of every vendor client: one per config node. It owns the config node's transport, limiter and retry policy,
 * so every node using the config shares them; the config node shares the limiter with the other config nodes of the
 * same account too (shareLimiter). A vendor client implements single HTTP attempts and hands them to `call()`, which
 * adds the limiter, the retry policy and the one re-authentication.
 */
import { ConnectorError, cancelledError, textError, toConnectorError } from './errors';
import { HttpTransport, CallOptions, RefusedSizes } from './http';
import { Limiter, Limits, LimitsDiffer } from './limiter';
import { credentialsKey } from './login';
import { RetryPolicy, DEFAULT_RETRY_POLICY, backoffDelay, withRetry } from './retry';
import { english, isText, type Text, type TextVars } from './i18n';
import { chinaTimeText } from './time';

export interface ClientSettings {
    system: string;
    /** Per-request timeout in milliseconds. */
    timeoutMs?: number;
    /** Requests per second for the whole account; 0 = unlimited. */
    rps?: number;
    /** Requests in flight for the whole account; 0 = unlimited. */
    concurrency?: number;
    retry?: Partial<RetryPolicy>;
    allowSelfSigned?: boolean;
    maxResponseBytes?: number;
}

/** What a node passes down with each call: cancellation, timeout and a hook for "backing off" status. */
export interface RequestContext {
    signal?: AbortSignal;
    timeoutMs?: number;
    onBackoff?: (delayMs: number, err: ConnectorError, attempt: number) => void;
    /** The call waits for the account's pause after another call's rate-limit answer (shown as backing off too). */
    onAccountPaused?: (remainingMs: number) => void;
    /** A write msg's: the bodies of its writes refused as too large, so one as large is not sent again. */
    refusedSizes?: RefusedSizes;
    /** Ahead of the account's queued calls (the editor's connection test: one call, while a flow may have thousands). */
    first?: boolean;
    /**
     * Tells the user something of the call's node (node.warn, in Node-RED's language): what a client learns in a call
     * made for the node on its behalf (a write's lookups), where the node passes no warning callback of its own.
     */
    warn?: (text: Text) => void;
}

export interface CallKind {
    /** The call changes data on the server. */
    write?: boolean;
    /** Sending the same write twice cannot create a second record. */
    idempotent?: boolean;
}

/**
 * What a connection test found: the English description, and the same text as a key of the config node's catalog
 * (`<config type>.test.<key>`, its values in `vars`), which the editor's "test connection" button shows in the
 * editor's language.
 */
export interface ConnectionCheck {
    message: string;
    key?: string;
    vars?: TextVars;
}

/**
 * A server URL as the server sees it, for keys meaning "the same server" (an account's limiter and login, the
 * duplicate guard's hold): the scheme and host in lower case, no default port, no trailing slash. Typed
 * `HTTP://Host/api/` in one config node and `http://host/api` in another, one server was two (each allowed the whole
 * rate; the duplicate guard let each save the same bill). The path keeps its case (a server may tell /Api from
 * /api). Any other text (an account key's ids) is returned as it is.
 */
export function serverKey(part: string): string {
    if (!/^https?:\/\//i.test(part)) return part;
    try {
        const url = new URL(part);
        return url.origin + url.pathname.replace(/\/+$/, '') + url.search;
    } catch {
        return part;
    }
}

const inEnglish = english();

/** A call not sent because its session was not ready when its turn came (BaseClient.readyToSend). */
const notReady = new Error('not ready to send');

/** How long a closing client may take to end its session: well inside Node-RED's 15 s for a node to close (tests shorten it). */
export const endSessionLimit = { ms: 5000 };

export abstract class BaseClient {
    readonly system: string;
    readonly http: HttpTransport;
    readonly retryPolicy: RetryPolicy;
    private readonly limits: Limits;
    private accountLimiter: Limiter;
    /** Aborted by close(): work of the whole client (a shared login) stops with it. */
    protected readonly lifetime = new AbortController();

    constructor(settings: ClientSettings) {
        this.system = settings.system;
        this.http = new HttpTransport({ system: settings.system, timeoutMs: settings.timeoutMs, allowSelfSigned: settings.allowSelfSigned, maxResponseBytes: settings.maxResponseBytes });
        this.limits = { rps: settings.rps ?? 0, concurrency: settings.concurrency ?? 0 };
        this.accountLimiter = new Limiter({ system: settings.system, ...this.limits });
        this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...settings.retry };
    }

    /** The account's limiter: this client's own until shareLimiter() makes it the account's. */
    get limiter(): Limiter {
        return this.accountLimiter;
    }

    /**
     * Who the vendor counts this client's requests against for its rate limits: the server and the account's ids, never
     * a secret. Undefined (the default): no one else's requests count with this client's.
     */
    protected accountKey(): string[] | undefined {
        return undefined;
    }

    /**
     * Shares one limiter with the clients of every other config node of the same account (accountKey), which the
     * vendor counts as one: the strictest of their rates and concurrencies applies. The config node calls it before
     * the first call; `differs` hears when another config node of the account is set otherwise. A `guest` (the
     * editor's connection test) keeps to the account's settings, not adding its own (LimiterOptions.guest).
     */
    shareLimiter(differs?: (limits: LimitsDiffer) => void, { guest = false } = {}): void {
        const account = this.accountId();
        if (account === undefined) return;
        this.accountLimiter.close();
        this.accountLimiter = Limiter.forAccount(account, { system: this.system, ...this.limits, guest }, differs);
    }

    /**
     * What a refused login is kept under for every client of this Node-RED (core/login.ts): who logs in (`who`: the
     * server and the user or app, no secret) with a digest of the credentials the login sends (`sent`, secrets too).
     */
    protected loginKey(who: string[], sent: unknown[]): string {
        return credentialsKey(JSON.stringify([this.system, ...who.map(serverKey)]), sent);
    }

    /**
     * The account as one text (accountId, no secret), or undefined: what an incremental node's watermarks belong to
     * besides its config node and filters (a config node edited from the test data centre to production's).
     */
    accountIdentity(): string | undefined {
        return this.accountId();
    }

    /**
     * The account as the release before the last change to accountIdentity took it, or what accountIdentity gives
     * (no change): a watermark whose settings digest was stored under it goes on after the upgrade, instead of the
     * node reading everything again from the user's start.
     */
    earlierAccountIdentity(): string | undefined {
        return this.accountIdentity();
    }

    /** The account as one text (the system and accountKey, URLs as the server sees them), or undefined: none. */
    protected accountId(): string | undefined {
        const key = this.accountKey();
        return key === undefined ? undefined : JSON.stringify([this.system, ...key.map(serverKey)]);
    }

    /**
     * One logical vendor call: each attempt waits for the account's limiter, then runs `attempt`, which must throw a
     * classified ConnectorError on failure. Auth errors trigger `reauthenticate()` once and a single replay.
     */
    call<T>(attempt: (options: CallOptions) => Promise<T>, ctx: RequestContext = {}, kind: CallKind = {}): Promise<T> {
        const options: CallOptions = { signal: ctx.signal, timeoutMs: ctx.timeoutMs, refusedSizes: kind.write ? ctx.refusedSizes : undefined };
        const once = async (): Promise<T> => {
            try {
                // Outside the limiter: a login inside a held slot would deadlock an account limited to one request.
                await this.beforeAttempt(ctx);
            } catch (err) {
                // The call itself was not sent: a write whose login failed may be retried, and is not "possibly done".
                const e = this.redacted(err);
                throw e.kind === 'cancelled' ? e : e.copyWith({ safeToRepeat: true });
            }
            // Closed meanwhile (its login was let finish, to be logged out): nothing more goes out on that session.
            if (this.lifetime.signal.aborted) throw cancelledError(this.system);
            // Every node of the account waits out a pause one call's rate-limit answer set: say so, not just "working".
            // Not one too long to wait out: the call fails at once (ACCOUNT_PAUSED), a yellow "paused" before its red.
            const paused = this.limiter.pausedFor();
            if (paused >= 1000 && paused <= this.retryPolicy.longestWaitMs) ctx.onAccountPaused?.(paused);
            // Its turn come while the session it would go with is lost or being renewed (another call found it expired
            // meanwhile), the call is not sent: it gives its turn back and waits for the login, not counted as an
            // attempt. Sent, it would only be answered "session lost" (a request of the vendor's quota wasted).
            const unsent = (err: unknown) => err === notReady || RefusedSizes.sentNothing(err);
            try {
                return await this.scheduleUnlessPaused(() => (this.readyToSend() ? attempt(options) : Promise.reject(notReady)), ctx.signal, unsent, ctx.first, ctx.onAccountPaused);
            } catch (err) {
                if (err === notReady) return once();
                throw this.redacted(err);
            }
        };
        return withRetry(once, {
            system: this.system,
            policy: this.retryPolicy,
            signal: ctx.signal,
            write: kind.write,
            idempotent: kind.idempotent,
            reauthenticate: (err) => this.reauthenticate(err, ctx).catch((e: unknown) => Promise.reject(this.redacted(e))),
            onBackoff: ctx.onBackoff,
            onRateLimited: (delayMs, err) => {
                if (!this.pausesAccount(err)) return false;
                this.pauseAccount(delayMs);
            },
        });
    }

    /**
     * A credential or a session id of this account: never quoted in an error (an answer may echo the request back).
     * Clients pass their credentials at construction, and each session id or token (keepSessionSecret) as they get it.
     */
    protected keepSecret(...values: unknown[]): void {
        for (const v of values) this.http.keepSecret(v);
    }

    /** Like keepSecret, for a session id or token: only the latest few are kept. */
    protected keepSessionSecret(...values: unknown[]): void {
        for (const v of values) this.http.keepSecret(v, true);
    }

    /**
     * The error with every kept secret taken out of its message (a vendor's message or a quoted answer), and out of the
     * same text for the editor (`details.text`, a catalog text whose values may quote the vendor). Thrown errors pass
     * here in call(); the endpoint passes a record's refusal (output 2) and a warning's text the same way.
     */
    redacted(err: unknown): ConnectorError {
        const e = toConnectorError(err, this.system);
        const message = this.http.redact(e.message);
        const details = e.details as { text?: unknown } | undefined;
        const text = isText(details?.text) ? this.redactedText(details.text) : undefined;
        if (message === e.message && text === details?.text) return e;
        // The cause goes too: it may hold the same text unredacted.
        return e.copyWith({ message, cause: undefined, ...(text !== undefined ? { details: { ...details, text } } : {}) });
    }

    /** A text (a warning quoting the vendor) with every kept secret taken out. */
    withoutSecrets(text: string): string {
        return this.http.redact(text);
    }

    private redactedText(t: Text): Text {
        if (!t.vars) return t;
        const vars: TextVars = {};
        let changed = false;
        for (const [name, v] of Object.entries(t.vars)) {
            vars[name] = typeof v === 'string' ? this.http.redact(v) : isText(v) ? this.redactedText(v) : v;
            changed ||= vars[name] !== v;
        }
        return changed ? { ...t, vars } : t;
    }

    /**
     * Whether a rate-limit error holds every call of the account for its wait (a vendor's "too many requests"), or
     * only the call it failed: a limit on logins alone, say, is no reason to stop the calls of a session in hand.
     */
    protected pausesAccount(_err: ConnectorError): boolean {
        return true;
    }

    /**
     * A rate-limit refusal inside an answer the call returns rather than throws (a write's records refused for the
     * vendor's call limit beside records it saved: not to be sent again whole): the account pauses as it does for a
     * thrown one (withRetry's first backoff), so that its next calls do not go out at once into the limit.
     */
    protected rateLimitedWithin(err: ConnectorError): void {
        if (this.pausesAccount(err)) this.pauseAccount(backoffDelay(0, this.retryPolicy, err));
    }

    /** Pauses the account; for longer than the longest wait, the calls waiting fail at once, not sent (retry.ts). */
    private pauseAccount(ms: number): void {
        if (ms > this.retryPolicy.longestWaitMs) this.limiter.pause(ms, (left) => this.accountPaused(left));
        else this.limiter.pause(ms);
    }

    /**
     * A request through the account's limiter (call()'s attempts, and a login sent outside call()): refused at once, not
     * sent, while the account is paused for longer than the longest wait. Queued, a login held every call waiting for it
     * (a redeploy into a ban of hours: every msg of the account in flight for the whole ban, nothing at Catch). A
     * rate-limit error `fn` throws pauses the account before its slot goes back (pauseOnRateLimit): `fn` reads the answer.
     */
    protected scheduleUnlessPaused<T>(fn: () => Promise<T>, signal?: AbortSignal, unsent?: (err: unknown) => boolean, first = false, onPaused?: (ms: number) => void): Promise<T> {
        const paused = this.limiter.pausedFor();
        if (paused > this.retryPolicy.longestWaitMs) return Promise.reject(this.accountPaused(paused));
        return this.limiter.schedule(() => fn().catch(this.pauseOnRateLimit), signal, unsent, first, onPaused);
    }

    /**
     * A call not sent because the account is paused for longer than the longest wait: safe to send again later. Said
     * in a text of the catalog too, until when first: every node of the account shows it (in the editor's language)
     * for the whole pause, and a status keeps only its first 80 characters.
     */
    private accountPaused(leftMs: number): ConnectorError {
        const text: Text = { key: 'runtime.error.accountPaused', vars: { until: chinaTimeText(Date.now() + leftMs), seconds: Math.ceil(leftMs / 1000), minutes: Math.round(this.retryPolicy.longestWaitMs / 60000) } };
        return textError(inEnglish, text, { system: this.system, kind: 'rate-limit', code: 'ACCOUNT_PAUSED', retryAfterMs: leftMs, safeToRepeat: true });
    }

    /**
     * A rate-limit answer pauses the account before its call gives its slot back: paused only afterwards (withRetry's
     * backoff), the slot went at once to the next call waiting, sent into the limit the vendor had just announced.
     */
    private readonly pauseOnRateLimit = (err: unknown): never => {
        if (err instanceof ConnectorError && err.kind === 'rate-limit') this.rateLimitedWithin(err);
        throw err;
    };

    /**
     * Whether a call whose turn has come may be sent now: a session client says no while it has no session or a login
     * is in flight (the call then waits in beforeAttempt for the login, and queues again).
     */
    protected readyToSend(): boolean {
        return true;
    }

    /** Runs before each attempt, outside the limiter: session clients make sure they are logged in here. */
    protected async beforeAttempt(_ctx: RequestContext): Promise<void> {}

    /** Renews the session after an auth error. Clients without sessions cannot recover, so the error stands. */
    protected async reauthenticate(err: ConnectorError, _ctx: RequestContext): Promise<void> {
        throw err;
    }

    /** Logs in / makes one harmless call; resolves with a short human-readable description of what worked. */
    async testConnection(ctx: RequestContext): Promise<string> {
        return (await this.connectionCheck(ctx)).message;
    }

    /**
     * checkConnection as the editor's button runs it: its error with every kept secret taken out, as a call's is (a
     * login outside call(), whose answer may quote the password, included).
     */
    async connectionCheck(ctx: RequestContext): Promise<ConnectionCheck> {
        try {
            return await this.checkConnection(ctx);
        } catch (err) {
            throw this.redacted(err);
        }
    }

    /** The connection test, with its outcome also as a catalog text for the editor. */
    protected abstract checkConnection(ctx: RequestContext): Promise<ConnectionCheck>;

    /**
     * Stops the client's work (calls and logins waiting for their turn), ends its session on the server (endSession,
     * within endSessionLimit, through the account's limiter: a logout is a request like any other), then leaves the
     * account's limiter and closes its connections. Resolves once done; never rejects.
     */
    async close(): Promise<void> {
        this.lifetime.abort();
        this.limiter.cancelQueued();
        const deadline = AbortSignal.timeout(endSessionLimit.ms);
        try {
            await this.endSession(deadline);
        } catch {
            // A session not ended expires on the server as an idle one does: nothing to tell anyone.
        } finally {
            this.limiter.close();
            // Also ends a login still out past the deadline.
            this.http.close();
        }
    }

    /**
     * Session clients log out here, at close, before `deadline` aborts: a session left open holds a logged-in user on
     * the server until it idles out (one per redeploy and per click of Test connection).
     */
    protected async endSession(_deadline: AbortSignal): Promise<void> {}
}
