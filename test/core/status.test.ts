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

    it('countdown(): the wait left, once a second, then "…"; any other status ends it, and close() leaves no timer behind (a redeploy, a test, never held open)', async () => {
        const clock = sinon.useFakeTimers({ now: 1_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
        try {
            const shown: NodeStatus[] = [];
            const status = new StatusReporter({ status: (s: NodeStatus) => void shown.push(s) } as unknown as Node);
            status.countdown(3000, (s) => `paused: ${s} s`);
            await clock.tickAsync(3500);
            should(shown.map((s) => s.text)).eql(['paused: 3 s', 'paused: 2 s', 'paused: 1 s', '…']);
            should(shown[0]).match({ fill: 'yellow' });
            should(clock.countTimers()).equal(0);
            status.countdown(60000, (s) => `paused: ${s} s`);
            await clock.tickAsync(2000);
            status.done('saved 1');
            await clock.tickAsync(5000);
            should(shown[shown.length - 1]).match({ fill: 'green', text: 'saved 1' });
            status.countdown(60000, (s) => `paused: ${s} s`);
            status.close();
            should(clock.countTimers()).equal(0);
            should(shown[shown.length - 1]).eql({});
        } finally {
            clock.restore();
        }
    });
});
