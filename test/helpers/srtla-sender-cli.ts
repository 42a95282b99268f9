/**
 * The test sender alone in a process (run inside a network namespace by the lossy-link test):
 *   node --import tsx test/helpers/srtla-sender-cli.ts <receiver host> <receiver port> <listen port> <local address>...
 * Prints `ready` once every link is registered; `stats` on stdin prints its link stats as JSON;
 * stops when stdin closes.
 */
import { createInterface } from 'node:readline';
import { SrtlaTestSender } from './srtla-sender.js';

const [rhost, rport, lport, ...locals] = process.argv.slice(2);
const sender = new SrtlaTestSender({
  listen: { host: '127.0.0.1', port: Number(lport) },
  receiver: { host: rhost!, port: Number(rport) },
  localAddresses: locals,
});
await sender.start();
const t = setInterval(() => {
  if (sender.activeLinks === locals.length) {
    clearInterval(t);
    process.stdout.write('ready\n');
  }
}, 50);
const lines = createInterface({ input: process.stdin });
lines.on('line', (l) => {
  if (l.trim() === 'stats') process.stdout.write(`${JSON.stringify(sender.linkStats())}\n`);
});
lines.on('close', () => void sender.stop().then(() => process.exit(0)));
