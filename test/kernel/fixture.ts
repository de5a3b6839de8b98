/**
 * Shared helpers for the kernel tests: a Map-backed `RowSource` that executes store effects,
 * command builders, and a runner that applies commands at increasing positions.
 */
import {
  type ApplyResult,
  apply,
  type Command,
  type Effect,
  emptyKernelState,
  type KernelState,
  type Operation,
  type RowSource,
} from '../../ts/kernel/index.js';
import type { ColumnType, SqlValue } from '../../ts/types/index.js';

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Rows by tenant/space/hex key; `execute` runs store effects as the runtime would. */
export class MapRows implements RowSource {
  readonly rows = new Map<string, Uint8Array>();

  get(tenant: number, space: number, key: Uint8Array): Uint8Array | undefined {
    return this.rows.get(`${tenant}/${space}/${hex(key)}`);
  }

  execute(effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (effect.kind === 'store_put') {
        this.rows.set(`${effect.tenant}/${effect.space}/${hex(effect.key)}`, effect.value);
      } else if (effect.kind === 'store_delete') {
        this.rows.delete(`${effect.tenant}/${effect.space}/${hex(effect.key)}`);
      } else if (effect.kind === 'tenant_deleted') {
        for (const key of [...this.rows.keys()]) {
          if (key.startsWith(`${effect.tenant}/`)) this.rows.delete(key);
        }
      }
    }
  }

  /** Row values in one space, sorted by key. */
  space(tenant: number, space: number): Uint8Array[] {
    return [...this.rows.entries()]
      .filter(([key]) => key.startsWith(`${tenant}/${space}/`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, value]) => value);
  }
}

/** Applies commands one after another at positions 1, 2, 3..., executing their effects. */
export class Runner {
  state: KernelState = emptyKernelState();
  readonly rows = new MapRows();
  position = 0n;

  run(command: Command): ApplyResult {
    this.position += 1n;
    const result = apply(this.state, command, {
      position: this.position,
      timestampNs: this.position * 1000n,
      rows: this.rows,
    });
    this.state = result.state;
    this.rows.execute(result.effects);
    return result;
  }

  /** Runs an operation on tenant `tenant` without a request id. */
  op(tenant: number, operation: Operation): ApplyResult {
    return this.run({ tenant, operation });
  }

  tenant(id: number) {
    const tenant = this.state.tenants.get(id);
    if (tenant === undefined) throw new Error(`no tenant ${id}`);
    return tenant;
  }
}

export const KEY_ID = new Uint8Array(32).fill(7);

export function int(value: number | bigint): SqlValue {
  return { kind: 'integer', value: BigInt(value) };
}

export function text(value: string): SqlValue {
  return { kind: 'text', value };
}

export const NULL: SqlValue = { kind: 'null' };

export const BIGINT: ColumnType = { kind: 'bigint' };
export const TEXT: ColumnType = { kind: 'text' };

/** A runner with tenant 1 and table patients(id bigint key, name text not null, age integer). */
export function patientsRunner(): Runner {
  const runner = new Runner();
  runner.op(1, { kind: 'create_tenant', name: 'clinic', keyId: KEY_ID });
  runner.op(1, {
    kind: 'create_table',
    name: 'patients',
    columns: [
      { name: 'id', type: BIGINT, notNull: false },
      { name: 'name', type: TEXT, notNull: true },
      { name: 'age', type: { kind: 'integer' }, notNull: false },
    ],
    primaryKey: ['id'],
  });
  return runner;
}

export function patient(id: number, name: string, age: number | null): SqlValue[] {
  return [int(id), text(name), age === null ? NULL : int(age)];
}
