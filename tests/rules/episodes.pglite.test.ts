import { episodesSuite } from './episodes.suite.ts';

episodesSuite('PGlite', () => undefined);
