// The minimal live page: one tile per visible camera, sub stream by default, click toggles main.
// All tiles share one LiveSocket (one WebSocket for the page).
import { LiveSocket, MsePlayer } from './mse-client.js';

const grid = document.getElementById('grid');
const summary = document.getElementById('summary');
const socket = new LiveSocket(LiveSocket.urlFor('live/ws'));

/** For tests and debugging: the tiles with their camera, profile and player. */
const tiles = [];
window.lookoutLive = { socket, tiles };

function addTile(cam) {
  const el = document.createElement('div');
  el.className = 'tile';
  el.dataset.camera = cam.id;
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  const label = document.createElement('div');
  label.className = 'label';
  const name = document.createElement('span');
  name.textContent = cam.name;
  const state = document.createElement('span');
  state.className = 'state';
  label.append(name, state);
  el.append(video, label);
  grid.append(el);

  const profiles = cam.profiles.map((p) => p.name);
  const tile = {
    camera: cam.id,
    profile: profiles.includes('sub') ? 'sub' : 'main',
    state: 'connecting',
    player: null,
    el,
  };
  tile.player = new MsePlayer(video, (s, detail) => {
    tile.state = s;
    el.dataset.state = s;
    el.classList.toggle('error', s === 'error');
    state.textContent =
      detail && s !== 'playing' ? `${tile.profile} · ${s}: ${detail}` : `${tile.profile} · ${s}`;
  });
  el.addEventListener('click', () => {
    if (!profiles.includes('main') || !profiles.includes('sub')) return;
    tile.profile = tile.profile === 'sub' ? 'main' : 'sub';
    el.classList.toggle('main', tile.profile === 'main');
    tile.player.play(socket, `${cam.id}/${tile.profile}`);
  });
  tile.player.play(socket, `${cam.id}/${tile.profile}`);
  tiles.push(tile);
}

async function main() {
  const res = await fetch('api/cameras');
  if (!res.ok) {
    summary.textContent = `· cannot list cameras (${res.status})`;
    return;
  }
  const { cameras } = await res.json();
  const visible = cameras.filter((c) => c.enabled && !c.hidden && c.profiles.length > 0);
  summary.textContent = `· ${visible.length} camera(s)`;
  for (const cam of visible) addTile(cam);
}

main().catch((err) => {
  summary.textContent = `· ${err.message}`;
});
