import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { GuanyiSim, GUANYI_DEMO } from '../sim/guanyi';
import { chinaTime, parseChinaTime, toEpochEndMs, toEpochMs } from '../../nodes/core';
import guanyiConfig = require('../../nodes/guanyi/guanyi-config');
import guanyiReturnGet = require('../../nodes/guanyi/guanyi-return-get');

/**
 * Vendors speak China time whatever the host's zone (protocols.md): CI runs in UTC, where code reading the host's zone
 * (new Date(y, m, d), getHours(), Date.parse of text without a zone) gives the same answers as UTC arithmetic. These run
 * under zones where it would not (Node reads process.env.TZ again when it changes).
 */
const ZONES = ['America/Los_Angeles', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Shanghai', 'Pacific/Kiritimati', 'Etc/GMT+12'];

function inZone(zone: string): () => void {
    const saved = process.env.TZ;
    process.env.TZ = zone;
    return () => {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
    };
}

/** China wall-clock text of an instant, by arithmetic alone (the reference the helpers are checked against). */
const chinaWallClock = (ms: number) => new Date(ms + 8 * 3600000).toISOString().replace('T', ' ').slice(0, 19);

describe('core: the host time zone changes nothing (China time on the wire)', function () {
    for (const zone of ZONES) {
        it(`time helpers under TZ=${zone}: texts are China time, dates alone end at China midnight, DST days included`, () => {
            const restore = inZone(zone);
            try {
                // The zone really is in force: otherwise this test would prove nothing.
                const offset = new Date(Date.UTC(2024, 0, 9, 12)).getTimezoneOffset();
                should(offset).equal({ 'America/Los_Angeles': 480, 'Europe/Berlin': -60, 'Asia/Kolkata': -330, 'Asia/Shanghai': -480, 'Pacific/Kiritimati': -840, 'Etc/GMT+12': 720 }[zone]);
                should(toEpochMs('2024-01-09 10:00:00')).equal(Date.UTC(2024, 0, 9, 2));
                should(toEpochMs('2024-01-09T10:00:00')).equal(Date.UTC(2024, 0, 9, 2));
                should(toEpochMs('2024-01-09')).equal(Date.UTC(2024, 0, 8, 16));
                should(toEpochMs('20240109')).equal(Date.UTC(2024, 0, 8, 16));
                should(toEpochMs(20240109103000)).equal(Date.UTC(2024, 0, 9, 2, 30));
                should(toEpochMs('2024-01-09T10:00:00Z')).equal(Date.UTC(2024, 0, 9, 10));
                should(toEpochMs('2024-01-09T10:00:00-05:00')).equal(Date.UTC(2024, 0, 9, 15));
                // Los Angeles skips 02:00 - 03:00 on 2024-03-10, Berlin 02:00 - 03:00 on 2024-03-31: China does not.
                should(toEpochMs('2024-03-10 02:30:00')).equal(Date.UTC(2024, 2, 9, 18, 30));
                should(toEpochMs('2024-03-31 02:30:00')).equal(Date.UTC(2024, 2, 30, 18, 30));
                should(toEpochEndMs('2024-03-10')).equal(Date.UTC(2024, 2, 10, 16) - 1);
                should(toEpochEndMs('2024-10-27', true)).equal(Date.UTC(2024, 9, 27, 16));
                should(toEpochEndMs('2024-11-03 23:00:00')).equal(Date.UTC(2024, 10, 3, 15));
                should(parseChinaTime('2024-02-29 23:59:59')).equal(Date.UTC(2024, 1, 29, 15, 59, 59));
                should(parseChinaTime('2023-02-29')).be.NaN();
                should(chinaTime(Date.UTC(2024, 0, 9, 16, 30))).equal('2024-01-10 00:30:00');
                should(chinaTime(Date.UTC(2024, 2, 10, 10))).equal('2024-03-10 18:00:00');
                const now = Date.now();
                should(chinaTime(now)).equal(chinaWallClock(now));
            } finally {
                restore();
            }
        });
    }

    describe('a query node under TZ=America/Los_Angeles (guanyi-return-get)', () => {
        let sim: GuanyiSim;
        let restore: () => void;

        beforeEach(async () => {
            restore = inZone('America/Los_Angeles');
            sim = new GuanyiSim();
            await sim.start();
        });
        afterEach(async () => {
            await helper.unload();
            await sim.stop();
            restore();
        });

        const config = { id: 'c1', type: 'guanyi-config', url: '', appkey: GUANYI_DEMO.appkey, retryBaseMs: 5, maxRetries: 3, rps: 0 };
        const loadNode = (extra: Msg = {}) =>
            load([guanyiConfig, guanyiReturnGet], withProbes([{ ...config, url: `${sim.baseUrl}/rest/erp_open` }, { id: 'n1', type: 'guanyi-return-get', z: 'f1', config: 'c1', params: {}, outputMode: 'all', ...extra }], 'n1', 1), {
                c1: { sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret },
            });

        it('a window of dates alone and ISO times is sent in China time', async () => {
            await loadNode();
            const r = await run('n1', { params: { start_create: '2024-01-08', end_create: '2024-01-09', in_begin_time: '2024-01-08T16:00:00Z', in_end_time: '2024-01-09T12:00:00-08:00' } }, 1);
            should(r.caught).be.undefined();
            should(sim.bodies[0]).match({ start_create: '2024-01-08 00:00:00', end_create: '2024-01-09 23:59:59', in_begin_time: '2024-01-09 00:00:00', in_end_time: '2024-01-10 04:00:00' });
        });

        it('incremental sync: the run ends now in China time, and the next one starts from there minus the overlap', async () => {
            await loadNode({ incremental: true, overlapMinutes: 10 });
            const before = Math.floor(Date.now() / 1000) * 1000;
            let r = await run('n1', {}, 1);
            const after = Date.now();
            should(r.caught).be.undefined();
            const end = sim.bodies[0].modify_end_date as string;
            should(end >= chinaWallClock(before - 1000) && end <= chinaWallClock(after)).be.true(`end ${end} is not now in China time (${chinaWallClock(after)})`);
            r = await run('n1', {}, 1);
            should(r.caught).be.undefined();
            const start = sim.bodies[1].modify_start_date as string;
            should(start >= chinaWallClock(before - 10 * 60000) && start <= chinaWallClock(after - 10 * 60000)).be.true(`start ${start} is not the first run's end less 10 minutes`);
        });
    });
});
