import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLookoutAddon } from './addon-slug.js';

test('the Lookout add-on is the one whose slug is lookout or ends in _lookout; started first', () => {
  assert.equal(
    findLookoutAddon([{ slug: 'core_mosquitto' }, { slug: 'a0d7b954_lookout', state: 'started' }]),
    'a0d7b954_lookout',
  );
  assert.equal(findLookoutAddon([{ slug: 'local_lookout' }]), 'local_lookout');
  assert.equal(findLookoutAddon([{ slug: 'lookout' }]), 'lookout');
  assert.equal(
    findLookoutAddon([
      { slug: '5c53de3b_lookout', state: 'stopped' },
      { slug: 'local_lookout', state: 'started' },
    ]),
    'local_lookout',
  );
  assert.equal(findLookoutAddon([{ slug: '5c53de3b_lookout', state: 'stopped' }]), '5c53de3b_lookout');
  for (const other of ['a0_lookout_beta', 'lookoutx', 'my-lookout', 'x_y_lookout', ''])
    assert.equal(findLookoutAddon([{ slug: other }]), null, other);
  assert.equal(findLookoutAddon([{ slug: 7 }, {}]), null);
  assert.equal(findLookoutAddon([]), null);
});
