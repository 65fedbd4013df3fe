/**
 * A merchant and its supplier, each with a client and a token, made with the CLI the way an operator does. The
 * Orders API tenant, the Fulfiller API world and the durability tests' order parties are all views of this one pair.
 *
 *   const p = await createTradingPair(server, { merchantScopes: INTEGRATOR_SCOPES });
 */
import { createClient, createOrganization, getToken, type CliRunner, type OAuthClient, type Organization } from './oauth.ts';
import { FULFILLER_SCOPES } from './scopes.ts';

export interface TradingPair {
  supplier: Organization;
  merchant: Organization;
  merchantClient: OAuthClient;
  /** Fulfiller scopes, with access to the merchant. */
  supplierClient: OAuthClient;
  merchantToken: string;
  supplierToken: string;
}

/**
 * A supplier, a merchant whose default supplier it is (unless `defaultSupplier: false`), a merchant client with
 * `merchantScopes` and a supplier client with the Fulfiller scopes and access to the merchant, with a token for each.
 */
export async function createTradingPair(
  server: CliRunner & { url: string },
  opts: { merchantScopes: string; defaultSupplier?: boolean },
): Promise<TradingPair> {
  const supplier = await createOrganization(server, { kind: 'SUPPLIER' });
  const merchant = await createOrganization(server, {
    kind: 'MERCHANT',
    defaultSupplier: opts.defaultSupplier === false ? undefined : supplier.id,
  });
  const [merchantClient, supplierClient] = await Promise.all([
    createClient(server, { org: merchant.id, scopes: opts.merchantScopes }),
    createClient(server, { org: supplier.id, scopes: FULFILLER_SCOPES, access: [merchant.id] }),
  ]);
  const [merchantToken, supplierToken] = await Promise.all([getToken(server.url, merchantClient), getToken(server.url, supplierClient)]);
  return { supplier, merchant, merchantClient, supplierClient, merchantToken, supplierToken };
}
