/**
 * The rows in the order they were shown when the hold began: a score change never moves a row
 * under the pointer or the keyboard. Rows added since go last, in their live order; removed
 * ones drop out. Without a hold, the live order.
 */
export function inHeldOrder<Row extends { id: string }>(live: readonly Row[], held: readonly string[] | null): Row[] {
  if (!held) return [...live];
  const place = new Map(held.map((id, index) => [id, index]));
  return live
    .map((row, index) => ({ row, at: place.get(row.id) ?? held.length + index }))
    .sort((a, b) => a.at - b.at)
    .map((entry) => entry.row);
}
