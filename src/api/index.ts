export { type ApiDeps, buildApp } from './app.ts';
export { type Change, toChange } from './changes.ts';
// The console's sign-ins, for the demo estate's people (src/demo/staff.ts).
export { LoginStore } from './console/index.ts';
export { type ApiConfig, apiOptionsFromConfig } from './from-config.ts';
export type { InfluxQuery, InfluxSeries } from './history.ts';
export { type ApiOptions, apiOptionsSchema, resolveApiOptions } from './options.ts';
export { ROLES, type Role } from './roles.ts';
export { type RunningApi, startApi } from './server.ts';
export { hashToken, tokenPrefix } from './tokens.ts';
