#!/usr/bin/env node
// `veil-relay`: runs the TypeScript CLI in relay/src/cli through tsx's loader (the relay ships
// sources, not a build). `veil-relay serve` keeps the process alive until SIGINT/SIGTERM.
/* global process */
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
