import { close, fdatasync, fsync, open } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const openFile = promisify(open);
const closeFile = promisify(close);

/** Flushes what was written to a file onto the disk. */
export type SyncFile = (fd: number) => Promise<void>;

/** fdatasync on libuv's thread pool: the event loop goes on while the disk works. */
export const syncOffTheLoop: SyncFile = promisify(fdatasync);

const syncDirectory: SyncFile = promisify(fsync);

/** A sync failed: the disk may have dropped what it was given, so nothing written since can be called durable. */
export class WalSyncFailed extends Error {
  // The driver's prefix, so the dialect reads it as the database being unavailable.
  readonly code = 'SQLITE_IOERR_FSYNC';
}

/**
 * Group sync of an SQLite write-ahead log, away from the event loop.
 *
 * The writer commits with `synchronous = NORMAL`: COMMIT appends the transaction's frames to the log (the
 * operating system has them, so a killed process loses nothing) and returns without syncing. Before anyone
 * is told of a commit, `durable()` waits for an fdatasync of the log that started after the commit
 * returned; one sync covers every commit made before it started, however many, and runs on the thread
 * pool while the event loop serves HTTP and runs the next transaction. On a power cut the log ends at a
 * commit (SQLite checks every frame's checksum), and every commit someone was told of is before that end:
 * what `synchronous = FULL` promises, without the event loop waiting for the disk once per commit.
 *
 * A failed sync is final: after a failed fsync the kernel may have dropped the pages it could not write, so a
 * later sync that succeeds proves nothing. Every wait from then on rejects, and the process must restart.
 */
export class WalSync {
  /** Commits made so far, counted as they return. */
  private written = 0;
  /** Commits known to be on disk. */
  private synced = 0;
  private syncing: Promise<void> | null = null;
  private failure: WalSyncFailed | null = null;
  private fd: number | null = null;

  constructor(
    /** The database file; its log is the same path with `-wal` after it. */
    private readonly location: string,
    private readonly syncFile: SyncFile = syncOffTheLoop,
  ) {}

  /** A commit, or a write outside a transaction, has returned: its frames are in the log, perhaps not on disk yet. */
  wrote(): void {
    this.written += 1;
  }

  /** Resolves once every commit made before this call is on disk; rejects once a sync has failed. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.synced >= this.written) return Promise.resolve();
    return this.syncThrough(this.written);
  }

  /** Closes the log's file descriptor (the database connection stays the owner of the file). */
  async close(): Promise<void> {
    await this.syncing?.catch(() => undefined);
    if (this.fd !== null) await closeFile(this.fd);
    this.fd = null;
  }

  private async syncThrough(target: number): Promise<void> {
    while (this.synced < target) {
      // A sync under way may have started before this commit returned: wait for it, then look again.
      this.syncing ??= this.syncOnce().finally(() => {
        this.syncing = null;
      });
      await this.syncing;
    }
  }

  private async syncOnce(): Promise<void> {
    if (this.failure) throw this.failure;
    // Every commit counted so far has had its frames written: this sync covers them all.
    const covered = this.written;
    try {
      await this.syncFile(await this.logFd());
    } catch (error) {
      this.failure = new WalSyncFailed(`syncing the SQLite log ${this.location}-wal failed`, { cause: error });
      throw this.failure;
    }
    this.synced = Math.max(this.synced, covered);
  }

  /**
   * The log, opened at the first sync. The connection keeps it open, so it is never replaced: SQLite deletes
   * it only when the last connection closes, and restarts it in place after a checkpoint. The directory is
   * synced once too, so the entries of the log and the database file outlive a power cut.
   */
  private async logFd(): Promise<number> {
    if (this.fd !== null) return this.fd;
    const directory = await openFile(dirname(this.location), 'r');
    try {
      await syncDirectory(directory);
    } finally {
      await closeFile(directory);
    }
    this.fd ??= await openFile(`${this.location}-wal`, 'r');
    return this.fd;
  }
}
