import should from 'should';
import { normaliseTrade, classifyJackyun } from '../../nodes/jackyun/client';

describe('jackyun/client: normaliseTrade (seed 000 response shape)', () => {
    it('a trade already in shape is returned as it is, not copied', () => {
        const pay = { payNo: 'P1', tradeOrderColumnExt: { warehouseCode: 'CK01' } };
        const line = { goodsNo: 'G1', tradeOrderPayList: [pay] };
        const trade = { TradeNo: 'JY1', checkTotal: '10.00', goodsDetail: [line] };
        const out = normaliseTrade(trade);
        should(out).equal(trade);
        should(out.goodsDetail).equal(trade.goodsDetail);
        should((out.goodsDetail as any[])[0]).equal(line);
        should((out.goodsDetail as any[])[0].tradeOrderPayList[0]).equal(pay);
        should(out).eql({ TradeNo: 'JY1', checkTotal: '10.00', goodsDetail: [{ goodsNo: 'G1', tradeOrderPayList: [{ payNo: 'P1', tradeOrderColumnExt: { warehouseCode: 'CK01' } }] }] });
    });

    it('tradeNo in any casing becomes TradeNo, key order kept, no other casing left', () => {
        for (const key of ['tradeNo', 'tradeno', 'TRADENO']) {
            const out = normaliseTrade({ checkTotal: '1', [key]: 'JY2', postFee: '0', goodsDetail: [] });
            should(Object.keys(out)).eql(['checkTotal', 'TradeNo', 'postFee', 'goodsDetail']);
            should(out.TradeNo).equal('JY2');
        }
        // An existing TradeNo wins over another casing.
        should(normaliseTrade({ tradeNo: 'lower', TradeNo: 'JY3' })).eql({ TradeNo: 'JY3', goodsDetail: [] });
    });

    it('goodsDetail and tradeOrderPayList in other casings, as JSON text or as one object become arrays; tradeOrderColumnExt text is parsed', () => {
        const out = normaliseTrade({
            TradeNo: 'JY4',
            GoodsDetail: JSON.stringify([{ goodsNo: 'G1', TradeOrderPayList: { payNo: 'P1', tradeOrderColumnExt: '{"warehouseCode":"CK01","warehouseName":"杭州仓"}' } }, { goodsNo: 'G2' }]),
        });
        should(out).eql({
            TradeNo: 'JY4',
            goodsDetail: [
                { goodsNo: 'G1', tradeOrderPayList: [{ payNo: 'P1', tradeOrderColumnExt: { warehouseCode: 'CK01', warehouseName: '杭州仓' } }] },
                { goodsNo: 'G2', tradeOrderPayList: [] },
            ],
        });
        should(out).not.have.property('GoodsDetail');
    });

    it('missing or odd parts are filled in as empty arrays/objects, never dropped silently into undefined', () => {
        should(normaliseTrade(null)).eql({ goodsDetail: [] });
        should(normaliseTrade({ TradeNo: 'JY5' })).eql({ TradeNo: 'JY5', goodsDetail: [] });
        should(normaliseTrade({ TradeNo: 'JY6', goodsDetail: [null, { tradeOrderPayList: [null] }] })).eql({ TradeNo: 'JY6', goodsDetail: [{ tradeOrderPayList: [] }, { tradeOrderPayList: [{}] }] });
    });
});

describe('jackyun/client: classifyJackyun (protocols.md §2.3)', () => {
    it('signature, appkey, subscription and permission texts → config; frequency texts → rate-limit; else business', () => {
        for (const text of ['签名验证失败 0130010003', 'appkey不存在', '应用未订阅该接口', '无权限访问', '未授权']) should(classifyJackyun(text)).equal('config', text);
        for (const text of ['接口调用过于频繁', '触发限流', '超过每秒1次的调用', 'App Call Limited']) should(classifyJackyun(text)).equal('rate-limit', text);
        for (const text of ['未知错误 0130020001', '订单不存在']) should(classifyJackyun(text)).equal('business', text);
    });
    it('a frequency text naming the appkey is a rate limit (backed off), not a config error telling the user to check the appkey', () => {
        for (const text of ['appkey调用过于频繁，请稍后再试', 'appkey[187657]触发限流', 'sign 请求过于频繁 0130030001', '该应用权限内接口调用频繁']) should(classifyJackyun(text)).equal('rate-limit', text);
    });
    it('"sign" inside another word (startConsignTime, design) is no signature text: a business refusal stays business', () => {
        for (const text of ['startConsignTime与endConsignTime时间间隔不能超过七天 0130040004', '订单已发货 consigned', 'design error']) should(classifyJackyun(text)).equal('business', text);
        // A refusal of the request's own values is no rate limit (it was backed off and retried, then failed retryable).
        for (const text of ['查询时间范围超过7天，请缩小范围后再次查询', '时间范围超过7天请缩小范围后再次查询', 'pageSize exceeds the limit of 200', 'pageSize超过最大限制200']) should(classifyJackyun(text)).equal('business', text);
        for (const text of ['调用超过每分钟60次', 'api limit reached', 'Request limit exceeded', 'App Call Limited']) should(classifyJackyun(text)).equal('rate-limit', text);
        for (const text of ['Invalid sign', 'isv.invalid-signature', 'sign-check-failure', 'SignError']) should(classifyJackyun(text)).equal('config', text);
    });
    it('a server saying it is busy (系统繁忙, 服务器繁忙, system busy) → transient: it did nothing, and a read is asked again', () => {
        for (const text of ['系统繁忙，请稍后重试 0130020002', '服务器繁忙', 'appkey 系统繁忙', 'Server is busy, try again later']) should(classifyJackyun(text)).equal('transient', text);
    });
    it('Qimen\'s inner jkysign refused, worded without 签名, and a timestamp out of range (the clock) → config, not business', () => {
        for (const text of ['invalid jkysign', 'jkysign验证失败', '时间戳超出允许范围', 'Invalid timestamp']) should(classifyJackyun(text)).equal('config', text);
    });
});
