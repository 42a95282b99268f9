import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { hostAllowlist, hostnameOf, isSameOrigin } from './http-guard.js';

test('Host names: IP literals, localhost, this machine, the bind address and allowed_hosts pass; others do not', () => {
  const allow = hostAllowlist({ bindHost: '192.168.1.5', allowedHosts: ['nvr.home.arpa', '.example.net'] });
  for (const ok of ['127.0.0.1', '::1', '10.1.2.3', 'localhost', 'cam.localhost', hostname().toLowerCase()])
    assert.ok(allow(ok), ok);
  for (const ok of ['192.168.1.5', 'nvr.home.arpa', 'example.net', 'a.b.example.net'])
    assert.ok(allow(ok), ok);
  // Rebinding names: an attacker's domain, including ones that merely contain an allowed name.
  for (const bad of [
    'evil.example',
    '127.0.0.1.nip.io',
    'localhost.evil.example',
    'nvr.home.arpa.evil',
    'xexample.net',
  ])
    assert.ok(!allow(bad), bad);
});

test('hostnameOf strips ports and brackets', () => {
  assert.equal(hostnameOf('LocalHost:8080'), 'localhost');
  assert.equal(hostnameOf('[::1]:8080'), '::1');
  assert.equal(hostnameOf('[fd00::2]'), 'fd00::2');
  assert.equal(hostnameOf('nvr.home.arpa.'), 'nvr.home.arpa');
});

test('same origin: scheme-default ports, explicit ports, IPv6, and what is not an origin', () => {
  assert.ok(isSameOrigin('http://127.0.0.1:8080', '127.0.0.1:8080'));
  assert.ok(isSameOrigin('https://nvr:8081', 'NVR:8081'));
  assert.ok(isSameOrigin('http://nvr', 'nvr'));
  assert.ok(isSameOrigin('https://nvr', 'nvr'));
  assert.ok(isSameOrigin('http://[::1]:8080', '[::1]:8080'));
  assert.ok(!isSameOrigin('http://nvr:8081', 'nvr:8080'));
  assert.ok(!isSameOrigin('http://nvr:8080', 'nvr'));
  assert.ok(!isSameOrigin('http://evil.example', '127.0.0.1:8080'));
  assert.ok(!isSameOrigin('null', '127.0.0.1:8080'));
  assert.ok(!isSameOrigin('http://127.0.0.1:8080', null));
});
