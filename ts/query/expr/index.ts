/**
 * The SQL expression compiler and value semantics: compiling AST expressions into typed
 * evaluators, and the value helpers (order, grouping keys, casts, assignment) the query engine
 * and the statement layer share.
 */
export { aggregateFunction, isAggregateName, isWindowFunctionName } from './aggregates.js';
export { assignValue, castValue, convertImplicit } from './cast.js';
export { commonType, numericType, typeName } from './coercion.js';
export { compareValues, groupKey, isTrue } from './compare.js';
export { compileExpr, literalType } from './compile.js';
export { DECIMAL_UNCONSTRAINED_PRECISION } from './decimal.js';
export { isScalarFunctionName } from './functions.js';
export { formatFloat, valueToText } from './text_format.js';
