/**
 * lookout-config: the connection to one Lookout instance (its MQTT broker and base topic). It owns
 * the MQTT client; lookout-camera and lookout-motion register with it and share it.
 */
import { LookoutConnection } from '../lib/connection.js';
import type { Node, NodeAPI } from '../lib/red.js';

export interface LookoutConfigDef {
  id: string;
  name?: string;
  broker?: string;
  baseTopic?: string;
}

export interface LookoutConfigNode extends Node {
  connection: LookoutConnection;
}

export default function register(RED: NodeAPI): void {
  function LookoutConfig(this: LookoutConfigNode, def: LookoutConfigDef): void {
    RED.nodes.createNode(this, def);
    const user = this.credentials?.user;
    const password = this.credentials?.password;
    this.connection = new LookoutConnection(
      def.broker || 'mqtt://127.0.0.1:1883',
      def.baseTopic || 'lookout',
      {
        clientId: `nodered-lookout-${this.id}`.slice(0, 64),
        ...(user ? { username: user } : {}),
        ...(password ? { password } : {}),
      },
    );
    this.on('close', (_removed, done) => {
      void this.connection.closeWhenIdle().finally(done);
    });
  }
  RED.nodes.registerType('lookout-config', LookoutConfig, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
}
