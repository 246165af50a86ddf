import type { RunEvent } from "../core/events";

/**
 * The RunObject's SQLite schema and every statement it runs. Rows are JSON documents keyed by id,
 * with the few columns queries filter on broken out. Multi-row writes pass one JSON array through
 * `json_each(?)`, so a fact's writes are a handful of statements whatever their row count, and no
 * statement binds more than a few parameters (Durable Object SQLite allows 100).
 */

const SCHEMA_VERSION = 1;

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
];

/** Row documents above this many characters move to blob parts (SQLite rows hold at most 2 MB). */
const MAX_ROW_CHARS = 256 * 1024;

/** SQLite rows hold at most 2 MB; larger documents are split into parts of this many characters. */
const BLOB_PART_CHARS = 512 * 1024;

export interface StoredRow {
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
    return row ? (JSON.parse(row.v) as T) : undefined;
  }

  setMeta(k: string, value: unknown): void {
    this.writes++;
    this.sql.exec(`INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)`, k, JSON.stringify(value));
  }

  upsert(table: "tasks" | "dataflows", rows: StoredRow[]): void {
    if (rows.length === 0) return;
    const keyCol = table === "tasks" ? "key" : "id";
    const docs = rows.map((r) => {
      const state = JSON.stringify(r.state);
      if (state.length <= MAX_ROW_CHARS) return `[${JSON.stringify(r.key)},${JSON.stringify(r.status)},${state}]`;
      // A row with a large value (a big task output) keeps the value in blob parts.
      const name = `${table}:${r.key}`;
      this.putBlob(name, state);
      return JSON.stringify([r.key, r.status, { $blob: name }]);
    });
    for (const chunk of chunkByChars(docs)) {
      this.writes++;
      this.sql.exec(
        `INSERT OR REPLACE INTO ${table} (${keyCol}, status, state)
         SELECT value ->> 0, value ->> 1, json(value -> 2) FROM json_each(?)`,
        `[${chunk.join(",")}]`,
      );
    }
  }

  all<T>(table: "tasks" | "dataflows"): T[] {
    return this.sql
      .exec<{ state: string }>(`SELECT state FROM ${table}`)
      .toArray()
      .map((r) => {
        const state = JSON.parse(r.state) as T | { $blob: string };
        if (state && typeof state === "object" && "$blob" in state) return JSON.parse(this.getBlob(state.$blob) ?? "null") as T;
        return state as T;
      });
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

  /** Events with seq > after, in order, at most `limit`. */
  events(after: number, limit: number): RunEvent[] {
    return this.sql
      .exec<{ event: string }>(`SELECT event FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
      .toArray()
      .map((r) => JSON.parse(r.event) as RunEvent);
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

/** Groups JSON documents so each joined group stays well under SQLite's 2 MB string limit. */
function chunkByChars(docs: string[], maxChars = 1_000_000): string[][] {
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
