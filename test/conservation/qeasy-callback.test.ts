/**
 * Conservation for the inbound node (issue 9): qeasy-callback under an upstream platform's faults. The upstream sends
 * each delivery until it gets a 200, as a callback sender does: answers lost (the connection dropped after the
 * request, or before it was read), copies of one delivery at the same moment, the identical request (same timestamp
 * and signature) sent again, a resend with its fields in another order; the duplicate store refuses some saves (a
 * 500: not taken, to be sent again) and answers late. Every order must reach the flow exactly once, and every
 * delivery end with the order's own answer.
 */
import http from 'http';
import path from 'path';
import { AddressInfo } from 'net';
import { helper, runtimeHooks } from '../helpers/nodered';
import { fakeContextStore } from '../helpers/context-store';
import { qeasySignature } from '../../nodes/qeasy/sign';
import qeasyConfig = require('../../nodes/qeasy/qeasy-config');
import qeasyCallback = require('../../nodes/qeasy/qeasy-callback');
import { expect, seedFor, seededRandom, tally } from './kit';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const express = require('express');

type Msg = Record<string, any>;

const SECRET = 'qeasy-conservation-secret-5d1e';
const nodeRedDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(process.env.NODE_RED_PATH ? require.resolve(process.env.NODE_RED_PATH) : require.resolve('node-red'))] }));
const httpIn = require(path.join(nodeRedDir, 'core', 'network', '21-httpin.js'));

let httpNode: any;
/** Hands over the runtime's httpNode app so the test serves it on a real port (see test/qeasy/callback.test.ts). */
function captureHttpNode(RED: any) {
    httpNode = RED.httpNode;
    RED.nodes.registerType('capture-http', function (this: any, n: any) {
        RED.nodes.createNode(this, n);
    });
}
const withHooks =
    (m: (red: any) => unknown) =>
    (red: any): unknown => {
        red.hooks ??= runtimeHooks;
        return m(red);
    };

const order = (shop: string, tid: string) => ({
    shop_no: shop,
    tid,
    trade_status: '30',
    trade_time: '2024-01-09 10:11:12',
    buyer_nick: '张三',
    receiver_name: '李四',
    receiver_address: '上海市浦东新区',
    post_amount: '8.00',
    paid: '108.00',
    order_list: [{ oid: `${tid}-1`, num: '2', price: '50.00', goods_no: 'G001', goods_name: '保温杯', spec_no: 'G001-RED', share_discount: '0', goods_id: 'P1' }],
});
const reordered = (o: Msg): Msg => Object.fromEntries(Object.entries(o).reverse());

describe('conservation under faults: qeasy-callback (an upstream resending until answered)', function () {
    this.timeout(60000);
    let server: http.Server | undefined;

    afterEach(async () => {
        await helper.unload();
        helper.settings({});
        await new Promise((r) => (server ? server.close(() => r(undefined)) : r(undefined)));
        server = undefined;
    });

    it('1,200 orders (single and in arrays) over 8 connections with lost answers, simultaneous copies, replayed requests and a failing duplicate store: each order reaches the flow exactly once and each delivery ends with its own answer', async () => {
        const seed = seedFor(9601);
        const rand = seededRandom(seed);
        const storeRand = seededRandom(seed + 1);
        const store = fakeContextStore({ copies: true, fail: (op) => (op === 'set' && storeRand() < 0.03 ? new Error('ENOSPC: no space left on device') : undefined) });
        helper.settings({ contextStorage: { default: { module: 'memory' }, shared: { module: store.module } } });
        const flow = [
            { id: 'f1', type: 'tab' },
            { id: 'cap', type: 'capture-http', z: 'f1' },
            { id: 'c1', type: 'qeasy-config', auth: 'hmac', windowSeconds: 300 },
            { id: 'n1', type: 'qeasy-callback', z: 'f1', config: 'c1', path: '/qeasy/orders', dedupeStore: 'shared', wires: [['out']] },
            { id: 'out', type: 'helper', z: 'f1' },
        ];
        await new Promise<void>((resolve) => helper.load([captureHttpNode, qeasyConfig, withHooks(qeasyCallback), httpIn], flow, { c1: { secret: SECRET } }, () => resolve()));
        await (helper as any)._context.load();
        const received: Msg[] = [];
        helper.getNode('out').on('input', (m: Msg) => received.push(m));
        const app = express();
        app.use('/api', httpNode);
        server = http.createServer(app);
        await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
        const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/qeasy/orders`;

        // 1,200 orders, two shops sharing tids (a tid is unique within a shop only), in deliveries of 1 to 8 orders.
        const orders: Msg[] = [];
        for (let i = 0; i < 600; i++) for (const shop of ['SHOP01', 'SHOP02']) orders.push(order(shop, `Q${String(i).padStart(6, '0')}`));
        const deliveries: Msg[][] = [];
        for (let i = 0; i < orders.length; ) {
            const n = rand() < 0.5 ? 1 : 1 + Math.floor(rand() * 8);
            deliveries.push(orders.slice(i, i + n));
            i += n;
        }
        const keyOf = (o: Msg) => `${o.shop_no}/${o.tid}`;

        // Every post of a body signs with a timestamp of its own (two posts of one body in one second would share a
        // signature, which the node refuses as a replay): now, less the posts of that body before it.
        const posts = new Map<string, number>();
        const nextTs = (body: string) => {
            const n = posts.get(body) ?? 0;
            posts.set(body, n + 1);
            return Math.floor(Date.now() / 1000) - n;
        };
        const post = async (body: string, headers: Record<string, string>, abortAfterMs?: number): Promise<{ status: number; body: any } | undefined> => {
            const ac = new AbortController();
            const timer = abortAfterMs === undefined ? undefined : setTimeout(() => ac.abort(), abortAfterMs);
            try {
                const r = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers }, signal: ac.signal });
                const text = await r.text();
                let parsed: any = text;
                try {
                    parsed = JSON.parse(text);
                } catch {
                    // a text answer
                }
                return { status: r.status, body: parsed };
            } catch {
                return undefined; // the answer was lost
            } finally {
                if (timer) clearTimeout(timer);
            }
        };
        const signed = (body: string, t = nextTs(body)) => ({ 'X-Timestamp': String(t), 'X-Signature': qeasySignature(SECRET, t, body) });

        const faults: Record<string, number> = { lost: 0, copies: 0, replayed: 0, reordered: 0, refused5xx: 0 };
        const answers = new Map<number, any>();
        const attempts: number[] = [];
        /** One delivery, sent until a 200 comes back. */
        async function deliver(d: number): Promise<void> {
            const list = deliveries[d];
            const single = list.length === 1 && rand() < 0.7;
            for (let attempt = 1; attempt <= 30; attempt++) {
                const r = rand();
                const payload = r < 0.1 ? (single ? reordered(list[0]) : list.map(reordered)) : single ? list[0] : list;
                if (r < 0.1) faults.reordered++;
                const body = JSON.stringify(payload);
                const headers = signed(body);
                let got: { status: number; body: any } | undefined;
                const f = rand();
                if (f < 0.12) {
                    // The answer lost: the connection dropped a moment after the request left (read or not).
                    faults.lost++;
                    got = await post(body, headers, Math.floor(rand() * 6));
                    if (got?.status !== 200) continue;
                } else if (f < 0.2) {
                    // Two copies at once (the upstream's retry racing its first send), each signed on its own.
                    faults.copies++;
                    const both = await Promise.all([post(body, headers), post(body, signed(body))]);
                    for (const b of both) if (b?.status === 200) expect(JSON.stringify(b.body) === JSON.stringify(both.find((x) => x?.status === 200)!.body), seed, `delivery ${d}: two copies answered differently`, both);
                    got = both.find((b) => b?.status === 200) ?? both[0];
                } else if (f < 0.26) {
                    // The identical request (same timestamp and signature) again: the first answer lost, the request resent.
                    faults.replayed++;
                    await post(body, headers, Math.floor(rand() * 6));
                    got = await post(body, headers);
                } else {
                    got = await post(body, headers);
                }
                if (got?.status === 200) {
                    answers.set(d, { single, body: got.body });
                    attempts.push(attempt);
                    return;
                }
                if (got && got.status >= 500) faults.refused5xx++;
                else if (got) expect(got.status === 503 || got.status === 500, seed, `delivery ${d}: unexpected answer ${got.status}`, got.body);
            }
            expect(false, seed, `delivery ${d} never answered 200 in 30 attempts`);
        }

        let next = 0;
        const worker = async () => {
            while (next < deliveries.length) await deliver(next++);
        };
        await Promise.all(Array.from({ length: 8 }, worker));
        await new Promise((r) => setTimeout(r, 100));

        // Each order reached the flow exactly once, none that was not sent.
        const emitted = received.map((m) => keyOf(m.payload));
        const seen = tally(emitted);
        expect(seen.dups.length === 0, seed, `${seen.dups.length} orders reached the flow twice`, seen.dups.slice(0, 20));
        const missing = orders.map(keyOf).filter((k) => !seen.counts.has(k));
        expect(missing.length === 0, seed, `${missing.length} orders answered 200 but never reached the flow`, missing.slice(0, 20));
        expect(emitted.length === orders.length, seed, `${emitted.length} msgs for ${orders.length} orders`);
        // Each delivery's answer is its orders' own (number = tid), in request order.
        for (const [d, a] of answers) {
            const list = deliveries[d];
            const replies: Msg[] = a.single ? [a.body] : a.body;
            expect(Array.isArray(replies) && replies.length === list.length, seed, `delivery ${d}: ${list.length} orders, answer`, a.body);
            replies.forEach((rep, i) => expect(rep?.number === list[i].tid && rep?.shop_no === list[i].shop_no, seed, `delivery ${d}: order ${keyOf(list[i])} answered with another order's reply`, rep));
        }
        expect(answers.size === deliveries.length, seed, 'every delivery was answered');
        // The faults were exercised.
        expect(faults.lost > 0 && faults.copies > 0 && faults.replayed > 0 && faults.refused5xx > 0, seed, 'the mix exercised every fault', faults);
        if (!process.env.CONSERVATION_QUIET) {
            // eslint-disable-next-line no-console
            console.log(`      [conservation] qeasy-callback: seed ${seed}; ${deliveries.length} deliveries of ${orders.length} orders; faults ${JSON.stringify(faults)}; most attempts ${Math.max(...attempts)}`);
        }
    });
});
