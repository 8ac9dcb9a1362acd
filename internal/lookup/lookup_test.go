package lookup_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/lookup"
	"supportd/internal/store"
)

const keyID = "abcdefghijklmnop"

// source counts the reads that reach the store.
type source struct {
	*store.Store
	reads atomic.Int64
}

func (s *source) KB(ctx context.Context, tenant, name string) (store.KB, error) {
	s.reads.Add(1)
	return s.Store.KB(ctx, tenant, name)
}

func (s *source) APIKeyByID(ctx context.Context, id string) (store.APIKey, error) {
	s.reads.Add(1)
	return s.Store.APIKeyByID(ctx, id)
}

// replica is one process's lookups over its own pool, listening.
type replica struct {
	src          *source
	l            *lookup.Lookups
	connected    chan struct{}
	disconnected chan struct{}
}

// hooks lets a test hold the listener between losing its connection and
// reconnecting.
type hooks struct {
	resume chan struct{} // nil: reconnect at once
}

// listen starts lookups over a new pool on url, listening until the test
// ends, and waits until they are live.
func listen(t *testing.T, url string, h hooks) *replica {
	t.Helper()
	st, err := store.Open(context.Background(), store.Params{URL: url, MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	r := &replica{src: &source{Store: st}, connected: make(chan struct{}, 8), disconnected: make(chan struct{}, 8)}
	r.l, err = lookup.New(r.src, lookup.Params{TTL: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.l.Listen(ctx, st, store.ListenParams{
			OnConnect: func() { r.connected <- struct{}{} },
			OnDisconnect: func(error) {
				r.disconnected <- struct{}{}
				if h.resume != nil {
					select {
					case <-h.resume:
					case <-ctx.Done():
					}
				}
			},
		})
	}()
	t.Cleanup(func() { cancel(); <-done; r.l.Close() })
	waitFor(t, r.connected, "the listener to connect")
	return r
}

func waitFor(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func createKey(t *testing.T, st *store.Store) {
	t.Helper()
	require.NoError(t, st.CreateAPIKey(context.Background(), store.APIKey{ID: keyID, Tenant: "default", Name: "test",
		Kind: "secret", SecretSHA256: make([]byte, 32), Scopes: []string{"chat"}}, "test"))
}

// revoked reads the key through l.
func revoked(t *testing.T, l *lookup.Lookups) bool {
	t.Helper()
	k, err := l.APIKeyByID(context.Background(), keyID)
	require.NoError(t, err)
	return k.RevokedAt != nil
}

// A copy is served without a read; the process's own revocation drops it
// at once, another process's within a second of its commit.
func TestLookupsFollowChangesAcrossReplicas(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	a, b := listen(t, url, hooks{}), listen(t, url, hooks{})
	createKey(t, a.src.Store)
	ctx := context.Background()

	require.False(t, revoked(t, b.l))
	require.False(t, revoked(t, b.l))
	require.Equal(t, int64(1), b.src.reads.Load(), "the second lookup is served from memory")
	require.False(t, revoked(t, a.l))

	require.NoError(t, a.src.RevokeAPIKey(ctx, "default", keyID, "test"))
	require.True(t, revoked(t, a.l), "the revoking process sees it at once")
	deadline := time.Now().Add(time.Second)
	for !revoked(t, b.l) {
		require.True(t, time.Now().Before(deadline), "the other replica still accepts the key a second after it was revoked")
	}

	kb, err := a.src.EnsureKB(ctx, store.KBParams{Tenant: "default", Name: "docs", Model: "m", Dim: 3})
	require.NoError(t, err)
	got, err := b.l.KB(ctx, "default", "docs")
	require.NoError(t, err)
	require.Equal(t, kb.ContentVersion, got.ContentVersion)
	_, err = dbtest.Owner(t, a.src.Store).Exec(ctx, `UPDATE knowledge_bases SET content_version = content_version + 1 WHERE id = $1`, kb.ID)
	require.NoError(t, err)
	deadline = time.Now().Add(time.Second)
	for got.ContentVersion == kb.ContentVersion {
		require.True(t, time.Now().Before(deadline), "the content version is stale a second after it moved")
		got, err = b.l.KB(ctx, "default", "docs")
		require.NoError(t, err)
	}
	require.Equal(t, kb.ContentVersion+1, got.ContentVersion)
}

// A change made while the listener was away is never heard: reads go to
// the store until it is back, and reconnecting flushes every copy.
func TestReconnectFlushes(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	resume := make(chan struct{})
	r := listen(t, url, hooks{resume: resume})
	createKey(t, r.src.Store)
	ctx := context.Background()
	require.False(t, revoked(t, r.l))
	require.False(t, revoked(t, r.l))
	require.Equal(t, int64(1), r.src.reads.Load())

	// The listener's connection dies (the one of this role sitting in
	// LISTEN), and the key is revoked behind the process's back.
	tag, err := r.src.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN supportd_changes' AND pid <> pg_backend_pid()`)
	require.NoError(t, err)
	require.Equal(t, int64(1), tag.RowsAffected())
	waitFor(t, r.disconnected, "the listener to notice")
	_, err = dbtest.Owner(t, r.src.Store).Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, keyID)
	require.NoError(t, err)

	require.True(t, revoked(t, r.l), "without a listener a lookup reads through")
	require.Equal(t, int64(2), r.src.reads.Load())

	close(resume)
	waitFor(t, r.connected, "the listener to reconnect")
	require.True(t, revoked(t, r.l), "the copy taken before the outage was flushed")
	require.True(t, revoked(t, r.l))
	require.Equal(t, int64(3), r.src.reads.Load(), "live again: one read, then memory")
}
