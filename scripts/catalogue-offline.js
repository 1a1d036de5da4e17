// Preloaded into node-red-dev by scripts/validate.js: this machine cannot reach catalogue.nodered.org, which the
// scorecard's P08 (similar package names) and N01 (unique node names) checks download. Answer those requests with an
// empty catalogue so the other checks run; validate.js reports P08 and N01 as not checked.
'use strict';
const https = require('https');
const { PassThrough } = require('stream');
const { EventEmitter } = require('events');

const original = https.request;
https.request = function (options, ...rest) {
    const host = typeof options === 'string' ? new URL(options).hostname : options instanceof URL ? options.hostname : options.hostname || options.host;
    if (host !== 'catalogue.nodered.org') return original.call(this, options, ...rest);
    const callback = rest.find((a) => typeof a === 'function');
    const req = new PassThrough();
    req.setTimeout = () => req;
    req.abort = () => undefined;
    req.setNoDelay = () => undefined;
    req.setSocketKeepAlive = () => undefined;
    req.socket = new EventEmitter();
    process.nextTick(() => {
        const res = new PassThrough();
        res.statusCode = 200;
        res.headers = { 'content-type': 'application/json' };
        res.rawHeaders = ['content-type', 'application/json'];
        res.httpVersion = '1.1';
        res.end(JSON.stringify({ modules: [] }));
        if (callback) callback(res);
        req.emit('response', res);
    });
    return req;
};
