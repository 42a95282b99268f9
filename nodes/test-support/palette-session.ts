/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * What a new user does after `npm install`ing the Lookout nodes into their Node-RED user dir, run
 * inside a network namespace of its own (nodes/palette-install.test.ts starts it with `unshare -rn`),
 * so the product's real default ports are free and nobody else's: the demo exactly as
 * `scripts/start.sh` runs it (`lookout serve` without a config: 127.0.0.1:8080, embedded broker on
 * 127.0.0.1:1883), Node-RED 4 on its default 1880 with no settings file of ours, and Chromium on the
 * editor. Then: the Lookout nodes are in the palette, Import ▸ Examples lists the package's flows,
 * `motion-clip-notify` is imported unedited and deployed, and its messages arrive in the debug
 * sidebar when the demo's front_door sees motion.
 *
 * Usage: node --import tsx palette-session.ts <userDir> <workDir>. Prints `# ` lines and one
 * `RESULT <json>` line; exits 1 on failure. Every process it starts is ended and awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test/helpers/browser.js';
import { checkEditDialogs } from './editor.js';
import { PACKAGE_NAME, REPO_ROOT } from './user-dir.js';

const [userDirArg, workDirArg] = process.argv.slice(2);
if (!userDirArg || !workDirArg) throw new Error('usage: palette-session.ts <userDir> <workDir>');
const userDir: string = userDirArg;
const workDir: string = workDirArg;
const require = createRequire(import.meta.url);
const EDITOR = 'http://127.0.0.1:1880';
const LOOKOUT = 'http://127.0.0.1:8080';

interface Proc {
  child: ChildProcess;
  log: () => string;
  exited: Promise<void>;
}

function start(name: string, args: string[], cwd: string): Proc {
  // Own process group: the whole tree (Lookout's FFmpeg and synthetic camera) is signalled at once.
  const child = spawn(process.execPath, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const add = (d: Buffer) => (log = (log + d.toString()).slice(-200_000));
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  void exited.then(() => console.log(`# ${name} exited`));
  return { child, log: () => log, exited };
}

async function stop(p: Proc | null): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const group = (sig: NodeJS.Signals) => {
    try {
      process.kill(-p.child.pid!, sig);
    } catch {
      /* gone */
    }
  };
  group('SIGTERM');
  const kill = setTimeout(() => group('SIGKILL'), 8000);
  await p.exited;
  clearTimeout(kill);
}

async function until<T>(
  what: string,
  ms: number,
  f: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type RedGlobal = { RED?: { workspaces?: { active?: () => string }; nodes: { getType(t: string): unknown } } };

/**
 * A fresh Node-RED asks about update notifications, then starts its welcome tour, each once it is
 * ready (later on a loaded machine). The user answers no and closes the tour: wait for each (a
 * while), so neither can pop up over a later step.
 */
async function dismissFirstRun(page: Page): Promise<void> {
  for (const selector of [
    'button:has-text("No, do not enable notifications")',
    '.red-ui-tourGuide-popover button:has(.fa-times)',
  ]) {
    const loc = page.locator(selector);
    try {
      await loc.waitFor({ state: 'visible', timeout: 20_000 });
      await loc.click();
      await loc.waitFor({ state: 'hidden', timeout: 5000 });
    } catch {
      console.log(`# first run: no ${selector}`);
    }
  }
}

/** Clicks the first visible element matching `selector` with `text`, as a user would. */
async function click(page: Page, selector: string, text?: string | RegExp): Promise<void> {
  const loc = text === undefined ? page.locator(selector) : page.locator(selector, { hasText: text });
  await loc.first().click({ timeout: 15_000 });
}

async function userStory(page: Page, result: Record<string, unknown>): Promise<void> {
  await page.goto(EDITOR);
  await page.waitForFunction(
    () => !!(globalThis as unknown as RedGlobal).RED?.workspaces?.active?.(),
    undefined,
    { timeout: 60_000 },
  );

  await dismissFirstRun(page);

  // 1. The palette: a "Lookout" category holding the five flow nodes (the config node has no tile).
  const palette = await page.evaluate(() => ({
    categories: [...document.querySelectorAll('.red-ui-palette-header')].map((e) => e.textContent?.trim()),
    lookout: [...document.querySelectorAll('.red-ui-palette-node[data-palette-type^="lookout-"]')]
      .filter((e) => (e as HTMLElement).offsetParent !== null || e.closest('.red-ui-palette-category'))
      .map((e) => ({
        type: e.getAttribute('data-palette-type'),
        label: e.querySelector('.red-ui-palette-label')?.textContent?.trim(),
        category: e
          .closest('.red-ui-palette-category')
          ?.querySelector('.red-ui-palette-header')
          ?.textContent?.trim(),
      })),
    loading: document.querySelector('#red-ui-loading-progress')?.textContent ?? null,
  }));
  result.palette = palette;
  console.log(`# palette: ${palette.lookout.map((n) => `${n.type} (${n.label}, ${n.category})`).join(', ')}`);
  await page.screenshot({ path: join(workDir, 'palette.png') });

  // 2. Import ▸ Examples ▸ <package> ▸ motion-clip-notify, through the main menu.
  await click(page, '#red-ui-header-button-sidemenu');
  await click(page, '#menu-item-import');
  await click(page, '#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a');
  const tree = '#red-ui-clipboard-dialog-import-tab-examples .red-ui-treeList-label';
  await click(page, tree, PACKAGE_NAME);
  const listed = await until('the package examples in the tree', 10_000, async () => {
    const names = await page.evaluate(() =>
      [
        ...document.querySelectorAll('#red-ui-clipboard-dialog-import-tab-examples .red-ui-treeList-label'),
      ].map((e) => e.textContent?.trim() ?? ''),
    );
    return names.includes('motion-clip-notify') ? names : null;
  });
  result.examplesTree = listed;
  await click(page, tree, /^\s*motion-clip-notify\s*$/);
  await page.screenshot({ path: join(workDir, 'import-examples.png') });
  await click(page, '#red-ui-clipboard-dialog-ok');
  await until('the imported flow tab', 10_000, () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.red-ui-tab')].some((t) => /Motion: clip/.test(t.textContent ?? '')),
    ),
  );

  await click(page, '#red-ui-workspace-tabs .red-ui-tab', 'Motion: clip');
  // 3. Deploy, then open the debug sidebar and wait for the flow's messages.
  await click(page, '#red-ui-header-button-deploy');
  await until('the deploy to finish', 15_000, () =>
    page.evaluate(() =>
      document.querySelector('#red-ui-header-button-deploy')?.classList.contains('disabled'),
    ),
  );
  const deployedAt = Date.now();
  console.log('# deployed motion-clip-notify (unedited)');
  await click(page, '.red-ui-tab-link-button:has(.fa-bug)');
  // The lookout-config node connects to the demo's broker; its users show "connected".
  const status = await until('the Lookout nodes connected', 30_000, () =>
    page.evaluate(() => {
      const texts = [...document.querySelectorAll('.red-ui-flow-node-status-label')].map(
        (e) => e.textContent ?? '',
      );
      return texts.length > 0 && texts.some((t) => /online|connected|live/i.test(t)) ? texts : null;
    }),
  );
  result.statuses = status;
  // The demo's visitor walks past front_door every 30 s: wait for a notification (snapshot) message.
  const messages = await until('a notification and a clip in the debug sidebar', 90_000, async () => {
    const msgs = await page.evaluate(() =>
      [...document.querySelectorAll('.red-ui-debug-msg')].map((m) => ({
        name: (m.querySelector('.red-ui-debug-msg-name')?.textContent ?? '')
          .replace(/^\s*node:\s*/, '')
          .trim(),
        topic: m.querySelector('.red-ui-debug-msg-topic')?.textContent?.trim() ?? '',
        body:
          (m.querySelector('.red-ui-debug-msg-payload') as HTMLElement | null)?.innerText.slice(0, 400) ?? '',
      })),
    );
    const names = msgs.map((m) => m.name).join(' ');
    return /notification/.test(names) && /clip started/.test(names) ? msgs : null;
  });
  result.messages = messages;
  result.firstMessageAfterDeployMs = Date.now() - deployedAt;
  await page.screenshot({ path: join(workDir, 'debug-messages.png') });
  console.log(`# debug sidebar: ${messages.map((m) => `${m.name} ${m.topic}`).join(' | ')}`);
}

let lookout: Proc | null = null;
let red: Proc | null = null;
const result: Record<string, unknown> = {};
let failed: unknown = null;
try {
  lookout = start(
    'lookout',
    ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'addon/src/cli/main.ts'), 'serve'],
    workDir,
  );
  await until('the Lookout demo', 90_000, async () => (await fetch(`${LOOKOUT}/api/health`)).ok);
  const cams = (await (await fetch(`${LOOKOUT}/api/cameras`)).json()) as
    Array<{ id: string }> | { cameras: Array<{ id: string }> };
  result.demoCameras = (Array.isArray(cams) ? cams : cams.cameras).map((c) => c.id);
  red = start('node-red', [require.resolve('node-red/red.js'), '--userDir', userDir], userDir);
  await until(
    'Node-RED',
    60_000,
    async () => /Server now running at/.test(red!.log()) && (await fetch(EDITOR)).ok,
  );
  const nodes = (await (
    await fetch(`${EDITOR}/nodes`, { headers: { accept: 'application/json' } })
  ).json()) as Array<{
    module: string;
    types: string[];
    enabled: boolean;
    err?: string;
  }>;
  result.nodeSets = nodes
    .filter((n) => n.module === PACKAGE_NAME)
    .map((n) => ({ types: n.types, enabled: n.enabled, err: n.err ?? null }));
  const shared = await fetch(`${EDITOR}/resources/${PACKAGE_NAME}/lookout-editor.js`);
  result.editorHelpers = {
    status: shared.status,
    type: shared.headers.get('content-type'),
    body: await shared.text(),
  };
  result.messageCatalogs = Object.keys(
    (await (await fetch(`${EDITOR}/nodes/messages?lng=en-US`)).json()) as Record<string, unknown>,
  ).filter((k) => k.startsWith(PACKAGE_NAME));
  result.examples = await (await fetch(`${EDITOR}/library/examples/flows/${PACKAGE_NAME}`)).json();
  // Each node set's editor html loads the shared helpers from the package's resources/ folder.
  const html = await (await fetch(`${EDITOR}/nodes`, { headers: { accept: 'text/html' } })).text();
  const sets = html.split(/<!-- --- \[red-module:([^\]]+)\] --- -->/);
  result.editorSets = Object.fromEntries(
    sets
      .flatMap((s, i) =>
        i % 2 === 1 && s.startsWith(`${PACKAGE_NAME}/`) ? [[s, sets[i + 1] ?? ''] as const] : [],
      )
      .map(([set, body]) => [
        set.slice(PACKAGE_NAME.length + 1),
        {
          helpers: body.includes(
            `<script type="text/javascript" src="resources/${PACKAGE_NAME}/lookout-editor.js">`,
          ),
          help: /data-help-name="lookout-/.test(body),
          template: /data-template-name="lookout-/.test(body),
        },
      ]),
  );
  await checkEditDialogs(EDITOR);
  console.log('# every Lookout edit dialog opened in the editor');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('response', (r) => {
      if (r.url().startsWith(EDITOR) && r.status() >= 400) pageErrors.push(`${r.status()} ${r.url()}`);
    });
    try {
      await userStory(page, result);
    } catch (err) {
      await page.screenshot({ path: join(workDir, 'failure.png') }).catch(() => {});
      throw err;
    }
    result.pageErrors = pageErrors;
  } finally {
    await browser.close();
  }
} catch (err) {
  failed = err;
  console.log(`# FAILED: ${(err as Error).stack ?? String(err)}`);
  console.log(`# screenshots in ${workDir}`);
  console.log(`# node-red log:\n${red?.log().slice(-4000) ?? ''}`);
  console.log(`# lookout log:\n${lookout?.log().slice(-4000) ?? ''}`);
} finally {
  result.nodeRedLog = red?.log().slice(-20_000) ?? '';
  await stop(red);
  await stop(lookout);
}
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(failed ? 1 : 0);
