// TypeDoc plugin: the API reference shows a package's version where its sources name the build-time
// placeholder (see package-version.mjs), as the builds do; e.g. LIBRARY_VERSION's value.
import { Converter } from 'typedoc';
import { PACKAGE_VERSION_PLACEHOLDER, packageVersionOf } from './package-version.mjs';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.defaultValue?.includes(PACKAGE_VERSION_PLACEHOLDER)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    const version = file && packageVersionOf(file);
    if (!version) throw new Error(`No package.json version for ${reflection.getFullName()} (${file})`);
    reflection.defaultValue = reflection.defaultValue.replaceAll(PACKAGE_VERSION_PLACEHOLDER, version);
  });
}
