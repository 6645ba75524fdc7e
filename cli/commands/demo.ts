export { demoProgram as command } from '../demo';
