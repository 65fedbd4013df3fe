/**
 * Every `ordergraph` command, as a script would use it: with --json the result parses as JSON with the documented
 * fields; an error under --json is `{"error":{"code","message"}}` on stdout with exit 1 and changes nothing;
 * without --json it is one line on stderr. Errors name the flag the user typed (`--org`, not `organizationId`).
 *
 * The commands run in this process through `runCli`, the function `bin/ordergraph.js` calls, on a real database
 * (SQLite, or PostgreSQL under TEST_DB=postgres): a process start costs about 1.5 s of CPU, a command here a few
 * milliseconds. A few runs of the real command check what only a process shows: its exit code and streams.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { SCOPES } from '../../src/auth/scopes.ts';
import { runCli as spawnCli } from '../support/cli.ts';
import { createTestDatabase, testDbKind, type TestDatabase } from '../support/test-database.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('ordergraph CLI: --json and error paths', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let merchant: { id: string };
  let supplier: { id: string };

  async function run(...args: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { env, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    return { code, stdout: out.join(''), stderr: err.join('') };
  }

  /** The parsed JSON result of a command that must succeed (with --json added). */
  async function json(...args: string[]): Promise<any> {
    const r = await run(...args, '--json');
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /**
   * Runs a command that must fail, with and without --json: JSON error on stdout, or one line on stderr, exit 1
   * both ways. Returns the JSON error.
   */
  async function failure(args: string[], code: string, message: RegExp): Promise<{ code: string; message: string }> {
    const r = await run(...args, '--json');
    assert.equal(r.code, 1, `${args.join(' ')} --json: exit ${r.code}, ${r.stdout}`);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'one line on stdout');
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.deepEqual(Object.keys(error).sort(), ['code', 'message']);
    assert.equal(error.code, code, `${args.join(' ')}: ${error.message}`);
    assert.match(error.message, message, args.join(' '));
    const text = await run(...args);
    assert.equal(text.code, 1, args.join(' '));
    assert.equal(text.stdout, '', `${args.join(' ')}: nothing on stdout`);
    assert.match(text.stderr, message, args.join(' '));
    return error;
  }

  /** What the error cases must leave unchanged. */
  const snapshot = async () => ({ orgs: await json('org', 'list'), clients: await json('client', 'list'), users: await json('user', 'list') });

  before(async () => {
    database = await createTestDatabase();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ordergraph-cli-'));
    env = { DATA_DIR: dataDir, ORDERGRAPH_DEMO: 'false', LOG_LEVEL: 'warn', ORDERGRAPH_DB_POOL_SIZE: '2', ...(database.url ? { DATABASE_URL: database.url } : {}) };
    assert.deepEqual(await json('migrate'), { ok: true, database: testDbKind() });
    supplier = await json('org', 'create', '--name', 'Supplier', '--kind', 'SUPPLIER');
    merchant = await json('org', 'create', '--name', 'Merchant', '--kind', 'merchant', '--default-supplier', supplier.id);
  });
  after(async () => {
    await database?.drop();
    if (env) fs.rmSync(env.DATA_DIR, { recursive: true, force: true });
  });

  test('the real command: --version, a JSON result, a JSON error and a usage error, with their exit codes', async () => {
    const spawnEnv = { ...(process.env as Record<string, string>), ...env };
    const version = await spawnCli(spawnEnv, ['--version']);
    assert.deepEqual(version, { code: 0, stdout: `${JSON.parse(fs.readFileSync('package.json', 'utf8')).version}\n`, stderr: '' });

    const listed = await spawnCli(spawnEnv, ['org', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((o: { id: string }) => o.id), [supplier.id, merchant.id]);

    const refused = await spawnCli(spawnEnv, ['client', 'create', '--org', merchant.id, '--name', 'x', '--scopes', 'view_orders nope', '--json']);
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stdout).error.code, 'BAD_USER_INPUT');

    const usage = await spawnCli(spawnEnv, ['client', 'create', '--name', 'x']);
    assert.equal(usage.code, 1);
    assert.equal(usage.stdout, '');
    assert.match(usage.stderr, /required option '--org <id>' not specified/);
  });

  test('--help and --version answer with exit 0; unknown commands and options are usage errors', async () => {
    const help = await run('--help');
    assert.equal(help.code, 0);
    for (const command of ['serve', 'worker', 'migrate', 'org', 'keys', 'demo', 'client', 'user']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
    assert.match((await run('--version')).stdout, /^\d+\.\d+\.\d+\n$/);
    await failure(['frobnicate'], 'BAD_USER_INPUT', /unknown command 'frobnicate'/);
    await failure(['org', 'list', '--colour'], 'BAD_USER_INPUT', /unknown option '--colour'/);
  });

  test('org create / list / update / connect: JSON results', async () => {
    const created = await json('org', 'create', '--name', '  Second Merchant ', '--kind', 'MERCHANT');
    assert.match(created.id, UUID);
    assert.deepEqual(created, { id: created.id, name: 'Second Merchant', kind: 'MERCHANT', default_supplier_id: null });

    const list = await json('org', 'list');
    assert.deepEqual(list.find((o: { id: string }) => o.id === merchant.id), {
      id: merchant.id, name: 'Merchant', kind: 'MERCHANT', default_supplier_id: supplier.id, connected_supplier_ids: [],
    });
    assert.equal(list.find((o: { id: string }) => o.id === supplier.id).kind, 'SUPPLIER');
    assert.match((await run('org', 'list')).stdout, new RegExp(`^${merchant.id}  MERCHANT  Merchant  default supplier ${supplier.id}$`, 'm'));

    assert.deepEqual(await json('org', 'connect', '--merchant', created.id, '--supplier', supplier.id), { merchant_id: created.id, supplier_id: supplier.id, connected: true });
    const updated = await json('org', 'update', created.id, '--name', 'Renamed', '--default-supplier', supplier.id);
    assert.deepEqual(updated, { id: created.id, name: 'Renamed', kind: 'MERCHANT', default_supplier_id: supplier.id, connected_supplier_ids: [supplier.id] });
    assert.equal((await json('org', 'update', created.id, '--default-supplier', 'none')).default_supplier_id, null);
  });

  test('org errors name the flag, and change nothing', async () => {
    const before = await snapshot();
    const unknown = '00000000-0000-4000-8000-000000000000';
    await failure(['org', 'create', '--name', ' ', '--kind', 'MERCHANT'], 'BAD_USER_INPUT', /`--name` must not be empty/);
    await failure(['org', 'create', '--name', 'X', '--kind', 'SHOP'], 'BAD_USER_INPUT', /`--kind` must be MERCHANT or SUPPLIER/);
    await failure(['org', 'create', '--name', 'X'], 'BAD_USER_INPUT', /required option '--kind <kind>' not specified/);
    await failure(['org', 'create', '--name', 'X', '--kind', 'SUPPLIER', '--default-supplier', supplier.id], 'BAD_USER_INPUT', /`--default-supplier` can only be set on a MERCHANT/);
    await failure(['org', 'create', '--name', 'X', '--kind', 'MERCHANT', '--default-supplier', merchant.id], 'BAD_USER_INPUT', /`--default-supplier` must be the id of an existing SUPPLIER/);
    await failure(['org', 'update', merchant.id], 'BAD_USER_INPUT', /`--name` or `--default-supplier` must be given/);
    await failure(['org', 'update', merchant.id, '--name', ''], 'BAD_USER_INPUT', /`--name` must not be empty/);
    await failure(['org', 'update', unknown, '--name', 'X'], 'NOT_FOUND', /organization "00000000-0000-4000-8000-000000000000" was not found/);
    await failure(['org', 'connect', '--merchant', supplier.id, '--supplier', supplier.id], 'BAD_USER_INPUT', /`--merchant` must be the id of a MERCHANT/);
    await failure(['org', 'connect', '--merchant', merchant.id, '--supplier', merchant.id], 'BAD_USER_INPUT', /`--supplier` must be the id of a SUPPLIER/);
    await failure(['org', 'connect', '--merchant', unknown, '--supplier', supplier.id], 'NOT_FOUND', /`--merchant`: organization/);
    await failure(['org', 'connect', '--merchant', merchant.id, '--supplier', unknown], 'NOT_FOUND', /`--supplier`: organization/);
    assert.deepEqual(await snapshot(), before);
  });

  test('client create / list / update / revoke: JSON results; lists take spaces or commas', async () => {
    const c = await json('client', 'create', '--org', merchant.id, '--name', 'Shop', '--scopes', 'view_orders,create_orders edit_orders');
    assert.deepEqual(Object.keys(c).sort(), ['access', 'client_id', 'client_secret', 'org_id', 'scopes']);
    assert.equal(c.org_id, merchant.id);
    assert.deepEqual(c.scopes, ['view_orders', 'create_orders', 'edit_orders']);
    assert.deepEqual(c.access, []);
    assert.ok(c.client_secret.length >= 20);

    const row = (await json('client', 'list', '--org', merchant.id)).find((x: { client_id: string }) => x.client_id === c.client_id);
    assert.deepEqual(row, { client_id: c.client_id, org_id: merchant.id, name: 'Shop', status: 'active', revoked: false, scopes: c.scopes, access: [] });
    const text = (await run('client', 'list')).stdout.split('\n');
    assert.match(text[0], /^CLIENT_ID\s+ORG_ID\s+STATUS\s+NAME\s+SCOPES$/);
    assert.ok(text.some((l) => l.startsWith(c.client_id) && /\bactive\b/.test(l)));

    const updated = await json('client', 'update', c.client_id, '--scopes', 'view_orders', '--access', supplier.id);
    assert.deepEqual({ scopes: updated.scopes, access: updated.access, status: updated.status }, { scopes: ['view_orders'], access: [supplier.id], status: 'active' });
    assert.deepEqual((await json('client', 'update', c.client_id, '--access', '')).access, []);

    assert.deepEqual(await json('client', 'revoke', c.client_id), { client_id: c.client_id, revoked: true });
    const revoked = (await json('client', 'list')).find((x: { client_id: string }) => x.client_id === c.client_id);
    assert.deepEqual({ status: revoked.status, revoked: revoked.revoked }, { status: 'revoked', revoked: true });
    await failure(['client', 'revoke', c.client_id], 'NOT_FOUND', new RegExp(`no live client ${c.client_id}`));
  });

  test('a supplier client that may access no merchant gets a warning on stderr; with a merchant, none', async () => {
    const lonely = await run('client', 'create', '--org', supplier.id, '--name', 'Lonely', '--scopes', 'order-it.order-manager.view', '--json');
    assert.equal(lonely.code, 0, lonely.stderr);
    assert.match(lonely.stderr, /warning: this supplier client may access no merchant.*--access/);
    const { client_id } = JSON.parse(lonely.stdout);

    const fixed = await run('client', 'update', client_id, '--access', merchant.id, '--json');
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(fixed.stderr, '');
    assert.deepEqual(JSON.parse(fixed.stdout).access, [merchant.id]);
    assert.match((await run('client', 'update', client_id, '--access', '')).stderr, /warning: this supplier client may access no merchant/);
    const merchantClient = await run('client', 'create', '--org', merchant.id, '--name', 'M', '--scopes', 'view_orders', '--json');
    assert.equal(merchantClient.stderr, '');
  });

  test('client errors name the flag; an unknown scope lists the valid ones; nothing changes', async () => {
    const existing = await json('client', 'create', '--org', merchant.id, '--name', 'Existing', '--scopes', 'view_orders');
    const before = await snapshot();
    const unknown = await failure(['client', 'create', '--org', merchant.id, '--name', 'X', '--scopes', 'view_orders,read_everything'], 'BAD_USER_INPUT', /`--scopes` contains unknown scope\(s\): read_everything; valid scopes: /);
    for (const scope of SCOPES) assert.ok(unknown.message.split(/valid scopes: /)[1].split(' ').includes(scope), `${scope} is listed`);
    await failure(['client', 'create', '--org', merchant.id, '--name', 'X', '--scopes', ' , '], 'BAD_USER_INPUT', /`--scopes` must list at least one scope/);
    await failure(['client', 'create', '--org', merchant.id, '--name', ' ', '--scopes', 'view_orders'], 'BAD_USER_INPUT', /`--name` must not be empty/);
    await failure(['client', 'create', '--org', 'no-such-org', '--name', 'X', '--scopes', 'view_orders'], 'NOT_FOUND', /`--org`: organization "no-such-org" was not found/);
    await failure(['client', 'create', '--org', merchant.id, '--name', 'X', '--scopes', 'view_orders', '--access', `${supplier.id},nowhere`], 'NOT_FOUND', /`--access`: organization "nowhere" was not found/);
    await failure(['client', 'create', '--org', merchant.id, '--name', 'X'], 'BAD_USER_INPUT', /required option '--scopes <scopes>' not specified/);
    await failure(['client', 'update', existing.client_id], 'BAD_USER_INPUT', /`--scopes` or `--access` must be given/);
    await failure(['client', 'update', existing.client_id, '--scopes', 'admin nope'], 'BAD_USER_INPUT', /`--scopes` contains unknown scope\(s\): nope; valid scopes: view_orders /);
    await failure(['client', 'update', existing.client_id, '--access', 'nowhere'], 'NOT_FOUND', /`--access`: organization "nowhere"/);
    await failure(['client', 'update', 'og_nobody', '--scopes', 'view_orders'], 'NOT_FOUND', /client "og_nobody" was not found/);
    await failure(['client', 'update'], 'BAD_USER_INPUT', /missing required argument 'client_id'/);
    await failure(['client', 'revoke', 'og_nobody'], 'NOT_FOUND', /no live client og_nobody/);
    assert.deepEqual(await snapshot(), before);
  });

  test('user create / list / disable: JSON results; a generated password is printed once', async () => {
    const u = await json('user', 'create', '--org', merchant.id, '--email', 'Ops@Example.com', '--role', 'operator');
    assert.deepEqual(Object.keys(u).sort(), ['createdAt', 'disabled', 'email', 'id', 'organizationId', 'password', 'role']);
    assert.deepEqual({ email: u.email, role: u.role, org: u.organizationId, disabled: u.disabled }, { email: 'ops@example.com', role: 'operator', org: merchant.id, disabled: false });
    assert.ok(u.password.length >= 12);
    const given = await json('user', 'create', '--org', supplier.id, '--email', 'sup@example.com', '--role', 'viewer', '--password', 'a long enough password');
    assert.ok(!('password' in given), 'a given password is not printed back');

    const listed = await json('user', 'list', '--org', merchant.id);
    assert.deepEqual(listed.map((x: { email: string }) => x.email), ['ops@example.com']);
    assert.ok(listed.every((x: object) => !('password' in x) && !('password_hash' in x)));
    assert.equal((await json('user', 'list')).length, 2);

    assert.equal((await json('user', 'disable', 'OPS@example.com')).disabled, true);
    assert.equal((await json('user', 'disable', u.id)).disabled, true, 'by id too, and twice is fine');
    assert.match((await run('user', 'list')).stdout, /^ops@example\.com {2}operator {2}\S+ {2}DISABLED$/m);
  });

  test('user errors name the flag, and change nothing', async () => {
    const before = await snapshot();
    await failure(['user', 'create', '--org', merchant.id, '--email', 'not-an-email', '--role', 'admin'], 'BAD_USER_INPUT', /`--email` must be an email address/);
    await failure(['user', 'create', '--org', merchant.id, '--email', 'a@example.com', '--role', 'owner'], 'BAD_USER_INPUT', /`--role` must be one of admin, operator, viewer/);
    await failure(['user', 'create', '--org', merchant.id, '--email', 'a@example.com', '--role', 'admin', '--password', 'short'], 'BAD_USER_INPUT', /`--password` must be at least 12 characters/);
    await failure(['user', 'create', '--org', 'no-such-org', '--email', 'a@example.com', '--role', 'admin'], 'NOT_FOUND', /`--org`: organization "no-such-org" was not found/);
    await failure(['user', 'create', '--org', merchant.id, '--email', 'ops@example.com', '--role', 'admin'], 'BAD_USER_INPUT', /`--email` is already taken/);
    await failure(['user', 'create', '--org', merchant.id, '--email', 'a@example.com'], 'BAD_USER_INPUT', /required option '--role <role>' not specified/);
    await failure(['user', 'disable', 'nobody@example.com'], 'NOT_FOUND', /user "nobody@example.com" was not found/);
    assert.deepEqual(await snapshot(), before);
  });

  test('keys rotate: the new key, the keys kept for their live tokens, the keys retired', async () => {
    const first = await json('keys', 'rotate');
    assert.deepEqual(Object.keys(first).sort(), ['kept', 'kid', 'retired']);
    assert.equal(typeof first.kid, 'string');
    assert.ok(Array.isArray(first.kept) && Array.isArray(first.retired));
    const second = await json('keys', 'rotate');
    assert.notEqual(second.kid, first.kid);
    assert.ok(![...second.kept, ...second.retired].includes(second.kid), 'the newest key is neither kept nor retired');
    assert.match((await run('keys', 'rotate')).stdout, /^new signing key \S+/);
  });

  test('demo: credentials as JSON; run again it prints the same demo; --reset seeds a new one', async () => {
    const demo = await json('demo');
    assert.deepEqual(Object.keys(demo.merchant).sort(), ['client_id', 'client_secret', 'org_id', 'user']);
    assert.ok(demo.orders.length >= 4);
    assert.deepEqual(await json('demo'), demo);
    const reset = await json('demo', '--reset');
    assert.notEqual(reset.merchant.org_id, demo.merchant.org_id);
    const oldClient = (await json('client', 'list')).find((c: { client_id: string }) => c.client_id === demo.merchant.client_id);
    assert.equal(oldClient.status, 'revoked', "--reset revokes the old demo's clients");
  });
});
