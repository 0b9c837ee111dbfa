/** Every migration, in order. TypeORM runs these at start-up and through the CLI data source. */
export const MIGRATIONS: (new () => object)[] = [];
