/** The scopes test clients are given: defined once for every support file and test. */
export const MERCHANT_SCOPES = 'view_orders create_orders edit_orders';
/** A merchant that also manages its webhooks: the Orders API world's default client. */
export const INTEGRATOR_SCOPES = `${MERCHANT_SCOPES} edit_integrations`;
export const FULFILLER_SCOPES = 'order-it.order-manager.view order-it.order-manager.edit';
