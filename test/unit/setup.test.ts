import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { settingsFromFlags } from '../../src/cli/options';
import { SETTINGS, withDefaults } from '../../src/core/settings';
import { answerSetup } from '../../src/core/setup/answerSetup';
import { indexSetup } from '../../src/core/setup/indexSetup';
import { runCliCaptured } from '../support/cli';
import { LoopbackOpenAI } from '../support/loopbackOpenAI';
import { tempDir } from '../support/tempDir';

const fixtures = path.join(__dirname, '../fixtures/docs');
const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const properties: Record<string, { enum?: string[]; default: unknown }> = manifest.contributes.configuration.properties;

let server: LoopbackOpenAI;
before(async () => (server = await new LoopbackOpenAI().start()));
after(() => server.stop());

const editorEnv = {
  trusted: true,
  remedies: { baseUrl: 'b', apiKey: 'run "Groundwork: Set API Key"', model: 'm', timeout: 't' },
  settingName: (key: string) => `the setting groundwork.${key}`,
  rerankRemedies: { url: 'the setting groundwork.retrieval.rerankUrl', model: 'the setting groundwork.model.provider' },
};

test("the settings table and the manifest declare the same values; the CLI's flags and help come from the table", async () => {
  for (const [key, spec] of Object.entries(SETTINGS) as Array<[string, { values?: readonly string[] }]>) {
    if (spec.values) assert.deepEqual(properties[`groundwork.${key}`].enum, spec.values, key);
  }
  const help = (await runCliCaptured(['--help'], {})).stdout;
  for (const [key, spec] of Object.entries(SETTINGS) as Array<[string, { flag?: string; default: unknown }]>) {
    if (!spec.flag) continue;
    const line = help.split('\n').find((l) => l.trimStart().startsWith(`--${spec.flag} `));
    assert.ok(line?.includes(`[${key}]`), `--${spec.flag} is documented as ${key}`);
    if (typeof spec.default === 'number') assert.ok(line!.includes(`(default ${spec.default})`), `--${spec.flag} shows the default`);
  }
});

test("flags become the same Settings the editor reads: names keep their meaning, defaults are the editor's", () => {
  const settings = settingsFromFlags(
    { 'source-budget': '1500', exclude: ['drafts/**'], 'max-file-size-kb': '64', 'abstain-threshold': '0.5', 'keep-secrets': true },
    {},
  );
  assert.deepEqual(
    settings,
    withDefaults({
      'answer.sourceBudgetTokens': 1500,
      'index.exclude': ['drafts/**'],
      'index.maxFileSizeKB': 64,
      'answer.abstainThreshold': 0.5,
      'privacy.redactSecrets': false,
    }),
  );
  const index = indexSetup(settings, { root: fixtures, indexDir: '/tmp/unused' });
  assert.equal(index.maxFileBytes, 64 * 1024);
  assert.deepEqual(index.discovery?.exclude, ['drafts/**']);
});

test('house style is off unless a mode is set, on the command line as in the editor', async () => {
  assert.equal(withDefaults()['style.mode'], 'off');
  const run = await runCliCaptured(['ask', fixtures, 'How do I retry?', '--style-model', 'ft:gpt-4o-mini:team'], {
    OPENAI_API_KEY: 'k',
  });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--style-model needs --style-mode answer or restyle/);
});

test('organization and project reach the model from the CLI as from the editor', async () => {
  const indexDir = path.join(await tempDir(), 'idx');
  server.enqueue({ content: 'Set `max_retries` on the client [1].' });
  const before = server.requests.length;
  const run = await runCliCaptured(
    [
      'ask',
      fixtures,
      'How do I configure max_retries?',
      '--base-url',
      server.baseURL,
      '--organization',
      'org-team',
      '--project',
      'proj-docs',
      '--index',
      indexDir,
    ],
    { OPENAI_API_KEY: 'sk-test' },
  );
  assert.equal(run.code, 0, run.stderr);
  const sent = server.requests.slice(before).find((r) => r.path.endsWith('/chat/completions'))!;
  assert.equal(sent.headers['openai-organization'], 'org-team');
  assert.equal(sent.headers['openai-project'], 'proj-docs');
});

test('one answer set-up: the abstain threshold is capped by the setting on every surface; no key means offline, saying why', async () => {
  const settings = withDefaults({ 'answer.abstainThreshold': 0.2, 'model.provider': 'openai' });
  assert.equal((await answerSetup(settings, editorEnv)).abstainThreshold, 0.2);
  assert.equal((await answerSetup(settings, editorEnv, 0.5)).abstainThreshold, 0.2, 'a request never raises it');
  assert.equal((await answerSetup(settings, editorEnv, 0.1)).abstainThreshold, 0.1, "Explain Selection's looser search lowers it");
  const setup = await answerSetup(settings, editorEnv);
  assert.equal(setup.provider, undefined);
  assert.deepEqual(setup.notes, [
    'No API key is set, so no model was asked: offline extracts instead. Run "Groundwork: Set API Key" to connect one.',
  ]);
  const untrusted = await answerSetup(withDefaults({ 'model.provider': 'openai', 'retrieval.rerank': 'endpoint' }), {
    ...editorEnv,
    trusted: false,
    apiKey: 'k',
  });
  assert.equal(untrusted.provider, undefined);
  assert.equal(untrusted.rerank, undefined);
  assert.equal(untrusted.notes.length, 2);
});
