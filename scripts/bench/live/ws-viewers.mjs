// Child process for bench:scale: WebSocket MSE viewers of Lookout's /api/ws, each socket subscribed to
// the keys given (a 9-tile grid = one socket with 9 subscriptions, as the panel's page opens), in its own
// process so its receive cost is not the supervisor's. Besides bytes it measures fragment lateness:
// per stream, (arrival wall ms − fragment decode time ms) minus the smallest such value seen for that
// stream, i.e. how much later than its own best cadence a fragment arrived. Prints JSON lines:
//   {"event":"open"} once every socket is open, then {"event":"stats",...} every 250 ms.
// stdin line "reset" starts a new lateness window, "report" prints {"event":"lateness",...} for it;
// exits when stdin closes.
//   node ws-viewers.mjs ws://127.0.0.1:PORT/api/ws cam1/main,cam2/main [cam3/main,...]
import WebSocket from 'ws';
import { createInterface } from 'node:readline';

const [url, ...groups] = process.argv.slice(2);
const sockets = groups.map((g) => g.split(',').filter(Boolean));
const stats = { sockets: sockets.length, inits: 0, fragments: 0, bytes: 0, errors: [] };
/** per stream: timescale, best (arrival − media) ms, lateness samples of this window */
const streams = new Map();
let window = [];
let opened = 0;

/** First box of `type` inside `buf` (a flat scan: moov/trak/mdia/mdhd and moof/traf/tfdt are unique enough). */
function findBox(buf, type) {
  const i = buf.indexOf(type, 4, 'latin1');
  return i < 4 ? -1 : i + 4; // offset of the box payload (version byte)
}

function onInit(sid, buf) {
  const p = findBox(buf, 'mdhd');
  if (p < 0) return;
  const v = buf[p];
  const timescale = v === 1 ? buf.readUInt32BE(p + 4 + 16) : buf.readUInt32BE(p + 4 + 8);
  streams.set(sid, { timescale, best: Infinity });
}

function onFragment(sid, buf, at) {
  const s = streams.get(sid);
  const p = findBox(buf, 'tfdt');
  if (!s || p < 0) return;
  const t = buf[p] === 1 ? Number(buf.readBigUInt64BE(p + 4)) : buf.readUInt32BE(p + 4);
  const d = at - (t / s.timescale) * 1000;
  if (d < s.best) s.best = d;
  window.push({ sid, d });
}

sockets.forEach((keys, si) => {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  ws.on('open', () => {
    keys.forEach((key, i) => ws.send(JSON.stringify({ type: 'subscribe', id: i + 1, key })));
    if (++opened === sockets.length) process.stdout.write(JSON.stringify({ event: 'open' }) + '\n');
  });
  ws.on('message', (data, isBinary) => {
    const at = Date.now();
    if (!isBinary) {
      const msg = JSON.parse(String(data));
      if (msg.type === 'error' && stats.errors.length < 20) stats.errors.push(msg.message);
      return;
    }
    const sid = `${si}:${data.readUInt16BE(2)}`;
    if (data[0] === 1) {
      stats.inits++;
      onInit(sid, data.subarray(4));
    } else if (data[0] === 2) {
      stats.fragments++;
      stats.bytes += data.length - 4;
      onFragment(sid, data.subarray(4), at);
    }
  });
  ws.on('error', (err) => stats.errors.length < 20 && stats.errors.push(String(err && err.message)));
});

function lateness() {
  // Judged against each stream's best over the whole run (not just this window).
  const xs = window.map(({ sid, d }) => d - streams.get(sid).best).sort((a, b) => a - b);
  const q = (p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] : null);
  return { n: xs.length, p50: q(0.5), p99: q(0.99), max: xs.length ? xs[xs.length - 1] : null };
}

const report = setInterval(
  () => process.stdout.write(JSON.stringify({ event: 'stats', ...stats }) + '\n'),
  250,
);
let done = false;
const finish = () => {
  if (done) return;
  done = true;
  clearInterval(report);
  process.stdout.write(JSON.stringify({ event: 'stats', ...stats, lateness: lateness() }) + '\n');
  setTimeout(() => process.exit(0), 200).unref();
};
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l.trim() === 'reset') window = [];
  if (l.trim() === 'report')
    process.stdout.write(JSON.stringify({ event: 'lateness', ...stats, lateness: lateness() }) + '\n');
});
process.stdin.on('end', finish);
process.stdin.on('close', finish);
process.on('SIGTERM', finish);
