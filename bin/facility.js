#!/usr/bin/env node
import { register } from 'tsx/esm/api';

// Everything the platform writes (records, secrets, spool) is its own: files 0600, directories 0700.
process.umask(0o077);
register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
