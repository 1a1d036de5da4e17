import should from 'should';
import { util } from '@node-red/util';
import { ParamReader, TypedValue } from '../../nodes/core/params';

/**
 * A node's settings typed JSON or number, read as Node-RED reads them (its own evaluateNodeProperty), except where
 * that would round a whole number beyond 2^53: a Java long id typed into a setting must reach the vendor exact.
 */
describe('ParamReader: node settings holding a long id', () => {
    const RED = { util, _: (key: string) => key } as any;
    const node = { warn() {} } as any;
    const read = (settings: Record<string, TypedValue>, msg: Record<string, unknown> = {}) => new ParamReader(RED, node, Object.keys(settings), settings, false).read(msg);

    it('a JSON setting keeps a whole number beyond 2^53 as its exact digits (Node-RED rounded 1234567890123456789 to …800), and other numbers as numbers', async () => {
        const params = await read({ filter: { value: '{"ids": [1234567890123456789, 42], "rate": 1.5, "note": "单号 12345678901234567890"}', type: 'json' } });
        should(params.filter).eql({ ids: ['1234567890123456789', 42], rate: 1.5, note: '单号 12345678901234567890' });
    });

    it('a JSON setting that is no JSON is refused naming the setting', async () => {
        await should(read({ filter: { value: '{"ids": [1,}', type: 'json' } })).be.rejectedWith(/^filter: cannot evaluate the json setting \(/);
    });

    it('a number setting of a whole number beyond 2^53 is refused naming the setting (a number cannot hold it: it was sent rounded)', async () => {
        await should(read({ billId: { value: '1234567890123456789', type: 'num' } })).be.rejectedWith(/^billId: cannot evaluate the num setting \(1234567890123456789 is a whole number beyond 2\^53.*as text/);
    });

    it('number settings within 2^53 read as Node-RED reads them', async () => {
        const params = await read({ pageSize: { value: '200', type: 'num' }, big: { value: '9007199254740991', type: 'num' }, rate: { value: '1.5', type: 'num' } });
        should(params).eql({ pageSize: 200, big: 9007199254740991, rate: 1.5 });
    });

    it('a JSONata setting that throws is refused naming the setting with JSONata\'s own reason (it throws plain objects, not Errors)', async () => {
        await should(read({ ids: { value: '$error("no shop given")', type: 'jsonata' } })).be.rejectedWith(/^ids: cannot evaluate the jsonata setting \(no shop given/);
        await should(read({ ids: { value: 'payload.(', type: 'jsonata' } }, { payload: {} })).be.rejectedWith(/^ids: cannot evaluate the jsonata setting \((?!\[object Object\]).+/);
    });

    it('a msg.params key that is a parameter written another way (shopCode for shop_code) is told once, naming the parameter meant; other unknown keys pass silently (msg.params travels on to later nodes)', async () => {
        const warned: unknown[] = [];
        const reader = new ParamReader({ util, _: (key: string, vars: Record<string, unknown>) => `${key} ${JSON.stringify(vars)}` } as any, { warn: (t: unknown) => warned.push(t) } as any, ['shop_code', 'pageSize'], {}, false);
        should(await reader.read({ params: { shopCode: 'S1', 'page-size': 50, FormId: 'X' } })).eql({});
        await reader.read({ params: { shopCode: 'S2' } });
        should(warned).eql([
            'runtime.warn.paramNearMiss {"key":"shopCode","name":"shop_code"}',
            'runtime.warn.paramNearMiss {"key":"page-size","name":"pageSize"}',
        ]);
        should(await reader.read({ params: { shop_code: 'S1' } })).eql({ shop_code: 'S1' });
        should(warned).have.length(2);
    });

    it('a setting still ${NAME} (Node-RED leaves it when no variable NAME is set) is refused naming the setting and the variable', async () => {
        const err = await read({ shop: { value: '${SHOP_CODE}', type: 'str' } }).then(() => undefined, (e) => e);
        should(err).be.an.Error();
        should(err.message).equal("shop: ${SHOP_CODE} is an environment variable that is not set (a subflow instance's property, a flow's or the process's)");
        should(err.field).equal('shop');
    });

    it('an env setting naming a variable nothing sets is refused naming the setting and the variable, as ${NAME} is (Node-RED read it as "", which beat msg.params)', async () => {
        delete process.env.CN_ERP_TEST_UNSET_SHOP;
        for (const value of ['CN_ERP_TEST_UNSET_SHOP', '${CN_ERP_TEST_UNSET_SHOP}', 'S-${CN_ERP_TEST_UNSET_SHOP}']) {
            const err = await read({ shop: { value, type: 'env' } }, { params: { shop: 'S1' } }).then(() => undefined, (e) => e);
            should(err).be.an.Error();
            should(err.message).equal(`shop: ${value === 'CN_ERP_TEST_UNSET_SHOP' ? value : '${CN_ERP_TEST_UNSET_SHOP}'} is an environment variable that is not set (a subflow instance's property, a flow's or the process's)`);
            should(err.field).equal('shop');
        }
    });

    it('an env setting reads its variable when set (also to ""), and one naming no variable is blank: msg.params is read', async () => {
        process.env.CN_ERP_TEST_SET_SHOP = 'S9';
        process.env.CN_ERP_TEST_EMPTY_SHOP = '';
        try {
            should(await read({ shop: { value: 'CN_ERP_TEST_SET_SHOP', type: 'env' } }, { params: { shop: 'S1' } })).eql({ shop: 'S9' });
            should(await read({ shop: { value: '${CN_ERP_TEST_SET_SHOP}', type: 'env' } })).eql({ shop: 'S9' });
            should(await read({ shop: { value: 'CN_ERP_TEST_EMPTY_SHOP', type: 'env' } })).eql({ shop: '' });
            should(await read({ shop: { value: '', type: 'env' } }, { params: { shop: 'S1' } })).eql({ shop: 'S1' });
        } finally {
            delete process.env.CN_ERP_TEST_SET_SHOP;
            delete process.env.CN_ERP_TEST_EMPTY_SHOP;
        }
    });
});
