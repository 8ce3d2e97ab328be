// Every TypeScript block in the READMEs compiles against the packages' sources: a README example
// that drifts from the API fails here, not in a reader's editor.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { root } from '../../../scripts/pack.mjs';

const READMES = ['README.md', ...['core', 'node', 'browser', 'dev-authority'].map((p) => `packages/${p}/README.md`)];
const outDir = join(root, '.tmp', 'readme-snippets');

interface Snippet {
  readme: string;
  line: number;
  file: string;
}

/** The ```ts / ```typescript blocks of a README, with the line each starts on. */
function snippetsOf(readme: string): { line: number; code: string }[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const blocks: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== '```') i++;
    blocks.push({ line: start + 1, code: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return blocks;
}

describe('README code blocks', () => {
  it('every ts block compiles against the packages', () => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const snippets: Snippet[] = [];
    for (const readme of READMES) {
      for (const { line, code } of snippetsOf(readme)) {
        const file = join(outDir, `${readme.replace(/[/.]/g, '_')}_L${line}.ts`);
        // Each block is its own module (top-level await, no name clashes between blocks).
        writeFileSync(file, `${code}\nexport {};\n`);
        snippets.push({ readme, line, file });
      }
    }
    expect(snippets.length).toBeGreaterThanOrEqual(8);

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
    expect(problems).toEqual([]);
  }, 120_000);
});
