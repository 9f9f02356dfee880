import { fraction, type DecisionRule, type RatificationRule } from "../../governance/index.ts";
import type { DemoInstance } from "../instances.ts";
import type { People } from "../steps.ts";
import type { Narrator } from "./narrator.ts";
import type { StoryResult } from "./result.ts";

// Who is in the story: six instances (three communes, then the North, South and
// regional councils), five assemblies with their people and their own decision rules,
// and three councils with theirs; and how the story names each of them in its lines.

/** How long the story waits for any one thing before it calls it a failure. */
export const WAIT = 60_000;

export const rules: Record<string, DecisionRule> = {
  riverside: { kind: "simple-majority" },
  hillside: { kind: "consensus" },
  millbrook: { kind: "supermajority", fraction: fraction(2, 3) },
  oakfield: { kind: "supermajority", fraction: fraction(3, 4) },
  fernwood: { kind: "simple-majority" },
};

export const councilRules: Record<string, RatificationRule> = {
  north: { kind: "majority" },
  south: { kind: "unanimity" },
  region: { kind: "double-majority", bodies: fraction(1, 2), people: fraction(1, 2) },
};

export const councilNames: Record<string, string> = { north: "North municipal council", south: "South municipal council", region: "the regional council" };

export type Municipality = "north" | "south";

export interface Assembly {
  handle: string;
  name: string;
  inst: DemoInstance;
  people: string[];
  council: Municipality;
}

export interface Instances {
  ashford: DemoInstance;
  millbrook: DemoInstance;
  oakvale: DemoInstance;
  north: DemoInstance;
  south: DemoInstance;
  region: DemoInstance;
}

export interface Cast {
  instances: Instances;
  assemblies: Assembly[];
  /** Handle → actor URI of every person. */
  people: People;
  /** Body handle → the instance it lives on. */
  home: Record<string, DemoInstance>;
  /** Body handle → its actor URI. */
  uri: Record<string, string>;
  /** A name for every URI the story prints. */
  names: Map<string, string>;
}

/** How the story names bodies and URIs in its lines. */
export interface Naming {
  /** `[handle@host]`: who speaks in a line. */
  at(handle: string): string;
  nameOf(uri: string): string;
  /** `text` with every URI the story knows replaced by its name (longest first). */
  readable(text: string): string;
  /** Names of `uris`, comma-separated (`none` if empty). */
  namesOf(uris: readonly string[]): string;
}

export function namingFor(cast: Pick<Cast, "home" | "names">): Naming {
  const nameOf = (u: string) => cast.names.get(u) ?? u;
  return {
    at: (handle) => `[${handle}@${cast.home[handle]!.host}]`,
    nameOf,
    readable: (text) => [...cast.names.entries()].sort((a, b) => b[0].length - a[0].length).reduce((t, [u, n]) => t.replaceAll(u, n), text),
    namesOf: (us) => (us.length ? us.map(nameOf).join(", ") : "none"),
  };
}

/** Everything a chapter needs: the account, the result it fills in, the cast and their names. */
export interface Story extends Pick<Narrator, "say" | "check" | "act">, Naming {
  readonly result: StoryResult;
  readonly cast: Cast;
}
