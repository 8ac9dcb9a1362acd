package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
)

// goIsm matches what only Go's decoder would say: type names, package
// paths, the decoder's own prefix.
var goIsm = regexp.MustCompile(`map\[|interface \{|\[\][a-z]|httpapi\.|core\.|store\.|ingest\.|json: |int64|float64|struct`)

// openAll serves every route in development mode (no keys).
func openAll(kit *testkit.Kit) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) {
		secured(kit)(d)
		d.Access.Auth = nil
	}
}

// badBody is one malformed JSON body and what the client must hear.
type badBody struct {
	name, body, message string
}

// shapes are malformed bodies every JSON route answers alike.
var shapes = []badBody{
	{"array", `[]`, "request body must be a JSON object"},
	{"string", `"x"`, "request body must be a JSON object"},
	{"number", `12`, "request body must be a JSON object"},
	{"truncated", `{"a":`, "malformed JSON: unexpected end of body"},
	{"syntax", `{"a" 1}`, "malformed JSON at byte 6"},
	{"trailing", `{} {}`, "request body has data after the JSON object"},
	{"unknown field", `{"nope":1}`, `request body has an unknown field "nope"`},
	{"empty", ``, "request body is empty"},
	{"not utf-8", "{\"a\":\"\xff\"}", "request body is not valid UTF-8"},
}

func TestBadJSONBodiesGetOneErrorShapeEverywhere(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	b := serve(t, kit, openAll(kit))
	routes := []struct {
		path  string
		typed []badBody // field-specific shapes of this route
	}{
		{"/v1/chat", []badBody{
			{"kb number", `{"kb":1}`, "kb must be a string"},
			{"question object", `{"kb":"demo","question":{}}`, "question must be a string"},
			{"filter string", `{"kb":"demo","question":"q","filter":"billing"}`, "filter must be a JSON object"},
			{"filter metadata list", `{"kb":"demo","question":"q","filter":{"metadata":[]}}`, "filter.metadata must be an object of metadata keys"},
		}},
		{"/v1/retrieve", []badBody{
			{"top_k string", `{"kb":"demo","query":"q","top_k":"5"}`, "top_k must be a whole number"},
			{"filter string", `{"kb":"demo","query":"q","filter":"billing"}`, "filter must be a JSON object"},
		}},
		{"/v1/kbs/demo/documents", []badBody{
			{"documents object", `{"documents":{}}`, "documents must be an array of objects"},
			{"uri number", `{"documents":[{"uri":1,"text":"x"}]}`, "documents.uri must be a string"},
			{"metadata string", `{"documents":[{"uri":"a","text":"x","metadata":"billing"}]}`,
				"documents[0].metadata must be an object of strings, numbers and booleans"},
		}},
		{"/v1/turns/1/feedback", []badBody{
			{"rating number", `{"rating":1}`, "rating must be a string"},
		}},
		{"/v1/review/1/resolve", []badBody{
			{"sources string", `{"label":"correct","expected_sources":"a.md"}`, "expected_sources must be an array of strings"},
			{"facts numbers", `{"label":"correct","required_facts":[1]}`, "required_facts must be an array of strings"},
		}},
	}
	for _, r := range routes {
		for _, s := range append(append([]badBody{}, shapes...), r.typed...) {
			t.Run(r.path+" "+s.name, func(t *testing.T) {
				t.Parallel()
				res := b.do(t, http.MethodPost, r.path, "application/json", strings.NewReader(s.body))
				e := requireError(t, res, http.StatusBadRequest, core.CodeInvalid)
				require.Equal(t, s.message, e.Error.Message)
			})
		}
		t.Run(r.path+" text/plain", func(t *testing.T) {
			t.Parallel()
			res := b.do(t, http.MethodPost, r.path, "text/plain", strings.NewReader(`{}`))
			e := requireError(t, res, http.StatusUnsupportedMediaType, core.CodeUnsupportedMedia)
			require.NotRegexp(t, goIsm, e.Error.Message)
		})
	}
}

func TestBrokenMultipartIsNamedWithoutTheReadersWords(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	b := serve(t, kit, openAll(kit))
	res := b.do(t, http.MethodPost, "/v1/kbs/demo/documents", "multipart/form-data", strings.NewReader("--x\r\n"))
	e := requireError(t, res, http.StatusBadRequest, core.CodeInvalid)
	require.Equal(t, "cannot read the body as multipart/form-data", e.Error.Message)
}

func TestEchoErrorsCarryTheErrorShape(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	b := serve(t, kit, openAll(kit))
	for _, c := range []struct {
		method, path string
		status       int
		code         core.Code
	}{
		{http.MethodGet, "/v1/nowhere", http.StatusNotFound, core.CodeNotFound},
		{http.MethodPut, "/v1/chat", http.StatusMethodNotAllowed, core.CodeMethodNotAllowed},
		{http.MethodGet, "/v1/eval/runs/x", http.StatusBadRequest, core.CodeInvalid},
		{http.MethodGet, "/v1/review?limit=lots", http.StatusBadRequest, core.CodeInvalid},
	} {
		res := b.do(t, c.method, c.path, "", nil)
		e := requireError(t, res, c.status, c.code)
		require.NotRegexp(t, goIsm, e.Error.Message)
	}
}
