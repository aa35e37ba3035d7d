// Where a worker thread's compiled file is. Under vitest the modules run from TypeScript source,
// which a worker thread cannot load, so the build in dist/ is used, and refused when it is older
// than the sources it was built from.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The compiled file of <dir>/<name>.ts; `sources`: the files it is built from, relative to format/. */
export function builtWorker(name: string, sources: readonly string[], dir: 'format' | 'analyzer' = 'format'): URL {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith('.ts')) return new URL(dir === 'format' ? `./${name}.js` : `../${dir}/${name}.js`, here);
  const built = new URL(`../dist/${dir}/${name}.js`, here);
  const file = fileURLToPath(built);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build:ts`);
  for (const src of sources) {
    if (statSync(fileURLToPath(new URL(src, here))).mtimeMs > statSync(file).mtimeMs) throw new Error(`${file} is older than ${new URL(src, here).pathname}: run npm run build:ts`);
  }
  return built;
}
