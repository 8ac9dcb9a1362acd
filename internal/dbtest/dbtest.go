package dbtest

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"supportd/internal/jobs"
	"supportd/internal/store"
	"supportd/migrations"
)

// DefaultURL is where scripts/db.sh provisions the database, as the role
// that owns it (and creates the test databases).
const DefaultURL = "postgres://supportd:supportd@127.0.0.1:5432/supportd?sslmode=disable"

// DefaultAppUser and DefaultAppPassword are the application role that
// scripts/db.sh provisions: the role tests connect as, so that row-level
// security binds them as it binds serve.
const (
	DefaultAppUser     = "supportd_app"
	DefaultAppPassword = "supportd_app"
)

// templateOnce guards the one migration of the template per test binary.
var templateOnce struct {
	sync.Once
	name string
	err  error
}

// BaseURL returns the owner's URL: SUPPORTD_DATABASE_OWNER_URL, else
// DATABASE_URL, else DefaultURL. Databases are created and migrated as
// this role.
func BaseURL() string {
	return cmp.Or(os.Getenv("SUPPORTD_DATABASE_OWNER_URL"), os.Getenv("DATABASE_URL"), DefaultURL)
}

// appUser returns the application role's credentials: DATABASE_URL's when
// SUPPORTD_DATABASE_OWNER_URL names the owner separately, otherwise the
// provisioned DefaultAppUser.
func appUser() *url.Userinfo {
	if os.Getenv("SUPPORTD_DATABASE_OWNER_URL") != "" {
		if u, err := url.Parse(os.Getenv("DATABASE_URL")); err == nil && u.User != nil {
			return u.User
		}
	}
	return url.UserPassword(DefaultAppUser, DefaultAppPassword)
}

// AppURL returns dbURL connecting as the application role.
func AppURL(dbURL string) string { return withUser(dbURL, appUser()) }

// OwnerURL returns dbURL connecting as the owner role, for tests of what
// only the owner does (migrations).
func OwnerURL(dbURL string) string {
	base, err := url.Parse(BaseURL())
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad database URL: %v", err))
	}
	return withUser(dbURL, base.User)
}

func withUser(dbURL string, user *url.Userinfo) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad database URL: %v", err))
	}
	u.User = user
	return u.String()
}

// withDB returns base with its database name replaced.
func withDB(base, db string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad DATABASE_URL: %v", err))
	}
	u.Path = "/" + db
	return u.String()
}

func baseName(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad DATABASE_URL: %v", err))
	}
	return strings.TrimPrefix(u.Path, "/")
}

// NewURL creates a fresh migrated database for t, drops it when t ends, and
// returns its URL, which connects as the application role.
func NewURL(t testing.TB) string {
	t.Helper()
	tmpl, err := template()
	if err != nil {
		t.Fatalf("dbtest: prepare template database: %v", err)
	}
	return cloneURL(t, tmpl)
}

// NewEmptyURL creates a database with pgvector but no schema (what
// provisioning gives a fresh install) for t, drops it when t ends, and
// returns its URL as the application role (OwnerURL migrates it).
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	return cloneURL(t, baseName(BaseURL())+"_test")
}

// cloneURL creates a database for t from the template tmpl, drops it when
// t ends, and returns its URL as the application role.
func cloneURL(t testing.TB, tmpl string) string {
	t.Helper()
	name := "supportd_t_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tmpl)); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Errorf("dbtest: drop database %s: %v", name, err)
		}
	})
	return AppURL(withDB(BaseURL(), name))
}

// New returns a store on a fresh migrated database, as the application
// role, closed and dropped when t ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	return open(t, NewURL(t))
}

// open returns a store on dbURL, closed when t ends.
func open(t testing.TB, dbURL string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Params{URL: dbURL, MaxConns: 4})
	if err != nil {
		t.Fatalf("dbtest: open store: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// template returns the name of the migrated template database for the
// current migration files, creating it under a server-wide advisory lock
// when no test binary has done so yet.
func template() (string, error) {
	templateOnce.Do(func() {
		templateOnce.name, templateOnce.err = ensureTemplate()
	})
	return templateOnce.name, templateOnce.err
}

func ensureTemplate() (string, error) {
	hash, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "supportd_tmpl_" + hash
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, withDB(BaseURL(), "postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7312)`); err != nil {
		return "", err
	}
	// Closing the connection (deferred above) releases the session lock.
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil || exists {
		return name, err
	}
	building := name + "_wip"
	for _, q := range []string{
		fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building),
		fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s_test`, building, baseName(BaseURL())),
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return "", err
		}
	}
	s, err := store.Open(ctx, store.Params{URL: withDB(BaseURL(), building), MaxConns: 2})
	if err != nil {
		return "", err
	}
	_, err = s.Migrate(ctx)
	if err == nil {
		err = jobs.Migrate(ctx, s.Pool())
	}
	if err == nil {
		err = s.GrantApp(ctx, appUser().Username())
	}
	s.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	_, err = conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name))
	return name, err
}

// adminExec runs a statement from the server's maintenance database,
// retrying while a template is briefly in use by another session.
func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, withDB(BaseURL(), "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for {
		_, err := conn.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func migrationsHash() (string, error) {
	h := sha256.New()
	// The template also holds River's tables: name them in the hash.
	h.Write([]byte("river " + riverVersion()))
	// And the grants to the application role.
	h.Write([]byte("app " + appUser().Username()))
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// riverVersion names the River release whose migrations the template has,
// so upgrading River rebuilds the template.
func riverVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range info.Deps {
		if d.Path == "github.com/riverqueue/river" {
			return d.Version
		}
	}
	return ""
}
