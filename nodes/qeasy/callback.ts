/** What the callback node and its config node share: the auto-filled reply and the config node's shape. */
import type { Node } from 'node-red';
import responseSchema from './schemas/order-response.json';

export type Order = Record<string, unknown>;

export type CallbackAuth = 'token' | 'hmac';
export type TokenHeader = 'x-token' | 'bearer';

export interface CallbackHeaders {
    [name: string]: string | string[] | undefined;
}

export interface QeasyConfigNode extends Node {
    auth: CallbackAuth;
    tokenHeader: TokenHeader;
    windowSeconds: number;
    /**
     * Defaults for the callback nodes using this config (each node may override them). `dedupeKey`: the fields that
     * identify one order, comma-separated (`shop_no,tid` by default; one field, e.g. `tid`, as earlier releases saved it).
     */
    dedupeKey: string;
    dedupeWindowSeconds: number;
    numberSource: string;
    /**
     * Checks a delivery. Resolves to the replay key of an HMAC delivery (its timestamp and signature), `''` for a
     * token delivery, or undefined when the delivery is not authentic. Never says which check failed.
     */
    verify(headers: CallbackHeaders, rawBody: Buffer, nowMs?: number): string | undefined;
    /** Inbound rate limit (protocols.md §9.3: none by default). True when this delivery may proceed. */
    admitRate(nowMs?: number): boolean;
}

const REPLY_FIELDS = Object.keys((responseSchema as any).properties).filter((k) => k !== 'order_list' && k !== 'number');
const REPLY_LINE_FIELDS = Object.keys((responseSchema as any).properties.order_list.items.properties);

/** A field of an order by name or dotted path (`order_list.0.oid` is not needed; `receiver.mobile` style is). */
export function fieldOf(order: Order, path: string): unknown {
    if (Object.prototype.hasOwnProperty.call(order, path)) return order[path];
    let cur: unknown = order;
    for (const part of path.split('.')) {
        if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
        cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
}

/**
 * The auto-filled reply (protocols.md §9.2): the response table's fields copied unchanged from the same-named request
 * fields (absent ones omitted), `number` from `numberSource` (default `tid`), and `order_list[]` lines likewise.
 */
export function echoReply(order: Order, numberSource = 'tid'): Order {
    const out: Order = {};
    for (const key of REPLY_FIELDS) {
        if (key === 'tid') {
            if (order.tid !== undefined) out.tid = order.tid;
            const n = fieldOf(order, numberSource);
            if (n !== undefined) out.number = n;
            continue;
        }
        if (order[key] !== undefined) out[key] = order[key];
    }
    if (Array.isArray(order.order_list)) {
        out.order_list = order.order_list.map((line) => {
            const l: Order = {};
            for (const key of REPLY_LINE_FIELDS) if ((line as Order)?.[key] !== undefined) l[key] = (line as Order)[key];
            return l;
        });
    }
    return out;
}
