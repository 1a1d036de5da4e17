import type { NodeAPI } from 'node-red';
import { registerConfigNode, commonClientSettings } from '../core';
import { WdtClient, wdtBaseUrl, wdtConfigError as configError } from './client';

export = function (RED: NodeAPI) {
    registerConfigNode(RED, {
        type: 'wdt-config',
        system: 'wdt',
        credentials: { appsecret: { type: 'password' } },
        server: ['server', 'baseUrl'],
        createClient: (config, creds) => {
            const baseUrl = wdtBaseUrl(config);
            const sid = String(config.sid ?? '').trim();
            const appkey = String(config.appkey ?? '').trim();
            if (!sid) throw configError({ key: 'wdt-config.test.setting.required', vars: { field: 'sid' } });
            if (!appkey) throw configError({ key: 'wdt-config.test.setting.required', vars: { field: 'appkey' } });
            if (!creds.appsecret) throw configError({ key: 'wdt-config.test.setting.required', vars: { field: 'appsecret' } });
            // Rate limits are unpublished; integrators space calls ~1.1 s (protocols.md §5.3).
            return new WdtClient(commonClientSettings('wdt', config, { rps: 1, concurrency: 1 }), { baseUrl, sid, appkey }, { appsecret: creds.appsecret });
        },
    });
};
