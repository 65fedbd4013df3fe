/**
 * The soak's noisy tenant: a second merchant whose webhook points at a receiver on 127.0.0.1 that never answers
 * (test/support/stalling-receiver.ts), and a lane that keeps creating its orders (each an event for that webhook),
 * some OPENED. Its deliveries hang until they time out; the soak checks that the quiet tenant's deliveries and
 * requests do not wait behind them. At the end its webhook is deleted, which cancels its queued deliveries, so
 * the drain is not held up by a 24-hour retry window.
 */
import { createClient, createOrganization, getToken, type CliRunner } from '../test/support/oauth.ts';
import { gql } from '../test/support/graphql.ts';
import { startStallingReceiver, type StallingReceiver } from '../test/support/stalling-receiver.ts';

export interface NoisyTenant {
  receiver: StallingReceiver;
  /** Orders it created. */
  readonly created: number;
  /** Creates orders until `stopped()`; survives the server's kills (a failed call waits and carries on). */
  lane(stopped: () => boolean): Promise<void>;
  /** Deletes its webhook (its queued deliveries are cancelled) and stops the receiver. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `burstEveryMs`: time between two bursts (default 200 ms after the last answer: as fast as the server takes them). */
export async function startNoisyTenant(server: CliRunner & { url: string }, opts: { burstEveryMs?: number } = {}): Promise<NoisyTenant> {
  const supplier = await createOrganization(server, { kind: 'SUPPLIER' });
  const merchant = await createOrganization(server, { kind: 'MERCHANT', defaultSupplier: supplier.id });
  const client = await createClient(server, { org: merchant.id, scopes: 'view_orders create_orders edit_integrations' });
  const token = await getToken(server.url, client);
  const receiver = await startStallingReceiver('hang');
  const hook = await gql(server.url, token, 'mutation($i: WebhookInput!) { webhookCreate(input: $i) { id } }', { i: { endpoint: receiver.url } });
  const webhookId: string | undefined = hook.body?.data?.webhookCreate?.id;
  if (!webhookId) throw new Error(`noisy tenant: webhookCreate failed: ${JSON.stringify(hook.body).slice(0, 300)}`);
  let created = 0;
  let seq = 0;
  return {
    receiver,
    get created() {
      return created;
    },
    async lane(stopped) {
      while (!stopped()) {
        // Ten at once, as a tenant bursting changes would.
        const batch = await Promise.all(
          Array.from({ length: 10 }, () =>
            gql(server.url, token, 'mutation($input: OrderInput!) { orderCreate(input: $input) { id } }', {
              input: { externalReference: `noisy-${seq++}`, state: seq % 3 === 0 ? 'OPENED' : 'DRAFT', lines: [{ sku: 'NOISE', label: 'Noise', quantity: 1, price: 1 }] },
            }).catch(() => undefined),
          ),
        );
        created += batch.filter((r) => r?.body?.data?.orderCreate).length;
        const pause = batch.every((r) => r === undefined) ? 500 : (opts.burstEveryMs ?? 200);
        for (let waited = 0; waited < pause && !stopped(); waited += 200) await sleep(200);
      }
    },
    async stop() {
      // The server may be between a kill and its restart: try for a while.
      for (let i = 0; i < 40; i++) {
        const r = await gql(server.url, token, 'mutation($id: String!) { webhookDelete(id: $id) }', { id: webhookId }).catch(() => undefined);
        if (r?.body?.data?.webhookDelete) break;
        await sleep(250);
      }
      await receiver.stop();
    },
  };
}
