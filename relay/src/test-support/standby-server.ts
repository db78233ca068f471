// The relay's entry point with every module loaded before it starts: it waits for a line on
// stdin, then serves exactly as `pnpm start` does. The crash suite keeps one standing by, so a
// restart after SIGKILL costs opening the database and listening, not seconds of module loading
// on a busy 2-core machine — the kill itself stays a real, unannounced SIGKILL.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { processIo } from '../cli/cli-io';
import { serve } from '../cli/serve';
import { answerGcLines } from './gc-over-stdin';

// Later lines, when node runs with --expose-gc (relay-process.ts, `exposeGc`): "gc" asks for a full
// collection (gc-over-stdin.ts). Otherwise stdin is done with.
const lines = createInterface({ input: process.stdin });
await once(lines, 'line');
if (!answerGcLines(lines)) {
  lines.close();
  process.stdin.destroy();
}
process.exitCode = await serve(processIo());
// Serving, close-with-grace ends the process on a signal; not serving (a bad configuration), an
// open stdin would keep it alive.
if (process.exitCode !== 0) {
  lines.close();
  process.stdin.destroy();
}
