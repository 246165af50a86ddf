import type { RunEvent } from "../core/events";

/**
 * The RunObject's SQLite schema and every statement it runs. Rows are JSON documents keyed by id,
 * with the few columns queries filter on broken out. Multi-row writes pass one JSON array through
 * `json_each(?)`, so a fact's writes are a handful of statements whatever their row count, and no
 * statement binds more than a few parameters (Durable Object SQLite allows 100).
 */

const SCHEMA_VERSION = 2;

const MIGRATIONS: string[][] = [
  [], // version 0: empty object
  [
    `CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS tasks (key TEXT PRIMARY KEY, status TEXT NOT NULL, state TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS dataflows (id TEXT PRIMARY KEY, status TEXT NOT NULL, state TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, event TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS timers (id TEXT PRIMARY KEY, at INTEGER NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS timers_at ON timers (at)`,
    `CREATE TABLE IF NOT EXISTS blobs (name TEXT NOT NULL, part INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (name, part))`,
  ],
  // Version 2: the run row, task rows and dataflow rows in one table, so the rows a turn changed are
  // written by one statement (the tasks and dataflows tables of version 1 are no longer used).
  [`CREATE TABLE IF NOT EXISTS rows (kind TEXT NOT NULL, key TEXT NOT NULL, status TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (kind, key))`],
];

/** What a row of the `rows` table holds: the run, one task (or replica), one dataflow. */
export type RowKind = "run" | "task" | "dataflow";

/*
 * Durable Object SQLite refuses a string, BLOB or row above 2 MB — a bound parameter included —
 * though local workerd does not enforce it. Sizes below are in UTF-16 units (string length), and
 * one unit is at most 3 UTF-8 bytes, so each bound is safe in bytes too.
 */

/** Row documents (and meta values) above this many characters move to blob parts. */
const MAX_ROW_CHARS = 256 * 1024;

/** Larger documents are split into parts of this many characters (≤ 1.5 MB each). */
const BLOB_PART_CHARS = 512 * 1024;

/** A multi-row write's JSON array parameter holds about this many characters at most (≤ 1.8 MB). */
const CHUNK_CHARS = 600_000;

/** Stands in a row or meta value for a document kept in blob parts. */
interface BlobPointer {
  $blob: string;
}

export interface StoredRow {
  kind: RowKind;
  key: string;
  status: string;
  state: unknown;
}

export class RunStore {
  /** Statements executed since the counter was last read (the benchmark reports writes per task). */
  writes = 0;

  constructor(private readonly sql: SqlStorage) {}

  /** Brings the schema up to date. Call inside `blockConcurrencyWhile`. */
  migrate(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    const row = this.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'schema'`).toArray()[0];
    let version = row ? Number(row.v) : 0;
    while (version < SCHEMA_VERSION) {
      version += 1;
      for (const stmt of MIGRATIONS[version]) this.sql.exec(stmt);
    }
    this.sql.exec(`INSERT OR REPLACE INTO meta (k, v) VALUES ('schema', ?)`, String(version));
  }

  getMeta<T>(k: string): T | undefined {
    const row = this.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = ?`, k).toArray()[0];
    return row ? this.unblob<T>(JSON.parse(row.v) as T | BlobPointer) : undefined;
  }

  /** Written once per run (its init); a large value is kept in blob parts, like large rows. */
  setMeta(k: string, value: unknown): void {
    const json = JSON.stringify(value);
    let v = json;
    if (json.length > MAX_ROW_CHARS) {
      const name = `meta:${k}`;
      this.putBlob(name, json);
      v = JSON.stringify({ $blob: name } satisfies BlobPointer);
    }
    this.writes++;
    this.sql.exec(`INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)`, k, v);
  }

  /** Writes rows of every kind in one statement (per ~600K characters of JSON). */
  upsert(rows: StoredRow[]): void {
    if (rows.length === 0) return;
    const docs = rows.map((r) => {
      const state = JSON.stringify(r.state);
      if (state.length <= MAX_ROW_CHARS) return `[${JSON.stringify(r.kind)},${JSON.stringify(r.key)},${JSON.stringify(r.status)},${state}]`;
      // A row with a large value (a big task output, a run holding a large output) keeps it in blob parts.
      const name = `${r.kind}:${r.key}`;
      this.putBlob(name, state);
      return JSON.stringify([r.kind, r.key, r.status, { $blob: name } satisfies BlobPointer]);
    });
    for (const chunk of chunkByChars(docs)) {
      this.writes++;
      this.sql.exec(
        `INSERT OR REPLACE INTO rows (kind, key, status, state)
         SELECT value ->> 0, value ->> 1, value ->> 2, json(value -> 3) FROM json_each(?)`,
        `[${chunk.join(",")}]`,
      );
    }
  }

  all<T>(kind: RowKind): T[] {
    return this.sql
      .exec<{ state: string }>(`SELECT state FROM rows WHERE kind = ?`, kind)
      .toArray()
      .map((r) => this.unblob<T>(JSON.parse(r.state) as T | BlobPointer));
  }

  /** A stored document, or the one its blob pointer leads to. */
  private unblob<T>(doc: T | BlobPointer): T {
    if (doc && typeof doc === "object" && "$blob" in doc) return JSON.parse(this.getBlob(doc.$blob) ?? "null") as T;
    return doc as T;
  }

  appendEvents(events: RunEvent[]): void {
    if (events.length === 0) return;
    for (const chunk of chunkByChars(events.map((e) => JSON.stringify(e)))) {
      this.writes++;
      this.sql.exec(
        `INSERT INTO events (seq, event) SELECT value ->> 'seq', value FROM json_each(?)`,
        `[${chunk.join(",")}]`,
      );
    }
  }

  /**
   * Events with seq > after, in order: at most `limit`, and no more once `maxChars` characters of
   * JSON are read (always at least one event). Rows are read lazily, so a page stops early
   * without loading the rest.
   */
  events(after: number, limit: number, maxChars = Number.POSITIVE_INFINITY): RunEvent[] {
    const out: RunEvent[] = [];
    let chars = 0;
    for (const r of this.sql.exec<{ event: string }>(`SELECT event FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)) {
      if (out.length && chars + r.event.length > maxChars) break;
      chars += r.event.length;
      out.push(JSON.parse(r.event) as RunEvent);
    }
    return out;
  }

  lastSeq(): number {
    const row = this.sql.exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM events`).toArray()[0];
    return row?.s ?? 0;
  }

  setTimers(timers: { id: string; at: number }[]): void {
    if (timers.length === 0) return;
    this.writes++;
    this.sql.exec(
      `INSERT OR REPLACE INTO timers (id, at) SELECT value ->> 'id', value ->> 'at' FROM json_each(?)`,
      JSON.stringify(timers),
    );
  }

  clearTimers(ids: string[]): void {
    if (ids.length === 0) return;
    this.writes++;
    this.sql.exec(`DELETE FROM timers WHERE id IN (SELECT value FROM json_each(?))`, JSON.stringify(ids));
  }

  /** Timers due at or before `now`, earliest first. */
  dueTimers(now: number): { id: string; at: number }[] {
    return this.sql.exec<{ id: string; at: number }>(`SELECT id, at FROM timers WHERE at <= ? ORDER BY at, id`, now).toArray();
  }

  nextTimerAt(): number | undefined {
    const row = this.sql.exec<{ at: number | null }>(`SELECT MIN(at) AS at FROM timers`).toArray()[0];
    return row?.at ?? undefined;
  }

  /** A large document (the graph snapshot, a large value), split across rows. */
  putBlob(name: string, text: string): void {
    this.writes++;
    this.sql.exec(`DELETE FROM blobs WHERE name = ?`, name);
    for (let part = 0, i = 0; i < text.length || part === 0; part++, i += BLOB_PART_CHARS) {
      this.writes++;
      this.sql.exec(`INSERT INTO blobs (name, part, data) VALUES (?, ?, ?)`, name, part, text.slice(i, i + BLOB_PART_CHARS));
    }
  }

  getBlob(name: string): string | undefined {
    const parts = this.sql.exec<{ data: string }>(`SELECT data FROM blobs WHERE name = ? ORDER BY part`, name).toArray();
    return parts.length ? parts.map((p) => p.data).join("") : undefined;
  }
}

/**
 * Groups JSON documents so each joined group stays under SQLite's 2 MB string limit. (It was 1M
 * characters: up to 3 MB of UTF-8 for non-ASCII text.) A single larger document — only an event
 * could be, values above 64 KiB being references — goes alone.
 */
function chunkByChars(docs: string[], maxChars = CHUNK_CHARS): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const d of docs) {
    if (current.length && size + d.length > maxChars) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(d);
    size += d.length + 1;
  }
  if (current.length) chunks.push(current);
  return chunks;
}
