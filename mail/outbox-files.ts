import { open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';

/** The copies of sent emails this install keeps itself (the .eml files of `npm start`'s SMTP sink). */
export interface SentCopies {
  /** Deletes the copies of these messages (Message-ID headers, `<…@…>`); returns how many went. */
  eraseMessages(messageIds: readonly string[]): Promise<number>;
}

/** Headers come first and are short; the Message-ID is well inside this many bytes. */
const HEADER_BYTES = 64 * 1024;

/**
 * The SMTP sink's folder (mail/smtp-sink.ts `outboxWriter`): each file is one email, with the
 * person's address and name in its headers and body. An erasure deletes the person's files, found
 * by Message-ID; a folder that does not exist holds none.
 */
export function outboxFolderCopies(dir: string): SentCopies {
  return {
    async eraseMessages(messageIds) {
      if (messageIds.length === 0) return 0;
      const wanted = new Set(messageIds.map((id) => id.toLowerCase()));
      let names: string[];
      try {
        names = (await readdir(dir)).filter((name) => name.endsWith('.eml'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw error;
      }
      let erased = 0;
      for (const name of names) {
        const file = path.join(dir, name);
        const id = await messageIdOf(file);
        if (id && wanted.has(id.toLowerCase())) {
          await unlink(file);
          erased += 1;
        }
      }
      return erased;
    },
  };
}

async function messageIdOf(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    // Removed by someone else since the folder was listed: nothing left to erase.
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('latin1');
    const headers = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
    return /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(headers)?.[1];
  } finally {
    await handle.close();
  }
}

/** `npm start` keeps .eml copies only when no SMTP_URL is set (then it runs the sink on OUTBOX_DIR). */
export function sentCopiesOf({ smtpUrl, outboxDir }: { smtpUrl?: string; outboxDir: string }): SentCopies | undefined {
  return smtpUrl ? undefined : outboxFolderCopies(path.resolve(outboxDir));
}
