import { maintenanceApiSuite } from './maintenance-api.suite.ts';

maintenanceApiSuite('PGlite', () => undefined);
