import { recordsApiSuite } from './records.suite.ts';

recordsApiSuite('embedded PGlite', () => undefined);
