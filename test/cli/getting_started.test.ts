/**
 * docs/getting-started.md, run as written: its `sh` blocks in order (with `npx kimberlite`
 * as the compiled bin, `npm install` skipped, the server started on a free port and found
 * through KIMBERLITE_ADDRESS), the REPL input block piped into `repl`, the SDK program saved as
 * app.mjs, and each `text` block after a command compared with that command's output (timings
 * masked). The server is stopped before `kimberlite verify`, as the page says.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, type Run, ServerProcess } from './cli_harness.js';

interface Block {
  readonly lang: string;
  readonly text: string;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const pattern = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = pattern.exec(markdown); m !== null; m = pattern.exec(markdown)) {
    out.push({ lang: m[1] ?? '', text: m[2] ?? '' });
  }
  return out;
}

/** Splits a command line into words (double and single quotes, no escapes needed here). */
function words(line: string): string[] {
  const out: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = pattern.exec(line); m !== null; m = pattern.exec(line)) {
    out.push(m[1] ?? m[2] ?? m[3] ?? '');
  }
  return out;
}

function run(argv: string[], cwd: string, env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

const mask = (text: string) => text.replace(/\d+\.\d+ ms/g, 'N ms').trimEnd();

// Under the repository's node_modules, so `import 'kimberlite/client'` in app.mjs resolves.
const cacheRoot = join(ROOT, 'node_modules', '.cache', 'kimberlite-test');
mkdirSync(cacheRoot, { recursive: true });
const cwd = mkdtempSync(join(cacheRoot, 'getting-started-'));
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

describe('docs/getting-started.md', () => {
  it('works as written', async () => {
    const doc = readFileSync(join(ROOT, 'docs', 'getting-started.md'), 'utf8');
    const all = blocks(doc);
    const env: Record<string, string> = { KIMBERLITE_HISTORY: join(cwd, 'history') };
    let last: { command: string; result: Run } | undefined;
    let ran = 0;
    let compared = 0;
    for (let i = 0; i < all.length; i++) {
      const block = all[i] as Block;
      if (block.lang === 'text') {
        if (last === undefined || last.command.includes('kimberlite start')) continue;
        expect(mask(last.result.stdout), last.command).toBe(mask(block.text));
        compared += 1;
        continue;
      }
      if (block.lang !== 'sh') continue;
      for (const line of block.text.split('\n').map((l) => l.trim())) {
        if (line === '' || line.startsWith('#') || line.startsWith('npm install')) continue;
        const argv = words(line);
        if (argv[0] === 'npx' && argv[1] === 'kimberlite') argv.splice(0, 2, BIN);
        else if (argv[0] === 'node') argv.shift();
        else throw new Error(`unexpected command in the guide: ${line}`);
        ran += 1;
        if (line.includes('kimberlite start')) {
          server = await ServerProcess.start(join(cwd, argv[2] ?? ''));
          env.KIMBERLITE_ADDRESS = server.address;
          last = { command: line, result: { status: 0, stdout: '', stderr: '' } };
          continue;
        }
        if (line.includes('kimberlite verify') && server !== undefined) {
          expect((await server.stop()).code).toBe(0);
          server = undefined;
        }
        let input = '';
        if (line.includes('kimberlite repl')) input = all[i + 1]?.text ?? '';
        if (line === 'node app.mjs') {
          const program = all
            .slice(0, i)
            .reverse()
            .find((b) => b.lang === 'js');
          writeFileSync(join(cwd, 'app.mjs'), program?.text ?? '');
        }
        const result = await run(argv, cwd, env, input);
        expect(result.status, `${line}\n${result.stdout}${result.stderr}`).toBe(0);
        last = { command: line, result };
      }
    }
    expect(ran).toBeGreaterThanOrEqual(10);
    expect(compared).toBe(5);
  });
});
