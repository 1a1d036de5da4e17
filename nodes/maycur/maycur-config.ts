import type { NodeAPI } from 'node-red';
import { registerConfigNode, commonClientSettings } from '../core';
import { MaycurClient, maycurBaseUrl, maycurConfigError as configError } from './client';

export = function (RED: NodeAPI) {
    registerConfigNode(RED, {
        type: 'maycur-config',
        system: 'maycur',
        credentials: { appSecret: { type: 'password' } },
        server: ['server', 'baseUrl'],
        createClient: (config, creds) => {
            const baseUrl = maycurBaseUrl(config);
            const appCode = String(config.appCode ?? '').trim();
            if (!appCode) throw configError({ key: 'maycur-config.test.setting.required', vars: { field: 'appCode' } });
            if (!creds.appSecret) throw configError({ key: 'maycur-config.test.setting.required', vars: { field: 'appSecret' } });
            const pagingMode = config.pagingMode === 'offset' ? 'offset' : 'page';
            return new MaycurClient(commonClientSettings('maycur', config, { rps: 5, concurrency: 2 }), { baseUrl, appCode, pagingMode }, { appSecret: creds.appSecret });
        },
    });
};
