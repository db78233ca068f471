// The relay's entry point with every module loaded before it starts: it waits for a line on
// stdin, then serves exactly as `pnpm start` does. The crash suite keeps one standing by, so a
// restart after SIGKILL costs opening the database and listening, not seconds of module loading
// on a busy 2-core machine — the kill itself stays a real, unannounced SIGKILL.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { processIo } from '../cli/cli-io';
import { serve } from '../cli/serve';

// Later lines, when node runs with --expose-gc (relay-process.ts, `exposeGc`): "gc" runs a full
// collection and answers "gc done", so a memory reading (the bench's idle sockets) counts what the
// relay holds, not garbage a burst of connections happened to leave.
const collect = (globalThis as { gc?: () => void }).gc;
const lines = createInterface({ input: process.stdin });
await once(lines, 'line');
if (collect === undefined) {
  lines.close();
  process.stdin.destroy();
} else
  lines.on('line', (line) => {
    if (line !== 'gc') return;
    collect();
    process.stdout.write('gc done\n');
  });
process.exitCode = await serve(processIo());
// Serving, close-with-grace ends the process on a signal; not serving (a bad configuration), an
// open stdin would keep it alive.
if (process.exitCode !== 0) {
  lines.close();
  process.stdin.destroy();
}
