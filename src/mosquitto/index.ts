/**
 * mosquitto 2 as the broker: its dynamic security plugin kept in step with the device registry
 * (sync.ts), and the plugin's file written from the registry (export.ts). docs/deploy.md.
 */
export { connectDynsec, type DynsecAdmin, type DynsecConnection } from './control.ts';
export { dynsecFile } from './export.ts';
export { type DynsecSync, type DynsecSyncDeps, startDynsecSync } from './sync.ts';
