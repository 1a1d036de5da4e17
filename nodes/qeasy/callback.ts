/** What the callback node and its config node share: the auto-filled reply and the config node's shape. */
import type { Node } from 'node-red';
import responseSchema from './schemas/order-response.json';

export type Order = Record<string, unknown>;

export type CallbackAuth = 'token' | 'hmac';

export interface CallbackHeaders {
    [name: string]: string | string[] | undefined;
}

export interface QeasyConfigNode extends Node {
    auth: CallbackAuth;
    windowSeconds: number;
    /**
     * Checks a delivery. Resolves to the replay key of an HMAC delivery (its timestamp and signature), `''` for a
     * token delivery, or undefined when the delivery is not authentic. Never says which check failed.
     */
    verify(headers: CallbackHeaders, rawBody: Buffer, nowMs?: number): string | undefined;
}

const REPLY_FIELDS = Object.keys((responseSchema as any).properties).filter((k) => k !== 'order_list' && k !== 'number');
const REPLY_LINE_FIELDS = Object.keys((responseSchema as any).properties.order_list.items.properties);

/** The auto-filled reply: the response table's fields copied from the same-named request fields (§9.2). */
export function echoReply(order: Order, numberSource = 'tid'): Order {
    const out: Order = {};
    for (const key of REPLY_FIELDS) if (order[key] !== undefined) out[key] = order[key];
    if (order[numberSource] !== undefined) out.number = order[numberSource];
    if (Array.isArray(order.order_list)) {
        out.order_list = order.order_list.map((line) => {
            const l: Order = {};
            for (const key of REPLY_LINE_FIELDS) if ((line as Order)?.[key] !== undefined) l[key] = (line as Order)[key];
            return l;
        });
    }
    return out;
}

