import sinon from 'sinon';
import should from 'should';
import type { Node, NodeStatus } from 'node-red';
import { StatusReporter } from '../../nodes/core/status';

describe('core/status: throttled node status', () => {
    it('a clock set back (NTP) does not hold the status: the latest still shows within a second', async () => {
        const clock = sinon.useFakeTimers({ now: 1_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
        try {
            const shown: NodeStatus[] = [];
            const status = new StatusReporter({ status: (s: NodeStatus) => void shown.push(s) } as unknown as Node);
            for (let i = 1; i <= 10; i++) status.done(`saved ${i}`); // this second's updates, all shown
            clock.setSystemTime(Date.now() - 3600000); // stepped back an hour; timers keep their time
            await clock.tickAsync(100);
            status.done('saved 11'); // held for the next second
            status.working('page 2');
            await clock.tickAsync(1000);
            should(shown[shown.length - 1]).match({ fill: 'blue', text: 'page 2' });
            status.done('all saved');
            await clock.tickAsync(1000);
            should(shown[shown.length - 1]).match({ fill: 'green', text: 'all saved' });
        } finally {
            clock.restore();
        }
    });
});
