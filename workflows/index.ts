// The workflow bundle's entry point (Temporal bundles this file for the worker).
export { abandonedCartWorkflow } from './abandoned-cart';
export { journeyWorkflow } from './journey';
export { disableCartCodesWorkflow } from './disable-cart-codes';
