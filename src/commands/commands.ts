/**
 * Every change the two APIs can ask for, by name. Resolvers run them through `runCommand`, so that on SQLite
 * they can run in the writer thread (writer-thread.ts) instead of the HTTP thread.
 */
import type { Ctx } from '../context.ts';
import { cancelOrderCommand, createOrder, openOrderCommand, requestFulfillmentCommand, updateOrder } from '../orders/order-commands.ts';
import { updateFulfillerOrders } from '../orders/fulfiller-updates.ts';
import { createWebhook, deleteWebhook, updateWebhook } from '../webhooks/webhook-subscriptions.ts';
import { retryDelivery } from '../webhooks/webhook-deliveries.ts';
import { claimIdempotencyKey, finishIdempotencyKey } from '../http/idempotency-keys.ts';

export const commands = {
  createOrder,
  updateOrder,
  openOrder: openOrderCommand,
  cancelOrder: cancelOrderCommand,
  requestFulfillment: requestFulfillmentCommand,
  updateFulfillerOrders,
  createWebhook,
  updateWebhook,
  deleteWebhook,
  retryDelivery,
  claimIdempotencyKey,
  finishIdempotencyKey,
} satisfies Record<string, (ctx: Ctx, ...args: never[]) => Promise<unknown>>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandArgs<N extends CommandName> = Parameters<Commands[N]> extends [Ctx, ...infer A] ? A : never;
export type CommandResult<N extends CommandName> = Awaited<ReturnType<Commands[N]>>;

/** Runs a command here or, when the services have one, in the writer thread; the caller cannot tell. */
export function runCommand<N extends CommandName>(ctx: Ctx, name: N, ...args: CommandArgs<N>): Promise<CommandResult<N>> {
  const writer = ctx.services.writer;
  if (writer) return writer.call(name, ctx, args) as Promise<CommandResult<N>>;
  return (commands[name] as (ctx: Ctx, ...a: unknown[]) => Promise<CommandResult<N>>)(ctx, ...args);
}
