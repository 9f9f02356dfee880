import type { AppTables } from "./app-tables.ts";
import type { ConfederationTables } from "./confederation-tables.ts";
import type { DecisionTables } from "./decision-tables.ts";
import type { FedifyTables } from "./fedify-tables.ts";
import type { OAuthTables } from "./oauth-tables.ts";
import type { PublicationTables } from "./publication-tables.ts";

/** The whole database as Kysely sees it. */
export interface Schema extends FedifyTables, AppTables, DecisionTables, PublicationTables, ConfederationTables, OAuthTables {}
