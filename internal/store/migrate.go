package store

import (
	"context"
	"fmt"

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
	current, target, err = p.GetVersions(ctx)
	return current, target, translate(err, "read migration versions")
}
