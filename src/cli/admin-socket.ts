import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { AppContext } from "../context.ts";
import { adminSocketPath, type Reply } from "./admin-client.ts";
import { CliError, isOperation, operations } from "./operations.ts";

// PGlite is one process: while the server runs, the CLI cannot open the data
// directory itself. The server listens on a Unix socket inside the data
// directory (mode 0600: only the operator's user) and runs CLI operations for it.

export interface AdminSocket {
  path: string;
  close(): Promise<void>;
}

export { adminSocketPath };

export async function startAdminSocket(app: AppContext, dataDir: string): Promise<AdminSocket> {
  const file = adminSocketPath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true }); // a stale socket from a crash; the data-dir lock proves we are the only server
  const server = net.createServer((socket) => {
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      buffer += chunk;
      if (buffer.length > 1 << 20) return socket.destroy();
      const newline = buffer.indexOf("\n");
      if (newline < 0) return;
      const line = buffer.slice(0, newline);
      void handle(app, line).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(file, () => resolve());
  });
  fs.chmodSync(file, 0o600);
  return {
    path: file,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        fs.rmSync(file, { force: true });
      }),
  };
}

async function handle(app: AppContext, line: string): Promise<Reply> {
  try {
    const { op, args } = JSON.parse(line) as { op: string; args: unknown };
    if (!isOperation(op)) return { ok: false, error: `unknown operation ${op}` };
    const result = await (operations[op] as (a: AppContext, x: unknown) => Promise<unknown>)(app, args ?? {});
    return { ok: true, result };
  } catch (err) {
    if (err instanceof CliError) return { ok: false, error: err.message };
    app.log.error({ err }, "admin operation failed");
    return { ok: false, error: `the server failed: ${(err as Error).message}` };
  }
}
