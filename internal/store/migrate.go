package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"supportd/migrations"
)

// provider builds a goose provider over the pool. A session advisory lock
// makes concurrent migrators (several replicas, parallel test packages) take
// turns instead of racing.
func (s *Store) provider() (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("create migration lock: %w", err)
	}
	db := stdlib.OpenDBFromPool(s.pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration and returns the resulting version.
func (s *Store) Migrate(ctx context.Context) (int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, err
	}
	defer p.Close()
	if _, err := p.Up(ctx); err != nil {
		return 0, translate(err, "apply migrations")
	}
	v, err := p.GetDBVersion(ctx)
	return v, translate(err, "read migration version")
}

// MigrationState reports the database's schema version and the newest one
// this binary knows.
func (s *Store) MigrationState(ctx context.Context) (current, target int64, err error) {
	p, err := s.provider()
	if err != nil {
		return 0, 0, err
	}
	defer p.Close()
	// Goose creates its version table when it is missing, which the
	// application role may not: a database without one is at version 0.
	var migrated bool
	if err := s.db.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&migrated); err != nil {
		return 0, 0, translate(err, "read migration versions")
	}
	if !migrated {
		if sources := p.ListSources(); len(sources) > 0 {
			target = sources[len(sources)-1].Version
		}
		return 0, target, nil
	}
	current, target, err = p.GetVersions(ctx)
	return current, target, translate(err, "read migration versions")
}

// GrantApp gives the application role what serve needs and no more: rows
// of every table (row-level security decides which), the sequences, the
// owner's narrow functions of migration 00020, and read-only access to the
// migration history. Run it as the owner after Migrate and River's
// migrations, so tables they created are covered; it is idempotent. A role
// that is the current user is left alone (one role for everything: then
// nothing enforces the policies, see RowSecurity).
func (s *Store) GrantApp(ctx context.Context, role string) error {
	var self bool
	if err := s.db.QueryRow(ctx, `SELECT current_user = $1`, role).Scan(&self); err != nil || self {
		return translate(err, "grant the application role")
	}
	r := pgx.Identifier{role}.Sanitize()
	for _, stmt := range []string{
		`GRANT USAGE ON SCHEMA public TO ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + r,
		`REVOKE INSERT, UPDATE, DELETE ON goose_db_version FROM ` + r,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + r,
		`GRANT EXECUTE ON FUNCTION api_key_tenant(text), console_session_tenant(bytea), widget_origin_allowed(text),
			create_vector_index(bigint), drop_vector_index(bigint), analyze_chunks(), analyze_bm25() TO ` + r,
	} {
		if _, err := s.db.Exec(ctx, stmt); err != nil {
			return translate(err, "grant the application role")
		}
	}
	return nil
}

// RowSecurity reports whether the connected role is bound by row-level
// security: not a superuser, without BYPASSRLS, and not the owner of the
// tenant-scoped tables (owners are exempt without FORCE ROW LEVEL
// SECURITY). It names the role for messages.
func (s *Store) RowSecurity(ctx context.Context) (enforced bool, role string, err error) {
	err = s.db.QueryRow(ctx, `SELECT NOT (r.rolsuper OR r.rolbypassrls OR pg_has_role(r.oid, c.relowner, 'USAGE')), r.rolname
		FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'turns'::regclass`).Scan(&enforced, &role)
	return enforced, role, translate(err, "read row-level security")
}
