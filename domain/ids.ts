/**
 * Identifiers that make the system idempotent by construction: one workflow per cart,
 * one message row (and one Message-ID) per cart step.
 */

export interface CartRef {
  shopId: string;
  cartId: string;
}

/** One workflow per shop cart: a repeated or late webhook lands on the same workflow id. */
export function cartWorkflowId({ shopId, cartId }: CartRef): string {
  return `cart:${shopId}:${cartId}`;
}

/** The workflow that disables a cart's codes when its order finds no chain running: one at a time per cart. */
export function cartCodesWorkflowId({ shopId, cartId }: CartRef): string {
  return `cart-codes:${shopId}:${cartId}`;
}

export interface SendKeyInput extends CartRef {
  step: string;
}

/** The business key of one send; the messages table holds it unique. */
export function sendKey({ shopId, cartId, step }: SendKeyInput): string {
  return `${cartWorkflowId({ shopId, cartId })}:${step}`;
}

export interface JourneyRef {
  shopId: string;
  trigger: string;
  subjectId: string;
}

/** One journey per subject (order or customer id) and trigger; never an email in an id. */
export function journeyWorkflowId({ shopId, trigger, subjectId }: JourneyRef): string {
  return `journey:${shopId}:${trigger}:${subjectId}`;
}
