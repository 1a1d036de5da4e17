import type { NodeAPI } from 'node-red';
import { registerConfigNode, commonClientSettings, isBlankValue } from '../core';
import { KingdeeClient, KingdeeAuthMode } from './client';

/**
 * kingdee-config: one Kingdee K/3 Cloud account (server URL, data centre, user, auth mode). Its client holds one
 * session shared by every Kingdee node using it; the limiter defaults to 5 requests/s, 2 in flight (protocols.md §1.8).
 */
export = function (RED: NodeAPI) {
    registerConfigNode(RED, {
        type: 'kingdee-config',
        system: 'kingdee',
        credentials: { password: { type: 'password' }, appSecret: { type: 'password' } },
        // The user's own password: it may end in a space, so it goes as typed (the app secret is Kingdee's, trimmed).
        verbatim: ['password'],
        server: ['serverUrl'],
        createClient: (config, creds) =>
            new KingdeeClient(
                commonClientSettings('kingdee', config, { rps: 5, concurrency: 2 }),
                {
                    serverUrl: String(config.serverUrl ?? ''),
                    acctId: String(config.acctId ?? '').trim(),
                    username: String(config.username ?? '').trim(),
                    lcid: config.lcid,
                    orgNum: config.orgNum === undefined || config.orgNum === null || String(config.orgNum).trim() === '' ? undefined : String(config.orgNum).trim(),
                    authMode: (config.authMode || 'password') as KingdeeAuthMode,
                    appId: String(config.appId ?? '').trim() || undefined,
                    signAlgorithm: config.signAlgorithm === 'sha1' ? 'sha1' : config.signAlgorithm === undefined || config.signAlgorithm === '' || config.signAlgorithm === 'sha256' ? 'sha256' : config.signAlgorithm,
                    bodyForm: config.bodyForm === 'positional' ? 'positional' : 'named',
                    maxLimit: isBlankValue(config.maxLimit) ? undefined : Number(config.maxLimit),
                },
                { password: creds.password, appSecret: creds.appSecret },
            ),
    });
};
