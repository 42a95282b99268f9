import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeMseFrame,
  encodeMseFrame,
  MSE_FLAG_KEYFRAME,
  MSE_FRAME_FRAGMENT,
  MSE_FRAME_HEADER_BYTES,
  MSE_FRAME_INIT,
  MSE_FRAME_RECEIVED_OFFSET,
  MSE_MAX_STREAM_ID,
  clockOffsetMs,
} from '../../../addon/src/contracts/mse-ws.js';

test('the plain-JS browser client repeats the contract framing constants exactly', async () => {
  // A computed specifier: the .js module has no type declarations, and it needs none here.
  const path = './mse-client.js';
  const client = (await import(path)) as Record<string, unknown>;
  assert.equal(client.FRAME_HEADER_BYTES, MSE_FRAME_HEADER_BYTES);
  assert.equal(client.FRAME_RECEIVED_OFFSET, MSE_FRAME_RECEIVED_OFFSET);
  assert.equal(client.FRAME_INIT, MSE_FRAME_INIT);
  assert.equal(client.FRAME_FRAGMENT, MSE_FRAME_FRAGMENT);
  assert.equal(client.FLAG_KEYFRAME, MSE_FLAG_KEYFRAME);
  assert.equal(client.MAX_STREAM_ID, MSE_MAX_STREAM_ID);
});

test('frame header round-trips kind, keyframe flag, a 16-bit id and the receive time to the millisecond', () => {
  const payload = new Uint8Array([9, 8, 7]);
  const receivedAt = 1_764_800_000_123.5;
  for (const id of [0, 1, 258, MSE_MAX_STREAM_ID]) {
    const f = decodeMseFrame(encodeMseFrame(MSE_FRAME_FRAGMENT, id, payload, { keyframe: true, receivedAt }));
    assert.deepEqual(
      { kind: f.kind, id: f.id, keyframe: f.keyframe, receivedAt: f.receivedAt, payload: [...f.payload] },
      { kind: MSE_FRAME_FRAGMENT, id, keyframe: true, receivedAt, payload: [9, 8, 7] },
    );
  }
  const init = encodeMseFrame(MSE_FRAME_INIT, 258, payload, { receivedAt: 0 });
  assert.deepEqual([...init.subarray(0, 4)], [MSE_FRAME_INIT, 0, 1, 2]);
  assert.equal(init.byteLength, MSE_FRAME_HEADER_BYTES + payload.byteLength);
  // The receive time is a big-endian float64 at its offset: what the plain-JS client reads.
  const at = new DataView(init.buffer).getFloat64(MSE_FRAME_RECEIVED_OFFSET);
  assert.equal(at, 0);
  assert.throws(() => decodeMseFrame(new Uint8Array(MSE_FRAME_HEADER_BYTES - 1)), /shorter than its header/);
});

test('a payload that is a view into a larger buffer encodes and decodes from its own offset', () => {
  const big = new Uint8Array(64).fill(0xaa);
  const frame = encodeMseFrame(MSE_FRAME_FRAGMENT, 7, big.subarray(10, 13), { receivedAt: 42 });
  const padded = new Uint8Array(frame.byteLength + 5);
  padded.set(frame, 5);
  const f = decodeMseFrame(padded.subarray(5));
  assert.equal(f.receivedAt, 42);
  assert.equal(f.id, 7);
  assert.equal(f.keyframe, false);
  assert.deepEqual([...f.payload], [0xaa, 0xaa, 0xaa]);
});

test('clock offset: Lookout minus the client, taken at the middle of the round trip', () => {
  // Client sent at 1000 (its clock), the reply left Lookout at 5020 (Lookout's), arrived at 1040.
  assert.equal(clockOffsetMs(1000, { type: 'time', id: 1, t: 1000, now: 5020 }, 1040), 4000);
});
