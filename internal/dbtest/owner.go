package dbtest

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"supportd/internal/store"
)

// owners caches one owner pool per test and database.
var owners struct {
	mu    sync.Mutex
	pools map[ownerKey]*pgxpool.Pool
}

type ownerKey struct {
	t  testing.TB
	db string
}

// Owner returns a pool on s's database connected as the owner role, which
// row-level security does not bind, closed when t ends. Tests inspect and
// arrange rows of every tenant with it (counting what a deletion left,
// ageing turns); the code under test never uses it.
func Owner(t testing.TB, s *store.Store) *pgxpool.Pool {
	t.Helper()
	db := s.Pool().Config().ConnConfig.Database
	owners.mu.Lock()
	defer owners.mu.Unlock()
	key := ownerKey{t, db}
	if p, ok := owners.pools[key]; ok {
		return p
	}
	cfg, err := pgxpool.ParseConfig(withDB(BaseURL(), db))
	if err != nil {
		t.Fatalf("dbtest: owner URL: %v", err)
	}
	cfg.AfterConnect = pgxvec.RegisterTypes
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("dbtest: connect as the owner: %v", err)
	}
	if owners.pools == nil {
		owners.pools = map[ownerKey]*pgxpool.Pool{}
	}
	owners.pools[key] = p
	t.Cleanup(func() {
		owners.mu.Lock()
		delete(owners.pools, key)
		owners.mu.Unlock()
		p.Close()
	})
	return p
}
