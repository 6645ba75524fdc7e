import type { PGlite } from '@electric-sql/pglite';

// PGlite is one PostgreSQL session; @electric-sql/pglite-socket 0.2.x feeds it the messages of
// every connection from one queue, keeping a connection's messages together only inside an SQL
// transaction. An extended-protocol query (Parse, Bind, Describe, Execute, Sync: what postgres.js
// and drizzle send) is not a transaction, so two connections' queries interleave and one binds
// the other's unnamed statement: an error, or the wrong rows (electric-sql/pglite#1046, not fixed
// in a release). This queue keeps a connection's messages together from its first extended-protocol
// message to its Sync, and through a transaction, and carries on after a failed message.

/** Frontend message types that open or continue an extended-protocol sequence. */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((type) => type.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);
/** A Sync message: type and length only. Ends what a vanished connection left open. */
const SYNC_MESSAGE = new Uint8Array([SYNC, 0, 0, 0, 4]);

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/**
 * A drop-in for pglite-socket's internal query queue (same public methods), installed on a
 * PGLiteSocketServer before it starts; its handlers take the server's queue when they connect.
 */
export class ProtocolQueue {
  private queue: Pending[] = [];
  private processing = false;
  /** The connection whose extended-protocol sequence is open (until its Sync). */
  private sequenceOwner: number | null = null;
  /** The connection that ran the last message: it owns an open transaction. */
  private lastHandlerId: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** The connection is gone: drop its queued messages and end a sequence it left open. */
  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((item) => {
      if (item.handlerId !== handlerId) return true;
      item.reject(new Error('Handler disconnected'));
      return false;
    });
    if (this.sequenceOwner === handlerId) {
      this.sequenceOwner = null;
      void this.db
        .runExclusive(() => this.db.execProtocolRawStream(SYNC_MESSAGE, { onRawData: () => {} }))
        .finally(() => this.process());
    }
  }

  /** The connection is gone inside its transaction: roll it back so the others can go on. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (!this.db.isInTransaction() || this.lastHandlerId !== handlerId) return;
    await this.db.exec('ROLLBACK');
    this.lastHandlerId = null;
    await this.process();
  }

  /** The next message to run: the owner's while it holds a sequence or a transaction. */
  private next(): Pending | undefined {
    const owner = this.sequenceOwner ?? (this.db.isInTransaction() ? this.lastHandlerId : null);
    if (owner === null) return this.queue.shift();
    const index = this.queue.findIndex((item) => item.handlerId === owner);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let item = this.next(); item; item = this.next()) {
        const type = item.message[0] ?? 0;
        if (EXTENDED.has(type)) this.sequenceOwner = item.handlerId;
        else if (type === SYNC && this.sequenceOwner === item.handlerId) this.sequenceOwner = null;
        this.lastHandlerId = item.handlerId;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          // The upstream queue stopped here and never ran another message; this one fails alone.
          item.reject(error);
          continue;
        }
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}
