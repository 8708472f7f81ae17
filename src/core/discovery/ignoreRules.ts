import { promises as fs } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

export const IGNORE_FILE_NAMES = ['.gitignore', '.groundworkignore'];

interface IgnoreLayer {
  /** Relative directory this rule file lives in ('' for the root). */
  base: string;
  rules: Ignore;
}

/**
 * The `.gitignore` and `.groundworkignore` files of one folder tree, read once per directory and applied from the
 * root down (a deeper file can re-include what a shallower one ignored). The folder walk and the watcher's
 * path filter both ask this one object, so they cannot disagree.
 */
export class IgnoreRules {
  private readonly layersByDir = new Map<string, Promise<IgnoreLayer[]>>();

  constructor(private readonly root: string) {}

  /** The layers that apply inside `relDir` ('' for the root): its ancestors' and its own. */
  layersFor(relDir: string): Promise<IgnoreLayer[]> {
    let layers = this.layersByDir.get(relDir);
    if (!layers) {
      layers = this.readLayers(relDir);
      this.layersByDir.set(relDir, layers);
    }
    return layers;
  }

  private async readLayers(relDir: string): Promise<IgnoreLayer[]> {
    const parent = relDir ? await this.layersFor(relDir.includes('/') ? relDir.slice(0, relDir.lastIndexOf('/')) : '') : [];
    const layers = [...parent];
    for (const name of IGNORE_FILE_NAMES) {
      let content: string;
      try {
        content = await fs.readFile(path.join(this.root, relDir, name), 'utf8');
      } catch {
        continue; // none here, or unreadable: an unreadable ignore file ignores nothing
      }
      layers.push({ base: relDir, rules: ignore().add(content) });
    }
    return layers;
  }

  /** Whether `relPath` (a file, or a folder when `isDir`) is ignored by the rule files above it. */
  async isIgnored(relPath: string, isDir: boolean): Promise<boolean> {
    const slash = relPath.lastIndexOf('/');
    return isIgnoredBy(await this.layersFor(slash < 0 ? '' : relPath.slice(0, slash)), relPath, isDir);
  }
}

function isIgnoredBy(layers: IgnoreLayer[], relPath: string, isDir: boolean): boolean {
  let ignored = false;
  for (const layer of layers) {
    // A rule file speaks only of what is below its own folder (never of the folder itself: an empty path).
    if (layer.base && !relPath.startsWith(`${layer.base}/`)) continue;
    const local = layer.base ? relPath.slice(layer.base.length + 1) : relPath;
    const verdict = layer.rules.test(isDir ? `${local}/` : local);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}
