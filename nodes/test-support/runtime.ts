/**
 * The Node-RED test runtime the node tests share: node-red-node-test-helper, initialised on the
 * installed Node-RED 4, and the slice of its API (and of its test nodes) the tests use. The helper
 * ships no types: it is required through createRequire and typed here.
 */
import { createRequire } from 'node:module';
import type { NodeMessage, NodeStatus } from '../lib/red.js';

export interface TestNode {
  on(event: 'input', l: (msg: NodeMessage) => void): void;
  /** The helper's spy on Node.prototype.status reports each call as `call:status`. */
  on(event: 'call:status', l: (call: { args: [NodeStatus] }) => void): void;
  receive(msg: NodeMessage): void;
}

export interface Helper {
  init(path: string): void;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  load(nodes: unknown[], flow: unknown[], creds?: unknown): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): unknown;
}

const require = createRequire(import.meta.url);
export const helper = require('node-red-node-test-helper') as Helper;
helper.init(require.resolve('node-red'));
