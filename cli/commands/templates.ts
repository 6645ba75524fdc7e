export { templatesProgram as command } from '../templates';
