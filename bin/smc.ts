#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { buildProgram } from './program.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

await buildProgram(pkg.version).parseAsync(process.argv);
