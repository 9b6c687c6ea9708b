/** Fixed-width text tables for the CLI. */

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function formatTable(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [header, ...lines]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Minutes for a table cell; `expired` for a time past. */
export function minutesCell(ms: number): string {
  return ms < 0 ? 'expired' : `${Math.round(ms / 60_000)}m`;
}
