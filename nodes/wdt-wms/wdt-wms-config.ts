import type { NodeAPI } from 'node-red';
import { registerConfigNode, commonClientSettings } from '../core';
import { WdtWmsClient, WmsApiStyle } from './client';

/** wdt-wms-config: one WDT WMS account (protocols.md §4): service URL, appkey, secret, sid, format. */
export = function (RED: NodeAPI) {
    registerConfigNode(RED, {
        type: 'wdt-wms-config',
        system: 'wdt-wms',
        credentials: { secret: { type: 'password' } },
        server: ['serviceUrl'],
        createClient: (config, creds) =>
            new WdtWmsClient(
                commonClientSettings('wdt-wms', config, { rps: 5, concurrency: 2 }),
                {
                    serviceUrl: String(config.serviceUrl ?? '').trim(),
                    appkey: String(config.appkey ?? '').trim(),
                    sid: String(config.sid ?? '').trim(),
                    format: (String(config.format ?? '').trim() || 'xml') as 'xml',
                    apiStyle: (String(config.apiStyle ?? '').trim() || 'wdt') as WmsApiStyle,
                },
                creds.secret,
            ),
    });
};
