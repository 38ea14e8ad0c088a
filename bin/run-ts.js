#!/usr/bin/env node
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// Runs a TypeScript file through tsx's loader (a dev dependency): the development scripts, the
// benchmarks and the tests' child processes. `facility` itself runs the compiled dist/ (bin/facility.js).
import { register } from 'tsx/esm/api';

register();
const [file, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(file), ...rest];
await import(pathToFileURL(resolve(file)).href);
