/** What the qeasy-callback benches share: the runtime's httpNode app served on a real port, and a signed order. */
import http from 'http';
import { AddressInfo } from 'net';
import { qeasySignature } from '../../nodes/qeasy/sign';

let captured: unknown;

/**
 * A node module that hands the runtime's httpNode app over (the test helper serves only the admin app): load it with
 * the flow, then serve it with serveCallbacks.
 */
export function captureHttpNode(RED: any): void {
    captured = RED.httpNode;
    RED.nodes.registerType('capture-http', function (this: any, n: any) {
        RED.nodes.createNode(this, n);
    });
}

/** The httpNode app captured by the last load. */
function httpNode(): any {
    return captured;
}

/** A callback order of shop SHOP01 (the shape of seed 003). */
const order = (tid: string) => ({
    shop_no: 'SHOP01',
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

/**
 * The captured httpNode app served on a port of its own, one delivery in flight: `post(path, tid)` sends `order(tid)`
 * signed with `secret` (HMAC) and resolves with the answer's status and text; `close()` ends the server and its agent.
 */
export async function serveCallbacks(secret: string): Promise<{ post(path: string, tid: string): Promise<{ status: number; text: string }>; close(): Promise<void> }> {
    const server = http.createServer(httpNode());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (urlPath: string, tid: string) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
            const body = JSON.stringify(order(tid));
            const ts = Math.floor(Date.now() / 1000);
            const headers = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'X-Timestamp': String(ts), 'X-Signature': qeasySignature(secret, ts, body) };
            const req = http.request(`${base}${urlPath}`, { method: 'POST', headers, agent }, (res) => {
                let text = '';
                res.on('data', (c) => (text += c));
                res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            });
            req.on('error', reject);
            req.end(body);
        });
    const close = async () => {
        agent.destroy();
        await new Promise((r) => server.close(() => r(undefined)));
    };
    return { post, close };
}
