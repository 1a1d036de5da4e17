/**
 * The package main, for use outside Node-RED: the vendors' signers (pure functions, each exactly as the vendor's
 * own SDK signs), the clients, and the shared kit. Node-RED itself loads the node files listed in package.json.
 */
import { jackyun } from './jackyun/sign';
import { top } from './qimen/sign';
import { wdtWms } from './wdt-wms/sign';
import { maycurLogin } from './maycur/sign';
import { jingchengSign } from './jingcheng/sign';

export const signers = {
    jackyun,
    top,
    wdtWms,
    maycurLogin,
    jingcheng: jingchengSign,
};

export { JackyunClient } from './jackyun/client';
export { WdtWmsClient } from './wdt-wms/client';
export { MaycurClient } from './maycur/client';
export { JingchengClient } from './jingcheng/client';
export * as core from './core';
