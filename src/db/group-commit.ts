/**
 * Group commit for SQLite. The process has one connection, so transactions run one after another anyway; a
 * COMMIT (writing the dirty pages to the WAL) costs more than a whole small change. Transactions that queue up
 * while one runs are therefore run together: each in its own SAVEPOINT inside one BEGIN … COMMIT. A failing unit
 * rolls back to its savepoint and leaves the others alone. Every unit's caller hears back only after the COMMIT,
 * so nothing is acknowledged before it is durable.
 */
import type { Kysely, Transaction } from 'kysely';
import { runSql } from './run-sql.ts';
import type { Database } from './tables.ts';

type Work<T> = (tx: Transaction<Database>) => Promise<T>;

interface Unit {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { unit: Unit; ok: true; value: unknown } | { unit: Unit; ok: false; error: unknown };

/** Bounds how long the first unit of a group waits for its COMMIT. */
const MAX_UNITS = 64;

export class GroupCommit {
  private readonly waiting: Unit[] = [];
  private draining = false;

  constructor(private readonly kysely: Kysely<Database>) {}

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (this.draining) return;
      // Start on the next turn of the event loop, so that the units of everything that arrived in this one
      // (HTTP requests, webhook responses read in the same poll) share the COMMIT.
      this.draining = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.commitGroup();
    } finally {
      this.draining = false;
    }
  }

  private async commitGroup(): Promise<void> {
    const outcomes: Outcome[] = [];
    let current: Unit | undefined;
    try {
      await this.kysely.transaction().execute(async (tx) => {
        // Units that arrive while the group runs join it (they would wait for the connection anyway).
        while (this.waiting.length > 0 && outcomes.length < MAX_UNITS) {
          current = this.waiting.shift()!;
          await runSql(tx, 'SAVEPOINT unit', []);
          try {
            const value = await current.work(tx);
            await runSql(tx, 'RELEASE unit', []);
            outcomes.push({ unit: current, ok: true, value });
          } catch (error) {
            await runSql(tx, 'ROLLBACK TO unit', []);
            await runSql(tx, 'RELEASE unit', []);
            outcomes.push({ unit: current, ok: false, error });
          }
          current = undefined;
        }
      });
    } catch (error) {
      // BEGIN, a savepoint or the COMMIT failed: nothing of the group is written. The unit in hand gets the
      // error; each one that had succeeded runs again alone, so one unit's trouble is not reported as another's.
      current?.reject(error);
      if (outcomes.length === 0 && !current) this.waiting.splice(0).forEach((u) => u.reject(error));
      for (const o of outcomes) {
        if (!o.ok) o.unit.reject(o.error);
        else await this.kysely.transaction().execute(o.unit.work).then(o.unit.resolve, o.unit.reject);
      }
      return;
    }
    for (const o of outcomes) {
      if (o.ok) o.unit.resolve(o.value);
      else o.unit.reject(o.error);
    }
  }
}
