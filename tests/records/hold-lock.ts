/** Child-process fixture: opens the embedded store in argv[2], says "ready", holds it until killed or stdin ends. */
import pino from 'pino';
import { openRecords } from '../../src/records/index.ts';

const records = await openRecords({ dataDir: process.argv[2]!, log: pino({ level: 'silent' }) });
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => void records.close());
