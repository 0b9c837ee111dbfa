import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

export interface Asset {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The dashboard's own files (this folder's `public/`), next to the compiled code. */
export const PUBLIC_DIR = join(__dirname, 'public');

/**
 * Browser code from node_modules served under /ui/vendor/ (docs/dashboard.md): the UMD build of
 * cronstrue, which sets `window.cronstrue` when loaded as a classic script.
 */
const VENDOR: Record<string, string> = {
  'cronstrue.min.js': 'cronstrue/dist/cronstrue.min.js',
};

/**
 * Every file the dashboard serves, read once at start-up and keyed by its URL path below /ui/
 * (`index.html`, `js/api.js`, `vendor/cronstrue.min.js`). Only these paths are ever served, so
 * no request path reaches the file system.
 */
export function loadAssets(dir: string = PUBLIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string, prefix: string): void => {
    for (const entry of readdirSync(folder)) {
      const full = join(folder, entry);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${entry}/`);
      else {
        const type = TYPES[extname(entry)];
        if (type) assets.set(`${prefix}${entry}`, { type, body: readFileSync(full) });
      }
    }
  };
  walk(dir, '');
  for (const [name, module] of Object.entries(VENDOR)) {
    assets.set(`vendor/${name}`, {
      type: TYPES['.js'],
      body: readFileSync(require.resolve(module)),
    });
  }
  return assets;
}
