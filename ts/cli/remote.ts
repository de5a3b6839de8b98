/**
 * The client side of the CLI: connecting with the common flags (`--address`, `--tenant`,
 * `--token` or KIMBERLITE_TOKEN, `--tls`, `--tls-ca`), running one statement (`query`), and
 * the tenant commands that go over the wire.
 */
import { readFileSync } from 'node:fs';
import { Client, type ConnectOptions } from '../client/index.js';
import { ErrorCode, KimberliteError } from '../types/index.js';
import { formatResult, type OutputFormat } from './format.js';
import { packageVersion } from './version.js';

export const DEFAULT_ADDRESS = '127.0.0.1:7432';

export interface ConnectFlags {
  readonly address?: string;
  readonly tenant?: string;
  readonly token?: string;
  readonly tls?: boolean;
  readonly tlsCa?: string;
}

function invalid(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.InvalidArgument, message);
}

/** Parses a tenant id flag. */
export function parseTenant(text: string): number {
  const id = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(id) || id < 1) {
    throw invalid(`a tenant id is a positive integer, got '${text}'`);
  }
  return id;
}

/** Parses a log position (`--at`). */
export function parsePosition(text: string): bigint {
  if (!/^[0-9]+$/.test(text)) throw invalid(`a log position is an integer >= 0, got '${text}'`);
  return BigInt(text);
}

export function connectOptions(flags: ConnectFlags): ConnectOptions {
  const token = flags.token ?? process.env.KIMBERLITE_TOKEN;
  const address = flags.address ?? process.env.KIMBERLITE_ADDRESS ?? DEFAULT_ADDRESS;
  const tls = flags.tlsCa !== undefined ? { ca: readFileSync(flags.tlsCa) } : flags.tls === true;
  return {
    address,
    ...(flags.tenant === undefined ? {} : { tenantId: parseTenant(flags.tenant) }),
    ...(token === undefined || token === '' ? {} : { token }),
    ...(tls === false ? {} : { tls }),
    clientName: `kimberlite-cli/${packageVersion()}`,
    retries: 0,
  };
}

export function connect(flags: ConnectFlags): Promise<Client> {
  return Client.connect(connectOptions(flags));
}

/** Whether a statement only reads (sent as `query`, which can take `at`). */
export function isReadStatement(sql: string): boolean {
  const head = sql
    .replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '')
    .slice(0, 10)
    .toUpperCase();
  return /^(SELECT|WITH|EXPLAIN|SHOW|VALUES)\b/.test(head);
}

export async function runQuery(
  flags: ConnectFlags & { at?: string; format: OutputFormat },
  sql: string,
): Promise<string> {
  const client = await connect(flags);
  try {
    if (isReadStatement(sql) || flags.at !== undefined) {
      const result = await client.query(
        sql,
        [],
        flags.at === undefined ? {} : { at: parsePosition(flags.at) },
      );
      return formatResult(result, flags.format);
    }
    const result = await client.execute(sql);
    if (result.columns.length > 0 || flags.format !== 'table') {
      return formatResult(result, flags.format);
    }
    return `OK, ${result.rowsAffected} rows affected (log position ${result.position})`;
  } finally {
    await client.close();
  }
}
