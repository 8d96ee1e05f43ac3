package db

import "database/sql"

// WriteSQL is the pool that writes go through (SQLite's single writer
// connection, PostgreSQL's pool). The job queue (River) runs on it, so that
// a job is inserted in the same transaction as the change that causes it.
func (d *DB) WriteSQL() *sql.DB { return d.write }

// SQL is the transaction under t, for libraries that take a *sql.Tx.
func (t *Tx) SQL() *sql.Tx { return t.tx }
