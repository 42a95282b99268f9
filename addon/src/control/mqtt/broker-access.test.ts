import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replyTopicProblem } from '../../contracts/mqtt-replies.js';
import {
  CONNACK,
  judgeConnect,
  publishProblem,
  subscribeProblem,
  type BrokerAccessRule,
} from './broker-access.js';

const rule = (allowAnonymous: boolean): BrokerAccessRule => ({
  lookout: { clientId: 'lookout', username: 'lookout-session', password: 'per-process-secret-0123456789' },
  clients: { username: 'lookout-1a2b3c4d', password: 'generated-password-0123456789' },
  allowAnonymous,
  baseTopic: 'lookout',
  discoveryPrefix: 'homeassistant',
});
const pw = (s: string) => Buffer.from(s);

test("connect: Lookout's id needs Lookout's secret; its secret is only valid under its id", () => {
  const r = rule(true);
  assert.deepEqual(judgeConnect(r, 'lookout', 'lookout-session', pw('per-process-secret-0123456789')), {
    ok: true,
    role: 'lookout',
  });
  for (const [u, p] of [
    [undefined, undefined],
    ['lookout-1a2b3c4d', pw('generated-password-0123456789')],
    ['lookout-session', pw('wrong')],
  ] as const) {
    const v = judgeConnect(r, 'lookout', u, p);
    assert.ok(!v.ok && v.returnCode === CONNACK.identifierRejected, JSON.stringify(v));
  }
  const v = judgeConnect(r, 'other', 'lookout-session', pw('per-process-secret-0123456789'));
  assert.ok(!v.ok && v.returnCode === CONNACK.badCredentials);
});

test('connect: anonymous only when allowed; the generated pair always; anything else refused', () => {
  assert.deepEqual(judgeConnect(rule(true), 'nr', undefined, undefined), { ok: true, role: 'anonymous' });
  const off = judgeConnect(rule(false), 'nr', undefined, undefined);
  assert.ok(!off.ok && off.returnCode === CONNACK.notAuthorized);
  assert.deepEqual(judgeConnect(rule(false), 'nr', 'lookout-1a2b3c4d', pw('generated-password-0123456789')), {
    ok: true,
    role: 'client',
  });
  const wrong = judgeConnect(rule(true), 'nr', 'lookout-1a2b3c4d', pw('generated-password-012345678'));
  assert.ok(!wrong.ok && wrong.returnCode === CONNACK.badCredentials, 'a wrong password is not anonymous');
});

test('publish: others write only non-retained commands and HA birth; Lookout anything', () => {
  const r = rule(true);
  for (const role of ['client', 'anonymous'] as const) {
    assert.equal(publishProblem(r, role, 'lookout/gate/cmd/ptz_stop', false), null);
    assert.equal(publishProblem(r, role, 'homeassistant/status', false), null);
    assert.match(publishProblem(r, role, 'lookout/gate/cmd/record', true)!, /retained/);
    for (const topic of [
      'lookout/gate/motion',
      'lookout/status',
      'lookout/gate/main/state',
      'homeassistant/switch/evil/config',
      'lookout/_replies/x',
      'lookout/gate/cmd/ptz_stop/extra',
      'elsewhere',
    ])
      assert.ok(publishProblem(r, role, topic, false), `${role} ${topic}`);
  }
  assert.equal(publishProblem(r, 'lookout', 'homeassistant/camera/x/config', true), null);
  assert.ok(publishProblem(r, undefined, 'lookout/gate/cmd/ptz_stop', false), 'no role: refused');
  assert.equal(subscribeProblem('anonymous', '#'), null);
  assert.ok(subscribeProblem('client', '$SYS/#'));
});

test('reply topics: only strictly below the reply prefix, never HA discovery or Lookout topics', () => {
  const r = { baseTopic: 'lookout', discoveryPrefix: 'homeassistant', replyPrefix: 'lookout/_replies' };
  assert.equal(replyTopicProblem('lookout/_replies/nr-1', r), null);
  for (const bad of [
    'homeassistant/switch/evil/config',
    'lookout/status',
    'lookout/gate/motion',
    'lookout/_replies',
    'lookout/_replies/#',
    'lookout/_replies/a+b',
    '$SYS/x',
    `lookout/_replies/${'x'.repeat(300)}`,
    '',
    42,
    null,
  ])
    assert.ok(replyTopicProblem(bad, r), String(bad));
  // A hand-built rule whose prefix overlaps discovery still never answers into it.
  assert.ok(replyTopicProblem('homeassistant/x/y', { ...r, replyPrefix: 'homeassistant' }));
});
