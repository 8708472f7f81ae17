/** What the extension-host suite writes next to its bundle, for the runner outside the extension host to read. */
export const RESULTS_FILE = 'extension-host-results.json';

export interface SuiteResult {
  title: string;
  ok: boolean;
  error?: string;
}
