import * as vscode from 'vscode';
import { SETTING_DEFAULTS, type SettingKey, type Settings } from '../core/settings';

/** Reads every `groundwork.*` setting, falling back to the one table of defaults. */
export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration('groundwork', scope);
  const settings = {} as Record<string, unknown>;
  for (const key of Object.keys(SETTING_DEFAULTS) as SettingKey[]) settings[key] = config.get(key, SETTING_DEFAULTS[key]);
  return settings as Settings;
}
