/** The worker side of the request/reply channel with the orchestrator. */
export type Handler = (args: never) => Promise<unknown>;

interface Request {
  id: number;
  command: string;
  args: unknown;
}

export function serve(handlers: Record<string, Handler>, close: () => Promise<void>): void {
  process.on('message', (request: Request) => {
    void (async () => {
      try {
        if (request.command === 'close') {
          await close();
          process.send?.({ id: request.id, ok: true, result: {} }, () => process.exit(0));
          return;
        }
        const handler = handlers[request.command];
        if (!handler) throw new Error(`unknown command ${request.command}`);
        const result = await handler(request.args as never);
        process.send?.({ id: request.id, ok: true, result });
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        process.send?.({ id: request.id, ok: false, error: message });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}
