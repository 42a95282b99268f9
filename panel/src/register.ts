/**
 * Registration of the Lovelace card: the card element (when given), its visual editor, and the
 * `window.customCards` entry for HA's card picker — each exactly once, however many times the bundle
 * is loaded (HA can load a resource twice; a second `customElements.define` throws, and "duplicate
 * registration" is the top support theme of other camera cards).
 *
 * Wiring from the card module:
 *   import { registerLookoutCard, stubConfig, createEditor } from './register.js';
 *   static getStubConfig(hass, entities) { return stubConfig(hass, entities); }
 *   static getConfigElement() { return createEditor(); }
 *   registerLookoutCard(LookoutGridCard);   // defines lookout-grid-card (if not yet), editor, picker entry
 */
import { LookoutGridCardEditor } from './editor/card-editor.js';
import type { LookoutCardConfig } from './config/card-config.js';

export const CARD_TAG = 'lookout-grid-card';
export const EDITOR_TAG = 'lookout-grid-card-editor';

/** The picker entry (HA frontend `CustomCardEntry`). */
export interface CustomCardEntry {
  type: string;
  name: string;
  description?: string;
  preview?: boolean;
  documentationURL?: string;
}

export const CARD_ENTRY: CustomCardEntry = {
  type: CARD_TAG,
  name: 'Lookout camera grid',
  description:
    'Live camera grid from Lookout: LL-HLS or MSE with snapshot fallback, fullscreen main stream, PTZ and presets.',
  preview: true,
  documentationURL: 'https://github.com/lookout-nvr/lookout/blob/main/panel/README.md',
};

declare global {
  interface Window {
    customCards?: CustomCardEntry[];
  }
}

/** Defines the editor element once. */
export function registerEditor(): void {
  if (!customElements.get(EDITOR_TAG)) customElements.define(EDITOR_TAG, LookoutGridCardEditor);
}

/**
 * Idempotent: defines `cardClass` as `lookout-grid-card` unless that tag is already defined, defines
 * the editor, and adds the picker entry unless one for this type is there.
 */
export function registerLookoutCard(cardClass?: CustomElementConstructor): void {
  if (cardClass && !customElements.get(CARD_TAG)) customElements.define(CARD_TAG, cardClass);
  registerEditor();
  const cards = (window.customCards ??= []);
  if (!cards.some((c) => c.type === CARD_TAG)) cards.push({ ...CARD_ENTRY });
}

/**
 * For the card's static `getStubConfig(hass, entities, entitiesFallback)`: a config without `type`
 * (HA adds it). Empty means every visible camera with all defaults — what a new user wants to see.
 */
export function stubConfig(
  _hass?: unknown,
  _entities?: unknown,
  _entitiesFallback?: unknown,
): LookoutCardConfig {
  return {};
}

/** For the card's static `getConfigElement()`: a fresh editor element (HA then calls setConfig on it). */
export function createEditor(): LookoutGridCardEditor {
  registerEditor();
  return document.createElement(EDITOR_TAG) as LookoutGridCardEditor;
}
