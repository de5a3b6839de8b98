/**
 * The SQL engine's interface (ARCHITECTURE.md 2, core layer): parse (node-sql-parser, then our
 * own AST), plan and execute against a `Snapshot`, and resolve writes into kernel operations.
 * Pure and synchronous: the runtime supplies snapshots, parameters and the statement clock.
 */
export type * from './ast.js';
export { parseStatement } from './parse/index.js';
export type { Catalog, PreparedStatement, WriteResolution } from './statement.js';
export { prepareStatement } from './statement.js';
export type * from './types.js';
