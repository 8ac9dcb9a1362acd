package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/fakellm"
	"supportd/internal/httpapi"
	"supportd/internal/llm"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

const refundQuestion = "How do I get a refund on an annual plan?"

// interruptedNotice is what the assistant streams between a cut model
// answer and the extractive answer that completes it.
const interruptedNotice = "\n\n[The generated answer was interrupted. Here is what our help articles say:]\n\n"

// fakeModel is the fake LLM served over HTTP, counting the chat requests
// it is still serving so that tests can see a hanging one end.
type fakeModel struct {
	*fakellm.Server
	url  string // base URL for testkit.Options.Models
	open atomic.Int64
}

func newFakeModel(t *testing.T, o fakellm.Options) *fakeModel {
	t.Helper()
	m := &fakeModel{Server: fakellm.New(o)}
	h := m.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.open.Add(1)
		defer m.open.Add(-1) // also runs when a cut fault aborts the handler
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	m.url = srv.URL + "/v1"
	return m
}

// setupLLM serves the API over the demo corpus with the fake model as the
// only provider.
func setupLLM(t *testing.T, gw llm.GatewayParams, deps ...func(*httpapi.Deps)) (*bundle, *fakeModel) {
	t.Helper()
	m := newFakeModel(t, fakellm.Options{})
	gw.BackoffBase = 5 * time.Millisecond
	return setupWith(t, testkit.Options{Models: []string{m.url}, Gateway: gw}, deps...), m
}

// sseEvent is one server-sent event.
type sseEvent struct {
	name string
	data string
}

// sseReader parses an event stream as the SSE spec does: "field: value"
// lines, "data" lines joined by newlines, a blank line ends an event,
// lines starting with ":" are comments. Fields the API never sends fail the
// test, so that the wire format cannot grow unnoticed.
type sseReader struct {
	r *bufio.Reader
}

func newSSEReader(r io.Reader) *sseReader { return &sseReader{r: bufio.NewReader(r)} }

// next returns the next event, or false at the end of the stream. A stream
// that ends inside an event fails the test.
func (s *sseReader) next(t *testing.T) (sseEvent, bool) {
	t.Helper()
	var ev sseEvent
	var data []string
	started := false
	for {
		line, err := s.r.ReadString('\n')
		if errors.Is(err, io.EOF) && line == "" {
			require.False(t, started, "the stream ended inside an event: %+v", ev)
			return sseEvent{}, false
		}
		require.NoError(t, err, "reading the event stream")
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" {
			if !started {
				continue
			}
			ev.data = strings.Join(data, "\n")
			return ev, true
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		started = true
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.name = value
		case "data":
			data = append(data, value)
		default:
			require.Failf(t, "unexpected SSE field", "line %q", line)
		}
	}
}

// all reads events until the stream ends.
func (s *sseReader) all(t *testing.T) []sseEvent {
	t.Helper()
	var out []sseEvent
	for {
		ev, ok := s.next(t)
		if !ok {
			return out
		}
		out = append(out, ev)
	}
}

// openStream posts a chat asking for an event stream; the caller reads and
// closes the body.
func (b *bundle) openStream(ctx context.Context, t *testing.T, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.URL+"/v1/chat", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := b.srv.Client().Do(req)
	require.NoError(t, err)
	return res
}

// stream asks question in knowledge base "demo" as an event stream, requires
// a 200 event stream and returns every event.
func (b *bundle) stream(t *testing.T, question string) (http.Header, []sseEvent) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := json.Marshal(map[string]string{"kb": "demo", "question": question})
	require.NoError(t, err)
	res := b.openStream(ctx, t, string(body))
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	require.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	return res.Header, newSSEReader(res.Body).all(t)
}

// doneEvent is the wire form of the last event of a streamed answer.
type doneEvent struct {
	TurnID         int64       `json:"turn_id"`
	ConversationID string      `json:"conversation_id"`
	Mode           string      `json:"mode"`
	DegradedReason string      `json:"degraded_reason"`
	Confidence     float64     `json:"confidence"`
	Model          string      `json:"model"`
	Usage          *core.Usage `json:"usage"`
}

// statusEvent is the wire form of the event saying an answer degrades.
type statusEvent struct {
	Mode           string `json:"mode"`
	DegradedReason string `json:"degraded_reason"`
}

// streamedAnswer is what a streamed answer's events carried.
type streamedAnswer struct {
	tokens    []string
	citations []core.Citation
	done      doneEvent
	// status is the "status" event, nil when the answer did not degrade;
	// statusAt is how many tokens came before it.
	status   *statusEvent
	statusAt int
}

// text is the answer as the client assembled it.
func (s streamedAnswer) text() string { return strings.Join(s.tokens, "") }

// answer is the streamed answer in the JSON response's form, to compare
// with the stored turn.
func (s streamedAnswer) answer() chatAnswer {
	return chatAnswer{TurnID: s.done.TurnID, ConversationID: s.done.ConversationID, Answer: s.text(),
		Citations: s.citations, Confidence: s.done.Confidence, Mode: s.done.Mode, DegradedReason: s.done.DegradedReason}
}

// requireAnswerEvents checks the order of a finished stream — one or more
// "token" events with at most one "status" among them, then exactly one
// "citations", then "done" — and decodes each strictly. A degraded answer
// has its status event, an undegraded one none.
func requireAnswerEvents(t *testing.T, events []sseEvent) streamedAnswer {
	t.Helper()
	names := make([]string, len(events))
	for i, ev := range events {
		names[i] = ev.name
	}
	require.GreaterOrEqual(t, len(events), 3, "events: %v", names)
	n := len(events)
	require.Equal(t, []string{"citations", "done"}, names[n-2:], "events: %v", names)
	var s streamedAnswer
	for i, ev := range events[:n-2] {
		if ev.name == "status" {
			require.Nil(t, s.status, "one status event: %v", names)
			s.status, s.statusAt = &statusEvent{}, len(s.tokens)
			decodeStrict(t, []byte(ev.data), s.status)
			continue
		}
		require.Equal(t, "token", ev.name, "event %d of %v", i, names)
		var tok struct {
			Text string `json:"text"`
		}
		decodeStrict(t, []byte(ev.data), &tok)
		s.tokens = append(s.tokens, tok.Text)
	}
	decodeStrict(t, []byte(events[n-2].data), &s.citations)
	decodeStrict(t, []byte(events[n-1].data), &s.done)
	if s.done.DegradedReason == "" {
		require.Nil(t, s.status, "an undegraded answer sends no status event")
	} else {
		require.Equal(t, &statusEvent{Mode: s.done.Mode, DegradedReason: s.done.DegradedReason}, s.status,
			"a degraded answer says so before its fallback text")
	}
	return s
}

func TestChatStreamsModelAnswer(t *testing.T) {
	t.Parallel()
	b, model := setupLLM(t, llm.GatewayParams{})

	_, events := b.stream(t, refundQuestion)
	s := requireAnswerEvents(t, events)
	require.Greater(t, len(s.tokens), 3, "the answer streams token by token")
	require.True(t, strings.HasSuffix(s.text(), "[P1]"), s.text())
	require.NotEmpty(t, s.citations)
	require.Equal(t, "billing/refunds.md", s.citations[0].Document)
	require.Equal(t, "[P1]", s.citations[0].Marker)
	require.Equal(t, "llm", s.done.Mode)
	require.Empty(t, s.done.DegradedReason)
	require.Equal(t, "openai:model-a", s.done.Model)
	require.NotNil(t, s.done.Usage)
	require.Positive(t, s.done.Usage.PromptTokens)
	require.Positive(t, s.done.Usage.CompletionTokens)
	require.Positive(t, s.done.TurnID)

	b.requireStored(t, "demo", refundQuestion, s.answer())
	require.Equal(t, 1, b.countTurns(t))
	require.Equal(t, 1, model.Count("/chat/completions"))
	require.True(t, model.LastRequest().Stream, "the model is asked to stream")
}

func TestChatStreamsExtractiveAnswerWithoutAModel(t *testing.T) {
	t.Parallel()
	b := setup(t)

	_, events := b.stream(t, refundQuestion)
	s := requireAnswerEvents(t, events)
	require.Contains(t, s.text(), "14 days")
	require.Equal(t, "billing/refunds.md", s.citations[0].Document)
	require.Equal(t, "[1]", s.citations[0].Marker)
	require.Equal(t, "extractive", s.done.Mode)
	require.Empty(t, s.done.DegradedReason)
	require.Empty(t, s.done.Model)
	require.Nil(t, s.done.Usage, "no model, no usage")
	b.requireStored(t, "demo", refundQuestion, s.answer())
}

func TestChatStreamErrorsBeforeTheFirstEventGetAStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   core.Code
	}{
		{"unknown kb", `{"kb":"nope","question":"How do I get a refund?"}`, 404, core.CodeKBNotFound},
		{"empty question", `{"kb":"demo","question":""}`, 400, core.CodeQuestionEmpty},
		{"question too long", `{"kb":"demo","question":"` + strings.Repeat("a", 16001) + `"}`, 400, core.CodeQuestionTooLong},
		{"missing kb", `{"question":"How do I get a refund?"}`, 400, core.CodeInvalid},
	}
	// Sequential: each case checks that it stored nothing.
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := b.countTurns(t)
			res := b.do(t, http.MethodPost, "/v1/chat", "application/json", strings.NewReader(tc.body),
				"Accept", "text/event-stream")
			requireError(t, res, tc.wantStatus, tc.wantCode)
			require.Equal(t, before, b.countTurns(t))
		})
	}
}

func TestChatStreamCutMidwayEndsWithMarkedExtractiveAnswer(t *testing.T) {
	t.Parallel()
	// An opening of two tokens: the cut stream had been shown.
	b, model := setupLLM(t, llm.GatewayParams{OpeningTokens: 2})
	model.Inject(fakellm.Fault{Kind: fakellm.KindCut, Tokens: 3})

	_, events := b.stream(t, refundQuestion)
	s := requireAnswerEvents(t, events)
	// The three words the model sent (the output filter may join them),
	// the notice, then the help articles.
	notice := slices.Index(s.tokens, interruptedNotice)
	require.Positive(t, notice, "tokens: %q", s.tokens)
	require.Equal(t, "If you cancel ", strings.Join(s.tokens[:notice], ""), "tokens: %q", s.tokens)
	require.Greater(t, len(s.tokens), notice+1, "tokens: %q", s.tokens)
	require.True(t, strings.HasSuffix(s.text(), "[1]"), "it ends with a cited, complete answer: %q", s.text())
	require.Equal(t, "billing/refunds.md", s.citations[0].Document)
	require.Equal(t, "[1]", s.citations[0].Marker)
	require.Equal(t, "extractive", s.done.Mode)
	require.Equal(t, "stream_interrupted", s.done.DegradedReason)

	b.requireStored(t, "demo", refundQuestion, s.answer())
	require.Equal(t, 1, model.Count("/chat/completions"), "text already shown is not retried")
}

func TestChatStreamThatNeverEndsTimesOut(t *testing.T) {
	t.Parallel()
	b, model := setupLLM(t, llm.GatewayParams{Total: 800 * time.Millisecond, OpeningTokens: 1})
	model.Inject(fakellm.Fault{Kind: fakellm.KindHang})

	_, events := b.stream(t, refundQuestion)

	// The reason "timeout" says the 800 ms deadline, not the end of the
	// stream, ended the model's part.
	s := requireAnswerEvents(t, events)
	i := indexOf(s.tokens, interruptedNotice)
	require.Positive(t, i, "model tokens, then the notice: %q", s.tokens)
	require.Less(t, i, len(s.tokens)-1, "the extractive answer follows the notice: %q", s.tokens)
	require.Equal(t, "extractive", s.done.Mode)
	require.Equal(t, "timeout", s.done.DegradedReason)
	require.Equal(t, "billing/refunds.md", s.citations[0].Document)
	b.requireStored(t, "demo", refundQuestion, s.answer())
	require.Eventually(t, func() bool { return model.open.Load() == 0 }, 2*time.Second, 10*time.Millisecond,
		"the hanging model request outlived the deadline")
}

func indexOf(tokens []string, want string) int {
	for i, tok := range tokens {
		if tok == want {
			return i
		}
	}
	return -1
}

// logBuffer collects JSON log lines; the server writes from its own
// goroutines while the test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// records decodes every line logged so far.
func (l *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "log line %q", line)
		out = append(out, rec)
	}
	return out
}

// requests returns the "request" lines logged so far.
func (l *logBuffer) requests(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, rec := range l.records(t) {
		if rec["msg"] == "request" {
			out = append(out, rec)
		}
	}
	return out
}

func logTo(l *logBuffer) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) { d.Log = slog.New(slog.NewJSONHandler(l, nil)) }
}

func TestChatStreamClientDisconnectStopsTheModel(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	b, model := setupLLM(t, llm.GatewayParams{OpeningTokens: 1}, logTo(logs))
	model.Inject(fakellm.Fault{Kind: fakellm.KindHang})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := b.openStream(ctx, t, `{"kb":"demo","question":"`+refundQuestion+`"}`)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	ev, ok := newSSEReader(res.Body).next(t)
	require.True(t, ok)
	require.Equal(t, "token", ev.name)
	require.Equal(t, int64(1), model.open.Load(), "the model is still streaming")
	cancel()

	require.Eventually(t, func() bool { return model.open.Load() == 0 }, 2*time.Second, 10*time.Millisecond,
		"the model request outlived the client")
	require.Eventually(t, func() bool { return len(logs.requests(t)) == 1 }, 2*time.Second, 10*time.Millisecond,
		"the request was not logged")
	rec := logs.requests(t)[0]
	require.Equal(t, float64(499), rec["status"], "a client that left is not a server error: %v", rec)
	require.Equal(t, "/v1/chat", rec["route"])
	for _, rec := range logs.records(t) {
		require.Equal(t, "INFO", rec["level"], "nothing is logged as a failure: %v", rec)
	}
	require.Equal(t, 1, model.Count("/chat/completions"), "no retry for a client that left")
	require.Zero(t, b.countTurns(t), "an abandoned answer is not recorded")
}

// A failure after the first event can no longer change the status: it
// arrives as an "error" event and the stream ends without "done".
func TestChatStreamReportsLateFailureAsErrorEvent(t *testing.T) {
	t.Parallel()
	dbURL := testkit.DemoURL(t)
	st, err := store.Open(context.Background(), store.Params{URL: dbURL, MaxConns: 4, ConnectTimeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	model := newFakeModel(t, fakellm.Options{})
	// The model hangs until the deadline, which leaves time to cut the
	// database between the first token and the turn's write.
	model.Inject(fakellm.Fault{Kind: fakellm.KindHang})
	kit := testkit.WireWith(t, st, testkit.Options{Models: []string{model.url},
		Gateway: llm.GatewayParams{Total: 1500 * time.Millisecond, OpeningTokens: 1}})
	b := serve(t, kit)
	cut := newOutage(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res := b.openStream(ctx, t, `{"kb":"demo","question":"`+refundQuestion+`"}`)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	r := newSSEReader(res.Body)
	first, ok := r.next(t)
	require.True(t, ok)
	require.Equal(t, "token", first.name)
	cut.begin(t)

	events := r.all(t)
	require.NotEmpty(t, events)
	last := events[len(events)-1]
	for _, ev := range events[:len(events)-1] {
		require.Contains(t, []string{"token", "status"}, ev.name, "only tokens and the degraded status precede the error")
	}
	require.Equal(t, "error", last.name)
	var e struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	}
	decodeStrict(t, []byte(last.data), &e)
	require.Equal(t, string(core.CodeUnavailable), e.Code)
	require.Equal(t, "the database is unavailable, retry shortly", e.Message)
	require.NotEmpty(t, e.RequestID)
	require.Equal(t, res.Header.Get("X-Request-Id"), e.RequestID)

	cut.end(t)
	require.Zero(t, b.countTurns(t))
}
