import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * The fixture workspace: the unit-test docs, a code file, a doc full of hostile markup, and enough approved
 * house-style examples to train on.
 */
export async function createWorkspace(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  await fs.cp(path.join(__dirname, '../fixtures/docs'), path.join(dir, 'docs'), { recursive: true });
  await fs.mkdir(path.join(dir, 'src'), { recursive: true });
  await fs.writeFile(
    path.join(dir, 'src', 'client.py'),
    [
      'from widgetron import Widgetron',
      '',
      '',
      'def make_client():',
      '    client = Widgetron(max_retries=5)',
      '    return client',
      '',
    ].join('\n'),
  );
  await fs.writeFile(
    path.join(dir, 'docs', 'hostile.md'),
    [
      '# Pipeline payload test',
      '',
      'The pipeline payload test page holds <script>window.__pwned = 1</script> markup that must stay text.',
      '',
      'Another pipeline payload: <img src="https://evil.example.com/x.png" onerror="window.__pwned = 2"> is inert.',
      '',
      '[pipeline payload link](javascript:window.__pwned=3)',
      '',
    ].join('\n'),
  );
  await fs.mkdir(path.join(dir, '.groundwork', 'style'), { recursive: true });
  await fs.writeFile(
    path.join(dir, '.groundwork', 'style', 'examples.jsonl'),
    Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({
        question: `How do I set option_${i}?`,
        draft: `Set \`option_${i}\` in the config [1]. It takes effect on restart [2].`,
        approved: `To configure it, set \`option_${i}\` in the config [1]; the change applies on restart [2].`,
        model: 'gpt-4o-mini',
        createdAt: '2026-11-30T10:00:00.000Z',
      }),
    ).join('\n') + '\n',
  );
}
