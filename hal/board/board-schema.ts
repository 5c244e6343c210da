/**
 * Schema validation of a board file: board-configs/board.schema.json through the shared schema
 * checker (hal/json/json-schema.ts), with the board's own words for hex-or-integer values and
 * unknown controller kinds.
 */
import schemaJson from '../../board-configs/board.schema.json' with { type: 'json' };
import { describeValue, SchemaChecker } from '../json/json-schema.js';
import type { JsonSource } from '../json/json-source.js';
import type { BoardProblem } from './board-problem.js';

export const BOARD_SCHEMA: object = schemaJson;

const checker = new SchemaChecker(BOARD_SCHEMA, {
  typeWords: { 'string,integer': 'a hex string or an integer' },
  enumMessage: (path, value, allowed) =>
    path[path.length - 1] === 'kind' && path[0] === 'controllers'
      ? `unknown controller kind ${describeValue(value)} (known: ${allowed.join(', ')})`
      : undefined,
});

/** Validate the plain value against the board schema; [] when it conforms. */
export function schemaProblems(value: unknown, source: JsonSource): BoardProblem[] {
  return checker.problems(value, source);
}
