/**
 * The slice of the Node-RED runtime API these nodes use (the @types/node-red package is dated and
 * not installed). Shapes follow Node-RED 4: input(msg, send, done), close(removed, done).
 */
export interface NodeMessage {
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface Node {
  id: string;
  credentials?: Record<string, string | undefined>;
  on(
    event: 'input',
    l: (
      msg: NodeMessage,
      send: (m: NodeMessage | NodeMessage[]) => void,
      done: (err?: Error) => void,
    ) => void,
  ): void;
  on(event: 'close', l: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | NodeMessage[]): void;
  status(s: NodeStatus): void;
  log(msg: string): void;
  warn(msg: string): void;
  error(msg: string | Error, m?: NodeMessage): void;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, config: object): void;
    registerType(
      type: string,
      ctor: (this: never, config: never) => void,
      opts?: { credentials?: Record<string, { type: 'text' | 'password' }> },
    ): void;
    getNode(id: string): Node | null;
  };
  _(key: string, subs?: Record<string, unknown>): string;
}
