#!/usr/bin/env node
/**
 * `lookout` command line:
 *   lookout serve [--config FILE]          run the supervisor and API (no config → demo cameras)
 *   lookout config check FILE              validate; exit 1 and list every error with its path
 *   lookout config explain FILE [CAMERA]   every effective value and where it came from
 *   lookout probe URL [--transport auto|tcp|udp] [--json]   what a camera sends, what Lookout does with it
 *   lookout discover HOST [--port N] [--user U]   ask one ONVIF device what it can do (password:
 *                                          $LOOKOUT_ONVIF_PASSWORD, never an argument: `ps` shows those)
 */
import { parseArgs } from 'node:util';
import { configCheck, configExplain } from './config-commands.js';
import { serve } from './serve.js';

const USAGE = `usage:
  lookout serve [--config FILE] [--port N] [--host ADDR]
  lookout config check FILE
  lookout config explain FILE [CAMERA]
  lookout probe URL [--transport auto|tcp|udp] [--seconds N] [--json]
  lookout discover HOST [--port N] [--path P] [--user U] [--json]   (password from $LOOKOUT_ONVIF_PASSWORD)
  lookout discover --scan [--json]       WS-Discovery on the local network (multicast)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'serve') {
    const { values } = parseArgs({
      args: rest,
      options: { config: { type: 'string', short: 'c' }, port: { type: 'string' }, host: { type: 'string' } },
      strict: true,
    });
    return serve({
      configFile: values.config ?? null,
      port: values.port ? Number(values.port) : undefined,
      host: values.host,
    });
  }
  if (command === 'discover') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string' },
        path: { type: 'string' },
        user: { type: 'string' },
        json: { type: 'boolean' },
        scan: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    const [host] = positionals;
    if (values.scan) {
      // Multicast on the local network: for users at a terminal, never used by tests.
      const { scanOnvif } = await import('../control/onvif/ws-discovery.js');
      const devices = await scanOnvif();
      process.stdout.write(
        values.json
          ? `${JSON.stringify(devices, null, 2)}\n`
          : devices
              .map(
                (d) =>
                  `${d.xaddrs.join(' ')}  ${d.scopes.filter((s) => /\/(name|hardware)\//.test(s)).join(' ')}`,
              )
              .join('\n') +
              `\n${devices.length} ONVIF device(s) answered; run \`lookout discover <host> --user U\` for a config proposal\n`,
      );
      return 0;
    }
    if (host) {
      const { discover, renderDiscovery } = await import('../control/onvif/discover.js');
      const report = await discover({
        host,
        port: values.port ? Number(values.port) : undefined,
        path: values.path,
        username: values.user,
        password: process.env.LOOKOUT_ONVIF_PASSWORD,
      });
      process.stdout.write(
        values.json ? `${JSON.stringify(report, null, 2)}\n` : renderDiscovery(report, values.user),
      );
      return report.profiles.length > 0 ? 0 : 1;
    }
  }
  if (command === 'probe') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { transport: { type: 'string' }, seconds: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    const [url] = positionals;
    const transport = values.transport ?? 'auto';
    if (url && (transport === 'auto' || transport === 'tcp' || transport === 'udp')) {
      const { inspectSource, renderProbe } = await import('../sources/inspect.js');
      const report = await inspectSource(url, {
        transport,
        seconds: values.seconds ? Number(values.seconds) : undefined,
      });
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderProbe(report));
      return report.ok ? 0 : 1;
    }
  }
  if (command === 'config') {
    const [sub, file, camera] = rest;
    if (sub === 'check' && file) return print(await configCheck(file));
    if (sub === 'explain' && file) return print(await configExplain(file, camera));
  }
  process.stderr.write(`${USAGE}\n`);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

function print(result: { exitCode: number; output: string }): number {
  (result.exitCode === 0 ? process.stdout : process.stderr).write(
    result.output.endsWith('\n') ? result.output : `${result.output}\n`,
  );
  return result.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    // serve resolves only on shutdown; everything else exits with its code.
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`lookout: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
