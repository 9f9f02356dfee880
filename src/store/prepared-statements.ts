import type pg from "pg";

// Prepared statements for what a process sends over and over. PostgreSQL parses and plans
// every unnamed statement anew, and the ones on an inbox delivery's path (the queue's
// claim, the post taken in by one statement) are long: planning them was half of the
// database's CPU per delivery (bench:inbox). A statement with parameters that this process
// has sent a few times is given a name, so each connection parses it once and PostgreSQL
// may keep its plan. Statements built with a varying number of values (lists, batches)
// differ in text and are counted apart; only so many are named, so a connection holds a
// bounded number.

/** Which statement texts are sent often enough to be prepared, and their names. */
export class StatementNames {
  readonly #after: number;
  readonly #maxNamed: number;
  readonly #maxCounted: number;
  readonly #counts = new Map<string, number>();
  readonly #names = new Map<string, string>();
  /** Texts whose prepared form failed: sent unnamed from then on. */
  readonly #unnamed = new Set<string>();
  /** Names handed out so far (a name is never given to another text). */
  #given = 0;

  /**
   * @param after a text is named on its `after`-th sending
   * @param maxNamed the most names handed out (then later texts stay unnamed)
   * @param maxCounted texts counted at once (the counts start over when full)
   */
  constructor(opts: { after?: number; maxNamed?: number; maxCounted?: number } = {}) {
    this.#after = opts.after ?? 3;
    this.#maxNamed = opts.maxNamed ?? 200;
    this.#maxCounted = opts.maxCounted ?? 5_000;
  }

  /** The name to send `text` under, or undefined to send it unnamed this time. */
  nameOf(text: string): string | undefined {
    if (this.#unnamed.has(text)) return undefined;
    const name = this.#names.get(text);
    if (name !== undefined || this.#given >= this.#maxNamed) return name;
    const count = (this.#counts.get(text) ?? 0) + 1;
    if (count < this.#after) {
      if (this.#counts.size >= this.#maxCounted) this.#counts.clear();
      this.#counts.set(text, count);
      return undefined;
    }
    this.#counts.delete(text);
    const named = `folkmoot_${++this.#given}`;
    this.#names.set(text, named);
    return named;
  }

  /**
   * Sends `text` unnamed from now on. A prepared `select *` fails once a migration run by
   * another process changes its table's columns ("cached plan must not change result
   * type", 0A000), and would fail on that connection every time after.
   */
  unname(text: string): void {
    this.#unnamed.add(text);
    this.#names.delete(text);
  }
}

const PREPARING = Symbol("folkmoot.preparing");

/**
 * Makes `client` send the statements `names` names as prepared statements. Only
 * `query(text, values)` with at least one value is changed (what Kysely sends): a
 * statement without parameters may be several commands, which cannot be prepared.
 */
export function prepareRepeated(client: pg.Client | pg.PoolClient, names: StatementNames): void {
  const target = client as unknown as Record<symbol, boolean> & { query: (...args: unknown[]) => unknown };
  if (target[PREPARING]) return;
  target[PREPARING] = true;
  const query = target.query.bind(client);
  target.query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === "string" && Array.isArray(values) && values.length > 0 && args.length === 2) {
      const name = names.nameOf(text);
      if (name !== undefined) {
        return (query({ name, text, values }) as Promise<unknown>).catch((err: unknown) => {
          if ((err as { code?: unknown } | null)?.code === "0A000") names.unname(text);
          throw err;
        });
      }
    }
    return query(...args);
  };
}
