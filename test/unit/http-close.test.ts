import { Agent, request } from "node:http";
import Fastify from "fastify";
import { describe, expect, it, vi } from "vitest";
import { closeGracefully } from "../../src/http/app.ts";

// A request still in flight when the instance stops finishes, and its keep-alive
// connection must not hold the stop for the server's keep-alive timeout (72 s):
// that hang once failed CI when two instances stopped while delivering to each other.
describe("closeGracefully", () => {
  it("lets a request in flight finish, then closes its keep-alive connection at once", async () => {
    const f = Fastify({ keepAliveTimeout: 72_000 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let handling = false;
    f.get("/slow", async () => {
      handling = true;
      await held;
      return { ok: true };
    });
    await f.listen({ host: "127.0.0.1", port: 0 });
    const { port } = f.server.address() as { port: number };
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/slow", agent }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
      // Wait until the request is being handled (not only connected), then stop while it is in flight.
      await vi.waitFor(() => expect(handling).toBe(true), { timeout: 10_000, interval: 10 });
      const started = Date.now();
      const closed = closeGracefully(f, 30_000);
      setTimeout(release, 200);
      expect(await answered).toEqual({ status: 200, body: JSON.stringify({ ok: true }) });
      await closed;
      // Far below the 72 s keep-alive timeout and the 30 s cut: the idle connection was closed.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      agent.destroy();
      await f.close();
    }
  }, 40_000);
});
