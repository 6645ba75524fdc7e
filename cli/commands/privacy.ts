export { privacyProgram as command } from '../privacy';
