package dbtest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/store"
)

// Seed is what many tests of one binary start from, such as a knowledge
// base with a corpus ingested. The first database made from a seed runs
// Fill once into a template of the test binary's own; every database after
// it is a clone of that template, which copies files instead of filling
// again.
type Seed struct {
	// Name tells the binary's seeds apart: lower-case letters, digits and
	// underscores, at most 20 of them.
	Name string
	// Fill fills the freshly migrated database at dbURL and closes every
	// connection it opened before it returns. It runs once per binary.
	Fill func(ctx context.Context, dbURL string) error
}

// seedPrefix starts the name of every seed template, followed by the Unix
// time it was made at, so that templates left by a binary that died can be
// recognised by age.
const seedPrefix = "supportd_seed_"

// seedMaxAge is how old a seed template must be before another binary
// drops it as left behind: far longer than any test binary runs.
const seedMaxAge = 3 * time.Hour

var seedName = regexp.MustCompile(`^[a-z0-9_]{1,20}$`)

// seeds holds the templates this binary made, by seed name.
var seeds struct {
	mu    sync.Mutex
	built map[string]*seeded
}

type seeded struct {
	once sync.Once
	name string
	err  error
}

// NewURLFrom creates a database for t that starts as seed's template, drops
// it when t ends, and returns its URL.
func NewURLFrom(t testing.TB, seed Seed) string {
	t.Helper()
	tmpl, err := seedTemplate(seed)
	if err != nil {
		t.Fatalf("dbtest: prepare seed %q: %v", seed.Name, err)
	}
	return cloneURL(t, tmpl)
}

// NewFrom returns a store on a database that starts as seed's template,
// closed and dropped when t ends.
func NewFrom(t testing.TB, seed Seed) *store.Store {
	t.Helper()
	return open(t, NewURLFrom(t, seed))
}

// Exit drops the seed templates this binary made and exits with code. A
// package whose tests use seeds passes it to goleak.Cleanup in TestMain
// (or calls it there with m.Run's result). A binary that dies leaves its
// templates behind; the next one to make a seed drops them once they are
// seedMaxAge old.
func Exit(code int) {
	seeds.mu.Lock()
	var names []string
	for _, s := range seeds.built {
		if s.err == nil && s.name != "" {
			names = append(names, s.name)
		}
	}
	seeds.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, name := range names {
		if err := adminExec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: drop seed template %s: %v\n", name, err)
		}
	}
	os.Exit(code)
}

// seedTemplate returns the binary's template for seed, making it on first
// use.
func seedTemplate(seed Seed) (string, error) {
	if !seedName.MatchString(seed.Name) || seed.Fill == nil {
		return "", fmt.Errorf("a seed needs a name of [a-z0-9_]{1,20} and a Fill, got %q", seed.Name)
	}
	seeds.mu.Lock()
	if seeds.built == nil {
		seeds.built = map[string]*seeded{}
	}
	s, ok := seeds.built[seed.Name]
	if !ok {
		s = &seeded{}
		seeds.built[seed.Name] = s
	}
	seeds.mu.Unlock()
	s.once.Do(func() { s.name, s.err = makeSeed(seed) })
	return s.name, s.err
}

// makeSeed clones the migrated template and fills the clone.
func makeSeed(seed Seed) (string, error) {
	base, err := template()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dropAbandonedSeeds(ctx)
	name := fmt.Sprintf("%s%d_%s_%s", seedPrefix, time.Now().Unix(), randomHex(4), seed.Name)
	if err := adminExec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, base)); err != nil {
		return "", err
	}
	if err := seed.Fill(ctx, withDB(BaseURL(), name)); err != nil {
		_ = adminExec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
		return "", fmt.Errorf("fill: %w", err)
	}
	return name, nil
}

// dropAbandonedSeeds drops seed templates older than seedMaxAge: what test
// binaries that died left behind. It is best effort.
func dropAbandonedSeeds(ctx context.Context) {
	conn, err := pgx.Connect(ctx, withDB(BaseURL(), "postgres"))
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, seedPrefix)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range names {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(name, seedPrefix), "_")
		made, err := strconv.ParseInt(stamp, 10, 64)
		if err == nil && time.Since(time.Unix(made, 0)) > seedMaxAge {
			_, _ = conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
		}
	}
}
