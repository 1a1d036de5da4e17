import type { NodeAPI } from 'node-red';
import { registerConfigNode, commonClientSettings, urlQueryProblem } from '../core';
import { GuanyiClient, GUANYI_DEFAULT_URL, guanyiConfigError as configError } from './client';

export = function (RED: NodeAPI) {
    registerConfigNode(RED, {
        type: 'guanyi-config',
        system: 'guanyi',
        credentials: { sessionkey: { type: 'password' }, secret: { type: 'password' } },
        server: ['url'],
        createClient: (config, creds) => {
            const url = String(config.url || GUANYI_DEFAULT_URL).trim();
            if (!/^https?:\/\/[^\s/]+/i.test(url)) throw configError({ key: 'guanyi-config.test.setting.url' });
            const query = urlQueryProblem(url);
            if (query) throw configError(`url: ${query}`);
            const appkey = String(config.appkey ?? '').trim();
            if (!appkey) throw configError({ key: 'guanyi-config.test.setting.required', vars: { field: 'appkey' } });
            if (!creds.sessionkey) throw configError({ key: 'guanyi-config.test.setting.required', vars: { field: 'sessionkey' } });
            if (!creds.secret) throw configError({ key: 'guanyi-config.test.setting.required', vars: { field: 'secret' } });
            return new GuanyiClient(commonClientSettings('guanyi', config, { rps: 5, concurrency: 2 }), { url, appkey }, { sessionkey: creds.sessionkey, secret: creds.secret });
        },
    });
};
