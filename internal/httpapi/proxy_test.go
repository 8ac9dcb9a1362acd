package httpapi_test

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/app"
	"supportd/internal/auth"
	"supportd/internal/httpapi"
	"supportd/internal/limit"
	"supportd/internal/testkit"
)

// visitorBundle serves the API with a widget key on shopOrigin, one chat a
// minute per visitor, and the given trusted proxies.
func visitorBundle(t *testing.T, trusted ...netip.Prefix) (*bundle, string) {
	t.Helper()
	kit := testkit.New(t)
	_, rep := kit.Ingest(t, "demo", false, testkit.DemoCorpus())
	require.Zero(t, rep.Counts["failed"])
	b := serve(t, kit, secured(kit), func(d *httpapi.Deps) {
		d.Access.TrustedProxies = trusted
		d.Chat.WidgetLimit = app.Limiter{Limiter: limit.NewLocal(limit.Rate{Limit: 1, Period: time.Minute}, limit.LocalParams{})}
	})
	key, _ := issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeChat}, Widget: true,
		Origins: []string{shopOrigin}})
	return b, key
}

// visit asks through the widget key as a browser on shopOrigin whose
// request reached the server with X-Forwarded-For xff ("" sends none).
func (b *bundle) visit(t *testing.T, key, xff string) response {
	t.Helper()
	h := append(bearer(key), "Origin", shopOrigin)
	if xff != "" {
		h = append(h, "X-Forwarded-For", xff)
	}
	return b.chatAs(t, "", h...)
}

func TestVisitorAddressIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	t.Parallel()
	b, key := visitorBundle(t)
	require.Equal(t, http.StatusOK, b.visit(t, key, "203.0.113.1").status)
	// The test client is the peer (127.0.0.1) and nothing is trusted: a
	// made-up header buys no fresh allowance.
	res := b.visit(t, key, "203.0.113.2")
	requireRateLimited(t, res, 60)
	// The widget reads the wait and the request id across origins.
	require.Equal(t, shopOrigin, res.header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "Retry-After, X-Request-Id, Idempotent-Replayed", res.header.Get("Access-Control-Expose-Headers"))
	require.NotEmpty(t, res.header.Get("X-Request-Id"))
}

func TestVisitorAddressComesFromTrustedProxies(t *testing.T) {
	t.Parallel()
	b, key := visitorBundle(t, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"))
	ok := b.visit(t, key, "203.0.113.1")
	require.Equal(t, http.StatusOK, ok.status, "body: %s", ok.body)
	require.Equal(t, "Retry-After, X-Request-Id, Idempotent-Replayed", ok.header.Get("Access-Control-Expose-Headers"))
	// Behind the load balancer each visitor has their own allowance.
	require.Equal(t, http.StatusOK, b.visit(t, key, "203.0.113.2").status)
	requireRateLimited(t, b.visit(t, key, "203.0.113.1"), 60)
	// Visitor 1 forging a header: the balancer appends the address it saw,
	// which is the nearest untrusted entry, so the forgery changes nothing;
	// a chain of trusted hops is walked through.
	requireRateLimited(t, b.visit(t, key, "198.51.100.7, 203.0.113.1"), 60)
	requireRateLimited(t, b.visit(t, key, "198.51.100.7, 203.0.113.1, 10.1.2.3"), 60)
	// Without the header the peer itself is the visitor.
	require.Equal(t, http.StatusOK, b.visit(t, key, "").status)
}
