// Fault-injection points for crash tests. Production code calls `faultPoint` at the
// places where a crash would be worst; nothing happens unless a test installed a hook
// (test/support/fault-main.ts does, in a server process it then expects to die). No
// configuration or environment variable reaches `setFaultHook`.

/** Where a fault can be injected. */
export type FaultPoint =
  /** An inbound activity was claimed and its effect applied; the transaction has not committed. */
  "inbound-before-commit";

export type FaultHook = (point: FaultPoint, detail: { readonly type: string; readonly activity: string }) => void;

let hook: FaultHook | null = null;

/** Tests only: runs `h` at every fault point from now on (null removes it). */
export function setFaultHook(h: FaultHook | null): void {
  hook = h;
}

/** A place where a crash must lose nothing; a no-op unless a test installed a hook. */
export function faultPoint(point: FaultPoint, detail: { readonly type: string; readonly activity: string }): void {
  hook?.(point, detail);
}
