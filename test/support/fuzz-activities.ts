import fc from "fast-check";

// Random activities for the inbox fuzz test and `npm run fuzz:inbox`: the shapes real
// activities have, with any field replaced by any JSON value, so Fedify's parser meets
// every wrong type. `actor` is usually the signer, so many get past authentication.

const AS = "https://www.w3.org/ns/activitystreams";

export function fuzzActivity(opts: { actor: string; target: string; newId: () => string }): fc.Arbitrary<Record<string, unknown>> {
  const value = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.webUrl(),
    fc.constant(opts.actor),
    fc.constant(opts.target),
    fc.jsonValue({ maxDepth: 3 }),
  );
  return fc.record(
    {
      "@context": fc.oneof(fc.constant(AS), fc.constant([AS, "https://w3id.org/security/v1"]), fc.constant({ "@vocab": AS }), value),
      id: fc.oneof(
        fc.constant(null).map(() => opts.newId()),
        value,
      ),
      type: fc.oneof(
        fc.constantFrom("Create", "Follow", "Undo", "Accept", "Reject", "Announce", "Delete", "Update", "Join", "Leave", "Add", "Remove", "Invite", "Offer", "Like"),
        value,
      ),
      actor: fc.oneof(fc.constant(opts.actor), fc.constant(opts.actor), value, fc.record({ id: fc.constant(opts.actor) })),
      object: fc.oneof(
        value,
        fc.record(
          {
            type: fc.constantFrom("Note", "Question", "Follow", "Person", "Group"),
            id: value,
            content: value,
            inReplyTo: value,
            name: value,
            published: value,
            attributedTo: value,
            tag: value,
          },
          { requiredKeys: [] },
        ),
      ),
      target: value,
      to: fc.oneof(value, fc.array(value, { maxLength: 3 })),
      published: value,
    },
    { requiredKeys: [] },
  );
}
