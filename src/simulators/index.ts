export { CctvModel, type CctvOptions } from './cctv.ts';
export { answerCommand, type CommandOutcome } from './commands.ts';
export { type Fleet, type FleetOptions, type FleetStats, runFleet } from './fleet.ts';
export { LiftModel, type LiftOptions } from './lift.ts';
export { EMERGENCY_BATTERY_V, LightingModel, type LightingOptions, PHOTOCELL_LUX } from './lighting.ts';
export {
  type CommandAnswer,
  clamp,
  DeviceModel,
  faultsOf,
  LINK_FAULTS,
  type LinkFault,
  type ModelOptions,
  type ModelSink,
  type OutMessage,
  round,
} from './model.ts';
export { type AnyModel, createModel, type SimDevice, type SiteContext } from './models.ts';
export {
  type CredentialEntry,
  CredentialsError,
  countKinds,
  credentialEntry,
  credentialsSchema,
  type FleetCounts,
  type FleetPlan,
  type LoadedCredentials,
  loadCredentials,
  type PlannedBuilding,
  type PlannedDevice,
  type ProvisionFleet,
  planFleet,
} from './plan.ts';
export { hashSeed, Rng } from './prng.ts';
export { PUMP_LIMITS, PumpModel, type PumpOptions, waterDemandProfile } from './pump.ts';
export {
  loadScenario,
  parseScenario,
  parseSelector,
  resolveScenario,
  type Scenario,
  ScenarioError,
  ScenarioPlayer,
  type ScenarioStep,
  type Selector,
  scenarioSchema,
  type TimelineEntry,
} from './scenario.ts';
export { localHour, parseDuration, solarElevationDeg } from './time.ts';
