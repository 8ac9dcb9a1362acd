package eval

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

const scriptFailure = `unsupported claim: <script>alert(1)</script>`

// newTestReport builds run #42 against baseline #41: six cases over the
// tags billing and account, one regressed move (billing pass rate), one
// flipped case (billing-proration), one fixed case and four runs of history.
func newTestReport() Report {
	start := time.Date(2025, 6, 3, 9, 0, 0, 0, time.UTC)
	finish := start.Add(3*time.Minute + 12*time.Second)
	result := func(id, tag, status string, pass bool, metrics map[string]float64, mode string, ms int, failures ...string) CaseResult {
		return CaseResult{CaseID: id, Tags: []string{tag}, Status: status, Pass: pass, Metrics: metrics, Failures: failures,
			Obs: Observation{Mode: mode, Latency: time.Duration(ms) * time.Millisecond, PromptTokens: 900, OutputTokens: 180, CostUSD: 0.001}}
	}
	results := []CaseResult{
		result("billing-refund-window", "billing", StatusOK, true,
			map[string]float64{MetricFactCoverage: 1, MetricRecallAtK: 1, MetricMRR: 1, MetricGroundedness: 0.96}, "answered", 820),
		result("billing-proration", "billing", StatusOK, false,
			map[string]float64{MetricFactCoverage: 0.5, MetricRecallAtK: 1, MetricMRR: 0.5, MetricGroundedness: 0.9}, "answered", 1310,
			`missing fact "prorated daily"`),
		result("billing-invoice-pdf", "billing", StatusStale, false, map[string]float64{}, "answered", 640,
			"expected source kb://billing/invoices-v1 is gone"),
		result("account-delete", "account", StatusOK, true,
			map[string]float64{MetricDeclineCorrect: 1}, "handoff", 410),
		result("account-2fa-reset", "account", StatusOK, false,
			map[string]float64{MetricFactCoverage: 0.67, MetricRecallAtK: 0.5, MetricMRR: 1, MetricGroundedness: 0.62}, "answered", 2400,
			scriptFailure, "cites https://evil.example/phish, which was not retrieved"),
		result("account-email-change", "account", StatusError, false, map[string]float64{}, "", 30000),
	}
	results[5].Obs.Error = "llm: upstream timeout after 30s"
	results[5].Failures = []string{"pipeline error: llm: upstream timeout after 30s"} // as Score records it
	run := Run{
		Meta: RunMeta{
			ID: 42, StartedAt: start, FinishedAt: &finish, Status: "complete", Trigger: "cli",
			GoldenPath: "eval/golden/support.jsonl", GoldenHash: "3f2a9c1b7d0e5a4b8c6d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b",
			KB: "acme-help", ContentVersion: 17, PromptVersions: map[string]string{"answer": "v3", "rewrite": "v1"},
			Model: "gpt-4o-mini", GitCommit: "a1b2c3d4e5f6a7b8c9d0", Config: map[string]any{"top_k": 8.0},
		},
		Summary: Summary{
			Cases: 6, Passed: 2, Errors: 1, Stale: 1,
			PassRate: Stat{Mean: 0.5, N: 4, CI: Interval{Lo: 0, Hi: 1}},
			Metrics: map[string]Stat{
				MetricFactCoverage:   {Mean: 0.723, N: 3, CI: Interval{Lo: 0.5, Hi: 1}},
				MetricRecallAtK:      {Mean: 0.833, N: 3, CI: Interval{Lo: 0.5, Hi: 1}},
				MetricMRR:            {Mean: 0.833, N: 3, CI: Interval{Lo: 0.5, Hi: 1}},
				MetricGroundedness:   {Mean: 0.827, N: 3, CI: Interval{Lo: 0.62, Hi: 0.96}},
				MetricDeclineCorrect: {Mean: 1, N: 1, CI: Interval{Lo: 1, Hi: 1}},
			},
			Slices: map[string]map[string]Stat{
				"billing": {MetricPassRate: {Mean: 0.5, N: 2}, MetricFactCoverage: {Mean: 0.75, N: 2}, MetricRecallAtK: {Mean: 1, N: 2}},
				"account": {MetricPassRate: {Mean: 0.5, N: 2}, MetricFactCoverage: {Mean: 0.67, N: 1}, MetricDeclineCorrect: {Mean: 1, N: 1}},
			},
			DeclinePrecision: 1, DeclineRecall: 1,
			LatencyP50: 820 * time.Millisecond, LatencyP95: 2400 * time.Millisecond,
			PromptTokens: 5400, OutputTokens: 1080, CostUSD: 0.0061,
			Modes: map[string]int{"answered": 4, "handoff": 1},
		},
		Results: results,
	}
	point := func(id int64, daysBack int, pass, fact, recall, ground float64) RunPoint {
		return RunPoint{ID: id, StartedAt: start.AddDate(0, 0, -daysBack), PassRate: pass, LatencyP95: 2 * time.Second, CostUSD: 0.0058,
			Metrics: map[string]float64{MetricFactCoverage: fact, MetricRecallAtK: recall, MetricGroundedness: ground}}
	}
	return Report{
		Run: run,
		Comparison: &Comparison{
			BaseID: 41, CurrentID: 42,
			Moves: []Move{
				{Metric: MetricPassRate, Slice: "billing", Base: 1, Current: 0.5, Delta: -0.5, Threshold: 0.1, Noise: 0.35, Regressed: true},
				{Metric: MetricPassRate, Base: 0.6, Current: 0.5, Delta: -0.1, Threshold: 0.1, Noise: 0.3},
				{Metric: MetricFactCoverage, Base: 0.76, Current: 0.723, Delta: -0.037, Threshold: 0.05, Noise: 0.06},
				{Metric: MetricRecallAtK, Base: 0.8, Current: 0.833, Delta: 0.033, Threshold: 0.05, Noise: 0.05},
				{Metric: MetricMRR, Base: 0.833, Current: 0.833, Threshold: 0.05, Noise: 0.04},
			},
			Flipped:   []string{"billing-proration"},
			Fixed:     []string{"account-delete"},
			Regressed: true,
		},
		History: []RunPoint{
			point(39, 21, 0.55, 0.7, 0.75, 0.8),
			point(40, 14, 0.5, 0.72, 0.78, 0.84),
			point(41, 7, 0.6, 0.76, 0.8, 0.86),
			PointOf(run),
		},
	}
}

func render(t *testing.T, format string, rep Report) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Render(&buf, format, rep))
	return buf.String()
}

func TestRenderTable(t *testing.T) {
	t.Parallel()
	out := render(t, "table", newTestReport())

	for _, want := range []string{
		"supportd eval · run #42",
		"golden   eval/golden/support.jsonl @ 3f2a9c1b7d0e",
		"prompts  ", "(answer=v3, rewrite=v1)",
		"fact_coverage    0.723  [0.500, 1.000]  3",
		"latency  p50 820 ms · p95 2.40 s",
		"modes    answered 4 · handoff 1",
		"billing  2  50.0%  0.750          1.000     –",
		"pass_rate      billing  1.000 → 0.500   -0.500  ±0.350  0.100      REGRESSED",
		"Flipped pass → fail:\n  billing-proration: missing fact \"prorated daily\"\n",
		"Fixed:\n  account-delete\n",
		"account-email-change: pipeline error: llm: upstream timeout after 30s",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "mrr            overall", "a move of zero is not listed")
	require.True(t, strings.HasSuffix(out, "Verdict: REGRESSION (run #42 vs baseline #41)\n"), "verdict is the last line:\n%s", out)
}

func TestRenderTableWithoutBaseline(t *testing.T) {
	t.Parallel()
	rep := newTestReport()
	rep.Comparison = nil
	out := render(t, "table", rep)

	require.NotContains(t, out, "What moved")
	require.True(t, strings.HasSuffix(out, "Verdict: no baseline\n"), out)
}

func TestRenderTableCapsFailedCases(t *testing.T) {
	t.Parallel()
	rep := newTestReport()
	rep.Run.Results = nil
	for i := range 35 {
		rep.Run.Results = append(rep.Run.Results, CaseResult{CaseID: fmt.Sprintf("c%02d", i), Status: StatusOK, Failures: []string{"wrong"}})
	}
	out := render(t, "table", rep)

	require.Contains(t, out, "Failed cases (35):\n")
	require.Contains(t, out, "  c29: wrong\n  ... and 5 more\n")
	require.NotContains(t, out, "c30:")
}

func TestRenderMarkdown(t *testing.T) {
	t.Parallel()
	out := render(t, "markdown", newTestReport())

	for _, want := range []string{
		"## supportd eval · run #42 — REGRESSION\n",
		"| metric | mean | 95% CI | N |\n| --- | ---: | --- | ---: |\n| pass_rate | 0.500 | [0.000, 1.000] | 4 |\n",
		"| tag | N | pass rate | fact_coverage | recall@k | mrr | groundedness | decline_correct |\n",
		"| pass_rate | billing | 1.000 → 0.500 | -0.500 | ±0.350 | 0.100 | **REGRESSED** |\n",
		"- `billing-proration`: missing fact \"prorated daily\"\n",
		"unsupported claim: &lt;script&gt;alert(1)&lt;/script&gt;",
		"**Verdict: REGRESSION** (run #42 vs baseline #41)\n",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "<script>")
}

func TestRenderJSONRoundTrips(t *testing.T) {
	t.Parallel()
	rep := newTestReport()
	out := render(t, "json", rep)

	var got Report
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, rep, got)
	require.True(t, strings.HasPrefix(out, "{\n  \"run\": {\n    \"meta\": {\n      \"id\": 42,"), out[:80])
}

type junitTestSuite struct {
	XMLName    xml.Name `xml:"testsuite"`
	Name       string   `xml:"name,attr"`
	Tests      int      `xml:"tests,attr"`
	Failures   int      `xml:"failures,attr"`
	Errors     int      `xml:"errors,attr"`
	Skipped    int      `xml:"skipped,attr"`
	Time       string   `xml:"time,attr"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"properties>property"`
	Cases []struct {
		ClassName string `xml:"classname,attr"`
		Name      string `xml:"name,attr"`
		Time      string `xml:"time,attr"`
		Failure   *struct {
			Message string `xml:"message,attr"`
		} `xml:"failure"`
		Error *struct {
			Message string `xml:"message,attr"`
		} `xml:"error"`
		Skipped *struct {
			Message string `xml:"message,attr"`
		} `xml:"skipped"`
	} `xml:"testcase"`
}

func TestRenderJUnit(t *testing.T) {
	t.Parallel()
	out := render(t, "junit", newTestReport())

	var suite junitTestSuite
	require.NoError(t, xml.Unmarshal([]byte(out), &suite), out)
	require.Equal(t, "supportd-eval", suite.Name)
	require.Equal(t, []int{6, 2, 1, 1}, []int{suite.Tests, suite.Failures, suite.Errors, suite.Skipped})
	require.Equal(t, "192.000", suite.Time)
	require.Len(t, suite.Cases, 6)
	failures, errors, skipped := 0, 0, 0
	for _, c := range suite.Cases {
		require.True(t, strings.HasPrefix(c.ClassName, "golden."), c.ClassName)
		if c.Failure != nil {
			failures++
		}
		if c.Error != nil {
			errors++
		}
		if c.Skipped != nil {
			skipped++
		}
	}
	require.Equal(t, []int{suite.Failures, suite.Errors, suite.Skipped}, []int{failures, errors, skipped})

	c := suite.Cases[4]
	require.Equal(t, []string{"golden.account", "account-2fa-reset", "2.400"}, []string{c.ClassName, c.Name, c.Time})
	require.Equal(t, scriptFailure+"; cites https://evil.example/phish, which was not retrieved", c.Failure.Message)
	require.Equal(t, "llm: upstream timeout after 30s", suite.Cases[5].Error.Message)
	require.Equal(t, "stale case: expected source kb://billing/invoices-v1 is gone", suite.Cases[2].Skipped.Message)
	require.NotContains(t, out, "<script>")
	props := map[string]string{}
	for _, p := range suite.Properties {
		props[p.Name] = p.Value
	}
	require.Equal(t, "42", props["run_id"])
	require.Equal(t, "v3", props["prompt.answer"])
	require.Equal(t, "REGRESSION", props["verdict"])
}

func TestRenderHTML(t *testing.T) {
	t.Parallel()
	out := render(t, "html", newTestReport())

	require.Equal(t, 2, strings.Count(out, "<svg"), "trend and bar charts")
	for _, banned := range []string{"src=", "href=", "<link", "<script", "@import", "url("} {
		require.NotContains(t, out, banned, "the page must be self-contained")
	}
	require.Contains(t, out, "unsupported claim: &lt;script&gt;alert(1)&lt;/script&gt;")
	for _, want := range []string{
		"<h1>Eval run #42</h1>",
		">REGRESSION vs #41</span>",
		"▼ -10.0 pts vs #41", // pass rate card, from the overall move
		"<span class=\"flag\">REGRESSED</span>",
		"<span class=\"mono\">billing-proration</span> — missing fact &#34;prorated daily&#34;",
		"<tr class=\"flipped\">",
		">#39</text>", ">#42</text>", ">baseline</text>", // trend axis labels and baseline marker
		">50.0% · N 2</text>", // a bar's label
		"fill=\"#dc2626\"",    // the regressed billing bar
	} {
		require.Contains(t, out, want)
	}
}

func TestRenderHTMLWithoutBaselineOrHistory(t *testing.T) {
	t.Parallel()
	rep := newTestReport()
	rep.Comparison, rep.History = nil, nil
	out := render(t, "html", rep)

	require.Equal(t, 2, strings.Count(out, "<svg"))
	require.Contains(t, out, ">no baseline</span>")
	require.Contains(t, out, ">#42</text>", "the current run is the trend's only point")
	require.NotContains(t, out, "What moved")
}

func TestRenderHTMLEmptyRun(t *testing.T) {
	t.Parallel()
	out := render(t, "html", Report{})

	require.Contains(t, out, "No tagged cases.")
	require.Contains(t, out, "Cases (0)")
}

func TestRenderUnknownFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := Render(&buf, "pdf", newTestReport())

	require.Equal(t, core.CodeInvalid, core.ErrorCode(err))
	require.ErrorContains(t, err, `unknown report format "pdf": want one of table, json, markdown, junit, html`)
	require.Zero(t, buf.Len())
}

func TestRenderEveryFormat(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		require.NotEmpty(t, render(t, f, newTestReport()), f)
		require.NotEmpty(t, render(t, f, Report{}), f)
	}
}

func TestReportMovesToShow(t *testing.T) {
	t.Parallel()
	moves := []Move{{Metric: "a", Delta: 0.001, Regressed: true}}
	for i := range 15 {
		moves = append(moves, Move{Metric: fmt.Sprintf("m%02d", i), Delta: -float64(i) / 100})
	}
	moves = append(moves, Move{Metric: "zero"})

	got := movesToShow(moves)

	require.Len(t, got, 1+maxMovesListed)
	require.Equal(t, "a", got[0].Metric, "regressed moves first, however small")
	require.Equal(t, "m14", got[1].Metric, "then by size")
	require.Equal(t, "m05", got[len(got)-1].Metric)
}

func TestReportPointOf(t *testing.T) {
	t.Parallel()
	run := newTestReport().Run
	run.Summary.Metrics[MetricJudgeRelevance] = Stat{} // applied to no case

	p := PointOf(run)

	require.Equal(t, int64(42), p.ID)
	require.Equal(t, 0.5, p.PassRate)
	require.Equal(t, 0.723, p.Metrics[MetricFactCoverage])
	require.NotContains(t, p.Metrics, MetricJudgeRelevance)
	require.Equal(t, 2400*time.Millisecond, p.LatencyP95)
}
