/** The demo estate: what `facility start` creates and simulates on a first run. */
export * from './estate.ts';
export * from './faults.ts';
export * from './fleet.ts';
export * from './plans.ts';
export * from './provision.ts';
export * from './rounds.ts';
export * from './staff.ts';
