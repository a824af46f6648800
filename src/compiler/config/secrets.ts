// Recognises settings that hold secrets, so validation can refuse them without ever
// repeating the secret in a message: configuration files get committed and pasted into issues.

/** Setting names that only ever hold secrets (matched case-insensitively anywhere in the name). */
const SECRET_NAME = /secret|passw(or)?d|token|access[-_]?key|private[-_]?key|credential|api[-_]?key|session[-_]?key/i;

/** Values that are secrets whatever their name: pasted private keys and AWS access key ids. */
const SECRET_VALUE = [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, /^\s*(AKIA|ASIA)[0-9A-Z]{16}\s*$/];

export function isSecretName(key: string): boolean {
  return SECRET_NAME.test(key);
}

export function looksLikeSecretValue(value: unknown): boolean {
  return typeof value === 'string' && SECRET_VALUE.some((re) => re.test(value));
}

export const SECRET_NAME_WHY =
  'looks like a secret, and secrets are never read from configuration files: use the environment ' +
  '(the AWS credential chain, e.g. AWS_PROFILE) or a key file path instead';

export const SECRET_VALUE_WHY =
  'holds what looks like a secret (a private key or an access key id): give the path of a key file, ' +
  'or use the environment, instead';
