package store_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

// replicaPort is where scripts/replica.sh (make replica, a prerequisite
// of make test) keeps a streaming replica of the test cluster.
const replicaPort = "5433"

// onPort returns dbURL with its port replaced, and the user when set.
func onPort(t *testing.T, dbURL, port, user string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	u.Host = u.Hostname() + ":" + port
	if user != "" {
		u.User = url.User(user)
	}
	return u.String()
}

// portTracer records the server port of every query whose text contains
// marker.
type portTracer struct {
	marker string
	mu     sync.Mutex
	ports  []uint16
}

func (p *portTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if strings.Contains(data.SQL, p.marker) {
		p.mu.Lock()
		p.ports = append(p.ports, conn.Config().Port)
		p.mu.Unlock()
	}
	return ctx
}

func (p *portTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Tenant-scoped statements go out in a batch behind their set_config.
func (p *portTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (p *portTracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	p.TraceQueryStart(ctx, conn, pgx.TraceQueryStartData{SQL: data.SQL})
}

func (p *portTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// last is the port of the latest query recorded.
func (p *portTracer) last(t *testing.T) uint16 {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.NotEmpty(t, p.ports)
	return p.ports[len(p.ports)-1]
}

type replicaBundle struct {
	primaryURL string
	store      *store.Store
	searches   *portTracer
	kb         store.KB
}

// setupReplica opens a store on a fresh database with the real replica as
// its read URL (checked only when the test says, via CheckReplica), writes
// a document and waits until the replica has replayed it.
func setupReplica(t *testing.T, maxLag time.Duration) replicaBundle {
	t.Helper()
	ctx := context.Background()
	b := replicaBundle{primaryURL: dbtest.NewURL(t), searches: &portTracer{marker: "WITH kb AS"}}
	s, err := store.Open(ctx, store.Params{URL: b.primaryURL, ReadURL: onPort(t, b.primaryURL, replicaPort, ""),
		ReadMaxLag: maxLag, ReadCheckEvery: time.Hour, Tracer: b.searches, MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	b.store = s
	b.kb = newKB(t, s, "help")
	require.NoError(t, s.WriteDocuments(ctx, b.kb, []store.DocumentWrite{doc("billing/refunds.md", "Refunds", "h1",
		"Refunds of a charge are issued within 14 days.")}))
	b.waitReplica(t, "pg_last_wal_replay_lsn()")
	return b
}

// waitReplica waits until the replica's position (an LSN expression:
// received or replayed) reaches the primary's current WAL position.
func (b replicaBundle) waitReplica(t *testing.T, position string) {
	t.Helper()
	ctx := context.Background()
	var lsn string
	require.NoError(t, b.store.Pool().QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn))
	replica, err := pgx.Connect(ctx, onPort(t, b.primaryURL, replicaPort, ""))
	if err != nil { // the database itself may not have been replayed yet
		replica, err = pgx.Connect(ctx, onPort(t, dbtest.BaseURL(), replicaPort, ""))
	}
	require.NoError(t, err, "the streaming replica on port %s (scripts/replica.sh)", replicaPort)
	defer replica.Close(ctx)
	require.Eventually(t, func() bool {
		var reached bool
		err := replica.QueryRow(ctx, "SELECT "+position+" >= $1::pg_lsn", lsn).Scan(&reached)
		return err == nil && reached
	}, time.Minute, 20*time.Millisecond, "the replica did not reach %s", lsn)
}

// eventually waits until the store's check of the replica says reads go
// to target (the replica's lag moves with the whole cluster's writes).
func (b replicaBundle) eventually(t *testing.T, target string) {
	t.Helper()
	require.Eventually(t, func() bool { return b.store.CheckReplica(context.Background()) == target }, time.Minute,
		20*time.Millisecond, "reads never went to the %s", target)
}

func (b replicaBundle) search(t *testing.T) {
	t.Helper()
	passages, err := b.store.Search(context.Background(), store.SearchParams{KB: b.kb, Query: "refunds", Vector: []float32{1, 0, 0, 0}})
	require.NoError(t, err)
	require.Len(t, passages, 1)
	require.Equal(t, "billing/refunds.md", passages[0].SourceURI)
}

// Retrieval reads from a replica that keeps up; what must read its own
// writes (a conversation's history) stays on the primary.
func TestRetrievalReadsFromTheReplica(t *testing.T) {
	t.Parallel()
	b := setupReplica(t, time.Minute)
	b.eventually(t, store.ReadReplica)
	b.search(t)
	require.Equal(t, uint16(5433), b.searches.last(t), "the search ran on the replica")
	replica, primary := b.store.ReadCounts()
	require.Equal(t, [2]uint64{1, 0}, [2]uint64{replica, primary})

	history := &portTracer{marker: "FROM turns"}
	s, err := store.Open(context.Background(), store.Params{URL: b.primaryURL, ReadURL: onPort(t, b.primaryURL, replicaPort, ""),
		ReadCheckEvery: time.Hour, Tracer: history, MaxConns: 2})
	require.NoError(t, err)
	defer s.Close()
	require.Eventually(t, func() bool { return s.CheckReplica(context.Background()) == store.ReadReplica }, time.Minute, 20*time.Millisecond)
	_, err = s.ConversationTurns(context.Background(), "default", "8d1f3c52-5b0e-4c39-9c3b-4f7e2a9d6a10", 6)
	require.Equal(t, core.CodeNotFound, core.ErrorCode(err))
	require.Equal(t, uint16(5432), history.last(t), "a conversation's history is read from the primary")
}

// A replica whose replay trails by more than the bound sends reads to the
// primary until it has caught up.
func TestReadsLeaveALaggingReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupReplica(t, 500*time.Millisecond)
	b.eventually(t, store.ReadReplica)

	// Hold the replica's replay (as its superuser), then write: the
	// replica receives the change but does not apply it.
	admin, err := pgx.Connect(ctx, onPort(t, dbtest.BaseURL(), replicaPort, "postgres"))
	require.NoError(t, err)
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "SELECT pg_wal_replay_pause()")
	require.NoError(t, err)
	resumed := false
	resume := func() {
		if !resumed {
			_, err := admin.Exec(ctx, "SELECT pg_wal_replay_resume()")
			require.NoError(t, err)
			resumed = true
		}
	}
	defer resume()
	require.NoError(t, b.store.WriteDocuments(ctx, b.kb, []store.DocumentWrite{doc("billing/invoices.md", "Invoices", "h2",
		"Invoices are sent monthly.")}))
	b.waitReplica(t, "pg_last_wal_receive_lsn()")
	b.eventually(t, store.ReadPrimary) // once the replica trails by 500 ms
	_, err = b.store.Search(ctx, store.SearchParams{KB: b.kb, Query: "refunds", Vector: []float32{1, 0, 0, 0}})
	require.NoError(t, err)
	require.Equal(t, uint16(5432), b.searches.last(t), "the lagging replica was not read")

	resume()
	b.eventually(t, store.ReadReplica)
	replica, primary := b.store.ReadCounts()
	require.Equal(t, [2]uint64{0, 1}, [2]uint64{replica, primary})
}

// A replica that is down does not stop the store: reads go to the primary.
func TestReadsFallBackFromADownReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := dbtest.NewURL(t)
	s, err := store.Open(ctx, store.Params{URL: dbURL, ReadURL: onPort(t, dbURL, "1", ""), ReadCheckEvery: time.Hour,
		ConnectTimeout: time.Second, MaxConns: 2})
	require.NoError(t, err, "a replica that is down does not fail Open")
	defer s.Close()
	require.Equal(t, store.ReadPrimary, s.CheckReplica(ctx))
	b := replicaBundle{store: s, kb: newKB(t, s, "help")}
	require.NoError(t, s.WriteDocuments(ctx, b.kb, []store.DocumentWrite{doc("billing/refunds.md", "Refunds", "h1",
		"Refunds of a charge are issued within 14 days.")}))
	b.search(t)
	replica, primary := s.ReadCounts()
	require.Equal(t, [2]uint64{0, 1}, [2]uint64{replica, primary})
}
