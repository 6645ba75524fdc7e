// The thread that serves the embedded database (db/embedded-server-thread.ts). Worker threads do
// not inherit the TypeScript loader bin/cartflow.js registers, so this registers it again.
import { register } from 'tsx/esm/api';

register();
await import('./embedded-server-thread.ts');
