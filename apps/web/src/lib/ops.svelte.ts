import { ErrorCode, OpsBroadcast, OpsNamespace, type NodeStats, type OpsServerEvents } from '@tandem/contract';
import { io, type Socket } from 'socket.io-client';

/** Figures kept per node: a minute at one a second. */
export const historyLength = 60;

/** Whether the signed-in user is an operator: the Operations tab shows only then. */
export const opsAccess = $state({ allowed: false });

/**
 * The live operations view's connection: `/ops` answers operators only, so a refused handshake
 * (`FORBIDDEN`) means "not an operator" and the tab stays hidden. Each node's figures arrive
 * once a second; the last minute of each is kept for the charts.
 */
export class OpsWatch {
  nodes = $state<Record<string, NodeStats[]>>({});
  private readonly socket: Socket<OpsServerEvents>;

  constructor(token: () => string | null) {
    this.socket = io(OpsNamespace, {
      auth: (callback) => callback({ token: token() ?? '' }),
      transports: ['websocket', 'polling'],
      autoConnect: false,
    });
    this.socket.on('connect', () => (opsAccess.allowed = true));
    this.socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code !== ErrorCode.Forbidden) return;
      opsAccess.allowed = false;
      this.socket.disconnect();
    });
    this.socket.on(OpsBroadcast.Stats, (stats) => {
      const history = [...(this.nodes[stats.node] ?? []), stats];
      this.nodes[stats.node] = history.slice(-historyLength);
    });
  }

  start(): void {
    this.socket.connect();
  }

  stop(): void {
    this.socket.disconnect();
    opsAccess.allowed = false;
  }
}
