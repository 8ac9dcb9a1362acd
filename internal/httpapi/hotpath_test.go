package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"supportd/internal/auth"
	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// replica serves the API as `supportd serve` authenticates it (keys read
// through the app's lookups) over its own pool on url.
func replica(t *testing.T, url string, o testkit.Options, tracer pgx.QueryTracer) *bundle {
	t.Helper()
	st, err := store.Open(context.Background(), store.Params{URL: url, MaxConns: 4, Tracer: tracer})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	kit := testkit.WireWith(t, st, o)
	return serve(t, kit, func(d *httpapi.Deps) { d.Access.Auth = kit.Authenticator() })
}

// A key works on two replicas of one database; revoked through one, the
// other refuses it within a second (its copy dropped by the database's
// notification, not by a TTL).
func TestRevokedKeyIsRefusedByEveryReplicaWithinASecond(t *testing.T) {
	t.Parallel()
	url := testkit.DemoURL(t)
	one, two := replica(t, url, testkit.Options{}, nil), replica(t, url, testkit.Options{}, nil)
	key, k := issueKey(t, one.kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{auth.ScopeChat}})
	ask := func(b *bundle) int {
		return b.call(t, http.MethodPost, "/v1/chat", map[string]string{"kb": testkit.DemoKB, "question": "How do I export my data?"},
			bearer(key)...).status
	}
	for range 2 { // the second request is authenticated from memory
		require.Equal(t, http.StatusOK, ask(one))
		require.Equal(t, http.StatusOK, ask(two))
	}

	require.NoError(t, one.kit.Authenticator().Revoke(context.Background(), testkit.Tenant, k.ID, "test"))
	require.Equal(t, http.StatusUnauthorized, ask(one), "the replica that revoked it")
	deadline := time.Now().Add(time.Second)
	for ask(two) != http.StatusUnauthorized {
		require.True(t, time.Now().Before(deadline), "the other replica still accepts the key a second after it was revoked")
	}
}

// statements records the SQL a pool sends while on.
type statements struct {
	mu  sync.Mutex
	on  bool
	sql []string
}

func (s *statements) add(sql string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		s.sql = append(s.sql, strings.Join(strings.Fields(sql), " "))
	}
}

// record starts recording afresh; stop returns what was sent meanwhile.
func (s *statements) record() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on, s.sql = true, nil
}

func (s *statements) stop() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on = false
	return slices.Clone(s.sql)
}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.add(d.SQL)
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (s *statements) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	s.add(d.SQL)
}
func (s *statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// A cache hit, authenticated by a key, sends the database one thing: the
// group-committed turn write (its tenant, then its rows). The key, the
// knowledge base and its content version come from memory.
func TestCacheHitSendsOnlyTheTurnWrite(t *testing.T) {
	t.Parallel()
	sent := &statements{}
	m := newFakeModel(t, fakellm.Options{})
	b := replica(t, testkit.DemoURL(t), testkit.Options{Models: []string{m.url}, Cache: true}, sent)
	key, _ := issueKey(t, b.kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{auth.ScopeChat}})
	// Until the lookups' listener connects, the key and the knowledge
	// base are read on every request, and its connecting flushes what was
	// read: a listener slower than the first request failed this test.
	select {
	case <-b.kit.Lookups.Ready():
	case <-time.After(time.Minute):
		t.Fatal("the lookups' listener did not connect")
	}
	ask := func() modelAnswer {
		return b.askAs(t, key, map[string]string{"kb": testkit.DemoKB, "question": "How do I export my data?"})
	}
	require.Equal(t, "llm", ask().Mode)

	sent.record()
	hit := ask()
	got := sent.stop()
	require.Equal(t, "cache", hit.Mode)
	require.Len(t, got, 2, "statements: %q", got)
	require.Equal(t, "SELECT set_config('app.tenant_id', $1, true)", got[0])
	require.True(t, strings.HasPrefix(got[1], "WITH input AS MATERIALIZED ("), "the turn write, got %q", got[1])
	require.Contains(t, got[1], "INSERT INTO turns")
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM turns WHERE id = $1 AND mode = 'cache'`, hit.TurnID))
}

// BenchmarkCacheHit measures one authenticated /v1/chat cache hit through
// the full stack, for its allocations (-benchmem, -memprofile).
func BenchmarkCacheHit(b *testing.B) {
	m := fakellm.New(fakellm.Options{})
	llmSrv := httptest.NewServer(m.Handler())
	b.Cleanup(llmSrv.Close)
	kit, _ := testkit.NewDemo(b, testkit.Options{Models: []string{llmSrv.URL + "/v1"}, Cache: true})
	d := httpapi.Deps{Log: kit.Log, Access: httpapi.Access{Tenant: testkit.Tenant, Auth: kit.Authenticator()},
		Chat: httpapi.Chat{Answerer: kit.Assistant}, Ops: httpapi.Ops{Health: kit.Store}}
	srv := httptest.NewServer(httpapi.New(d))
	b.Cleanup(srv.Close)
	key, _, err := auth.New(kit.Store, nil).Create(context.Background(), auth.CreateParams{Tenant: testkit.Tenant,
		Name: "bench", Scopes: []string{auth.ScopeChat}, Actor: "bench"})
	require.NoError(b, err)
	body := []byte(`{"kb":"` + testkit.DemoKB + `","question":"How do I export my data?"}`)
	ask := func() {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/chat", bytes.NewReader(body))
		require.NoError(b, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := srv.Client().Do(req)
		require.NoError(b, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		require.Equal(b, http.StatusOK, res.StatusCode)
	}
	ask()
	b.ReportAllocs()
	for b.Loop() {
		ask()
	}
}
