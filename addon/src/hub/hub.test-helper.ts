/** TEST-ONLY helpers for hub tests: a controllable clock, feeding a capture, collecting reader events. */
import { setImmediate as tick } from 'node:timers/promises';
import type { Fmp4Capture } from '../lib/mp4/ffmpeg.test-helper.js';
import { parseFragment, parseInitSegment } from '../lib/mp4/index.js';
import type { StreamHub } from './stream-hub.js';
import type { Fragment, ReaderEvent } from './types.js';

export { tick };

/** Lets readers with asynchronous writes finish: a few event-loop turns. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await tick();
}

/** Wall clock that advances only when told: arrivals spaced by media time, as from a live camera. */
export class TestClock {
  t = Date.UTC(2024, 0, 1);
  readonly now = (): number => this.t;
}

/**
 * Pushes fragments [from, to) into the hub, advancing the clock by each part's duration (as if it
 * arrived in real time). `between` runs after each push (e.g. `tick` to let async readers drain).
 */
export async function feed(
  hub: StreamHub,
  capture: Fmp4Capture,
  clock: TestClock,
  from = 0,
  to = capture.fragments.length,
  between?: () => Promise<unknown>,
): Promise<Fragment[]> {
  const parts: Fragment[] = [];
  for (const f of capture.fragments.slice(from, to)) {
    const part = hub.pushFragment(f);
    if (part) {
      parts.push(part);
      clock.t += Math.round(part.durationS * 1000);
    }
    if (between) await between();
  }
  return parts;
}

/** Indexes of the capture's keyframe fragments, to stop feeding mid-GOP at a known place. */
export function keyframeIndexes(capture: Fmp4Capture): number[] {
  const info = parseInitSegment(capture.init);
  return capture.fragments.flatMap((f, i) => (parseFragment(f, info).independent ? [i] : []));
}

/** A reader sink that records what it gets. */
export function collector(): {
  events: ReaderEvent[];
  write: (e: ReaderEvent) => void;
  fragments: () => Fragment[];
} {
  const events: ReaderEvent[] = [];
  return {
    events,
    write: (e) => void events.push(e),
    fragments: () => events.flatMap((e) => (e.type === 'fragment' ? [e.fragment] : [])),
  };
}
