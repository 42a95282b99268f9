/**
 * The embedded broker (aedes) for installs without one: the demo and Node-RED on the same host then
 * work out of the box. Loopback by default because it has no authentication. aedes speaks MQTT
 * 3.1.1 only, so clients use v3.1.1 here (v5 request/response needs an external broker; v3 clients
 * can name a reply topic in the payload instead, see docs/mqtt.md).
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  /** mqtt://host:port of the listening broker. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((r) => aedes.close(() => r()));
    throw err;
  }
  const bound = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `mqtt://${hostPart}:${bound}`,
    port: bound,
    close: async () => {
      // aedes.close() disconnects clients; the server then closes once its sockets are gone.
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
