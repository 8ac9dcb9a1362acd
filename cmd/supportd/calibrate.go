package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"supportd/internal/bench"
	"supportd/internal/extract"
)

// runBenchCalibrate refits the extractive answerer's answerability model
// on the signals `bench quality --signals` recorded, and scores the
// shipped and the fitted model on those questions and on held-out ones.
func runBenchCalibrate(_ context.Context, env *environment, args []string) error {
	c := newCmdline(env, "bench calibrate", "--fit FILE[,FILE…] [--check FILE[,FILE…]] [--threshold T] [--ridge R]",
		"Fits the answerability model (confidence = σ(w0 + w1·coverage + w2·similarity +\n"+
			"w3·bm25), every signal's weight ≥ 0) on the signals files of `bench quality\n"+
			"--signals FILE` runs, and prints the fitted weights beside the shipped ones,\n"+
			"each model's log loss, ECE and answer decisions at the threshold on the fitted\n"+
			"questions and on the --check ones (record those with --split holdout), and\n"+
			"the constants to ship. Questions the injection screen declined are left out:\n"+
			"confidence did not decide them.")
	fit := c.String("fit", "", "comma-separated signals files to fit on")
	check := c.String("check", "", "comma-separated signals files to score only (held out)")
	threshold := c.Float64("threshold", extract.DefaultMinConfidence, "handoff threshold the decisions are scored at")
	ridge := c.Float64("ridge", extract.DefaultRidge, "ridge penalty on the signals' weights (smaller: a steeper model)")
	if err := c.parseArgs(args); err != nil {
		return err
	}
	if *fit == "" || c.NArg() > 0 {
		return c.misuse("needs --fit FILE and no arguments")
	}
	train, screened, err := loadLabelled(*fit)
	if err != nil {
		return err
	}
	held, heldScreened, err := loadLabelled(*check)
	if err != nil {
		return err
	}
	fitted := extract.Fit(train, *ridge)
	writeCalibration(env.stdout, calibration{
		fit: train, check: held, screened: screened + heldScreened, fitted: fitted, threshold: *threshold, ridge: *ridge,
		fitFiles: *fit, checkFiles: *check,
	})
	return nil
}

// loadLabelled reads comma-separated signals files, leaving out the
// questions the injection screen declined; it returns how many it left out.
func loadLabelled(files string) ([]extract.Labelled, int, error) {
	var out []extract.Labelled
	screened := 0
	for f := range strings.SplitSeq(files, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		rs, err := bench.LoadSignals(f)
		if err != nil {
			return nil, 0, err
		}
		for _, r := range rs {
			if r.DegradedReason == "prompt_injection" {
				screened++
				continue
			}
			out = append(out, extract.Labelled{Answerable: r.Answerable,
				Signals: extract.Signals{Coverage: r.Coverage, Similarity: r.Similarity, BM25: r.BM25}})
		}
	}
	return out, screened, nil
}

type calibration struct {
	fit, check           []extract.Labelled
	screened             int
	fitted               extract.Weights
	threshold, ridge     float64
	fitFiles, checkFiles string
}

func writeCalibration(w io.Writer, c calibration) {
	fmt.Fprintf(w, "# Answerability model\n\nfitted on %s (%s), ridge %g; held out: %s (%s); %d questions the injection screen declined left out\n\n",
		c.fitFiles, describe(c.fit), c.ridge, orDash(c.checkFiles), describe(c.check), c.screened)
	fmt.Fprintln(w, "| model | intercept | coverage | similarity | bm25 |\n| --- | --- | --- | --- | --- |")
	for _, m := range []struct {
		name string
		w    extract.Weights
	}{{"shipped", extract.Model}, {"fitted", c.fitted}} {
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f | %.2f |\n", m.name, m.w.Intercept, m.w.Coverage, m.w.Similarity, m.w.BM25)
	}
	fmt.Fprintf(w, "\n| questions | model | n | log loss | ECE | answerable answered (TPR) at %.2f | negatives answered (FPR) at %.2f |\n| --- | --- | --- | --- | --- | --- | --- |\n",
		c.threshold, c.threshold)
	for _, set := range []struct {
		name string
		data []extract.Labelled
	}{{"fitted on", c.fit}, {"held out", c.check}} {
		if len(set.data) == 0 {
			continue
		}
		for _, m := range []struct {
			name string
			w    extract.Weights
		}{{"shipped", extract.Model}, {"fitted", c.fitted}} {
			tpr, fpr := decisions(m.w, set.data, c.threshold)
			fmt.Fprintf(w, "| %s | %s | %d | %.3f | %.3f | %.3f | %.3f |\n", set.name, m.name, len(set.data),
				extract.LogLoss(m.w, set.data), ece(m.w, set.data), tpr, fpr)
		}
	}
	fmt.Fprintf(w, "\nthe fitted model's decisions by threshold (TPR / FPR):\n\n| threshold | fitted on | held out |\n| --- | --- | --- |\n")
	for t := 0.30; t < 0.651; t += 0.05 {
		a, b := decisions(c.fitted, c.fit, t)
		row := fmt.Sprintf("| %.2f | %.3f / %.3f |", t, a, b)
		if len(c.check) > 0 {
			a, b = decisions(c.fitted, c.check, t)
			row += fmt.Sprintf(" %.3f / %.3f |", a, b)
		} else {
			row += " — |"
		}
		fmt.Fprintln(w, row)
	}
	fmt.Fprintf(w, "\nto ship the fitted model, set in internal/extract/confidence.go:\n\n"+
		"\tinterceptWeight  = %.2f\n\tcoverageWeight   = %.2f\n\tsimilarityWeight = %.2f\n\tbm25Weight       = %.2f\n",
		c.fitted.Intercept, c.fitted.Coverage, c.fitted.Similarity, c.fitted.BM25)
}

// decisions are the shares of answerable questions and of negatives whose
// confidence under w reaches the threshold (answered, not handed off).
func decisions(w extract.Weights, data []extract.Labelled, threshold float64) (tpr, fpr float64) {
	var pos, neg, tp, fp int
	for _, d := range data {
		answered := w.Probability(d.Signals) >= threshold
		if d.Answerable {
			pos++
			tp += b2i(answered)
		} else {
			neg++
			fp += b2i(answered)
		}
	}
	return float64(tp) / float64(max(pos, 1)), float64(fp) / float64(max(neg, 1))
}

// ece is the expected calibration error of w on data, binned as the
// quality benchmark bins it.
func ece(w extract.Weights, data []extract.Labelled) float64 {
	points := make([]bench.Point, len(data))
	for i, d := range data {
		points[i] = bench.Point{Confidence: w.Probability(d.Signals), Answerable: d.Answerable}
	}
	_, e := bench.Reliability(points, 10)
	return e
}

func describe(data []extract.Labelled) string {
	pos := 0
	for _, d := range data {
		pos += b2i(d.Answerable)
	}
	return fmt.Sprintf("%d answerable, %d not", pos, len(data)-pos)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
