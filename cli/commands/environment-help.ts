/** The "Environment:" section of a command's --help: the variables it reads, one per line. */
export function environmentHelp(variables: Record<string, string>): string {
  const width = Math.max(...Object.keys(variables).map((name) => name.length));
  const lines = Object.entries(variables).map(([name, meaning]) => `  ${name.padEnd(width)}  ${meaning}`);
  return `\nEnvironment (see docs/cli.md and .env.example):\n${lines.join('\n')}`;
}

/** Where the commands that read the database find it. */
export const DATABASE_ENVIRONMENT = {
  DATABASE_URL: 'PostgreSQL to use (default: the embedded PGlite database in DATA_DIR)',
  DATA_DIR: 'where the embedded database lives (default .data)',
  SHOP_ID: 'the shop whose data is read (default: default; --shop overrides)',
};
