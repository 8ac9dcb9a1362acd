package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/auth"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/httpapi"
	"supportd/internal/store"
	"supportd/internal/testclock"
	"supportd/internal/testkit"
)

const idemKey = "8e03978e-40d5-43e8-bc93-6894a57f9324"

// idem is a bundle whose Idempotency-Keys are remembered on clock.
func idem(t *testing.T, deps ...func(*httpapi.Deps)) (*bundle, *testclock.Clock) {
	t.Helper()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	clock := testclock.New()
	return serve(t, kit, append([]func(*httpapi.Deps){openAll(kit), func(d *httpapi.Deps) {
		d.Idempotency = httpapi.Idempotency{Keys: kit.Store, Now: clock.Now}
	}}, deps...)...), clock
}

// send posts body as JSON with an Idempotency-Key.
func (b *bundle) send(t *testing.T, path, key string, body any) response {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	return b.do(t, http.MethodPost, path, "application/json", bytes.NewReader(data), "Idempotency-Key", key)
}

func requireReplay(t *testing.T, first, again response) {
	t.Helper()
	require.Equal(t, first.status, again.status)
	require.Equal(t, first.body, again.body)
	require.Equal(t, first.header.Get("Content-Type"), again.header.Get("Content-Type"))
	require.Empty(t, first.header.Values("Idempotent-Replayed"))
	require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
}

// A retried upload is answered from the first, which did the work once;
// a multipart retry counts as the same request whatever its boundary.
func TestARetriedUploadIsStoredOnce(t *testing.T) {
	t.Parallel()
	b, _ := idem(t)
	doc := map[string]any{"documents": []map[string]string{{"uri": "retry.md", "text": "# Retry\n\nSent twice.\n"}}}
	first := b.send(t, "/v1/kbs/demo/documents", idemKey, doc)
	require.Equal(t, http.StatusOK, first.status, "%s", first.body)
	// The same value, spelled differently, is the same request.
	again := b.do(t, http.MethodPost, "/v1/kbs/demo/documents", "application/json; charset=utf-8",
		bytes.NewReader([]byte(`{ "documents" : [ {"text":"# Retry\n\nSent twice.\n","uri":"retry.md"} ] }`)), "Idempotency-Key", `"`+idemKey+`"`)
	requireReplay(t, first, again)
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM documents WHERE source_uri = 'retry.md'`))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM audit_log WHERE action = 'documents.upload'`), "the work was done once")

	upload := func() response {
		var body bytes.Buffer
		w := multipart.NewWriter(&body) // a new random boundary each time
		f, err := w.CreateFormFile("file", "multi.md")
		require.NoError(t, err)
		_, err = f.Write([]byte("# Multi\n\nA multipart upload.\n"))
		require.NoError(t, err)
		require.NoError(t, w.Close())
		return b.do(t, http.MethodPost, "/v1/kbs/demo/documents", w.FormDataContentType(), &body, "Idempotency-Key", "multipart-upload-0001")
	}
	first = upload()
	require.Equal(t, http.StatusOK, first.status, "%s", first.body)
	requireReplay(t, first, upload())
	require.Equal(t, 2, b.count(t, `SELECT count(*) FROM audit_log WHERE action = 'documents.upload'`))

	// The key with another request is refused, and changes nothing.
	doc["documents"] = []map[string]string{{"uri": "other.md", "text": "# Other\n\nDifferent.\n"}}
	res := b.send(t, "/v1/kbs/demo/documents", idemKey, doc)
	e := requireError(t, res, http.StatusUnprocessableEntity, core.CodeIdempotencyMismatch)
	require.Equal(t, "this Idempotency-Key was used for a different request (POST /v1/kbs/:kb/documents); use a new key for a new request", e.Error.Message)
	require.Equal(t, 0, b.count(t, `SELECT count(*) FROM documents WHERE source_uri = 'other.md'`))
	// So is it on another route.
	res = b.send(t, "/v1/kbs", idemKey, map[string]string{"name": "x"})
	require.Equal(t, http.StatusCreated, res.status, "POST /v1/kbs takes no Idempotency-Key: %s", res.body)
}

func TestRetriedFeedbackAndHandoffAreStoredOnce(t *testing.T) {
	t.Parallel()
	b, _ := idem(t)
	ans := b.chat(t, "demo", "How do I get a refund on an annual plan?", "")
	path := "/v1/turns/" + strconv.FormatInt(ans.TurnID, 10) + "/feedback"
	vote := map[string]string{"conversation_id": ans.ConversationID, "rating": "down", "comment": "wrong plan"}
	first := b.send(t, path, "feedback-retry-0001", vote)
	require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
	requireReplay(t, first, b.send(t, path, "feedback-retry-0001", vote))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM feedback WHERE turn_id = $1`, ans.TurnID))

	path = "/v1/conversations/" + ans.ConversationID + "/handoff"
	ask := map[string]any{"turn_id": ans.TurnID, "email": "visitor@example.com"}
	first = b.send(t, path, "handoff-retry-0001", ask)
	require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
	requireReplay(t, first, b.send(t, path, "handoff-retry-0001", ask))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM handoff_requests WHERE turn_id = $1`, ans.TurnID))

	// Without the header nothing is remembered.
	res := b.postJSON(t, path, ask)
	require.Empty(t, res.header.Values("Idempotent-Replayed"))
}

// Replaying a key's creation gives back the one key with its secret; the
// table holds the secret only encrypted under the Idempotency-Key.
func TestARetriedKeyCreationMintsOneKey(t *testing.T) {
	t.Parallel()
	b, _ := idem(t)
	req := map[string]any{"name": "ci-retry", "scopes": []string{"eval"}}
	first := b.send(t, "/v1/keys", idemKey, req)
	require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
	again := b.send(t, "/v1/keys", idemKey, req)
	requireReplay(t, first, again)
	require.Equal(t, "no-store", again.header.Get("Cache-Control"))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM api_keys WHERE name = 'ci-retry'`))

	var created struct {
		Secret string `json:"secret"`
	}
	require.NoError(t, json.Unmarshal(first.body, &created))
	require.NotEmpty(t, created.Secret)
	var stored []byte
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `SELECT key_sha256 || response_body FROM idempotency_keys`).Scan(&stored))
	require.NotContains(t, string(stored), created.Secret)
	require.NotContains(t, string(stored), idemKey)
	require.NotContains(t, string(stored), "ci-retry")
}

// gatedKeys holds key creation until released, and fails it while failing
// is set.
type gatedKeys struct {
	httpapi.Keys
	entered, release chan struct{}
	mu               sync.Mutex
	fail, crash      bool
}

func (g *gatedKeys) Create(ctx context.Context, p auth.CreateParams) (string, store.APIKey, error) {
	g.entered <- struct{}{}
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.crash {
		panic("key creation broke")
	}
	if g.fail {
		return "", store.APIKey{}, core.Errorf(core.CodeUnavailable, "the database is unavailable, retry shortly")
	}
	return g.Keys.Create(ctx, p)
}

// While the first request with a key is in flight a retry is 409; a first
// request that failed with a 5xx (or panicked) is not stored, so its retry
// does the work.
func TestAKeyInFlightIsBusyAndAFailedOneIsRetried(t *testing.T) {
	t.Parallel()
	gate := &gatedKeys{entered: make(chan struct{}), release: make(chan struct{}), fail: true}
	b, _ := idem(t, func(d *httpapi.Deps) { gate.Keys = d.Admin.Keys; d.Admin.Keys = gate })
	req := map[string]any{"name": "slow", "scopes": []string{"chat"}}
	done := make(chan response)
	go func() { done <- b.send(t, "/v1/keys", idemKey, req) }()
	<-gate.entered
	busy := b.send(t, "/v1/keys", idemKey, req)
	e := requireError(t, busy, http.StatusConflict, core.CodeIdempotencyInFlight)
	require.Equal(t, "a request with this Idempotency-Key is still being processed; retry it later", e.Error.Message)
	require.Equal(t, "1", busy.header.Get("Retry-After"))
	gate.release <- struct{}{}
	requireError(t, <-done, http.StatusServiceUnavailable, core.CodeUnavailable)
	require.Equal(t, 0, b.count(t, `SELECT count(*) FROM idempotency_keys`), "a 5xx is not stored")

	// A handler that panics leaves no claim behind either.
	gate.mu.Lock()
	gate.fail, gate.crash = false, true
	gate.mu.Unlock()
	go func() { done <- b.send(t, "/v1/keys", idemKey, req) }()
	<-gate.entered
	gate.release <- struct{}{}
	requireError(t, <-done, http.StatusInternalServerError, core.CodeInternal)
	require.Equal(t, 0, b.count(t, `SELECT count(*) FROM idempotency_keys`), "a panic is not stored")

	gate.mu.Lock()
	gate.crash = false
	gate.mu.Unlock()
	go func() { done <- b.send(t, "/v1/keys", idemKey, req) }()
	<-gate.entered
	gate.release <- struct{}{}
	res := <-done
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	require.Empty(t, res.header.Values("Idempotent-Replayed"))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM api_keys WHERE name = 'slow'`))
}

// A key is remembered for a day: after that it is a new request.
func TestAnIdempotencyKeyExpiresAfterADay(t *testing.T) {
	t.Parallel()
	b, clock := idem(t)
	req := map[string]any{"name": "daily", "scopes": []string{"chat"}}
	first := b.send(t, "/v1/keys", idemKey, req)
	require.Equal(t, http.StatusCreated, first.status)
	clock.Advance(24*time.Hour - time.Second)
	requireReplay(t, first, b.send(t, "/v1/keys", idemKey, req))
	clock.Advance(time.Second)
	res := b.send(t, "/v1/keys", idemKey, req)
	require.Equal(t, http.StatusCreated, res.status)
	require.Empty(t, res.header.Values("Idempotent-Replayed"))
	require.Equal(t, 2, b.count(t, `SELECT count(*) FROM api_keys WHERE name = 'daily'`))

	n, err := b.kit.Store.PurgeIdempotencyKeys(context.Background(), clock.Now().Add(24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
}

func TestIdempotencyKeysAreScopedToTheCallingKey(t *testing.T) {
	t.Parallel()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	b := serve(t, kit, secured(kit))
	one, _ := issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{auth.ScopeAdmin}})
	two, _ := issueKey(t, kit.Store, nil, auth.CreateParams{Tenant: testkit.Tenant, Scopes: []string{auth.ScopeAdmin}})
	req := []byte(`{"name":"scoped","scopes":["chat"]}`)
	for _, key := range []string{one, two} {
		res := b.do(t, http.MethodPost, "/v1/keys", "application/json", bytes.NewReader(req), "Authorization", "Bearer "+key, "Idempotency-Key", idemKey)
		require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
		require.Empty(t, res.header.Values("Idempotent-Replayed"))
	}
	require.Equal(t, 2, b.count(t, `SELECT count(*) FROM api_keys WHERE name = 'scoped'`))
	res := b.do(t, http.MethodPost, "/v1/keys", "application/json", bytes.NewReader(req), "Authorization", "Bearer "+one, "Idempotency-Key", idemKey)
	require.Equal(t, "true", res.header.Get("Idempotent-Replayed"), "each key's own retry is replayed")
}

func TestABadIdempotencyKeyIsRefused(t *testing.T) {
	t.Parallel()
	b, _ := idem(t)
	for _, key := range []string{"short", `"quoted but short"`, "has a space in it!!", string(bytes.Repeat([]byte("k"), 256))} {
		res := b.send(t, "/v1/keys", key, map[string]any{"name": "bad", "scopes": []string{"chat"}})
		e := requireError(t, res, http.StatusBadRequest, core.CodeInvalid)
		require.Equal(t, "Idempotency-Key must be 16 to 255 visible ASCII characters, such as a UUID", e.Error.Message, key)
	}
	require.Equal(t, 0, b.count(t, `SELECT count(*) FROM api_keys WHERE name = 'bad'`))
}
