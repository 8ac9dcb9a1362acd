package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"supportd/internal/store"
	"supportd/internal/testkit"
)

// idempotencyResponses prefixes the shared 409 and 422 of the routes that
// take an Idempotency-Key.
const idempotencyResponses = "#/components/responses/Idempotency"

// Every route that documents Idempotency-Key replays its example request
// with the documented key, is refused with the documented 422 when the key
// comes with another request and with the documented 409 while another
// request holds it.
func TestContractIdempotencyExamples(t *testing.T) {
	t.Parallel()
	doc := contract(t)
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	seedExamples(t, kit)
	b := serve(t, kit, openAll(kit))
	source, err := os.ReadFile("openapi.yaml")
	require.NoError(t, err)
	var routes []string
	for _, op := range inOrder(t, source) {
		o := doc.Paths.Value(op.path).GetOperation(op.method)
		param := o.Parameters.GetByInAndName(openapi3.ParameterInHeader, "Idempotency-Key")
		if param == nil {
			continue
		}
		routes = append(routes, op.method+" "+op.path)
		ex := exampleOf(t, doc, op)
		path := op.path
		for name, v := range ex.params {
			path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v))
		}
		// Each route its own key: a key is one request.
		key := param.Example.(string)[:24] + strings.NewReplacer("/", "-", "{", "", "}", "").Replace(op.path)
		send := func(path, key string) response {
			return b.do(t, op.method, path, "application/json", bytes.NewReader(ex.body), "Idempotency-Key", key)
		}
		first := send(path, key)
		require.Equal(t, ex.status, first.status, "%s %s: %s", op.method, path, first.body)
		requireReplay(t, first, send(path, key))

		mismatch := send(path+"?again=1", key)
		requireDocumented(t, doc, op, mismatch, http.StatusUnprocessableEntity)

		busy := key + "-busy"
		sum := sha256.Sum256([]byte(busy))
		now := time.Now()
		claimed, _, err := kit.Store.ClaimIdempotencyKey(context.Background(), store.IdempotencyClaim{
			ID:    store.IdempotencyID{Tenant: testkit.Tenant, Principal: "key:dev", KeySHA256: sum[:]},
			Route: "another request", Fingerprint: []byte("held"), Now: now, Expires: now.Add(time.Hour), StaleBefore: now.Add(-time.Hour)})
		require.NoError(t, err)
		require.True(t, claimed)
		requireDocumented(t, doc, op, send(path, busy), http.StatusConflict)
	}
	slices.Sort(routes)
	require.Equal(t, []string{"POST /v1/conversations/{id}/handoff", "POST /v1/eval/runs", "POST /v1/kbs/{kb}/documents",
		"POST /v1/keys", "POST /v1/turns/{id}/feedback"}, routes)
}

// requireDocumented checks a response against the operation's documented
// response for status and its example.
func requireDocumented(t *testing.T, doc *openapi3.T, op operation, res response, status int) {
	t.Helper()
	name := op.method + " " + op.path
	require.Equal(t, status, res.status, "%s: %s", name, res.body)
	ref := doc.Paths.Value(op.path).GetOperation(op.method).Responses.Status(status)
	require.NotNil(t, ref, "%s documents %d", name, status)
	require.True(t, strings.HasPrefix(ref.Ref, idempotencyResponses), "%s: %d is the shared response", name, status)
	media := ref.Value.Content.Get("application/json")
	require.NoError(t, media.Schema.Value.VisitJSON(decoded(t, res.body)), "%s: the server's response", name)
	require.NoError(t, media.Schema.Value.VisitJSON(decoded(t, mustJSON(t, media.Example))), "%s: the documented example", name)
	var got, want struct {
		Error struct{ Code string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(res.body, &got))
	require.NoError(t, json.Unmarshal(mustJSON(t, media.Example), &want))
	require.Equal(t, want.Error.Code, got.Error.Code, name)
}

func decoded(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(data, &v))
	return v
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}
