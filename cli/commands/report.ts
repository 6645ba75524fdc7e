export { reportProgram as command } from '../report';
