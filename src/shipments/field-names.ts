/**
 * How each dialect names a shipment's fields, for the messages of refusals (shipment-plan.ts speaks in these):
 * the Fulfiller API's KornitX names (`shipments[3].items[0].quantity`) and the Orders API's HappyColis names
 * (`input.details[0].quantity`), and the dashboard form's. Kept here, beside the rules, so the rules' tests use the names callers see.
 */
import type { FieldNames } from './shipment-plan.ts';

/** `core { createShipments(shipments: …) }`: shipment `i` of the list. */
export function fulfillerNames(i: number): FieldNames {
  return {
    at: `shipments[${i}]`,
    target: 'order_id',
    targetRef: 'order_external_ref',
    items: 'items',
    itemId: 'id',
    itemRef: 'external_ref',
    carrier: 'shipping_carrier',
    method: 'shipping_method',
    trackingNumber: 'tracking_number',
    trackingUrl: 'tracking_url',
    reference: 'reference',
    weight: 'weight',
    shippedAt: 'shipped_at',
  };
}

/** `shipmentCreate(input: …)`: one shipment, named by its delivery order; its items by sku. */
export const MERCHANT_NAMES: FieldNames = {
  at: 'input',
  target: 'deliveryOrderId',
  targetRef: 'deliveryOrderId',
  items: 'details',
  itemId: 'sku',
  itemRef: 'sku',
  carrier: 'carrierName',
  method: 'shippingMethodName',
  trackingNumber: 'tracking',
  trackingUrl: 'trackingUrl',
  reference: 'reference',
  weight: 'weight',
  shippedAt: 'issuedAt',
};

/** The dashboard's "Add a shipment" form, so a refusal names what the person filled in. */
export const DASHBOARD_NAMES: FieldNames = {
  at: 'shipment',
  target: 'order',
  targetRef: 'order',
  items: 'items',
  itemId: 'line',
  itemRef: 'sku',
  carrier: 'carrier',
  method: 'method',
  trackingNumber: 'trackingNumber',
  trackingUrl: 'trackingUrl',
  reference: 'reference',
  weight: 'weight',
  shippedAt: 'shippedAt',
};
