/** The `srtla:` section and `srt:` profiles through the real config resolver. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from './index.js';

const phone = (srt: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'phone',
  profiles: { main: { srt, ...extra } },
});

describe('srtla config', () => {
  it('is off by default with the spec defaults', () => {
    const r = resolveConfig({ cameras: [] });
    assert.ok(r.ok);
    assert.equal(r.config.srtla?.enabled, false);
    assert.equal(r.config.srtla?.host, '::');
    assert.deepEqual(r.config.srtla?.limits, {
      maxGroups: 200,
      maxConnectionsPerGroup: 16,
      connectionTimeoutMs: 10_000,
      groupTimeoutMs: 10_000,
      pendingGroupTimeoutMs: 5_000,
      registrationsPerSecond: 20,
      pendingGroupsPerAddress: 4,
    });
  });

  it('an srt profile becomes an always-on FFmpeg SRT listener; the passphrase is a secret', () => {
    const r = resolveConfig({
      srtla: { enabled: true, limits: { connection_timeout: '15s', max_groups: 10 } },
      cameras: [phone({ port: 9000, srtla_port: 5000, latency: '1s', passphrase: 'correct horse battery' })],
    });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    const p = r.config.cameras[0]!.profiles.main!;
    assert.equal(p.alwaysOn, true);
    assert.deepEqual(p.srt, {
      host: '127.0.0.1',
      port: 9000,
      latencyMs: 1000,
      passphrase: 'correct horse battery',
      srtlaPort: 5000,
    });
    assert.match(
      p.sourceUrl,
      /^srt:\/\/127\.0\.0\.1:9000\?mode=listener&latency=1000000&.*passphrase=correct%20horse/,
    );
    assert.ok(!p.displayUrl.includes('horse'));
    assert.ok(r.config.secrets.includes('correct horse battery'));
    assert.equal(r.config.srtla?.limits.connectionTimeoutMs, 15_000);
    assert.equal(r.config.srtla?.limits.maxGroups, 10);
  });

  it('always_on: false is kept', () => {
    const r = resolveConfig({ cameras: [phone({ port: 9000 }, { always_on: false })] });
    assert.ok(r.ok);
    assert.equal(r.config.cameras[0]!.profiles.main!.alwaysOn, false);
  });

  it('reports srtla_port without the receiver, shared ports, and srt with url', () => {
    const r = resolveConfig({
      cameras: [
        phone({ port: 9000, srtla_port: 5000 }),
        { id: 'two', profiles: { main: { url: 'rtsp://cam/x', srt: { port: 9000 } } } },
      ],
    });
    assert.ok(!r.ok);
    const msgs = r.errors.map((e) => `${e.path}: ${e.message}`);
    assert.ok(
      msgs.some((m) => /srtla_port: .*srtla\.enabled: true/.test(m)),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some((m) => /\/cameras\/1\/profiles\/main\/srt\/port: UDP port 9000 is already used/.test(m)),
    );
    assert.ok(msgs.some((m) => /\/cameras\/1\/profiles\/main\/url: .*set one of url, path or srt/.test(m)));
  });

  it('the schema rejects unknown srtla keys and bad limits', () => {
    const r = resolveConfig({ srtla: { enable: true, limits: { max_groups: 0 } }, cameras: [] });
    assert.ok(!r.ok);
    const paths = r.errors.map((e) => e.path);
    assert.ok(paths.includes('/srtla/enable') || paths.includes('/srtla'), paths.join(','));
    assert.ok(paths.includes('/srtla/limits/max_groups'), paths.join(','));
  });
});
