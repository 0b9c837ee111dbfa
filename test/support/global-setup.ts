/** Filled in by the database test support: builds a migrated PGlite snapshot once per jest run. */
export default async function globalSetup(): Promise<void> {}
