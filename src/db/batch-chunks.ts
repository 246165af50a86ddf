/** D1 refuses a statement that binds more than 100 parameters. */
export const D1_MAX_BOUND_PARAMETERS = 100;

/**
 * Splits rows for multi-row INSERTs so that no statement binds more than `maxParameters`:
 * each row binds at most one parameter per column, so a chunk holds
 * floor(maxParameters / columnsPerRow) rows.
 */
export function chunkRows<T>(rows: readonly T[], columnsPerRow: number, maxParameters = D1_MAX_BOUND_PARAMETERS): T[][] {
  if (!Number.isInteger(columnsPerRow) || columnsPerRow < 1) throw new RangeError(`columnsPerRow must be a positive integer, got ${columnsPerRow}`);
  if (columnsPerRow > maxParameters) throw new RangeError(`a row of ${columnsPerRow} columns cannot bind within ${maxParameters} parameters`);
  const size = Math.floor(maxParameters / columnsPerRow);
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
