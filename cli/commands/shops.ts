export { shopsProgram as command } from '../shops';
