/** What the qeasy-callback benches share: the runtime's httpNode app served on a real port, and a signed order. */

let captured: unknown;

/**
 * A node module that hands the runtime's httpNode app over (the test helper serves only the admin app): load it with
 * the flow, then serve `httpNode()` on a port of its own.
 */
export function captureHttpNode(RED: any): void {
    captured = RED.httpNode;
    RED.nodes.registerType('capture-http', function (this: any, n: any) {
        RED.nodes.createNode(this, n);
    });
}

/** The httpNode app captured by the last load. */
export function httpNode(): any {
    return captured;
}

/** A callback order of shop SHOP01 (the shape of seed 003). */
export const order = (tid: string) => ({
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
