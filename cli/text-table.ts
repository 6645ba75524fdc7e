import { displayWidth, padToWidth } from '../domain/display-width';

/** Prints rows as left-aligned columns under a header, two spaces apart, for the list commands. */
export function writeColumns(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) =>
    Math.max(displayWidth(title), ...rows.map((row) => displayWidth(row[column]!))),
  );
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row
        .map((cell, column) => padToWidth(cell, widths[column]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}
