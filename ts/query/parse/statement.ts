/**
 * Statements: the root of node-sql-parser's tree to our `Statement` (ts/query/ast.ts): queries,
 * DDL (CREATE / DROP TABLE, ALTER TABLE ADD / DROP COLUMN, CREATE INDEX) and DML (INSERT with
 * ON CONFLICT, UPDATE, DELETE, each with RETURNING).
 */
import type { Assignment, ColumnDefinition, OnConflict, SelectItem, Statement } from '../ast.js';
import type { Context } from './context.js';
import { translateExpr } from './expr.js';
import { columnRefName, columnType, identifier, tableName } from './names.js';
import {
  checkFields,
  fields,
  isNode,
  list,
  type Node,
  node,
  notSupported,
  optionalList,
  present,
  text,
} from './node.js';
import { selectItem, translateQuery, valuesBody } from './query.js';
import { NO_COLUMNS_MARKER } from './workarounds.js';

/** The fields each statement node may carry (node.ts `checkFields`). */
const STATEMENT_FIELDS: Record<string, ReadonlySet<string>> = {
  insert: fields('table', 'columns', 'values', 'conflict', 'returning', 'prefix'),
  update: fields('table', 'set', 'from', 'where', 'returning'),
  delete: fields('table', 'from', 'where', 'returning'),
  create: fields(
    'keyword',
    'table',
    'create_definitions',
    'if_not_exists',
    'index',
    'on_kw',
    'index_columns',
    'with_before_where',
    'index_type',
    'index_using',
    'where',
    'concurrently',
    'temporary',
    'query_expr',
    'as',
    'like',
  ),
  drop: fields('keyword', 'name', 'prefix', 'options'),
  alter: fields('keyword', 'table', 'expr'),
};

export function translateStatement(cx: Context, root: Node): Statement {
  const allowed = typeof root.type === 'string' ? STATEMENT_FIELDS[root.type] : undefined;
  if (allowed !== undefined) checkFields(root, allowed, text(root.type, 'statement').toUpperCase());
  switch (root.type) {
    case 'select':
      return { kind: 'query', query: translateQuery(cx, root) };
    case 'insert':
      return insert(cx, root);
    case 'update':
      return update(cx, root);
    case 'delete':
      return remove(cx, root);
    case 'create':
      return create(root);
    case 'drop':
      return drop(root);
    case 'alter':
      return alter(root);
    default:
      throw notSupported(`${text(root.type, 'this statement').toUpperCase()} statements`);
  }
}

/** The one table of a DML or DDL statement (`[{ db, table, as }]`). */
function singleTable(value: unknown, what: string): Node {
  const tables = Array.isArray(value) ? value : [value];
  if (tables.length !== 1) throw notSupported(`${what} on more than one table`);
  return node(tables[0], `${what} table`);
}

function alias(item: Node): string | undefined {
  return present(item.as) ? identifier(item.as, 'table alias') : undefined;
}

function returning(cx: Context, value: unknown): SelectItem[] | undefined {
  if (!present(value)) return undefined;
  const columns = list(node(value, 'RETURNING').columns, 'RETURNING');
  return columns.map((item) => selectItem(cx, item));
}

function assignments(cx: Context, value: unknown): Assignment[] {
  return list(value, 'SET').map((entry) => {
    const item = node(entry, 'SET item');
    if (present(item.table)) throw notSupported('a qualified column name in SET');
    return { column: identifier(item.column, 'SET column'), value: translateExpr(cx, item.value) };
  });
}

function insert(cx: Context, n: Node): Statement {
  const table = singleTable(n.table, 'INSERT');
  if (present(n.partition)) throw notSupported('INSERT ... PARTITION');
  const listed = present(n.columns)
    ? list(n.columns, 'INSERT columns').map((c) => identifier(c, 'INSERT column'))
    : undefined;
  // The pre-lexer gives every INSERT without a column list this marker list (workarounds.ts).
  const columns = listed?.every((c) => c === NO_COLUMNS_MARKER) ? undefined : listed;
  const source = node(n.values, 'INSERT source');
  const query =
    source.type === 'values'
      ? {
          with: undefined,
          body: valuesBody(cx, source),
          orderBy: [],
          limit: undefined,
          offset: undefined,
        }
      : translateQuery(cx, source);
  return {
    kind: 'insert',
    table: tableName(table),
    columns,
    source: query,
    onConflict: present(n.conflict) ? onConflict(cx, node(n.conflict, 'ON CONFLICT')) : undefined,
    returning: returning(cx, n.returning),
  };
}

function onConflict(cx: Context, n: Node): OnConflict {
  const target = isNode(n.target)
    ? list(n.target.expr, 'ON CONFLICT target').map((c) => columnRefName(c, 'ON CONFLICT column'))
    : [];
  const action = node(node(n.action, 'ON CONFLICT action').expr, 'ON CONFLICT action');
  if (action.type === 'origin' && String(action.value).toLowerCase() === 'nothing') {
    return { target, action: { kind: 'nothing' } };
  }
  if (action.type !== 'update') throw notSupported('this ON CONFLICT action');
  const where = present(action.where) ? translateExpr(cx, action.where) : undefined;
  return { target, action: { kind: 'update', set: assignments(cx, action.set), where } };
}

function update(cx: Context, n: Node): Statement {
  const table = singleTable(n.table, 'UPDATE');
  if (optionalList(n.from, 'UPDATE ... FROM').length > 0) throw notSupported('UPDATE ... FROM');
  return {
    kind: 'update',
    table: tableName(table),
    alias: alias(table),
    set: assignments(cx, n.set),
    where: present(n.where) ? translateExpr(cx, n.where) : undefined,
    returning: returning(cx, n.returning),
  };
}

function remove(cx: Context, n: Node): Statement {
  const from = optionalList(n.from, 'DELETE FROM');
  if (from.length !== 1) throw notSupported('DELETE from more than one table');
  if (present(n.using)) throw notSupported('DELETE ... USING');
  const table = node(from[0], 'DELETE table');
  return {
    kind: 'delete',
    table: tableName(table),
    alias: alias(table),
    where: present(n.where) ? translateExpr(cx, n.where) : undefined,
    returning: returning(cx, n.returning),
  };
}

function create(n: Node): Statement {
  const keyword = text(n.keyword, 'CREATE').toLowerCase();
  if (keyword === 'index') return createIndex(n);
  if (keyword !== 'table') throw notSupported(`CREATE ${keyword.toUpperCase()}`);
  if (present(n.temporary)) throw notSupported('temporary tables');
  if (present(n.query_expr) || present(n.like)) throw notSupported('CREATE TABLE ... AS / LIKE');
  const columns: ColumnDefinition[] = [];
  const primaryKey: string[] = [];
  for (const entry of list(n.create_definitions, 'table elements')) {
    const item = node(entry, 'table element');
    if (item.resource === 'column') {
      const column = columnDefinition(item);
      columns.push(column);
      if (column.primaryKey) primaryKey.push(column.name);
    } else {
      primaryKey.push(...tableConstraint(item));
    }
  }
  return {
    kind: 'create_table',
    name: tableName(singleTable(n.table, 'CREATE TABLE')),
    ifNotExists: present(n.if_not_exists),
    columns,
    primaryKey,
  };
}

const UNSUPPORTED_COLUMN_PARTS: [string, string][] = [
  ['default_val', 'DEFAULT values'],
  ['unique', 'UNIQUE constraints'],
  ['check', 'CHECK constraints'],
  ['reference_definition', 'REFERENCES (foreign keys)'],
  ['auto_increment', 'auto-increment columns'],
  ['generated', 'generated columns'],
  ['collate', 'COLLATE'],
  ['comment', 'column comments'],
];

const COLUMN_FIELDS = new Set([
  'column',
  'definition',
  'resource',
  'nullable',
  'primary_key',
  'action',
  'keyword',
  'type',
  ...UNSUPPORTED_COLUMN_PARTS.map(([field]) => field),
]);

function columnDefinition(item: Node): ColumnDefinition {
  for (const [field, what] of UNSUPPORTED_COLUMN_PARTS) {
    if (present(item[field])) throw notSupported(what);
  }
  checkFields(item, COLUMN_FIELDS, 'a column definition');
  const nullable = isNode(item.nullable) ? String(item.nullable.type).toLowerCase() : undefined;
  const primaryKey = present(item.primary_key);
  return {
    name: columnRefName(item.column, 'column name'),
    type: columnType(node(item.definition, 'column type')),
    notNull: nullable === 'not null' || primaryKey,
    primaryKey,
  };
}

function tableConstraint(item: Node): string[] {
  if (item.resource !== 'constraint' || !present(item.constraint_type)) {
    throw notSupported('this table element');
  }
  const type = text(item.constraint_type, 'constraint').toLowerCase();
  if (type !== 'primary key') throw notSupported(`${type.toUpperCase()} table constraints`);
  return list(item.definition, 'PRIMARY KEY columns').map((c) =>
    columnRefName(c, 'PRIMARY KEY column'),
  );
}

function createIndex(n: Node): Statement {
  if (present(n.index_type))
    throw notSupported(`${text(n.index_type, 'index').toUpperCase()} indexes`);
  if (present(n.index_using)) throw notSupported('CREATE INDEX ... USING');
  if (present(n.where)) throw notSupported('partial indexes (CREATE INDEX ... WHERE)');
  if (present(n.concurrently)) throw notSupported('CREATE INDEX CONCURRENTLY');
  if (!present(n.index)) throw notSupported('CREATE INDEX without a name');
  const columns = list(n.index_columns, 'index columns').map((entry) => {
    const c = node(entry, 'index column');
    if (c.type !== 'column_ref') throw notSupported('indexes on expressions');
    if (present(c.order_by)) throw notSupported('ASC / DESC in an index');
    return columnRefName(c, 'index column');
  });
  return {
    kind: 'create_index',
    name: identifier(n.index, 'index name'),
    table: tableName(node(n.table, 'index table')),
    columns,
    ifNotExists: present(n.if_not_exists),
  };
}

function drop(n: Node): Statement {
  const keyword = text(n.keyword, 'DROP').toLowerCase();
  if (keyword !== 'table') throw notSupported(`DROP ${keyword.toUpperCase()}`);
  const names = list(n.name, 'DROP TABLE');
  if (names.length !== 1) throw notSupported('dropping more than one table at once');
  // The grammar reads a trailing CASCADE / RESTRICT as an alias of the name.
  const target = node(names[0], 'DROP TABLE name');
  if (present(n.options) || present(target.as)) {
    throw notSupported('DROP TABLE ... CASCADE / RESTRICT');
  }
  const prefix = present(n.prefix) ? String(n.prefix).toUpperCase() : '';
  return {
    kind: 'drop_table',
    name: tableName(target),
    ifExists: prefix.includes('IF EXISTS'),
  };
}

function alter(n: Node): Statement {
  const keyword = text(n.keyword, 'ALTER').toLowerCase();
  if (keyword !== 'table') throw notSupported(`ALTER ${keyword.toUpperCase()}`);
  const table = tableName(singleTable(n.table, 'ALTER TABLE'));
  const actions = list(n.expr, 'ALTER TABLE actions');
  if (actions.length !== 1) throw notSupported('several ALTER TABLE actions in one statement');
  const action = node(actions[0], 'ALTER TABLE action');
  const verb = String(action.action ?? '').toUpperCase();
  const what = `ALTER TABLE ${verb} ${String(action.resource ?? '').toUpperCase()}`;
  if (action.resource !== 'column') throw notSupported(what.trim());
  if (action.action === 'add') {
    const column = columnDefinition(action);
    if (column.primaryKey) throw notSupported('adding a PRIMARY KEY column');
    return { kind: 'add_column', table, column };
  }
  if (action.action === 'drop') {
    return { kind: 'drop_column', table, column: columnRefName(action.column, 'column name') };
  }
  throw notSupported(what.trim());
}
