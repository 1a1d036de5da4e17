import should from 'should';
import { XMLParser } from 'fast-xml-parser';
import { WdtWmsSim, WDT_WMS_DEMO } from '../sim/wdt-wms';
import { chinaTime } from '../../nodes/core/time';
import { wdtWms } from '../../nodes/wdt-wms/sign';
import { top } from '../../nodes/qimen/sign';

const parser = new XMLParser({ parseTagValue: false });

async function cancel(url: string, body: string, opts: { secret?: string; qimen?: boolean; method?: string } = {}): Promise<any> {
    const secret = opts.secret ?? WDT_WMS_DEMO.secret;
    let q: Record<string, string>;
    if (opts.qimen) {
        q = { method: opts.method ?? 'taobao.qimen.order.cancel', app_key: WDT_WMS_DEMO.appkey, customerId: WDT_WMS_DEMO.sid, format: 'xml', sign_method: 'md5', timestamp: chinaTime(Date.now()), v: '2.0' };
        q.sign = top(q, body, secret);
    } else {
        q = { method: opts.method ?? 'WDT_WMS_ORDER_CANCEL', appkey: WDT_WMS_DEMO.appkey, sid: WDT_WMS_DEMO.sid, format: 'xml', sign_method: 'md5', timestamp: chinaTime(Date.now()) };
        q.sign = wdtWms(q, body, secret);
    }
    const res = await fetch(`${url}/wms_api/wdt_service.php?${new URLSearchParams(q)}`, { method: 'POST', headers: { 'Content-Type': 'text/xml;charset=utf-8' }, body });
    return parser.parse(await res.text()).response;
}

const xml = (code: string, extra = '') => `<?xml version="1.0" encoding="utf-8"?><request><warehouseCode>WH01</warehouseCode><orderCode>${code}</orderCode><orderType>CGTH</orderType><cancelReason>ERP单据作废</cancelReason>${extra}</request>`;

describe('test/sim/wdt-wms: the simulator speaks the protocol', () => {
    let sim: WdtWmsSim;
    let url = '';
    beforeEach(async () => {
        sim = new WdtWmsSim();
        url = await sim.start();
    });
    afterEach(() => sim.stop());

    it('cancels a known order once; the book records it', async () => {
        const r = await cancel(url, xml('TL2024010001'));
        should(r.flag).equal('success');
        should(sim.orders.get('TL2024010001')!.status).equal('cancelled');
    });

    it('a bad signature is SIGN_ERROR', async () => {
        const r = await cancel(url, xml('TL2024010001'), { secret: 'wrong' });
        should(r.flag).equal('failure');
        should(r.code).equal('SIGN_ERROR');
        should(sim.orders.get('TL2024010001')!.status).equal('created');
    });

    it('unknown order → ORDER_NOT_EXIST, shipped order → ORDER_CANNOT_CANCEL, unknown orderType → PARAM_ERROR', async () => {
        should((await cancel(url, xml('NOPE'))).code).equal('ORDER_NOT_EXIST');
        should((await cancel(url, xml('TL2024010010'))).code).equal('ORDER_CANNOT_CANCEL');
        should((await cancel(url, xml('TL2024010002').replace('CGTH', 'XXXX'))).code).equal('PARAM_ERROR');
    });

    it('a body holding a character XML 1.0 does not allow (U+000B) is not well-formed: PARAM_ERROR, nothing cancelled', async () => {
        const r = await cancel(url, xml('TL2024010001').replace('ERP单据作废', 'ERP单据作废\u000b见备注'));
        should(r.flag).equal('failure');
        should(r.code).equal('PARAM_ERROR');
        should(sim.orders.get('TL2024010001')!.status).equal('created');
    });

    it('accepts the Qimen names with the plain TOP sign', async () => {
        should((await cancel(url, xml('TL2024010003'), { qimen: true })).flag).equal('success');
        should((await cancel(url, xml('TL2024010004'), { qimen: true, method: 'order.cancel' })).flag).equal('success');
    });

    it('rate-limit fault', async () => {
        sim.inject({ type: 'vendor', name: 'rate-limit' });
        should((await cancel(url, xml('TL2024010005'))).code).equal('REQUEST_TOO_FREQUENT');
    });
});
