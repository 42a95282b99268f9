// Dahua/Amcrest PTZ CGI with HTTP Digest against a loopback digest server, and the PtzController
// safety stop over it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedCamera } from '../../contracts/config.js';
import { CameraFault } from '../../control/onvif/errors.js';
import { PtzController } from '../../control/ptz/controller.js';
import { digestRequest } from '../../lib/http-digest.js';
import { startDigestServer } from '../../lib/http-digest-server.test-helper.js';
import { DahuaPtz, dahuaCode } from './ptz-cgi.js';

const USER = 'admin';
const PASS = 'p@ss)w#rd';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('digest: challenge answered; wrong password refused', async (t) => {
  const srv = await startDigestServer(USER, PASS);
  t.after(() => srv.close());
  const ok = await digestRequest({
    url: `${srv.baseUrl}/cgi-bin/ptz.cgi?action=stop`,
    username: USER,
    password: PASS,
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(srv.requests, ['/cgi-bin/ptz.cgi?action=stop']);
  const bad = await digestRequest({
    url: `${srv.baseUrl}/cgi-bin/ptz.cgi?action=stop`,
    username: USER,
    password: 'nope',
  });
  assert.equal(bad.status, 401);
  assert.equal(srv.refused, 1);
});

test('velocity → direction code and speeds (1..8, never 0 for the moving axis)', () => {
  assert.deepEqual(dahuaCode({ pan: -0.5, tilt: 0, zoom: 0 }), { code: 'Left', vertical: 0, horizontal: 4 });
  assert.deepEqual(dahuaCode({ pan: 0.06, tilt: 0, zoom: 0 }), { code: 'Right', vertical: 0, horizontal: 1 });
  assert.deepEqual(dahuaCode({ pan: 1, tilt: 0.5, zoom: 0 }), {
    code: 'RightUp',
    vertical: 4,
    horizontal: 8,
  });
  assert.deepEqual(dahuaCode({ pan: 0, tilt: -1, zoom: 0 }), { code: 'Down', vertical: 0, horizontal: 8 });
  assert.deepEqual(dahuaCode({ pan: 0, tilt: 0, zoom: -0.3 }), {
    code: 'ZoomWide',
    vertical: 0,
    horizontal: 2,
  });
  assert.equal(dahuaCode({ pan: 0.01, tilt: 0, zoom: 0 }), null);
});

function dahuaCamera(): ResolvedCamera {
  return {
    id: 'gate',
    name: 'gate',
    enabled: true,
    hidden: false,
    vendor: 'dahua',
    host: '127.0.0.1',
    credentials: { username: USER, password: PASS },
    profiles: {},
    onvif: null,
    snapshotUrl: null,
    capabilities: { ptz: true, presets: false, motionEvents: false, audioOut: false },
    motion: { source: 'off', sensitivity: 50, masks: [] },
  };
}

test('PtzController over the CGI: move, direction change, safety stop names the started code', async (t) => {
  const srv = await startDigestServer(USER, PASS);
  t.after(() => srv.close());
  const ptz = new PtzController(
    dahuaCamera(),
    null,
    { safetyStopMs: 300 },
    new DahuaPtz({ baseUrl: srv.baseUrl, username: USER, password: PASS }),
  );
  t.after(() => ptz.close());
  await ptz.move({ pan: -0.5, tilt: 0, zoom: 0 });
  await sleep(120);
  await ptz.move({ pan: 0, tilt: 1, zoom: 0 });
  await sleep(500);
  assert.deepEqual(srv.requests, [
    '/cgi-bin/ptz.cgi?action=start&channel=1&code=Left&arg1=0&arg2=4&arg3=0',
    '/cgi-bin/ptz.cgi?action=stop&channel=1&code=Left&arg1=0&arg2=4&arg3=0',
    '/cgi-bin/ptz.cgi?action=start&channel=1&code=Up&arg1=0&arg2=8&arg3=0',
    '/cgi-bin/ptz.cgi?action=stop&channel=1&code=Up&arg1=0&arg2=8&arg3=0', // the safety stop
  ]);
  await assert.rejects(ptz.presets(), (e: CameraFault) => e.status === 409);
  await assert.rejects(ptz.home(), (e: CameraFault) => e.status === 409);
});

test('CGI with a wrong password: 502 auth error without the password', async (t) => {
  const srv = await startDigestServer(USER, PASS);
  t.after(() => srv.close());
  const ptz = new PtzController(
    dahuaCamera(),
    null,
    {},
    new DahuaPtz({ baseUrl: srv.baseUrl, username: USER, password: 'Wrong-123' }),
  );
  t.after(() => ptz.close());
  const err = await ptz.move({ pan: 0.5, tilt: 0, zoom: 0 }).catch((e: unknown) => e);
  assert.ok(err instanceof CameraFault);
  assert.equal(err.status, 502);
  assert.equal(err.code, 'camera_auth');
  assert.ok(!err.message.includes('Wrong-123') && !err.message.includes(PASS));
});
