package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"supportd/internal/app"
	"supportd/internal/auth"
	"supportd/internal/browsertest"
	"supportd/internal/dbtest"
	"supportd/internal/eval"
	"supportd/internal/fakellm"
	"supportd/internal/guard"
	"supportd/internal/httpapi"
	"supportd/internal/ingest"
	"supportd/internal/limit"
	"supportd/internal/llm"
	"supportd/internal/testkit"
)

// site is the full API over the demo corpus, with keys required, the /demo
// page on, and a record of every response it gave.
type site struct {
	*bundle
	mu    sync.Mutex
	calls []call
}

// call is one request the site answered.
type call struct {
	method, path, accept string
	status               int
}

func newSite(t *testing.T, deps ...func(*httpapi.Deps)) *site {
	t.Helper()
	return newSiteWith(t, testkit.Options{}, deps...)
}

// newSiteWith is newSite over a kit with options, such as a model chain.
func newSiteWith(t *testing.T, o testkit.Options, deps ...func(*httpapi.Deps)) *site {
	t.Helper()
	kit, _ := testkit.NewDemo(t, o)
	d := httpapi.Deps{Log: kit.Log, Access: httpapi.Access{Tenant: testkit.Tenant}, Chat: httpapi.Chat{Answerer: kit.Assistant},
		Documents: httpapi.Documents{Library: kit.Library, MaxUploadBytes: 1 << 20}, Ops: httpapi.Ops{Health: kit.Store}}
	secured(kit)(&d)
	for _, f := range deps {
		f(&d)
	}
	e := httpapi.New(d)
	s := &site{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		e.ServeHTTP(rec, r)
		s.mu.Lock()
		s.calls = append(s.calls, call{method: r.Method, path: r.URL.Path, accept: r.Header.Get("Accept"), status: rec.status})
		s.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	s.bundle = &bundle{kit: kit, srv: srv}
	return s
}

// chatCalls are the POST /v1/chat requests answered so far.
func (s *site) chatCalls() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []call
	for _, c := range s.calls {
		if c.method == http.MethodPost && c.path == "/v1/chat" {
			out = append(out, c)
		}
	}
	return out
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// widgetKey issues a publishable key admitting the given origins.
func (s *site) widgetKey(t *testing.T, origins ...string) string {
	t.Helper()
	key, _ := issueKey(t, s.kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeChat}, Widget: true,
		Origins: origins})
	return key
}

// hostPage serves a page on an origin of its own, as a customer's help
// centre would; page receives that origin.
func hostPage(t *testing.T, page func(origin string) string) string {
	t.Helper()
	var html string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, html)
	}))
	origin := "http://" + srv.Listener.Addr().String()
	html = page(origin)
	srv.Start()
	t.Cleanup(srv.Close)
	return origin
}

// openDemo opens /demo in a new browser with a widget key for the site's
// origin, and waits for the widget.
func (s *site) openDemo(t *testing.T, cfg browsertest.Config) *browsertest.Browser {
	t.Helper()
	key := s.widgetKey(t, s.srv.URL)
	b := browsertest.New(t, cfg)
	b.Do(chromedp.Navigate(s.srv.URL+"/demo?key="+url.QueryEscape(key)), chromedp.WaitReady(inWidget(".launcher")))
	return b
}

// embed is the one-line snippet for the site's widget.
func (s *site) embed(key string) string {
	return `<script src="` + s.srv.URL + `/widget.js" data-key="` + key + `" data-kb="demo" async></script>`
}

// inWidget selects inside the widget's shadow root.
func inWidget(sel string) chromedp.JSPath {
	return chromedp.JSPath(`document.querySelector("supportd-chat").shadowRoot.querySelector(` + strconv.Quote(sel) + `)`)
}

// widgetJS evaluates an expression with `root` bound to the shadow root.
func widgetJS[T any](b *browsertest.Browser, expr string) T {
	return browsertest.Get(b, chromedp.Evaluate[T](`(() => { const root = document.querySelector("supportd-chat").shadowRoot; return `+expr+`; })()`))
}

// ask opens the widget if needed, asks q and waits for the answer or the
// card that replaces it.
func ask(b *browsertest.Browser, q string, done string) {
	b.Do(
		chromedp.WaitReady(inWidget(".launcher")),
		chromedp.Evaluate[chromedp.Void](`(() => { const r = document.querySelector("supportd-chat").shadowRoot; if (r.querySelector(".panel").hidden) r.querySelector(".launcher").click(); })()`),
		chromedp.WaitVisible(inWidget("textarea")),
		chromedp.SendKeys(inWidget("textarea"), q+"\r"),
		chromedp.WaitVisible(inWidget(done)),
	)
}

// Scenario 1, in one browser: a visitor on /demo asks, sees the streamed
// answer with a citation link and gives a thumbs-down with a reason; an
// agent signs in to the console, finds the item in the review queue,
// relabels it (label, correct answer, the passage to cite, facts),
// exports it, and the exported case passes the golden-set validator.
func TestScenarioThumbsDownBecomesAGoldenCase(t *testing.T) {
	t.Parallel()
	golden := filepath.Join(t.TempDir(), "golden.jsonl")
	demo, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(golden, demo, 0o644))
	s := newSite(t, func(d *httpapi.Deps) { d.Console.Golden = &app.GoldenFile{Path: golden, KB: "demo"} })
	b := s.openDemo(t, browsertest.Config{Width: 1280, Height: 800})
	require.Contains(t, browsertest.Get(b, chromedp.Text(chromedp.CSS("h1"))), "Quillstack Help Centre")

	ask(b, refundQuestion, ".msg.bot .sources a")
	answer := widgetJS[string](b, `root.querySelectorAll(".msg.bot")[1].innerText`)
	require.Contains(t, answer, "14 days")
	href := widgetJS[string](b, `root.querySelector(".sources a").href`)
	require.Equal(t, s.srv.URL+"/demo#billing/refunds.md", href)
	require.Equal(t, "noopener noreferrer", widgetJS[string](b, `root.querySelector(".sources a").rel`))
	require.NotEmpty(t, widgetJS[string](b, `root.querySelector(".sources .snippet").textContent`))
	calls := s.chatCalls()
	require.Len(t, calls, 1)
	require.Equal(t, http.StatusOK, calls[0].status)
	require.Equal(t, "text/event-stream", calls[0].accept, "the widget streams")
	b.Screenshot("answer")

	// Thumbs down with a reason and a comment.
	b.Do(
		chromedp.Click(inWidget(".msg.bot .down")),
		chromedp.WaitVisible(inWidget("form.reason select")),
		chromedp.SetValue(inWidget("form.reason select"), "outdated"),
		chromedp.SendKeys(inWidget("form.reason textarea"), "the refund window changed"),
		chromedp.Click(inWidget("form.reason button")),
		chromedp.WaitVisible(inWidget(".msg.bot [role=status]")),
	)
	require.Equal(t, "Thanks for the feedback.", widgetJS[string](b, `root.querySelector(".msg.bot [role=status]").textContent`))

	// The conversation survives a reload within the browser session.
	b.Do(chromedp.Reload(), chromedp.WaitReady(inWidget(".launcher")))
	require.Equal(t, 2, widgetJS[int](b, `root.querySelectorAll(".msg.bot").length`))

	// An agent signs in to the console and finds the item in the queue.
	agent, _ := issueKey(t, s.kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeAgent}})
	b.Do(
		chromedp.Navigate(s.srv.URL+"/console/review"),
		chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), agent+"\r"),
		chromedp.WaitVisible(`//h1[text()="Review queue"]`),
	)
	require.Equal(t, 1, browsertest.Get(b, chromedp.Evaluate[int](`document.querySelectorAll("section.item").length`)))
	item := browsertest.Get(b, chromedp.Text(chromedp.CSS("section.item")))
	for _, want := range []string{refundQuestion, "thumbs_down", "outdated", "“the refund window changed”"} {
		require.Contains(t, item, want)
	}
	b.Screenshot("review-queue")

	// Relabel: the answer was out of date; the refund article should be
	// cited; two facts are required.
	b.Do(
		chromedp.SetValue(chromedp.CSS("form.relabel select[name=label]"), "incorrect"),
		chromedp.SendKeys(chromedp.CSS("form.relabel textarea[name=corrected_answer]"), "Annual plans are refunded within 30 days."),
		chromedp.Click(chromedp.CSS(`form.relabel input[name=expected_sources][value="billing/refunds.md"]`)),
		chromedp.SendKeys(chromedp.CSS("form.relabel textarea[name=required_facts]"), "30 days\nannual plans"),
		chromedp.Click(`//form[contains(@class,"relabel")]//button[text()="Save label"]`),
		chromedp.WaitVisible(`//p[@role="status"][text()="Label saved."]`),
	)

	// This week's export is a golden file the validator accepts...
	export := browsertest.Get(b, chromedp.Evaluate[string](`fetch("/console/review/export").then(r => r.text())`, chromedp.EvalAwaitPromise))
	require.Equal(t, 1, testkit.RequireGoldenLines(t, []byte(export)), "the case matches goldenset/schema.json")
	set, err := eval.ParseGolden(strings.NewReader(export), "export")
	require.NoError(t, err)
	require.Len(t, set.Cases, 1)
	c := set.Cases[0]
	require.Equal(t, refundQuestion, c.Question)
	require.Equal(t, "Annual plans are refunded within 30 days.", c.ReferenceAnswer)
	require.Equal(t, []string{"billing/refunds.md"}, c.ExpectedSources)
	require.Equal(t, []string{"30 days", "annual plans"}, c.RequiredFacts)
	require.Contains(t, c.Tags, "incorrect")

	// ...and the button adds the case to the golden set, which still
	// validates.
	b.Do(
		chromedp.Click(`//button[text()="Add new labels to the golden set"]`),
		chromedp.WaitVisible(`//p[@role="status"][starts-with(text(),"Exported")]`),
	)
	require.Equal(t, "Exported 1 label(s); 1 added to the golden set, 0 already in it.",
		browsertest.Get(b, chromedp.Text(chromedp.CSS(`p[role=status]`))))
	grown, err := eval.LoadGolden(golden)
	require.NoError(t, err)
	last := grown.Cases[len(grown.Cases)-1]
	last.Line = c.Line // where it sits in each file
	require.Equal(t, c, last)
	require.Empty(t, b.Problems(), "console errors or CSP violations")
	require.Empty(t, b.Dialogs())
}

// hookRecorder is a webhook that keeps what it was sent.
type hookRecorder struct {
	mu     sync.Mutex
	events []map[string]any
}

func (h *hookRecorder) Send(event string, data any) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, map[string]any{"event": event, "data": data})
	return true
}

func (h *hookRecorder) sent() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.events...)
}

func TestWidgetHandsOffHonestly(t *testing.T) {
	t.Parallel()
	hook := &hookRecorder{}
	s := newSite(t, func(d *httpapi.Deps) {
		h := d.Handoffs.(app.Handoffs)
		h.Redact, h.Hook, h.ConsoleURL = guard.NewRedactor(guard.DefaultRedactOptions()).Redact, hook, "http://supportd.test/console"
		d.Handoffs = h
	})
	b := s.openDemo(t, browsertest.Config{Width: 360, Height: 740})
	ask(b, weatherQuestion, ".card.handoff")
	require.Equal(t, "A person will take it from here", widgetJS[string](b, `root.querySelector(".card.handoff h3").textContent`))
	require.Contains(t, widgetJS[string](b, `root.querySelector(".card.handoff").textContent`), "What happens next")
	require.Equal(t, 0, widgetJS[int](b, `root.querySelectorAll(".msg.bot .down").length`), "a handoff takes no thumbs")
	// At 360 px the panel fits the screen.
	width := widgetJS[float64](b, `root.querySelector(".panel").getBoundingClientRect().right`)
	require.LessOrEqual(t, width, 360.0)
	b.Screenshot("handoff-360px")

	// A malformed email is refused in place; a good one goes to the team.
	b.Do(
		chromedp.SendKeys(inWidget(".handoff-form input"), "not-an-email"),
		chromedp.Click(inWidget(".handoff-form button")),
		chromedp.WaitVisible(inWidget(".handoff-form [role=alert]")),
	)
	require.Equal(t, "Please enter a valid email address, or leave it empty.",
		widgetJS[string](b, `root.querySelector(".handoff-form [role=alert]").textContent`))
	b.Do(
		chromedp.Evaluate[chromedp.Void](`document.querySelector("supportd-chat").shadowRoot.querySelector(".handoff-form input").value = ""`),
		chromedp.SendKeys(inWidget(".handoff-form input"), "visitor@example.com"),
		chromedp.Click(inWidget(".handoff-form button")),
		chromedp.WaitVisible(inWidget(".card.handoff [role=status]")),
	)
	require.Equal(t, "Sent. Our support team has the conversation and will reply to visitor@example.com.",
		widgetJS[string](b, `root.querySelector(".card.handoff [role=status]").textContent`))

	var stored string
	require.NoError(t, dbtest.Owner(t, s.kit.Store).QueryRow(context.Background(), `SELECT email FROM handoff_requests`).Scan(&stored))
	require.Equal(t, guard.PlaceholderEmail, stored, "stored redacted")
	sent := hook.sent()
	require.Len(t, sent, 1)
	require.Equal(t, "handoff.requested", sent[0]["event"])
	data := sent[0]["data"].(map[string]any)
	require.Equal(t, "visitor@example.com", data["email"], "the helpdesk gets the address to reply to")
	var conv, user string
	require.NoError(t, dbtest.Owner(t, s.kit.Store).QueryRow(context.Background(), `SELECT t.conversation_id::text, coalesce(t.end_user_id, '')
		FROM handoff_requests h JOIN turns t ON t.id = h.turn_id`).Scan(&conv, &user))
	require.Equal(t, conv, data["conversation_id"])
	require.Equal(t, user, data["user_id"])
	require.Equal(t, "visitor_request", data["reason"])
	require.Equal(t, "http://supportd.test/console/conversations/"+conv, data["console_url"])

	// Scenario 2 in the console: the conversation is in the inbox with the
	// contact as stored; the agent opens it and marks it handled.
	agent, _ := issueKey(t, s.kit.Store, nil, auth.CreateParams{Tenant: tenantA, Scopes: []string{auth.ScopeAgent}})
	row := `//tr[.//a[@href="/console/conversations/` + conv + `"]]`
	b.Do(
		chromedp.Navigate(s.srv.URL+"/console"),
		chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), agent+"\r"),
		chromedp.WaitVisible(row),
	)
	require.Equal(t, guard.PlaceholderEmail, browsertest.Get(b, chromedp.Text(row+`/td[@class="contact"]`)))
	require.Contains(t, browsertest.Get(b, chromedp.Text(row)), weatherQuestion)
	b.Do(chromedp.Click(row+`//a`), chromedp.WaitVisible(`//h1[text()="Conversation"]`))
	contact := browsertest.Get(b, chromedp.Text(chromedp.CSS("dd.contact")))
	require.Contains(t, contact, guard.PlaceholderEmail+" · asked for a person about turn ")
	require.NotContains(t, browsertest.Get(b, chromedp.Text(chromedp.CSS("main"))), "visitor@example.com")
	b.Do(
		chromedp.Click(`//button[text()="Mark handled"]`),
		chromedp.WaitVisible(`//p[@role="status"][text()="Marked handled."]`),
		chromedp.Navigate(s.srv.URL+"/console?status=handled"),
		chromedp.WaitVisible(row),
	)
	b.Screenshot("handled")
	require.Empty(t, b.Problems())
}

func TestWidgetSurvivesHostileHostCSS(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	page := `<!doctype html><html><head><style>
* { all: unset !important; }
html, body { display: block !important; width: 100% !important; height: 100% !important; }
.cover { display: block !important; position: fixed !important; right: 0; bottom: 0; width: 240px; height: 240px; z-index: 2147483647 !important; background: red !important; }
</style></head><body><div class="cover">host</div><p>Host page</p>%s</body></html>`
	hostURL := hostPage(t, func(origin string) string { return strings.Replace(page, "%s", s.embed(s.widgetKey(t, origin)), 1) })

	b := browsertest.New(t, browsertest.Config{Width: 1024, Height: 768})
	b.Do(chromedp.Navigate(hostURL))
	// A real click at the launcher's place: it must be the topmost element.
	b.Do(chromedp.Click(inWidget(".launcher")), chromedp.WaitVisible(inWidget("textarea")))
	require.Equal(t, "fixed", widgetJS[string](b, `getComputedStyle(document.querySelector("supportd-chat")).position`))
	ask(b, refundQuestion, ".msg.bot .sources")
	require.Equal(t, "12px", widgetJS[string](b, `getComputedStyle(root.querySelector(".panel header")).paddingTop`))
	require.Greater(t, widgetJS[float64](b, `root.querySelector(".panel").getBoundingClientRect().width`), 300.0)
	b.Screenshot("hostile-css")
	require.Equal(t, http.StatusOK, s.chatCalls()[0].status)
}

func TestWidgetRendersHostileDocumentsAsText(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	payload := `<img src=x onerror="alert('xss')"> and [click](javascript:alert('md'))`
	text := "The zebracorn policy covers every zebracorn account. " + payload + " The zebracorn policy renews yearly."
	_, err := s.kit.Library.Upload(context.Background(), ingest.UploadParams{Tenant: tenantA, KB: "demo", Actor: "test",
		Sources: []ingest.Source{{Name: "policies/zebracorn.txt", Size: int64(len(text)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }}}})
	require.NoError(t, err)
	b := s.openDemo(t, browsertest.Config{})
	ask(b, "What does the zebracorn policy cover?", ".msg.bot .sources")

	shown := widgetJS[string](b, `Array.from(root.querySelectorAll(".msg.bot")).map(n => n.textContent).join("\n")`)
	require.Contains(t, shown, `<img src=x onerror="alert('xss')">`, "the payload shows as text")
	require.Equal(t, 0, widgetJS[int](b, `root.querySelectorAll("img, script, iframe").length + document.querySelectorAll("img, iframe").length`))
	require.Equal(t, 0, widgetJS[int](b, `Array.from(root.querySelectorAll("a")).filter(a => !/^https?:/.test(a.href)).length`))
	require.Empty(t, b.Dialogs(), "no script ran")
	require.Empty(t, b.Problems())
}

func TestWidgetKeyboardOnly(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.openDemo(t, browsertest.Config{})
	active := func() string {
		return widgetJS[string](b, `document.activeElement === document.querySelector("supportd-chat") ? root.activeElement.className || root.activeElement.tagName : "outside"`)
	}
	b.Do(chromedp.KeyEvent("\t"))
	require.Equal(t, "launcher", active())
	b.Do(chromedp.KeyEvent("\r"), chromedp.WaitVisible(inWidget("textarea")))
	require.Equal(t, "TEXTAREA", active(), "opening moves focus to the question")
	require.Equal(t, "true", widgetJS[string](b, `root.querySelector(".launcher").getAttribute("aria-expanded")`))
	b.Do(chromedp.KeyEvent(refundQuestion+"\r"), chromedp.WaitVisible(inWidget(".msg.bot .sources a")))
	require.Equal(t, "dialog", widgetJS[string](b, `root.querySelector(".panel").getAttribute("role")`))
	require.Equal(t, "log", widgetJS[string](b, `root.querySelector(".log").getAttribute("role")`))
	// The focus ring is visible on the focused control.
	b.Do(chromedp.KeyEvent("\t"))
	require.NotEqual(t, "none", widgetJS[string](b, `getComputedStyle(root.activeElement).outlineStyle`))
	b.Do(chromedp.KeyEvent(kb.Escape))
	require.True(t, widgetJS[bool](b, `root.querySelector(".panel").hidden`), "Escape closes")
	require.Equal(t, "launcher", active(), "closing returns focus to the launcher")
	require.Empty(t, b.Problems())
}

func TestWidgetOnAnOriginItsKeyDoesNotAdmit(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	key := s.widgetKey(t, "https://help.example.com")
	host := hostPage(t, func(string) string {
		return `<!doctype html><title>elsewhere</title><p>Another site</p>` + s.embed(key)
	})
	b := browsertest.New(t, browsertest.Config{})
	b.Do(chromedp.Navigate(host))
	ask(b, refundQuestion, ".card.origin")
	require.Contains(t, widgetJS[string](b, `root.querySelector(".card.origin").textContent`),
		"This chat is not enabled on this website ("+host+")")
	for _, c := range s.chatCalls() {
		require.GreaterOrEqual(t, c.status, 400, "no chat request succeeds")
	}
	b.Screenshot("wrong-origin")
}

func TestWidgetWaitsAfterTooManyQuestions(t *testing.T) {
	t.Parallel()
	s := newSite(t, func(d *httpapi.Deps) {
		d.Chat.WidgetLimit = app.Limiter{Limiter: limit.New(limit.Rate{Limit: 1, Period: time.Minute}, nil, "widget-test:")}
	})
	b := s.openDemo(t, browsertest.Config{})
	ask(b, refundQuestion, ".msg.bot .sources a")
	ask(b, "How do I reset my password?", ".card.wait")
	wait := widgetJS[string](b, `root.querySelector(".card.wait").textContent`)
	require.Regexp(t, `^You are asking quickly\. Please wait (5\d|60) seconds before the next question\.$`, wait)
	calls := s.chatCalls()
	require.Len(t, calls, 2)
	require.Equal(t, http.StatusTooManyRequests, calls[1].status)
	b.Screenshot("rate-limited")
}

// A stalled model: the widget says it is still working when a keepalive
// arrives, and when the model fails it says the answer comes from the
// help centre, during the stream and with the stored answer.
func TestWidgetSaysWhatASlowAnswerIsDoing(t *testing.T) {
	t.Parallel()
	model := newHeldModel(t)
	ticks, tune := manualTicks(t, 5*time.Second)
	s := newSiteWith(t, testkit.Options{Models: []string{model.url},
		Gateway: llm.GatewayParams{FirstToken: time.Minute, Total: time.Minute, MaxAttempts: 1}}, tune)
	b := s.openDemo(t, browsertest.Config{})
	b.Do(
		chromedp.Click(inWidget(".launcher")),
		chromedp.WaitVisible(inWidget("textarea")),
		chromedp.SendKeys(inWidget("textarea"), refundQuestion+"\r"),
	)
	<-model.waiting // the model has the question and says nothing
	ticks <- time.Now()
	b.Do(chromedp.WaitVisible(inWidget(".msg.bot[aria-busy] .note")))
	require.Equal(t, "Still working on it…", widgetJS[string](b, `root.querySelector(".msg.bot[aria-busy] .note").textContent`))
	b.Screenshot("still-working")
	close(model.release)
	b.Do(chromedp.WaitVisible(inWidget(".msg.bot .sources a")))
	require.Equal(t, 0, widgetJS[int](b, `root.querySelectorAll(".msg.bot .note:not(:empty)").length`), "a model's answer needs no note")

	// From now on the model fails every call (a follow-up may call it more
	// than once).
	model.Inject(fakellm.Fault{Kind: fakellm.KindStatus, Status: http.StatusServiceUnavailable})
	ask(b, "How do I reset my password?", ".msg.bot:not([aria-busy]) .note")
	helpCentre := "Our assistant is unavailable right now, so this answer comes straight from the help centre."
	require.Equal(t, helpCentre, widgetJS[string](b, `root.querySelector(".msg.bot:not([aria-busy]) .note").textContent`))
	require.Len(t, s.chatCalls(), 2)
	b.Screenshot("from-the-help-centre")
	// The note stays with the answer for the browser session.
	b.Do(chromedp.Reload(), chromedp.WaitReady(inWidget(".launcher")))
	require.Equal(t, helpCentre, widgetJS[string](b, `root.querySelector(".msg.bot .note").textContent`))
	require.Empty(t, b.Problems())
}
