import type { Plugin, RollupOptions } from 'rollup';
export function tesseraSources(): Plugin;
export const INTERNAL_PROPERTIES: string[];
export function bundleConfigs(options?: { outDir?: string }): RollupOptions[];
declare const configs: RollupOptions[];
export default configs;
