/**
 * Is this tile worth playing: on screen (IntersectionObserver) and in a foreground tab
 * (document.visibilityState). Listeners are added in hostConnected and exactly those removed in
 * hostDisconnected, so a tile removed from the grid leaves nothing behind.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class VisibilityController implements ReactiveController {
  /** On screen (at least partly); false until the first observation says so (lazy start). */
  onScreen = false;
  pageVisible = document.visibilityState === 'visible';
  private observer: IntersectionObserver | null = null;

  constructor(private readonly host: ReactiveControllerHost & Element) {
    host.addController(this);
  }

  get visible(): boolean {
    return this.onScreen && this.pageVisible;
  }

  hostConnected(): void {
    this.pageVisible = document.visibilityState === 'visible';
    document.addEventListener('visibilitychange', this.onVisibility);
    this.observer = new IntersectionObserver((entries) => {
      const last = entries[entries.length - 1];
      if (!last || last.isIntersecting === this.onScreen) return;
      this.onScreen = last.isIntersecting;
      this.host.requestUpdate();
    });
    this.observer.observe(this.host);
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.observer?.disconnect();
    this.observer = null;
    this.onScreen = false;
  }

  private readonly onVisibility = (): void => {
    const v = document.visibilityState === 'visible';
    if (v === this.pageVisible) return;
    this.pageVisible = v;
    this.host.requestUpdate();
  };
}
