// After `nest build`: dist/embedded-template, a data directory with initdb run and the migrations
// applied, which a first start on an empty DATA_DIR copies (docs/embedded.md). Its own process:
// initdb's memory is never part of the server's.
const { join } = require('node:path');
const { buildEmbeddedTemplate } = require('../dist/src/database/embedded-template');

const dir = join(__dirname, '..', 'dist', 'embedded-template');
buildEmbeddedTemplate(dir).then(
  (m) => process.stdout.write(`embedded template: PGlite ${m.pglite}, ${m.migrations.length} migrations, in ${dir}\n`),
  (e) => {
    process.stderr.write(`cannot prepare the embedded template: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  },
);
