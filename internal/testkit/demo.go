package testkit

import (
	"context"
	"fmt"
	"testing"

	"supportd/internal/dbtest"
	"supportd/internal/store"
)

// DemoKB is the knowledge base NewDemo's database holds.
const DemoKB = "demo"

// demoSeed fills a database with the demo corpus, synced into knowledge
// base DemoKB by the same wiring a kit has, so that a clone equals a fresh
// kit after Ingest of DemoCorpus.
func demoSeed() dbtest.Seed {
	return dbtest.Seed{Name: "demo", Fill: func(ctx context.Context, dbURL string) error {
		st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 2})
		if err != nil {
			return err
		}
		defer st.Close()
		a, err := wire(st, Options{}, nil)
		if err != nil {
			return err
		}
		defer a.Close()
		_, rep, err := ingestInto(a, DemoKB, false, DemoCorpus())
		if err == nil && rep.Counts["failed"] > 0 {
			err = fmt.Errorf("%d demo files failed to ingest", rep.Counts["failed"])
		}
		return err
	}}
}

// DemoURL creates a database for t that holds the demo corpus like
// NewDemo's, drops it when t ends, and returns its URL, for tests that
// open the store themselves.
func DemoURL(t testing.TB) string {
	t.Helper()
	return dbtest.NewURLFrom(t, demoSeed())
}

// NewDemo wires a kit with options over a fresh database that already
// holds the demo corpus in knowledge base DemoKB, as NewWith followed by
// Ingest of DemoCorpus would, but cloned from a template that the test
// binary fills once. Packages that use it end their TestMain with
// dbtest.Exit.
func NewDemo(t testing.TB, o Options) (*Kit, store.KB) {
	t.Helper()
	k := WireWith(t, dbtest.NewFrom(t, demoSeed()), o)
	kb, err := k.Store.KB(context.Background(), Tenant, DemoKB)
	if err != nil {
		t.Fatalf("testkit: demo knowledge base: %v", err)
	}
	return k, kb
}
