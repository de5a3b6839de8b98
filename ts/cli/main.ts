#!/usr/bin/env node
/**
 * The `kimberlite` command. Parses arguments with commander and hands each command to its
 * module; this file only wires them together and turns errors into a message and exit code.
 */
import { Command } from 'commander';
import { parseBackendChoice } from '../crypto/index.js';
import { createBackup, restoreBackup, verifyBackup } from './backup.js';
import { parseFormat } from './format.js';
import { initDataDir } from './init.js';
import { type ConnectFlags, runQuery } from './remote.js';
import { runRepl } from './repl.js';
import { runServer, type StartFlags } from './start.js';
import {
  keyCreate,
  keyList,
  keyRevoke,
  tenantCreate,
  tenantDelete,
  tenantInfo,
  tenantList,
} from './tenant.js';
import { EXIT_CORRUPT, verifyDataDir } from './verify.js';
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

function addBackupCommands(program: Command): void {
  const backup = program
    .command('backup')
    .description('consistent backups (safe while a server runs); the master key is not included');
  backup
    .command('create <dir> <file>')
    .description('write a backup archive of a data directory')
    .action(async (dir: string, file: string) => {
      const m = await createBackup(dir, file);
      console.log(
        `backup ${file}: ${m.files.length} files; journal: ${m.journal.segments} segments, ` +
          `${m.journal.batches} batches to log position ${m.journal.lastLogPosition}`,
      );
      console.log(
        `the master key is NOT in the backup: keep ${dir}/master.key (or ` +
          'KIMBERLITE_MASTER_KEY) safe; restore needs it',
      );
    });
  backup
    .command('verify <file>')
    .description('check an archive (every SHA-256) and replay and verify its journal')
    .action(async (file: string) => {
      const { manifest, records } = await verifyBackup(file);
      console.log(
        `backup ${file} is intact: ${manifest.files.length} files, every SHA-256 matches; ` +
          `its journal replays and verifies (${records} records)`,
      );
    });
  backup
    .command('restore <file> <dir>')
    .description('restore an archive into a new directory, rebuild it from the log, verify it')
    .option('--master-key-file <path>', 'the master key (else KIMBERLITE_MASTER_KEY)')
    .action(async (file: string, dir: string, options: { masterKeyFile?: string }) => {
      const result = await restoreBackup(file, dir, options);
      console.log(
        `restored ${file} into ${dir}: ${result.tenants} tenants, log position ` +
          `${result.position}; verified ${result.records} records`,
      );
    });
}

function addServerCommands(program: Command): void {
  program
    .command('start <dir>')
    .description('run the server on a data directory (flags override its kimberlite.json)')
    .option('--address <host:port>', 'wire protocol address (port 0: a free port)')
    .option('--http <host:port>', "HTTP sidecar (/metrics /health /ready), or 'off'")
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--tls-ca <file>', 'CA bundle that client certificates must chain to')
    .option('--tls-require-client-cert', 'refuse clients without a certificate from --tls-ca')
    .option('--auth <mode>', 'none | apikey | jwt')
    .option('--jwt-secret-file <file>', 'HS256 shared secret (with --auth jwt)')
    .option('--jwt-public-key-file <file>', 'RS256/ES256/EdDSA public key, PEM (--auth jwt)')
    .option('--jwt-issuer <iss>', 'required JWT issuer')
    .option('--jwt-audience <aud>', 'required JWT audience')
    .option('--master-key-file <file>', 'master key (default <dir>/master.key)')
    .action(async (dir: string, flags: StartFlags) => {
      await runServer(dir, flags);
      process.exit(0);
    });
}

function connectFlags(command: Command): Command {
  return command
    .option(
      '--address <host:port>',
      'server address (default KIMBERLITE_ADDRESS or 127.0.0.1:7432)',
    )
    .option('--token <token>', 'API key or JWT (default KIMBERLITE_TOKEN)')
    .option('--tls', 'connect with TLS (system CAs)')
    .option('--tls-ca <file>', 'connect with TLS, trusting this CA (PEM)');
}

function addClientCommands(program: Command): void {
  connectFlags(program.command('query <sql>'))
    .description('run one SQL statement and print its result')
    .requiredOption('--tenant <id>', 'the tenant to work on')
    .option('--at <position>', 'read as of this log position (time travel)')
    .option('--format <format>', 'table | json | csv', 'table')
    .action(async (sql: string, flags: ConnectFlags & { at?: string; format: string }) => {
      console.log(await runQuery({ ...flags, format: parseFormat(flags.format) }, sql));
    });
  connectFlags(program.command('repl'))
    .description('interactive SQL shell (history, tab completion, .tables, .schema, .help)')
    .requiredOption('--tenant <id>', 'the tenant to work on')
    .action(async (flags: ConnectFlags) => {
      await runRepl(flags);
    });
}

function addTenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('tenants (over the wire) and API keys');
  connectFlags(tenant.command('create <id>'))
    .description('create a tenant (needs an admin identity)')
    .requiredOption('--name <name>', "the tenant's name")
    .action(async (id: string, flags: ConnectFlags & { name: string }) => {
      console.log(await tenantCreate(flags, id, flags.name));
    });
  connectFlags(tenant.command('list'))
    .description('list the tenants')
    .action(async (flags: ConnectFlags) => console.log(await tenantList(flags)));
  connectFlags(tenant.command('info <id>'))
    .description('show one tenant')
    .action(async (id: string, flags: ConnectFlags) => console.log(await tenantInfo(flags, id)));
  connectFlags(tenant.command('delete <id>'))
    .description('delete a tenant: destroys its data key (crypto-shredding)')
    .action(async (id: string, flags: ConnectFlags) => {
      console.log(await tenantDelete(flags, id));
    });
  const key = tenant.command('key').description("API keys in a data directory's api_keys.json");
  key
    .command('create <dir>')
    .description('create an API key and print it once')
    .option('--tenant <id>', 'the tenant the key is bound to (omit only with --role admin)')
    .option('--role <roles>', 'reader, writer or admin (comma-separated)', 'writer')
    .option('--name <name>', 'a label for listings')
    .action(async (dir: string, o: { tenant?: string; role: string; name?: string }) => {
      for (const line of await keyCreate(dir, o)) console.log(line);
    });
  key
    .command('list <dir>')
    .description('list API keys (never their secrets)')
    .action(async (dir: string) => console.log(await keyList(dir)));
  key
    .command('revoke <dir> <id>')
    .description('revoke an API key by id')
    .action(async (dir: string, id: string) => console.log(await keyRevoke(dir, id)));
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
  program
    .command('init <dir>')
    .description('create a data directory: kimberlite.json and master.key (0600)')
    .action(async (dir: string) => {
      const { created } = await initDataDir(dir);
      console.log(created ? `initialised ${dir}` : `${dir} is already a Kimberlite directory`);
    });
  addServerCommands(program);
  addClientCommands(program);
  program
    .command('verify <dir>')
    .description('verify every hash chain and Merkle root of a data directory (no key needed)')
    .action(async (dir: string) => {
      const outcome = await verifyDataDir(dir);
      if (outcome.ok) {
        for (const line of outcome.lines) console.log(line);
      } else {
        for (const line of outcome.lines) console.error(line);
        process.exitCode = EXIT_CORRUPT;
      }
    });
  addTenantCommands(program);
  addBackupCommands(program);
  program.addHelpText('after', `\nVersion ${packageVersion()}.`);
  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  console.error(`kimberlite: ${describeError(error)}`);
  process.exitCode = 1;
});
