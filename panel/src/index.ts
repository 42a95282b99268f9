/**
 * Entry of the bundle (dist/panel/lookout-card.js): defines the elements once. A dashboard may load
 * the file twice (two resource URLs, a cache-busting query), so every define is guarded.
 */
import { LookoutGridCard } from './card.js';
import { LookoutCameraTile } from './components/camera-tile.js';
// Defines <lookout-ptz-overlay> (itself guarded); tiles place it over PTZ cameras.
import './components/ptz-overlay.js';
// Defines <lookout-srtla-links> (guarded); tiles of bonded cameras show it.
import './components/srtla-links.js';
import { LookoutTalkButton } from './components/talk-button.js';
import { LookoutPanel } from './panel-page.js';
import { registerLookoutCard } from './register.js';
import { LookoutReview } from './review/review-view.js';
import { LookoutReviewTimeline } from './review/review-timeline.js';

function define(tag: string, ctor: CustomElementConstructor): void {
  if (!customElements.get(tag)) customElements.define(tag, ctor);
}

define('lookout-camera-tile', LookoutCameraTile);
define('lookout-talk-button', LookoutTalkButton);
define('lookout-panel', LookoutPanel);
define('lookout-review', LookoutReview);
define('lookout-review-timeline', LookoutReviewTimeline);
// The card, its visual editor and the card-picker entry (window.customCards), each once.
registerLookoutCard(LookoutGridCard);
