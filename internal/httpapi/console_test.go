package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/app"
	"supportd/internal/auth"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
)

// consoleBundle is the API with the console, and keys to sign in with.
type consoleBundle struct {
	*bundle
	admin, agent, chat, widget string
	adminKey, agentKey         string // key ids
}

// withConsole wires the console as internal/app does.
func withConsole(kit *testkit.Kit) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) {
		svc := auth.New(kit.Store, nil)
		d.Console = httpapi.Console{Sessions: svc, Conversations: kit.Store, Keys: svc}
		d.Review = kit.Store
		d.Handoffs = app.Handoffs{Store: kit.Store}
	}
}

func setupConsole(t *testing.T, deps ...func(*httpapi.Deps)) *consoleBundle {
	t.Helper()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	b := &consoleBundle{bundle: serve(t, kit, append([]func(*httpapi.Deps){withConsole(kit)}, deps...)...)}
	plain, key := issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{"admin"}})
	b.admin, b.adminKey = plain, key.ID
	plain, key = issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{"agent"}})
	b.agent, b.agentKey = plain, key.ID
	b.chat, _ = issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{"chat", "ingest"}})
	b.widget, _ = issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{"chat"}, Widget: true,
		Origins: []string{shopOrigin}})
	return b
}

// browser is a person's browser on the console: it keeps cookies and does
// not follow redirects, so tests see them.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	// csrf is the token of the last page that carried one.
	csrf string
}

func (b *consoleBundle) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: b.srv.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// page is a fetched console page.
type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location() string { return p.header.Get("Location") }

func (br *browser) send(req *http.Request) page {
	br.t.Helper()
	res, err := br.c.Do(req)
	require.NoError(br.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(br.t, err)
	p := page{status: res.StatusCode, header: res.Header, body: string(data)}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		br.csrf = m[1]
	}
	return p
}

func (br *browser) get(path string) page {
	br.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, br.base+path, nil)
	require.NoError(br.t, err)
	return br.send(req)
}

// post submits a form; the CSRF token of the last page goes with it
// unless form sets its own.
func (br *browser) post(path string, form url.Values) page {
	br.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", br.csrf)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, br.base+path, strings.NewReader(form.Encode()))
	require.NoError(br.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return br.send(req)
}

// signIn signs in with key and requires it to work.
func (br *browser) signIn(key string) {
	br.t.Helper()
	require.Equal(br.t, http.StatusOK, br.get("/console/signin").status)
	p := br.post("/console/signin", url.Values{"key": {key}, "next": {"/console"}})
	require.Equal(br.t, http.StatusSeeOther, p.status, p.body)
	require.Equal(br.t, "/console", p.location())
}

func cookieOf(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// inlineScript finds what a strict CSP would block: script elements
// without src, event-handler attributes, javascript: URLs and resources
// from elsewhere.
var inlineScript = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|<script(?:\s+(?:defer|async|type="[^"]*"))*\s*>|\son[a-z]+\s*=|javascript:|(?:src|href)="(?:https?:)?//`)

// requireStrictPage checks a console page's headers and that it needs
// nothing its CSP forbids.
func requireStrictPage(t *testing.T, p page) {
	t.Helper()
	require.Equal(t, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "+
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'", p.header.Get("Content-Security-Policy"))
	require.Equal(t, "no-store", p.header.Get("Cache-Control"))
	require.Equal(t, "text/html; charset=UTF-8", p.header.Get("Content-Type"))
	require.Empty(t, inlineScript.FindAllString(p.body, -1), "page needs what the CSP blocks:\n%s", p.body)
	require.Contains(t, p.body, `<script src="/console/static/console.js" defer></script>`)
}

func TestConsoleSignIn(t *testing.T) {
	t.Parallel()
	b := setupConsole(t)
	br := b.browser(t)

	p := br.get("/console")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/console/signin?next=%2Fconsole", p.location())

	p = br.get("/console/signin?next=/console/review")
	require.Equal(t, http.StatusOK, p.status)
	requireStrictPage(t, p)
	pre := cookieOf(p.header, "supportd_signin")
	require.NotNil(t, pre)
	require.True(t, pre.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, pre.SameSite)
	require.Contains(t, p.body, `name="next" value="/console/review"`)

	// Without the form's token, or with another one, nothing happens.
	for _, csrf := range []string{"", "forged"} {
		p = br.post("/console/signin", url.Values{"key": {b.agent}, "csrf": {csrf}})
		require.Equal(t, http.StatusForbidden, p.status)
		require.Contains(t, p.body, "CSRF token is missing or stale")
		requireStrictPage(t, p)
	}
	br.get("/console/signin")
	for key, want := range map[string]struct {
		status int
		msg    string
	}{
		"":                             {http.StatusUnauthorized, "malformed API key"},
		"sk_nope":                      {http.StatusUnauthorized, "malformed API key"},
		b.chat:                         {http.StatusForbidden, "needs a key with the agent or admin scope"},
		b.widget:                       {http.StatusForbidden, "needs a key with the agent or admin scope"},
		b.agent[:len(b.agent)-1] + "x": {http.StatusUnauthorized, "invalid API key"},
	} {
		p = br.post("/console/signin", url.Values{"key": {key}})
		require.Equal(t, want.status, p.status, "key %q", key)
		require.Contains(t, p.body, want.msg)
		require.Nil(t, cookieOf(p.header, "supportd_console"))
	}

	p = br.post("/console/signin", url.Values{"key": {b.agent}, "next": {"https://evil.example/"}})
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/console", p.location(), "a redirect never leaves the console")
	sess := cookieOf(p.header, "supportd_console")
	require.NotNil(t, sess)
	require.True(t, sess.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, sess.SameSite)
	require.Equal(t, "/console", sess.Path)
	require.Equal(t, int(auth.SessionTTL.Seconds()), sess.MaxAge)
	require.NotContains(t, sess.Value, b.agent, "the cookie is a session token, not the key")
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM console_sessions WHERE key_id = $1`, b.agentKey))

	p = br.get("/console")
	require.Equal(t, http.StatusOK, p.status)
	requireStrictPage(t, p)
	require.Contains(t, p.body, "Handoff inbox")
	require.Contains(t, p.body, "agent key "+b.agentKey)
	require.NotContains(t, p.body, `href="/console/keys"`, "agents see no admin pages")

	// Signing out ends the session on the server, not just in the browser.
	stolen := sess.Value
	require.Equal(t, http.StatusForbidden, br.post("/console/signout", url.Values{"csrf": {"forged"}}).status)
	p = br.post("/console/signout", nil)
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/console/signin", p.location())
	require.Equal(t, 0, b.count(t, `SELECT count(*) FROM console_sessions WHERE key_id = $1`, b.agentKey))
	require.Equal(t, http.StatusSeeOther, br.get("/console").status)
	replay := b.browser(t)
	u, _ := url.Parse(b.srv.URL + "/console")
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "supportd_console", Value: stolen, Path: "/console"}})
	require.Equal(t, http.StatusSeeOther, replay.get("/console").status)
}

func TestConsoleSessionEndsWithItsKey(t *testing.T) {
	t.Parallel()
	b := setupConsole(t)
	admin, agent := b.browser(t), b.browser(t)
	admin.signIn(b.admin)
	agent.signIn(b.agent)
	p := admin.get("/console")
	require.Contains(t, p.body, `href="/console/keys"`)
	require.Contains(t, p.body, "admin key "+b.adminKey)

	require.NoError(t, auth.New(b.kit.Store, nil).Revoke(context.Background(), testkit.Tenant, b.agentKey, "test"))
	p = agent.get("/console")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/console/signin?next=%2Fconsole", p.location())
	require.Equal(t, http.StatusOK, admin.get("/console").status)
}

func TestConsoleSessionExpires(t *testing.T) {
	t.Parallel()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc := auth.New(kit.Store, clock)
	plain, _ := issueKey(t, kit.Store, clock, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{"agent"}})
	token, sess, err := svc.SignIn(context.Background(), plain)
	require.NoError(t, err)
	require.Equal(t, now.Add(auth.SessionTTL), sess.ExpiresAt)
	now = now.Add(auth.SessionTTL - time.Second)
	got, err := svc.Session(context.Background(), token)
	require.NoError(t, err)
	require.Equal(t, sess.CSRF, got.CSRF)
	require.True(t, got.Agent())
	require.False(t, got.Admin())
	now = now.Add(time.Second)
	_, err = svc.Session(context.Background(), token)
	require.ErrorContains(t, err, "the console session expired")
	_, err = svc.Session(context.Background(), token+"x")
	require.ErrorContains(t, err, "the console session has ended")
}

func authAgent() auth.CreateParams {
	return auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{"agent"}}
}
