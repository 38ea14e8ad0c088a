import { dutyApiSuite } from './duty.suite.ts';

dutyApiSuite('embedded PGlite', () => undefined);
