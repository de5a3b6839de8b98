/**
 * tidy (.ci/tidy.mjs) is run on fixture trees: a clean one passes, and each rule it enforces
 * is broken once in a dirty one and must be reported with its file and line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const TIDY = join(import.meta.dirname, '..', '..', '.ci', 'tidy.mjs');
const roots: string[] = [];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kimberlite-tidy-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function runTidy(root: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TIDY, root], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('tidy', () => {
  it('passes a tree that follows every rule', () => {
    const root = tree({
      'ts/types/index.ts': 'export const a = 1;\n',
      'ts/crypto/index.ts': "import { a } from '../types/index.js';\nexport const b = a;\n",
      'ts/kernel/apply.ts': "import { b } from '../crypto/index.js';\nexport const c = b;\n",
    });
    const { status, output } = runTidy(root);
    expect(output).toContain('tidy: ok');
    expect(status).toBe(0);
  });

  it('reports every broken rule with its file and line', () => {
    const root = tree({
      'ts/types/index.ts': 'export const a = 1;\n',
      'ts/kernel/clock.ts': 'export const now = () => Date.now();\n',
      'ts/kernel/random.ts': '\nexport const r = Math.random();\n',
      'ts/query/io.ts': "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
      'ts/crypto/up.ts': "export { x } from '../storage/index.js';\n",
      'ts/storage/index.ts': "export { y } from '../crypto/sha256/index.js';\n",
      'ts/vsr/replica.ts': "export { z } from '../kernel/index.js';\n",
      'ts/types/long.ts': `export const s = '${'x'.repeat(120)}';\n`,
      'ts/types/todo.ts': `// ${'TO'}DO: later\nexport const t = 1;\n`,
      'test/BadName.test.ts': 'export {};\n',
    });
    const { status, output } = runTidy(root);
    expect(status).toBe(1);
    expect(output).toContain('ts/kernel/clock.ts:1: pure layer kernel may not use Date.now');
    expect(output).toContain('ts/kernel/random.ts:2: pure layer kernel may not use Math.random');
    expect(output).toContain('ts/query/io.ts:1: pure layer query may not use node:* modules');
    expect(output).toContain('ts/crypto/up.ts:1: layer crypto may not import layer storage');
    expect(output).toContain('ts/storage/index.ts:1: import crypto through its index.ts');
    expect(output).toContain('ts/vsr/replica.ts:1: layer vsr may not import layer kernel');
    expect(output).toContain('ts/types/long.ts:1: line is 140 characters; the limit is 100');
    expect(output).toContain('ts/types/todo.ts:1: name the issue');
    expect(output).toContain('test/BadName.test.ts:1: file names are snake_case');
    expect(output).toContain('tidy: 9 problem(s)');
  });
});
