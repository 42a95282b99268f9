/**
 * Real Chromium for tests and benchmarks: Debian's build driven by playwright-core (no browser
 * download). The flags keep it off the network (this machine has none: background services would
 * fail, many at a time), let video autoplay, and avoid GPU and QUIC.
 */
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchChromium(opts: LaunchOptions & { extraArgs?: string[] } = {}): Promise<Browser> {
  const { extraArgs = [], ...rest } = opts;
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs], ...rest });
}
