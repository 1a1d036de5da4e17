import should from 'should';
import { WdtClient } from '../../nodes/wdt/client';
import { commonClientSettings } from '../../nodes/core';
import { WdtSim, WDT_DEMO } from '../sim/wdt';
import { testButtonText } from '../helpers/editor-locales';

describe('wdt client: classification and test connection', () => {
    let sim: WdtSim;
    beforeEach(async () => {
        sim = new WdtSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const client = (secret = WDT_DEMO.appsecret) => new WdtClient(commonClientSettings('wdt', { rps: 0, retryBaseMs: 5, maxRetries: 0 }, { rps: 1, concurrency: 1 }), { baseUrl: `${sim.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey }, { appsecret: secret });

    it('classifies §5.3 messages: signature/appkey/sid and clock → config, frequency → rate-limit, the rest business', () => {
        const c = client();
        should(c.classify(1070, '签名sign错误').kind).equal('config');
        should(c.classify(1040, '卖家账号sid不存在: x').kind).equal('config');
        should(c.classify(1050, 'appkey不存在或未授权').kind).equal('config');
        should(c.classify(1060, '时间戳timestamp超出允许范围').message).match(/clock/);
        should(c.classify(1090, '接口调用过于频繁,请稍后再试').kind).equal('rate-limit');
        should(c.classify(1091, '调用次数超过限制').kind).equal('rate-limit');
        // A frequency text naming the account is a rate limit (backed off), not "check sid, appkey and appsecret".
        should(c.classify(1090, 'appkey调用过于频繁,请稍后再试')).match({ kind: 'rate-limit', retryAfterMs: 1100 });
        should(c.classify(1090, '卖家账号sid接口调用触发限流').kind).equal('rate-limit');
        should(c.classify(100, '店铺不存在: SHOP9').kind).equal('business');
        // The server too busy to take the call did nothing with it: sent again, not a refusal (core isBusyAnswer).
        should(c.classify(1080, '系统繁忙,请稍后再试')).match({ kind: 'transient', safeToRepeat: true });
        should(c.classify(1080, '服务器繁忙')).match({ kind: 'transient', safeToRepeat: true });
        // 忙 in a business state is no busy server.
        should(c.classify(100, '仓库系统忙时不能修改订单').kind).equal('business');
        // English words that merely contain the terms are not about the account
        should(c.classify(100, 'goods assigned to another shop, see inside').kind).equal('business');
        c.close();
    });

    it('testConnection lists shops with a signed call; a wrong secret is a config error naming no secret', async () => {
        let c = client();
        should(await c.testConnection({})).match(/connected .* as wdtdemo: 2 shops/);
        // What the route sends the editor's button, which shows it in Chinese in a zh-CN editor.
        const { message, key, vars } = await c.checkConnection({});
        should(testButtonText('wdt', 'wdt-config', { ok: true, message, text: { key: `wdt-config.test.${key}`, vars } }, 'zh-CN')).match(/^✔ 已连接 http:\S+，卖家账号 wdtdemo：2 个店铺$/);
        c.close();
        c = client('wrong-secret-123');
        const err = await c.testConnection({}).then(() => undefined, (e) => e);
        should(err).match({ kind: 'config', code: '1070' });
        should(err.message).not.containEql('wrong-secret-123');
        c.close();
    });

    it('a non-JSON answer to a push is transient and not repeated (the push may have happened)', async () => {
        const c = new WdtClient(commonClientSettings('wdt', { rps: 0, retryBaseMs: 5, maxRetries: 3 }, { rps: 1, concurrency: 1 }), { baseUrl: `${sim.baseUrl}/openapi2`, sid: WDT_DEMO.sid, appkey: WDT_DEMO.appkey }, { appsecret: WDT_DEMO.appsecret });
        sim.inject({ type: 'http', status: 200, body: '<html>gateway</html>' });
        const err = await c.tradePush('SHOP01', '0', [{ tid: 'T1', order_list: [] }], {}).then(() => undefined, (e) => e);
        should(err).match({ kind: 'transient', code: 'BAD_RESPONSE', safeToRepeat: false });
        should(sim.requests).have.length(1);
        c.close();
    });
});
