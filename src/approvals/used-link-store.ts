import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Remembers which approval-link nonces were used, so each link decides at most once. */
export interface UsedLinkStore {
  /**
   * Records a nonce as used. Resolves `true` the first time, `false` when it was already used; concurrent calls
   * for one nonce within a process get exactly one `true`.
   * @param expiresAt epoch ms after which the link is dead anyway (kept for later compaction)
   */
  markUsed(nonce: string, expiresAt?: number): Promise<boolean>;
  close(): Promise<void>;
}

function nonceHash(nonce: string): string {
  return createHash('sha256').update(nonce).digest('hex');
}

/** A process-local store: used links are forgotten on restart. For tests and single-process development. */
export class MemoryUsedLinkStore implements UsedLinkStore {
  private readonly used = new Set<string>();

  async markUsed(nonce: string): Promise<boolean> {
    const hash = nonceHash(nonce);
    if (this.used.has(hash)) return false;
    this.used.add(hash);
    return true;
  }

  async close(): Promise<void> {}
}

interface UsedLinkLine {
  nonceSha256: string;
  usedAt: string;
  expiresAt?: number;
}

/**
 * A store that survives restarts: an append-only JSON-lines file of nonce hashes, fsynced before `markUsed`
 * resolves `true`. One process per file; replicas of the API need a shared store instead.
 */
export class FileUsedLinkStore implements UsedLinkStore {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly handle: FileHandle,
    private readonly used: Set<string>,
  ) {}

  /** Opens (creating directories and file as needed) and loads the used nonces recorded so far. */
  static async open(path: string): Promise<FileUsedLinkStore> {
    await mkdir(dirname(path), { recursive: true });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const used = new Set<string>();
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      let entry: Partial<UsedLinkLine> | undefined;
      try {
        entry = JSON.parse(line) as Partial<UsedLinkLine>;
      } catch {
        // A crash mid-append leaves at most a torn last line; that write never reported success.
        if (index === lines.length - 1) return;
      }
      if (typeof entry?.nonceSha256 !== 'string') {
        throw new Error(
          `${path}:${index + 1}: not a used-link record (expected {"nonceSha256": ...}); repair or move the file`,
        );
      }
      used.add(entry.nonceSha256);
    });
    const handle = await open(path, 'a');
    // Drop a torn last line so the next record starts on a line of its own.
    if (!text.endsWith('\n')) await handle.truncate(Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    return new FileUsedLinkStore(handle, used);
  }

  async markUsed(nonce: string, expiresAt?: number): Promise<boolean> {
    const hash = nonceHash(nonce);
    // Check-and-add happens synchronously, before any await, so concurrent callers cannot both win.
    if (this.used.has(hash)) return false;
    this.used.add(hash);
    const line: UsedLinkLine = { nonceSha256: hash, usedAt: new Date().toISOString(), expiresAt };
    const write = this.writes.then(async () => {
      await this.handle.write(`${JSON.stringify(line)}\n`);
      await this.handle.sync();
    });
    this.writes = write.catch(() => undefined);
    try {
      await write;
    } catch (error) {
      this.used.delete(hash);
      throw error;
    }
    return true;
  }

  async close(): Promise<void> {
    await this.writes;
    await this.handle.close();
  }
}
