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
 *
 * A msg cut into pieces downstream (a Split node: each piece carries the ticket and `msg.parts`) is finished only once
 * every piece was: its ticket comes back with the last piece, not the first, since the others are still being written.
 * Pieces are counted per sequence (`msg.parts.id`), whatever ticket they carry: msgs of a run grouped into a sequence
 * (a Batch node) come back together once the whole sequence did.
 */

export const ACK_PROPERTY = '_cnErpAck';

export interface AckTicket {
    run: string;
    seq: number;
    /** The `msg.parts` ids the msg already carried when it was emitted (pieces of its trigger, not of itself). */
    parts?: string[];
}

/** A sequence of msgs downstream (`msg.parts`: a Split's pieces of one msg, a Batch's group): which came back. */
interface Sequence {
    /** How many msgs it holds, once one said (a streaming Split tells it with the last piece). */
    count?: number;
    back: Set<number>;
    /** Tickets whose msg was cut into this sequence (its outermost one), waiting for it to be complete. */
    waiting: Set<number>;
}

interface Run {
    outstanding: Set<number>;
    /** Sequences pieces of this run's msgs came back in, by `msg.parts.id`. */
    sequences: Map<string, Sequence>;
    /** Tickets of msgs cut into pieces, some of which came back: the sequences each waits for. */
    waitsOn: Map<number, Set<string>>;
    next: number;
    sealed: boolean;
    settled: () => void;
    lost?: () => void;
}

const runs = new Map<string, Run>();
let counter = 0;

export interface AckRun {
    readonly id: string;
    /** A ticket for one emitted msg (`msg`: the msg it goes on, to tell pieces it is cut into from those it was already). */
    issue(msg?: Record<string, unknown>): AckTicket;
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
    const run: Run = { outstanding: new Set(), sequences: new Map(), waitsOn: new Map(), next: 0, sealed: false, settled, lost };
    runs.set(id, run);
    return {
        id,
        issue(msg) {
            const seq = run.next++;
            run.outstanding.add(seq);
            const parts = partsOf(msg).map((p) => p.id);
            return parts.length === 0 ? { run: id, seq } : { run: id, seq, parts };
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

/**
 * Hands a msg's tickets back (idempotent: the same ticket acknowledged twice counts once). A piece of a msg cut up
 * downstream hands its ticket back only once every piece of that msg has come back.
 */
export function acknowledge(msg: Record<string, unknown> | undefined): void {
    const chain = partsOf(msg);
    for (const { ticket, run } of openTickets(msg)) {
        if (!run.outstanding.has(ticket.seq)) continue;
        // The sequences this msg was cut into (or grouped in) since its ticket was issued, innermost first.
        const before = Array.isArray(ticket.parts) ? ticket.parts : [];
        const levels = chain.filter((p) => !before.includes(p.id));
        if (levels.length === 0) {
            ticketBack(ticket.run, run, ticket.seq);
            continue;
        }
        const outer = sequenceOf(run, levels[levels.length - 1].id);
        outer.waiting.add(ticket.seq);
        run.waitsOn.set(ticket.seq, (run.waitsOn.get(ticket.seq) ?? new Set()).add(levels[levels.length - 1].id));
        // This piece is back; a sequence complete with it makes the piece it was cut from back in turn.
        const completed: Sequence[] = [];
        for (const level of levels) {
            const seq = sequenceOf(run, level.id);
            if (level.count !== undefined) seq.count = level.count;
            seq.back.add(level.index);
            if (!isComplete(seq)) break;
            completed.push(seq);
        }
        for (const seq of [ticket.seq, ...completed.flatMap((c) => [...c.waiting])]) {
            if (run.outstanding.has(seq) && [...(run.waitsOn.get(seq) ?? [])].every((id) => isComplete(sequenceOf(run, id)))) ticketBack(ticket.run, run, seq);
        }
    }
}

function ticketBack(id: string, run: Run, seq: number): void {
    run.outstanding.delete(seq);
    run.waitsOn.delete(seq);
    settleIfComplete(id, run);
}

function sequenceOf(run: Run, id: string): Sequence {
    let seq = run.sequences.get(id);
    if (!seq) run.sequences.set(id, (seq = { back: new Set(), waiting: new Set() }));
    return seq;
}

function isComplete(seq: Sequence): boolean {
    return seq.count !== undefined && seq.back.size >= seq.count;
}

interface Part {
    id: string;
    index: number;
    count?: number;
}

/** A msg's `parts` levels (Node-RED's Split/Join), innermost first; a level that is not well formed ends the list. */
function partsOf(msg: Record<string, unknown> | undefined): Part[] {
    const out: Part[] = [];
    let p = msg?.parts as Record<string, unknown> | undefined;
    while (p && typeof p === 'object' && typeof p.id === 'string' && Number.isInteger(p.index) && (p.index as number) >= 0 && out.length < 100) {
        const count = Number.isInteger(p.count) && (p.count as number) > 0 ? (p.count as number) : undefined;
        out.push({ id: p.id, index: p.index as number, count });
        p = p.parts as Record<string, unknown> | undefined;
    }
    return out;
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
