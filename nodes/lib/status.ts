/** Node status from the connection and from Lookout's real stream state (not just "connected"). */
import type { StreamStatePayload } from '../../addon/src/contracts/mqtt.js';
import type { ConnectionState } from './connection.js';
import type { NodeStatus } from './red.js';

export function connectionStatus(s: ConnectionState): NodeStatus {
  if (s === 'connected') return { fill: 'green', shape: 'ring', text: 'connected' };
  if (s === 'connecting') return { fill: 'yellow', shape: 'ring', text: 'connecting' };
  return { fill: 'red', shape: 'ring', text: 'disconnected' };
}

export function streamStatus(p: StreamStatePayload): NodeStatus {
  const text = p.state === 'live' ? `live ${p.fps} fps` : p.state;
  switch (p.state) {
    case 'live':
      return { fill: 'green', shape: 'dot', text };
    case 'starting':
    case 'stopping':
      return { fill: 'yellow', shape: 'ring', text };
    case 'stalled':
    case 'backoff':
      return { fill: 'yellow', shape: 'dot', text };
    case 'failed':
      return { fill: 'red', shape: 'dot', text: `failed: ${p.reason}`.slice(0, 40) };
    default:
      return { fill: 'grey', shape: 'ring', text };
  }
}

/** A camera's availability (`<base>/<cam>/status`, retained): the status of the action nodes. */
export function availabilityStatus(camera: string, v: string): NodeStatus {
  if (v === 'online') return { fill: 'green', shape: 'dot', text: `${camera} online`.slice(0, 30) };
  if (v === 'offline') return { fill: 'red', shape: 'dot', text: `${camera} offline`.slice(0, 30) };
  return { fill: 'grey', shape: 'ring', text: `${camera}: unknown`.slice(0, 30) };
}
