// The index worker process for tests: the extension forks its bundle (dist/worker.js); tests fork this entry,
// which loads the TypeScript through tsx.
require('tsx/cjs');
require('../../src/core/worker/workerMain.ts');
