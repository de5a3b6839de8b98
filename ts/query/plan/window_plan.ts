/**
 * Planning window calls: partition and order keys, the function, and its frame as offsets
 * from the current row. RANGE frames with offsets are not supported (only UNBOUNDED and
 * CURRENT ROW, whose edge is the current row's peer group).
 */
import { assert, ErrorCode, KimberliteError, unreachable } from '../../types/index.js';
import type { FrameBound, FunctionCall, WindowFrame } from '../ast.js';
import { castValue, commonType, isAggregateName } from '../expr/index.js';
import type { Compiled, Evaluator, SqlType } from '../types.js';
import { aggregateCall } from './aggregate.js';
import { formatExpr } from './format_expr.js';
import { sortKey } from './order.js';
import type { FrameEdge, WindowCall, WindowFunction } from './plan.js';
import type { BindScope } from './scope.js';

const BIGINT: SqlType = { kind: 'bigint' };

function edge(bound: FrameBound, units: WindowFrame['units']): FrameEdge {
  switch (bound.kind) {
    case 'unbounded_preceding':
    case 'unbounded_following':
      return { kind: 'unbounded' };
    case 'current_row':
      return units === 'rows' ? { kind: 'offset', rows: 0 } : { kind: 'peer' };
    case 'preceding':
    case 'following':
      if (units === 'range') {
        throw new KimberliteError(
          ErrorCode.NotSupported,
          'Not supported: RANGE frames with an offset (use ROWS BETWEEN)',
        );
      }
      return { kind: 'offset', rows: bound.kind === 'preceding' ? -bound.offset : bound.offset };
    default:
      return unreachable(bound);
  }
}

function argCount(call: FunctionCall, min: number, max: number): void {
  if (call.args.length < min || call.args.length > max) {
    throw new KimberliteError(
      ErrorCode.UnknownFunction,
      `Unknown function: ${call.name} with ${call.args.length} arguments`,
    );
  }
}

function windowFunction(
  call: FunctionCall,
  scope: BindScope,
): { fn: WindowFunction; type: SqlType } {
  switch (call.name) {
    case 'row_number':
    case 'rank':
    case 'dense_rank':
      argCount(call, 0, 0);
      return { fn: { kind: call.name }, type: BIGINT };
    case 'lag':
    case 'lead': {
      argCount(call, 1, 3);
      const [value, offset, fallback] = call.args.map((a) => scope.compile(a));
      assert(value !== undefined, 'argCount checked lag/lead has a value');
      const fn: WindowFunction = {
        kind: call.name,
        value: value.eval,
        offset: offset?.eval,
        fallback: fallback === undefined ? undefined : castedTo(fallback, value.type),
      };
      return { fn, type: value.type };
    }
    case 'first_value':
    case 'last_value': {
      argCount(call, 1, 1);
      const value = scope.compile(call.args[0] as FunctionCall['args'][number]);
      return { fn: { kind: call.name, value: value.eval }, type: value.type };
    }
    default: {
      if (!isAggregateName(call.name)) {
        throw new KimberliteError(
          ErrorCode.UnknownFunction,
          `Unknown window function: ${call.name}`,
        );
      }
      if (call.distinct) {
        // As PostgreSQL: a frame's DISTINCT would need a multiset per row, so it is refused.
        throw new KimberliteError(
          ErrorCode.NotSupported,
          `Not supported: DISTINCT in the window aggregate ${call.name}(DISTINCT ...) OVER`,
        );
      }
      const { call: planned, type } = aggregateCall(call, scope);
      return { fn: { kind: 'aggregate', call: planned }, type };
    }
  }
}

/** The default of lag/lead takes the value's type, as PostgreSQL coerces it. */
function castedTo(c: Compiled, type: SqlType): Evaluator {
  if (type.kind === 'unknown' || JSON.stringify(c.type) === JSON.stringify(type)) return c.eval;
  commonType([type, c.type], 'lag/lead default');
  return (row, ctx) => castValue(c.eval(row, ctx), type);
}

export function planWindowCall(
  call: FunctionCall,
  scope: BindScope,
): { call: WindowCall; type: SqlType } {
  const over = call.over;
  assert(over !== undefined, 'window calls have OVER');
  const partition = over.partitionBy.map((e) => scope.compile(e).eval);
  const order = over.orderBy.map((item) => sortKey(item, scope.compile(item.expr)));
  const { fn, type } = windowFunction(call, scope);
  const frame = over.frame;
  let start: FrameEdge = { kind: 'unbounded' };
  let end: FrameEdge = order.length > 0 ? { kind: 'peer' } : { kind: 'unbounded' };
  if (frame !== undefined) {
    start = edge(frame.start, frame.units);
    end = edge(frame.end, frame.units);
  }
  return { call: { partition, order, fn, start, end, text: formatExpr(call) }, type };
}
