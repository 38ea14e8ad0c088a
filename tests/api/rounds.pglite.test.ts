import { roundsApiSuite } from './rounds.suite.ts';

roundsApiSuite('embedded PGlite', () => undefined);
