/**
 * The one thing records/ asks of a database: parameterised queries returning rows, a transaction,
 * and close. PGlite and PostgreSQL both implement it, so the domain code speaks one SQL dialect.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements without parameters (migration files). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel`: `onNotify` gets the payload of every NOTIFY committed on it, by any
   * session (PostgreSQL: any process). `onReconnect` runs after a lost connection is back, when
   * notifications sent meanwhile were missed. Resolves to the unsubscribe.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** SQLSTATE of a database error (both drivers put it on `code`), or undefined. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
