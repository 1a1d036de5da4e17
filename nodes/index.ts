/**
 * The package main, for use outside Node-RED: the vendor clients' signers and the shared kit.
 * (Node-RED itself loads the node files listed in package.json.)
 */
export * as core from './core';
