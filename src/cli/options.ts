import { parseArgs } from 'node:util';
import { SETTINGS, type SettingKey, type Settings, withDefaults } from '../core/settings';

export class UsageError extends Error {}

interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** What the value is called in the help (`DIR`, `N`); none for a switch. */
  arg?: string;
  help: string;
}

/** Flags that are not settings: where the index lives and what one command does. */
const COMMAND_FLAGS: Record<string, FlagSpec> = {
  index: { type: 'string', arg: 'DIR', help: 'where the index lives (default: a folder under ~/.cache/groundwork)' },
  dimensions: { type: 'string', arg: 'N', help: 'embedding dimensions' },
  'max-file-bytes': { type: 'string', arg: 'N', help: 'the same limit as --max-file-size-kb, in bytes' },
  filter: { type: 'string', multiple: true, arg: 'GLOB', help: 'search only matching paths or folders (repeatable)' },
  k: { type: 'string', arg: 'N', help: 'results per query (default 10)' },
  queries: { type: 'string', arg: 'FILE', help: 'a batch of questions, one JSON line each (search, eval)' },
  json: { type: 'boolean', help: 'machine-readable output on stdout' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  'answer-anyway': { type: 'boolean', help: 'ask the model even when retrieval is weak' },
  verify: { type: 'boolean', help: "index: also check every stored chunk against its file's lines" },
  http: { type: 'string', arg: 'PORT', help: 'mcp: streamable HTTP on 127.0.0.1:PORT instead of stdio' },
  host: { type: 'string', arg: 'HOST', help: 'mcp --http: bind elsewhere (then GROUNDWORK_MCP_TOKEN is required)' },
  'allow-origin': { type: 'string', multiple: true, arg: 'URL', help: 'mcp --http: let a browser page of that origin in' },
};

type SettingSpec = {
  default: unknown;
  description: string;
  values?: readonly string[];
  flag?: string;
  flagValues?: readonly string[];
  numeric?: string;
  negatedBy?: string;
};
const settingSpecs = Object.entries(SETTINGS) as Array<[SettingKey, SettingSpec]>;

/** The flags every command accepts: the settings' own (from the settings table) and the commands'. */
function parseOptions() {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [, spec] of settingSpecs) {
    if (spec.flag) options[spec.flag] = { type: 'string', ...(Array.isArray(spec.default) ? { multiple: true } : {}) };
    if (spec.negatedBy) options[spec.negatedBy] = { type: 'boolean' };
  }
  for (const [flag, spec] of Object.entries(COMMAND_FLAGS))
    options[flag] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}) };
  return options;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export function parseCli(argv: string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: parseOptions() }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The flags as the same `Settings` the editor reads (defaults from the settings table for what is not given), each
 * checked: a bad value is a usage error before any index work.
 */
export function settingsFromFlags(values: Values, env: NodeJS.ProcessEnv): Settings {
  const given: Partial<Record<SettingKey, unknown>> = {};
  for (const [key, spec] of settingSpecs) {
    if (spec.negatedBy) {
      if (values[spec.negatedBy]) given[key] = !spec.default;
      continue;
    }
    const raw = spec.flag === undefined ? undefined : values[spec.flag];
    if (raw !== undefined) given[key] = parseSetting(spec, raw);
  }
  const bytes = positiveInt(values['max-file-bytes'] as string | undefined, 'max-file-bytes');
  if (bytes !== undefined) given['index.maxFileSizeKB'] = bytes / 1024;
  const baseUrl = given['model.baseUrl'] as string | undefined;
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s]+/i.test(baseUrl))
    throw new UsageError(`--base-url must be an http(s) URL, got "${baseUrl}"`);
  // Outside the editor a key or an endpoint is what says a model is wanted; `--provider` says it explicitly.
  if (given['model.provider'] === undefined && (env.OPENAI_API_KEY || baseUrl)) given['model.provider'] = 'openai';
  if (given['style.model'] && given['style.mode'] === undefined)
    throw new UsageError('--style-model needs --style-mode answer or restyle (house style is off unless a mode is set, as in the editor)');
  return withDefaults(given as Partial<Settings>);
}

function parseSetting(spec: SettingSpec, raw: string | boolean | string[]): unknown {
  const flag = spec.flag!;
  if (Array.isArray(spec.default)) return raw;
  const value = String(raw);
  if (spec.numeric === 'count') return positiveInt(value, flag);
  if (spec.numeric === 'fraction') {
    const n = Number(value);
    if (!(value.trim() !== '' && n >= 0 && n <= 1)) throw new UsageError(`--${flag} must be between 0 and 1`);
    return n;
  }
  const allowed = spec.flagValues ?? spec.values;
  if (allowed && !allowed.includes(value) && value !== spec.default)
    throw new UsageError(`--${flag} must be ${orList(allowed.filter((v) => v !== 'off'))}, got "${value}"`);
  return value;
}

export function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}

function orList(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : (items[0] ?? '');
}

/** The options part of the help: every flag with what it does and, for settings, the default the editor shares. */
export function optionsHelp(): string {
  const line = (flag: string, arg: string | undefined, help: string) => {
    const left = `  --${flag}${arg ? ` ${arg}` : ''}`;
    return `${left.padEnd(26)} ${help}`;
  };
  const lines = Object.entries(COMMAND_FLAGS).map(([flag, spec]) => line(flag, spec.arg, spec.help));
  lines.push('', "settings (the same as the editor's groundwork.* settings, with the same defaults):");
  for (const [key, spec] of settingSpecs) {
    if (spec.negatedBy) lines.push(line(spec.negatedBy, undefined, `not: ${spec.description} (${key})`));
    if (!spec.flag) continue;
    const shown = Array.isArray(spec.default) || spec.default === '' ? '' : ` (default ${String(spec.default)})`;
    const arg = spec.values
      ? (spec.flagValues ?? spec.values).join('|')
      : spec.numeric
        ? 'N'
        : Array.isArray(spec.default)
          ? 'GLOB'
          : 'VALUE';
    lines.push(line(spec.flag, arg, `${spec.description}${shown} [${key}]`));
  }
  return lines.join('\n');
}
