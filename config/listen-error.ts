import { ConfigError } from './env';

/** Where a process was told to listen, and the variables that move it (named in the error). */
export interface ListenTarget {
  host: string;
  port: number;
  /** The variable that sets `port`: PORT, WORKER_HEALTH_PORT, METRICS_PORT… */
  portVariable: string;
  /** The variable that sets `host`: HOST, METRICS_HOST… */
  hostVariable: string;
}

/**
 * A port another program holds, or an address this machine does not have, is the operator's to
 * fix: named with the variables that move it, as a ConfigError (one line, exit 1), rather than
 * `listen EADDRINUSE` or whatever a clean-up step throws after it. Other errors are returned as they are.
 */
export function listenFailure(error: unknown, { host, port, portVariable, hostVariable }: ListenTarget): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new ConfigError(
      `port ${port} on ${host} is in use by another process; stop it or set ${portVariable} to a free port`,
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new ConfigError(`cannot listen on ${host}:${port} (${code}); check ${hostVariable} and ${portVariable}`);
  }
  return error;
}
