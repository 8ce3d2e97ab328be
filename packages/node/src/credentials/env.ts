/** Variables whose value is chosen by a person and may really begin or end with a space. */
const PASSWORDS = new Set(['AZURE_PASSWORD', 'AZURE_CLIENT_CERTIFICATE_PASSWORD']);

/**
 * An environment variable as the credentials read it. As in @azure/identity, empty is unset. Unlike
 * it, the whitespace around a value is dropped, and a value of only whitespace is unset: a trailing
 * line break (a Kubernetes secret made with `echo`, a file read into the variable) or spaces from a
 * `.env` line cannot belong to an id, a host, a path or an Entra client secret, and @azure/identity
 * sends them on and gets a refusal that does not say why. Passwords (AZURE_PASSWORD,
 * AZURE_CLIENT_CERTIFICATE_PASSWORD) lose only trailing line breaks: spaces can be theirs.
 */
export function envVar(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[name];
  return (PASSWORDS.has(name) ? raw?.replace(/[\r\n]+$/, '') : raw?.trim()) || undefined;
}
