package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"supportd/internal/eval"
	"supportd/internal/httpapi"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// The ids the contract's examples name, seeded before they are replayed.
const (
	exampleConversation = "3f0b6c52-8c1e-4d7e-9d0e-6a51c1f0a001"
	exampleKeyID        = "exampleexample22"
)

// contract loads and validates the served document.
func contract(t *testing.T) *openapi3.T {
	t.Helper()
	raw, err := httpapi.OpenAPI()
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()), "the contract is a valid OpenAPI document")
	require.Equal(t, "3.1.0", doc.OpenAPI)
	return doc
}

// echoPath writes an Echo route as an OpenAPI path: :id becomes {id}.
func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestContractDocumentsExactlyTheRegisteredRoutes(t *testing.T) {
	t.Parallel()
	doc := contract(t)
	kit := testkit.New(t)
	var routes []string
	serve(t, kit, secured(kit), func(d *httpapi.Deps) {
		for _, r := range httpapi.New(*d).Routes() {
			// The console's HTML pages are no part of the API, and HEAD is
			// the documented GET without its body.
			if !strings.HasPrefix(r.Path, "/console") && r.Method != http.MethodHead {
				routes = append(routes, r.Method+" "+echoPath(r.Path))
			}
		}
	})
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	require.Equal(t, routes, documented, "routes.go and openapi.yaml must list the same routes")
}

// operation is one documented route in the document's order.
type operation struct {
	path, method string
}

// inOrder lists the operations as openapi.yaml writes them: the examples
// are replayed in this order, so a route that consumes a fixture comes
// after the one that makes it.
func inOrder(t *testing.T, raw []byte) []operation {
	t.Helper()
	var root yaml.Node
	require.NoError(t, yaml.Unmarshal(raw, &root))
	var ops []operation
	top := root.Content[0]
	for i := 0; i < len(top.Content); i += 2 {
		if top.Content[i].Value != "paths" {
			continue
		}
		paths := top.Content[i+1]
		for j := 0; j < len(paths.Content); j += 2 {
			item := paths.Content[j+1]
			for k := 0; k < len(item.Content); k += 2 {
				if m := strings.ToUpper(item.Content[k].Value); m != "PARAMETERS" {
					ops = append(ops, operation{path: paths.Content[j].Value, method: m})
				}
			}
		}
	}
	return ops
}

// seedExamples makes what the examples name: a conversation with one turn,
// a finished evaluation run and a key with known ids.
func seedExamples(t *testing.T, kit *testkit.Kit) {
	t.Helper()
	ctx := context.Background()
	kb, err := kit.Store.KB(ctx, testkit.Tenant, "demo")
	require.NoError(t, err)
	_, err = kit.Store.SaveTurn(ctx, store.TurnWrite{Tenant: testkit.Tenant, ConversationID: exampleConversation, KBID: kb.ID,
		Question: "How do I reset my password?", Answer: "Use the reset link.", Confidence: 0.6, Mode: "extractive", ClientID: "seed"})
	require.NoError(t, err)
	golden, err := eval.LoadGolden(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	golden.Cases = golden.Cases[:1]
	_, err = eval.NewRunner(kit.Assistant, kit.Store, kit.Log, nil).Run(ctx, eval.RunParams{Tenant: testkit.Tenant, KB: kb, Golden: golden, Trigger: "cli"})
	require.NoError(t, err)
	sum := sha256.Sum256([]byte("seed"))
	require.NoError(t, kit.Store.CreateAPIKey(ctx, store.APIKey{ID: exampleKeyID, Tenant: testkit.Tenant, Name: "ci", Kind: "secret",
		SecretSHA256: sum[:], Scopes: []string{"ingest"}}, "seed"))
}

// exchange is an operation's example: the request its parameters' and
// body's examples make, and the response status that carries an example.
type exchange struct {
	route  *routers.Route
	params map[string]string
	query  url.Values
	body   []byte
	status int
	// examples are the documented response examples by content type.
	examples map[string]any
}

func exampleOf(t *testing.T, doc *openapi3.T, op operation) exchange {
	t.Helper()
	item := doc.Paths.Value(op.path)
	o := item.GetOperation(op.method)
	ex := exchange{route: &routers.Route{Spec: doc, Path: op.path, PathItem: item, Method: op.method, Operation: o},
		params: map[string]string{}, query: url.Values{}, examples: map[string]any{}}
	for _, ref := range append(slices.Clone(item.Parameters), o.Parameters...) {
		p := ref.Value
		if p.In == openapi3.ParameterInHeader {
			continue // Idempotency-Key: TestContractIdempotencyExamples
		}
		v := p.Example
		if v == nil && p.Schema != nil {
			v = p.Schema.Value.Example
		}
		if v == nil {
			require.False(t, p.Required, "%s %s: required parameter %s needs an example", op.method, op.path, p.Name)
			continue
		}
		if p.In == openapi3.ParameterInPath {
			ex.params[p.Name] = fmt.Sprint(v)
		} else {
			ex.query.Set(p.Name, fmt.Sprint(v))
		}
	}
	if o.RequestBody != nil {
		media := o.RequestBody.Value.Content.Get("application/json")
		require.NotNil(t, media, "%s %s: a JSON request body", op.method, op.path)
		require.NotNil(t, media.Example, "%s %s: the request body needs an example", op.method, op.path)
		var err error
		ex.body, err = json.Marshal(media.Example)
		require.NoError(t, err)
	}
	for code, ref := range o.Responses.Map() {
		if strings.HasPrefix(ref.Ref, idempotencyResponses) {
			continue // TestContractIdempotencyExamples replays these
		}
		for ct, media := range ref.Value.Content {
			if media.Example != nil {
				require.True(t, ex.status == 0 || ex.status == atoi(t, code), "%s %s: examples on one status only", op.method, op.path)
				ex.status = atoi(t, code)
				ex.examples[ct] = media.Example
			}
		}
		if ref.Value.Content == nil && ex.status == 0 && code[0] == '2' {
			ex.status = atoi(t, code) // a response without a body, such as 204
		}
	}
	require.NotZero(t, ex.status, "%s %s: document an example response", op.method, op.path)
	return ex
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	_, err := fmt.Sscan(s, &n)
	require.NoError(t, err)
	return n
}

// validation is the filter's options: keys are not checked here (the
// authorization matrix does), bodies that are not JSON are not parsed.
func validation(contentType string) *openapi3filter.Options {
	mt, _, _ := mime.ParseMediaType(contentType)
	return &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true,
		ExcludeResponseBody: mt != "application/json"}
}

func TestContractExamplesMatchTheServersResponses(t *testing.T) {
	t.Parallel()
	doc := contract(t)
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	seedExamples(t, kit)
	b := serve(t, kit, openAll(kit))
	source, err := os.ReadFile("openapi.yaml") // the served JSON has lost the order
	require.NoError(t, err)
	ops := inOrder(t, source)
	require.Len(t, ops, len(slices.Collect(func(yield func(string) bool) {
		for _, item := range doc.Paths.Map() {
			for m := range item.Operations() {
				if !yield(m) {
					return
				}
			}
		}
	})))

	// Sequential on purpose: later examples use what earlier ones made.
	for _, op := range ops {
		ex := exampleOf(t, doc, op)
		path := op.path
		for name, v := range ex.params {
			path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v))
		}
		if len(ex.query) > 0 {
			path += "?" + ex.query.Encode()
		}
		ct := ""
		if ex.body != nil {
			ct = "application/json"
		}
		res := b.do(t, op.method, path, ct, bytes.NewReader(ex.body))
		name := op.method + " " + path
		require.Equal(t, ex.status, res.status, "%s: body %s", name, res.body)
		// Exactly the routes the document deprecates say so, with a sunset.
		o := doc.Paths.Value(op.path).GetOperation(op.method)
		require.Equal(t, o.Deprecated, res.header.Get("Deprecation") != "", "%s: Deprecation header", name)
		require.Equal(t, o.Deprecated, res.header.Get("Sunset") != "", "%s: Sunset header", name)

		req, err := http.NewRequest(op.method, b.srv.URL+path, bytes.NewReader(ex.body))
		require.NoError(t, err)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: ex.params, Route: ex.route, Options: validation("")}
		require.NoError(t, openapi3filter.ValidateRequest(context.Background(), in), "%s: the example request", name)

		got := res.header.Get("Content-Type")
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: res.header, Options: validation(got)}
		require.NoError(t, openapi3filter.ValidateResponse(context.Background(), out.SetBodyBytes(res.body)), "%s: the server's response %s", name, res.body)

		mt, _, _ := mime.ParseMediaType(got)
		if example, ok := ex.examples[mt]; ok && mt == "application/json" {
			data, err := json.Marshal(example)
			require.NoError(t, err)
			h := http.Header{"Content-Type": {mt}}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: ex.status, Header: h, Options: validation(mt)}
			require.NoError(t, openapi3filter.ValidateResponse(context.Background(), out.SetBodyBytes(data)), "%s: the documented example", name)
			requireSameKeys(t, data, res.body, name)
		}
	}
}

// requireSameKeys checks that a documented object example names the same
// top-level fields as the server's real response.
func requireSameKeys(t *testing.T, example, real []byte, name string) {
	t.Helper()
	var a, b map[string]json.RawMessage
	if json.Unmarshal(example, &a) != nil || json.Unmarshal(real, &b) != nil {
		return
	}
	keys := func(m map[string]json.RawMessage) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	require.Equal(t, keys(a), keys(b), "%s: the example's fields and the response's", name)
}

func TestDocsPageLoadsNothingFromElsewhere(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.do(t, http.MethodGet, "/docs", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	csp := res.header.Get("Content-Security-Policy")
	require.Contains(t, csp, "default-src 'none'")
	require.Contains(t, csp, "connect-src 'self'")
	require.Regexp(t, `script-src 'sha256-[A-Za-z0-9+/=]+'`, csp)
	page := string(res.body)
	require.NotRegexp(t, `(?i)(src|href)=["']?(https?:)?//`, page, "no external resources")
	require.NotContains(t, page, "<script src")
	require.Contains(t, page, `fetch("/openapi.json")`)

	res = b.do(t, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	requireJSON(t, res)
	served, err := httpapi.OpenAPI()
	require.NoError(t, err)
	require.Equal(t, served, res.body)
}
