// Fault-injection points for crash and failure tests. Production code calls `faultPoint`
// at the places where a crash would be worst; nothing happens unless a test installed a
// hook (test/support/fault-main.ts does, in a server process it then expects to die;
// test/decisions/command-failure.test.ts throws from one). No configuration or
// environment variable reaches `setFaultHook`.

/** Where a fault can be injected, and what the hook is told there. */
export type FaultArgs =
  /** An inbound activity was claimed and its effect applied; the transaction has not committed. */
  | [point: "inbound-before-commit", detail: { readonly type: string; readonly activity: string }]
  /** A command's events, projections and queued activities are written; its transaction has not committed. */
  | [point: "command-before-commit", detail: { readonly body: string }];

/** Where a fault can be injected. */
export type FaultPoint = FaultArgs[0];

export type FaultHook = (...args: FaultArgs) => void;

let hook: FaultHook | null = null;

/** Tests only: runs `h` at every fault point from now on (null removes it). */
export function setFaultHook(h: FaultHook | null): void {
  hook = h;
}

/** A place where a crash or a failure must lose nothing and leave nothing behind; a no-op unless a test installed a hook. */
export function faultPoint(...args: FaultArgs): void {
  hook?.(...args);
}
