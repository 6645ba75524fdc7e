export { prodStackProgram as command } from '../../deploy/local/main';
