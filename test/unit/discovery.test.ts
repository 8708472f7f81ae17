import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { discoverDocuments } from '../../src/core/discovery/discover';
import { tempDir, writeTree } from '../support/tempDir';

test('finds docs by extension and never secrets, VCS data or dependencies', async () => {
  const root = await tempDir();
  await writeTree(root, {
    'README.md': '# Readme',
    'docs/guide.rst': 'Guide\n=====',
    'docs/notes.txt': 'notes',
    'docs/manual.adoc': '= Manual',
    'docs/page.mdx': '# Page',
    'docs/tour.ipynb': '{"cells": []}',
    'src/main.ts': 'code is not a doc',
    '.env': 'SECRET=1',
    '.env.production.md': 'SECRET=2',
    'certs/server.key': 'KEY',
    'id_rsa.txt': 'KEY',
    '.git/HEAD.md': 'ref',
    'node_modules/pkg/README.md': '# dependency',
  });
  const { files } = await discoverDocuments(root);
  assert.deepEqual(
    files.map((f) => f.path),
    ['README.md', 'docs/guide.rst', 'docs/manual.adoc', 'docs/notes.txt', 'docs/page.mdx', 'docs/tour.ipynb'],
  );
});

test('honours .gitignore (nested, with negation) and .groundworkignore', async () => {
  const root = await tempDir();
  await writeTree(root, {
    '.gitignore': 'build/\n*.draft.md\n',
    '.groundworkignore': 'internal/\n',
    'keep.md': 'k',
    'wip.draft.md': 'd',
    'build/out.md': 'b',
    'internal/secret-plan.md': 's',
    'sub/.gitignore': '!important.draft.md\nlocal.md\n',
    'sub/important.draft.md': 'i',
    'sub/local.md': 'l',
    'sub/other.md': 'o',
  });
  const { files } = await discoverDocuments(root);
  assert.deepEqual(
    files.map((f) => f.path),
    ['keep.md', 'sub/important.draft.md', 'sub/other.md'],
  );
});

test('user include and exclude globs decide what is indexed', async () => {
  const root = await tempDir();
  await writeTree(root, { 'docs/a.md': 'a', 'docs/old/b.md': 'b', 'notes/c.md': 'c', 'docs/d.txt': 'd' });
  const { files } = await discoverDocuments(root, { include: ['docs/**/*.md'], exclude: ['**/old/**'] });
  assert.deepEqual(
    files.map((f) => f.path),
    ['docs/a.md'],
  );
});

test('a symlink loop is visited once and reported, not followed forever', async () => {
  const root = await tempDir();
  await writeTree(root, { 'docs/a.md': 'a' });
  await fs.symlink(path.join(root, 'docs'), path.join(root, 'docs', 'loop'));
  await fs.symlink(path.join(root, 'missing'), path.join(root, 'broken.md'));
  const { files, skipped } = await discoverDocuments(root);
  assert.deepEqual(
    files.map((f) => f.path),
    ['docs/a.md'],
  );
  assert.deepEqual(skipped, [
    { path: 'broken.md', reason: 'broken symlink' },
    { path: 'docs/loop', reason: 'symlink to a folder already indexed (loop or duplicate)' },
  ]);
});

test(
  "a named pipe with a doc's name is never opened, and is listed as skipped with the reason",
  { skip: process.platform === 'win32' && 'no mkfifo on Windows' },
  async () => {
    const root = await tempDir();
    await writeTree(root, { 'docs/a.md': 'a' });
    execFileSync('mkfifo', [path.join(root, 'docs', 'pipe.md'), path.join(root, 'docs', 'pipe.bin')]);
    await fs.symlink(path.join(root, 'docs', 'pipe.md'), path.join(root, 'docs', 'to-pipe.md'));
    const { files, skipped } = await discoverDocuments(root);
    assert.deepEqual(
      files.map((f) => f.path),
      ['docs/a.md'],
    );
    // pipe.bin is not a doc type: not listed, as no other .bin file would be.
    assert.deepEqual(skipped, [
      { path: 'docs/pipe.md', reason: 'not a regular file (a pipe, socket or device)' },
      { path: 'docs/to-pipe.md', reason: 'not a regular file (a pipe, socket or device)' },
    ]);
  },
);

test('a folder that does not exist is a clear error', async () => {
  const root = await tempDir();
  await assert.rejects(discoverDocuments(path.join(root, 'nope')), /Cannot index .*nope: file not found/);
});
