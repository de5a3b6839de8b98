/**
 * SQL text of an expression for EXPLAIN lines and error messages. Not a round-trip printer:
 * subqueries print as `(subquery)`, and operands of operators are parenthesized when they are
 * operators themselves, so the grouping is never ambiguous.
 */

import type { SqlValue } from '../../types/index.js';
import { unreachable } from '../../types/index.js';
import type { Expr, OrderItem } from '../ast.js';

export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'literal':
      return formatLiteral(expr.value);
    case 'string':
      return `'${expr.value.replaceAll("'", "''")}'`;
    case 'param':
      return `$${expr.index}`;
    case 'column':
      return expr.table === undefined ? expr.name : `${expr.table}.${expr.name}`;
    case 'unary':
      return expr.op === 'not'
        ? `NOT ${operand(expr.operand)}`
        : `${expr.op}${operand(expr.operand)}`;
    case 'binary':
      return `${operand(expr.left)} ${binaryOp(expr.op)} ${operand(expr.right)}`;
    case 'is_null':
      return `${operand(expr.operand)} IS ${expr.negated ? 'NOT ' : ''}NULL`;
    case 'is_bool':
      return `${operand(expr.operand)} IS ${expr.negated ? 'NOT ' : ''}${
        expr.value ? 'TRUE' : 'FALSE'
      }`;
    case 'is_distinct':
      return `${operand(expr.left)} IS ${expr.negated ? 'NOT ' : ''}DISTINCT FROM ${operand(
        expr.right,
      )}`;
    case 'between':
      return `${operand(expr.operand)} ${expr.negated ? 'NOT ' : ''}BETWEEN ${operand(
        expr.low,
      )} AND ${operand(expr.high)}`;
    case 'in_list':
      return `${operand(expr.operand)} ${expr.negated ? 'NOT ' : ''}IN (${expr.list
        .map(formatExpr)
        .join(', ')})`;
    case 'in_query':
      return `${operand(expr.operand)} ${expr.negated ? 'NOT ' : ''}IN (subquery)`;
    case 'exists':
      return `${expr.negated ? 'NOT ' : ''}EXISTS (subquery)`;
    case 'subquery':
      return '(subquery)';
    case 'like':
      return `${operand(expr.operand)} ${expr.negated ? 'NOT ' : ''}${
        expr.caseInsensitive ? 'ILIKE' : 'LIKE'
      } ${operand(expr.pattern)}`;
    case 'case':
      return formatCase(expr);
    case 'cast':
      return `CAST(${formatExpr(expr.operand)} AS ${expr.type.kind.toUpperCase()})`;
    case 'extract':
      return `EXTRACT(${expr.field} FROM ${formatExpr(expr.operand)})`;
    case 'function':
      return formatCall(expr);
    default:
      return unreachable(expr);
  }
}

export function formatOrderItem(item: OrderItem): string {
  const nulls = item.nulls === undefined ? '' : ` NULLS ${item.nulls.toUpperCase()}`;
  return `${formatExpr(item.expr)}${item.descending ? ' DESC' : ''}${nulls}`;
}

function operand(expr: Expr): string {
  const text = formatExpr(expr);
  switch (expr.kind) {
    case 'binary':
    case 'is_null':
    case 'is_bool':
    case 'is_distinct':
    case 'between':
    case 'in_list':
    case 'in_query':
    case 'like':
    case 'unary':
      return `(${text})`;
    default:
      return text;
  }
}

function binaryOp(op: string): string {
  return op === 'and' || op === 'or' ? op.toUpperCase() : op;
}

function formatLiteral(value: SqlValue): string {
  switch (value.kind) {
    case 'null':
      return 'NULL';
    case 'boolean':
      return value.value ? 'TRUE' : 'FALSE';
    case 'integer':
    case 'float':
      return String(value.value);
    case 'decimal':
      return formatUnscaled(value.unscaled, value.scale);
    case 'text':
    case 'json':
      return `'${value.value.replaceAll("'", "''")}'`;
    default:
      return value.kind.toUpperCase();
  }
}

function formatUnscaled(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function formatCase(expr: Extract<Expr, { kind: 'case' }>): string {
  const parts = ['CASE'];
  if (expr.operand !== undefined) parts.push(formatExpr(expr.operand));
  for (const { when, then } of expr.whens) {
    parts.push(`WHEN ${formatExpr(when)} THEN ${formatExpr(then)}`);
  }
  if (expr.else !== undefined) parts.push(`ELSE ${formatExpr(expr.else)}`);
  parts.push('END');
  return parts.join(' ');
}

function formatCall(expr: Extract<Expr, { kind: 'function' }>): string {
  const args = expr.star ? '*' : expr.args.map(formatExpr).join(', ');
  let text = `${expr.name}(${expr.distinct ? 'DISTINCT ' : ''}${args})`;
  if (expr.filter !== undefined) text += ` FILTER (WHERE ${formatExpr(expr.filter)})`;
  if (expr.over !== undefined) {
    const parts: string[] = [];
    if (expr.over.partitionBy.length > 0) {
      parts.push(`PARTITION BY ${expr.over.partitionBy.map(formatExpr).join(', ')}`);
    }
    if (expr.over.orderBy.length > 0) {
      parts.push(`ORDER BY ${expr.over.orderBy.map(formatOrderItem).join(', ')}`);
    }
    text += ` OVER (${parts.join(' ')})`;
  }
  return text;
}
