/**
 * Writes: jingcheng-recv (one return sheet per request, md5 signature) at concurrency 1 vs 4 under the same rate
 * limit. Stands in for the batch-write nodes' harness and keeps it exercised; the issue's write targets are
 * kingdee-batch-save and wdt-trade-push (bench/write-kingdee.ts, bench/write-wdt.ts).
 */
import { main } from './lib/bench';
import { writeBench } from './lib/write';
import { JingchengSim, JINGCHENG_DEMO, demoSheet } from '../test/sim/jingcheng';
import jingchengConfig = require('../nodes/jingcheng/jingcheng-config');
import jingchengRecv = require('../nodes/jingcheng/jingcheng-recv');

main('write jingcheng-recv', async () => {
    const sim = new JingchengSim({ auth: 'md5' });
    await sim.start();
    return writeBench('write jingcheng-recv', {
        nodeType: 'jingcheng-recv',
        modules: [jingchengConfig, jingchengRecv],
        sim,
        config: (id, concurrency, rps) => ({ id, type: 'jingcheng-config', baseUrl: sim.baseUrl, auth: 'md5', rps, concurrency, maxRetries: 0 }),
        credentials: { secret: JINGCHENG_DEMO.secret },
        records: (tag, first, count) => Array.from({ length: count }, (_, i) => ({ ...demoSheet(`RS-${tag}-${first + i}`), CustomerName: '天猫旗舰店', Remark: '退货：尺码不合适' })),
        stored: () => sim.sheets.size,
        recordsPerMsg: 10,
        isData: (req) => req.path.endsWith('/ExtApi_RecvExSheet'),
        rps: 100,
        latencyMs: 20,
        total: { full: 10000, quick: 400 },
        notes: ['jingcheng: one record per request, so 10,000 records per side (50,000 would take 8 minutes per side at 100 req/s).'],
    });
});
