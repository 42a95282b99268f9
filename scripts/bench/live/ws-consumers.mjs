// Child process for bench:live CONSUMERS=ws: one WebSocket to Lookout's MSE endpoint carrying a
// subscription per key given, counting what arrives (no decoding). Runs in its own process so its
// receive cost is not counted as the supervisor's. Prints running totals (JSON lines) every 250 ms;
// exits when stdin closes.
//   node ws-consumers.mjs ws://127.0.0.1:PORT/api/ws cam1/main,cam2/main
import WebSocket from 'ws';

const [url, keysArg] = process.argv.slice(2);
const keys = (keysArg ?? '').split(',').filter(Boolean);
const stats = { keys: keys.length, inits: 0, fragments: 0, bytes: 0, errors: [] };
const ws = new WebSocket(url, { perMessageDeflate: false });
ws.binaryType = 'nodebuffer';
ws.on('open', () => {
  keys.forEach((key, i) => ws.send(JSON.stringify({ type: 'subscribe', id: i + 1, key })));
  process.stdout.write(JSON.stringify({ event: 'open' }) + '\n');
});
ws.on('message', (data, isBinary) => {
  if (!isBinary) {
    const msg = JSON.parse(String(data));
    if (msg.type === 'error') stats.errors.push(msg.message);
    return;
  }
  const kind = data[0];
  if (kind === 1) stats.inits++;
  else if (kind === 2) {
    stats.fragments++;
    stats.bytes += data.length - 4;
  }
});
ws.on('error', (err) => stats.errors.push(String(err && err.message)));

// Running totals four times a second, so the parent can take a byte count at any moment.
const report = setInterval(
  () => process.stdout.write(JSON.stringify({ event: 'stats', ...stats }) + '\n'),
  250,
);

let done = false;
const finish = () => {
  if (done) return;
  done = true;
  clearInterval(report);
  process.stdout.write(JSON.stringify({ event: 'stats', ...stats }) + '\n');
  ws.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.stdin.on('end', finish);
process.stdin.on('close', finish);
process.stdin.resume();
process.on('SIGTERM', finish);
