package digest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/digest"
	"supportd/internal/drift"
	"supportd/internal/eval"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

func TestMarkdown(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	d := digest.Digest{KB: "demo", From: from, To: from.Add(7 * 24 * time.Hour),
		This: drift.Window{N: 200, Handoffs: 50, HandoffRate: 0.25, LowConfidence: 60, LowRate: 0.3, Topics: []drift.Topic{
			{Topic: "quillpad", NoDocument: true, RecentCount: 40, UnansweredCount: 38},
			{Topic: "billing/refunds.md", RecentCount: 30, UnansweredCount: 6, ReferenceCount: 20, ReferenceUnansweredShare: 0.1}}},
		Before:     drift.Window{N: 180, HandoffRate: 0.1, LowRate: 0.3},
		Relabelled: map[string]int{"incorrect": 3, "should_handoff": 1},
		Golden:     &digest.Golden{Path: "goldenset/demo.jsonl", Cases: 68, TunedCases: 50, Retune: true},
		Eval: &digest.EvalResult{RunID: 12, StartedAt: from.Add(5 * 24 * time.Hour), Trigger: "schedule", Cases: 68, PassRate: 0.31,
			BaselineID: 3, Regressed: true, Flipped: []string{"billing-001", "api-004"},
			Moves: []eval.Move{{Metric: "recall@k", Base: 0.94, Current: 0.71, Regressed: true}}},
		Drift: &digest.DriftSignals{ReportID: 40, CreatedAt: from.Add(7 * 24 * time.Hour), Alert: true,
			Alerted:  []drift.Signal{{Name: "handoff", Detail: "share of handoffs 10% → 25%"}},
			NewTerms: []string{"quillpad", "firmware"}},
	}
	var b bytes.Buffer
	require.NoError(t, d.Markdown(&b))
	require.Equal(t, `# Weekly digest: demo

2026-11-26 07:00 to 2026-12-03 07:00 (UTC)

## Questions

- questions answered: **200** (180 the period before)
- handoff rate: **25.0%** (↑ 15.0 pts from 10.0%)
- low-confidence rate: **30.0%** (unchanged from 30.0%)

## Top failing topics

| topic | unanswered | of | the period before |
| --- | ---: | ---: | ---: |
| “quillpad” (no document found) | 38 | 40 | — |
| `+"`billing/refunds.md`"+` | 6 | 30 | 10.0% of 20 |

## Relabelled

- items relabelled: **4** (incorrect 3, should_handoff 1)
- golden set `+"`goldenset/demo.jsonl`"+`: **68** cases
- the golden set grew from 50 to 68 cases since retrieval was last tuned: run `+"`supportd tune --kb demo --golden goldenset/demo.jsonl`"+`

## Evaluation

- run #12 (2026-12-01, schedule): pass rate **0.310** on 68 cases against pinned baseline #3: **REGRESSION**: 2 case(s) flipped from pass to fail
  - recall@k: 0.940 → 0.710

## Drift

- report #40 (2026-12-03 07:00): **DRIFT ALERT**
  - handoff: share of handoffs 10% → 25%
  - new terms: quillpad, firmware
`, b.String())

	b.Reset()
	require.NoError(t, digest.Digest{KB: "new", From: from, To: from.Add(time.Hour), Relabelled: map[string]int{}}.Markdown(&b))
	require.Contains(t, b.String(), "- handoff rate: **0.0%** (no questions the period before)\n")
	require.Contains(t, b.String(), "none: every question was answered with confidence\n")
	require.Contains(t, b.String(), "- no complete evaluation yet\n")
	require.Contains(t, b.String(), "- no drift report yet\n")
}

// Build reads the week from the real store: the trend comes from the week
// before, the relabelled items from the review queue, the evaluation's
// verdict from its stored comparison.
func TestBuild(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	ctx := context.Background()
	kb := kit.KB(t, "demo")
	st := kit.Store
	save := func(q string, mode core.Mode, conf float64, review string) int64 {
		id, err := st.SaveTurn(ctx, store.TurnWrite{Tenant: testkit.Tenant, ConversationID: uuid.NewString(), KBID: kb.ID,
			Question: q, Answer: "a", Mode: mode, Confidence: conf, ClientID: "t", Review: review})
		require.NoError(t, err)
		return id
	}
	old := []int64{save("How do I reset my password?", core.ModeExtractive, 0.9, ""), save("Refund please", core.ModeHandoff, 0.1, "")}
	_, err := dbtest.Owner(t, st).Exec(ctx, `UPDATE turns SET created_at = now() - interval '8 days' WHERE id = ANY($1)`, old)
	require.NoError(t, err)
	for range 3 {
		save("QuillPad will not pair", core.ModeHandoff, 0.1, "handoff")
	}
	save("How do I reset my password?", core.ModeExtractive, 0.9, "")
	items, err := st.ReviewItems(ctx, store.ReviewFilter{Tenant: testkit.Tenant, Status: "pending", Limit: 10})
	require.NoError(t, err)
	_, err = st.ResolveReview(ctx, testkit.Tenant, items[0].ID, store.Resolution{Label: "should_answer", CorrectedAnswer: "Hold the button.", Actor: "cli"})
	require.NoError(t, err)
	rep, err := json.Marshal(drift.Report{Alert: true, Signals: []drift.Signal{{Name: "handoff", Alert: true, Detail: "up"}},
		NewTerms: []drift.Term{{Term: "quillpad"}}})
	require.NoError(t, err)
	_, err = st.SaveDriftReport(ctx, testkit.Tenant, "demo", true, rep)
	require.NoError(t, err)
	golden := filepath.Join(t.TempDir(), "g.jsonl")
	require.NoError(t, os.WriteFile(golden, []byte(`{"id":"a","question":"q?","reference_answer":"r","required_facts":[],"expected_sources":[],"should_handoff":false,"tags":[]}`+"\n"), 0o644))

	b := digest.NewBuilder(st, eval.NewRunner(kit.Assistant, st, kit.Log, time.Now), digest.Params{LowConfidence: 0.35,
		GoldenPath: golden, GoldenKB: "demo", Now: func() time.Time { return time.Now().Add(time.Minute) }})
	d, err := b.Build(ctx, testkit.Tenant, "demo")
	require.NoError(t, err)
	require.Equal(t, 4, d.This.N)
	require.Equal(t, 3, d.This.Handoffs)
	require.Equal(t, 2, d.Before.N)
	require.Equal(t, 1, d.Before.Handoffs)
	require.Equal(t, "quillpad", d.This.Topics[0].Topic)
	require.Equal(t, map[string]int{"should_answer": 1}, d.Relabelled)
	require.Equal(t, &digest.Golden{Path: golden, Cases: 1}, d.Golden)
	// Tuned on that one case: one more is 100% growth, past RetuneGrowth.
	require.NoError(t, st.SetRetrieval(ctx, testkit.Tenant, "demo", store.Retrieval{RRFK: 60, TextWeight: 1, Candidates: 50, GoldenCases: 1}))
	d, err = b.Build(ctx, testkit.Tenant, "demo")
	require.NoError(t, err)
	require.Equal(t, &digest.Golden{Path: golden, Cases: 1, TunedCases: 1}, d.Golden)
	f, err := os.OpenFile(golden, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"id":"b","question":"q2?","reference_answer":"r","required_facts":[],"expected_sources":[],"should_handoff":false,"tags":[]}` + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	d, err = b.Build(ctx, testkit.Tenant, "demo")
	require.NoError(t, err)
	require.Equal(t, &digest.Golden{Path: golden, Cases: 2, TunedCases: 1, Retune: true}, d.Golden)
	require.Nil(t, d.Eval, "no evaluation yet")
	require.True(t, d.Drift.Alert)
	require.Equal(t, []string{"quillpad"}, d.Drift.NewTerms)

	kit.KB(t, "other")
	other, err := b.Build(ctx, testkit.Tenant, "other")
	require.NoError(t, err)
	require.Zero(t, other.This.N)
	require.Nil(t, other.Golden, "the golden set belongs to demo")
	require.Nil(t, other.Drift)
	_, err = b.Build(ctx, testkit.Tenant, "nope")
	require.Equal(t, core.CodeKBNotFound, core.ErrorCode(err))
}
