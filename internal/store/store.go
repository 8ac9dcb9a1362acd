package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// querier is what both the pool and a transaction offer, so that one
// operation can run alone or inside a larger transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	// SendBatch sends queries in one round trip; outside a transaction
	// they run in one implicit transaction.
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	// Begin starts a transaction, or a savepoint inside one.
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store is the PostgreSQL-backed system of record. Every method runs on
// db: the pool, or in a Store that InTx hands out, one transaction.
type Store struct {
	pool    *pgxpool.Pool
	db      querier
	replica *replica // nil without Params.ReadURL
	rewrite func(sql string) string
	changes *changes // this process's own changes, told to OnChange
}

// Params configures Open.
type Params struct {
	URL      string
	MaxConns int32 // default 10
	// EfSearch is HNSW's candidate list size at query time (pgvector's
	// hnsw.ef_search); larger is slower and more exact. Default 100.
	EfSearch int
	// ConnectTimeout bounds each new connection. Default 5 s.
	ConnectTimeout time.Duration
	// Tracer, when set, sees every query (tests count them with it).
	Tracer pgx.QueryTracer
	// RewriteSQL, when set, rewrites the SQL of every lone tenant-scoped
	// statement before it is sent. It is fault injection for tests (the
	// row-level security test drops the tenant_id filters, as a buggy
	// query would); production leaves it nil.
	RewriteSQL func(sql string) string
	// ReadURL, when set, is a streaming read replica of URL. Reads that
	// tolerate replication lag (retrieval, read-only listings) go to it
	// while it answers and trails by at most ReadMaxLag (default 5 s),
	// checked every ReadCheckEvery (default 1 s); otherwise, and for
	// everything that must read its own writes, the primary.
	ReadURL        string
	ReadMaxLag     time.Duration
	ReadCheckEvery time.Duration
}

// Open connects a pool, registers pgvector's types on every connection and
// checks that the server answers.
func Open(ctx context.Context, p Params) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(p.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	configure := func(cfg *pgxpool.Config) {
		cfg.MaxConns = cmp.Or(p.MaxConns, 10)
		cfg.ConnConfig.ConnectTimeout = cmp.Or(p.ConnectTimeout, 5*time.Second)
		cfg.ConnConfig.Tracer = p.Tracer
		efSearch := cmp.Or(p.EfSearch, 100)
		cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			// Iterative scans keep HNSW results complete when the knowledge
			// base filter removes most of what the index returns first.
			if _, err := conn.Exec(ctx, fmt.Sprintf(
				"SET hnsw.ef_search = %d; SET hnsw.iterative_scan = relaxed_order", efSearch)); err != nil {
				return fmt.Errorf("set hnsw options: %w", err)
			}
			return pgxvec.RegisterTypes(ctx, conn)
		}
	}
	configure(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	s := &Store{pool: pool, db: pool, rewrite: p.RewriteSQL, changes: &changes{}}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if p.ReadURL != "" {
		if s.replica, err = openReplica(ctx, p, configure); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close waits for borrowed connections to return and closes the pools; call
// it on the Store Open returned.
func (s *Store) Close() {
	if s.replica != nil {
		s.replica.close()
	}
	s.pool.Close()
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.db.Exec(ctx, "SELECT 1"); err != nil {
		return translate(err, "ping database")
	}
	return nil
}

// dedicated returns a Store like s on a pool of its own of conns
// connections to the same database, configured as s's and connected
// ahead of use, and the function that closes that pool. Work that must
// not queue behind the shared pool's borrowers runs on it; connecting
// ahead matters because on a saturated machine opening a connection (a
// new Postgres backend) took most of a write's deadline. s must be the
// Store Open returned. settings are server settings for its sessions.
func (s *Store) dedicated(conns int32, settings map[string]string) (*Store, func()) {
	cfg := s.pool.Config()
	cfg.MaxConns, cfg.MinConns, cfg.MinIdleConns = conns, conns, conns
	maps.Copy(cfg.ConnConfig.RuntimeParams, settings)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil { // only for a configuration the shared pool was built from: not expected
		return s, func() {}
	}
	return &Store{pool: pool, db: pool, rewrite: s.rewrite, changes: s.changes}, pool.Close
}

// Pool exposes the pool to packages that share the database through their
// own drivers (migrations, the job queue); it is never a transaction.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// InTx runs fn with a Store whose every method works inside one
// transaction, committed when fn returns nil and rolled back otherwise, so
// that operations which belong together (a change and its audit entry)
// happen together or not at all. Inside it, the methods' own transactions
// become savepoints: a failed one can be caught without losing the rest.
// The Store fn gets is valid only until fn returns. The error is fn's, or
// a coded core.Error when the transaction cannot begin or commit.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	return s.inTx(ctx, "", "transaction", func(tx pgx.Tx) error {
		return fn(&Store{pool: s.pool, db: tx, replica: s.replica, rewrite: s.rewrite, changes: s.changes})
	})
}

// inTx runs fn in a transaction of tenant (a savepoint when s is already
// in one), committing when it returns nil.
func (s *Store) inTx(ctx context.Context, tenant, what string, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, s.as(tenant), fn)
	if err != nil {
		return translate(err, what)
	}
	return nil
}
