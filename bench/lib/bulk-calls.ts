/**
 * What the Fulfiller API's 1,000-per-call scenarios (fulfillerBulk's `updateOrders`, createShipments) share: the
 * chunks of 1,000 orders the calls take in turn, how the measured calls split into rounds, the demo supplier's
 * headers, and the check of a response.
 */
import { fetchToken } from './ordergraph-client.ts';
import type { BenchServer, Settings } from '../scenarios/types.ts';

/** Items (orders, shipments) per call. */
export const PER_CALL = 1000;

export interface BulkPlan {
  /** Chunks of 1,000 orders in `--bulk-orders`: call k works on chunk k mod chunkCount. */
  chunkCount: number;
  /** Measured calls per round (`--bulk-calls` / `--rounds`). */
  perRound: number;
  /** Warm-up calls: two per connection. */
  warmupCalls: number;
}

export function bulkPlan(settings: Settings): BulkPlan {
  return {
    chunkCount: Math.floor(settings.bulkOrders / PER_CALL),
    perRound: Math.max(1, Math.round(settings.bulkCalls / settings.rounds)),
    warmupCalls: settings.bulkConnections * 2,
  };
}

/** The request headers of the demo supplier (a token fetched now). */
export async function supplierHeaders(server: BenchServer): Promise<Record<string, string>> {
  const token = await fetchToken(server.origin, server.demo.supplier);
  return { 'content-type': 'application/json', authorization: `Bearer ${token}` };
}

/** A call passes only with no `errors` and no `null` entry (an item refused at its index is a `null`). */
export const everyItemOk = (status: number, text: string) => status === 200 && !text.includes('"errors"') && !text.includes('null');
