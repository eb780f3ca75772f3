// Runs the compiled simulator in a process of its own, so that its arrival clock is not disturbed by the test
// runner's event loop. Options come as JSON in argv[2]; prints `{"url":...}` once listening; answers each
// `stats` line on stdin with the stats as one JSON line; exits on `close` or when stdin ends.
import { createInterface } from 'node:readline';
import { startSimulator } from '../../dist/sim/simulator.js';

const sim = await startSimulator(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  if (line === 'stats') {
    const s = sim.stats();
    process.stdout.write(`${JSON.stringify({ ...s, perCalendarSecond: [...s.perCalendarSecond.entries()] })}\n`);
  } else if (line === 'close') {
    await sim.close();
    process.exit(0);
  }
});
lines.on('close', async () => {
  await sim.close();
  process.exit(0);
});
