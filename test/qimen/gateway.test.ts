import should from 'should';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../nodes/core/retry';
import { topGatewayError } from '../../nodes/qimen/gateway';

describe('qimen/gateway: topGatewayError (protocols.md §3.5)', () => {
    const ban = { code: 7, msg: 'App Call Limited', sub_code: 'accesscontrol.limited-by-app-access-count', sub_msg: 'This ban will last for 12 more seconds' };

    it("a call-limit ban is waited out for as long as the gateway says it lasts, not the usual backoff's few seconds", () => {
        const err = topGatewayError('jackyun', ban);
        should(err.kind).equal('rate-limit');
        should(err.retryAfterMs).equal(12000);
        // Every attempt of the default policy waits out the ban (its own backoff reaches 8 s by the last).
        for (let attempt = 0; attempt < DEFAULT_RETRY_POLICY.maxRetries; attempt++) should(backoffDelay(attempt, DEFAULT_RETRY_POLICY, err, () => 1)).equal(12000);
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
});
