// jose is loaded on first use: most processes never sign or verify a JWT, and importing it
// costs tens of milliseconds of start-up (it is many modules).
let jose: Promise<typeof import('jose')> | undefined;

export function loadJose(): Promise<typeof import('jose')> {
  return (jose ??= import('jose'));
}
