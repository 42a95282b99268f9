import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSupervisorBroker, supervisorAccess, SupervisorBrokerError } from './supervisor-broker.js';

const DATA = {
  host: 'core-mosquitto',
  port: 1883,
  ssl: false,
  username: 'addons',
  password: 's3cret!',
  protocol: '3.1.1',
};

test('a Supervisor answer becomes a broker URL without credentials, plus the credentials', () => {
  assert.deepEqual(parseSupervisorBroker(DATA), {
    url: 'mqtt://core-mosquitto:1883',
    username: 'addons',
    password: 's3cret!',
    protocolVersion: 5,
  });
});

test('port as a string, ssl, IPv6, no credentials, MQTT 3.1', () => {
  const b = parseSupervisorBroker({ host: 'fd00::5', port: '8883', ssl: true, protocol: '3.1' });
  assert.deepEqual(b, { url: 'mqtts://[fd00::5]:8883', username: null, password: null, protocolVersion: 3 });
  assert.equal(parseSupervisorBroker({ ...DATA, username: '', password: null }).username, null);
});

test('malformed answers: a clear error naming the field, never the password', () => {
  const cases: [unknown, RegExp][] = [
    [null, /data is not an object/],
    [[DATA], /data is not an object/],
    [{ ...DATA, host: undefined }, /data\.host/],
    [{ ...DATA, host: 'evil/path' }, /data\.host/],
    [{ ...DATA, port: 0 }, /data\.port/],
    [{ ...DATA, port: '1883x' }, /data\.port/],
    [{ ...DATA, port: 70000 }, /data\.port/],
    [{ ...DATA, ssl: 'yes' }, /data\.ssl/],
    [{ ...DATA, password: 42 }, /data\.password is not a string/],
    [{ ...DATA, protocol: '4' }, /data\.protocol/],
  ];
  for (const [data, re] of cases) {
    assert.throws(
      () => parseSupervisorBroker(data),
      (err: Error) =>
        err instanceof SupervisorBrokerError && re.test(err.message) && !err.message.includes('s3cret'),
      JSON.stringify(data),
    );
  }
});

test('the Supervisor is used only in the add-on (SUPERVISOR_TOKEN set); SUPERVISOR_URL overrides its address', () => {
  assert.equal(supervisorAccess({}), null);
  assert.equal(supervisorAccess({ SUPERVISOR_TOKEN: '' }), null);
  assert.deepEqual(supervisorAccess({ SUPERVISOR_TOKEN: 'x' }), { token: 'x', baseUrl: 'http://supervisor' });
  assert.deepEqual(supervisorAccess({ SUPERVISOR_TOKEN: 'x', SUPERVISOR_URL: 'http://127.0.0.1:9/' }), {
    token: 'x',
    baseUrl: 'http://127.0.0.1:9',
  });
});
