import { contactsApiSuite } from './contacts.suite.ts';

contactsApiSuite('embedded PGlite', () => undefined);
