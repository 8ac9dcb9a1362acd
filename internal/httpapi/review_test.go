package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/app"
	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/eval"
	"supportd/internal/httpapi"
	"supportd/internal/metrics"
	"supportd/internal/notify"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

const (
	weatherQuestion  = "What will the weather be in Paris tomorrow?"
	passwordQuestion = "How do I reset my password?"
)

// deskEvent is what the helpdesk receives.
type deskEvent struct {
	Event string    `json:"event"`
	At    time.Time `json:"at"`
	Data  struct {
		TurnID         int64  `json:"turn_id"`
		ConversationID string `json:"conversation_id"`
		UserID         string `json:"user_id"`
		Reason         string `json:"reason"`
		ConsoleURL     string `json:"console_url"`
	} `json:"data"`
}

// reviewBundle is the API with feedback and the review queue, its
// observer's metrics, and a helpdesk receiving the webhook.
type reviewBundle struct {
	*bundle
	m    *metrics.Metrics
	hook *notify.Webhook
	desk chan deskEvent
}

// setupReview serves the demo corpus with Deps.Reviews, an observer built
// like cmd/supportd's and the same observer as the assistant's OnReview.
func setupReview(t *testing.T, o testkit.Options) *reviewBundle {
	t.Helper()
	b := &reviewBundle{m: metrics.New(), desk: make(chan deskEvent, 100)}
	desk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var ev deskEvent
		if r.Method != http.MethodPost || mt != "application/json" || json.NewDecoder(r.Body).Decode(&ev) != nil {
			http.Error(w, "bad webhook request", http.StatusBadRequest)
			return
		}
		b.desk <- ev
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(desk.Close)
	b.hook = notify.New(notify.Params{URL: desk.URL, Client: desk.Client(), Log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { b.hook.Run(ctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })

	obs := app.NewReviewObserver(b.m, b.hook, "https://help.example.com")
	o.OnReview = obs.Queued
	kit, _ := testkit.NewDemo(t, o)
	b.bundle = serve(t, kit, func(d *httpapi.Deps) { d.Review = app.Reviews{Reviews: kit.Store, Observer: obs} })
	return b
}

// delivered returns the events the helpdesk received, in order, up to now:
// it sends a marker and collects everything delivered before it, since
// the webhook delivers one event at a time in queue order.
func (b *reviewBundle) delivered(t *testing.T) []deskEvent {
	t.Helper()
	require.True(t, b.hook.Send("test.marker", map[string]any{}))
	var got []deskEvent
	for {
		select {
		case ev := <-b.desk:
			if ev.Event == "test.marker" {
				return got
			}
			got = append(got, ev)
		case <-time.After(10 * time.Second):
			require.FailNow(t, "the helpdesk received no marker", "got %+v", got)
		}
	}
}

// queued is what the helpdesk expects for one review item.
func queued(ans chatAnswer, reason string) deskEvent {
	var ev deskEvent
	ev.Event, ev.Data.TurnID, ev.Data.Reason = "review.queued", ans.TurnID, reason
	ev.Data.ConversationID = ans.ConversationID
	ev.Data.ConsoleURL = "https://help.example.com/console/conversations/" + ans.ConversationID
	return ev
}

// withoutTimes drops the events' timestamps, after checking they are recent.
func withoutTimes(t *testing.T, evs []deskEvent) []deskEvent {
	t.Helper()
	out := make([]deskEvent, len(evs))
	for i, ev := range evs {
		require.WithinDuration(t, time.Now(), ev.At, time.Minute)
		ev.At = time.Time{}
		out[i] = ev
	}
	return out
}

// withConversation is a feedback body for ans's turn with fields.
func withConversation(ans chatAnswer, fields string) string {
	return fmt.Sprintf(`{"conversation_id":%q,%s}`, ans.ConversationID, fields)
}

func (b *bundle) feedback(t *testing.T, turn string, body string) response {
	t.Helper()
	return b.do(t, http.MethodPost, "/v1/turns/"+turn+"/feedback", "application/json", strings.NewReader(body))
}

// rate posts a rating of the answer's turn, proving the conversation,
// with the further JSON fields (`"rating":"up"`), and requires a 201
// saying whether it queued the turn.
func (b *bundle) rate(t *testing.T, ans chatAnswer, fields string, wantQueued bool) {
	t.Helper()
	res := b.feedback(t, fmt.Sprint(ans.TurnID), withConversation(ans, fields))
	require.Equal(t, http.StatusCreated, res.status, "body: %s", res.body)
	requireJSON(t, res)
	require.JSONEq(t, fmt.Sprintf(`{"queued_for_review":%t}`, wantQueued), string(res.body))
}

// queue lists GET /v1/review?status=status.
func (b *bundle) queue(t *testing.T, status string) []store.ReviewItem {
	t.Helper()
	res := b.do(t, http.MethodGet, "/v1/review?status="+status, "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	requireJSON(t, res)
	var page struct {
		Items []store.ReviewItem `json:"items"`
	}
	decodeStrict(t, res.body, &page)
	require.NotNil(t, page.Items, "items must be a list, not null: %s", res.body)
	return page.Items
}

// reviewItem is what a queue item shows of a pending turn; the item's id
// and creation time are taken from got.
func reviewItem(got store.ReviewItem, kb, reason, question string, ans chatAnswer) store.ReviewItem {
	return store.ReviewItem{ID: got.ID, TurnID: ans.TurnID, ConversationID: ans.ConversationID, KB: kb, Reason: reason,
		Status: "pending", History: []store.Exchange{}, Question: question, Answer: ans.Answer, Mode: ans.Mode,
		Confidence: float64(float32(ans.Confidence)), Citations: ans.Citations, CreatedAt: got.CreatedAt}
}

func (b *bundle) resolve(t *testing.T, id string, body string) response {
	t.Helper()
	return b.do(t, http.MethodPost, "/v1/review/"+id+"/resolve", "application/json", strings.NewReader(body))
}

// feedbackRow is a stored rating.
type feedbackRow struct {
	TurnID  int64
	Rating  int
	Reason  string
	Comment string
}

func (b *bundle) feedbackRows(t *testing.T) []feedbackRow {
	t.Helper()
	rows, err := dbtest.Owner(t, b.kit.Store).Query(context.Background(),
		`SELECT turn_id, rating, reason, comment FROM feedback ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []feedbackRow
	for rows.Next() {
		var r feedbackRow
		require.NoError(t, rows.Scan(&r.TurnID, &r.Rating, &r.Reason, &r.Comment))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestFeedbackIsStoredSummarisedAndThumbsDownQueued(t *testing.T) {
	t.Parallel()
	b := setupReview(t, testkit.Options{})
	_, rep := b.kit.Ingest(t, "other", false, filepath.Join(testkit.DemoCorpus(), "billing"))
	require.Zero(t, rep.Counts["failed"])

	refund := b.chat(t, "demo", refundQuestion, "")
	reset := b.chat(t, "demo", passwordQuestion, "")
	other := b.chat(t, "other", refundQuestion, "")
	require.Equal(t, []string{"billing/refunds.md"}, citedDocs(refund))
	require.Equal(t, []string{"account/password-reset.md"}, citedDocs(reset))
	require.NotEmpty(t, other.Citations)
	require.Empty(t, b.queue(t, ""), "confident answers are not queued")

	b.rate(t, refund, `"rating":"up"`, false)
	b.rate(t, refund, `"rating":"down","reason":"wrong","comment":"It is 30 days for annual plans."`, true)
	// Already waiting for a person: stored, not queued twice.
	b.rate(t, refund, `"rating":"down"`, false)
	b.rate(t, reset, `"rating":"down","reason":"outdated"`, true)
	b.rate(t, other, `"rating":"up","comment":"thanks"`, false)

	// Rejected ratings store nothing.
	long := strings.Repeat("x", 101)
	refundID, body := fmt.Sprint(refund.TurnID), func(fields string) string { return withConversation(refund, fields) }
	for _, tc := range []struct {
		name, turn, contentType, body string
		wantStatus                    int
		wantCode                      core.Code
	}{
		{"bad rating", refundID, "application/json", body(`"rating":"meh"`), 400, core.CodeInvalid},
		{"missing rating", refundID, "application/json", body(`"comment":"x"`), 400, core.CodeInvalid},
		{"numeric rating", refundID, "application/json", body(`"rating":1`), 400, core.CodeInvalid},
		{"reason too long", refundID, "application/json", body(`"rating":"down","reason":"` + long + `"`), 400, core.CodeInvalid},
		{"unknown field", refundID, "application/json", body(`"rating":"up","stars":5`), 400, core.CodeInvalid},
		{"not json", refundID, "text/plain", body(`"rating":"up"`), 415, core.CodeUnsupportedMedia},
		{"missing conversation", refundID, "application/json", `{"rating":"up"}`, 400, core.CodeInvalid},
		{"conversation not a uuid", refundID, "application/json", `{"conversation_id":"42","rating":"up"}`, 400, core.CodeInvalid},
		// Turn ids are sequential: without the turn's own conversation a
		// rating is refused as if the turn did not exist.
		{"another conversation", refundID, "application/json", withConversation(reset, `"rating":"down"`), 404, core.CodeNotFound},
		{"unknown turn", "999999", "application/json", body(`"rating":"up"`), 404, core.CodeNotFound},
		{"malformed id", "abc", "application/json", body(`"rating":"up"`), 400, core.CodeInvalid},
		{"zero id", "0", "application/json", body(`"rating":"up"`), 400, core.CodeInvalid},
		{"negative id", "-3", "application/json", body(`"rating":"up"`), 400, core.CodeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := b.do(t, http.MethodPost, "/v1/turns/"+tc.turn+"/feedback", tc.contentType, strings.NewReader(tc.body))
			requireError(t, res, tc.wantStatus, tc.wantCode)
		})
	}

	require.Equal(t, []feedbackRow{
		{refund.TurnID, 1, "", ""},
		{refund.TurnID, -1, "wrong", "It is 30 days for annual plans."},
		{refund.TurnID, -1, "", ""},
		{reset.TurnID, -1, "outdated", ""},
		{other.TurnID, 1, "", "thanks"},
	}, b.feedbackRows(t))

	summary := func(query string) string {
		t.Helper()
		res := b.do(t, http.MethodGet, "/v1/feedback"+query, "", nil)
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		requireJSON(t, res)
		return string(res.body)
	}
	// Documents: each rating counts for every document its turn cited,
	// most thumbs-down first.
	require.JSONEq(t, `{
		"knowledge_bases": [{"name": "demo", "up": 1, "down": 3}],
		"documents": [
			{"name": "billing/refunds.md", "up": 1, "down": 2},
			{"name": "account/password-reset.md", "up": 0, "down": 1}
		]}`, summary("?kb=demo"))
	require.JSONEq(t, `{"knowledge_bases": [{"name": "other", "up": 1, "down": 0}], "documents": [`+
		docCounts(citedDocs(other), 1, 0)+`]}`, summary("?kb=other"))
	require.JSONEq(t, `{"knowledge_bases": [], "documents": []}`, summary("?kb=nope"))
	all := summary("")
	var got struct {
		KBs []store.FeedbackCount `json:"knowledge_bases"`
	}
	require.NoError(t, json.Unmarshal([]byte(all), &got))
	require.Equal(t, []store.FeedbackCount{{Name: "demo", Up: 1, Down: 3}, {Name: "other", Up: 1, Down: 0}}, got.KBs)

	// Both thumbs-down turns wait for a person, newest first.
	items := b.queue(t, "pending")
	require.Len(t, items, 2)
	wantReset := reviewItem(items[0], "demo", "thumbs_down", passwordQuestion, reset)
	wantReset.FeedbackReason = "outdated"
	require.Equal(t, wantReset, items[0])
	wantRefund := reviewItem(items[1], "demo", "thumbs_down", refundQuestion, refund)
	wantRefund.FeedbackReason, wantRefund.FeedbackComment = "wrong", "It is 30 days for annual plans."
	require.Equal(t, wantRefund, items[1], "the latest thumbs-down that said why")
	require.Greater(t, items[0].ID, items[1].ID)
	require.Empty(t, b.queue(t, "resolved"))

	// The helpdesk heard about each new item once; metrics count ratings
	// and items.
	require.Equal(t, []deskEvent{queued(refund, "thumbs_down"), queued(reset, "thumbs_down")},
		withoutTimes(t, b.delivered(t)))
	require.Equal(t, map[string]float64{`kb="demo",rating="up"`: 1, `kb="demo",rating="down"`: 3, `kb="other",rating="up"`: 1},
		gathered(t, b.m, "supportd_feedback_total"))
	require.Equal(t, map[string]float64{`reason="thumbs_down"`: 2}, gathered(t, b.m, "supportd_review_items_total"))
}

func citedDocs(a chatAnswer) []string {
	var out []string
	for _, c := range a.Citations {
		out = append(out, c.Document)
	}
	return out
}

// docCounts renders the documents part of a feedback summary for docs that
// share the same counts.
func docCounts(docs []string, up, down int) string {
	var parts []string
	for _, d := range docs {
		parts = append(parts, fmt.Sprintf(`{"name":%q,"up":%d,"down":%d}`, d, up, down))
	}
	return strings.Join(parts, ",")
}

// gathered reads family name from m's registry like scrape.series does
// from the page.
func gathered(t *testing.T, m *metrics.Metrics, name string) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	require.NoError(t, err)
	s := scrape{}
	for _, f := range fams {
		s[f.GetName()] = f
	}
	return s.series(name)
}

// Handoffs are queued through the assistant's OnReview, confident answers
// are not, and evaluation traffic never is.
func TestHandoffsAreQueuedForReview(t *testing.T) {
	t.Parallel()
	b := setupReview(t, testkit.Options{})

	confident := b.chat(t, "demo", refundQuestion, "")
	require.Equal(t, "extractive", confident.Mode)
	require.GreaterOrEqual(t, confident.Confidence, 0.5, "above the default review confidence")
	handoff := b.chatUser(t, weatherQuestion, "", "user-9")
	require.Equal(t, "handoff", handoff.Mode)

	// An evaluation asks the same out-of-scope question directly.
	ans, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo",
		Question: weatherQuestion, ClientID: "eval", Purpose: core.PurposeEvaluation})
	require.NoError(t, err)
	require.Equal(t, core.ModeHandoff, ans.Mode)

	items := b.queue(t, "pending")
	require.Len(t, items, 1)
	want := reviewItem(items[0], "demo", "handoff", weatherQuestion, handoff)
	want.EndUser = "user-9"
	require.Equal(t, want, items[0])
	require.Equal(t, []core.Citation{}, items[0].Citations)
	// The helpdesk hears who asked, in which conversation, and where the
	// console shows it.
	ev := queued(handoff, "handoff")
	ev.Data.UserID = "user-9"
	require.Equal(t, []deskEvent{ev}, withoutTimes(t, b.delivered(t)))
	require.Equal(t, map[string]float64{`reason="handoff"`: 1}, gathered(t, b.m, "supportd_review_items_total"))
}

// An answer above MinConfidence but below ReviewConfidence is given and
// queued; evaluation traffic of the same confidence is not.
func TestLowConfidenceAnswersAreQueuedForReview(t *testing.T) {
	t.Parallel()
	b := setupReview(t, testkit.Options{Assistant: assistant.Params{ReviewConfidence: 0.99}})

	low := b.chat(t, "demo", refundQuestion, "")
	require.Equal(t, "extractive", low.Mode)
	require.Less(t, low.Confidence, 0.99)
	ans, err := b.kit.Assistant.Answer(context.Background(), assistant.Turn{Tenant: testkit.Tenant, KB: "demo",
		Question: refundQuestion, ClientID: "eval", Purpose: core.PurposeEvaluation})
	require.NoError(t, err)
	require.Equal(t, low.Confidence, ans.Confidence)

	items := b.queue(t, "pending")
	require.Len(t, items, 1)
	require.Equal(t, reviewItem(items[0], "demo", "low_confidence", refundQuestion, low), items[0])
	require.Equal(t, []deskEvent{queued(low, "low_confidence")}, withoutTimes(t, b.delivered(t)))
}

func TestReviewItemsAreResolvedAndExportedAsGoldenCases(t *testing.T) {
	t.Parallel()
	b := setupReview(t, testkit.Options{})
	// The refund question follows another in the same conversation: the
	// item carries that history, and so does its golden case.
	first := b.chat(t, "demo", "How do I turn on two-factor authentication?", "")
	refund := b.chat(t, "demo", refundQuestion, first.ConversationID)
	b.rate(t, refund, `"rating":"down","reason":"wrong","comment":"It is 30 days."`, true)
	handoff := b.chat(t, "demo", weatherQuestion, "")
	reset := b.chat(t, "demo", passwordQuestion, "")
	b.rate(t, reset, `"rating":"down"`, true)
	items := b.queue(t, "pending")
	require.Len(t, items, 3)
	resetItem, handoffItem, refundItem := items[0], items[1], items[2]
	require.Equal(t, []int64{reset.TurnID, handoff.TurnID, refund.TurnID},
		[]int64{resetItem.TurnID, handoffItem.TurnID, refundItem.TurnID})
	require.Equal(t, []store.Exchange{{Question: "How do I turn on two-factor authentication?", Answer: first.Answer}}, refundItem.History)
	require.Equal(t, refund.ConversationID, refundItem.ConversationID)
	require.Equal(t, "It is 30 days.", refundItem.FeedbackComment)
	refundID, handoffID, resetID := fmt.Sprint(refundItem.ID), fmt.Sprint(handoffItem.ID), fmt.Sprint(resetItem.ID)

	const corrected = "Annual plans can be refunded in full within 30 days of purchase."
	before := time.Now()
	res := b.resolve(t, refundID, `{"label":"incorrect","corrected_answer":"  `+corrected+` [P1]\n",
		"expected_sources":["billing/refunds.md"],"required_facts":["30 days","re:in full"]}`)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	requireJSON(t, res)
	var resolved store.ReviewItem
	decodeStrict(t, res.body, &resolved)
	require.NotNil(t, resolved.ResolvedAt)
	require.WithinDuration(t, before, *resolved.ResolvedAt, time.Minute)
	want := reviewItem(refundItem, "demo", "thumbs_down", refundQuestion, refund)
	want.History, want.FeedbackReason, want.FeedbackComment = refundItem.History, "wrong", "It is 30 days."
	want.Status, want.Label, want.CorrectedAnswer, want.ResolvedBy = "resolved", "incorrect", corrected+" [P1]", "key:dev"
	want.ExpectedSources, want.RequiredFacts = []string{"billing/refunds.md"}, []string{"30 days", "re:in full"}
	want.ResolvedAt = resolved.ResolvedAt
	require.Equal(t, want, resolved)

	for _, tc := range []struct {
		name, id, body string
		wantStatus     int
		wantCode       core.Code
		wantMessage    string
	}{
		{"already resolved", refundID, `{"label":"correct"}`, 409, core.CodeConflict, ""},
		{"unknown item", "999999", `{"label":"correct"}`, 404, core.CodeNotFound, ""},
		{"bad label", resetID, `{"label":"wrong"}`, 400, core.CodeInvalid,
			"label must be one of correct, incorrect, should_handoff, should_answer"},
		{"old label", resetID, `{"label":"out_of_scope"}`, 400, core.CodeInvalid, ""},
		{"missing label", resetID, `{"corrected_answer":"x"}`, 400, core.CodeInvalid, ""},
		{"incorrect without the correction", resetID, `{"label":"incorrect"}`, 400, core.CodeInvalid,
			"label incorrect needs the corrected_answer"},
		{"should answer without the answer", resetID, `{"label":"should_answer","missing_document":"x.md"}`, 400, core.CodeInvalid,
			"label should_answer needs the corrected_answer"},
		{"handoff with facts", resetID, `{"label":"should_handoff","required_facts":["x"]}`, 400, core.CodeInvalid,
			"a turn that should have been handed off takes no corrected_answer, sources or facts"},
		{"bad regexp fact", resetID, `{"label":"incorrect","corrected_answer":"x","required_facts":["re:("]}`, 400, core.CodeInvalid,
			"required_facts[0]: invalid regexp: missing closing ): `(`"},
		{"repeated source", resetID, `{"label":"incorrect","corrected_answer":"x","expected_sources":["a.md","a.md"]}`, 400, core.CodeInvalid,
			`expected_sources[1]: duplicate of expected_sources[0] "a.md"`},
		{"correction too long", resetID, `{"label":"incorrect","corrected_answer":"` + strings.Repeat("x", 10001) + `"}`, 400, core.CodeInvalid, ""},
		{"malformed id", "abc", `{"label":"correct"}`, 400, core.CodeInvalid, ""},
		{"zero id", "0", `{"label":"correct"}`, 400, core.CodeInvalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := requireError(t, b.resolve(t, tc.id, tc.body), tc.wantStatus, tc.wantCode)
			if tc.wantMessage != "" {
				require.Equal(t, tc.wantMessage, e.Error.Message)
			}
		})
	}

	// Another tenant sees none of it.
	acme := serve(t, b.kit, func(d *httpapi.Deps) { d.Access.Tenant, d.Review = "acme", b.kit.Store })
	requireError(t, acme.resolve(t, resetID, `{"label":"correct"}`), 404, core.CodeNotFound)
	requireError(t, acme.feedback(t, fmt.Sprint(reset.TurnID), withConversation(reset, `"rating":"up"`)), 404, core.CodeNotFound)
	require.Empty(t, acme.queue(t, ""))

	res = b.resolve(t, handoffID, `{"label":"should_handoff"}`)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	// Wrong, with a correction but no sources: the wrong citations must not
	// become the case's expected sources.
	res = b.resolve(t, resetID, `{"label":"incorrect","corrected_answer":"Use the Forgot password link [1]."}`)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.Empty(t, b.queue(t, "pending"))
	require.Len(t, b.queue(t, "resolved"), 3)
	requireError(t, b.do(t, http.MethodGet, "/v1/review?status=open", "", nil), 400, core.CodeInvalid)
	requireError(t, b.do(t, http.MethodGet, "/v1/review?limit=0", "", nil), 400, core.CodeInvalid)
	require.Equal(t, 3, b.count(t, `SELECT count(*) FROM audit_log WHERE action = 'review.resolve' AND actor = 'key:dev'`))

	// since=last exports what no export has, oldest first, and records it.
	res = b.do(t, http.MethodGet, "/v1/review/export?since=last", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.Equal(t, "application/x-ndjson", res.header.Get("Content-Type"))
	require.Equal(t, "1", res.header.Get("X-Export-Id"))
	require.Equal(t, 3, testkit.RequireGoldenLines(t, res.body), "every exported case validates against goldenset/schema.json")
	set, err := eval.ParseGolden(bytes.NewReader(res.body), "review.jsonl")
	require.NoError(t, err, "export: %s", res.body)
	require.Equal(t, []eval.Case{
		{ID: "review-" + refundID, Question: refundQuestion, ReferenceAnswer: corrected,
			History:       []eval.Message{{Role: "user", Content: "How do I turn on two-factor authentication?"}, {Role: "assistant", Content: eval.StripMarkers(first.Answer)}},
			RequiredFacts: []string{"30 days", "re:in full"}, ExpectedSources: []string{"billing/refunds.md"},
			Tags: []string{"reviewed", "incorrect", "thumbs_down", "kb:demo"}, Line: 1},
		{ID: "review-" + handoffID, Question: weatherQuestion, RequiredFacts: []string{}, ExpectedSources: []string{}, ShouldHandoff: true,
			Tags: []string{"reviewed", "should_handoff", "handoff", "kb:demo"}, Line: 2},
		{ID: "review-" + resetID, Question: passwordQuestion, ReferenceAnswer: "Use the Forgot password link.",
			RequiredFacts: []string{}, ExpectedSources: []string{}, Tags: []string{"reviewed", "incorrect", "thumbs_down", "kb:demo"}, Line: 3},
	}, set.Cases)
	require.NotContains(t, string(res.body), "[1]")
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM audit_log WHERE action = 'review.export' AND target = '1'`))

	res = b.do(t, http.MethodGet, "/v1/review/export?since=last", "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.Empty(t, res.body, "nothing new since the last export")
	require.Empty(t, res.header.Get("X-Export-Id"))

	// A new verdict is the next export's only case; without since, every
	// resolved item comes back and nothing is recorded.
	reopened := b.chat(t, "demo", "How do I cancel my subscription?", "")
	b.rate(t, reopened, `"rating":"down"`, true)
	item := b.queue(t, "pending")[0]
	res = b.resolve(t, fmt.Sprint(item.ID), `{"label":"correct"}`)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	res = b.do(t, http.MethodGet, "/v1/review/export?since=last", "", nil)
	require.Equal(t, "2", res.header.Get("X-Export-Id"))
	require.Equal(t, 1, testkit.RequireGoldenLines(t, res.body))
	require.Contains(t, string(res.body), `"id":"review-`+fmt.Sprint(item.ID)+`"`)
	res = b.do(t, http.MethodGet, "/v1/review/export", "", nil)
	require.Equal(t, 4, testkit.RequireGoldenLines(t, res.body))
	require.Empty(t, res.header.Get("X-Export-Id"))
	res = b.do(t, http.MethodGet, "/v1/review/export?since="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), "", nil)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	require.Empty(t, res.body)
	requireError(t, b.do(t, http.MethodGet, "/v1/review/export?since=yesterday", "", nil), 400, core.CodeInvalid)
}

// A thumbs-down on a resolved turn puts it back in the queue as a fresh
// item: pending, without the earlier reviewer's verdict.
func TestThumbsDownReopensAResolvedItem(t *testing.T) {
	t.Parallel()
	b := setupReview(t, testkit.Options{})
	refund := b.chat(t, "demo", refundQuestion, "")
	b.rate(t, refund, `"rating":"down"`, true)
	items := b.queue(t, "pending")
	require.Len(t, items, 1)
	res := b.resolve(t, fmt.Sprint(items[0].ID), `{"label":"incorrect","corrected_answer":"Thirty days."}`)
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)

	b.rate(t, refund, `"rating":"down","reason":"still wrong"`, true)
	items = b.queue(t, "pending")
	require.Len(t, items, 1)
	want := reviewItem(items[0], "demo", "thumbs_down", refundQuestion, refund)
	want.FeedbackReason = "still wrong"
	require.Equal(t, want, items[0], "a reopened item must not carry the previous verdict")
	require.Equal(t, []deskEvent{queued(refund, "thumbs_down"), queued(refund, "thumbs_down")},
		withoutTimes(t, b.delivered(t)))
}
