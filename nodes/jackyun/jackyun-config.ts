import type { NodeAPI } from 'node-red';
import { registerConfigNode, commonClientSettings } from '../core';
import { JackyunClient, JackyunMode } from './client';
import type { TopSignMethod } from '../qimen/sign';

/** jackyun-config: one Jackyun account, reached directly or through Qimen (protocols.md §2, §3.4). */
export = function (RED: NodeAPI) {
    registerConfigNode(RED, {
        type: 'jackyun-config',
        system: 'jackyun',
        credentials: { appSecret: { type: 'password' }, qimenSecret: { type: 'password' } },
        server: ['gatewayUrl'],
        createClient: (config, creds) =>
            new JackyunClient(
                // Jackyun: about 1 request/s per app [unconfirmed]; one at a time.
                commonClientSettings('jackyun', config, { rps: 1, concurrency: 1 }),
                {
                    mode: ((config.mode as string) || 'direct') as JackyunMode,
                    gatewayUrl: String(config.gatewayUrl ?? '').trim(),
                    appKey: String(config.appKey ?? '').trim(),
                    version: String(config.version ?? '').trim() || undefined,
                    qimenAppKey: String(config.qimenAppKey ?? '').trim() || undefined,
                    targetAppKey: String(config.targetAppKey ?? '').trim() || undefined,
                    customerId: String(config.customerId ?? '').trim() || undefined,
                    partnerId: String(config.partnerId ?? '').trim() || undefined,
                    signMethod: ((config.signMethod as string) || 'md5') as TopSignMethod,
                    maxPageSize: config.maxPageSize,
                },
                { appSecret: creds.appSecret, qimenSecret: creds.qimenSecret },
            ),
    });
};
