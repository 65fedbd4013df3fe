/**
 * The database a bench server runs on, and a read side for the bench itself (polling the request queue).
 *
 * - SQLite (default): a fresh temporary DATA_DIR; the first `serve` seeds the demo and writes DATA_DIR/demo.json.
 *   The bench reads the file with its own read-only better-sqlite3 handle (WAL lets it read while the server writes).
 * - PostgreSQL (`BENCH_DB=postgres`): with TEST_DATABASE_URL, a fresh database `og_bench_<hex>` is created next to
 *   it and dropped afterwards; otherwise DATABASE_URL is used as it is (demo rows then accumulate there). The demo
 *   is seeded with `ordergraph demo --json`, since `serve` never seeds PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { processCpuMs } from './load.ts';
import { runCli } from './processes.ts';

/** CPU ms the backends spent between two `backendCpu()` samples (a backend that appeared in between counts from 0). */
export function backendCpuDeltaMs(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

export type BenchDbKind = 'sqlite' | 'postgres';

export interface Demo {
  merchant: { org_id: string; client_id: string; client_secret: string };
  supplier: { org_id: string; client_id: string; client_secret: string };
  orders: { id: string; number: number; state: 'DRAFT' | 'OPENED' }[];
}

export function benchDbKind(): BenchDbKind {
  const v = (process.env.BENCH_DB ?? 'sqlite').toLowerCase();
  if (v === 'postgres' || v === 'postgresql' || v === 'pg') return 'postgres';
  if (v === 'sqlite') return 'sqlite';
  throw new Error(`BENCH_DB must be sqlite or postgres, got "${process.env.BENCH_DB}"`);
}

export class BenchDatabase {
  private sqlite: Database.Database | undefined;
  private pgClient: pg.Client | undefined;
  private dropName: string | undefined;

  private constructor(
    readonly kind: BenchDbKind,
    readonly dataDir: string,
    readonly databaseUrl: string | undefined,
    private readonly adminUrl: string | undefined,
  ) {}

  /** A fresh database (and always a fresh DATA_DIR) for one server. */
  static async create(kind: BenchDbKind, label: string): Promise<BenchDatabase> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ordergraph-bench-${label}-`));
    if (kind === 'sqlite') return new BenchDatabase(kind, dataDir, undefined, undefined);
    const admin = process.env.TEST_DATABASE_URL;
    if (admin) {
      const name = `og_bench_${randomBytes(5).toString('hex')}`;
      const c = new pg.Client({ connectionString: admin });
      try {
        await c.connect();
        await c.query(`CREATE DATABASE "${name}"`);
      } catch (e) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        throw e;
      } finally {
        await c.end().catch(() => {});
      }
      const url = new URL(admin);
      url.pathname = `/${name}`;
      const db = new BenchDatabase(kind, dataDir, url.toString(), admin);
      db.dropName = name;
      return db;
    }
    const url = process.env.DATABASE_URL;
    if (!url || !/^postgres(ql)?:\/\//.test(url)) {
      throw new Error('BENCH_DB=postgres needs TEST_DATABASE_URL (a role that may CREATE DATABASE) or DATABASE_URL=postgres://…');
    }
    return new BenchDatabase(kind, dataDir, url, undefined);
  }

  /** PostgreSQL: seeds the demo with the CLI (call before `serve`). SQLite: nothing, `serve` seeds it. */
  async seedBeforeServe(): Promise<void> {
    if (this.kind !== 'postgres') return;
    const out = await runCli(['demo', '--json'], { dataDir: this.dataDir, databaseUrl: this.databaseUrl });
    JSON.parse(out); // fail here, with the output, if it is not the demo
  }

  /** The demo's credentials and orders, from DATA_DIR/demo.json (written by `serve` or `demo`). */
  demo(): Demo {
    const file = path.join(this.dataDir, 'demo.json');
    if (!fs.existsSync(file)) throw new Error(`no ${file}: was the demo seeded? (ORDERGRAPH_DEMO must not be false)`);
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Demo;
  }

  /** A read query with `?` placeholders, on the bench's own connection. */
  async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
    if (this.kind === 'sqlite') {
      this.sqlite ??= new Database(path.join(this.dataDir, 'ordergraph.sqlite'), { readonly: true, fileMustExist: true });
      return this.sqlite.prepare(text).all(...params) as T[];
    }
    if (!this.pgClient) {
      this.pgClient = new pg.Client({ connectionString: this.databaseUrl });
      await this.pgClient.connect();
    }
    let n = 0;
    const r = await this.pgClient.query(text.replace(/\?/g, () => `$${++n}`), params);
    return r.rows as T[];
  }

  /**
   * PostgreSQL only: CPU time (utime + stime, ms) of every backend connected to this database, by pid, read from
   * /proc (the server runs on this machine). The bench's own connection is left out. Undefined on SQLite or when
   * /proc cannot be read. Take it before and after a measurement and use `backendCpuDeltaMs`.
   */
  async backendCpu(): Promise<Map<number, number> | undefined> {
    if (this.kind !== 'postgres') return undefined;
    const rows = await this.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      const ms = await processCpuMs(Number(pid));
      if (ms !== undefined) out.set(Number(pid), ms);
    }
    return rows.length > 0 && out.size === 0 ? undefined : out;
  }

  /** Closes the bench's connection, drops a database it created, removes the DATA_DIR. */
  async dispose(): Promise<void> {
    this.sqlite?.close();
    this.sqlite = undefined;
    await this.pgClient?.end().catch(() => {});
    this.pgClient = undefined;
    if (this.dropName && this.adminUrl) {
      const c = new pg.Client({ connectionString: this.adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${this.dropName}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
