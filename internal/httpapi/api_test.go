package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
)

// bundle is one test's server over its own database.
type bundle struct {
	kit *testkit.Kit
	srv *httptest.Server
}

// setup serves the full API over a fresh database holding the demo corpus
// in knowledge base "demo".
func setup(t *testing.T) *bundle {
	t.Helper()
	return setupWith(t, testkit.Options{})
}

// setupWith is setup with a kit built from o (a model chain, a cache) and
// the API's dependencies adjusted by deps.
func setupWith(t *testing.T, o testkit.Options, deps ...func(*httpapi.Deps)) *bundle {
	t.Helper()
	kit, _ := testkit.NewDemo(t, o)
	return serve(t, kit, deps...)
}

// serve starts the API over kit; deps adjust its dependencies (a client
// limit, a logger) before it is built.
func serve(t *testing.T, kit *testkit.Kit, deps ...func(*httpapi.Deps)) *bundle {
	t.Helper()
	d := httpapi.Deps{Log: kit.Log, Access: httpapi.Access{Tenant: testkit.Tenant}, Chat: httpapi.Chat{Answerer: kit.Assistant},
		Documents: httpapi.Documents{Library: kit.Library, MaxUploadBytes: 1 << 20}, Ops: httpapi.Ops{Health: kit.Store}}
	for _, f := range deps {
		f(&d)
	}
	e := httpapi.New(d)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &bundle{kit: kit, srv: srv}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request; body may be nil. An empty contentType sends none.
func (b *bundle) do(t *testing.T, method, path, contentType string, body io.Reader, header ...string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, b.srv.URL+path, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: data}
}

// postJSON sends v as a JSON body.
func (b *bundle) postJSON(t *testing.T, path string, v any) response {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return b.do(t, http.MethodPost, path, "application/json", bytes.NewReader(data))
}

// chatAnswer is the wire form of a chat response.
type chatAnswer struct {
	TurnID         int64           `json:"turn_id"`
	ConversationID string          `json:"conversation_id"`
	Answer         string          `json:"answer"`
	Citations      []core.Citation `json:"citations"`
	Confidence     float64         `json:"confidence"`
	Mode           string          `json:"mode"`
	DegradedReason string          `json:"degraded_reason"`
}

// chat asks a question and requires a 200.
func (b *bundle) chat(t *testing.T, kb, question, conversationID string) chatAnswer {
	t.Helper()
	req := map[string]string{"kb": kb, "question": question}
	if conversationID != "" {
		req["conversation_id"] = conversationID
	}
	res := b.postJSON(t, "/v1/chat", req)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	requireJSON(t, res)
	var ans chatAnswer
	decodeStrict(t, res.body, &ans)
	return ans
}

// decodeStrict decodes body into v, failing on fields v does not declare so
// that the wire format cannot grow unnoticed.
func decodeStrict(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), "body: %s", body)
}

func requireJSON(t *testing.T, res response) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(res.header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "application/json", mt)
}

// apiError is the wire form of every error response.
type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// requireError checks status, the JSON content type and the error envelope
// with its code, a message and the request id of the response header.
func requireError(t *testing.T, res response, status int, code core.Code) apiError {
	t.Helper()
	require.Equal(t, status, res.status, "body: %s", res.body)
	requireJSON(t, res)
	var e apiError
	decodeStrict(t, res.body, &e)
	require.Equal(t, string(code), e.Error.Code, "body: %s", res.body)
	require.NotEmpty(t, e.Error.Message)
	require.NotEmpty(t, e.Error.RequestID)
	require.Equal(t, res.header.Get("X-Request-Id"), e.Error.RequestID)
	return e
}

// turnRow is a turn as stored.
type turnRow struct {
	ConversationID string
	KBName         string
	Question       string
	Answer         string
	Citations      []core.Citation
	Confidence     float32
	Mode           string
	DegradedReason string
}

func (b *bundle) turn(t *testing.T, id int64) turnRow {
	t.Helper()
	var r turnRow
	err := dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `
		SELECT t.conversation_id::text, kb.name, t.question, t.answer, t.citations, t.confidence, t.mode, t.degraded_reason
		FROM turns t JOIN knowledge_bases kb ON kb.id = t.kb_id WHERE t.id = $1`, id).
		Scan(&r.ConversationID, &r.KBName, &r.Question, &r.Answer, &r.Citations, &r.Confidence, &r.Mode, &r.DegradedReason)
	require.NoError(t, err)
	return r
}

func (b *bundle) countTurns(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `SELECT count(*) FROM turns`).Scan(&n))
	return n
}

// requireStored checks that the turn row matches the answer the client got.
func (b *bundle) requireStored(t *testing.T, kb, question string, ans chatAnswer) {
	t.Helper()
	row := b.turn(t, ans.TurnID)
	require.Equal(t, turnRow{
		ConversationID: ans.ConversationID, KBName: kb, Question: question, Answer: ans.Answer,
		Citations: ans.Citations, Confidence: float32(ans.Confidence), Mode: ans.Mode, DegradedReason: ans.DegradedReason,
	}, row)
}

func TestChatAnswersWithCitationsAndRecordsTurns(t *testing.T) {
	t.Parallel()
	b := setup(t)

	q := "How do I get a refund on an annual plan?"
	ans := b.chat(t, "demo", q, "")
	require.Equal(t, "extractive", ans.Mode)
	require.Empty(t, ans.DegradedReason)
	require.NotEmpty(t, ans.Citations)
	require.Equal(t, "billing/refunds.md", ans.Citations[0].Document)
	require.Greater(t, ans.Confidence, 0.0)
	require.LessOrEqual(t, ans.Confidence, 1.0)
	require.Positive(t, ans.TurnID)
	require.Contains(t, ans.Answer, "14 days")
	parsed, err := uuid.Parse(ans.ConversationID)
	require.NoError(t, err)
	require.Equal(t, parsed.String(), ans.ConversationID)
	b.requireStored(t, "demo", q, ans)

	// A follow-up continues the conversation it names.
	q2 := "How long does a card refund take to appear?"
	next := b.chat(t, "demo", q2, ans.ConversationID)
	require.Equal(t, ans.ConversationID, next.ConversationID)
	require.Greater(t, next.TurnID, ans.TurnID)
	b.requireStored(t, "demo", q2, next)
	var n int
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(),
		`SELECT count(*) FROM turns WHERE conversation_id = $1`, ans.ConversationID).Scan(&n))
	require.Equal(t, 2, n)
	require.Equal(t, 2, b.countTurns(t))

	// A new question without an id starts another conversation.
	other := b.chat(t, "demo", q, "")
	require.NotEqual(t, ans.ConversationID, other.ConversationID)
}

func TestChatHandsOffOutOfScopeQuestions(t *testing.T) {
	t.Parallel()
	b := setup(t)

	q := "What will the weather be in Paris tomorrow?"
	res := b.postJSON(t, "/v1/chat", map[string]string{"kb": "demo", "question": q})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(res.body, &raw))
	require.Equal(t, "[]", string(raw["citations"]), "citations must be an empty list, not null")

	var ans chatAnswer
	decodeStrict(t, res.body, &ans)
	require.Equal(t, "handoff", ans.Mode)
	require.Equal(t, "low_confidence", ans.DegradedReason)
	require.NotEmpty(t, ans.Answer)
	require.Positive(t, ans.TurnID)
	b.requireStored(t, "demo", q, ans)
}

func TestChatQuestionLengthIsCountedInCharacters(t *testing.T) {
	t.Parallel()
	b := setup(t)

	// 16000 characters of French, many of them two bytes: at the limit,
	// accepted, though over 16000 bytes.
	atLimit := []rune(strings.Repeat("Où trouver la facture détaillée de l'équipe été ? ", 330))[:16000]
	atLimit[len(atLimit)-1] = 'é'
	q := string(atLimit)
	require.Greater(t, len(q), 16000)
	ans := b.chat(t, "demo", q, "")
	b.requireStored(t, "demo", q, ans)

	res := b.postJSON(t, "/v1/chat", map[string]string{"kb": "demo", "question": q + "é"})
	e := requireError(t, res, http.StatusBadRequest, core.CodeQuestionTooLong)
	require.Equal(t, "Your question is too long: the limit is 16000 characters.", e.Error.Message)

	// Surrounding whitespace does not count.
	padded := "   " + q + "\n\t "
	ans = b.chat(t, "demo", padded, "")
	b.requireStored(t, "demo", q, ans)
	require.Equal(t, 2, b.countTurns(t))
}

func TestChatRejectsBadRequests(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const q = `"question":"How do I get a refund?"`
	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		chunked     bool // stream the body without a Content-Length
		wantStatus  int
		wantCode    core.Code
	}{
		{"empty question", "POST", "/v1/chat", "application/json", `{"kb":"demo","question":""}`, false, 400, core.CodeQuestionEmpty},
		{"missing question", "POST", "/v1/chat", "application/json", `{"kb":"demo"}`, false, 400, core.CodeQuestionEmpty},
		{"whitespace question", "POST", "/v1/chat", "application/json", `{"kb":"demo","question":" \t\n\u00a0 "}`, false, 400, core.CodeQuestionEmpty},
		{"question too long", "POST", "/v1/chat", "application/json", `{"kb":"demo","question":"` + strings.Repeat("a", 16001) + `"}`, false, 400, core.CodeQuestionTooLong},
		{"unknown kb", "POST", "/v1/chat", "application/json", `{"kb":"nope",` + q + `}`, false, 404, core.CodeKBNotFound},
		{"missing kb", "POST", "/v1/chat", "application/json", `{` + q + `}`, false, 400, core.CodeInvalid},
		{"malformed json", "POST", "/v1/chat", "application/json", `{"kb":"demo",` + q, false, 400, core.CodeInvalid},
		{"json syntax error", "POST", "/v1/chat", "application/json", `{kb:"demo"}`, false, 400, core.CodeInvalid},
		{"trailing garbage", "POST", "/v1/chat", "application/json", `{"kb":"demo",` + q + `} x`, false, 400, core.CodeInvalid},
		{"two objects", "POST", "/v1/chat", "application/json", `{"kb":"demo",` + q + `}{"kb":"demo"}`, false, 400, core.CodeInvalid},
		{"unknown field", "POST", "/v1/chat", "application/json", `{"kb":"demo",` + q + `,"temperature":1}`, false, 400, core.CodeInvalid},
		{"not an object", "POST", "/v1/chat", "application/json", `["demo"]`, false, 400, core.CodeInvalid},
		{"text/plain", "POST", "/v1/chat", "text/plain", `{"kb":"demo",` + q + `}`, false, 415, core.CodeUnsupportedMedia},
		{"no content type", "POST", "/v1/chat", "", `{"kb":"demo",` + q + `}`, false, 415, core.CodeUnsupportedMedia},
		{"empty body", "POST", "/v1/chat", "application/json", ``, false, 400, core.CodeInvalid},
		{"body over 64 KiB", "POST", "/v1/chat", "application/json", `{"kb":"demo","question":"` + strings.Repeat("a", 64<<10) + `"}`, false, 413, core.CodeBodyTooLarge},
		{"streamed body over 64 KiB", "POST", "/v1/chat", "application/json", `{"kb":"demo","question":"` + strings.Repeat("a", 64<<10) + `"}`, true, 413, core.CodeBodyTooLarge},
		{"conversation id not a uuid", "POST", "/v1/chat", "application/json", `{"kb":"demo",` + q + `,"conversation_id":"42"}`, false, 400, core.CodeInvalid},
		{"unknown conversation id", "POST", "/v1/chat", "application/json", `{"kb":"demo",` + q + `,"conversation_id":"` + uuid.NewString() + `"}`, false, 404, core.CodeNotFound},
		{"question is a number", "POST", "/v1/chat", "application/json", `{"kb":"demo","question":42}`, false, 400, core.CodeInvalid},
		{"kb is null-typed object", "POST", "/v1/chat", "application/json", `{"kb":{},` + q + `}`, false, 400, core.CodeInvalid},
		{"invalid utf-8 in question", "POST", "/v1/chat", "application/json", "{\"kb\":\"demo\",\"question\":\"refund \xff\xfe policy\"}", false, 400, core.CodeInvalid},
		{"lone surrogate in question", "POST", "/v1/chat", "application/json", `{"kb":"demo","question":"refund \udc00 policy"}`, false, 400, core.CodeInvalid},
		{"nul in question", "POST", "/v1/chat", "application/json", `{"kb":"demo","question":"refund\u0000 policy"}`, false, 400, core.CodeInvalid},
		{"filter not an object", "POST", "/v1/chat", "application/json", `{"kb":"demo",` + q + `,"filter":"html"}`, false, 400, core.CodeInvalid},
		{"nul in filter", "POST", "/v1/chat", "application/json", `{"kb":"demo",` + q + `,"filter":{"metadata":{"format":"\u0000"}}}`, false, 400, core.CodeInvalid},
		{"GET chat", "GET", "/v1/chat", "", ``, false, 405, core.CodeMethodNotAllowed},
		{"unknown route", "GET", "/v1/nope", "", ``, false, 404, core.CodeNotFound},
		{"unknown route POST", "POST", "/v2/chat", "application/json", `{"kb":"demo",` + q + `}`, false, 404, core.CodeNotFound},
	}
	// Sequential on purpose: each case checks that it stored nothing, which
	// parallel cases on one database could not tell apart.
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := b.countTurns(t)
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
				if tc.chunked {
					body = io.MultiReader(body) // hides the length: sent chunked
				}
			}
			res := b.do(t, tc.method, tc.path, tc.contentType, body)
			requireError(t, res, tc.wantStatus, tc.wantCode)
			require.Equal(t, before, b.countTurns(t), "a rejected request stored a turn")
		})
	}
}

func TestChatNormalisesConversationID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.chat(t, "demo", "How do I reset my password?", "")
	res := b.postJSON(t, "/v1/chat", map[string]string{"kb": "demo", "question": "And 2FA?", "conversation_id": strings.ToUpper(first.ConversationID)})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var ans chatAnswer
	decodeStrict(t, res.body, &ans)
	require.Equal(t, first.ConversationID, ans.ConversationID, "the id is normalised")
}

func TestChatFilterKeepsMatchingDocuments(t *testing.T) {
	t.Parallel()
	b := setup(t)

	res := b.postJSON(t, "/v1/chat", map[string]any{"kb": "demo", "question": "How long are audit events kept?", "filter": map[string]any{"metadata": map[string]any{"format": "html"}}})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var ans chatAnswer
	decodeStrict(t, res.body, &ans)
	require.NotEmpty(t, ans.Citations)
	for _, c := range ans.Citations {
		require.True(t, strings.HasSuffix(c.Document, ".html"), "cited %s despite the filter", c.Document)
	}

	// A filter nothing matches leaves nothing to answer from.
	res = b.postJSON(t, "/v1/chat", map[string]any{"kb": "demo", "question": "How do I get a refund on an annual plan?", "filter": map[string]any{"metadata": map[string]any{"format": "pdf"}}})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	ans = chatAnswer{}
	decodeStrict(t, res.body, &ans)
	require.Equal(t, "handoff", ans.Mode)
	require.Empty(t, ans.Citations)
}

func TestHealthProbes(t *testing.T) {
	t.Parallel()
	b := serve(t, testkit.New(t))

	res := b.do(t, http.MethodGet, "/healthz", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.JSONEq(t, `{"status":"ok"}`, string(res.body))

	res = b.do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var ready struct {
		Status        string `json:"status"`
		SchemaVersion int64  `json:"schema_version"`
	}
	decodeStrict(t, res.body, &ready)
	require.Equal(t, "ready", ready.Status)
	_, target, err := b.kit.Store.MigrationState(context.Background())
	require.NoError(t, err)
	require.Equal(t, target, ready.SchemaVersion)

	res = b.do(t, http.MethodPost, "/healthz", "", nil)
	requireError(t, res, http.StatusMethodNotAllowed, core.CodeMethodNotAllowed)
}

func TestSecurityHeadersAndRequestIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)

	requireHeaders := func(t *testing.T, res response) {
		t.Helper()
		require.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
		require.Equal(t, "DENY", res.header.Get("X-Frame-Options"))
		require.Equal(t, "default-src 'none'; frame-ancestors 'none'", res.header.Get("Content-Security-Policy"))
		require.Equal(t, "no-referrer", res.header.Get("Referrer-Policy"))
	}

	// A client's request id is echoed on success...
	ok := b.do(t, http.MethodPost, "/v1/chat", "application/json",
		strings.NewReader(`{"kb":"demo","question":"How do I get a refund on an annual plan?"}`), "X-Request-Id", "client-req-1")
	require.Equal(t, http.StatusOK, ok.status, "body: %s", ok.body)
	requireHeaders(t, ok)
	require.Equal(t, "client-req-1", ok.header.Get("X-Request-Id"))

	// ...and on errors, in the header and the body.
	bad := b.do(t, http.MethodPost, "/v1/chat", "application/json", strings.NewReader(`{"kb":"demo","question":""}`), "X-Request-Id", "client-req-2")
	requireHeaders(t, bad)
	e := requireError(t, bad, http.StatusBadRequest, core.CodeQuestionEmpty)
	require.Equal(t, "client-req-2", e.Error.RequestID)

	// Without one, the server makes one up, distinct per request.
	var seen []string
	for _, path := range []string{"/healthz", "/v1/nope", "/v1/nope"} {
		res := b.do(t, http.MethodGet, path, "", nil)
		requireHeaders(t, res)
		id := res.header.Get("X-Request-Id")
		require.NotEmpty(t, id)
		require.NotContains(t, seen, id)
		seen = append(seen, id)
		if res.status != http.StatusOK {
			requireError(t, res, http.StatusNotFound, core.CodeNotFound)
		}
	}
}
