import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { avcCodecString, hevcCodecString, mp4aCodecString } from './codec-string.js';

describe('codec strings', () => {
  it('avcC → avc1.PPCCLL', () => {
    assert.equal(avcCodecString('avc1', Buffer.from([1, 0x64, 0x00, 0x1f, 0xff])), 'avc1.64001f');
    assert.equal(avcCodecString('avc3', Buffer.from([1, 0x42, 0xc0, 0x0d, 0xff])), 'avc3.42c00d');
  });

  it('hvcC → bit-reversed compatibility flags, tier+level, trimmed constraint bytes', () => {
    // Main profile, compat flags 1 and 2 (0x60000000), progressive+frame-only constraints, level 3.1
    const hvcC = Buffer.from([1, 0x01, 0x60, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 93]);
    assert.equal(hevcCodecString('hvc1', hvcC), 'hvc1.1.6.L93.B0');
    // Main 10, high tier, level 5.1, profile space 0, compat flag 2 only
    const main10 = Buffer.from([1, 0x22, 0x20, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 153]);
    assert.equal(hevcCodecString('hev1', main10), 'hev1.2.4.H153.90');
  });

  it('esds → mp4a.40.<audio object type>, and mp4a.6B for MP3', () => {
    // full box header, ES_Descriptor(3), DecoderConfig(4) oti 0x40, DecoderSpecificInfo(5) AAC-LC 48k stereo
    const aac = Buffer.from([
      0, 0, 0, 0, 0x03, 0x19, 0, 1, 0, 0x04, 0x11, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x02,
      0x11, 0x90,
    ]);
    assert.deepEqual(mp4aCodecString(aac), {
      codec: 'mp4a.40.2',
      objectType: 0x40,
      audioObjectType: 2,
      sampleRate: 48000,
      channels: 2,
    });
    // Same with 4-byte descriptor lengths (0x80 0x80 0x80 n), as some muxers write
    const long = Buffer.from([
      0, 0, 0, 0, 0x03, 0x80, 0x80, 0x80, 0x22, 0, 1, 0, 0x04, 0x80, 0x80, 0x80, 0x14, 0x40, 0x15, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0x05, 0x80, 0x80, 0x80, 0x02, 0x2b, 0x90,
    ]);
    assert.equal(mp4aCodecString(long).codec, 'mp4a.40.5');
    const mp3 = Buffer.from([
      0, 0, 0, 0, 0x03, 0x0f, 0, 1, 0, 0x04, 0x0d, 0x6b, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    assert.deepEqual(mp4aCodecString(mp3), {
      codec: 'mp4a.6B',
      objectType: 0x6b,
      audioObjectType: null,
      sampleRate: null,
      channels: null,
    });
  });
});
