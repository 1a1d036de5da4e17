/**
 * The package main, for use outside Node-RED: the vendors' signers (pure functions, each exactly as the vendor's
 * own SDK signs), the clients, the mapping compiler and the shared kit. Node-RED itself loads the node files listed
 * in package.json.
 */
import { kingdeeLogin, kingdeeApiHeaders } from './kingdee/sign';
import { jackyun } from './jackyun/sign';
import { top } from './qimen/sign';
import { wdtWms } from './wdt-wms/sign';
import { wdt } from './wdt/sign';
import { guanyi } from './guanyi/sign';
import { maycurLogin } from './maycur/sign';
import { jingchengSign } from './jingcheng/sign';
import { qeasySignature } from './qeasy/sign';

export const signers = {
    kingdeeLogin,
    kingdeeApiHeaders,
    jackyun,
    top,
    wdtWms,
    wdt,
    guanyi,
    maycurLogin,
    jingcheng: jingchengSign,
    qeasy: qeasySignature,
};

export { KingdeeClient } from './kingdee/client';
export { JackyunClient } from './jackyun/client';
export { WdtWmsClient } from './wdt-wms/client';
export { WdtClient } from './wdt/client';
export { GuanyiClient } from './guanyi/client';
export { MaycurClient } from './maycur/client';
export { JingchengClient } from './jingcheng/client';
export { compileMapping } from './mapper/compile';
export * as core from './core';
