import type postgres from 'postgres';

/** The one postgres.js client of the process. */
export type Sql = postgres.Sql;

/** Where a repository function runs its SQL: the client itself, or a transaction of it. */
export type Querier = Sql | postgres.TransactionSql;
