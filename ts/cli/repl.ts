/**
 * `kimberlite repl`: an interactive SQL shell on one tenant of a server.
 *
 * - Statements end with `;` and may span lines; several on one line run in order.
 * - `.tables`, `.schema <table>`, `.help`, `.exit` (also end of input, Ctrl-D).
 * - Results as aligned tables with the row count and the time taken; errors as
 *   `error [CODE]: message`, after which the session goes on.
 * - History across sessions in `~/.kimberlite_history` (or KIMBERLITE_HISTORY), tab completion
 *   of SQL keywords and the tenant's table names.
 * - With piped (non-TTY) stdin there is no prompt and no echo: the output is only results, so
 *   scripts and tests can read it.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Client } from '../client/index.js';
import { formatTable } from './format.js';
import { type ConnectFlags, connect, isReadStatement } from './remote.js';

const HISTORY_LINES_MAX = 1000;
const KEYWORDS = [
  'SELECT',
  'FROM',
  'WHERE',
  'INSERT',
  'INTO',
  'VALUES',
  'UPDATE',
  'SET',
  'DELETE',
  'CREATE',
  'TABLE',
  'DROP',
  'ALTER',
  'ADD',
  'COLUMN',
  'INDEX',
  'ON',
  'PRIMARY',
  'KEY',
  'NOT',
  'NULL',
  'AND',
  'OR',
  'ORDER',
  'BY',
  'GROUP',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'AS',
  'JOIN',
  'LEFT',
  'INNER',
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'DISTINCT',
  'AT',
  'BIGINT',
  'INTEGER',
  'TEXT',
  'BOOLEAN',
  'TIMESTAMP',
  'DOUBLE',
  'EXPLAIN',
  'ASC',
  'DESC',
  'IN',
  'IS',
  'LIKE',
  'BETWEEN',
];
const DOT_COMMANDS = ['.tables', '.schema', '.help', '.exit'];
const HELP = [
  'Statements end with ; and may span lines.',
  '  .tables            list the tables',
  "  .schema <table>    show a table's columns, primary key and indexes",
  '  .help              this help',
  '  .exit              leave (or Ctrl-D)',
].join('\n');

export function historyPath(): string {
  return process.env.KIMBERLITE_HISTORY ?? join(homedir(), '.kimberlite_history');
}

function loadHistory(path: string): string[] {
  if (!existsSync(path)) return [];
  try {
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    return lines.slice(-HISTORY_LINES_MAX);
  } catch {
    return [];
  }
}

/** Splits text at `;` outside quotes; returns complete statements and the unfinished rest. */
export function splitStatements(text: string): { statements: string[]; rest: string } {
  const statements: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ';') {
      const statement = text.slice(start, i).trim();
      if (statement !== '') statements.push(statement);
      start = i + 1;
    }
  }
  return { statements, rest: text.slice(start) };
}

function errorLine(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : 'ERROR';
    return `error [${code}]: ${error.message}`;
  }
  return `error: ${String(error)}`;
}

function elapsed(startNs: bigint): string {
  const ms = Number(process.hrtime.bigint() - startNs) / 1e6;
  return `${ms.toFixed(1)} ms`;
}

class Session {
  readonly #client: Client;
  readonly #print: (text: string) => void;
  tables: string[] = [];

  constructor(client: Client, print: (text: string) => void) {
    this.#client = client;
    this.#print = print;
  }

  async refreshTables(): Promise<void> {
    try {
      this.tables = await this.#client.admin.listTables();
    } catch {
      // Completion is a convenience; a failure here must not end the session.
    }
  }

  async statement(sql: string): Promise<void> {
    const start = process.hrtime.bigint();
    try {
      if (isReadStatement(sql)) {
        const result = await this.#client.query(sql);
        const table = formatTable(result);
        this.#print(`${table.replace(/\)$/, `, ${elapsed(start)})`)}`);
        return;
      }
      const result = await this.#client.execute(sql);
      if (result.columns.length > 0) {
        this.#print(formatTable(result).replace(/\)$/, `, ${elapsed(start)})`));
      } else {
        const n = result.rowsAffected;
        this.#print(
          `OK, ${n} ${n === 1 ? 'row' : 'rows'} affected ` +
            `(log position ${result.position}, ${elapsed(start)})`,
        );
      }
      if (/^\s*(CREATE|DROP|ALTER)\b/i.test(sql)) await this.refreshTables();
    } catch (error) {
      this.#print(errorLine(error));
    }
  }

  /** Runs a dot command; false for `.exit`. */
  async dot(line: string): Promise<boolean> {
    const [command, ...args] = line.trim().split(/\s+/);
    try {
      switch (command) {
        case '.exit':
        case '.quit':
          return false;
        case '.help':
          this.#print(HELP);
          return true;
        case '.tables': {
          await this.refreshTables();
          const tables = await this.#client.admin.listTables();
          this.#print(tables.length === 0 ? '(no tables)' : tables.join('\n'));
          return true;
        }
        case '.schema': {
          const name = args[0];
          if (name === undefined) {
            this.#print('usage: .schema <table>');
            return true;
          }
          const t = await this.#client.admin.describeTable(name);
          const columns = t.columns.map(
            (c) => `  ${c.name} ${c.type}${c.notNull && !c.primaryKey ? ' NOT NULL' : ''}`,
          );
          columns.push(`  PRIMARY KEY (${t.primaryKey.join(', ')})`);
          const lines = [`CREATE TABLE ${t.name} (`, `${columns.join(',\n')}`, ');'];
          for (const index of t.indexes) {
            lines.push(`CREATE INDEX ${index.name} ON ${t.name} (${index.columns.join(', ')});`);
          }
          this.#print(lines.join('\n'));
          return true;
        }
        default:
          this.#print(`error [INVALID_ARGUMENT]: unknown command ${command}; try .help`);
          return true;
      }
    } catch (error) {
      this.#print(errorLine(error));
      return true;
    }
  }

  complete(line: string): [string[], string] {
    const word = /[A-Za-z_.][A-Za-z0-9_]*$/.exec(line)?.[0] ?? '';
    if (word === '') return [[], word];
    const upper = word.toUpperCase();
    const pool = word.startsWith('.')
      ? DOT_COMMANDS
      : [...this.tables, ...KEYWORDS.filter((k) => k.startsWith(upper))];
    const hits = pool.filter((c) => c.startsWith(word) || c.startsWith(upper));
    const lower = word === word.toLowerCase();
    return [hits.map((h) => (lower && KEYWORDS.includes(h) ? h.toLowerCase() : h)), word];
  }
}

/** Runs the REPL on stdin/stdout until `.exit` or the end of input. */
export async function runRepl(flags: ConnectFlags): Promise<void> {
  const client = await connect(flags);
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const print = (text: string) => process.stdout.write(`${text}\n`);
  const session = new Session(client, print);
  await session.refreshTables();
  const path = historyPath();
  const history = loadHistory(path);
  const rl = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    history: [...history].reverse(),
    historySize: HISTORY_LINES_MAX,
    completer: (line: string) => session.complete(line),
  });
  const remember = (entry: string) => {
    try {
      appendFileSync(path, `${entry.replace(/\n/g, ' ')}\n`, { mode: 0o600 });
    } catch {
      // History is a convenience: an unwritable file must not stop the shell.
    }
  };
  if (interactive) {
    print(`connected to ${flags.address ?? 'the server'}; .help for help, .exit to leave`);
  }
  let buffer = '';
  const prompt = () => {
    if (!interactive) return;
    rl.setPrompt(buffer.trim() === '' ? 'kimberlite> ' : '      ...> ');
    rl.prompt();
  };
  prompt();
  try {
    for await (const line of rl) {
      if (buffer.trim() === '' && line.trim().startsWith('.')) {
        remember(line.trim());
        if (!(await session.dot(line))) break;
        prompt();
        continue;
      }
      buffer = buffer === '' ? line : `${buffer}\n${line}`;
      const { statements, rest } = splitStatements(buffer);
      buffer = rest.trim() === '' ? '' : rest;
      for (const statement of statements) {
        remember(`${statement};`);
        await session.statement(statement);
      }
      prompt();
    }
    if (buffer.trim() !== '')
      print('error [INVALID_ARGUMENT]: the input ended inside a statement (no ;)');
  } finally {
    rl.close();
    await client.close();
    trimHistory(path);
  }
}

function trimHistory(path: string): void {
  try {
    const lines = loadHistory(path);
    if (lines.length >= HISTORY_LINES_MAX) writeFileSync(path, `${lines.join('\n')}\n`);
  } catch {
    // As above: history never stops the shell.
  }
}
