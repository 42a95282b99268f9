/**
 * Reload by diff, the one mechanism (MediaMTX's closeResources, minus its hand-written field lists).
 * A subsystem declares the slice of its input it is built from — per item (a stream key, a camera id)
 * the value that item depends on — and deep equality on it decides what is added, removed, rebuilt
 * or left alone. A field added to a sliced value tomorrow is covered without touching any list.
 */
import { isDeepStrictEqual } from 'node:util';

export interface SetDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

/** A subsystem's declaration of what it is built from: per item id, the value it depends on. */
export type Slice<Input, T> = (input: Input) => ReadonlyMap<string, T>;

export interface SliceDiff<T> extends SetDiff {
  /** The new input's slice (what added and changed items are rebuilt from). */
  after: ReadonlyMap<string, T>;
}

/** What changes for one subsystem between two inputs: its slice's items added, removed, changed, unchanged. */
export function diffSlice<Input, T>(slice: Slice<Input, T>, before: Input, after: Input): SliceDiff<T> {
  const next = slice(after);
  return { ...diffMaps(slice(before), next), after: next };
}

export function diffMaps<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): SetDiff {
  const d: SetDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const [k, v] of after) {
    if (!before.has(k)) d.added.push(k);
    else if (isDeepStrictEqual(before.get(k), v)) d.unchanged.push(k);
    else d.changed.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) d.removed.push(k);
  return d;
}
