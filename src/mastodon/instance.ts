import type { FastifyInstance } from "fastify";
import { signupMode } from "../community/settings.ts";
import type { AppContext } from "../context.ts";
import { SOFTWARE_VERSION } from "../shared/version.ts";
import { TOP_SCOPES } from "./scopes.ts";

// What apps read first: the instance (v1 and v2) and where OAuth happens.

/** The version apps parse to know what they may call: Mastodon's, and ours after it. */
export const MASTODON_VERSION = `4.3.0 (compatible; Folkmoot ${SOFTWARE_VERSION})`;

/** A post's length, as community/posts.ts allows it. */
const MAX_CHARACTERS = 20_000;
/** Proposals are polls; apps may not create polls here yet, these are Mastodon's defaults. */
const POLLS = { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2_629_746 };
const STATUSES = { max_characters: MAX_CHARACTERS, max_media_attachments: 0, characters_reserved_per_url: 23 };
const MEDIA = {
  supported_mime_types: [],
  image_size_limit: 0,
  image_matrix_limit: 0,
  video_size_limit: 0,
  video_frame_rate_limit: 0,
  video_matrix_limit: 0,
};

async function counts(app: AppContext) {
  const people = await app.db
    .selectFrom("actors")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("kind", "=", "person")
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  const posts = await app.db
    .selectFrom("objects")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("local_id", "is not", null)
    .executeTakeFirst();
  return { users: Number(people?.n ?? 0), statuses: Number(posts?.n ?? 0) };
}

export function instanceRoutes(app: AppContext) {
  const origin = app.config.publicOrigin;
  const host = origin.host;
  const streaming = `${origin.protocol === "https:" ? "wss" : "ws"}://${host}`;
  const description = `${app.config.instanceName}: a Folkmoot instance, where assemblies, councils and confederations decide.`;

  return async (f: FastifyInstance) => {
    f.get("/api/v1/instance", async () => {
      const mode = await signupMode(app);
      const c = await counts(app);
      return {
        uri: host,
        title: app.config.instanceName,
        short_description: description,
        description,
        email: "",
        version: MASTODON_VERSION,
        urls: { streaming_api: streaming },
        stats: { user_count: c.users, status_count: c.statuses, domain_count: 0 },
        thumbnail: null,
        languages: ["en"],
        registrations: mode !== "closed",
        approval_required: false,
        invites_enabled: mode === "invitation",
        configuration: {
          accounts: { max_featured_tags: 0 },
          statuses: STATUSES,
          media_attachments: MEDIA,
          polls: POLLS,
        },
        contact_account: null,
        rules: [],
      };
    });

    f.get("/api/v2/instance", async () => {
      const mode = await signupMode(app);
      const c = await counts(app);
      return {
        domain: host,
        title: app.config.instanceName,
        version: MASTODON_VERSION,
        source_url: "https://github.com/folkmoot/folkmoot",
        description,
        usage: { users: { active_month: c.users } },
        thumbnail: { url: "" },
        icon: [],
        languages: ["en"],
        configuration: {
          urls: { streaming, status: null },
          vapid: { public_key: "" },
          accounts: { max_featured_tags: 0, max_pinned_statuses: 0 },
          statuses: STATUSES,
          media_attachments: { ...MEDIA, description_limit: 0 },
          polls: POLLS,
          translation: { enabled: false },
        },
        registrations: { enabled: mode !== "closed", approval_required: false, message: mode === "invitation" ? "Sign-up needs an invitation." : null, url: null },
        api_versions: { mastodon: 2 },
        contact: { email: "", account: null },
        rules: [],
      };
    });

    // RFC 8414: what Mastodon 4.3 publishes, so apps find the endpoints and PKCE.
    f.get("/.well-known/oauth-authorization-server", async () => ({
      issuer: `${origin.origin}/`,
      service_documentation: "https://docs.joinmastodon.org/",
      authorization_endpoint: `${origin.origin}/oauth/authorize`,
      token_endpoint: `${origin.origin}/oauth/token`,
      revocation_endpoint: `${origin.origin}/oauth/revoke`,
      app_registration_endpoint: `${origin.origin}/api/v1/apps`,
      scopes_supported: [...TOP_SCOPES],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    }));
  };
}
