/**
 * Shared set-up of the runtime tests: a fresh data directory, small segments (so tests roll
 * segments and stay fast), and a database opened on it with the backends under test.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kimberlite, type OpenOptions } from '../../ts/runtime/index.js';

export const SEGMENT_BYTES = 1024 * 1024;

export function dataDirectory(label: string): string {
  return mkdtempSync(join(tmpdir(), `kimberlite-${label}-`));
}

export function removeDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}

export function openDatabase(directory: string, options: OpenOptions = {}): Promise<Kimberlite> {
  return Kimberlite.open(directory, { segmentSizeBytes: SEGMENT_BYTES, ...options });
}

/** Every regular file under `directory`, recursively. */
export function filesUnder(directory: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push(...filesUnder(path));
    else files.push(path);
  }
  return files;
}

/** The files under `directory` whose bytes contain `needle` (UTF-8). */
export function filesContaining(directory: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  return filesUnder(directory).filter((path) => readFileSync(path).includes(bytes));
}

export const PATIENTS = [
  { name: 'id', type: 'BIGINT' },
  { name: 'name', type: 'TEXT', notNull: true },
  { name: 'ward', type: 'VARCHAR(20)' },
] as const;
