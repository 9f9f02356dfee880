// Table types for Folkmoot's own data (actors, follows, posts, the record).
// Filled in alongside migrations/2026-11-22-0001_actors-and-social.ts.
export interface AppTables {}
