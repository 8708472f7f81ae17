// Preloaded into benchmarked child processes: reports the peak resident set size (all threads) at exit.
const { writeSync } = require('node:fs');
process.on('exit', () => writeSync(2, `\n@@maxrss ${process.resourceUsage().maxRSS}\n`));
