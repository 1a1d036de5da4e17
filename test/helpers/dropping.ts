import cp from 'child_process';
import net from 'net';

export interface DroppingListener {
    port: number;
    close(): void;
}

/**
 * A port on 127.0.0.1 where a connection attempt is never answered, as behind a firewall dropping it or at a server
 * rebooting: a listener whose accept queue is full, so the kernel drops further SYNs. Its process is stopped (SIGSTOP)
 * so it never accepts, and connections held here fill its queue (backlog 1).
 */
export async function droppingListener(): Promise<DroppingListener> {
    const child = cp.spawn(process.execPath, ['-e', "const s = require('net').createServer(() => {}).listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => process.send(s.address().port))"], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
        child.once('message', (p) => resolve(Number(p)));
        child.once('error', reject);
    });
    child.kill('SIGSTOP');
    const held: net.Socket[] = [];
    const close = () => {
        for (const s of held) s.destroy();
        child.kill('SIGKILL');
    };
    // Connect until one attempt is left unanswered: the queue is full from then on.
    for (let i = 0; i < 8; i++) {
        const s = net.connect(port, '127.0.0.1');
        held.push(s);
        const connected = await new Promise<boolean>((r) => {
            s.once('connect', () => r(true));
            s.once('error', () => r(false));
            setTimeout(() => r(false), 150);
        });
        if (!connected) return { port, close };
    }
    close();
    throw new Error('droppingListener: every connection was accepted');
}
