/**
 * MQTT test client helpers: v5 request/response, collecting retained messages, waiting for a
 * topic's payload, and a TCP proxy whose connections a test can cut (to fire a client's LWT).
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

export async function testClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return connectAsync(url, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    clientId: `t-${randomUUID().slice(0, 8)}`,
    ...opts,
  });
}

/**
 * MQTT v5 request/response: responseTopic + correlationData; resolves with the parsed answer. The
 * reply topic is below the base topic's default reply prefix (`lookout/_replies`), the only place
 * Lookout answers.
 */
export async function request(
  client: MqttClient,
  topic: string,
  payload: string | Buffer,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  const responseTopic = `${topic.split('/')[0]}/_replies/test-${randomUUID()}`;
  const correlationData = Buffer.from(randomUUID());
  await client.subscribeAsync(responseTopic, { qos: 1 });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => (
          client.off('message', onMessage),
          reject(new Error(`no answer on ${topic} within ${timeoutMs} ms`))
        ),
        timeoutMs,
      );
      const onMessage = (t: string, p: Buffer, packet: { properties?: { correlationData?: Buffer } }) => {
        if (t !== responseTopic) return;
        if (!packet.properties?.correlationData?.equals(correlationData))
          return reject(new Error('answer without our correlationData'));
        clearTimeout(timer);
        client.off('message', onMessage);
        resolve(JSON.parse(p.toString()) as Record<string, unknown>);
      };
      client.on('message', onMessage);
      client.publish(topic, payload, { qos: 1, properties: { responseTopic, correlationData } });
    });
  } finally {
    await client.unsubscribeAsync(responseTopic);
  }
}

/** Subscribes to a filter and records every message (topic → latest payload, plus a log). */
export async function recorder(client: MqttClient, filter: string) {
  const latest = new Map<string, Buffer>();
  const log: { topic: string; payload: Buffer; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => {
    if (!matches(filter, topic)) return;
    latest.set(topic, payload);
    log.push({ topic, payload, retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { latest, log };
}

export function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export async function waitUntil(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A loopback TCP proxy: `cut()` destroys every open connection, as a network failure would. */
export async function tcpProxy(
  targetPort: number,
): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = tcpConnect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const cut = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut,
    close: async () => {
      cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
