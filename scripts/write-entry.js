// After `nest build`: dist/main.js is the entry point (`node dist/main`), loading dist/src/main.js.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
writeFileSync(join(__dirname, '..', 'dist', 'main.js'), "require('./src/main');\n");
