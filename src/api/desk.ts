/** The service desk the record, alert and statistics routes call (records/service). */
// Placeholder until records/service/index.ts lands; replaced by its exported type.
export type ServiceDesk = object;
