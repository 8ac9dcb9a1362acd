package scale

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Database is one database of the run, reached as the application role
// (what supportd serve uses) and as its owner (migrations and the counts
// the harness reads across tenants).
type Database struct {
	AppURL, OwnerURL string
}

// withDB returns u naming database name instead.
func withDB(u, name string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	p.Path = "/" + name
	return p.String(), nil
}

// CreateDatabase creates database name from template on the server of
// base (both URLs name some database on it) and returns the database with
// a function that drops it.
func CreateDatabase(ctx context.Context, base Database, name, template string) (Database, func(), error) {
	admin, err := withDB(base.OwnerURL, "postgres")
	if err != nil {
		return Database{}, nil, err
	}
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		for {
			_, err := conn.Exec(ctx, sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "55006" { // template in use: wait for it
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	if err := exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, pgx.Identifier{name}.Sanitize(),
		pgx.Identifier{template}.Sanitize())); err != nil {
		return Database{}, nil, fmt.Errorf("create database %s: %w", name, err)
	}
	db := Database{}
	if db.AppURL, err = withDB(base.AppURL, name); err != nil {
		return Database{}, nil, err
	}
	db.OwnerURL, _ = withDB(base.OwnerURL, name)
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, pgx.Identifier{name}.Sanitize()))
	}
	return db, drop, nil
}

// query runs fn on a connection to db as its owner, who sees every
// tenant's rows.
func (db Database) query(ctx context.Context, fn func(conn *pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return fn(conn)
}

// StoredTurns counts the turns stored, and how many of ids are among them.
func (db Database) StoredTurns(ctx context.Context, ids []int64) (stored, matched int, err error) {
	err = db.query(ctx, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE id = ANY ($1)) FROM turns`, ids).
			Scan(&stored, &matched)
	})
	return stored, matched, err
}

// TokensToday is what client has spent today by the usage table the
// budget is enforced from.
func (db Database) TokensToday(ctx context.Context, client string) (int64, error) {
	var n int64
	err := db.query(ctx, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT coalesce(sum(tokens), 0) FROM usage_daily
			WHERE client_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date`, client).Scan(&n)
	})
	return n, err
}

// JobRun is one River job of a kind.
type JobRun struct {
	Created time.Time
	State   string
	Attempt int
}

// JobRuns lists the jobs of kind, oldest first.
func (db Database) JobRuns(ctx context.Context, kind string) ([]JobRun, error) {
	var runs []JobRun
	err := db.query(ctx, func(conn *pgx.Conn) error {
		rows, _ := conn.Query(ctx, `SELECT created_at, state::text, attempt FROM river_job WHERE kind = $1 ORDER BY created_at`, kind)
		var err error
		runs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (JobRun, error) {
			var j JobRun
			return j, r.Scan(&j.Created, &j.State, &j.Attempt)
		})
		return err
	})
	return runs, err
}
