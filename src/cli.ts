/**
 * The one command entry: `npm run cli -- <command> [args]`. Commands live in src/commands/.
 */
import { COMMANDS } from './commands/index.ts';

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${rows.join('\n')}\n`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`unknown command: ${name}\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  await (await cmd.load()).run(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = err as Error;
  // Mistakes the user fixes (configuration, database address, an edited migration) get their
  // message alone; anything else is a bug and keeps its stack.
  const theirs =
    ['ConfigError', 'DatabaseUnreachableError', 'MigrationError', 'EmbeddedPostgresMissingError'].includes(
      e?.name,
    ) ||
    (e?.name === 'PluggyError' && (e as { code?: string }).code === 'auth');
  const code = (e as { code?: string })?.code;
  const causeCode = (e as { cause?: { code?: string } })?.cause?.code;
  let text = theirs ? e.message : (e?.stack ?? String(err));
  if (causeCode === 'EADDRINUSE')
    text = e.message; // the sandbox already says what to do
  else if (code === 'EADDRINUSE') {
    text = `${e.message}\nAnother process uses that port (another \`npm start\`?). Stop it, or set PORT to a free port.`;
  }
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
