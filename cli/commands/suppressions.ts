export { suppressionsProgram as command } from '../suppressions';
