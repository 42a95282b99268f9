/**
 * Where each effective value came from. Collected while resolving, kept beside the ResolvedConfig
 * (the contracts keep the resolved types free of it), and printed by explain.ts.
 * Secret values are never recorded: a password is recorded as `***`.
 */
import type { ProvenanceEntry, ProvenanceLevel } from '../contracts/config.js';
import type { Picked } from './layers.js';

export const SECRET_MASK = '***';

export interface ConfigProvenance {
  server: ProvenanceEntry[];
  /** Keyed by camera id; entries in resolution order. */
  cameras: Record<string, ProvenanceEntry[]>;
}

export class ProvenanceLog {
  readonly entries: ProvenanceEntry[] = [];

  add(path: string, value: unknown, level: ProvenanceLevel, origin: string): void {
    this.entries.push({ path, value, level, origin });
  }

  picked(path: string, p: Picked<unknown>, value: unknown = p.value): void {
    this.add(path, value, p.level, p.origin);
  }

  /** A value the file sets at `origin`, or a built-in default otherwise. */
  fileOr(path: string, fileValue: unknown, origin: string, fallback: unknown, fallbackLabel: string): void {
    if (fileValue === undefined) this.add(path, fallback, 'built-in', fallbackLabel);
    else this.add(path, fileValue, 'camera', origin);
  }
}
