/**
 * TEST-ONLY child process for the kill -9 test: a real Lookout (supervisor, hub, recorder) that
 * starts a manual recording and prints `PROGRESS <media seconds in the open file>` every 100 ms until
 * the parent SIGKILLs it. Config comes as JSON in LOOKOUT_CHILD_CONFIG (a raw, file-shaped config).
 */
import { startLookout } from '../../addon/src/main.js';
import { silentLogger } from '../../addon/src/lib/log.js';
import { resolveOrThrow } from './setup.js';

const raw = JSON.parse(process.env.LOOKOUT_CHILD_CONFIG ?? '{}') as { cameras: Array<{ id: string }> };
const app = await startLookout({
  config: resolveOrThrow(raw),
  log: silentLogger(),
  listen: { port: 0, host: '127.0.0.1' },
  tls: false,
});
const rec = app.recordings.recorder(raw.cameras[0]!.id);
rec.startManual();
setInterval(() => {
  process.stdout.write(`PROGRESS ${rec.state().current?.fileDurationS ?? 0}\n`);
}, 100);
