package store

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Read targets, as ReadTarget and ReadCounts name them.
const (
	ReadReplica = "replica"
	ReadPrimary = "primary"
)

// replicaLagSQL is how far the replica's replay trails what it has
// received, in seconds: 0 when it has replayed everything (an idle primary
// sends nothing new), null outside recovery (not a replica at all).
const replicaLagSQL = `
SELECT CASE
	WHEN NOT pg_is_in_recovery() THEN NULL
	WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
	ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
END::float8`

// replica routes reads that may be slightly stale (retrieval, read-only
// listings) to a streaming read replica while it is up and within maxLag
// of the primary, and to the primary otherwise. Its state is refreshed by
// check, every interval from a loop Open starts.
type replica struct {
	pool   *pgxpool.Pool
	maxLag time.Duration
	usable atomic.Bool
	reads  [2]atomic.Uint64 // replica, primary
	stop   context.CancelFunc
	done   sync.WaitGroup
}

// openReplica connects the read pool without waiting for the server: a
// replica that is down sends reads to the primary, it does not stop the
// service.
func openReplica(ctx context.Context, p Params, configure func(*pgxpool.Config)) (*replica, error) {
	cfg, err := pgxpool.ParseConfig(p.ReadURL)
	if err != nil {
		return nil, fmt.Errorf("parse read database url: %w", err)
	}
	configure(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create read pool: %w", err)
	}
	r := &replica{pool: pool, maxLag: cmp.Or(p.ReadMaxLag, 5*time.Second)}
	r.check(ctx)
	loop, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	r.done.Add(1)
	go func() {
		defer r.done.Done()
		t := time.NewTicker(cmp.Or(p.ReadCheckEvery, time.Second))
		defer t.Stop()
		for {
			select {
			case <-loop.Done():
				return
			case <-t.C:
				r.check(loop)
			}
		}
	}()
	return r, nil
}

// check asks the replica for its lag and decides whether reads may go to
// it: only when it answers within a second, is in recovery and trails by
// at most maxLag.
func (r *replica) check(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var lag *float64
	err := r.pool.QueryRow(ctx, replicaLagSQL).Scan(&lag)
	ok := err == nil && lag != nil && time.Duration(*lag*float64(time.Second)) <= r.maxLag
	r.usable.Store(ok)
	return ok
}

func (r *replica) close() {
	r.stop()
	r.done.Wait()
	r.pool.Close()
}

// reader is where a read that tolerates replication lag runs: the replica
// when it is usable, else s's own executor. Inside a transaction it is
// always the transaction, which may have written what it reads.
func (s *Store) reader() querier {
	if s.replica == nil || s.db != querier(s.pool) {
		return s.db
	}
	if s.replica.usable.Load() {
		s.replica.reads[0].Add(1)
		return s.replica.pool
	}
	s.replica.reads[1].Add(1)
	return s.db
}

// CheckReplica re-reads the read replica's lag now and reports where
// reads go from here on (ReadReplica or ReadPrimary); without a replica
// it is ReadPrimary. The store does the same every ReadCheckEvery.
func (s *Store) CheckReplica(ctx context.Context) string {
	if s.replica == nil || !s.replica.check(ctx) {
		return ReadPrimary
	}
	return ReadReplica
}

// ReadCounts says how many lag-tolerant reads went to the replica and how
// many to the primary, for a metric. Both are zero without a replica.
func (s *Store) ReadCounts() (replica, primary uint64) {
	if s.replica == nil {
		return 0, 0
	}
	return s.replica.reads[0].Load(), s.replica.reads[1].Load()
}
