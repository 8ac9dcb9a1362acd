package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/bench"
	"supportd/internal/dbtest"
	"supportd/internal/extract"
)

// TestBenchQualityCommand runs `supportd bench quality` as a user would,
// against a fresh database and a three-section set in the S10 layout.
func TestBenchQualityCommand(t *testing.T) {
	t.Parallel()
	t.Run("tiny dataset", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "tiny-set")
		require.NoError(t, os.Mkdir(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "s10_corpus.jsonl"), []byte(
			`{"doc_id":"s0","title":"Wi-Fi","text":"Connect to a Wi-Fi network from Settings, then Connections."}
{"doc_id":"s1","title":"Battery","text":"Power saving mode makes the battery last longer."}
{"doc_id":"s2","title":"Camera","text":"Tap the shutter button to take a picture."}
`), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "s10_qa.jsonl"), []byte(
			`{"qid":"q1","question":"How do I make the battery last longer?","candidate_section_ids":["s1"],"answer":"Power saving mode makes the battery last longer."}
{"qid":"q2","question":"How do I take a picture?","candidate_section_ids":["s2"],"answer":"Tap the shutter button to take a picture."}
`), 0o644))
		negatives := filepath.Join(dir, "negatives.jsonl")
		require.NoError(t, os.WriteFile(negatives, []byte(
			`{"qid":"n1","question":"How much does a replacement screen cost?","kind":"product"}
{"qid":"n2","question":"How do I open a savings account?","kind":"out-of-domain"}
`), 0o644))
		r := runCmd(t, environ("DATABASE_URL="+dbtest.NewURL(t)), "bench", "quality", "--dataset", dir, "--negatives", negatives)
		require.NoError(t, r.err, r.stderr)
		require.Contains(t, r.stdout, "command: `supportd bench quality --dataset "+dir+" --negatives "+negatives+"`")
		require.Contains(t, r.stdout, "| method ")
		for _, row := range []string{"vector", "text", "hybrid (Retrieve, configured fusion)", "configured fusion, re-scored",
			"RRF k=60", "RRF k=10", "RRF k=60, text ×1.5 (former default)", "RRF k=60, vector ×0.5", "RRF k=60, vector ×0.25",
			"RRF k=60, vector ×0 (recall only)", "text, title and heading ×1", "text, title and heading ×4"} {
			require.Contains(t, r.stdout, "| "+row+" ", row)
		}
		require.Contains(t, r.stdout, "\nbest: ")
		require.Contains(t, r.stdout, "\ngoal, default never below its best single list (text): MRR@10 1.000 vs 1.000 (+0.000, met), hit@5 1.00 vs 1.00 (+0.00, met)\n")
		for _, row := range []string{"right section cited (any citation)", "ROUGE-L vs expert answers (mean, all questions)",
			"in-KB false handoffs", "out-of-KB (same product) handed off", "out-of-domain handed off",
			"out-of-domain answered at confidence ≥ 0.7"} {
			require.Contains(t, r.stdout, "| "+row+" ", row)
		}
		require.Contains(t, r.stdout, "| confidence ")
		require.Regexp(t, `\| out-of-domain handed off +\| 1\.000 \(1/1\) +\|`, r.stdout)

		// One half (q1 and n2 by the hash of their ids), each question with
		// a word appended.
		signals := filepath.Join(dir, "signals.jsonl")
		r = runCmd(t, environ("DATABASE_URL="+dbtest.NewURL(t)), "bench", "quality", "--dataset", dir, "--negatives", negatives,
			"--split", "holdout", "--append", "banana", "--signals", signals)
		require.NoError(t, r.err, r.stderr)
		recs, err := bench.LoadSignals(signals)
		require.NoError(t, err)
		require.Len(t, recs, 2)
		require.Equal(t, []string{"q1", "n2"}, []string{recs[0].QID, recs[1].QID})
		require.Equal(t, []string{bench.KindAnswerable, bench.KindOutOfDomain}, []string{recs[0].Kind, recs[1].Kind})
		require.Equal(t, []bool{true, false}, []bool{recs[0].Answerable, recs[1].Answerable})
		for _, rec := range recs {
			// The recorded signals are the ones the answer's confidence
			// was computed from.
			s := extract.Signals{Coverage: rec.Coverage, Similarity: rec.Similarity, BM25: rec.BM25}
			require.InDelta(t, rec.Confidence, extract.Model.Probability(s), 1e-9, rec.QID)
		}
		require.Contains(t, r.stdout, "command: `supportd bench quality --dataset "+dir+" --negatives "+negatives+" --split holdout --append banana`")
		require.Regexp(t, `dataset: 3 sections .*, 1 questions;`, r.stdout)
		require.Regexp(t, `\| in-KB false handoffs +\| \d\.\d+ \(\d/1\) +\|`, r.stdout)
		require.Regexp(t, `\| out-of-KB \(same product\) handed off +\| — +\|`, r.stdout)
		require.Regexp(t, `\| out-of-domain handed off +\| 1\.000 \(1/1\) +\|`, r.stdout)
		r = runCmd(t, environ(unreachableDB), "bench", "quality", "--dataset", dir, "--split", "train")
		require.ErrorContains(t, r.err, `split "train": want all, tune or holdout`)
	})
	t.Run("dataset absent", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(t.TempDir(), "nowhere")
		r := runCmd(t, environ(unreachableDB), "bench", "quality", "--dataset", missing)
		require.NoError(t, r.err)
		require.Equal(t, "skipped: dataset not found at "+missing+"\n", r.stdout, "no database is needed to skip")
	})
}

// TestBenchTableCommand prints the one table from rows that separate
// benchmark runs appended, without a database.
func TestBenchTableCommand(t *testing.T) {
	t.Parallel()
	rows := filepath.Join(t.TempDir(), "rows.jsonl")
	require.NoError(t, bench.AppendRatioRows(rows, []bench.RatioRow{
		bench.NewRatioRow("/v1/chat cache hit, throughput", "requests/s", 5000, "bare Echo handler, fixed JSON", 10000, bench.RatioAtLeast(0.5)),
	}))
	r := runCmd(t, environ(unreachableDB), "bench", "table", "--rows", rows)
	require.NoError(t, r.err, r.stderr)
	require.Contains(t, r.stdout, "machine: ")
	require.Contains(t, r.stdout, "load average (1/5/15 min)")
	require.Regexp(t, `\| /v1/chat cache hit, throughput +\| 5000 requests/s +\| 10000 requests/s \(bare Echo handler, fixed JSON\) +\| 0\.500 +\| ≥ 0\.5× +\| yes +\|`, r.stdout)

	r = runCmd(t, environ(unreachableDB), "bench", "table")
	require.Error(t, r.err)
	require.Contains(t, r.stderr, "needs --rows FILE")
}

// TestBenchCalibrateCommand refits the answerability model on recorded
// signals, leaving out what the injection screen declined, without a
// database.
func TestBenchCalibrateCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fit, check := filepath.Join(dir, "fit.jsonl"), filepath.Join(dir, "check.jsonl")
	rec := func(qid string, answerable bool, c, s, b float64) bench.SignalRecord {
		kind := bench.KindProduct
		if answerable {
			kind = bench.KindAnswerable
		}
		return bench.SignalRecord{QID: qid, Kind: kind, Answerable: answerable, Coverage: c, Similarity: s, BM25: b}
	}
	train := []bench.SignalRecord{
		rec("a1", true, 0.9, 0.7, 0.6), rec("a2", true, 0.8, 0.5, 0.7), rec("a3", true, 0.5, 0.6, 0.4),
		rec("n1", false, 0.3, 0.2, 0.1), rec("n2", false, 0.6, 0.1, 0.3), rec("n3", false, 0.1, 0.4, 0.2),
		{QID: "x1", Kind: bench.KindAnswerable, Answerable: true, DegradedReason: "prompt_injection"},
	}
	require.NoError(t, bench.WriteSignals(fit, train))
	require.NoError(t, bench.WriteSignals(check, []bench.SignalRecord{rec("a4", true, 0.7, 0.6, 0.5), rec("n4", false, 0.2, 0.3, 0.1)}))

	r := runCmd(t, environ(unreachableDB), "bench", "calibrate", "--fit", fit, "--check", check)
	require.NoError(t, r.err, r.stderr)
	var data []extract.Labelled
	for _, x := range train[:6] {
		data = append(data, extract.Labelled{Answerable: x.Answerable,
			Signals: extract.Signals{Coverage: x.Coverage, Similarity: x.Similarity, BM25: x.BM25}})
	}
	w := extract.Fit(data, extract.DefaultRidge)
	require.Contains(t, r.stdout, "(3 answerable, 3 not), ridge 0.01; held out: "+check+" (1 answerable, 1 not); 1 questions the injection screen declined left out")
	require.Contains(t, r.stdout, fmt.Sprintf("| fitted | %.2f | %.2f | %.2f | %.2f |", w.Intercept, w.Coverage, w.Similarity, w.BM25))
	require.Contains(t, r.stdout, fmt.Sprintf("| held out | fitted | 2 | %.3f |", extract.LogLoss(w, []extract.Labelled{
		{Answerable: true, Signals: extract.Signals{Coverage: 0.7, Similarity: 0.6, BM25: 0.5}},
		{Signals: extract.Signals{Coverage: 0.2, Similarity: 0.3, BM25: 0.1}}})))
	require.Contains(t, r.stdout, fmt.Sprintf("\tcoverageWeight   = %.2f\n", w.Coverage))

	r = runCmd(t, environ(unreachableDB), "bench", "calibrate")
	require.ErrorContains(t, r.err, "needs --fit FILE")
	r = runCmd(t, environ(unreachableDB), "bench", "calibrate", "--fit", filepath.Join(dir, "missing.jsonl"))
	require.ErrorContains(t, r.err, "missing.jsonl")
}
