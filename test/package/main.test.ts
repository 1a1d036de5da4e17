import path from 'path';
import should from 'should';
import * as kingdee from '../../nodes/kingdee/sign';
import * as jackyun from '../../nodes/jackyun/sign';
import * as qimen from '../../nodes/qimen/sign';
import * as wdtWms from '../../nodes/wdt-wms/sign';
import * as wdt from '../../nodes/wdt/sign';
import * as guanyi from '../../nodes/guanyi/sign';
import * as maycur from '../../nodes/maycur/sign';
import * as jingcheng from '../../nodes/jingcheng/sign';
import * as qeasy from '../../nodes/qeasy/sign';
import * as mapper from '../../nodes/mapper/compile';

/** What `require('@cn-erp/node-red-connectors')` gives a user: the package.json "main" of the built package. */
describe('package main: signers, clients and the mapping compiler for use outside Node-RED', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const build = path.resolve(__dirname, '..', '..'); // dist/, or a BUILD_OUT folder holding the same tree
    const mainPath: string = require(path.join(root, 'package.json')).main;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const main = require(path.join(build, path.relative('dist', mainPath)));

    it('package.json "main" is the compiled nodes/index', () => {
        should(mainPath).equal('dist/nodes/index.js');
    });

    it('exports every signer the issues name, each being the system folder\'s own pure function', () => {
        should(main.signers.kingdeeLogin).equal(kingdee.kingdeeLogin);
        should(main.signers.kingdeeApiHeaders).equal(kingdee.kingdeeApiHeaders);
        should(main.signers.jackyun).equal(jackyun.jackyun);
        should(main.signers.top).equal(qimen.top);
        should(main.signers.wdtWms).equal(wdtWms.wdtWms);
        should(main.signers.wdt).equal(wdt.wdt);
        should(main.signers.guanyi).equal(guanyi.guanyi);
        should(main.signers.maycurLogin).equal(maycur.maycurLogin);
        should(main.signers.jingcheng).equal(jingcheng.jingchengSign);
        should(main.signers.qeasy).equal(qeasy.qeasySignature);
    });

    it('signs through the main export as through the module (protocols.md §3.6 Q0 shape)', () => {
        const params = { app_key: 'test', method: 'taobao.item.seller.get', timestamp: '2016-01-01 12:00:00', v: '2.0', sign_method: 'md5' };
        should(main.signers.top(params, '', 'helloworld')).equal(qimen.top(params, '', 'helloworld'));
        should(main.signers.top(params, '', 'helloworld')).match(/^[0-9A-F]{32}$/);
    });

    it('exports a client per system and compileMapping', () => {
        for (const name of ['KingdeeClient', 'JackyunClient', 'WdtWmsClient', 'WdtClient', 'GuanyiClient', 'MaycurClient', 'JingchengClient']) {
            should(main[name]).be.a.Function().and.have.property('name', name);
        }
        should(main.compileMapping).equal(mapper.compileMapping);
        const compiled = main.compileMapping({ fields: { FBillNo: { template: 'XS-{{tradeNo}}' }, FQty: { path: 'qty', convert: 'number' } } });
        should(compiled({ tradeNo: 'T1', qty: '3' })).eql({ ok: true, record: { FBillNo: 'XS-T1', FQty: 3 } });
    });
});
