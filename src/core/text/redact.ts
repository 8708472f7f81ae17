/**
 * Anything shaped like a credential in text that is shown or logged (an endpoint's error body may echo the key it
 * was sent, or a proxy's page may hold a token): replaced by `[redacted]`.
 */
const KEY_SHAPES: RegExp[] = [
  /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/g, // OpenAI keys
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub tokens
  /\bxox[abpr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API keys
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, // JWTs
];
/** `Bearer x`, `api-key: x`, `"api_key": "x"`, `token=x`: the value after the name. */
const NAMED_SECRET =
  /\b(bearer\s+|(?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password|token)["']?\s*[:=]\s*["']?)([^\s"',;&]{8,})/gi;

export function redactSecrets(text: string): string {
  let out = text.replace(NAMED_SECRET, (_match, name: string) => `${name}[redacted]`);
  for (const shape of KEY_SHAPES) out = out.replace(shape, '[redacted]');
  return out;
}
