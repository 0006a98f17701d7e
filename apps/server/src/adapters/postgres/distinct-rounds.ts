/**
 * A list split into rounds in which no key appears twice, each in list order: the n-th occurrence
 * of a key goes to round n. One `UPDATE … FROM` changes a row once (given two matches it takes
 * either), so a grouped write of a repeated key must wait for a later statement. Each item keeps
 * its index in the list.
 */
export function distinctRounds<T>(list: readonly T[], key: (item: T) => string): Array<Array<{ item: T; index: number }>> {
  const rounds: Array<Array<{ item: T; index: number }>> = [];
  const seen = new Map<string, number>();
  list.forEach((item, index) => {
    const k = key(item);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (rounds[n] ??= []).push({ item, index });
  });
  return rounds;
}
