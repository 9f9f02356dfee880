import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/cli/operations.ts";
import { isActor, Object as ASObject, type Actor } from "@fedify/vocab";
import { advertisedMembers, advertisedMembersOf, membersInPlainJson } from "../../src/federation/inbox/confederation/common.ts";
import { createKeyFetcher, type KeyController } from "../../src/proofs/key-fetcher.ts";
import { startTestInstance, type TestInstance } from "../support/instance.ts";

// A body's actor document is computed once and served again while nothing it is built
// from changes (docs/performance.md, confederation); a key whose id is `<actor>#…` is
// resolved with one fetch of the actor.

let a: TestInstance;

beforeAll(async () => {
  a = await startTestInstance({ host: "127.0.0.180" });
  await operations["account.create"](a.app, { handle: "ida", password: "ida-password-1" });
  await operations["account.create"](a.app, { handle: "jon", password: "jon-password-1" });
  await operations["body.create"](a.app, { handle: "orchard", kind: "assembly", name: "The Orchard" });
  await operations["member.add"](a.app, { body: "orchard", member: "ida" });
});

afterAll(async () => {
  await a?.stop();
});

async function actorDocument(handle: string): Promise<Record<string, any>> {
  const res = await fetch(`${a.origin}/ap/actors/${await idOf(handle)}`, { headers: { accept: "application/activity+json" } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

async function idOf(handle: string): Promise<string> {
  const row = await a.app.db.selectFrom("actors").select("id").where("handle", "=", handle).executeTakeFirstOrThrow();
  return row.id;
}

const members = (doc: Record<string, any>) => [doc.attachment].flat().find((p: { name: string }) => p.name === "Members")?.value;

describe("a body's actor document", () => {
  it("is the same document when served again, and follows a change of its members or its name", async () => {
    const first = await actorDocument("orchard");
    expect(first.type).toBe("Group");
    expect(first.name).toBe("The Orchard");
    expect(members(first)).toBe("1");
    // Whoever received the first copy may change it: the next one is intact.
    first.name = "changed by a caller";
    const again = await actorDocument("orchard");
    expect(again.name).toBe("The Orchard");
    expect(again).toEqual({ ...first, name: "The Orchard" });

    await operations["member.add"](a.app, { body: "orchard", member: "jon" });
    expect(members(await actorDocument("orchard"))).toBe("2");

    await a.app.db.updateTable("actors").set({ name: "The Old Orchard" }).where("handle", "=", "orchard").execute();
    const renamed = await actorDocument("orchard");
    expect(renamed.name).toBe("The Old Orchard");
    expect(members(renamed)).toBe("2");
  });

  it("gives its signing key with one fetch of the actor, and refuses a key it does not list", async () => {
    const doc = await actorDocument("orchard");
    const methods = [doc.assertionMethod].flat() as { id: string }[];
    expect(methods.length).toBeGreaterThan(0);
    const fetched: string[] = [];
    const documentLoader = async (url: string) => {
      fetched.push(url);
      const res = await fetch(url, { headers: { accept: "application/activity+json" } });
      return { contextUrl: null, documentUrl: url, document: await res.json() };
    };
    const algorithms: string[] = [];
    for (const method of methods) {
      fetched.length = 0;
      const key = await createKeyFetcher({ documentLoader })(new URL(method.id));
      expect(key?.controller.href).toBe(doc.id);
      algorithms.push(key!.publicKey.algorithm.name);
      expect(fetched).toEqual([doc.id]);
    }
    expect(algorithms).toContain("Ed25519");
    const fetchKey = createKeyFetcher({ documentLoader });
    expect(await fetchKey(new URL(`${doc.id}#not-a-key`))).toBeNull();
  });

  it("reads the key from the plain JSON of a document in known contexts: the same key Fedify's reading gives", async () => {
    const doc = await actorDocument("orchard");
    const loaderOf = (document: unknown) => async (url: string) => ({ contextUrl: null, documentUrl: url, document });
    const raw = async (key: CryptoKey) =>
      Buffer.from(await crypto.subtle.exportKey(key.type === "public" && key.algorithm.name === "Ed25519" ? "raw" : "spki", key)).toString("hex");
    for (const method of [doc.assertionMethod].flat() as { id: string }[]) {
      const plain = await createKeyFetcher({ documentLoader: loaderOf(doc) })(new URL(method.id));
      let parsed = false;
      const viaFedify = await createKeyFetcher({ documentLoader: loaderOf(doc) }, (c) => (parsed = c.actor !== null), { plainJson: false })(new URL(method.id));
      expect(parsed).toBe(true);
      expect(plain?.controller.href).toBe(doc.id);
      expect(await raw(plain!.publicKey)).toBe(await raw(viaFedify!.publicKey));
    }
    const first = ([doc.assertionMethod].flat() as Record<string, unknown>[])[0]!;
    // A key its document says another actor controls is refused.
    const otherController = { ...doc, assertionMethod: [{ ...first, controller: "http://127.0.0.181/someone" }] };
    expect(await createKeyFetcher({ documentLoader: loaderOf(otherController) })(new URL(first.id as string))).toBeNull();
    // An inline context that redefines a term read here is left to the JSON-LD algorithm,
    // which reads `assertionMethod` as something else: no key.
    const redefined = { ...doc, "@context": [...[doc["@context"]].flat(), { assertionMethod: "https://example.com/ns#other" }] };
    expect(await createKeyFetcher({ documentLoader: loaderOf(redefined) })(new URL(first.id as string))).toBeNull();
  });

  it("reads a body's member count from the plain JSON of its document: what Fedify's reading gives, else leaves it to Fedify", async () => {
    const doc = await actorDocument("orchard");
    const parsed = await ASObject.fromJsonLd(doc);
    expect(isActor(parsed)).toBe(true);
    const fedify = await advertisedMembers(parsed as Actor);
    expect(fedify).toBeGreaterThan(0);
    expect(await membersInPlainJson(doc)).toBe(fedify);
    // The key check hands the controller read as plain JSON, with its document.
    const controllers: KeyController[] = [];
    const loaderOf = (document: unknown) => async (url: string) => ({ contextUrl: null, documentUrl: url, document });
    const method = ([doc.assertionMethod].flat() as { id: string }[])[0]!;
    expect(await createKeyFetcher({ documentLoader: loaderOf(doc) }, (c) => controllers.push(c))(new URL(method.id))).not.toBeNull();
    expect(controllers.map((c) => [c.id.href, c.actor])).toEqual([[doc.id, null]]);
    expect(await advertisedMembersOf(controllers[0]!)).toBe(fedify);
    // Contexts that could change what the terms mean, and fields not plainly written, are Fedify's to read.
    const contexts = [doc["@context"]].flat();
    const cases: Record<string, unknown>[] = [
      { ...doc, "@context": [...contexts, { value: "https://example.com/ns#other" }] },
      { ...doc, "@context": [...contexts, "http://schema.org/"] },
      { ...doc, "@context": ["https://w3id.org/identity/v1", ...contexts] },
      { ...doc, "@context": contexts.filter((c) => typeof c === "string") },
      { ...doc, attachment: [{ type: "PropertyValue", name: "Members", value: "7", nameMap: { en: "Members" } }] },
      { ...doc, attachment: [{ type: "Note", name: "Members", value: "7" }] },
      { ...doc, attachment: ["https://example.com/field"] },
    ];
    for (const c of cases) expect(await membersInPlainJson(c)).toBeUndefined();
    // No field at all: no count, as Fedify reads it.
    const { attachment: _, ...bare } = doc;
    expect(await membersInPlainJson(bare)).toBeNull();
    expect(await advertisedMembers((await ASObject.fromJsonLd(bare)) as Actor)).toBeNull();
  });
});
