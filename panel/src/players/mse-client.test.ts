import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeMseFrame,
  encodeMseFrame,
  MSE_FLAG_KEYFRAME,
  MSE_FRAME_FRAGMENT,
  MSE_FRAME_HEADER_BYTES,
  MSE_FRAME_INIT,
  MSE_MAX_STREAM_ID,
} from '../../../addon/src/contracts/mse-ws.js';

test('the plain-JS browser client repeats the contract framing constants exactly', async () => {
  // A computed specifier: the .js module has no type declarations, and it needs none here.
  const path = './mse-client.js';
  const client = (await import(path)) as Record<string, unknown>;
  assert.equal(client.FRAME_HEADER_BYTES, MSE_FRAME_HEADER_BYTES);
  assert.equal(client.FRAME_INIT, MSE_FRAME_INIT);
  assert.equal(client.FRAME_FRAGMENT, MSE_FRAME_FRAGMENT);
  assert.equal(client.FLAG_KEYFRAME, MSE_FLAG_KEYFRAME);
  assert.equal(client.MAX_STREAM_ID, MSE_MAX_STREAM_ID);
});

test('frame header round-trips kind, keyframe flag and a 16-bit id', () => {
  const payload = new Uint8Array([9, 8, 7]);
  for (const id of [0, 1, 258, MSE_MAX_STREAM_ID]) {
    const f = decodeMseFrame(encodeMseFrame(MSE_FRAME_FRAGMENT, id, payload, true));
    assert.deepEqual(
      { kind: f.kind, id: f.id, keyframe: f.keyframe, payload: [...f.payload] },
      {
        kind: MSE_FRAME_FRAGMENT,
        id,
        keyframe: true,
        payload: [9, 8, 7],
      },
    );
  }
  const init = encodeMseFrame(MSE_FRAME_INIT, 258, payload);
  assert.deepEqual([...init.subarray(0, 4)], [MSE_FRAME_INIT, 0, 1, 2]);
  assert.throws(() => decodeMseFrame(new Uint8Array(3)), /shorter than its header/);
});
