import { sql, type RawBuilder } from 'kysely';

/** A column of a row set sent as one array: its name and its SQL element type. */
export type UnnestColumn<K extends string> = readonly [name: K, type: string];

/**
 * Many rows as one array parameter per column: `unnest($1::uuid[], $2::text[], …) as alias(…)`.
 *
 * The engine writes thousands of rows per second in groups. As a VALUES list every value is a
 * parameter of its own and a cast in the text, so each statement's SQL grew with its rows and both
 * the query builder and PostgreSQL's parser paid per value; here the text is the same whatever the
 * row count. Dates travel as ISO strings (a timestamptz[] parses them), so the array literals are
 * the same for node-postgres and PGlite.
 */
export function unnestRows<K extends string>(alias: string, columns: ReadonlyArray<UnnestColumn<K>>, rows: ReadonlyArray<Record<K, unknown>>): RawBuilder<unknown> {
  const arrays = columns.map(([name, type]) => {
    const values = rows.map((r) => {
      const v = r[name];
      return v instanceof Date ? v.toISOString() : v === undefined ? null : v;
    });
    return sql`${values}::${sql.raw(type)}[]`;
  });
  return sql`unnest(${sql.join(arrays)}) as ${sql.raw(alias)}(${sql.join(columns.map(([name]) => sql.ref(name)))})`;
}
