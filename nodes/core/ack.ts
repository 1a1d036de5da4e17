/**
 * Delivery acknowledgements for crash-safe incremental sync. A query node in "commit after the writes" mode puts a
 * ticket on every msg it emits (`msg._cnErpAck`); the node that finishes with the msg's records (a write node once
 * every record left on output 1 or 2 or the msg reached Catch; the mapper when nothing of the msg goes on) hands the
 * ticket back. The query commits its watermark only when the run is over and every ticket came back, so a crash
 * between the read and the writes leaves the watermark where it was and the next run reads those records again.
 * Tickets are kept in memory on purpose: a restart forgets them, which is exactly "not acknowledged".
 *
 * A query node between the source and the writes (a lookup fed by the source's msgs) passes the acknowledgement on:
 * its own msgs carry tickets of a run of its own, which hands the incoming msg's ticket back once every one of them
 * came back. A msg may so carry a list of tickets (its query's own run and the run passing one on).
 */

export const ACK_PROPERTY = '_cnErpAck';

export interface AckTicket {
    run: string;
    seq: number;
}

interface Run {
    outstanding: Set<number>;
    next: number;
    sealed: boolean;
    settled: () => void;
    lost?: () => void;
}

const runs = new Map<string, Run>();
let counter = 0;

export interface AckRun {
    readonly id: string;
    /** A ticket for one emitted msg. */
    issue(): AckTicket;
    /** No more msgs will be emitted; `settled` runs once every ticket is back (maybe at once). */
    seal(): void;
    /**
     * The run was abandoned (error before the end, record cap, acknowledgements that did not come in time, the node
     * closed): its tickets are forgotten, nothing is committed, and a ticket handed back later is ignored. Returns how
     * many tickets were still out.
     */
    abandon(): number;
    /** Tickets issued so far. */
    readonly issued: number;
    /** Tickets not handed back yet (0 once settled or abandoned). */
    readonly outstanding: number;
}

/**
 * `settled` runs once the run is sealed and every ticket came back; `lost` (if given) once a ticket is declared lost
 * (ticketLost), which abandons the run.
 */
export function openAckRun(settled: () => void, lost?: () => void): AckRun {
    const id = `${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
    const run: Run = { outstanding: new Set(), next: 0, sealed: false, settled, lost };
    runs.set(id, run);
    return {
        id,
        issue() {
            const seq = run.next++;
            run.outstanding.add(seq);
            return { run: id, seq };
        },
        seal() {
            run.sealed = true;
            settleIfComplete(id, run);
        },
        abandon() {
            const live = runs.get(id) === run;
            runs.delete(id);
            return live ? run.outstanding.size : 0;
        },
        get issued() {
            return run.next;
        },
        get outstanding() {
            return runs.get(id) === run ? run.outstanding.size : 0;
        },
    };
}

/** Hands a msg's tickets back (idempotent: the same ticket acknowledged twice counts once). */
export function acknowledge(msg: Record<string, unknown> | undefined): void {
    for (const held of openTickets(msg)) {
        held.run.outstanding.delete(held.ticket.seq);
        settleIfComplete(held.ticket.run, held.run);
    }
}

/**
 * A msg whose records were cut off (the node finishing it was stopped by a deploy): its ticket will never come back,
 * so its run can never commit. The run is abandoned at once (its `lost` callback runs) instead of waiting for the
 * query node's ack timeout.
 */
export function ticketLost(msg: Record<string, unknown> | undefined): void {
    for (const held of openTickets(msg)) {
        runs.delete(held.ticket.run);
        held.run.lost?.();
    }
}

/** Whether a msg carries a ticket of a run still open: whoever finishes with it must hand it back. */
export function hasOpenTicket(msg: Record<string, unknown> | undefined): boolean {
    return openTickets(msg).length > 0;
}

/** A msg's tickets (one, or a list) with their runs, those runs still open (not settled or abandoned). */
function openTickets(msg: Record<string, unknown> | undefined): Array<{ ticket: AckTicket; run: Run }> {
    const value = msg?.[ACK_PROPERTY] as AckTicket | AckTicket[] | undefined;
    const out: Array<{ ticket: AckTicket; run: Run }> = [];
    for (const ticket of Array.isArray(value) ? value : value ? [value] : []) {
        const run = ticket && typeof ticket.run === 'string' ? runs.get(ticket.run) : undefined;
        if (run) out.push({ ticket, run });
    }
    return out;
}

/** Settles a sealed run once every ticket is back; it leaves the table, so `settled` runs once. */
function settleIfComplete(id: string, run: Run): void {
    if (run.sealed && run.outstanding.size === 0 && runs.get(id) === run) {
        runs.delete(id);
        run.settled();
    }
}

/** Tickets of runs still waiting (tests and status). */
export function pendingTickets(runId: string): number {
    return runs.get(runId)?.outstanding.size ?? 0;
}
