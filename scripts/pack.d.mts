export const root: string;
export const PUBLISHED: string[];
export function packPackages(dest: string, dirs?: string[]): { name: string; dir: string; tarball: string }[];
