package store

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// setTenant names the tenant whose rows the current transaction may see
// and write: the row-level security policies (migration 00020) compare
// every tenant-scoped row with it. It is transaction-local, so it never
// outlives the transaction on a pooled connection.
const setTenant = `SELECT set_config('app.tenant_id', $1, true)`

// as returns s's executor scoped to tenant: every statement it runs, and
// every transaction it begins, has app.tenant_id set to tenant. It costs
// no extra round trip: a lone statement goes out pipelined behind the
// set_config in one batch (one implicit transaction), and a transaction on
// the pool is begun by one simple query that also sets the tenant.
//
// Inside a transaction the setting is repeated per statement, so one
// transaction may write for several tenants in turn: a writer that commits
// the turns of many tenants together sets each group's tenant before its
// statements (a batch per tenant group: set_config, then the group's
// rows).
func (s *Store) as(tenant string) querier {
	return scoped{db: s.db, set: setTenant, arg: tenant, rewrite: s.rewrite}
}

// asKeyOwner is as for the tenant that owns API key id, found by the
// owner's api_key_tenant (migration 00020): authentication reads a key
// before it knows the tenant. An unknown id sets no tenant and sees nothing.
func (s *Store) asKeyOwner(id string) querier {
	return scoped{db: s.db, set: `SELECT set_config('app.tenant_id', coalesce(api_key_tenant($1), ''), true)`, arg: id, rewrite: s.rewrite}
}

// asSessionOwner is as for the tenant of the console session whose token
// hashes to sum, found by the owner's console_session_tenant.
func (s *Store) asSessionOwner(sum []byte) querier {
	return scoped{db: s.db, set: `SELECT set_config('app.tenant_id', coalesce(console_session_tenant($1), ''), true)`, arg: sum, rewrite: s.rewrite}
}

// scoped is a querier whose statements run after set, which sets
// app.tenant_id from its one argument arg. rewrite is Params.RewriteSQL.
type scoped struct {
	db      querier
	set     string
	arg     any
	rewrite func(string) string
}

// send queues set_config and sql in one batch and reads set_config's
// result; the caller reads sql's and closes the batch.
func (q scoped) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	if q.rewrite != nil {
		sql = q.rewrite(sql)
	}
	b.Queue(q.set, q.arg)
	b.Queue(sql, args...)
	br := q.db.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

func (q scoped) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := q.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, cmp.Or(err, br.Close())
}

func (q scoped) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := q.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (q scoped) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := q.Query(ctx, sql, args...)
	return batchRow{rows: rows, err: err}
}

func (q scoped) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	// Rare outside the store's own use above; the tenant goes first in the
	// same batch, and the caller skips nothing: its results follow it.
	scopedBatch := &pgx.Batch{QueuedQueries: append([]*pgx.QueuedQuery{{SQL: q.set, Arguments: []any{q.arg}}}, b.QueuedQueries...)}
	br := q.db.SendBatch(ctx, scopedBatch)
	if _, err := br.Exec(); err != nil {
		return errBatch{BatchResults: br, err: err}
	}
	return br
}

func (q scoped) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var err error
		n, err = tx.CopyFrom(ctx, table, columns, src)
		return err
	})
	return n, err
}

// Begin starts a transaction with the tenant set. On the pool, BEGIN and
// set_config go out as one simple-protocol query (one round trip), which
// takes no parameters, so the tenant is quoted as a literal; inside a
// transaction, the savepoint is followed by set_config.
func (q scoped) Begin(ctx context.Context) (pgx.Tx, error) {
	if pool, ok := q.db.(*pgxpool.Pool); ok && q.set == setTenant {
		return pool.BeginTx(ctx, pgx.TxOptions{
			BeginQuery: "BEGIN; SELECT set_config('app.tenant_id', " + quoteLiteral(q.arg.(string)) + ", true)",
		})
	}
	tx, err := q.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, q.set, q.arg); err != nil {
		_ = tx.Rollback(ctx)
		return nil, err
	}
	return tx, nil
}

// quoteLiteral quotes s as an SQL string literal for a server with
// standard_conforming_strings on (pgx requires it), where a doubled quote
// is the only escape. NUL cannot occur in a text value and is dropped.
func quoteLiteral(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// batchRows closes its batch with its rows, which returns a pooled
// connection and ends the batch's implicit transaction.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

// Next closes the batch after the last row, as pgx closes its rows, so a
// caller that reads to the end without Close still frees the connection.
func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Err() error { return cmp.Or(r.Rows.Err(), r.err) }

// batchRow is QueryRow's result over batchRows.
type batchRow struct {
	rows pgx.Rows
	err  error
}

func (r batchRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		r.rows.Close()
		return cmp.Or(r.rows.Err(), pgx.ErrNoRows)
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// errBatch reports a failed set_config on every read of the batch.
type errBatch struct {
	pgx.BatchResults
	err error
}

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return batchRow{err: b.err} }
func (b errBatch) Close() error                     { return cmp.Or(b.BatchResults.Close(), b.err) }

// eachTenant runs fn once per tenant, each in its own tenant-scoped
// executor, for maintenance that spans tenants (retention, stale runs):
// the application role sees no tenant's rows without naming it.
func (s *Store) eachTenant(ctx context.Context, what string, fn func(tenant string, q querier) error) error {
	rows, err := s.db.Query(ctx, `SELECT id FROM tenants ORDER BY id`)
	if err != nil {
		return translate(err, what)
	}
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return translate(err, what)
	}
	for _, t := range tenants {
		if err := fn(t, s.as(t)); err != nil {
			return translate(err, fmt.Sprintf("%s for tenant %s", what, t))
		}
	}
	return nil
}
