/**
 * A real mosquitto broker for MQTT tests: free loopback port, temp config, own process group
 * (so a crashed test cannot leave it behind in ours), startup awaited by connecting to it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { tempDir } from './setup.js';

export interface Mosquitto {
  url: string;
  port: number;
  /** The broker's process id (tests check it is gone after stop). */
  pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** `users`: name → password; then anonymous clients are refused (a broker like HA's Mosquitto add-on). */
export async function startMosquitto(opts: { users?: Record<string, string> } = {}): Promise<Mosquitto> {
  const port = await freePort();
  const dir = tempDir('lookout-mosq-');
  const conf = join(dir, 'mosquitto.conf');
  let auth = 'allow_anonymous true\n';
  if (opts.users) {
    const pwfile = join(dir, 'passwd');
    writeFileSync(pwfile, '', { mode: 0o600 });
    for (const [user, pass] of Object.entries(opts.users))
      execFileSync('/usr/bin/mosquitto_passwd', ['-b', pwfile, user, pass], { stdio: 'ignore' });
    // Run as root, mosquitto switches to the "mosquitto" user, which could not read the 0600 file.
    auth = `user ${userInfo().username}\nallow_anonymous false\npassword_file ${pwfile}\n`;
  }
  writeFileSync(conf, `listener ${port} 127.0.0.1\n${auth}persistence false\nlog_dest none\n`);
  const child: ChildProcess = spawn('/usr/sbin/mosquitto', ['-c', conf], { detached: true, stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (exited) throw new Error('mosquitto exited at startup');
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error('mosquitto did not start listening within 10 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: async () => {
      if (exited) return;
      process.kill(-child.pid!, 'SIGTERM');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 3000))]);
      if (!exited) process.kill(-child.pid!, 'SIGKILL');
      await exit;
    },
  };
}
