/**
 * Incremental sync: a query node remembers up to when it has read (epoch ms) in its node context, in a store the
 * user selects (a persistent or shared store survives restarts). The next run starts from the watermark minus an
 * overlap, to catch records updated late or committed out of order.
 */
import type { Node } from 'node-red';

const KEY = 'cnErpWatermark';

export class Watermark {
    constructor(
        private readonly node: Node,
        private readonly store: string | undefined,
        readonly overlapMs: number,
    ) {}

    get(): Promise<number | undefined> {
        return new Promise((resolve, reject) => {
            this.node.context().get(KEY, this.store as string, (err: Error | undefined, value: unknown) => {
                if (err) return reject(err);
                resolve(typeof value === 'number' && Number.isFinite(value) ? value : undefined);
            });
        });
    }

    set(ms: number): Promise<void> {
        return new Promise((resolve, reject) => {
            this.node.context().set(KEY, ms, this.store as string, (err?: Error) => (err ? reject(err) : resolve()));
        });
    }

    clear(): Promise<void> {
        return new Promise((resolve, reject) => {
            this.node.context().set(KEY, undefined, this.store as string, (err?: Error) => (err ? reject(err) : resolve()));
        });
    }
}
