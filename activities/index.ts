import { createSendCartEmail, type SendCartEmailDeps } from './send-cart-email';

export type ActivityDeps = SendCartEmailDeps;

/** Builds every activity from its dependencies; only entry points pass real ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    sendCartEmail: createSendCartEmail(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { SendCartEmailInput, SendCartEmailResult } from './send-cart-email';
