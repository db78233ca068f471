// The relay's entry point for `pnpm start`: the same as `veil-relay serve`.
import { processIo } from './cli/cli-io';
import { serve } from './cli/serve';

process.exitCode = await serve(processIo());
