import { readFileSync } from 'node:fs';
import { freePort as osChosenPort, portIsFree } from '../../app/free-port';

// Linux's default when /proc cannot be read (other systems: the fallback below still works).
const DEFAULT_EPHEMERAL_LOW = 32_768;
const LOWEST = 10_000;
const TRIES = 50;

/** The first port of the range the kernel hands out to outgoing connections (and to `listen(0)`). */
export function ephemeralPortsStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const parsed = Number(low);
    return Number.isInteger(parsed) && parsed > LOWEST + 1_000 ? parsed : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/**
 * A TCP port on 127.0.0.1 that is free now, for a server that must be started on a port named in
 * advance (PostgreSQL, the Temporal dev server). It is taken from below the ephemeral range: a port
 * the OS chose (`listen(0)`) lies in that range, and in the moment before the server binds it any
 * outgoing connection on the box may be given the same port ("address already in use"; seen in CI).
 * Below the range only another explicit choice can collide. Falls back to the OS's choice.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralPortsStart() - 1;
  for (let tried = 0; tried < TRIES; tried++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST + 1));
    if (await portIsFree('127.0.0.1', port)) return port;
  }
  return osChosenPort();
}
