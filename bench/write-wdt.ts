/**
 * Writes: wdt-trade-push, 50,000 trades per side in chunks of 100 (the API's maximum per call), at config-node
 * concurrency 1 vs 4 under the same rate limit (10 calls/s; the simulator answers each call after 200 ms, a cloud
 * push of 100 trades), interleaved; the limiter's observed call rate from the simulator's request timestamps.
 */
import { main } from './lib/bench';
import { writeBench } from './lib/write';
import { WdtSim, WDT_DEMO, demoTrade } from '../test/sim/wdt';
import wdtConfig = require('../nodes/wdt/wdt-config');
import wdtTradePush = require('../nodes/wdt/wdt-trade-push');

main('write wdt-trade-push', async () => {
    const sim = new WdtSim();
    await sim.start();
    return writeBench('write wdt-trade-push', {
        nodeType: 'wdt-trade-push',
        modules: [wdtConfig, wdtTradePush],
        sim,
        config: (id, concurrency, rps) => ({ id, type: 'wdt-config', server: 'custom', baseUrl: `${sim.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey, rps, concurrency, maxRetries: 0 }),
        credentials: { appsecret: WDT_DEMO.appsecret },
        node: { params: { shop_no: { value: WDT_DEMO.shopNo, type: 'str' }, switch: { value: '0', type: 'str' }, chunkSize: { value: '100', type: 'num' } } },
        records: (tag, first, count) => Array.from({ length: count }, (_, i) => demoTrade(`T-${tag}-${first + i}`)),
        stored: () => sim.trades.size,
        recordsPerMsg: 500,
        isData: (req) => req.path.endsWith('/trade_push.php'),
        rps: 10,
        latencyMs: 200,
        total: { full: 50000, quick: 2000 },
        notes: ['wdt: 500 trades per msg (5 calls of 100, in order within a msg), 8 msgs in flight; switch=0; every trade accepted (checked: all on output 1).'],
    });
});
