/**
 * The card's configuration: one JSON Schema (validated with ajv, every problem reported with its
 * path), the defaults beside it, and the two conversions the card and its editor need. The card
 * (`setConfig`), the panel page and the visual editor all go through this file.
 */
import Ajv, { type ErrorObject } from 'ajv';

export const LIVE_TECHS = ['auto', 'webrtc', 'llhls', 'mse', 'snapshot'] as const;
export type LiveTech = (typeof LIVE_TECHS)[number];

export const CONTROL_NAMES = [
  'ptz',
  'presets',
  'record',
  'snapshot',
  'fullscreen',
  'status',
  'latency',
  'motion',
  'review',
  'talk',
] as const;
export type ControlName = (typeof CONTROL_NAMES)[number];
export type CardControls = Record<ControlName, boolean>;

/** What a user writes in YAML (`type: custom:lookout-grid-card` plus these keys). */
export interface LookoutCardConfig {
  type?: string;
  /** Camera ids in display order; absent or empty: every visible camera. */
  cameras?: string[];
  /** Columns of the grid; `auto` picks from the number of tiles (1, 2, 3, 4 columns). */
  columns?: number | 'auto';
  live_tech?: LiveTech;
  /** Which controls to show; absent keys keep their default. */
  controls?: Partial<CardControls>;
  /** Lookout base URL; absent: same origin (the panel page) or the add-on's ingress (in a dashboard). */
  url?: string;
  /**
   * The add-on's full slug (`<repository hash>_lookout`) for ingress from a dashboard; absent: the
   * card finds the Lookout add-on in the Supervisor's add-on list.
   */
  addon_slug?: string;
  /** Tile aspect ratio `W:H`. */
  aspect_ratio?: string;
  title?: string;
}

/** The config with every default filled in: what the card renders from. */
export interface ResolvedCardConfig {
  type: string;
  cameras: string[];
  columns: number | 'auto';
  live_tech: LiveTech;
  controls: CardControls;
  url: string | null;
  addon_slug: string | null;
  aspect_ratio: string;
  title: string | null;
}

export const CARD_TYPE = 'custom:lookout-grid-card';

export const CARD_DEFAULTS: ResolvedCardConfig = {
  type: CARD_TYPE,
  cameras: [],
  columns: 'auto',
  live_tech: 'auto',
  controls: {
    ptz: true,
    presets: true,
    record: true,
    snapshot: true,
    fullscreen: true,
    status: true,
    latency: true,
    motion: true,
    review: true,
    talk: true,
  },
  url: null,
  addon_slug: null,
  aspect_ratio: '16:9',
  title: null,
};

/**
 * Keys Home Assistant itself stores in every card config (section-view size, visibility conditions,
 * layout). HA passes them to setConfig, so they must validate; the card ignores them and the visual
 * editor hands them back unchanged.
 */
export const HA_CARD_KEYS = ['grid_options', 'layout_options', 'view_layout', 'visibility'] as const;

export const CARD_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: { type: 'string' },
    cameras: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
    },
    columns: { anyOf: [{ type: 'integer', minimum: 1, maximum: 8 }, { const: 'auto' }] },
    live_tech: { enum: [...LIVE_TECHS] },
    controls: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(CONTROL_NAMES.map((n) => [n, { type: 'boolean' }])),
    },
    url: { type: 'string', pattern: '^(https?://|/|\\./|\\.\\./)' },
    addon_slug: { type: 'string', pattern: '^[a-z0-9_]+$' },
    aspect_ratio: { type: 'string', pattern: '^[1-9][0-9]*:[1-9][0-9]*$' },
    title: { type: 'string' },
    ...Object.fromEntries(HA_CARD_KEYS.map((k) => [k, {}])),
  },
} as const;

/** A bad card config: every problem, each `path: message`. Thrown by setConfig, so HA shows it. */
export class CardConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Lookout card config:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'CardConfigError';
  }
}

const validate = new Ajv({ allErrors: true, strict: true }).compile(CARD_CONFIG_SCHEMA);

function describe(e: ErrorObject): string {
  const path = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(config)';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return `${path === '(config)' ? extra : `${path}.${extra}`}: unknown key`;
  }
  if (e.keyword === 'enum') {
    return `${path}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  if (e.keyword === 'anyOf' && path === 'columns') return 'columns: must be an integer 1-8 or "auto"';
  return `${path}: ${e.message ?? 'invalid'}`;
}

/** Validates and fills defaults; throws CardConfigError listing every problem. */
export function resolveCardConfig(raw: unknown): ResolvedCardConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CardConfigError(['(config): must be an object']);
  }
  if (!validate(raw)) {
    const problems = (validate.errors ?? [])
      // anyOf reports each branch too; the anyOf line says it once.
      .filter((e) => !(e.instancePath === '/columns' && e.keyword !== 'anyOf'))
      .map(describe);
    throw new CardConfigError([...new Set(problems)]);
  }
  const c = raw as LookoutCardConfig;
  return {
    type: c.type ?? CARD_DEFAULTS.type,
    cameras: c.cameras ?? CARD_DEFAULTS.cameras,
    columns: c.columns ?? CARD_DEFAULTS.columns,
    live_tech: c.live_tech ?? CARD_DEFAULTS.live_tech,
    controls: { ...CARD_DEFAULTS.controls, ...c.controls },
    url: c.url ?? CARD_DEFAULTS.url,
    addon_slug: c.addon_slug ?? CARD_DEFAULTS.addon_slug,
    aspect_ratio: c.aspect_ratio ?? CARD_DEFAULTS.aspect_ratio,
    title: c.title ?? CARD_DEFAULTS.title,
  };
}

/**
 * The smallest config equal to `r`: defaults left out, so the YAML the editor writes stays short and
 * a later change of a default reaches the user. resolveCardConfig(toStoredConfig(r)) deep-equals r.
 */
export function toStoredConfig(r: ResolvedCardConfig): LookoutCardConfig {
  const out: LookoutCardConfig = { type: r.type };
  if (r.title !== null) out.title = r.title;
  if (r.cameras.length > 0) out.cameras = [...r.cameras];
  if (r.columns !== CARD_DEFAULTS.columns) out.columns = r.columns;
  if (r.live_tech !== CARD_DEFAULTS.live_tech) out.live_tech = r.live_tech;
  const controls = Object.fromEntries(
    CONTROL_NAMES.filter((n) => r.controls[n] !== CARD_DEFAULTS.controls[n]).map((n) => [n, r.controls[n]]),
  );
  if (Object.keys(controls).length > 0) out.controls = controls;
  if (r.url !== null) out.url = r.url;
  if (r.addon_slug !== null) out.addon_slug = r.addon_slug;
  if (r.aspect_ratio !== CARD_DEFAULTS.aspect_ratio) out.aspect_ratio = r.aspect_ratio;
  return out;
}

/** Columns for `n` tiles when `columns` is auto. */
export function autoColumns(n: number): number {
  return n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
}
