import { limitHeapGrowth } from '../core/indexing/heapGrowth';
import { runCli } from './main';

// Building an index is most of what this process may do; see `limitHeapGrowth`.
limitHeapGrowth();

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`groundwork: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
