/**
 * The add-on manifests validate against the Home Assistant add-on linter's schemas (kept in
 * ../shared/ha, read from there), including the linter's rule that no key may be set to its default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shared = process.env.LOOKOUT_SHARED_DIR ?? `${root}../shared`;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function validator(schemaFile: string) {
  const schema = JSON.parse(readFileSync(`${shared}/ha/${schemaFile}`, 'utf8')) as Record<string, unknown>;
  // The linter's schema uses Python-style named groups `(?P<name>...)`; JavaScript spells them `(?<name>...)`.
  const pyRegExp = (pattern: string, flags: string) => new RegExp(pattern.replace(/\(\?P</g, '(?<'), flags);
  pyRegExp.code = 'pyRegExp';
  const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: pyRegExp } });
  addFormats(ajv);
  return { validate: ajv.compile(schema), schema };
}

test('addon/config.yaml passes the add-on linter schema, with no key set to its default', () => {
  const manifest = parse(readFileSync(`${root}addon/config.yaml`, 'utf8')) as Record<string, unknown>;
  const { validate, schema } = validator('config.schema.json');
  assert.ok(validate(manifest), JSON.stringify(validate.errors, null, 2));
  const props = schema.properties as Record<string, { default?: unknown }>;
  for (const [key, value] of Object.entries(manifest)) {
    const def = props[key]?.default;
    assert.ok(
      def === undefined || JSON.stringify(def) !== JSON.stringify(value),
      `${key} is set to its default (${JSON.stringify(def)})`,
    );
  }
  assert.deepEqual(manifest.arch, ['aarch64', 'amd64'], 'only the supported architectures');
  assert.equal(manifest.version, JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version);
});

test('repository.yaml passes the repository schema', () => {
  const repo = parse(readFileSync(`${root}repository.yaml`, 'utf8')) as unknown;
  const { validate } = validator('repository.schema.derived.json');
  assert.ok(validate(repo), JSON.stringify(validate.errors));
});
