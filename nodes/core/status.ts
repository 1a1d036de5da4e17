/**
 * Node status, the same for every node: blue while working, yellow while backing off, green with counts when done,
 * red ring with the error code and, briefly, why. Each new input clears a stale error.
 */
import type { Node, NodeStatus } from 'node-red';
import { monotonicNow } from './retry';

/**
 * Updates shown per second at most. A query in record mode feeding a write node starts and ends thousands of msgs
 * a second, each with a forced "…" and its counts: past this, the latest update waits for the next second (one
 * timer), so the flood becomes a few updates and the last state still shows.
 */
const MAX_PER_SECOND = 10;

export class StatusReporter {
    // Long ago: the monotonic clock starts near 0 with the process.
    private lastWorking = -Infinity;
    private windowStart = -Infinity;
    private shownInWindow = 0;
    private held: NodeStatus | undefined;
    private timer: NodeJS.Timeout | undefined;
    /** Set by close(): work cut off by the close must not paint its outcome over the cleared status. */
    protected closed = false;
    /** The next second of a countdown (countdown()); any other status shown ends it. */
    private countdownTimer: NodeJS.Timeout | undefined;
    private counting = false;

    constructor(private readonly node: Node) {}

    /** Shows `status` (ending a countdown, unless one of its own) now, or (past MAX_PER_SECOND, or behind one held back) when the second is over. */
    protected put(status: NodeStatus): void {
        if (!this.counting) this.stopCountdown();
        this.emit(status);
    }

    private emit(status: NodeStatus): void {
        const now = monotonicNow();
        if (now - this.windowStart >= 1000) {
            this.windowStart = now;
            this.shownInWindow = 0;
        }
        if (this.timer === undefined && this.shownInWindow < MAX_PER_SECOND) {
            this.shownInWindow++;
            this.node.status(status);
            return;
        }
        this.held = status;
        this.timer ??= setTimeout(() => {
            this.timer = undefined;
            const held = this.held;
            this.held = undefined;
            if (held && !this.closed) this.emit(held);
        }, Math.max(0, this.windowStart + 1000 - now));
    }

    /** Drops an update held back: the status shown next replaces it. */
    private dropHeld(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = this.held = undefined;
    }

    /**
     * Runs `show`, a status shown again with something added (an incremental node's "next run waiting"), without ending
     * a countdown in progress: its next second shows the addition too (ended, the figure stood still for the whole wait).
     */
    protected keepingCountdown(show: () => void): void {
        const was = this.counting;
        this.counting = true;
        try {
            show();
        } finally {
            this.counting = was;
        }
    }

    private stopCountdown(): void {
        if (this.countdownTimer) clearTimeout(this.countdownTimer);
        this.countdownTimer = undefined;
    }

    /**
     * A wait of `ms` (the account paused by a rate limit), in yellow as `text(seconds left)`, counting down once a
     * second until another status replaces it; at its end "…" (the calls go out). Shown once, the figure of the wait's
     * start stood for the whole wait. The timer holds no process open and ends with close().
     */
    countdown(ms: number, text: (seconds: number) => string): void {
        if (this.closed) return;
        const until = monotonicNow() + ms;
        const tick = () => {
            this.countdownTimer = undefined;
            const left = until - monotonicNow();
            if (left <= 0) {
                // Not counted as progress: the first page's "page 1" right after is not throttled away.
                const last = this.lastWorking;
                this.keepingCountdown(() => this.working('…', true));
                this.lastWorking = last;
                return;
            }
            this.keepingCountdown(() => this.backingOff(text(Math.ceil(left / 1000))));
            this.countdownTimer = setTimeout(tick, Math.min(1000, left));
            this.countdownTimer.unref?.();
        };
        this.stopCountdown();
        tick();
    }

    /** Throttled to a few updates a second: status messages cross the websocket to every open editor. */
    working(text: string, force = false): void {
        if (this.closed) return;
        const now = monotonicNow();
        if (!force && now - this.lastWorking < 200) return;
        this.lastWorking = now;
        this.put({ fill: 'blue', shape: 'dot', text });
    }

    backingOff(text: string): void {
        if (this.closed) return;
        this.put({ fill: 'yellow', shape: 'ring', text });
    }

    done(text: string, hadFailures = false): void {
        if (this.closed) return;
        this.put({ fill: hadFailures ? 'yellow' : 'green', shape: 'dot', text });
    }

    /** The code, and briefly why (`reason`): a bare "LOGIN_0" or "1070" under a node tells an integrator nothing. */
    error(code: string, reason?: string): void {
        if (this.closed) return;
        this.put({ fill: 'red', shape: 'ring', text: reason ? `${code}: ${brief(reason)}` : code });
    }

    clear(): void {
        this.stopCountdown();
        this.dropHeld();
        this.node.status({});
    }

    /**
     * The node is closing (redeploy): the status is cleared and stays so. Node-RED keeps a node's last status for the
     * new instance of a redeployed node, which would otherwise show the "CANCELLED" of the calls the close cut off.
     */
    close(): void {
        this.closed = true;
        this.stopCountdown();
        this.dropHeld();
        this.node.status({});
    }
}

/** What fits under a node on the canvas: the first STATUS_REASON_CHARS characters of a reason. */
export const STATUS_REASON_CHARS = 80;

function brief(reason: string): string {
    const text = reason.replace(/\s+/g, ' ').trim();
    return text.length > STATUS_REASON_CHARS ? `${text.slice(0, STATUS_REASON_CHARS - 1)}…` : text;
}

/** The pause after which a run's tally starts anew: msgs closer together are one run of a sync (its pages or records). */
const TALLY_GAP_MS = 60000;

/**
 * What a node's status counts: the records of msgs that come close together, not only the last msg's (a sync of 92
 * bills in pages shows 92, not the last page's 8). A pause of more than a minute starts a new tally.
 */
export class RunTally {
    /** Records written by the run. */
    ok = 0;
    /** Records found written before (the duplicate guard's, a push or cancel done already): on output 1, not written again. */
    already = 0;
    /** Records written that the duplicate guard cannot find again (writtenUnguarded): each re-read writes them again. */
    unguarded = 0;
    failed = 0;
    private lastAt = -Infinity;

    add(ok: number, failed: number, already = 0, unguarded = 0): this {
        const now = monotonicNow();
        if (now - this.lastAt > TALLY_GAP_MS) this.ok = this.failed = this.already = this.unguarded = 0;
        this.ok += ok;
        this.failed += failed;
        this.already += already;
        this.unguarded += unguarded;
        this.lastAt = now;
        return this;
    }

    /** A msg of the run sent to Catch whole: its records (one, when its payload is no array) count as failed. */
    addCaught(payload: unknown): this {
        return this.add(0, Array.isArray(payload) ? payload.length : 1);
    }
}

/**
 * Whether a write node's result on output 1 is a record found written before, not written by this msg: the marks
 * kingdee-batch-save (alreadyPresent), kingdee-push (alreadyPushed) and wdt-wms-cancel (alreadyCancelled) set. A
 * second run of a sync then reads "0 ok, 92 written before", not "92 ok" as if it had saved them again.
 */
export function writtenBefore(result: unknown): boolean {
    if (typeof result !== 'object' || result === null) return false;
    const r = result as Record<string, unknown>;
    return r.alreadyPresent === true || r.alreadyPushed === true || r.alreadyCancelled === true;
}

/**
 * Whether a write node's result is a record written that its duplicate guard cannot find again: kingdee-batch-save's
 * guardIneffective (the bill number sent is not the one the bill got). Each re-read writes it again, so the run shows
 * yellow, not a green sync.
 */
export function writtenUnguarded(result: unknown): boolean {
    return typeof result === 'object' && result !== null && (result as Record<string, unknown>).guardIneffective === true;
}
