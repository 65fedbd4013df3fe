/** Applies pending migrations, one history on both databases (Kysely's migration table). */
import { Migrator, type Migration } from 'kysely';
import type { Db } from './database.ts';
import * as initial from './migrations/001-initial.ts';
import * as jobsFinishedIndex from './migrations/002-jobs-finished-index.ts';
import * as writePathIndexes from './migrations/003-write-path-indexes.ts';
import * as historyIndexBatches from './migrations/004-history-index-batches.ts';
import * as deliveryOrders from './migrations/006-delivery-orders.ts';
import * as eventFeed from './migrations/008-event-feed.ts';
import * as supplierConnections from './migrations/005-supplier-connections.ts';
import * as usersSessions from './migrations/009-users-sessions.ts';
import * as orderListIndexes from './migrations/010-order-list-indexes.ts';
import * as jobGroups from './migrations/011-job-groups.ts';
import * as signingKeyUse from './migrations/012-signing-key-use.ts';
import * as webhookFormats from './migrations/013-webhook-formats.ts';
import * as orderListPairIndexes from './migrations/016-order-list-pair-indexes.ts';
import * as dropJobsRetrying from './migrations/017-drop-jobs-retrying.ts';
import * as shipments from './migrations/020-shipments.ts';
import * as sandboxSuppliers from './migrations/026-sandbox-suppliers.ts';
import * as deliveryOrderListIndexes from './migrations/028-delivery-order-list-indexes.ts';
import * as deliveryResponseBody from './migrations/024-delivery-response-body.ts';
import * as webhookDeliveryPageIndex from './migrations/029-webhook-delivery-page-index.ts';
import * as ordersHotUpdates from './migrations/031-orders-hot-updates.ts';
import * as orderWrittenCheck from './migrations/030-order-written-check.ts';

function migrations(db: Db): Record<string, Migration> {
  return {
    '001-initial': { up: (k) => initial.up(k, db.kind) },
    '002-jobs-finished-index': { up: (k) => jobsFinishedIndex.up(k) },
    '003-write-path-indexes': { up: (k) => writePathIndexes.up(k) },
    '004-history-index-batches': { up: (k) => historyIndexBatches.up(k, db.kind) },
    '006-delivery-orders': { up: (k) => deliveryOrders.up(k, db.kind) },
    '008-event-feed': { up: (k) => eventFeed.up(k, db.kind) },
    '005-supplier-connections': { up: (k) => supplierConnections.up(k) },
    '009-users-sessions': { up: (k) => usersSessions.up(k) },
    '010-order-list-indexes': { up: (k) => orderListIndexes.up(k) },
    '011-job-groups': { up: (k) => jobGroups.up(k) },
    '012-signing-key-use': { up: (k) => signingKeyUse.up(k) },
    '013-webhook-formats': { up: (k) => webhookFormats.up(k) },
    '016-order-list-pair-indexes': { up: (k) => orderListPairIndexes.up(k) },
    '017-drop-jobs-retrying': { up: (k) => dropJobsRetrying.up(k) },
    '020-shipments': { up: (k) => shipments.up(k) },
    '026-sandbox-suppliers': { up: (k) => sandboxSuppliers.up(k) },
    '028-delivery-order-list-indexes': { up: (k) => deliveryOrderListIndexes.up(k) },
    '024-delivery-response-body': { up: (k) => deliveryResponseBody.up(k) },
    '029-webhook-delivery-page-index': { up: (k) => webhookDeliveryPageIndex.up(k) },
    '031-orders-hot-updates': { up: (k) => ordersHotUpdates.up(k, db.kind) },
    '030-order-written-check': { up: (k) => orderWrittenCheck.up(k, db.kind) },
  };
}

function migrator(db: Db): Migrator {
  // Numbers were handed out per engineer (TEAM.md), so a database may have 010 before 005 lands: apply the gaps.
  return new Migrator({ db: db.kysely, provider: { getMigrations: async () => migrations(db) }, allowUnorderedMigrations: true });
}

/** Runs every pending migration; returns the names applied. Throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every known migration has been applied (for /readyz). */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const list = await migrator(db).getMigrations();
  return list.every((m) => m.executedAt !== undefined);
}
