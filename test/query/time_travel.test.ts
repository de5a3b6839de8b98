/**
 * Time travel through SQL (ts/runtime/sql_session.ts, ts/query/parse/prelex.ts): after a seeded
 * series of writes (single and multi-row inserts, updates, deletes, one ADD COLUMN), every
 * past point reads exactly what a model of the table held then, whether it is named by
 * `AT OFFSET p`, `AS OF POSITION p`, `AS OF TIMESTAMP '...'`, `FOR SYSTEM_TIME AS OF '...'` or
 * `{ at: p }`, for a full scan, a point lookup, an indexed range, a join and an aggregate.
 * Points outside the tenant's history are POSITION_OUT_OF_RANGE errors, never empty answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kimberlite, Tenant } from '../../ts/index.js';
import { ErrorCode } from '../../ts/types/index.js';
import { dataDirectory, openDatabase, removeDirectory } from '../runtime/fixture.js';
import { Prng } from './differential/prng.js';

const SEED = 20261122;
const WRITES = 40;
const ADD_COLUMN_AT = 18;
const GROUPS = 5;
const NAMES = ['ann', 'bob', 'cy', 'dee', null] as const;

interface Item {
  readonly id: number;
  grp: number | null;
  name: string | null;
  qty: number | null;
  note: string | null;
}

/** What the tables held right after one write. */
interface Point {
  readonly position: bigint;
  /** RFC 3339, at or after this write's commit time and before the next write's. */
  readonly timestamp: string;
  readonly items: readonly Item[];
  readonly labels: ReadonlyMap<number, string>;
  readonly hasNote: boolean;
}

interface Write {
  readonly sql: string;
  readonly params: readonly unknown[];
  /** Applies the write to the model; returns the rows it affects. */
  readonly apply: () => number;
}

function literal(value: string | number | null): string {
  if (value === null) return 'NULL';
  return typeof value === 'number' ? `${value}` : `'${value}'`;
}

class Model {
  readonly items = new Map<number, Item>();
  readonly labels = new Map<number, string>();
  hasNote = false;
  #nextId = 1;
  readonly #prng: Prng;

  constructor(prng: Prng) {
    this.#prng = prng;
  }

  snapshot(position: bigint, timestamp: string): Point {
    const items = [...this.items.values()].map((item) => ({ ...item }));
    items.sort((a, b) => a.id - b.id);
    return { position, timestamp, items, labels: new Map(this.labels), hasNote: this.hasNote };
  }

  #newItem(): Item {
    const p = this.#prng;
    const grp = p.chance(0.15) ? null : p.int(0, GROUPS - 1);
    const note = this.hasNote && p.chance(0.5) ? `n${p.int(0, 9)}` : null;
    const qty = p.chance(0.15) ? null : p.int(0, 20);
    return { id: this.#nextId++, grp, name: p.pick(NAMES), qty, note };
  }

  #columns(): string {
    return this.hasNote ? 'id, grp, name, qty, note' : 'id, grp, name, qty';
  }

  #insert(items: Item[]): Write {
    const values = items.map((item) => {
      const all = [item.id, item.grp, item.name, item.qty, ...(this.hasNote ? [item.note] : [])];
      return `(${all.map(literal).join(', ')})`;
    });
    const sql = `INSERT INTO items (${this.#columns()}) VALUES ${values.join(', ')}`;
    return { sql, params: [], apply: () => this.#put(items) };
  }

  #put(items: readonly Item[]): number {
    for (const item of items) this.items.set(item.id, item);
    return items.length;
  }

  #insertWithParams(): Write {
    const item = this.#newItem();
    const sql = 'INSERT INTO items (id, grp, name, qty) VALUES ($1, $2, $3, $4)';
    const stored = { ...item, note: null };
    return {
      sql,
      params: [item.id, item.grp, item.name, item.qty],
      apply: () => this.#put([stored]),
    };
  }

  #existing(): Item | undefined {
    const all = [...this.items.values()];
    return all.length === 0 ? undefined : this.#prng.pick(all);
  }

  #updateOne(item: Item): Write {
    const qty = this.#prng.int(0, 20);
    const name = this.#prng.pick(NAMES);
    const sql = `UPDATE items SET qty = $1, name = ${literal(name)} WHERE id = $2`;
    const apply = (): number => {
      Object.assign(item, { qty, name });
      return 1;
    };
    return { sql, params: [qty, item.id], apply };
  }

  #bumpGroup(grp: number): Write | undefined {
    const hit = [...this.items.values()].filter((item) => item.grp === grp);
    if (hit.length === 0) return undefined;
    const apply = (): number => {
      for (const item of hit) item.qty = item.qty === null ? null : item.qty + 1;
      return hit.length;
    };
    return { sql: `UPDATE items SET qty = qty + 1 WHERE grp = ${grp}`, params: [], apply };
  }

  #deleteWhere(sql: string, test: (item: Item) => boolean): Write | undefined {
    const hit = [...this.items.values()].filter(test);
    if (hit.length === 0) return undefined;
    const apply = (): number => {
      for (const item of hit) this.items.delete(item.id);
      return hit.length;
    };
    return { sql, params: [], apply };
  }

  #setNote(item: Item): Write {
    const note = `m${this.#prng.int(0, 9)}`;
    const apply = (): number => {
      item.note = note;
      return 1;
    };
    return { sql: `UPDATE items SET note = '${note}' WHERE id = ${item.id}`, params: [], apply };
  }

  #relabel(): Write {
    const grp = this.#prng.int(0, GROUPS - 1);
    const label = `G${grp}-${this.#prng.int(0, 99)}`;
    const apply = (): number => {
      this.labels.set(grp, label);
      return 1;
    };
    return { sql: `UPDATE groups SET label = '${label}' WHERE grp = ${grp}`, params: [], apply };
  }

  addColumn(): Write {
    const apply = (): number => {
      this.hasNote = true;
      for (const item of this.items.values()) item.note = null;
      return 0;
    };
    return { sql: 'ALTER TABLE items ADD COLUMN note TEXT', params: [], apply };
  }

  /** A random write that changes at least one row. */
  next(): Write {
    const p = this.#prng;
    const item = this.#existing();
    const roll = item === undefined ? 0 : p.int(0, 9);
    let write: Write | undefined;
    if (roll <= 1) write = this.#insert([this.#newItem()]);
    else if (roll === 2) write = this.#insert([this.#newItem(), this.#newItem(), this.#newItem()]);
    else if (roll === 3) write = this.#insertWithParams();
    else if (roll === 4 && item !== undefined) write = this.#updateOne(item);
    else if (roll === 5) write = this.#bumpGroup(p.int(0, GROUPS - 1));
    else if (roll === 6 && item !== undefined) {
      write = this.#deleteWhere(`DELETE FROM items WHERE id = ${item.id}`, (i) => i === item);
    } else if (roll === 7) {
      write = this.#deleteWhere('DELETE FROM items WHERE qty > 16', (i) => (i.qty ?? -1) > 16);
    } else if (roll === 8) write = this.#relabel();
    else if (this.hasNote && item !== undefined) write = this.#setNote(item);
    return write ?? this.#insert([this.#newItem(), this.#newItem()]);
  }
}

// ---- what each query should answer at a point ------------------------------------------

interface Probe {
  /** The query with `{clause}` where a time-travel clause may go after the table reference. */
  readonly sql: string;
  readonly expected: (point: Point) => unknown[][];
}

function rowOf(item: Item, hasNote: boolean): unknown[] {
  const row: unknown[] = [item.id, item.grp, item.name, item.qty];
  return hasNote ? [...row, item.note] : row;
}

function aggregate(point: Point): unknown[][] {
  const groups = new Map<number | null, { count: bigint; sum: bigint | null }>();
  for (const item of point.items) {
    const group = groups.get(item.grp) ?? { count: 0n, sum: null };
    group.count += 1n;
    if (item.qty !== null) group.sum = (group.sum ?? 0n) + BigInt(item.qty);
    groups.set(item.grp, group);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === null ? -1 : b === null ? 1 : a - b));
  return keys.map((key) => [key, groups.get(key)?.count, groups.get(key)?.sum]);
}

function probes(lookupId: number): Probe[] {
  return [
    {
      sql: 'SELECT * FROM items{clause} ORDER BY id',
      expected: (point) => point.items.map((item) => rowOf(item, point.hasNote)),
    },
    {
      sql: `SELECT id, name, qty FROM items{clause} WHERE id = ${lookupId}`,
      expected: (point) =>
        point.items.filter((i) => i.id === lookupId).map((i) => [i.id, i.name, i.qty]),
    },
    {
      sql: 'SELECT id, qty FROM items{clause} WHERE grp BETWEEN 1 AND 2 ORDER BY id',
      expected: (point) =>
        point.items
          .filter((i) => i.grp !== null && i.grp >= 1 && i.grp <= 2)
          .map((i) => [i.id, i.qty]),
    },
    {
      sql:
        'SELECT i.id, g.label FROM items AS i{clause} JOIN groups AS g ON i.grp = g.grp ' +
        'ORDER BY i.id',
      expected: (point) =>
        point.items.filter((i) => i.grp !== null).map((i) => [i.id, point.labels.get(i.grp ?? -1)]),
    },
    {
      sql:
        'SELECT grp, count(*) AS n, sum(qty) AS total FROM items{clause} GROUP BY grp ' +
        'ORDER BY grp NULLS FIRST',
      expected: aggregate,
    },
  ];
}

/** The five ways to name a point, as (sql, options) for one probe. */
function forms(probe: Probe, point: Point): [string, { at?: bigint }][] {
  const at = (clause: string): string => probe.sql.replace('{clause}', clause);
  const plain = at('');
  return [
    [`${plain} AT OFFSET ${point.position}`, {}],
    [`${plain} AS OF TIMESTAMP '${point.timestamp}'`, {}],
    [plain, { at: point.position }],
    [at(` AS OF POSITION ${point.position}`), {}],
    [at(` FOR SYSTEM_TIME AS OF '${point.timestamp}'`), {}],
  ];
}

async function sleepPast(millis: number): Promise<void> {
  while (Date.now() <= millis + 1) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('SQL time travel', () => {
  let db: Kimberlite;
  let directory: string;
  let tenant: Tenant;
  let beforeItems: bigint;
  const points: Point[] = [];
  const ids: number[] = [];

  /** Runs `write`, records the point it made, and waits so the next commit is later. */
  async function record(model: Model, write: Write): Promise<void> {
    const result = await tenant.execute(write.sql, write.params);
    expect(result.rowsAffected, write.sql).toBe(write.apply());
    const committed = Date.now();
    const timestamp = new Date(committed).toISOString();
    const last = points.at(-1);
    if (last !== undefined) expect(result.position).toBeGreaterThan(last.position);
    points.push(model.snapshot(result.position, timestamp));
    for (const id of model.items.keys()) if (!ids.includes(id)) ids.push(id);
    await sleepPast(committed);
  }

  beforeAll(async () => {
    directory = dataDirectory('time-travel');
    db = await openDatabase(directory);
    // Another tenant first, so positions before ours exist in the log.
    const other = await db.createTenant(1, { name: 'other' });
    await other.execute('CREATE TABLE unrelated (id INTEGER PRIMARY KEY)');
    tenant = await db.createTenant(2, { name: 'travel' });
    beforeItems = db.position;
    await tenant.execute(
      'CREATE TABLE items (id INTEGER NOT NULL, grp INTEGER, name TEXT, qty INTEGER, ' +
        'PRIMARY KEY (id))',
    );
    await tenant.execute('CREATE INDEX items_grp ON items (grp)');
    await tenant.execute('CREATE TABLE groups (grp INTEGER PRIMARY KEY, label TEXT NOT NULL)');
    const model = new Model(new Prng(SEED));
    const labels = Array.from({ length: GROUPS }, (_, g) => `(${g}, 'G${g}')`);
    await record(model, {
      sql: `INSERT INTO groups VALUES ${labels.join(', ')}`,
      params: [],
      apply: () => {
        for (let g = 0; g < GROUPS; g++) model.labels.set(g, `G${g}`);
        return GROUPS;
      },
    });
    for (let i = 0; i < WRITES; i++) {
      await record(model, i === ADD_COLUMN_AT ? model.addColumn() : model.next());
    }
  });

  afterAll(async () => {
    await db.close();
    removeDirectory(directory);
  });

  it('reads every past point as the model held it, by every form of time travel', async () => {
    const prng = new Prng(SEED + 1);
    expect(points).toHaveLength(WRITES + 1);
    for (const point of points) {
      for (const probe of probes(prng.pick(ids))) {
        const expected = probe.expected(point);
        for (const [sql, options] of forms(probe, point)) {
          const answer = await tenant.query(sql, [], options);
          expect({ sql, rows: answer.rows }).toEqual({ sql, rows: expected });
          expect(answer.position, sql).toBe(point.position);
        }
      }
    }
  });

  it('shows the columns a table had at the point read, before and after ADD COLUMN', async () => {
    const names = (point: Point) =>
      tenant
        .query(`SELECT * FROM items AT OFFSET ${point.position}`)
        .then((answer) => answer.columns.map((c) => c.name));
    const before = points[ADD_COLUMN_AT] as Point;
    const after = points[ADD_COLUMN_AT + 1] as Point;
    expect(await names(before)).toEqual(['id', 'grp', 'name', 'qty']);
    expect(await names(after)).toEqual(['id', 'grp', 'name', 'qty', 'note']);
  });

  it('answers the range probe through the secondary index at past points too', async () => {
    const sql = 'EXPLAIN SELECT id, qty FROM items WHERE grp BETWEEN 1 AND 2 ORDER BY id';
    for (const point of [points[1], points[ADD_COLUMN_AT + 1]] as Point[]) {
      const plan = await tenant.query(`${sql} AT OFFSET ${point.position}`);
      expect(plan.rows.flat().join('\n')).toContain('items_grp');
    }
  });

  it('reads the newest point without a clause', async () => {
    const last = points.at(-1) as Point;
    const answer = await tenant.query('SELECT * FROM items ORDER BY id');
    expect(answer.rows).toEqual(last.items.map((item) => rowOf(item, true)));
    expect(answer.position).toBe(db.position);
  });

  it('refuses positions outside the tenant history and times before its first write', async () => {
    const created = db.tenants().find((t) => t.id === 2)?.createdAt ?? 0n;
    expect(created).toBeGreaterThan(1n);
    const outOfRange = { code: ErrorCode.PositionOutOfRange };
    const sql = 'SELECT * FROM items';
    await expect(tenant.query(`${sql} AT OFFSET ${created - 1n}`)).rejects.toMatchObject(
      outOfRange,
    );
    await expect(tenant.query(sql, [], { at: created - 1n })).rejects.toMatchObject(outOfRange);
    await expect(tenant.query(`${sql} AT OFFSET ${db.position + 1n}`)).rejects.toMatchObject(
      outOfRange,
    );
    await expect(tenant.query(sql, [], { at: db.position + 5n })).rejects.toMatchObject(outOfRange);
    const early = `${sql} AS OF TIMESTAMP '2000-01-01T00:00:00Z'`;
    await expect(tenant.query(early)).rejects.toMatchObject(outOfRange);
  });

  it('reports a table that did not exist yet at the point read as unknown', async () => {
    await expect(
      tenant.query(`SELECT * FROM items AT OFFSET ${beforeItems}`),
    ).rejects.toMatchObject({
      code: ErrorCode.UnknownTable,
    });
  });
});
