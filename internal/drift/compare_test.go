package drift_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/drift"
)

// alerted lists the signals that alerted, as "name/metric".
func alerted(r drift.Report) []string {
	var out []string
	for _, s := range r.Signals {
		if s.Alert {
			out = append(out, s.Name+"/"+s.Metric)
		}
	}
	return out
}

func signal(t *testing.T, r drift.Report, name, metric string) drift.Signal {
	t.Helper()
	s, ok := r.Signal(name, metric)
	require.True(t, ok, "no signal %s/%s", name, metric)
	return s
}

// falseAlarms compares pairs of independent samples of n questions from the
// reference stream and returns how many pairs alerted, and which signals.
func falseAlarms(pairs, n int) (int, map[string]int) {
	alarms, bySignal := 0, map[string]int{}
	for i := range pairs {
		a := newStream(uint64(1000 + 2*i)).questions(n)
		b := newStream(uint64(1001 + 2*i)).questions(n)
		r := drift.Compare(a, b, drift.Params{})
		if r.Alert {
			alarms++
		}
		for _, s := range alerted(r) {
			bySignal[s]++
		}
	}
	return alarms, bySignal
}

// falseAlarmPairs is how many pairs of one stream the false-alarm tests
// compare: 200, or the first 50 of them under the race detector, which
// slows these single-goroutine loops many times and finds nothing in them
// (make drift-report runs all 200).
func falseAlarmPairs() int {
	if raceDetector {
		return 50
	}
	return 200
}

func TestCompareFalseAlarmRate(t *testing.T) {
	t.Parallel()
	pairs := falseAlarmPairs()
	alarms, bySignal := falseAlarms(pairs, 500)
	rate := float64(alarms) / float64(pairs)
	t.Logf("false alarm rate, %d pairs of 500 vs 500 questions from one stream: %d/%d = %.1f%% %v",
		pairs, alarms, pairs, 100*rate, bySignal)
	require.LessOrEqual(t, rate, 0.02)
}

// TestCompareFalseAlarmRateAtMinimum measures the same at the least
// traffic that may alert, where PSI is large by chance alone and only the
// significance test keeps it quiet.
func TestCompareFalseAlarmRateAtMinimum(t *testing.T) {
	t.Parallel()
	pairs := falseAlarmPairs()
	alarms, bySignal := falseAlarms(pairs, drift.DefaultMinQuestions)
	rate := float64(alarms) / float64(pairs)
	t.Logf("false alarm rate, %d pairs of 100 vs 100 questions from one stream: %d/%d = %.1f%% %v",
		pairs, alarms, pairs, 100*rate, bySignal)
	require.LessOrEqual(t, rate, 0.02)
}

func TestCompareNewProduct(t *testing.T) {
	t.Parallel()
	recent := newStream(2)
	recent.quillpad = 0.4
	r := drift.Compare(newStream(1).questions(500), recent.questions(500), drift.Params{})

	require.True(t, r.Alert)
	terms := signal(t, r, drift.SignalTerms, drift.MetricJS)
	require.True(t, terms.Alert, terms.Detail)
	require.GreaterOrEqual(t, terms.Value, 2*drift.DefaultJSAlert)
	require.Contains(t, terms.Detail, "quillpad 0.0% → ")
	require.Equal(t, "quillpad", r.NewTerms[0].Term)
	require.Zero(t, r.NewTerms[0].ReferenceCount)
	require.Greater(t, r.NewTerms[0].RecentCount, 150)
	var codes []string
	for _, nt := range r.NewTerms {
		if strings.HasPrefix(nt.Term, "qp-") {
			codes = append(codes, nt.Term)
		}
	}
	require.ElementsMatch(t, []string{"qp-pair-512", "qp-pair-513", "qp-ink-201", "qp-fw-330"}, codes)
	// The questions that retrieved nothing are grouped under the product
	// name and lead the unanswered topics.
	require.Equal(t, "quillpad", r.UnansweredTopics[0].Topic)
	require.True(t, r.UnansweredTopics[0].NoDocument)
	require.Zero(t, r.UnansweredTopics[0].ReferenceCount)
	require.Len(t, r.UnansweredTopics[0].Examples, 3)
	for _, ex := range r.UnansweredTopics[0].Examples {
		require.Contains(t, ex, "QuillPad")
	}
	require.True(t, signal(t, r, drift.SignalTopics, drift.MetricPSI).Alert)
	require.False(t, signal(t, r, drift.SignalLanguage, drift.MetricPSI).Alert)
	require.False(t, signal(t, r, drift.SignalPastedLogs, drift.MetricRateDelta).Alert)
}

func TestComparePastedLogs(t *testing.T) {
	t.Parallel()
	recent := newStream(3)
	recent.pasted = 0.4
	r := drift.Compare(newStream(1).questions(500), recent.questions(500), drift.Params{})

	s := signal(t, r, drift.SignalPastedLogs, drift.MetricRateDelta)
	require.True(t, s.Alert)
	require.Equal(t, "share of pasted logs 5.0% → 39% (25/500 → 193/500, z 12.9)", s.Detail)
	require.InDelta(t, 0.05, s.Reference, 1e-9)
	require.InDelta(t, 0.386, s.Recent, 1e-9)
	require.InDelta(t, 0.336, s.Value, 1e-9)
	// Pasted logs change the vocabulary too, but not the language mix:
	// they are left out of it.
	require.Equal(t, []string{"terms/js", "pasted_logs/rate_delta"}, alerted(r))
}

func TestCompareLanguage(t *testing.T) {
	t.Parallel()
	recent := newStream(4)
	recent.foreign = 0.4
	r := drift.Compare(newStream(1).questions(500), recent.questions(500), drift.Params{})

	mix := signal(t, r, drift.SignalLanguage, drift.MetricPSI)
	require.True(t, mix.Alert, mix.Detail)
	share := signal(t, r, drift.SignalLanguage, drift.MetricRateDelta)
	require.True(t, share.Alert, share.Detail)
	require.Contains(t, share.Detail, "share not in en 5.1% → 47%")
	rises := map[string][2]float64{}
	for _, l := range r.Languages {
		rises[l.Language] = [2]float64{l.Reference, l.Recent}
	}
	for _, lang := range []string{"de", "es"} {
		require.Less(t, rises[lang][0], 0.05, lang)
		require.Greater(t, rises[lang][1], 0.15, lang)
	}
	require.Less(t, rises["en"][1], 0.6)
	require.False(t, signal(t, r, drift.SignalHandoff, drift.MetricRateDelta).Alert)
	require.False(t, signal(t, r, drift.SignalPastedLogs, drift.MetricRateDelta).Alert)
}

func TestCompareHandoffs(t *testing.T) {
	t.Parallel()
	recent := newStream(5)
	recent.unanswered = 0.35
	r := drift.Compare(newStream(1).questions(500), recent.questions(500), drift.Params{})

	require.Equal(t, []string{"low_confidence/rate_delta", "handoff/rate_delta"}, alerted(r))
	h := signal(t, r, drift.SignalHandoff, drift.MetricRateDelta)
	require.Greater(t, h.Value, 0.2)
	require.GreaterOrEqual(t, h.Z, 3.0)
	require.Empty(t, r.NewTerms)
	// Every listed topic fails more often now than it did.
	require.Len(t, r.UnansweredTopics, drift.DefaultTopTopics)
	for _, tp := range r.UnansweredTopics[:5] {
		require.Greater(t, tp.UnansweredShare, tp.ReferenceUnansweredShare, tp.Topic)
	}
}

func TestCompareInsufficientTraffic(t *testing.T) {
	t.Parallel()
	recent := newStream(6)
	recent.quillpad = 0.4
	r := drift.Compare(newStream(1).questions(500), recent.questions(50), drift.Params{})

	require.True(t, r.Insufficient)
	require.False(t, r.Alert)
	require.Empty(t, alerted(r))
	// The shift is visible, it just may not alert.
	terms := signal(t, r, drift.SignalTerms, drift.MetricJS)
	require.Greater(t, terms.Value, drift.DefaultJSAlert)
	require.True(t, strings.HasPrefix(terms.Detail, "insufficient data (500 reference, 50 recent questions, need 100 each): "))
	require.Equal(t, "quillpad", r.NewTerms[0].Term)
}

func TestCompareEdgeCases(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name              string
		reference, recent []drift.Question
	}{
		{"both empty", nil, nil},
		{"reference empty", nil, newStream(1).questions(200)},
		{"recent empty", newStream(1).questions(200), nil},
		{"one question each", newStream(1).questions(1), newStream(2).questions(1)},
		{"all the same", slices.Repeat([]drift.Question{{Text: "How do I export?", TopDoc: "kb/e.md", Mode: core.ModeLLM, Confidence: 0.9}}, 150),
			slices.Repeat([]drift.Question{{Text: "How do I export?", TopDoc: "kb/e.md", Mode: core.ModeLLM, Confidence: 0.9}}, 150)},
	} {
		r := drift.Compare(c.reference, c.recent, drift.Params{})
		require.Len(t, r.Signals, 8, c.name)
		require.False(t, r.Alert, c.name)
		require.NotNil(t, r.NewTerms, c.name)
		require.NotNil(t, r.UnansweredTopics, c.name)
		for _, s := range r.Signals {
			require.False(t, s.Value != s.Value || s.Z != s.Z, "%s: NaN in %s/%s", c.name, s.Name, s.Metric)
		}
	}
}

func TestCompareIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := newStream(1).questions(300), newStream(2).questions(300)
	require.Equal(t, drift.Compare(a, b, drift.Params{}), drift.Compare(a, b, drift.Params{}))
}

// TestCompareSmallExact checks new terms and unanswered topics on a
// hand-made stream.
func TestCompareSmallExact(t *testing.T) {
	t.Parallel()
	q := func(text, doc string, mode core.Mode, conf float64) drift.Question {
		return drift.Question{Text: text, TopDoc: doc, Mode: mode, Confidence: conf}
	}
	var ref, rec []drift.Question
	for i := range 20 {
		ref = append(ref, q(fmt.Sprintf("How do I export project %d?", i), "kb/export.md", core.ModeLLM, 0.9))
		rec = append(rec, q(fmt.Sprintf("How do I export project %d?", i), "kb/export.md", core.ModeLLM, 0.9))
	}
	ref = append(ref, q("Pair the tablet", "", core.ModeHandoff, 0.1))
	for i := range 6 {
		rec = append(rec, q(fmt.Sprintf("QuillPad pairing fails with QP-PAIR-%d", 510+i%2), "", core.ModeHandoff, 0.1))
	}
	rec = append(rec,
		q("QuillPad battery?", "kb/export.md", core.ModeExtractive, 0.2),
		q("Blocked by policy", "kb/export.md", core.ModeRefused, 0))
	p := drift.Params{MinQuestions: 10, MinTermCount: 3}
	r := drift.Compare(ref, rec, p)

	// quillpad: 7 of 28 recent, 0 of 21 reference → (7/28)/(1/22) = 5.5.
	// pairing: 6 of 28 → (6/28)/(1/22) = 4.71 < 5. qp-pair-510 and -511:
	// 3 each → 2.36.
	require.Equal(t, []drift.Term{{Term: "quillpad", RecentCount: 7, ReferenceCount: 0, Lift: 5.5}}, r.NewTerms)
	require.Equal(t, []drift.Topic{{
		Topic: "quillpad", NoDocument: true, RecentCount: 6, UnansweredCount: 6, UnansweredShare: 1,
		ReferenceCount: 0, ReferenceUnansweredShare: 0,
		Examples: []string{"QuillPad pairing fails with QP-PAIR-510", "QuillPad pairing fails with QP-PAIR-511"},
	}, {
		// The refusal counts, but not as unanswered.
		Topic: "kb/export.md", RecentCount: 22, UnansweredCount: 1, UnansweredShare: 1.0 / 22,
		ReferenceCount: 20, ReferenceUnansweredShare: 0,
		Examples: []string{"QuillPad battery?", "How do I export project 0?", "How do I export project 1?"},
	}}, r.UnansweredTopics)
	// "Pair the tablet", "… with QP-PAIR-510" and "Blocked by policy" have
	// an English stop word; "QuillPad battery?" has none.
	require.Equal(t, []drift.LanguageShare{{Language: "en", Reference: 1, Recent: 27.0 / 28}, {Language: "und", Reference: 0, Recent: 1.0 / 28}}, r.Languages)
	lc := signal(t, r, drift.SignalLowConfidence, drift.MetricRateDelta)
	require.InDelta(t, 1.0/21, lc.Reference, 1e-12)
	require.InDelta(t, 7.0/28, lc.Recent, 1e-12)
}

func TestParams(t *testing.T) {
	t.Parallel()
	p := drift.Params{MinQuestions: 50, JSAlert: -1}.WithDefaults()
	require.Equal(t, drift.Params{
		MinQuestions: 50, LowConfidence: 0.35, PSIAlert: 0.25, JSAlert: 0.05, RateAlert: 0.10, MinZ: 3,
		TopTerms: 20, MinTermCount: 5, MinTermShare: 0.02, MinTermLift: 5, TopTopics: 10, Permutations: 100,
	}, p)
	require.NoError(t, drift.Params{}.Validate())
	require.NoError(t, p.Validate())
	err := drift.Params{LowConfidence: 1.5, JSAlert: 2, Permutations: -1}.Validate()
	require.EqualError(t, err, "low_confidence: 1.5 is outside [0, 1]\njs_alert: 2 is outside [0, 1]\npermutations: -1 is outside [0, 10000]")
}

// BenchmarkCompare compares two windows of 5,000 questions.
func BenchmarkCompare(b *testing.B) {
	ref, rec := newStream(1).questions(5000), newStream(2).questions(5000)
	for b.Loop() {
		drift.Compare(ref, rec, drift.Params{})
	}
}
