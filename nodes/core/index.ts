/** The shared kit: knows Node-RED and HTTP, knows no vendor. */
export * from './errors';
export * from './http';
export * from './limiter';
export * from './keyed-lock';
export * from './retry';
export * from './client';
export * from './spec';
export * from './validate';
export * from './params';
export * from './paging';
export * from './status';
export * from './watermark';
export * from './time';
export { registerEndpoint, getSpec } from './endpoint';
export type { OutputMode } from './endpoint';
export { registerConfigNode, commonClientSettings } from './config-node';
export type { ConfigNode, ConfigNodeDef } from './config-node';
export * from './ack';
