// The real index worker, which dies (as a crash would end it) when asked to search for "crash now".
process.on('message', (message) => {
  if (message.type === 'search' && message.query === 'crash now') {
    process.stderr.write('simulated crash\n');
    process.exit(7);
  }
});
require('./indexWorkerEntry.cjs');
