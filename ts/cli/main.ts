#!/usr/bin/env node
/**
 * The `kimberlite` command. Parses arguments with commander and hands each command to its
 * module; this file only wires them together and turns errors into a message and exit code.
 */
import { Command } from 'commander';
import { parseBackendChoice } from '../crypto/index.js';
import { packageVersion, versionText } from './version.js';

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? ` [${error.code}]` : '';
  const cause =
    error.cause instanceof Error && !error.message.includes(error.cause.message)
      ? `\n  caused by: ${error.cause.message}`
      : '';
  return `${error.message}${code}${cause}`;
}

async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('kimberlite')
    .description('Kimberlite: a compliance-first database built on a hash-chained log')
    .option('-V, --version', 'print the version and the backend of each hot-path primitive')
    .showHelpAfterError();
  program.action(async (options: { version?: boolean }) => {
    if (options.version !== true) {
      program.help();
      return;
    }
    console.log(await versionText(parseBackendChoice(process.env.KIMBERLITE_BACKEND)));
  });
  program.addHelpText('after', `\nVersion ${packageVersion()}.`);
  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  console.error(`kimberlite: ${describeError(error)}`);
  process.exitCode = 1;
});
