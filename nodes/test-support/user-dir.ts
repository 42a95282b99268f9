/**
 * A fresh Node-RED user directory with the packed Lookout nodes installed the way a user installs
 * them: `npm install <tarball>` in the user dir (what `npm install @lookout-nvr/node-red-lookout` and
 * the palette manager run there). Tests reach no registry: the user dir gets a package-lock that pins
 * the package's dependency tree to the versions (and integrities) of the repository's own lockfile,
 * so npm installs `--offline` from its cache, which the repository's `npm ci` filled.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = new URL('../..', import.meta.url).pathname;
export const PACKAGE_NAME = '@lookout-nvr/node-red-lookout';

type LockEntry = { version?: string; dependencies?: Record<string, string>; [k: string]: unknown };

/** `npm pack` of the nodes workspace (its prepack builds dist/ and copies examples/ and LICENSE). */
export async function packNodes(dest: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '-w', 'nodes', '--pack-destination', dest, '--json'], {
    cwd: REPO_ROOT,
    maxBuffer: 16 << 20,
  });
  // The prepack script's own output comes first; npm's JSON answer is the array at the end.
  const [info] = JSON.parse(stdout.slice(stdout.search(/^\[/m))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  return join(dest, info!.filename);
}

/** The lock entries of `names` and everything they depend on, as the root lockfile has them. */
function lockedTree(names: string[]): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const out: Record<string, LockEntry> = {};
  // Node's resolution: a dependency of <path> is <path>/node_modules/<dep>, else one level up, … the root.
  const resolve = (from: string, dep: string): string => {
    for (let at = from; ;) {
      const candidate = `${at ? `${at}/` : ''}node_modules/${dep}`;
      if (lock.packages[candidate]) return candidate;
      if (!at) throw new Error(`${dep} (needed by ${from}) is not in package-lock.json`);
      const i = at.lastIndexOf('/node_modules/');
      at = i < 0 ? '' : at.slice(0, i);
    }
  };
  const visit = (path: string) => {
    if (out[path]) return;
    const entry = lock.packages[path]!;
    out[path] = Object.fromEntries(Object.entries(entry).filter(([k]) => k !== 'dev' && k !== 'peer'));
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(resolve(path, dep));
  };
  for (const n of names) visit(resolve('', n));
  return out;
}

/** Installs the tarball into a fresh user dir (as Node-RED's own package.json there looks). */
export async function installIntoUserDir(userDir: string, tarball: string): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'nodes/package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  const spec = `file:${tarball}`;
  const manifest = {
    name: 'node-red-project',
    description: 'A Node-RED Project',
    version: '0.0.1',
    private: true,
    dependencies: { [PACKAGE_NAME]: spec },
  };
  writeFileSync(join(userDir, 'package.json'), JSON.stringify(manifest, null, 2));
  const packages: Record<string, LockEntry> = {
    '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies },
    [`node_modules/${PACKAGE_NAME}`]: {
      version: pkg.version,
      resolved: spec,
      license: 'MIT',
      dependencies: pkg.dependencies,
    },
  };
  for (const [path, entry] of Object.entries(lockedTree(Object.keys(pkg.dependencies))))
    packages[path] = entry;
  writeFileSync(
    join(userDir, 'package-lock.json'),
    JSON.stringify({
      name: manifest.name,
      version: manifest.version,
      lockfileVersion: 3,
      requires: true,
      packages,
    }),
  );
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--omit=dev'], {
    cwd: userDir,
    maxBuffer: 16 << 20,
  });
}
