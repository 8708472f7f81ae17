import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SETTING_DEFAULTS } from '../../src/core/settings';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const properties: Record<string, any> = manifest.contributes.configuration.properties;

test('every setting the code reads is declared with the same default, a description and a scope', () => {
  const declared = Object.keys(properties).map((k) => k.replace(/^groundwork\./, ''));
  assert.deepEqual(declared.sort(), Object.keys(SETTING_DEFAULTS).sort());
  for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
    const property = properties[`groundwork.${key}`];
    assert.deepEqual(property.default, value, key);
    assert.ok(property.markdownDescription?.length > 20, `${key} has a markdownDescription`);
    assert.ok(['window', 'resource', 'application', 'machine-overridable'].includes(property.scope), `${key} has a scope`);
  }
});

test('commands are namespaced, categorised, and VS Code types match the engine', () => {
  for (const command of manifest.contributes.commands) {
    assert.match(command.command, /^groundwork\.[a-z][A-Za-z]+$/);
    assert.equal(command.category, 'Groundwork');
  }
  assert.equal(manifest.engines.vscode.replace(/^\^/, ''), manifest.devDependencies['@types/vscode']);
  assert.ok(!manifest.activationEvents.includes('*'));
});
