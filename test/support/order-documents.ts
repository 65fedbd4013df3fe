/**
 * The Orders API's words (`POST /graphql`, merchant dialect) for end-to-end tests: the field lists and GraphQL
 * documents the tests send (and the one Fulfiller API mutation that moves orders along), and the types of what
 * comes back. Kept apart from the client so orders-api.ts stays readable; it re-exports all of this.
 */
import type { GraphQLBody } from './graphql.ts';
import type { HttpResult } from './http-response.ts';

/** The shape of every id the Orders API hands out (orders, organizations, dispatchable requests). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const DELIVERY_FIELDS = 'type fullname email address addressComplement zipcode city country phone';
export const LINE_FIELDS = 'id sku label quantity price vatRate status';
export const ORDER_FIELDS = `id number organizationId supplierId externalReference invoiceNumber type dispatchingType priority
  inventoryPolicy state status statusName total totalTaxInclusive totalShipping currency issuedAt
  delivery { ${DELIVERY_FIELDS} } lines { ${LINE_FIELDS} } comment shippingCarrier shippingMethod shippingTracking
  locked version createdAt updatedAt`;
export const EVENT_FIELDS = 'id action clientId requestId changes { field from to } createdAt';
export const REQUEST_FIELDS = 'id type state message orderId createdAt completedAt';

export const ORDER_CREATE = `mutation OrderCreate($input: OrderInput!) { orderCreate(input: $input) { ${ORDER_FIELDS} } }`;
export const ORDER_UPDATE = `mutation OrderUpdate($input: OrderInput!) { orderUpdate(input: $input) { ${REQUEST_FIELDS} } }`;
export const ORDER_OPEN = `mutation OrderOpen($id: String!) { orderOpen(id: $id) { ${REQUEST_FIELDS} } }`;
export const ORDER_CANCEL = `mutation OrderCancel($id: String!) { orderCancel(id: $id) { ${REQUEST_FIELDS} } }`;
export const ORDER_REQUEST_FULFILLMENT = `mutation OrderRequestFulfillment($id: String!) { orderRequestFulfillment(id: $id) { ${REQUEST_FIELDS} } }`;
export const ORDER_BY_ID = `query Order($id: String) { order(id: $id) { ${ORDER_FIELDS} events { ${EVENT_FIELDS} } } }`;
export const ORDER_BY_REF = `query OrderByRef($ref: String!) { order(byExternalReference: { externalReference: $ref }) { ${ORDER_FIELDS} events { ${EVENT_FIELDS} } } }`;
export const ORDERS = `query Orders($first: Int, $after: String, $filter: OrderFilter) {
  orders(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number externalReference state status priority createdAt version } }
  }
}`;
export const DISPATCHABLE_REQUEST = `query Request($id: String!) { dispatchableRequest(id: $id) { ${REQUEST_FIELDS} } }`;
export const FULFILLER_UPDATE_ORDERS = `mutation($orders: [OrderInput]) { core { updateOrders(orders: $orders) { id status status_name } } }`;

export type RequestState = 'PENDING' | 'ACCEPTED' | 'REJECTED';
export type RequestType = 'ORDER_UPDATE' | 'OPEN' | 'CANCEL' | 'REQUEST_FULFILLMENT';

export interface DispatchableRequest {
  id: string;
  type: RequestType;
  state: RequestState;
  message: string | null;
  orderId: string;
  createdAt: string;
  completedAt: string | null;
}

export interface OrderLine {
  id: string;
  sku: string | null;
  label: string | null;
  quantity: number;
  price: number | null;
  vatRate: number | null;
  status: 'PENDING' | 'ACCEPTED' | 'IN_PROGRESS' | 'FULFILLED' | 'CANCELED';
}

export interface OrderEvent {
  id: string;
  action: string;
  clientId: string | null;
  requestId: string | null;
  changes: { field: string; from: unknown; to: unknown }[];
  createdAt: string;
}

export interface Order {
  id: string;
  number: number;
  organizationId: string;
  supplierId: string | null;
  externalReference: string | null;
  invoiceNumber: string | null;
  type: string | null;
  dispatchingType: string | null;
  priority: string | null;
  inventoryPolicy: string | null;
  state: 'DRAFT' | 'OPENED' | 'COMPLETED';
  status: number;
  statusName: string;
  total: number | null;
  totalTaxInclusive: number | null;
  totalShipping: number | null;
  currency: string | null;
  issuedAt: string | null;
  delivery: Record<string, string | null> | null;
  lines: OrderLine[];
  comment: string | null;
  shippingCarrier: string | null;
  shippingMethod: string | null;
  shippingTracking: string | null;
  locked: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  events?: OrderEvent[];
}

export type Gql = HttpResult<GraphQLBody>;

export interface OrderConnection {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: {
    cursor: string;
    node: { id: string; number: number; externalReference: string | null; state: string; status: number; priority: string | null; createdAt: string; version: number };
  }[];
}
