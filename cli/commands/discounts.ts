export { discountsProgram as command } from '../discounts';
