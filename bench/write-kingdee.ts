/**
 * Writes: kingdee-batch-save (seed 000 销售出库 SAL_OutStock), 50,000 bills per side in BatchSave calls of 100, at
 * config-node concurrency 1 vs 4 under the same rate limit (10 calls/s; the simulator answers each call after
 * 200 ms), interleaved; the limiter's observed BatchSave rate from the simulator's request timestamps (the session
 * login is not counted). The bills carry no FBillNo (the simulator numbers them), so no duplicate check runs.
 */
import { main } from './lib/bench';
import { writeBench } from './lib/write';
import { KingdeeSim, KINGDEE_DEMO } from '../test/sim/kingdee';
import kingdeeConfig = require('../nodes/kingdee/kingdee-config');
import kingdeeBatchSave = require('../nodes/kingdee/kingdee-batch-save');

main('write kingdee-batch-save', async () => {
    const sim = new KingdeeSim();
    await sim.start();
    return writeBench('write kingdee-batch-save', {
        nodeType: 'kingdee-batch-save',
        modules: [kingdeeConfig, kingdeeBatchSave],
        sim,
        config: (id, concurrency, rps) => ({ id, type: 'kingdee-config', serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, lcid: KINGDEE_DEMO.lcid, authMode: 'password', rps, concurrency, maxRetries: 0 }),
        credentials: { password: KINGDEE_DEMO.password },
        node: { params: { FormId: { value: 'SAL_OutStock', type: 'str' }, chunkSize: { value: '100', type: 'num' } } },
        records: (tag, first, count) =>
            Array.from({ length: count }, (_, i) => ({
                FBillTypeID: 'XSCKD01_SYS',
                FDate: '2024-01-08',
                FSaleOrgID: '100',
                FStockOrgID: '100',
                FCustomerID: 'CUST001',
                FNote: `吉客云 ${tag}-${first + i} 加急`,
                FEntity: [
                    { FMaterialID: 'MAT001', FRealQty: 2, FStockID: 'CK01' },
                    { FMaterialID: 'MAT002', FRealQty: 5, FStockID: 'CK01' },
                ],
            })),
        stored: () => new Set(sim.rows('SAL_OutStock').map((r) => r.FID)).size,
        recordsPerMsg: 500,
        isData: (req) => /\.BatchSave\.common\.kdsvc$/i.test(req.path),
        rps: 10,
        latencyMs: 200,
        total: { full: 50000, quick: 2000 },
        notes: ['kingdee: session login (password mode), 500 bills per msg (5 BatchSave calls of 100, in order within a msg), 8 msgs in flight; every bill accepted (checked: all on output 1).'],
    });
});
