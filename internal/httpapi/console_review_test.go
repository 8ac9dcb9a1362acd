package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/app"
	"supportd/internal/dbtest"
	"supportd/internal/eval"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
)

func TestConsoleReviewRelabelExportAndGolden(t *testing.T) {
	t.Parallel()
	golden := filepath.Join(t.TempDir(), "golden.jsonl")
	demo, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(golden, demo, 0o644))
	before, err := eval.LoadGolden(golden)
	require.NoError(t, err)
	b := setupConsole(t, func(d *httpapi.Deps) {
		d.Console.Golden = &app.GoldenFile{Path: golden, KB: "demo"}
		d.Console.Now = func() time.Time { return time.Now().Add(time.Hour) }
	})

	answered := b.chatUser(t, refundQuestion, "", "user-1")
	require.NotEmpty(t, answered.Citations)
	fb := b.postJSON(t, fmt.Sprintf("/v1/turns/%d/feedback", answered.TurnID), map[string]string{
		"conversation_id": answered.ConversationID, "rating": "down", "reason": "wrong", "comment": "It was a monthly plan"})
	require.Equal(t, http.StatusCreated, fb.status, "%s", fb.body)
	handoff := b.chatUser(t, weatherQuestion, "", "user-2")
	require.Equal(t, "handoff", handoff.Mode)

	br := b.browser(t)
	br.signIn(b.agent)
	items := regexp.MustCompile(`id="item-(\d+)"`)
	p := br.get("/console/review")
	require.Equal(t, http.StatusOK, p.status)
	requireStrictPage(t, p)
	require.Len(t, items.FindAllStringSubmatch(p.body, -1), 2)
	require.Contains(t, p.body, "It was a monthly plan")

	today := time.Now().UTC().Format(time.DateOnly)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	for query, want := range map[string]int{
		"?reason=thumbs_down":             1,
		"?reason=handoff&kb=demo":         1,
		"?kb=nope":                        0,
		"?from=" + today + "&to=" + today: 2,
		"?to=" + yesterday:                0,
		"?status=resolved":                0,
		"?status=all":                     2,
	} {
		p := br.get("/console/review" + query)
		require.Equal(t, http.StatusOK, p.status, query)
		require.Len(t, items.FindAllStringSubmatch(p.body, -1), want, query)
	}
	for _, bad := range []string{"?status=open", "?reason=bored", "?from=yesterday"} {
		require.Equal(t, http.StatusBadRequest, br.get("/console/review"+bad).status, bad)
	}
	p = br.get("/console/review?reason=thumbs_down")
	id := items.FindStringSubmatch(p.body)[1]
	doc := answered.Citations[0].Document
	require.Contains(t, p.body, `name="expected_sources" value="`+doc+`"`)

	// The form's rules are the API's.
	p = br.post("/console/review/"+id, url.Values{"label": {"incorrect"}})
	require.Equal(t, http.StatusBadRequest, p.status)
	require.Contains(t, p.body, "label incorrect needs the corrected_answer")
	p = br.post("/console/review/"+id, url.Values{"label": {"incorrect"}, "back": {"/console/review?reason=thumbs_down"},
		"corrected_answer": {"Monthly plans are refunded pro rata within 14 days."},
		"expected_sources": {doc}, "required_facts": {"pro rata\r\n\r\n 14 days \n"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, "/console/review?done=resolved&reason=thumbs_down", p.location())
	p = br.get(p.location())
	require.Contains(t, p.body, "Label saved.")
	require.Empty(t, items.FindAllStringSubmatch(p.body, -1))
	require.Equal(t, http.StatusConflict, br.post("/console/review/"+id, url.Values{"label": {"should_handoff"}}).status)

	p = br.get("/console/review/export")
	require.Equal(t, http.StatusOK, p.status)
	require.Equal(t, `attachment; filename="labels-`+time.Now().Add(time.Hour).UTC().Format(time.DateOnly)+`.jsonl"`,
		p.header.Get("Content-Disposition"))
	require.Equal(t, 1, testkit.RequireGoldenLines(t, []byte(p.body)))
	set, err := eval.ParseGolden(strings.NewReader(p.body), "export")
	require.NoError(t, err)
	c := set.Cases[0]
	require.Equal(t, "review-"+id, c.ID)
	require.Equal(t, refundQuestion, c.Question)
	require.Equal(t, "Monthly plans are refunded pro rata within 14 days.", c.ReferenceAnswer)
	require.Equal(t, []string{doc}, c.ExpectedSources)
	require.Equal(t, []string{"pro rata", "14 days"}, c.RequiredFacts)

	p = br.post("/console/review/golden", nil)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = br.get(p.location())
	require.Contains(t, p.body, "Exported 1 label(s); 1 added to the golden set, 0 already in it.")
	after, err := eval.LoadGolden(golden)
	require.NoError(t, err)
	require.Len(t, after.Cases, len(before.Cases)+1)
	require.Equal(t, "review-"+id, after.Cases[len(after.Cases)-1].ID)
	data, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(data, demo), "the set grows at its end")
	p = br.get(br.post("/console/review/golden", nil).location())
	require.Contains(t, p.body, "Exported 0 label(s); 0 added to the golden set, 0 already in it.")
}

// When the golden set cannot take the labels, the page says so and no
// label counts as exported: pressing the button again once the file is
// back adds them.
func TestConsoleGoldenFailureExportsNothing(t *testing.T) {
	t.Parallel()
	golden := filepath.Join(t.TempDir(), "golden.jsonl")
	demo, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	logs := &logBuffer{}
	b := setupConsole(t, func(d *httpapi.Deps) {
		d.Console.Golden = &app.GoldenFile{Path: golden, KB: "demo"}
		d.Log = slog.New(slog.NewJSONHandler(logs, nil))
	})

	answered := b.chatUser(t, refundQuestion, "", "user-1")
	fb := b.postJSON(t, fmt.Sprintf("/v1/turns/%d/feedback", answered.TurnID), map[string]string{
		"conversation_id": answered.ConversationID, "rating": "down", "reason": "wrong"})
	require.Equal(t, http.StatusCreated, fb.status, "%s", fb.body)
	br := b.browser(t)
	br.signIn(b.agent)
	id := regexp.MustCompile(`id="item-(\d+)"`).FindStringSubmatch(br.get("/console/review").body)[1]
	p := br.post("/console/review/"+id, url.Values{"label": {"correct"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)

	// The golden file is missing: nothing can be appended to it.
	p = br.post("/console/review/golden", nil)
	require.Equal(t, http.StatusServiceUnavailable, p.status)
	require.Contains(t, p.body, "The golden set could not be updated")
	require.Contains(t, p.body, "No label was marked exported")
	// Agents see no server paths; the log has the cause.
	require.NotContains(t, p.body, filepath.Dir(golden))
	var logged []string
	for _, rec := range logs.records(t) {
		if rec["msg"] == "console request failed" {
			logged = append(logged, fmt.Sprint(rec["err"]))
		}
	}
	require.Len(t, logged, 1)
	require.Contains(t, logged[0], golden)
	var exports int
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM review_exports) + (SELECT count(*) FROM review_items WHERE export_id IS NOT NULL)`).Scan(&exports))
	require.Zero(t, exports)

	require.NoError(t, os.WriteFile(golden, demo, 0o644))
	p = br.get(br.post("/console/review/golden", nil).location())
	require.Contains(t, p.body, "Exported 1 label(s); 1 added to the golden set, 0 already in it.")
}
