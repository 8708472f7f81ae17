import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The fixture workspace: the unit-test docs, a code file, and a doc full of hostile markup. */
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
}
