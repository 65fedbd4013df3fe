/**
 * Which suppliers are simulated (`ordergraph sandbox`), and how: the client the sandbox acts as (created for it,
 * so history names the sandbox), its seed, speed and fault rates. Turning a sandbox on again changes its settings
 * for delivery orders routed from then on; turning it off stops the steps still queued (they find no sandbox).
 */
import type { Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { badInput, isDomainError } from '../errors/domain-error.ts';
import { createClient, findClient, revokeClient } from '../auth/clients.ts';
import { parseScopes } from '../auth/scopes.ts';
import { requireSupplier } from '../organizations/organizations.ts';
import { isoNow } from '../clock.ts';
import { NO_FAULTS, parseFaults, type FaultRates } from './sandbox-faults.ts';

/** What a print shop's integration may do: the fulfiller dialect, and shipments with their carrier events. */
export const SANDBOX_SCOPES = 'order-it.order-manager.view order-it.order-manager.edit view_shipments create_shipments edit_shipments';
export const SANDBOX_CLIENT_NAME = 'Sandbox fulfiller';
const MAX_SPEED = 1_000_000;

export interface Sandbox {
  organizationId: string;
  clientId: string;
  seed: string;
  speed: number;
  faults: FaultRates;
}

export interface SandboxSettings {
  speed?: number;
  /** `reject=0.05,qc=0.1,…` (absent faults: 0). */
  faults?: string;
  seed?: string;
}

function toSandbox(r: { organization_id: string; client_id: string; seed: string; speed: number; faults: string }): Sandbox {
  return { organizationId: r.organization_id, clientId: r.client_id, seed: r.seed, speed: Number(r.speed), faults: { ...NO_FAULTS, ...JSON.parse(r.faults) } };
}

/** The sandbox of these suppliers, by organization id (none: an empty map, the common case). */
export async function sandboxesOf(db: Executor, supplierIds: readonly string[]): Promise<Map<string, Sandbox>> {
  if (supplierIds.length === 0) return new Map();
  const rows = await db.selectFrom('sandbox_suppliers').selectAll().where('organization_id', 'in', supplierIds).execute();
  return new Map(rows.map((r) => [r.organization_id, toSandbox(r)]));
}

export async function listSandboxes(db: Executor): Promise<Map<string, Sandbox>> {
  const rows = await db.selectFrom('sandbox_suppliers').selectAll().execute();
  return new Map(rows.map((r) => [r.organization_id, toSandbox(r)]));
}

/** Marks `supplierId` as simulated (or changes its settings); its client is created once and kept while it is on. */
export async function enableSandbox(db: Executor, supplierId: string, settings: SandboxSettings = {}): Promise<Sandbox> {
  await requireSupplier(db, supplierId, 'supplier');
  const speed = settings.speed ?? 1;
  if (!(Number.isFinite(speed) && speed > 0 && speed <= MAX_SPEED)) throw badInput('speed', `must be a number above 0 and at most ${MAX_SPEED}`);
  const faults = parseFaults(settings.faults ?? '');
  if (isDomainError(faults)) throw faults;
  const seed = settings.seed ?? supplierId;
  if (seed.length === 0 || seed.length > 255) throw badInput('seed', 'must be 1 to 255 characters');
  const now = isoNow();
  const existing = (await sandboxesOf(db, [supplierId])).get(supplierId);
  const client = existing && (await findClient(db, existing.clientId));
  const clientId =
    client && !client.revoked
      ? client.clientId
      : (await createClient(db, { organizationId: supplierId, name: SANDBOX_CLIENT_NAME, scopes: SANDBOX_SCOPES })).client_id;
  const row = { client_id: clientId, seed, speed, faults: JSON.stringify(faults), updated_at: now };
  if (existing) await db.updateTable('sandbox_suppliers').set(row).where('organization_id', '=', supplierId).execute();
  else await db.insertInto('sandbox_suppliers').values({ ...row, organization_id: supplierId, created_at: now }).execute();
  return { organizationId: supplierId, clientId, seed, speed, faults };
}

/** Stops simulating `supplierId` and revokes the sandbox's client; false when it was not simulated. */
export async function disableSandbox(db: Executor, supplierId: string): Promise<boolean> {
  await requireSupplier(db, supplierId, 'supplier');
  const existing = (await sandboxesOf(db, [supplierId])).get(supplierId);
  if (!existing) return false;
  await db.deleteFrom('sandbox_suppliers').where('organization_id', '=', supplierId).execute();
  await revokeClient(db, existing.clientId);
  return true;
}

/** The sandbox acting on a delivery order of `merchantId`: as its client, on the supplier and that merchant. */
export function sandboxActor(sandbox: Sandbox, merchantId: string): Actor {
  return {
    clientId: sandbox.clientId,
    organizationId: sandbox.organizationId,
    organizationIds: new Set([sandbox.organizationId, merchantId]),
    scopes: new Set(parseScopes(SANDBOX_SCOPES)),
  };
}
