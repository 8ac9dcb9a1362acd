package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// outage cuts one database off: new connections are refused and existing
// ones are terminated, as when the server goes away.
type outage struct {
	admin *pgx.Conn
	db    string
}

// newOutage opens an admin connection to the maintenance database; the cut
// is undone when t ends, before the database is dropped.
func newOutage(t *testing.T, dbURL string) *outage {
	t.Helper()
	// Only the database's owner may refuse its connections.
	u, err := url.Parse(dbtest.OwnerURL(dbURL))
	require.NoError(t, err)
	db := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, u.String())
	require.NoError(t, err)
	o := &outage{admin: admin, db: db}
	t.Cleanup(func() {
		o.end(t)
		admin.Close(context.Background())
	})
	return o
}

func (o *outage) exec(t *testing.T, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := o.admin.Exec(ctx, sql)
	require.NoError(t, err)
}

func (o *outage) begin(t *testing.T) {
	t.Helper()
	o.exec(t, fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS false`, pgx.Identifier{o.db}.Sanitize()))
	o.exec(t, fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' AND pid <> pg_backend_pid()`, o.db))
}

func (o *outage) end(t *testing.T) {
	t.Helper()
	o.exec(t, fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS true`, pgx.Identifier{o.db}.Sanitize()))
}

func TestDatabaseOutageIsUnavailableThenRecovers(t *testing.T) {
	t.Parallel()
	dbURL := testkit.DemoURL(t)
	st, err := store.Open(context.Background(), store.Params{URL: dbURL, MaxConns: 4, ConnectTimeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	kit := testkit.Wire(t, st)
	b := serve(t, kit)
	cut := newOutage(t, dbURL)

	q := "How do I get a refund on an annual plan?"
	before := b.chat(t, "demo", q, "")

	cut.begin(t)
	for _, req := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/chat", `{"kb":"demo","question":"How do I get a refund on an annual plan?"}`},
		{http.MethodPost, "/v1/chat", `{"kb":"demo","question":"Is there a refund?","conversation_id":"` + before.ConversationID + `"}`},
		{http.MethodGet, "/v1/kbs", ``},
		{http.MethodGet, "/v1/kbs/demo/documents", ``},
		{http.MethodPost, "/v1/kbs/demo/documents", `{"documents":[{"uri":"a.md","text":"# A\n\nbody text here"}]}`},
		{http.MethodGet, "/readyz", ``},
	} {
		ct := ""
		if req.body != "" {
			ct = "application/json"
		}
		res := b.do(t, req.method, req.path, ct, strings.NewReader(req.body))
		requireError(t, res, http.StatusServiceUnavailable, core.CodeUnavailable)
		require.Equal(t, "5", res.header.Get("Retry-After"), "%s %s", req.method, req.path)
	}
	// Liveness does not depend on the database.
	res := b.do(t, http.MethodGet, "/healthz", "", nil)
	require.Equal(t, http.StatusOK, res.status)

	cut.end(t)
	require.Equal(t, 1, b.countTurns(t))
	b.requireStored(t, "demo", q, before)
	after := b.chat(t, "demo", "Is there a refund for monthly plans?", before.ConversationID)
	require.Equal(t, before.ConversationID, after.ConversationID)
	res = b.do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
}
