/**
 * `npm run demo:check`: the demo headless. Starts the simulators and Node-RED with the example flows on a free port,
 * runs each scenario (the inject nodes through the admin API `POST /inject/<id>`, scenario 04 by POSTing signed orders
 * to its callback), watches what the flows do through Node-RED's own channels (the editor's `/comms` websocket:
 * debug messages of the flows' debug nodes and node statuses; the admin context API) and checks the outcome against
 * the simulators' books. Then each scenario runs again, to show nothing is written twice.
 *
 * One line per scenario (records read, mapped, written, failed) and `N passed, N failed`; the exit status is non-zero
 * if a scenario fails or a record is unaccounted for (read = mapped + not mapped; mapped = written + not written).
 */
import { execFile } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import WebSocket from 'ws';
import { startDemo, demoFlows, RunningDemo } from './demo';
import { QEASY_DEMO, callbackCurl, signedCallbackHeaders } from './demo-sims';
import type { KingdeeSim, Row } from '../test/sim/kingdee';
import type { JackyunSim } from '../test/sim/jackyun';
import { demoOrders, type WdtWmsSim } from '../test/sim/wdt-wms';
import type { GuanyiSim } from '../test/sim/guanyi';
import type { JingchengSim } from '../test/sim/jingcheng';
import type { MaycurSim } from '../test/sim/maycur';
import { MAYCUR_DEMO_ACCOUNTS } from '../test/sim/maycur';
import { demoTrade, WdtSim } from '../test/sim/wdt';
import { parseChinaTime } from '../nodes/core/time';

type Msg = Record<string, any>;

// ---------------------------------------------------------------------------------------------- watching Node-RED

export interface DebugEvent {
    /** The debug node. */
    id: string;
    payload: unknown;
}

/** The editor's comms websocket: every debug message and node status, as the editor receives them. */
export class Comms {
    readonly debug: DebugEvent[] = [];
    /** Status changes (fill) per node, in arrival order. */
    readonly statuses: Array<{ id: string; fill?: string; shape?: string; text?: string }> = [];

    private constructor(private readonly ws: WebSocket) {
        ws.on('message', (data) => {
            let list: Array<{ topic: string; data: any }>;
            try {
                const parsed = JSON.parse(String(data));
                list = Array.isArray(parsed) ? parsed : [parsed];
            } catch {
                return;
            }
            for (const m of list) {
                if (m.topic === 'debug' && m.data) this.debug.push({ id: m.data.id, payload: decode(m.data) });
                else if (typeof m.topic === 'string' && m.topic.startsWith('status/')) this.statuses.push({ id: m.topic.slice(7), fill: m.data?.fill, shape: m.data?.shape, text: m.data?.text });
            }
        });
    }

    static open(url: string): Promise<Comms> {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/comms`);
            ws.once('open', () => {
                ws.send(JSON.stringify({ subscribe: 'debug' }));
                ws.send(JSON.stringify({ subscribe: 'status/#' }));
                resolve(new Comms(ws));
            });
            ws.once('error', reject);
        });
    }

    close(): void {
        this.ws.close();
    }
}

/** A debug message's value: JSON-encoded objects and arrays decoded, other values as text. */
function decode(data: { msg?: string; format?: string }): unknown {
    const text = data.msg ?? '';
    const format = data.format ?? '';
    if (/^(array|Object|error)/.test(format)) {
        try {
            return JSON.parse(text);
        } catch {
            return text;
        }
    }
    return text;
}

/** How many records a payload holds (Node-RED encodes arrays longer than 1000 as {__enc__, length}). */
function sizeOf(payload: unknown): number {
    if (Array.isArray(payload)) return payload.length;
    if (payload && typeof payload === 'object' && (payload as Msg).__enc__ && (payload as Msg).type === 'array') return Number((payload as Msg).length) || 0;
    return 1;
}

function records(payload: unknown): Msg[] {
    if (Array.isArray(payload)) return payload;
    if (payload && typeof payload === 'object' && (payload as Msg).__enc__ && Array.isArray((payload as Msg).data)) return (payload as Msg).data;
    return payload && typeof payload === 'object' ? [payload as Msg] : [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------- the example wiring

export interface Topology {
    tab: string;
    title: string;
    source: Msg;
    mapper: Msg;
    write: Msg;
    debugs: { read?: string; mapped?: string; unmapped?: string; written?: string; failed?: string; caught?: string };
    nodes: Map<string, Msg>;
}

/** The scenario's nodes, found by type and wiring in the example tab (a missing debug is a failure of the check). */
export function topology(flows: Msg[], key: string, sourceType: string, writeType: string): Topology {
    const tab = flows.find((n) => n.type === 'tab' && String(n.label).startsWith(key));
    if (!tab) throw new Error(`no example tab ${key}`);
    const nodes = new Map<string, Msg>(flows.filter((n) => n.z === tab.id).map((n) => [n.id, n]));
    const one = (type: string) => {
        const found = [...nodes.values()].filter((n) => n.type === type);
        if (found.length !== 1) throw new Error(`tab ${key}: expected one ${type} node, found ${found.length}`);
        return found[0];
    };
    const source = one(sourceType);
    const mapper = one('erp-mapper');
    const write = one(writeType);
    const debugOn = (node: Msg, port: number) => (node.wires?.[port] ?? []).find((id: string) => nodes.get(id)?.type === 'debug') as string | undefined;
    const catchNode = [...nodes.values()].find((n) => n.type === 'catch');
    return {
        tab: tab.id,
        title: String(tab.label),
        source,
        mapper,
        write,
        debugs: {
            read: debugOn(source, 0),
            mapped: debugOn(mapper, 0),
            unmapped: debugOn(mapper, 1),
            written: debugOn(write, 0),
            failed: debugOn(write, 1),
            caught: catchNode ? debugOn(catchNode, 0) : undefined,
        },
        nodes,
    };
}

// ---------------------------------------------------------------------------------------------- scenarios

export interface Counts {
    read: number;
    /** Records that reached the mapper (02: one row per bill). */
    toMap: number;
    mapped: number;
    notMapped: number;
    written: number;
    notWritten: number;
    caught: number;
}

export interface ScenarioResult {
    key: string;
    title: string;
    run: number;
    counts: Counts;
    /** What the scenario showed besides the counts (duplicates skipped, answers…). */
    notes: string[];
    problems: string[];
    pass: boolean;
}

interface RunContext {
    demo: RunningDemo;
    comms: Comms;
    topo: Topology;
    run: number;
}

export interface Observed {
    counts: Counts;
    events: { read: DebugEvent[]; mapped: DebugEvent[]; unmapped: DebugEvent[]; written: DebugEvent[]; failed: DebugEvent[]; caught: DebugEvent[] };
}

interface Scenario {
    key: string;
    sourceType: string;
    writeType: string;
    /**
     * Starts the run and resolves when the source has finished (status done, or the callbacks answered); returns
     * problems. Default: the source's inject.
     */
    trigger?(ctx: RunContext): Promise<string[]>;
    /** Records reaching the mapper, from what the source emitted (default: all of them). */
    toMap?(read: Msg[]): number;
    /** Checks the outcome against the simulators; returns problems (empty = pass) and notes. */
    verify(ctx: RunContext, seen: Observed, notes: string[]): string[];
}

export async function inject(demo: RunningDemo, id: string): Promise<void> {
    // Node-RED answers GET /flows (what startDemo waits for) before it has started every node: an inject node not
    // started yet is a 404 for a moment on a busy machine.
    const started = Date.now();
    for (;;) {
        const res = await fetch(`${demo.url}/inject/${encodeURIComponent(id)}`, { method: 'POST' });
        if (res.ok) return;
        if (res.status !== 404 || Date.now() - started > 15000) throw new Error(`POST /inject/${id}: HTTP ${res.status}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

/** A status the kit sets when a node is done: green, red, or a yellow dot (done with failures; a ring is backing off). */
const finished = (s: { fill?: string; shape?: string }) => s.fill === 'green' || s.fill === 'red' || (s.fill === 'yellow' && s.shape === 'dot');
const busy = (s: { fill?: string; shape?: string }) => s.fill === 'blue' || (s.fill === 'yellow' && s.shape === 'ring');

/** Injects into `source`'s inject node and waits until the source reports done (or an error) after that. */
async function runInject(ctx: RunContext, sourceId: string, timeoutMs = 60000): Promise<void> {
    const injectNode = [...ctx.topo.nodes.values()].find((n) => n.type === 'inject' && (n.wires?.[0] ?? []).includes(sourceId));
    if (!injectNode) throw new Error(`no inject node wired to ${sourceId}`);
    const mark = ctx.comms.statuses.length;
    await inject(ctx.demo, injectNode.id);
    const started = Date.now();
    for (;;) {
        const mine = ctx.comms.statuses.slice(mark).filter((s) => s.id === sourceId);
        if (mine.some(finished)) return;
        if (Date.now() - started > timeoutMs) throw new Error(`${sourceId} did not finish within ${timeoutMs / 1000} s`);
        await sleep(50);
    }
}

/** One field of every record the events carry. */
const valuesOf = (events: DebugEvent[], pick: (p: Msg) => unknown) => events.flatMap((e) => records(e.payload)).map(pick);

/** The record a failure msg or error names (whole msg debug: payload; error-only debug: error.record). */
function failedRecord(e: DebugEvent): Msg {
    const p = e.payload as Msg;
    if (p && typeof p === 'object' && 'payload' in p) return (p.payload ?? {}) as Msg;
    if (p && typeof p === 'object' && 'record' in p) return (p.record ?? {}) as Msg;
    return {};
}
function failedError(e: DebugEvent): Msg {
    const p = e.payload as Msg;
    if (p && typeof p === 'object' && 'error' in p) return (p.error ?? {}) as Msg;
    return (p ?? {}) as Msg;
}

const KINGDEE = (demo: RunningDemo) => demo.sims.get('kingdee') as KingdeeSim;

/** Bills of a Kingdee form (rows are per entry line): FBillNo → distinct FIDs. */
function billsOf(rows: Row[]): Map<string, Set<unknown>> {
    const out = new Map<string, Set<unknown>>();
    for (const r of rows) {
        const no = String(r.FBillNo);
        if (!out.has(no)) out.set(no, new Set());
        out.get(no)!.add(r.FID);
    }
    return out;
}

/** Scenario 04's deliveries: two good orders, one WDT refuses (unknown goods), one that cannot map (bad time). */
export function callbackOrders(): Array<{ label: string; order: Msg; expect: number }> {
    return [
        { label: 'good', order: { ...demoTrade('CB2024010901'), shop_no: 'SHOP01' }, expect: 200 },
        { label: 'good, two lines, other shop', order: { ...demoTrade('CB2024010902', { lines: 2, specNo: 'G002-L' }), shop_no: 'SHOP02' }, expect: 200 },
        { label: 'unknown goods', order: { ...demoTrade('CB2024010903', { specNo: 'G404-X' }), shop_no: 'SHOP01' }, expect: 422 },
        { label: 'bad trade_time', order: { ...demoTrade('CB2024010904'), shop_no: 'SHOP01', trade_time: '昨天上午' }, expect: 400 },
    ];
}

async function post(url: string, order: Msg, nowMs = Date.now()): Promise<{ status: number; body: any }> {
    const body = JSON.stringify(order);
    const res = await fetch(url, { method: 'POST', headers: signedCallbackHeaders(body, nowMs), body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
        parsed = JSON.parse(text);
    } catch {
        // not JSON: kept as text
    }
    return { status: res.status, body: parsed };
}

/** Runs the curl snippet `npm start` prints for scenario 04, as a user pastes it into bash. */
async function pasteCurl(ctx: RunContext): Promise<string[]> {
    const run = (script: string) =>
        new Promise<{ code: number; out: string }>((resolve) => {
            execFile('bash', ['-c', script], { timeout: 30000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as any).code) || 1 : 0, out: `${stdout}${stderr}` }));
        });
    const tools = await run('command -v openssl && command -v curl');
    if (tools.code !== 0) {
        state.curl = { skipped: 'skipped: bash, openssl or curl is not available' };
        return [];
    }
    const { code, out } = await run(callbackCurl(ctx.demo.url));
    let answer: Msg = {};
    try {
        answer = JSON.parse(out.trim());
    } catch {
        // reported below
    }
    state.curl = { tid: answer.tid, answer: out.trim().slice(0, 200) };
    return code === 0 && answer.success === true ? [] : [`the printed curl command answered: ${out.trim().slice(0, 300)}`];
}

const JACKYUN_FROM = '2024-01-01 00:00:00';
const JACKYUN_TO = '2024-01-31 23:59:59';
/** Jackyun trade statuses whose goods left the warehouse (6000 发货在途, 9090 已完成): scenario 01 saves only these. */
const JACKYUN_SHIPPED = ['6000', '9090'];
/** A trade's status: on the trade, or (seed 000) on its lines; undefined when it has none (such a trade is mapped). */
function tradeStatus(t: Msg): string | undefined {
    const s = t.tradeStatus ?? (Array.isArray(t.goodsDetail) ? t.goodsDetail[0]?.tradeStatus : undefined);
    return s === undefined || s === null || s === '' ? undefined : String(s);
}
const shippedTrade = (t: Msg) => {
    const s = tradeStatus(t);
    return s === undefined || JACKYUN_SHIPPED.includes(s);
};

/** Kept across the runs of one check: what the first run left in the books. */
const state: {
    outStockBills?: number;
    firstAnswers?: Map<string, { status: number; body: any }>;
    /** Scenario 05's flow.maycurWriteback, read through the admin context API after each run. */
    writeback?: Record<string, Msg>;
    /** Scenario 04's HTTP statuses of the last run's deliveries. */
    lastAnswers?: number[];
    /** Scenario 04's pasted curl command: the order it posted and the answer. */
    curl?: { tid?: string; answer?: string; skipped?: string };
} = {};

const SCENARIOS: Scenario[] = [
    {
        key: '01',
        sourceType: 'jackyun-trade-query',
        writeType: 'kingdee-batch-save',
        // Cancelled trades and those not shipped yet make no sales outbound bill (the flow's "shipped only" node).
        toMap: (rows) => rows.filter(shippedTrade).length,
        verify(ctx, seen, notes) {
            const problems: string[] = [];
            const jackyun = ctx.demo.sims.get('jackyun') as JackyunSim;
            const expected = jackyun.tradesModifiedBetween(parseChinaTime(JACKYUN_FROM), parseChinaTime(JACKYUN_TO)).map((t) => t.tradeNo);
            // The node names the number TradeNo, as seed 000 does.
            const read = valuesOf(seen.events.read, (t) => t.TradeNo) as string[];
            if (read.length !== expected.length || new Set(read).size !== read.length || expected.some((t) => !read.includes(t))) {
                problems.push(`read ${read.length} trades (${new Set(read).size} distinct), the simulator has ${expected.length} modified in January`);
            }
            const bills = billsOf(KINGDEE(ctx.demo).rows('SAL_OutStock'));
            const failed = new Set([...seen.events.unmapped.map((e) => failedRecord(e).TradeNo), ...seen.events.failed.map((e) => failedRecord(e).FBillNo)]);
            const status = new Map(seen.events.read.flatMap((e) => records(e.payload)).map((t) => [t.TradeNo as string, tradeStatus(t)]));
            let skipped = 0;
            for (const t of read) {
                const ids = bills.get(t);
                if (ids && ids.size > 1) problems.push(`${t} is saved ${ids.size} times in Kingdee`);
                const s = status.get(t);
                if (s !== undefined && !JACKYUN_SHIPPED.includes(s)) {
                    skipped++;
                    if (ids) problems.push(`${t} (tradeStatus ${s}, not shipped) is saved as a sales outbound bill`);
                } else if (!ids && !failed.has(t)) problems.push(`${t} was read but is neither saved nor reported as failed`);
            }
            for (const e of [...seen.events.unmapped, ...seen.events.failed]) if (!failedError(e).message) problems.push('a failure carries no reason');
            const present = valuesOf(seen.events.written, (r) => r.alreadyPresent === true).filter(Boolean).length;
            if (ctx.run === 1) {
                state.outStockBills = bills.size;
                notes.push(`Kingdee now holds ${bills.size} SAL_OutStock bills`);
            } else {
                if (bills.size !== state.outStockBills) problems.push(`Kingdee went from ${state.outStockBills} to ${bills.size} bills on the second run`);
                if (present !== seen.counts.written) problems.push(`${seen.counts.written - present} bills were saved again instead of found by the duplicate guard`);
                notes.push(`${present} already present (duplicate guard), Kingdee still ${bills.size} bills`);
            }
            notes.push(`${skipped} trades not shipped (cancelled, split, waiting) skipped`);
            // The "shipped only" node's status tells what this run did (not every run since deploy), in both languages.
            const filter = [...ctx.topo.nodes.values()].find((n) => n.type === 'function' && (ctx.topo.source.wires?.[0] ?? []).includes(n.id) && (n.wires?.[0] ?? []).includes(ctx.topo.mapper.id));
            const shown = filter ? ctx.comms.statuses.filter((st) => st.id === filter.id).pop()?.text : undefined;
            const want = `已发货 ${seen.counts.toMap}，跳过 ${seen.counts.read - seen.counts.toMap} · shipped ${seen.counts.toMap}, skipped ${seen.counts.read - seen.counts.toMap}`;
            if (!filter) problems.push('no function node between the query and the mapper ("shipped only")');
            else if (shown !== want) problems.push(`the "shipped only" status reads ${JSON.stringify(shown)} after this run, not ${JSON.stringify(want)}`);
            return problems;
        },
    },
    {
        key: '02',
        sourceType: 'kingdee-bill-query',
        writeType: 'wdt-wms-cancel',
        toMap: (rows) => new Set(rows.map((r) => r.FBillNo)).size,
        verify(ctx, seen, notes) {
            const problems: string[] = [];
            const wms = ctx.demo.sims.get('wdt-wms') as WdtWmsSim;
            // The flow reads the voided return requests (FCANCELSTATUS 'B') of WH01; those not voided keep their WMS order.
            const inWh01 = KINGDEE(ctx.demo).rows('PUR_MRAPP').filter((r) => r['FStockID.FNumber'] === 'WH01');
            const expectedRows = inWh01.filter((r) => r.FCANCELSTATUS === 'B');
            const notVoided = [...new Set(inWh01.filter((r) => r.FCANCELSTATUS !== 'B').map((r) => String(r.FBillNo)))];
            const initially = new Map(demoOrders().map((o) => [o.orderCode, o.status]));
            for (const b of notVoided) {
                const now = wms.orders.get(b)?.status;
                if (now !== initially.get(b)) problems.push(`${b} is not voided, yet its WMS order went from ${initially.get(b)} to ${now}`);
            }
            if (ctx.run === 1 && notVoided.length > 0) notes.push(`${notVoided.join(', ')} not voided: WMS orders left as they were`);
            const perOrder = new Map<string, number>();
            for (const c of wms.cancellations) perOrder.set(String(c.request.orderCode), (perOrder.get(String(c.request.orderCode)) ?? 0) + 1);
            for (const [code, n] of perOrder) if (n > 1) problems.push(`${code}: cancel sent ${n} times`);
            if (ctx.run === 1) {
                if (seen.counts.read !== expectedRows.length) problems.push(`read ${seen.counts.read} rows, the simulator has ${expectedRows.length} voided in WH01`);
                const shipped = [...wms.orders.values()].filter((o) => o.status === 'shipped').map((o) => o.orderCode);
                const refused = seen.events.failed.map((e) => ({ code: failedRecord(e).orderCode, err: failedError(e) }));
                for (const s of shipped) if (!refused.some((r) => r.code === s && r.err.code === 'ORDER_CANNOT_CANCEL')) problems.push(`shipped order ${s} was not refused on output 2 with ORDER_CANNOT_CANCEL`);
                for (const r of refused) if (!shipped.includes(r.code)) problems.push(`${r.code} was refused: ${r.err.message}`);
                const cancelled = [...wms.orders.values()].filter((o) => o.status === 'cancelled').map((o) => o.orderCode);
                const bills = new Set(expectedRows.map((r) => String(r.FBillNo)));
                for (const b of bills) if (!shipped.includes(b) && !cancelled.includes(b)) problems.push(`${b} is not cancelled in the WMS`);
                if (seen.counts.written !== cancelled.length) problems.push(`output 1 reports ${seen.counts.written} cancelled, the WMS has ${cancelled.length}`);
                notes.push(`${shipped.join(', ')} refused: ${refused.find((r) => shipped.includes(r.code))?.err.message ?? '?'}`);
                // Kept in the example's failures file too, in the user directory, for its Replay button.
                const file = [...ctx.topo.nodes.values()].find((n) => n.type === 'file' && n.overwriteFile === 'false');
                const at = file ? path.resolve(ctx.demo.userDir, String(file.filename)) : '(no failures file node)';
                const lines = fs.existsSync(at) ? fs.readFileSync(at, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l)) : [];
                for (const s of shipped) if (!lines.some((l) => l.payload?.orderCode === s && l.error?.code === 'ORDER_CANNOT_CANCEL')) problems.push(`shipped order ${s} is not in the failures file ${at}`);
                if (lines.length > 0) notes.push(`kept for Replay in ${path.relative(ctx.demo.userDir, at)}`);
            } else {
                if (seen.counts.read !== 0) problems.push(`the incremental run read ${seen.counts.read} rows again`);
                notes.push(`incremental: nothing voided since, ${wms.cancellations.length} cancel calls in all`);
            }
            return problems;
        },
    },
    {
        key: '03',
        sourceType: 'guanyi-return-get',
        writeType: 'jingcheng-recv',
        verify(ctx, seen, notes) {
            const problems: string[] = [];
            const guanyi = ctx.demo.sims.get('guanyi') as GuanyiSim;
            const jingcheng = ctx.demo.sims.get('jingcheng') as JingchengSim;
            const open = guanyi.returns.filter((r) => !r.cancel);
            const received = open.filter((r) => r.receive_date);
            if (ctx.run === 1) {
                if (seen.counts.read !== open.length) problems.push(`read ${seen.counts.read} returns, the simulator has ${open.length} not cancelled`);
                const unmapped = seen.events.unmapped.map((e) => ({ code: failedRecord(e).code, err: failedError(e) }));
                for (const u of unmapped) {
                    const r = open.find((x) => x.code === u.code);
                    if (!r || r.receive_date || u.err.field !== 'SheetDate') problems.push(`${u.code} failed to map: ${u.err.message}`);
                }
                for (const r of received) if (!jingcheng.sheets.has(r.code)) problems.push(`${r.code} was received but is not in Jingcheng`);
                notes.push(`${unmapped.length} not mapped, e.g. ${unmapped[0]?.code}: ${unmapped[0]?.err.message ?? '-'}`);
            } else if (seen.counts.read !== 0) {
                problems.push(`the incremental run read ${seen.counts.read} returns again`);
            } else {
                notes.push('incremental: nothing modified since');
            }
            if (jingcheng.sheets.size !== received.length) problems.push(`Jingcheng holds ${jingcheng.sheets.size} sheets, ${received.length} returns were received`);
            if (jingcheng.sheetRequests.length !== received.length) problems.push(`${jingcheng.sheetRequests.length} sheets were sent for ${received.length} returns`);
            return problems;
        },
    },
    {
        key: '04',
        sourceType: 'qeasy-callback',
        writeType: 'wdt-trade-push',
        async trigger(ctx) {
            if (ctx.run === 3) return pasteCurl(ctx);
            const problems: string[] = [];
            const url = `${ctx.demo.url}${QEASY_DEMO.path}`;
            const answers = new Map<string, { status: number; body: any }>();
            for (const d of callbackOrders()) {
                const a = await post(url, d.order);
                answers.set(String(d.order.tid), a);
                if (a.status !== d.expect) problems.push(`${d.order.tid} (${d.label}): HTTP ${a.status} ${JSON.stringify(a.body)}, expected ${d.expect}`);
                if (d.expect === 200 && ctx.run === 2 && JSON.stringify(a.body) !== JSON.stringify(state.firstAnswers?.get(String(d.order.tid))?.body)) problems.push(`${d.order.tid}: the repeated delivery got a different answer`);
            }
            // The first order again, signed anew a second later: the same answer, no second msg.
            const first = callbackOrders()[0].order;
            const again = await post(url, first, Date.now() + 1000);
            if (again.status !== 200 || JSON.stringify(again.body) !== JSON.stringify(answers.get(String(first.tid))?.body)) problems.push(`repeated ${first.tid}: HTTP ${again.status} ${JSON.stringify(again.body)}, not the first answer`);
            if (ctx.run === 1) state.firstAnswers = answers;
            state.lastAnswers = [...answers.values()].map((a) => a.status).concat(again.status);
            return problems;
        },
        verify(ctx, seen, notes) {
            const problems: string[] = [];
            const wdt = ctx.demo.sims.get('wdt') as WdtSim;
            if (ctx.run === 3) {
                const tid = state.curl?.tid;
                if (state.curl?.skipped) notes.push(state.curl.skipped);
                else if (!tid || wdt.trades.get(`SHOP01/${tid}`)?.pushes !== 1) problems.push(`the pasted order ${tid ?? '?'} is not in WDT once`);
                else notes.push(`answer ${state.curl?.answer}`);
                return problems;
            }
            const orders = callbackOrders();
            const good = orders.filter((o) => o.expect === 200).map((o) => `${o.order.shop_no}/${o.order.tid}`);
            for (const k of good) {
                const t = wdt.trades.get(k);
                if (!t) problems.push(`${k} is not in WDT`);
                else if (t.pushes !== 1) problems.push(`${k} was pushed ${t.pushes} times`);
            }
            if (wdt.trades.size !== good.length) problems.push(`WDT holds ${wdt.trades.size} trades, expected ${good.length}`);
            const refused = seen.events.failed.map((e) => failedError(e));
            if (!refused.every((e) => e.code === 'TRADE_REFUSED' && /G404-X/.test(String(e.message)))) problems.push(`unexpected refusals: ${refused.map((e) => e.message).join('; ')}`);
            const expectedRead = ctx.run === 1 ? orders.length : orders.filter((o) => o.expect !== 200).length;
            if (seen.counts.read !== expectedRead) problems.push(`the callback emitted ${seen.counts.read} orders, expected ${expectedRead}`);
            const refusal = refused[0]?.message;
            notes.push(`HTTP answers ${(state.lastAnswers ?? []).join(', ')} (the last one a repeat of the first order)${refusal ? `; refused: ${refusal}` : ''}`);
            if (ctx.run === 2) notes.push('pushed orders answered from memory, not pushed again; the failed ones were tried again');
            return problems;
        },
    },
    {
        key: '05',
        sourceType: 'maycur-paid-list',
        writeType: 'kingdee-push',
        async trigger(ctx) {
            const problems: string[] = [];
            // The bank accounts first (the load inject also runs once after deploy).
            const accounts = [...ctx.topo.nodes.values()].find((n) => n.type === 'kingdee-bill-query');
            if (!accounts) return ['no bank-account query'];
            const debugAfter = (id: string): string | undefined => {
                for (let i = 0, cur = id; i < 5; i++) {
                    const next = (ctx.topo.nodes.get(cur)?.wires?.[0] ?? []) as string[];
                    const d = next.find((n) => ctx.topo.nodes.get(n)?.type === 'debug');
                    if (d) return d;
                    if (!next[0]) return undefined;
                    cur = next[0];
                }
                return undefined;
            };
            const accountsDebug = debugAfter(accounts.id);
            const mark = ctx.comms.debug.length;
            await runInject(ctx, accounts.id);
            await waitFor(() => ctx.comms.debug.slice(mark).some((e) => e.id === accountsDebug), 5000);
            const loaded = ctx.comms.debug.slice(mark).filter((e) => e.id === accountsDebug).map((e) => sizeOf(e.payload));
            const expected = KINGDEE(ctx.demo).rows('CN_BANKACNT').length;
            if (loaded[0] !== expected) problems.push(`loaded ${loaded[0] ?? 0} bank accounts, the simulator has ${expected}`);
            await runInject(ctx, ctx.topo.source.id);
            return problems;
        },
        verify(ctx, seen, notes) {
            const problems: string[] = [];
            const maycur = ctx.demo.sims.get('maycur') as MaycurSim;
            const kingdee = KINGDEE(ctx.demo);
            const paybills = kingdee.rows('AP_PAYBILL');
            const orgs = kingdee.rows('ORG_Organizations');
            if (ctx.run === 1 && seen.counts.read !== maycur.payments.length) problems.push(`read ${seen.counts.read} payments, the simulator has ${maycur.payments.length}`);
            if (ctx.run === 2 && seen.counts.read !== 0) problems.push(`the incremental run read ${seen.counts.read} payments again`);
            for (const p of maycur.payments) {
                const bills = paybills.filter((b) => b.FSRCBILLNO === p.payeeTargetBusinessCode);
                const org = orgs.find((o) => o.FNumber === MAYCUR_DEMO_ACCOUNTS[p.payerAccountNumber]?.orgNumber)?.FOrgID;
                if (bills.length !== 1) problems.push(`${p.paymentNo}: ${bills.length} payment bills pushed from ${p.payeeTargetBusinessCode}`);
                else if (bills[0].TargetOrgId !== org) problems.push(`${p.paymentNo}: pushed to org ${bills[0].TargetOrgId}, its account ${p.payerAccountNumber} belongs to ${org}`);
            }
            const writeback = state.writeback ?? {};
            for (const b of paybills) {
                const p = maycur.payments.find((x) => x.payeeTargetBusinessCode === b.FSRCBILLNO);
                const w = p && writeback[p.paymentBizCode];
                if (!w || String(w.id) !== String(b.FID) || w.number !== b.FBillNo) problems.push(`write-back of ${p?.paymentBizCode ?? b.FSRCBILLNO} missing or wrong: ${JSON.stringify(w)}`);
            }
            notes.push(ctx.run === 1 ? `${paybills.length} AP_PAYBILL in Kingdee, write-back of ${Object.keys(writeback).length} in flow.maycurWriteback` : `incremental: nothing paid since, still ${paybills.length} AP_PAYBILL`);
            return problems;
        },
    },
];

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const started = Date.now();
    while (!cond()) {
        if (Date.now() - started > timeoutMs) return false;
        await sleep(50);
    }
    return true;
}

async function flowContext(demo: RunningDemo, tab: string, key: string): Promise<unknown> {
    const res = await fetch(`${demo.url}/context/flow/${encodeURIComponent(tab)}/${encodeURIComponent(key)}`);
    if (!res.ok) return undefined;
    const body = (await res.json()) as { msg?: string; format?: string };
    return body.msg === undefined ? undefined : decode(body);
}

export function countsOf(topo: Topology, events: DebugEvent[], toMap?: (rows: Msg[]) => number): Observed {
    const of = (id?: string) => (id ? events.filter((e) => e.id === id) : []);
    const ev = { read: of(topo.debugs.read), mapped: of(topo.debugs.mapped), unmapped: of(topo.debugs.unmapped), written: of(topo.debugs.written), failed: of(topo.debugs.failed), caught: of(topo.debugs.caught) };
    const sum = (list: DebugEvent[]) => list.reduce((n, e) => n + sizeOf(e.payload), 0);
    const read = sum(ev.read);
    const counts: Counts = {
        read,
        toMap: toMap ? toMap(ev.read.flatMap((e) => records(e.payload))) : read,
        mapped: sum(ev.mapped),
        notMapped: ev.unmapped.length,
        written: sum(ev.written),
        notWritten: ev.failed.length,
        caught: ev.caught.length,
    };
    return { counts, events: ev };
}

const balanced = (c: Counts) => c.toMap === c.mapped + c.notMapped && c.mapped === c.written + c.notWritten;

/** Records unaccounted for: every record read leaves the mapper on output 1 or 2, every mapped one the write node. */
export function conservationProblems(c: Counts): string[] {
    const out: string[] = [];
    if (c.toMap !== c.mapped + c.notMapped) out.push(`unaccounted: ${c.toMap} to map, ${c.mapped} mapped + ${c.notMapped} not mapped`);
    if (c.mapped !== c.written + c.notWritten) out.push(`unaccounted: ${c.mapped} mapped, ${c.written} written + ${c.notWritten} not written`);
    return out;
}

async function runScenario(demo: RunningDemo, comms: Comms, flows: Msg[], s: Scenario, run: number): Promise<ScenarioResult> {
    const notes: string[] = [];
    let problems: string[] = [];
    let topo: Topology;
    try {
        topo = topology(flows, s.key, s.sourceType, s.writeType);
    } catch (err) {
        return { key: s.key, title: s.key, run, counts: { read: 0, toMap: 0, mapped: 0, notMapped: 0, written: 0, notWritten: 0, caught: 0 }, notes, problems: [(err as Error).message], pass: false };
    }
    for (const [k, v] of Object.entries(topo.debugs)) if (!v) problems.push(`no debug node on the ${k} output`);
    const ctx: RunContext = { demo, comms, topo, run };
    const mark = comms.debug.length;
    try {
        if (s.trigger) problems.push(...(await s.trigger(ctx)));
        else await runInject(ctx, ctx.topo.source.id);
    } catch (err) {
        problems.push((err as Error).message);
    }
    // The writes finish after the source: wait until every record is accounted for and the flow is quiet, or,
    // if something is unaccounted for, until no node of the tab is still working (blue status).
    const started = Date.now();
    let last = comms.debug.length;
    let quietSince = Date.now();
    const working = () => {
        const latest = new Map<string, { fill?: string; shape?: string }>();
        for (const st of comms.statuses) if (topo.nodes.has(st.id)) latest.set(st.id, st);
        return [...latest.values()].some(busy);
    };
    for (;;) {
        await sleep(100);
        if (comms.debug.length !== last) {
            last = comms.debug.length;
            quietSince = Date.now();
        }
        const c = countsOf(topo, comms.debug.slice(mark), s.toMap).counts;
        const quiet = Date.now() - quietSince;
        if (balanced(c) && quiet > 300 && !working()) break;
        if (!balanced(c) && quiet > 2000 && !working()) break;
        if (Date.now() - started > 120000) break;
    }
    const seen = countsOf(topo, comms.debug.slice(mark), s.toMap);
    const c = seen.counts;
    problems.push(...conservationProblems(c));
    if (c.caught > 0) problems.push(`${c.caught} msg(s) reached Catch: ${seen.events.caught.map((e) => JSON.stringify(failedError(e)).slice(0, 200)).join('; ')}`);
    if (s.key === '05') state.writeback = ((await flowContext(demo, topo.tab, 'maycurWriteback')) ?? {}) as Record<string, Msg>;
    try {
        problems.push(...s.verify(ctx, seen, notes));
    } catch (err) {
        problems.push(`check failed: ${(err as Error).message}`);
    }
    problems = [...new Set(problems)];
    return { key: s.key, title: topo.title, run, counts: c, notes, problems, pass: problems.length === 0 };
}

export interface CheckOptions {
    /** runCheck: the user directory to (re)build; default a temporary one, removed afterwards. */
    userDir?: string;
    /** Run every scenario a second time (duplicates must not be written). Default true. */
    secondRun?: boolean;
    /** Called with each result as it is ready. */
    onResult?: (r: ScenarioResult) => void;
}

/** Runs every scenario of a started demo once (and again, by default) and checks each. */
export async function checkDemo(demo: RunningDemo, options: CheckOptions = {}): Promise<ScenarioResult[]> {
    const { flows } = demoFlows();
    const comms = await Comms.open(demo.url);
    const results: ScenarioResult[] = [];
    try {
        const runs = options.secondRun === false ? [1] : [1, 2];
        for (const s of SCENARIOS) {
            // Scenario 04 also runs the curl command npm start prints (run 3), unless only one run is asked for.
            for (const run of s.key === '04' && options.secondRun !== false ? [...runs, 3] : runs) {
                const r = await runScenario(demo, comms, flows, s, run);
                results.push(r);
                options.onResult?.(r);
            }
        }
    } finally {
        comms.close();
    }
    return results;
}

export function formatResult(r: ScenarioResult): string {
    const c = r.counts;
    const head = r.run === 1 ? r.title : r.run === 2 ? '   run again:' : '   pasted curl:';
    const read = c.toMap !== c.read ? `read ${c.read} (${c.toMap} bills)` : `read ${c.read}`;
    const line = `${head}  ${read}, mapped ${c.mapped} (${c.notMapped} failed), written ${c.written} (${c.notWritten} failed)${c.caught ? `, ${c.caught} caught` : ''}  ${r.pass ? 'PASS' : 'FAIL'}`;
    const notes = r.notes.length ? `\n      ${r.notes.join('; ')}` : '';
    const problems = r.problems.map((p) => `\n      ✘ ${p}`).join('');
    return line + notes + problems;
}

/** Starts the demo headless in a throwaway user directory, checks every scenario, stops everything. */
export async function runCheck(options: CheckOptions = {}): Promise<ScenarioResult[]> {
    const userDir = options.userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-demo-check-'));
    const demo = await startDemo({ port: 0, quiet: true, userDir, freePorts: true });
    try {
        return await checkDemo(demo, options);
    } finally {
        await demo.stop();
        if (!options.userDir) fs.rmSync(userDir, { recursive: true, force: true });
    }
}

/** Scenario keys and their pass/fail: a scenario passes when every run of it passed. */
export function summary(results: ScenarioResult[]): { passed: number; failed: number } {
    const byKey = new Map<string, boolean>();
    for (const r of results) byKey.set(r.key, (byKey.get(r.key) ?? true) && r.pass);
    const passed = [...byKey.values()].filter(Boolean).length;
    return { passed, failed: byKey.size - passed };
}

async function main(): Promise<void> {
    const results = await runCheck({ onResult: (r) => console.log(formatResult(r)) });
    const { passed, failed } = summary(results);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.stack ?? err.message : err);
        process.exit(1);
    });
}
