import path from 'path';
import should from 'should';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../nodes/core/retry';
import { english } from '../../nodes/core/i18n';
import { topErrorKind, topGatewayError } from '../../nodes/qimen/gateway';
import { testButtonText } from '../helpers/editor-locales';

describe('qimen/gateway: topGatewayError (protocols.md §3.5)', () => {
    const ban = { code: 7, msg: 'App Call Limited', sub_code: 'accesscontrol.limited-by-app-access-count', sub_msg: 'This ban will last for 12 more seconds' };

    it("a call-limit ban is waited out for as long as the gateway says it lasts, not the usual backoff's few seconds", () => {
        const err = topGatewayError('jackyun', ban);
        should(err.kind).equal('rate-limit');
        should(err.retryAfterMs).equal(12000);
        // Every attempt of the default policy waits out the ban (its own backoff reaches 8 s by the last).
        for (let attempt = 0; attempt < DEFAULT_RETRY_POLICY.maxRetries; attempt++) should(backoffDelay(attempt, DEFAULT_RETRY_POLICY, err, () => 1)).equal(12000);
    });

    it('every call limit is a rate limit: user (4), session (5), partner (6), app count (7) and app frequency (8, "App Call Exceeds Limited Frequency")', () => {
        for (const code of [4, 5, 6, 7, 8]) should(topErrorKind(code)).equal('rate-limit', String(code));
        should(topGatewayError('jackyun', { code: 8, msg: 'App Call Exceeds Limited Frequency' })).match({ kind: 'rate-limit', code: 'TOP_8', safeToRepeat: true });
    });

    it("a remote service error (15) is transient only when the platform failed (isp.*, or no sub_code); the target's own refusal (isv.*, its own codes) is business, never retried", () => {
        should(topErrorKind(15)).equal('transient');
        for (const sub of ['isp.remote-service-timeout', 'isp.top-remote-connection-error', 'isp.unknown-error']) should(topErrorKind(15, sub)).equal('transient', sub);
        for (const sub of ['isv.invalid-parameter:orderType', 'isv.SMS_SIGNATURE_ILLEGAL', '2401']) should(topErrorKind(15, sub)).equal('business', sub);
        should(topGatewayError('jackyun', { code: 15, msg: 'Remote service error', sub_code: 'isv.invalid-parameter', sub_msg: '参数无效' })).match({ kind: 'business', retryable: false });
        // The sub_code decides only for code 15: a signature refused (25, isv.invalid-signature) stays a config error.
        should(topErrorKind(25, 'isv.invalid-signature')).equal('config');
    });

    it('a remote service error under a service\'s own code (50, 520, 530, 550: "Remote service error" as TOP answers them) is told apart as code 15 is: isv.* the target\'s refusal (business), isp.* the platform\'s failure (transient)', () => {
        for (const code of [50, 520, 530, 550]) {
            should(topErrorKind(code, 'isv.invalid-parameter:trade_id')).equal('business', String(code));
            should(topErrorKind(code, 'isv.item-update-service-error:ERROR_PUBLISH_PERMISSION_INVALID')).equal('business', String(code));
            should(topErrorKind(code, 'isp.remote-service-timeout')).equal('transient', String(code));
        }
        // TOP: a sub_code isp.* is the server's failure whatever the code (its SDK's AutoRetryTaobaoClient retries every one).
        should(topErrorKind(10, 'isp.top-remote-connection-timeout')).equal('transient');
        // The platform's own refusals stay as they are.
        should(topErrorKind(25, 'isv.invalid-signature')).equal('config');
        should(topErrorKind(11, 'isv.permission-api-package-limit')).equal('config');
        should(topErrorKind(41, 'isv.invalid-parameter')).equal('validation');
    });

    it('says what the gateway said: msg and sub_msg, the code and sub_code', () => {
        should(topGatewayError('jackyun', ban).message).equal('Qimen gateway: App Call Limited: This ban will last for 12 more seconds (code 7) [accesscontrol.limited-by-app-access-count]');
        should(topGatewayError('wdt-wms', { code: 25, msg: 'Invalid signature' }).message).equal('Qimen gateway: Invalid signature (code 25)');
        should(topGatewayError('wdt-wms', { code: 15, sub_msg: '远程服务错误' }).message).equal('Qimen gateway: 远程服务错误 (code 15)');
    });

    it('no wait is read from a call limit that names none, nor from another code', () => {
        should(topGatewayError('jackyun', { ...ban, sub_msg: '调用频率超限' }).retryAfterMs).be.undefined();
        should(topGatewayError('jackyun', { code: 15, msg: 'Remote service error', sub_msg: 'This ban will last for 12 more seconds' }).retryAfterMs).be.undefined();
    });

    it("with the config node's catalog: the same English message, kind and wait, and the text the test button shows in a zh-CN editor", () => {
        const catalog = (system: string) => ({ type: `${system}-config`, inEnglish: english(path.join(__dirname, '..', '..', 'nodes', system, `${system}-config.js`)) });
        for (const system of ['jackyun', 'wdt-wms']) {
            for (const answer of [ban, { code: 25, msg: 'Invalid signature', sub_code: 'isv.invalid-signature' }, { code: 25, msg: 'Invalid signature' }, { code: 15, sub_msg: '远程服务错误' }, { code: 11 }]) {
                const plain = topGatewayError(system, answer);
                const said = topGatewayError(system, answer, {}, catalog(system));
                should(said).match({ message: plain.message, kind: plain.kind, code: plain.code, retryAfterMs: plain.retryAfterMs, details: { sub_code: (answer as { sub_code?: string }).sub_code, text: { key: /^\S+-config\.test\.qimenGateway(Sub)?$/ } } });
            }
        }
        const zh = (system: string, answer: Record<string, unknown>) => {
            const e = topGatewayError(system, answer, {}, catalog(system));
            return testButtonText(system, `${system}-config`, { ok: false, kind: e.kind, code: e.code, message: e.message, text: (e.details as { text: unknown }).text }, 'zh-CN');
        };
        should(zh('jackyun', ban)).equal('✘ TOP_7: 奇门网关：App Call Limited：This ban will last for 12 more seconds（错误码 7，子错误码 accesscontrol.limited-by-app-access-count）');
        should(zh('wdt-wms', { code: 15, sub_msg: '远程服务错误' })).equal('✘ TOP_15: 奇门网关：远程服务错误（错误码 15）');
        should(zh('wdt-wms', { code: 11 })).equal('✘ TOP_11: 奇门网关：未说明原因（错误码 11）');
    });
});
