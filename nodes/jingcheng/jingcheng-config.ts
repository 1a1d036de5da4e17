import type { NodeAPI } from 'node-red';
import { registerConfigNode, commonClientSettings, urlQueryProblem } from '../core';
import { JingchengClient, JingchengAuthMode, HEADER_NAME, NOT_IN_HEADER, parseExtraHeaders, tokenTemplateProblem, jingchengConfigError as configError, jingchengSetting as setting } from './client';

export = function (RED: NodeAPI) {
    registerConfigNode(RED, {
        type: 'jingcheng-config',
        system: 'jingcheng',
        credentials: { token: { type: 'password' }, secret: { type: 'password' } },
        server: ['baseUrl'],
        createClient: (config, creds) => {
            const baseUrl = String(config.baseUrl ?? '').trim();
            if (!baseUrl) throw configError(setting('required', 'baseUrl'));
            if (!/^https?:\/\/[^\s/]+/i.test(baseUrl)) throw configError(setting('url', 'baseUrl'));
            const query = urlQueryProblem(baseUrl);
            if (query) throw configError(`baseUrl: ${query}`);
            const auth = String(config.auth || 'none') as JingchengAuthMode;
            if (!['none', 'token', 'md5'].includes(auth)) throw configError(setting('auth', 'auth', { got: auth }));
            if (auth === 'token' && !creds.token) throw configError(setting('requiredToken', 'token'));
            if (auth === 'md5' && !creds.secret) throw configError(setting('requiredMd5', 'secret'));
            // The token goes in a header: what a header cannot carry would be dropped on the way, and the ERP say only
            // "authentication refused". The token's own characters are not quoted (it is a secret).
            if (auth === 'token' && NOT_IN_HEADER.test(String(config.tokenTemplate ?? ''))) throw configError(setting('notInHeader', 'tokenTemplate', { char: JSON.stringify(NOT_IN_HEADER.exec(String(config.tokenTemplate))![0]) }));
            const template = auth === 'token' && config.tokenTemplate ? tokenTemplateProblem(String(config.tokenTemplate)) : undefined;
            if (template) throw configError(template);
            if (auth === 'token' && NOT_IN_HEADER.test(creds.token)) throw configError(setting('tokenNotInHeader', 'token'));
            for (const name of ['tokenHeader', 'timestampHeader', 'signHeader'] as const) {
                if (config[name] && !HEADER_NAME.test(String(config[name]))) throw configError(setting('headerName', name, { name: String(config[name]) }));
            }
            return new JingchengClient(
                commonClientSettings('jingcheng', config, { rps: 2, concurrency: 1 }),
                {
                    baseUrl,
                    path: config.path || 'ExtApi_RecvExSheet',
                    auth,
                    tokenHeader: config.tokenHeader || undefined,
                    tokenTemplate: config.tokenTemplate || undefined,
                    timestampHeader: config.timestampHeader || undefined,
                    signHeader: config.signHeader || undefined,
                    successPath: config.successPath || undefined,
                    successValue: config.successValue === undefined || config.successValue === '' ? undefined : String(config.successValue),
                    messagePath: config.messagePath || undefined,
                    codePath: config.codePath || undefined,
                    extraHeaders: parseExtraHeaders(config.extraHeaders),
                },
                { token: creds.token, secret: creds.secret },
            );
        },
    });
};
