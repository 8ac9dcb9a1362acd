package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

// rlsSetup gives a store as the application role with one knowledge base,
// document and turn for each of the tenants "default" and "acme".
func rlsSetup(t *testing.T) *store.Store {
	t.Helper()
	s := dbtest.New(t)
	ctx := context.Background()
	_, err := dbtest.Owner(t, s).Exec(ctx, `INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`)
	require.NoError(t, err)
	for _, tenant := range []string{"default", "acme"} {
		kb, err := s.EnsureKB(ctx, store.KBParams{Tenant: tenant, Name: "help", Model: "test-4", Dim: 4})
		require.NoError(t, err)
		require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{doc(tenant+".md", tenant, "h", "refund policy of "+tenant)}))
		_, err = s.SaveTurn(ctx, store.TurnWrite{Tenant: tenant, ConversationID: uuid.NewString(), KBID: kb.ID,
			Question: "question of " + tenant, Answer: "a", Mode: core.ModeExtractive})
		require.NoError(t, err)
	}
	return s
}

// requirePgCode fails unless err is a PostgreSQL error with code.
func requirePgCode(t *testing.T, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "want SQLSTATE %s, got %v", code, err)
	require.Equal(t, code, pgErr.Code, pgErr.Message)
}

func TestApplicationRoleIsBoundByRowSecurity(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	on, role, err := s.RowSecurity(context.Background())
	require.NoError(t, err)
	require.True(t, on, "tests must connect as a role row-level security binds, not %s", role)

	owner, err := store.Open(context.Background(), store.Params{URL: dbtest.OwnerURL(dbtest.NewURL(t)), MaxConns: 1})
	require.NoError(t, err)
	defer owner.Close()
	on, _, err = owner.RowSecurity(context.Background())
	require.NoError(t, err)
	require.False(t, on, "the owner is exempt: RowSecurity must tell")
}

// With no tenant set, every tenant-scoped table is empty to the
// application role: a query that forgets both the store's scoping and its
// tenant filter reads nothing.
func TestNoTenantSeesNothing(t *testing.T) {
	t.Parallel()
	s := rlsSetup(t)
	ctx := context.Background()
	for _, table := range []string{"knowledge_bases", "documents", "chunks", "kb_terms", "conversations", "turns"} {
		var n int
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n))
		require.Zero(t, n, table)
		require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n))
		require.Positive(t, n, "%s holds rows the application role must not see", table)
	}
	// An empty setting (what a pooled connection holds after a transaction
	// that set it) is no tenant either.
	var n int
	require.NoError(t, pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', '', true)`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM turns`).Scan(&n)
	}))
	require.Zero(t, n)
}

// With a tenant set, only its rows are visible, and rows of another tenant
// can be neither written nor moved there.
func TestTenantSeesOnlyItsRows(t *testing.T) {
	t.Parallel()
	s := rlsSetup(t)
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', 'acme', true)`)
		require.NoError(t, err)
		rows, err := tx.Query(ctx, `SELECT question FROM turns`)
		require.NoError(t, err)
		questions, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.Equal(t, []string{"question of acme"}, questions)
		var uris []string
		rows, err = tx.Query(ctx, `SELECT source_uri FROM documents`)
		require.NoError(t, err)
		uris, err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.Equal(t, []string{"acme.md"}, uris)

		tag, err := tx.Exec(ctx, `UPDATE turns SET answer = 'changed' WHERE tenant_id = 'default'`)
		require.NoError(t, err)
		require.Zero(t, tag.RowsAffected(), "another tenant's rows cannot be updated")
		_, err = tx.Exec(ctx, `SAVEPOINT s`)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (tenant_id, actor, action) VALUES ('default', 'x', 'forged')`)
		requirePgCode(t, err, "42501")
		_, err = tx.Exec(ctx, `ROLLBACK TO SAVEPOINT s`)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `UPDATE turns SET tenant_id = 'default'`)
		requirePgCode(t, err, "42501")
		return errors.New("roll back")
	})
	require.EqualError(t, err, "roll back")
}

// The application role can neither switch row-level security off nor
// become a role that bypasses it.
func TestApplicationRoleCannotBypassRowSecurity(t *testing.T) {
	t.Parallel()
	s := rlsSetup(t)
	ctx := context.Background()
	for _, stmt := range []string{
		`ALTER TABLE turns DISABLE ROW LEVEL SECURITY`,
		`DROP POLICY tenant_isolation ON turns`,
		`ALTER ROLE current_user BYPASSRLS`,
		`SET ROLE supportd`,
		`CREATE POLICY everything ON turns USING (true)`,
	} {
		_, err := s.Pool().Exec(ctx, stmt)
		require.Error(t, err, stmt)
	}
	// row_security = off makes a query that policies would filter fail
	// rather than return everything.
	conn, err := s.Pool().Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `SET row_security = off`)
	require.NoError(t, err)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM turns`).Scan(&n)
	requirePgCode(t, err, "42501")
	_, err = conn.Exec(ctx, `RESET row_security`)
	require.NoError(t, err)

	// The owner's functions do what they are for and no more: an index
	// only for a knowledge base of the current tenant.
	var other int64
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT id FROM knowledge_bases WHERE tenant_id = 'acme'`).Scan(&other))
	_, err = s.Pool().Exec(ctx, `SELECT create_vector_index($1)`, other)
	requirePgCode(t, err, "42501")
	var tenant *string
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT api_key_tenant('no-such-key')`).Scan(&tenant))
	require.Nil(t, tenant)
}

// The store's own methods keep working across tenants under row-level
// security: each statement carries its tenant.
func TestStoreScopesEveryStatement(t *testing.T) {
	t.Parallel()
	s := rlsSetup(t)
	ctx := context.Background()
	for _, tenant := range []string{"default", "acme"} {
		kb, err := s.KB(ctx, tenant, "help")
		require.NoError(t, err)
		require.Equal(t, tenant, kb.TenantID)
		docs, err := s.Documents(ctx, kb)
		require.NoError(t, err)
		require.Len(t, docs, 1)
		require.Equal(t, tenant+".md", docs[0].SourceURI)
		hits, err := s.Search(ctx, store.SearchParams{KB: kb, Query: "refund", Vector: []float32{1, 0, 0, 0}, Candidates: 10})
		require.NoError(t, err)
		require.Len(t, hits, 1)
	}
	// Maintenance that spans tenants visits each under its own tenant.
	d, err := s.PurgeTurnsOlderThan(ctx, -1)
	require.NoError(t, err)
	require.Equal(t, 2, d.Turns)
	for _, tenant := range []string{"default", "acme"} {
		log, err := s.AuditLog(ctx, tenant, 10)
		require.NoError(t, err)
		require.Equal(t, "retention.purge", log[0].Action, tenant)
	}
}
