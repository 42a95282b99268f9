/**
 * Reload of camera control goes through its declared slice (CONTROL_SLICE): a field the slice holds,
 * even one that does not exist yet, rebuilds that camera's control; a field outside it does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ResolvedCamera } from '../contracts/config.js';
import { silentLogger } from '../lib/log.js';
import { CameraControl, controlSlice } from './camera-control.js';
import { cameraFor, waitFor } from './camera-control.test-helper.js';

class Cameras extends EventEmitter {
  constructor(public list: ResolvedCamera[]) {
    super();
  }
  cameras() {
    return this.list;
  }
  camera(id: string) {
    const c = this.list.find((x) => x.id === id);
    if (!c) throw new Error(`no camera ${id}`);
    return c;
  }
  reload(list: ResolvedCamera[]) {
    this.list = list;
    this.emit('config');
  }
}

test('a field added to the control slice restarts that camera’s control on reload; others stay', async (t) => {
  // No ONVIF endpoint: no sockets, only the per-camera entry (its PTZ controller is its identity).
  const a = cameraFor(null, 'a');
  const b = cameraFor(null, 'b');
  const cams = new Cameras([a, b]);
  const control = new CameraControl({ cameras: cams, log: silentLogger() });
  control.start();
  t.after(() => control.stop());
  const ptzA = control.ptz('a');
  const ptzB = control.ptz('b');

  // A top-level field that ResolvedCamera does not have today (the old hand-written 7-field
  // comparison ignored such a field on reload).
  const future = (cam: ResolvedCamera, v: number) =>
    ({ ...cam, futureField: v }) as unknown as ResolvedCamera;
  assert.notDeepEqual(
    controlSlice(future(a, 1)),
    controlSlice(future(a, 2)),
    'the new field is in the slice',
  );

  cams.reload([future(a, 1), b]);
  await waitFor('camera a rebuilt', () => control.ptz('a') !== ptzA);
  assert.equal(control.ptz('b'), ptzB, 'camera b is untouched');

  const ptzA1 = control.ptz('a');
  cams.reload([{ ...future(a, 1), name: 'Front door' }, b]);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(control.ptz('a'), ptzA1, 'a display-name change is outside the slice: nothing restarts');

  cams.reload([future(a, 2), b]);
  await waitFor('camera a rebuilt again', () => control.ptz('a') !== ptzA1);
});
