import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainDocText, plainInlineText } from '../../src/core/text/docMarkup';

test('headings show text, not markup: roles reduced to their words, ~ to the last name, literals to code', () => {
  assert.equal(plainInlineText(':class:`~ray.train.TorchTrainer` and ``num_gpus``'), 'TorchTrainer and `num_gpus`');
  assert.equal(plainInlineText(':ref:`Fault tolerance <train-fault-tolerance>`'), 'Fault tolerance');
  assert.equal(plainInlineText('{py:func}`ray.get`'), 'ray.get');
  assert.equal(plainInlineText('Configuring retries'), 'Configuring retries');
  // A link within the docs site leads nowhere from the panel: its text stays; a web link is kept.
  assert.equal(plainInlineText('logs from Ray Serve [actors](actor-guide).'), 'logs from Ray Serve actors.');
  assert.equal(plainInlineText('See [the guide](https://example.com).'), 'See [the guide](https://example.com).');
});

test('hovers show doc text: no labels, directives, options, HTML comments or MyST targets and fences', () => {
  const rst = [
    '.. _retry-policy:',
    '',
    'Retry policy',
    '',
    '.. note::',
    '   :class: warning',
    '',
    '   See `the guide <https://example.com>`_.',
  ].join('\n');
  assert.equal(plainDocText(rst), ['', 'Retry policy', '', '', '   See the guide.'].join('\n'));
  const myst = [
    '(setup-target)=',
    '# Setup',
    '<!-- TODO: rewrite -->',
    '```{note}',
    'Run {command}`acme setup` first.',
    '```',
    '```python',
    'x = 1',
    '```',
  ].join('\n');
  assert.equal(plainDocText(myst), ['# Setup', '', 'Run acme setup first.', '```python', 'x = 1', '```'].join('\n'));
});
