/**
 * Group commit for SQLite. The process has one connection, so transactions run one after another anyway; a
 * COMMIT (writing the dirty pages to the WAL) costs more than a whole small change. Transactions that queue up
 * while one runs are therefore run together, one after another inside one BEGIN … COMMIT. Every unit's caller
 * hears back only after the COMMIT, so nothing is acknowledged before it is durable.
 *
 * A unit that fails must leave nothing behind. Most fail before writing anything (not found, refused, a stale
 * version): those are simply dropped from the group. One that fails after a write aborts the group; the units
 * that had succeeded run again on their own. (A SAVEPOINT per unit did the same with two more statements per
 * unit, and made SQLite copy every page a unit touched into its statement journal.)
 */
import type { Kysely, Transaction } from 'kysely';
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

  /** `writesIssued`: the connection's count of statements run that may have written (sqlite-statement-cache.ts). */
  constructor(
    private readonly kysely: Kysely<Database>,
    private readonly writesIssued: () => number,
  ) {}

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
          const writesBefore = this.writesIssued();
          try {
            const value = await current.work(tx);
            outcomes.push({ unit: current, ok: true, value });
          } catch (error) {
            if (this.writesIssued() !== writesBefore) throw error; // it may have written: abort the group (below)
            outcomes.push({ unit: current, ok: false, error });
          }
          current = undefined;
        }
      });
    } catch (error) {
      // BEGIN or the COMMIT failed, or a unit failed after writing: nothing of the group is written. The unit in
      // hand gets the error; each one that had succeeded runs again alone, so one unit's trouble is not reported
      // as another's. Units not yet started wait for the next group.
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
