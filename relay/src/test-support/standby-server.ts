// The relay's entry point with every module loaded before it starts: it waits for a line on
// stdin, then serves exactly as `pnpm start` does. The crash suite keeps one standing by, so a
// restart after SIGKILL costs opening the database and listening, not seconds of module loading
// on a busy 2-core machine — the kill itself stays a real, unannounced SIGKILL.
import { once } from 'node:events';
import { processIo } from '../cli/cli-io';
import { serve } from '../cli/serve';

await once(process.stdin, 'data');
process.stdin.destroy();
process.exitCode = await serve(processIo());
