/**
 * Node status, the same for every node: blue while working, yellow while backing off, green with counts when done,
 * red ring with the error code. Each new input clears a stale error.
 */
import type { Node } from 'node-red';

export class StatusReporter {
    private lastWorking = 0;
    /** Set by close(): work cut off by the close must not paint its outcome over the cleared status. */
    protected closed = false;

    constructor(private readonly node: Node) {}

    /** Throttled to a few updates a second: status messages cross the websocket to every open editor. */
    working(text: string, force = false): void {
        if (this.closed) return;
        const now = Date.now();
        if (!force && now - this.lastWorking < 200) return;
        this.lastWorking = now;
        this.node.status({ fill: 'blue', shape: 'dot', text });
    }

    backingOff(text: string): void {
        if (this.closed) return;
        this.node.status({ fill: 'yellow', shape: 'ring', text });
    }

    done(text: string, hadFailures = false): void {
        if (this.closed) return;
        this.node.status({ fill: hadFailures ? 'yellow' : 'green', shape: 'dot', text });
    }

    error(code: string): void {
        if (this.closed) return;
        this.node.status({ fill: 'red', shape: 'ring', text: code });
    }

    clear(): void {
        this.node.status({});
    }

    /**
     * The node is closing (redeploy): the status is cleared and stays so. Node-RED keeps a node's last status for the
     * new instance of a redeployed node, which would otherwise show the "CANCELLED" of the calls the close cut off.
     */
    close(): void {
        this.closed = true;
        this.node.status({});
    }
}
