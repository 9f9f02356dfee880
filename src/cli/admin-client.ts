import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

// The CLI's side of the admin socket (see admin-socket.ts); kept free of heavy
// imports so that `folkmoot --help` and socket calls start fast.

export function adminSocketPath(dataDir: string): string {
  return path.resolve(dataDir, "folkmoot.sock");
}

export type Reply = { ok: true; result: unknown } | { ok: false; error: string };

/** Sends one operation to a running server; `null` when no server is listening. */
export function callAdminSocket(dataDir: string, op: string, args: unknown): Promise<Reply | null> {
  const file = adminSocketPath(dataDir);
  if (!fs.existsSync(file)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const socket = net.connect(file);
    let data = "";
    let connected = false;
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      connected = true;
      socket.write(`${JSON.stringify({ op, args })}\n`);
    });
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => {
      try {
        resolve(JSON.parse(data) as Reply);
      } catch {
        reject(new Error("the server closed the admin connection without an answer"));
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (!connected && (err.code === "ECONNREFUSED" || err.code === "ENOENT")) resolve(null);
      else reject(err);
    });
  });
}
