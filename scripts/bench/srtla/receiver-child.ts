/**
 * The receiver alone in a process, so the bench measures its CPU and memory and nothing else:
 * argv: <target port>. Prints its SRTLA port on stdout; runs until stdin closes.
 */
import { silentLogger } from '../../../addon/src/lib/log.js';
import { DEFAULT_SRTLA_SETTINGS } from '../../../addon/src/sources/srtla/limits.js';
import { SrtlaReceiver } from '../../../addon/src/sources/srtla/receiver.js';

const rx = new SrtlaReceiver({
  camera: 'bench',
  profile: 'main',
  host: '127.0.0.1',
  port: 0,
  target: { host: '127.0.0.1', port: Number(process.argv[2]) },
  streamId: null,
  settings: { ...DEFAULT_SRTLA_SETTINGS, enabled: true },
  log: silentLogger(),
});
await rx.start();
process.stdout.write(`${rx.port}\n`);
process.stdin.resume();
process.stdin.on('end', () => void rx.stop().then(() => process.exit(0)));
