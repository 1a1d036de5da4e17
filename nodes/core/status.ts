/**
 * Node status, the same for every node: blue while working, yellow while backing off, green with counts when done,
 * red ring with the error code. Each new input clears a stale error.
 */
import type { Node } from 'node-red';

export class StatusReporter {
    private lastWorking = 0;

    constructor(private readonly node: Node) {}

    /** Throttled to a few updates a second: status messages cross the websocket to every open editor. */
    working(text: string, force = false): void {
        const now = Date.now();
        if (!force && now - this.lastWorking < 200) return;
        this.lastWorking = now;
        this.node.status({ fill: 'blue', shape: 'dot', text });
    }

    backingOff(text: string): void {
        this.node.status({ fill: 'yellow', shape: 'ring', text });
    }

    done(text: string, hadFailures = false): void {
        this.node.status({ fill: hadFailures ? 'yellow' : 'green', shape: 'dot', text });
    }

    error(code: string): void {
        this.node.status({ fill: 'red', shape: 'ring', text: code });
    }

    clear(): void {
        this.node.status({});
    }
}
