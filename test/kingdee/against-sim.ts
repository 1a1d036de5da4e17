import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import { KingdeeClient, KingdeeSettings } from '../../nodes/kingdee/client';
import { commonClientSettings } from '../../nodes/core';

const D = 'DynamicFormService.';

/**
 * A Kingdee simulator started before each test of the enclosing describe and a client made against it on demand
 * (closed after the test): fast retries, no rate limit, the demo account in the given auth mode.
 */
export function kingdeeClientAgainstSim(settings: Partial<KingdeeSettings>, creds: Record<string, string>) {
    const kit = {
        sim: undefined as unknown as KingdeeSim,
        client: undefined as KingdeeClient | undefined,
        make(extra: Partial<KingdeeSettings> = {}, extraCreds: Record<string, string> = {}): KingdeeClient {
            return (kit.client = new KingdeeClient(
                commonClientSettings('kingdee', { rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3 }, { rps: 5, concurrency: 2 }),
                { serverUrl: kit.sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, appId: KINGDEE_DEMO.appId, ...settings, ...extra } as KingdeeSettings,
                { ...creds, ...extraCreds },
            ));
        },
        /** The simulator's requests to one DynamicFormService operation (`ExecuteBillQuery`, `BatchSave`, …). */
        calls: (op: string) => kit.sim.requests.filter((r) => r.path.includes(D + op)),
    };
    beforeEach(async () => {
        kit.sim = new KingdeeSim();
        await kit.sim.start();
    });
    afterEach(async () => {
        await kit.client?.close();
        kit.client = undefined;
        await kit.sim.stop();
    });
    return kit;
}
