import type { Plugin } from 'rollup';
export const PACKAGE_VERSION_PLACEHOLDER: string;
export function packageVersionOf(file: string): string | undefined;
export function packageVersion(options?: { versionOf?: (file: string) => string | undefined }): Plugin;
