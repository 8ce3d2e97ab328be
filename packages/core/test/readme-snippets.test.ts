// Every TypeScript block in the READMEs compiles against the packages' sources: a README example
// that drifts from the API fails here, not in a reader's editor.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { root } from '../../../scripts/pack.mjs';

const READMES = ['README.md', ...['core', 'node', 'browser', 'dev-authority'].map((p) => `packages/${p}/README.md`)];
const outDir = join(root, '.tmp', 'readme-snippets');

interface Snippet {
  readme: string;
  line: number;
  file: string;
}

/** The blocks of one language of a README (`ts`: ts/typescript, `js`: js/javascript), with the line each starts on. */
function snippetsOf(readme: string, lang: 'ts' | 'js'): { line: number; code: string }[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const blocks: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!(lang === 'ts' ? /^```(ts|typescript)\s*$/ : /^```(js|javascript)\s*$/).test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== '```') i++;
    blocks.push({ line: start + 1, code: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return blocks;
}

/** Writes each block to its own module and type-checks them all; returns the problems, as README:line. */
function check(lang: 'ts' | 'js', extra: ts.CompilerOptions): { count: number; problems: string[] } {
  const snippets: Snippet[] = [];
  for (const readme of READMES) {
    for (const { line, code } of snippetsOf(readme, lang)) {
      const file = join(outDir, `${readme.replace(/[/.]/g, '_')}_L${line}.${lang === 'ts' ? 'ts' : 'mjs'}`);
      // Each block is its own module (top-level await, no name clashes between blocks).
      writeFileSync(file, `${code}\nexport {};\n`);
      snippets.push({ readme, line, file });
    }
  }
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    noUnusedLocals: false, // examples show values a reader would go on to use
    paths: {
      ...config.options.paths,
      // Optional peer of @tessera/node, installed in its package only.
      ioredis: [join(root, 'packages', 'node', 'node_modules', 'ioredis')],
    },
    ...extra,
  };
  const program = ts.createProgram(
    snippets.map((s) => s.file),
    options,
  );
  const problems = snippets.flatMap(({ readme, line, file }) => {
    const source = program.getSourceFile(file)!;
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
      const at = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      return `${readme}:${line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')} (${relative(root, file)})`;
    });
  });
  return { count: snippets.length, problems };
}

describe('README code blocks', () => {
  beforeAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
  });

  it('every ts block compiles against the packages', () => {
    const { count, problems } = check('ts', {});
    expect(count).toBeGreaterThanOrEqual(8);
    expect(problems).toEqual([]);
  }, 120_000);

  // JavaScript readers get no null checks or implicit-any errors, but wrong names, members and argument types are caught.
  it('every js block type-checks against the packages as JavaScript', () => {
    const { count, problems } = check('js', { allowJs: true, checkJs: true, strict: false, noImplicitAny: false });
    expect(count).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
  }, 120_000);
});
