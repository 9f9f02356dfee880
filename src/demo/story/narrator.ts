import type { StoryResult } from "./result.ts";

// The account of the story: every line stamped with the time since the start, kept in
// the result and handed to the caller; failed checkpoints said and recorded; acts timed.

export interface Narrator {
  /** One line of the account. */
  say(line: string): void;
  /** A checkpoint: when it does not hold, it is recorded as a failure and said. */
  check(ok: boolean, what: string): boolean;
  /** Starts an act (a chapter) under its title; the previous act's time ends here. */
  act(title: string): void;
  /** Ends the last act's time (once the story stops). */
  endActs(): void;
}

export function createNarrator(result: StoryResult, log: (line: string) => void, started: number): Narrator {
  const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const say = (line: string) => {
    const stamped = `${stamp()}  ${line}`;
    result.lines.push(stamped);
    log(stamped);
  };
  let actStarted = Date.now();
  return {
    say,
    check(ok, what) {
      if (!ok) {
        result.failures.push(what);
        say(`CHECK FAILED: ${what}`);
      }
      return ok;
    },
    act(title) {
      const now = Date.now();
      if (result.acts.length > 0) result.acts.at(-1)!.ms = now - actStarted;
      actStarted = now;
      result.acts.push({ act: title, ms: 0 });
      say("");
      say(`== ${title}`);
    },
    endActs() {
      if (result.acts.length > 0) result.acts.at(-1)!.ms = Date.now() - actStarted;
    },
  };
}
