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
 * (a Batch node) come back together once the whole sequence did. A msg a Join node makes of pieces carries one piece's
 * ticket without their `parts`: that ticket back, the pieces it was delivered as are back with it.
 *
 * A msg sent to several wires at once (a query wired to two write nodes, a write node and a debug node beside it) is
 * copied by Node-RED, one copy a wire; several msgs a node makes of one and sends at once (a function node returning
 * one msg per record) all carry its ticket. Either way each gets a ticket of its own, a copy's, and the msg is finished
 * once every copy was: Node-RED's message hooks (onSend, preDeliver) hand each copy its ticket. A copy is finished
 * as any ticket: when the node finishing with its records hands it back, or where it ended (a debug node beside the
 * write node). Not once every node it reached so far completed it: one passing it on to a Switch node, which is not
 * waited for, completes it before the write node behind the Switch has it. So a second write path, or the first of
 * several msgs written, no longer lets the watermark be committed before the rest is written.
 *
 * Several msgs a node sends one at a time for one it received (node.send() per record) carry the same ticket: a
 * ticket handed back while msgs carrying it are still with a node that completes what it receives is due, and back
 * once they are completed. Nodes whose input handler takes no done() (Switch, Filter) never complete anything and
 * are not waited for. Not followed: a node that completes a msg before it sends on what it made of it.
 *
 * A msg completed by a node Node-RED stopped (a Delay node closing on a deploy completes what it held, unsent) was cut
 * off: its run is lost (ticketLost), a copy or a due ticket does not count it as finished.
 *
 * A msg a node completes having sent nothing since it received it ended there (a debug node, a function node
 * returning null for a record it drops, a write node of another palette with its output unwired): it is accounted for
 * as a write node's would be (onReceive notes what the node had sent by then). A msg another node sent on meanwhile
 * (a link out node in return mode hands it to its link call node, which sends it) did not end there, nor one whose
 * tickets leave on another msg in the same tick (a Trigger node completes the msg, then sends its copy). So ack mode
 * works with records filtered out on the way and with write nodes that know nothing of tickets.
 * A Trigger node with a second output completes the msg at once and sends a copy of it after its wait: it did not end
 * there (sendsItLater). A node that sends a msg on to a Switch and then completes it (a rate-limiting Delay releasing
 * the last record) does not hand a due ticket back: the Switch's msg is not written yet (toFilters).
 *
 * Node-RED's Switch and Filter (rbe) nodes never complete a msg, and drop one no rule matched (a Filter one that did
 * not change). They work through msgs in the order they got them, so once one sends on a msg, every msg it got before
 * was sent on or dropped; the last ones it got count as dropped once it has been quiet for FILTER_QUIET_MS and had an
 * event-loop turn for each (see followFilters). A dropped msg ended there, as at a debug node. A Switch that re-orders
 * sequences (its "recreate message sequences" option, or a rule on the last msgs of one) holds msgs, so pieces of a
 * sequence are not inferred there: one it drops holds its run to the ack timeout, whose warning names the node each msg
 * still out was last delivered to (heldAt).
 */

import { monotonicNow } from './retry';

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

/** A ticket carried by several send events at once: one msg sent to several wires, or several msgs made of one. */
interface Fork {
    /** The ticket they carried: one the run issued, or a copy's from an earlier fork. */
    parent: AckTicket;
    /** The `parts` levels the msgs shared when sent: which piece of the parent's msg they stand for, if it was cut up. */
    chain: Part[];
    /** Copies not finished yet. */
    open: number;
}

/** The ticket of one copy: handed back as any ticket (acknowledged, or ended at a node), back once its msgs are completed. */
interface Copy {
    fork: Fork;
    /** Holds on it (a lookup passing it on), counted in the run's `live` too: given back by acknowledge(). */
    held: number;
    /** Forks of this copy not finished yet (it was sent to several wires again further on). */
    forks: number;
}

interface Run {
    outstanding: Set<number>;
    /** Tickets of the copies of forked msgs (seqs of their own, never in `outstanding`). */
    copies: Map<number, Copy>;
    /**
     * Open tickets (issued or a copy's) by how many msgs carrying them are with a node that completes msgs and has not
     * yet (and, for a copy, holds on it).
     */
    live: Map<number, number>;
    /** Open tickets accounted for while `live`: back once those msgs are completed (a copy once its forks are too). */
    due: Set<number>;
    /** Send events of msgs carrying each ticket (issued or a copy's). */
    sent: Map<number, number>;
    /** Sequences pieces of this run's msgs came back in, by `msg.parts.id`. */
    sequences: Map<string, Sequence>;
    /** Tickets of msgs cut into pieces, some of which came back: the sequences each waits for. */
    waitsOn: Map<number, Set<string>>;
    /**
     * The node each open ticket's msg was last delivered to, by the piece of it (a Split node's pieces share the
     * ticket, and one dropped by a Switch is held there while the others went on): where a run abandoned at its ack
     * timeout was held.
     */
    lastAt: Map<number, Pieces>;
    /**
     * The pieces each open ticket's msg was delivered as (its `parts` levels since the ticket, innermost first, by their
     * outermostFirst key): a msg joined of several pieces comes back without their levels (see piecesJoined).
     */
    pieces: Map<number, { at: Map<string, Part[]>; deepest: number }>;
    /** The next seq, for issued tickets and copies alike. */
    next: number;
    /** Tickets issued (copies not counted). */
    issued: number;
    sealed: boolean;
    settled: () => void;
    lost?: () => void;
    /** The runs whose tickets this run passes on (a lookup's, see openAckRun), and the runs passing this one's on. */
    from?: string[];
    feeds?: Set<string>;
}

/** Where the pieces of one ticket's msg were last delivered (keys: outermostFirst); `deepest`: the most levels a key had. */
interface Pieces {
    at: Map<string, HeldAt>;
    deepest: number;
}

/** A node msgs of a run were last delivered to, as the editor names it. */
interface HeldAt {
    /** The node's type and name (or id): `switch "只要已审核"`. */
    node: string;
    /** The subflow instance it runs in, as the editor labels it: `"店铺A"`, or the subflow's name and the instance's id. */
    subflow?: string;
    /** Whether the node completes what it receives (a Switch node does not, and drops a msg no rule matched). */
    completes: boolean;
}

/** Where the msgs of a run still out were last delivered, most first; msgs never delivered anywhere are left out. */
export interface HeldAtCount extends HeldAt {
    msgs: number;
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
    /** Not yet settled or abandoned: a ticket it issues can still count. */
    readonly open: boolean;
    /** Tickets issued so far. */
    readonly issued: number;
    /** Tickets not handed back yet (0 once settled or abandoned). */
    readonly outstanding: number;
    /**
     * Where the msgs still out were last delivered (copies counted one by one), to name in a warning: a run held to
     * its ack timeout by a Switch node with no rule for some records is otherwise a mystery. Empty once abandoned.
     */
    heldAt(): HeldAtCount[];
}

/**
 * `settled` runs once the run is sealed and every ticket came back; `lost` (if given) once a ticket is declared lost
 * (ticketLost), which abandons the run. A run that passes the tickets of msg `passes` on (a lookup between a query and
 * its writes) is forgotten once none of their runs is open any more: its acknowledgement would be ignored, and kept
 * until its own tickets come back (never, if its msgs were dropped) it would hold `passes` and its records for ever.
 */
export function openAckRun(settled: () => void, lost?: () => void, passes?: Record<string, unknown>): AckRun {
    const id = `${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
    const run: Run = { outstanding: new Set(), copies: new Map(), live: new Map(), due: new Set(), sent: new Map(), sequences: new Map(), waitsOn: new Map(), lastAt: new Map(), pieces: new Map(), next: 0, issued: 0, sealed: false, settled, lost };
    if (passes) {
        run.from = [...new Set(openTickets(passes).map((t) => t.ticket.run))];
        for (const f of run.from) (runs.get(f)!.feeds ??= new Set()).add(id);
    }
    runs.set(id, run);
    hooksWhileNeeded();
    return {
        id,
        issue(msg) {
            run.issued++;
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
            if (live) leave(id, run);
            return live ? run.outstanding.size : 0;
        },
        get open() {
            return runs.get(id) === run;
        },
        get issued() {
            return run.issued;
        },
        get outstanding() {
            return runs.get(id) === run ? run.outstanding.size : 0;
        },
        heldAt() {
            return runs.get(id) === run ? whereHeld(run) : [];
        },
    };
}

/** The nodes the run's open tickets were last delivered to; a ticket forked into copies counts where its copies are. */
function whereHeld(run: Run): HeldAtCount[] {
    const forked = new Set<number>();
    for (const copy of run.copies.values()) forked.add(copy.fork.parent.seq);
    const byNode = new Map<string, HeldAtCount>();
    for (const seq of [...run.outstanding, ...run.copies.keys()]) {
        if (forked.has(seq)) continue;
        for (const at of run.lastAt.get(seq)?.at.values() ?? []) {
            const key = `${at.subflow ?? ''}\u0000${at.node}`;
            const count = byNode.get(key);
            if (count) count.msgs++;
            else byNode.set(key, { ...at, msgs: 1 });
        }
    }
    return [...byNode.values()].sort((a, b) => b.msgs - a.msgs);
}

/**
 * Hands a msg's tickets back (idempotent: the same ticket acknowledged twice counts once). A piece of a msg cut up
 * downstream hands its ticket back only once every piece of that msg has come back. A copy's ticket is handed back the
 * same way by the node that finishes with its records, and gives back a hold on it (holdTickets).
 */
export function acknowledge(msg: Record<string, unknown> | undefined): void {
    const chain = partsOf(msg);
    for (const { ticket, run } of openTickets(msg)) {
        const copy = run.copies.get(ticket.seq);
        if (copy && copy.held > 0) {
            copy.held--;
            lessLive(run, ticket.seq);
        }
        ticketBackAs(ticket, run, chain);
    }
}

/** The sequences a msg with `parts` levels `chain` was cut into (or grouped in) since its ticket was issued, innermost first. */
function levelsSince(ticket: AckTicket, chain: Part[]): Part[] {
    const before = Array.isArray(ticket.parts) ? ticket.parts : [];
    return chain.filter((p) => !before.includes(p.id));
}

/** A ticket back from a msg with `parts` levels `chain`: at once, or once the sequences it was cut into are. */
function ticketBackAs(ticket: AckTicket, run: Run, chain: Part[]): void {
    if (!isOpen(run, ticket.seq)) return;
    const levels = levelsSince(ticket, chain);
    piecesJoined(ticket.run, run, ticket.seq, levels);
    if (levels.length === 0) {
        ticketBack(ticket.run, run, ticket.seq);
        return;
    }
    forgetPiece(run, ticket.seq, levels);
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
        // The piece this sequence was cut from is back with it.
        forgetPiece(run, ticket.seq, levels.slice(completed.length));
    }
    for (const seq of [ticket.seq, ...completed.flatMap((c) => [...c.waiting])]) {
        if (isOpen(run, seq) && [...(run.waitsOn.get(seq) ?? [])].every((id) => isComplete(sequenceOf(run, id)))) ticketBack(ticket.run, run, seq);
    }
}

/**
 * The ticket is back as the piece `levels` (innermost first; none: its msg whole), so are the pieces of it delivered
 * further in. A Join node makes one msg of a sequence and sends it with the last piece's ticket and without the
 * sequence's `parts`: behind a Batch node, the other pieces (each of another msg of the run) ended at the Join and wait
 * for the sequence to be complete, which the last one, back only as the joined msg, made it — or they waited for ever.
 */
function piecesJoined(id: string, run: Run, seq: number, levels: Part[]): void {
    const pieces = run.pieces.get(seq);
    const key = outermostFirst(levels).join('/');
    pieces?.at.delete(key);
    // None delivered further in (a Split's piece back as it was cut): nothing to look for among a page's pieces.
    if (!pieces || levels.length >= pieces.deepest) return;
    const completed: Sequence[] = [];
    for (const [k, inner] of pieces.at) {
        if (key !== '' && !k.startsWith(`${key}/`)) continue;
        pieces.at.delete(k);
        for (const level of inner.slice(0, inner.length - levels.length)) {
            const s = sequenceOf(run, level.id);
            if (level.count !== undefined) s.count = level.count;
            const was = isComplete(s);
            s.back.add(level.index);
            if (!was && isComplete(s)) completed.push(s);
        }
    }
    for (const w of completed.flatMap((c) => [...c.waiting])) {
        if (w !== seq && isOpen(run, w) && [...(run.waitsOn.get(w) ?? [])].every((sid) => isComplete(sequenceOf(run, sid)))) ticketBack(id, run, w);
    }
}

/** A ticket the run issued or a copy's, not back yet. */
function isOpen(run: Run, seq: number): boolean {
    return run.outstanding.has(seq) || run.copies.has(seq);
}

/**
 * A query fed a msg with tickets (a lookup between a query and its writes) holds the msg's copy tickets until the
 * msgs it emits for it were accounted for: its own completion of the msg comes when its read ends, before that.
 * The hold is given back by acknowledge(msg).
 */
export function holdTickets(msg: Record<string, unknown> | undefined): void {
    for (const { ticket, run } of openTickets(msg)) {
        const copy = run.copies.get(ticket.seq);
        if (copy) {
            copy.held++;
            moreLive(run, ticket.seq);
        }
    }
}

/** One more msg carrying the ticket with a node that completes msgs (or a hold on a copy). */
function moreLive(run: Run, seq: number): void {
    run.live.set(seq, (run.live.get(seq) ?? 0) + 1);
}

/** One fewer; true once none is left. */
function lessLive(run: Run, seq: number): boolean {
    const live = (run.live.get(seq) ?? 1) - 1;
    if (live > 0) {
        run.live.set(seq, live);
        return false;
    }
    run.live.delete(seq);
    return true;
}

/** A copy finished: its fork is one copy nearer finished, and a finished fork hands its msg's ticket back. */
function copyBack(id: string, run: Run, seq: number): void {
    const fork = run.copies.get(seq)!.fork;
    run.copies.delete(seq);
    run.waitsOn.delete(seq);
    run.sent.delete(seq);
    run.lastAt.delete(seq);
    run.pieces.delete(seq);
    if (--fork.open > 0) return;
    const parent = run.copies.get(fork.parent.seq);
    if (parent) parent.forks--;
    // As if the msg sent to those wires had been acknowledged (one piece of it, if it was one).
    ticketBackAs(fork.parent, run, fork.chain);
}

/** Node-RED's message hooks, as much of them as this file reads. */
interface SendEvent {
    msg: Record<string, unknown> | undefined;
    /** `node`: set by the time of preDeliver; `_expectedDoneCount`: its input handlers that take done(). */
    destination: { id: string; node?: { _expectedDoneCount?: number } };
    /** `node`: the node sending. */
    source?: { id?: string; node?: { type?: string; _flow?: { getNode?(id: string): unknown } } };
}
interface CompleteEvent {
    msg: Record<string, unknown> | undefined;
    node: { id: string; node?: { _flow?: { getNode?(id: string): unknown } } };
}
interface Hooks {
    add(id: string, cb: (event: any) => void): void;
    has(id: string): boolean;
    remove?(id: string): void;
}

/**
 * The tickets a send event's msg takes: those it carried when sent (`sent`), copies for the forked ones (`swaps`, by
 * the ticket each replaces). Set in onSend, put on the msg in preDeliver: by then an earlier event may have put its
 * copies on the very msg object, which Node-RED then cloned for this one.
 */
const copyTickets = new WeakMap<SendEvent, { sent: unknown[]; swaps: Map<string, AckTicket> }>();
/**
 * The tickets followed on a msg delivered to a node, by node id, until that node completes it; with how many msgs
 * that node had sent when it received it (`sends` and `own`, set in onReceive, with its `_msgid`): one that completes
 * a msg having sent nothing since ended it there.
 */
const delivered = new WeakMap<object, Map<string, Array<{ tickets: AckTicket[]; sends?: number; own?: number; id?: string; resent?: number; toFilters?: number[] }>>>();
/**
 * Msgs carrying each ticket (by keyOf) a node has sent to a node that never completes what it receives (a Switch): a
 * node completing a msg after sending one on there (a rate-limiting Delay releasing the last record to a Switch) has not
 * seen it written, and is not the one to hand a due ticket back (see onComplete).
 */
const toFilters = new WeakMap<object, Map<string, number>>();
const toFiltersOf = (node: object) => {
    let m = toFilters.get(node);
    if (!m) toFilters.set(node, (m = new Map()));
    return m;
};
/**
 * How many of those a node has not completed yet. While none is, the hooks have nothing to look up for the msgs they
 * see (the runtime's other flows, between runs), nor a node's sends to count: what they count is compared only while
 * a followed msg is with the node.
 */
let deliveredOpen = 0;
/**
 * Send events each node has made (any msg, ticket or not), by node object (a redeploy's new nodes start afresh): tells
 * a node that ended a msg from one that passed it on. A msg sent with the `_msgid` of a followed msg the node holds
 * (Node-RED's function node gives what it returns its input's) counts for that one only (`byId`), the others in
 * `total`: a node holding several msgs at once (an await in a function node, delivery inside send) that sends on one
 * and drops another ended the other there.
 */
const sendsBy = new WeakMap<object, { total: number; byId: Map<string, { open: number; sends: number }> }>();
const sendsOf = (node: object) => {
    let s = sendsBy.get(node);
    if (!s) sendsBy.set(node, (s = { total: 0, byId: new Map() }));
    return s;
};
/**
 * Send events of each msg object, by whichever node: a msg a node hands to another that sends it on (a link out node
 * returning it to its link call node) was passed on, though the node itself sent nothing (`resent`, set in onReceive).
 */
const resends = new WeakMap<object, number>();

const keyOf = (t: AckTicket) => `${t.run}#${t.seq}`;

/**
 * onSend: an open ticket carried by several send events at once — one msg sent to several wires, or several msgs a
 * node made of one (a function node returning one msg per record) — is forked, one copy ticket per event.
 */
function onSend(events: SendEvent[]): void {
    for (const event of events) {
        // A report (the copy a Complete or Catch node sends) goes on without the tickets: nodes it passes through
        // (a Change node formatting the error, a debug node someone disabled) neither hold nor lose them.
        if (event.msg && typeof event.msg === 'object' && event.msg[ACK_PROPERTY] !== undefined && reportsOn(event)) delete event.msg[ACK_PROPERTY];
        const node = event.source?.node;
        if (node && deliveredOpen > 0) {
            const s = sendsOf(node);
            const id = event.msg?._msgid;
            const held = typeof id === 'string' ? s.byId.get(id) : undefined;
            if (held) held.sends++;
            else s.total++;
        }
        // Only msgs with tickets are followed: the runtime's other msgs cost a property read.
        if (event.msg && typeof event.msg === 'object' && event.msg[ACK_PROPERTY] !== undefined) {
            resends.set(event.msg, (resends.get(event.msg) ?? 0) + 1);
            for (const { ticket, run } of openTickets(event.msg)) run.sent.set(ticket.seq, (run.sent.get(ticket.seq) ?? 0) + 1);
        }
    }
    lostOnTheWay(events);
    if (filters.size > 0) filterSent(events);
    if (events.length < 2) return;
    let byTicket: Map<string, { ticket: AckTicket; run: Run; events: SendEvent[] }> | undefined;
    for (const event of events) {
        const msg = event.msg;
        if (!msg || msg[ACK_PROPERTY] === undefined || !routes(event)) continue;
        for (const { ticket, run } of openTickets(msg)) {
            byTicket ??= new Map();
            const group = byTicket.get(keyOf(ticket));
            if (group) group.events.push(event);
            else byTicket.set(keyOf(ticket), { ticket, run, events: [event] });
        }
    }
    if (!byTicket) return;
    for (const { ticket, run, events: list } of byTicket.values()) {
        if (list.length < 2) continue;
        const chains = list.map((event) => partsOf(event.msg));
        const fork: Fork = { parent: ticket, chain: sharedLevels(chains), open: list.length };
        const parent = run.copies.get(ticket.seq);
        if (parent) parent.forks++;
        list.forEach((event, i) => {
            const seq = run.next++;
            // Its delivery is counted in preDeliver, once its node is known (one that never completes msgs is not).
            run.copies.set(seq, { fork, held: 0, forks: 0 });
            // With the pieces its msg already was, as an issued ticket: pieces cut from the copy are told apart.
            const parts = chains[i].map((p) => p.id);
            let entry = copyTickets.get(event);
            if (!entry) {
                const value = event.msg![ACK_PROPERTY];
                copyTickets.set(event, (entry = { sent: Array.isArray(value) ? [...value] : [value], swaps: new Map() }));
            }
            entry.swaps.set(keyOf(ticket), parts.length === 0 ? { run: ticket.run, seq } : { run: ticket.run, seq, parts });
        });
    }
}

/**
 * A msg none of whose send events leads to a running node (the write node behind it stopped by a deploy that is
 * restarting it, or disabled) reaches no node: Node-RED drops it, and its tickets can never come back. Their runs are
 * told at once, as for a msg cut off at a stopping node, instead of holding every later run to the ack timeout.
 */
function lostOnTheWay(events: SendEvent[]): void {
    let routed: Set<string> | undefined;
    let dropped: Map<string, string> | undefined;
    for (const event of events) {
        const msg = event.msg;
        if (!msg || typeof msg !== 'object' || msg[ACK_PROPERTY] === undefined) continue;
        const goes = routes(event);
        for (const { ticket } of openTickets(msg)) {
            if (goes) (routed ??= new Set()).add(keyOf(ticket));
            else (dropped ??= new Map()).set(keyOf(ticket), ticket.run);
        }
    }
    for (const [key, run] of dropped ?? []) if (!routed?.has(key)) runLost(run);
}

/**
 * A Complete or Catch node sends a copy of a msg some node finished or failed: a report beside the msg's way, not the
 * msg going on. Its tickets come back (or not) where the msg went; the report, wherever it goes, holds none of them.
 */
function reportsOn(event: SendEvent): boolean {
    const type = event.source?.node?.type;
    return type === 'complete' || type === 'catch';
}

/** The outer `parts` levels (innermost first) every one of `chains` shares: which piece of its ticket the fork stands for. */
function sharedLevels(chains: Part[][]): Part[] {
    const first = chains[0];
    let n = 0;
    while (n < first.length && chains.every((c) => c.length > n && c[c.length - 1 - n].id === first[first.length - 1 - n].id && c[c.length - 1 - n].index === first[first.length - 1 - n].index)) n++;
    return first.slice(first.length - n);
}

/**
 * Whether Node-RED delivers a send event: its router looks the destination up in the sender's flow, and a wire to a
 * node that is not running (a disabled node keeps its wires) leads nowhere — a copy for it would never finish.
 * Where the flow cannot be asked, the event counts as delivered.
 */
function routes(event: SendEvent): boolean {
    const flow = event.source?.node?._flow;
    return typeof flow?.getNode !== 'function' || Boolean(flow.getNode(event.destination.id));
}

/** preDeliver (the msg cloned for its wire by now): a copy gets its tickets; each copy ticket a msg carries is followed. */
function onDeliver(event: SendEvent): void {
    const msg = event.msg;
    if (!msg || msg[ACK_PROPERTY] === undefined) return;
    const entry = copyTickets.get(event);
    if (entry) {
        const next = entry.sent.map((t) => (t && typeof t === 'object' && entry.swaps.get(keyOf(t as AckTicket))) || t);
        msg[ACK_PROPERTY] = next.length === 1 ? next[0] : next;
    }
    const copies: AckTicket[] = [];
    const at = heldAtOf(event);
    const chain = at ? partsOf(msg) : [];
    for (const { ticket, run } of openTickets(msg)) {
        if (at && isOpen(run, ticket.seq)) deliveredTo(run, ticket, chain, at);
        if (msg.parts !== undefined && isOpen(run, ticket.seq)) notePiece(run, ticket, partsOf(msg));
        // A node that never completes msgs (a Switch) is not waited for, copy or not: what it sends on is.
        if (!completes(event)) {
            const source = event.source?.node;
            if (source && isOpen(run, ticket.seq)) {
                const m = toFiltersOf(source);
                m.set(keyOf(ticket), (m.get(keyOf(ticket)) ?? 0) + 1);
            }
            continue;
        }
        if (!isOpen(run, ticket.seq)) continue;
        moreLive(run, ticket.seq);
        copies.push(ticket);
    }
    if (copies.length === 0) return;
    let byNode = delivered.get(msg);
    if (!byNode) delivered.set(msg, (byNode = new Map()));
    const held: { tickets: AckTicket[]; sends?: number } = { tickets: copies };
    const list = byNode.get(event.destination.id);
    if (list) list.push(held);
    else byNode.set(event.destination.id, [held]);
    deliveredOpen++;
}

/** A msg carrying the ticket was delivered as a piece of its msg (cut up or grouped since): kept for piecesJoined. */
function notePiece(run: Run, ticket: AckTicket, chain: Part[]): void {
    const levels = levelsSince(ticket, chain);
    if (levels.length === 0) return;
    let pieces = run.pieces.get(ticket.seq);
    if (!pieces) run.pieces.set(ticket.seq, (pieces = { at: new Map(), deepest: 0 }));
    pieces.at.set(outermostFirst(levels).join('/'), levels);
    pieces.deepest = Math.max(pieces.deepest, levels.length);
}

/** Which piece of its ticket's msg a msg is (a key of `Pieces`): its levelsSince, outermost first ('' for the msg itself). */
const outermostFirst = (levels: Part[]) => levels.map((p) => `${p.id}#${p.index}`).reverse();

/**
 * A msg carrying the ticket was delivered to `at`: where that piece is now, and no longer the msg it was cut from,
 * nor the pieces joined into it (looked for only when there can be any: a page's pieces are not scanned one by one).
 */
function deliveredTo(run: Run, ticket: AckTicket, chain: Part[], at: HeldAt): void {
    const levels = outermostFirst(levelsSince(ticket, chain));
    let pieces = run.lastAt.get(ticket.seq);
    if (!pieces) run.lastAt.set(ticket.seq, (pieces = { at: new Map(), deepest: 0 }));
    for (let n = 0; n < levels.length; n++) pieces.at.delete(levels.slice(0, n).join('/'));
    forgetWithin(pieces, levels);
    pieces.at.set(levels.join('/'), at);
    pieces.deepest = Math.max(pieces.deepest, levels.length);
}

/** A piece of the ticket's msg (its `parts` levels since the ticket, innermost first) came back, with its own pieces. */
function forgetPiece(run: Run, seq: number, levels: Part[]): void {
    const pieces = run.lastAt.get(seq);
    if (pieces) forgetWithin(pieces, outermostFirst(levels));
}

/** Forgets the piece `levels` (outermost first) and the pieces cut from it. */
function forgetWithin(pieces: Pieces, levels: string[]): void {
    const key = levels.join('/');
    pieces.at.delete(key);
    if (levels.length >= pieces.deepest) return;
    for (const k of pieces.at.keys()) if (key === '' || k.startsWith(`${key}/`)) pieces.at.delete(k);
}

/** The node a send event goes to, as the editor names it (one object per node: the run's tickets share it). */
const heldAtByNode = new WeakMap<object, HeldAt>();
function heldAtOf(event: SendEvent): HeldAt | undefined {
    const node = event.destination.node as { type?: unknown; name?: unknown; _alias?: unknown; _flow?: unknown } | undefined;
    if (!node) return undefined;
    let at = heldAtByNode.get(node);
    if (!at) {
        // Inside a subflow the node runs under an id made of the instance's and its own (`<instance>-<id>`), which the
        // editor shows nowhere: named by its id in the subflow (`_alias`) and by the instance, as the editor labels it.
        const subflow = subflowOf(node._flow);
        const id = subflow && typeof node._alias === 'string' ? node._alias : event.destination.id;
        const name = typeof node.name === 'string' && node.name.trim() !== '' ? `"${node.name}"` : `(${id})`;
        heldAtByNode.set(node, (at = { node: `${String(node.type ?? 'node')} ${name}`, ...(subflow ? { subflow } : {}), completes: completes(event) }));
    }
    return at;
}

/**
 * The subflow instance a node's flow is (Node-RED 3.1 to 5: a Subflow holds its instance's config and the subflow's),
 * as the editor labels it: the instance's name, else the subflow's name and the instance's id; undefined on a tab. In a
 * subflow nested in another, the instances from the outermost in (`"店铺A" › "入库" (n1)`), each by its id in the subflow
 * holding it (`_alias`: Node-RED runs it under one joined to the outer instance's).
 */
function subflowOf(flow: unknown): string | undefined {
    const filled = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
    const labels: string[] = [];
    for (let f = flow as SubflowLike | undefined; f; f = f.parent) {
        const instance = f.subflowInstance;
        if (!instance || typeof instance !== 'object') break;
        const id = String(filled(instance._alias) ?? instance.id);
        const name = filled(instance.name);
        const def = filled(f.subflowDef?.name);
        labels.unshift(name ? `"${name}"` : def ? `"${def}" (${id})` : `(${id})`);
    }
    return labels.length > 0 ? labels.join(' › ') : undefined;
}
interface SubflowLike {
    subflowInstance?: { id?: unknown; name?: unknown; _alias?: unknown };
    subflowDef?: { name?: unknown };
    parent?: SubflowLike;
}

/** onReceive: the node starts on a msg delivered to it (msgs queue between delivery and this). */
function onReceive(event: { msg: Record<string, unknown> | undefined; destination: { id: string; node?: object } }): void {
    if (runs.size > 0) filterReceived(event.msg, event.destination.node as FilterNode | undefined);
    if (deliveredOpen === 0) return;
    const msg = event.msg;
    const node = event.destination.node;
    const list = msg && typeof msg === 'object' && node ? delivered.get(msg)?.get(event.destination.id) : undefined;
    const held = list?.find((h) => h.sends === undefined);
    if (held) {
        const s = sendsOf(node!);
        const id = msg!._msgid;
        held.sends = s.total;
        if (typeof id === 'string') {
            let ofId = s.byId.get(id);
            if (!ofId) s.byId.set(id, (ofId = { open: 0, sends: 0 }));
            ofId.open++;
            held.id = id;
            held.own = ofId.sends;
        }
        held.resent = resends.get(msg!) ?? 0;
        const m = toFilters.get(node!);
        held.toFilters = held.tickets.map((t) => m?.get(keyOf(t)) ?? 0);
    }
}

/** How long a Switch or Filter node holding followed msgs must be quiet before the last ones count as dropped. */
export const FILTER_QUIET_MS = 2000;

/** A Switch or Filter node, as much of it as followFilters reads. */
interface FilterNode {
    id: string;
    type?: string;
    rules?: Array<{ t?: string }>;
    _flow?: { getNode?(id: string): unknown; flow?: { nodes?: Record<string, { repair?: unknown }> } };
}

/** A followed msg a Switch or Filter node got, in the order it got them. */
interface Filtered {
    msg: Record<string, unknown>;
    /** Send events of the msg object by then: it was sent on if there are more when it is settled. */
    resent: number;
    order: number;
    /** A piece of a sequence (`msg.parts`). */
    piece: boolean;
    /** The open tickets it carried when the node got it, and their carriedKey. */
    tickets: AckTicket[];
    keys: string[];
}

/**
 * followFilters: the followed msgs each Switch or Filter node got, by node, kept while a run is open. `order` numbers
 * every msg it got while it held one (those of other flows too: their sends tell how far it got), `last` is its last
 * receive or send (monotonic), `timer` waits for it to be quiet.
 */
const filters = new Map<FilterNode, FilterQueue>();
interface FilterQueue {
    /** The msgs it got, in order; those before `head` are settled (a long backlog is not shifted one by one). */
    queue: Filtered[];
    head: number;
    /** How many msgs in the queue carry each ticket as the same piece of its msg (by carriedKey). */
    carried: Map<string, number>;
    order: WeakMap<object, number>;
    next: number;
    last: number;
    timer?: NodeJS.Timeout;
    /** The event-loop turns after the wait, to see the node still quiet. */
    turn?: NodeJS.Immediate;
}

/**
 * Whether a node is one of Node-RED's that drop msgs without completing them (Switch, Filter) and work through what
 * they get in order. A Switch with a rule on the last msgs of a sequence holds its pieces: not followed there.
 */
function filtersInOrder(node: FilterNode, msg: Record<string, unknown>): boolean {
    if (node.type === 'rbe') return true;
    if (node.type !== 'switch') return false;
    return msg.parts === undefined || !(node.rules ?? []).some((r) => r.t === 'tail');
}

/**
 * Switch nodes seen sending on a piece of a sequence as they got it. One recreating sequences holds the pieces and
 * sends copies once it has them all, so which pieces it dropped is known only of one seen here.
 */
const passesPiecesOn = new WeakSet<FilterNode>();

/** onReceive at a Switch or Filter node: a followed msg joins its queue; any msg counts in the order while one waits. */
function filterReceived(msg: Record<string, unknown> | undefined, node: FilterNode | undefined): void {
    if (!msg || typeof msg !== 'object' || !node || (node.type !== 'switch' && node.type !== 'rbe')) return;
    let f = filters.get(node);
    const open = msg[ACK_PROPERTY] === undefined ? [] : openTickets(msg);
    if (open.length > 0 && filtersInOrder(node, msg)) {
        if (!f) filters.set(node, (f = { queue: [], head: 0, carried: new Map(), order: new WeakMap(), next: 0, last: 0 }));
        const tickets = open.map((o) => o.ticket);
        const keys = tickets.map((t) => carriedKey(t, msg));
        f.queue.push({ msg, resent: resends.get(msg) ?? 0, order: f.next, piece: msg.parts !== undefined, tickets, keys });
        for (const key of keys) f.carried.set(key, (f.carried.get(key) ?? 0) + 1);
    } else if (!f || f.head === f.queue.length) {
        // Nothing held at the node: where this msg stands in its order tells nothing.
        return;
    }
    f.order.set(msg, f.next++);
    filterActive(node, f);
}

/** onSend from a Switch or Filter node: every followed msg it got up to the one it sends is settled (sent on, or dropped). */
function filterSent(events: SendEvent[]): void {
    for (const event of events) {
        const node = event.source?.node as FilterNode | undefined;
        const f = node && filters.get(node);
        const order = f && event.msg ? f.order.get(event.msg) : undefined;
        if (!f || order === undefined) continue;
        if (event.msg!.parts !== undefined) passesPiecesOn.add(node!);
        let n = f.head;
        while (n < f.queue.length && f.queue[n].order <= order) n++;
        const done = f.queue.slice(f.head, n);
        // Pieces at a Switch that may recreate sequences stay: it may send them once their sequence is complete.
        const kept = passesPiecesOn.has(node!) ? [] : done.filter((d) => d.piece);
        f.head = n - kept.length;
        kept.forEach((d, i) => (f.queue[f.head + i] = d));
        if (f.head === f.queue.length) {
            f.queue = [];
            f.head = 0;
        } else if (f.head > 1024 && f.head * 2 > f.queue.length) {
            f.queue = f.queue.slice(f.head);
            f.head = 0;
        }
        settleFiltered(node!, f, kept.length === 0 ? done : done.filter((d) => !d.piece));
        filterActive(node!, f);
    }
}

/** Notes activity at the node, and waits for it to be quiet: then what it still holds was dropped. */
function filterActive(node: FilterNode, f: FilterQueue): void {
    f.last = monotonicNow();
    // One wait at a time, kept while the node holds nothing (a msg a turn through a busy Switch would otherwise set
    // and clear a timer each): it ends itself when it finds nothing held.
    if (f.head === f.queue.length || f.timer || f.turn) return;
    const wait = (ms: number) => {
        f.timer = setTimeout(
            safely(() => {
                f.timer = undefined;
                if (f.head === f.queue.length) return;
                const quietFor = monotonicNow() - f.last;
                if (quietFor < FILTER_QUIET_MS) return wait(FILTER_QUIET_MS - quietFor);
                // Quiet for a while is not yet done: a Switch works through what it got one msg an event-loop turn, and
                // a long task (a busy loop, a slow rule on each of many msgs it drops) holds those turns back. It may
                // still send on any msg it got since the first it holds until it has had a turn for each.
                turns(f.next - f.queue[f.head].order + 1);
            }),
            ms,
        );
        f.timer.unref?.();
    };
    const turns = (n: number) => {
        const last = f.last;
        f.turn = setImmediate(
            safely(() => {
                f.turn = undefined;
                if (f.last !== last) return wait(FILTER_QUIET_MS);
                if (n > 1) return turns(n - 1);
                // Pieces a Switch may still be holding to recreate their sequence are left to the ack timeout.
                const held = f.queue.slice(f.head);
                settleFiltered(node, f, passesPiecesOn.has(node) ? held : held.filter((d) => !d.piece));
                f.queue = [];
                f.head = 0;
                f.carried.clear();
            }),
        );
        f.turn.unref?.();
    };
    wait(FILTER_QUIET_MS);
}

/**
 * Msgs a Switch or Filter node is done with: one not sent on ended there, its tickets back as at a debug node — unless
 * a msg still waiting at the node carries the ticket (several msgs made of one record: the ticket goes on with that
 * one). A node Node-RED stopped meanwhile may have cut them off rather than dropped them: their runs are lost.
 */
function settleFiltered(node: FilterNode, f: FilterQueue, done: Filtered[]): void {
    let cutOff: boolean | undefined;
    for (const { msg, resent, tickets, keys } of done) {
        for (const key of keys) {
            const left = (f.carried.get(key) ?? 1) - 1;
            if (left > 0) f.carried.set(key, left);
            else f.carried.delete(key);
        }
        if ((resends.get(msg) ?? 0) !== resent) continue;
        cutOff ??= stopped({ id: node.id, node });
        const chain = partsOf(msg);
        tickets.forEach((ticket, i) => {
            const run = runs.get(ticket.run);
            if (!run) return;
            if (cutOff) runLost(ticket.run);
            else if (!f.carried.has(keys[i])) ticketBackAs(ticket, run, chain);
        });
    }
}

/** A ticket and the piece of its msg a msg is (pieces of one msg share its ticket and are handed back one by one). */
const carriedKey = (ticket: AckTicket, msg: Record<string, unknown>) => (msg.parts === undefined ? keyOf(ticket) : `${keyOf(ticket)}/${outermostFirst(partsOf(msg)).join('/')}`);

/** No run is open: nothing waiting at a Switch or Filter node matters any more. */
function forgetFilters(): void {
    for (const f of filters.values()) {
        clearTimeout(f.timer);
        clearImmediate(f.turn);
    }
    filters.clear();
}

/** onComplete: a node finished a msg delivered to it (done(), with an error or not); its copy tickets are one delivery nearer finished. */
function onComplete(event: CompleteEvent): void {
    if (deliveredOpen === 0) return;
    const msg = event.msg;
    const byNode = msg && typeof msg === 'object' ? delivered.get(msg) : undefined;
    const held = byNode?.get(event.node.id)?.shift();
    if (!held) return;
    if (--deliveredOpen === 0) hooksWhileNeeded();
    const copies = held.tickets;
    const node = event.node.node;
    // Whether the node sent anything since it received the msg but what it sent for other msgs it holds.
    let sentSince = true;
    if (held.sends !== undefined && node !== undefined) {
        const s = sendsOf(node);
        const ofId = held.id === undefined ? undefined : s.byId.get(held.id);
        sentSince = s.total !== held.sends || (ofId !== undefined && ofId.sends !== held.own);
        if (ofId && --ofId.open <= 0) s.byId.delete(held.id!);
    }
    if (stopped(event.node)) {
        // What a node Node-RED stopped completes (a Delay node its queue, on a deploy) was cut off, not finished with.
        for (const ticket of copies) runLost(ticket.run);
        return;
    }
    const passed = held.toFilters && node ? toFilters.get(node) : undefined;
    copies.forEach((ticket, i) => {
        const run = runs.get(ticket.run);
        if (!run || !lessLive(run, ticket.seq)) return;
        // Sent on meanwhile to a node not waited for (a Switch): not written yet. It stays due, and is back once what
        // the Switch sends on is written (or what it drops counts), not now.
        if ((passed?.get(keyOf(ticket)) ?? 0) !== (held.toFilters?.[i] ?? 0)) return;
        // Accounted for while msgs carrying it were with nodes: back now, a copy once its own forks are too. Not
        // merely because every node it reached so far completed it: a node sending it on to a Switch node (which is
        // not waited for) completes it before it is written.
        if (run.due.has(ticket.seq) && !run.copies.get(ticket.seq)?.forks) ticketBack(ticket.run, run, ticket.seq);
    });
    // Completed having sent nothing since it got the msg (a debug node, a function node returning null, a write node
    // of another palette with its output unwired): the msg ended there, accounted for as a write node's would be. Not
    // if another node sent the very msg on meanwhile (a link out node returning it to its link call node), nor if the
    // node sends once done, in the same tick (a Trigger node): decided on the next turn of the event loop.
    if (sentSince || (resends.get(msg!) ?? 0) !== held.resent || sendsItLater(node)) return;
    // Sent on by then if any msg carrying its tickets was (the node's other msgs may have been meanwhile).
    const sentOf = (t: AckTicket) => runs.get(t.run)?.sent.get(t.seq) ?? 0;
    const sentAtCompletion = copies.map(sentOf);
    setImmediate(
        safely(() => {
            if (copies.some((t, i) => sentOf(t) !== sentAtCompletion[i])) return;
            const chain = partsOf(msg);
            for (const ticket of copies) {
                const run = runs.get(ticket.run);
                if (run) ticketBackAs(ticket, run, chain);
            }
        }),
    );
}

/**
 * Whether a node completes a msg before it sends it on, later: Node-RED's Trigger node with a second output (sending
 * nothing at first, then the msg after its wait) completes the msg at once and sends a copy of it, tickets and all,
 * once the wait is over. The msg did not end there: its tickets come back with that copy, and one the Trigger blocks
 * (a second msg while it waits) holds its run to the ack timeout rather than counting before it was written.
 */
function sendsItLater(node: unknown): boolean {
    const n = node as { type?: unknown; op2type?: unknown } | undefined;
    return n?.type === 'trigger' && n.op2type !== 'nul';
}

/**
 * Whether a node completing a msg is one Node-RED stopped (a deploy restarting it, a shutdown): its flow no longer
 * knows it, as it forgets a node before closing it. Where the flow cannot be asked, the node counts as running.
 */
function stopped(node: CompleteEvent['node']): boolean {
    const flow = node.node?._flow;
    return typeof flow?.getNode === 'function' && flow.getNode(node.id) !== node.node;
}

/**
 * Whether the node a send event goes to completes what it receives: one whose input handler takes no done (a Switch
 * or Filter node) never does, so a msg with it is not waited for (its ticket is, by the node that writes it).
 */
function completes(event: SendEvent): boolean {
    return Number(event.destination.node?._expectedDoneCount) > 0;
}

/** The runtime's message hooks, once a query in ack mode handed them over. */
let runtimeHooks: Hooks | undefined;

/**
 * Follows msgs carrying tickets (copies, several msgs made of one: see the top of this file) through Node-RED's
 * message hooks; runs without them as before (a runtime older than Node-RED 1.3 has none). The hooks run for every msg
 * of every flow in the runtime, so they are registered only while there is something to follow: a run open, or a msg
 * followed still with a node. In between they would find nothing (see deliveredOpen), and the runtime's other flows
 * pay nothing.
 */
export function followTickets(hooks: Hooks | undefined): void {
    if (!hooks || typeof hooks.add !== 'function' || typeof hooks.has !== 'function') return;
    runtimeHooks = hooks;
    hooksWhileNeeded();
}

/** Registers the hooks when there comes something to follow, takes them off when nothing is left (see followTickets). */
function hooksWhileNeeded(): void {
    const hooks = runtimeHooks;
    if (!hooks) return;
    const needed = runs.size > 0 || deliveredOpen > 0;
    const registered = hooks.has('onSend.cnErpAck');
    if (needed && !registered) {
        hooks.add('onSend.cnErpAck', safely(onSend));
        hooks.add('preDeliver.cnErpAck', safely(onDeliver));
        hooks.add('onReceive.cnErpAck', safely(onReceive));
        hooks.add('onComplete.cnErpAck', safely(onComplete));
    } else if (!needed && registered && typeof hooks.remove === 'function') {
        hooks.remove('*.cnErpAck');
    }
}

/**
 * A hook that throws makes Node-RED drop the msg, so none may (a frozen msg cannot take a copy's ticket, a property
 * getter may throw). What could not be followed stays open: its run commits nothing and ends at its ack timeout.
 */
function safely<E>(hook: (event: E) => void): (event: E) => void {
    return (event) => {
        try {
            hook(event);
        } catch {
            // Left open, see above.
        }
    };
}

function ticketBack(id: string, run: Run, seq: number): void {
    // Accounted for while msgs carrying it are still with a node (a function node sending one msg per record, the
    // first written; a copy's likewise): back once those are completed (onComplete).
    if (run.live.has(seq)) {
        run.due.add(seq);
        return;
    }
    run.due.delete(seq);
    if (run.copies.has(seq)) {
        copyBack(id, run, seq);
        return;
    }
    run.outstanding.delete(seq);
    run.waitsOn.delete(seq);
    run.sent.delete(seq);
    run.lastAt.delete(seq);
    run.pieces.delete(seq);
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
    for (const held of openTickets(msg)) runLost(held.ticket.run);
}

function runLost(id: string): void {
    const run = runs.get(id);
    if (!run) return;
    leave(id, run);
    run.lost?.();
}

/** Takes a run out of the table, and with it the runs that only pass its tickets on (see openAckRun). */
function leave(id: string, run: Run): void {
    runs.delete(id);
    for (const f of run.from ?? []) runs.get(f)?.feeds?.delete(id);
    for (const d of run.feeds ?? []) {
        const passing = runs.get(d);
        if (passing && !passing.from!.some((f) => runs.has(f))) leave(d, passing);
    }
    if (runs.size === 0) {
        forgetFilters();
        hooksWhileNeeded();
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
        leave(id, run);
        run.settled();
    }
}

/** Tickets of runs still waiting (tests and status). */
export function pendingTickets(runId: string): number {
    return runs.get(runId)?.outstanding.size ?? 0;
}
