package guard

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// rates counts how many texts of a group a detector flags.
type rates struct{ n, rules, model, both int }

func (r *rates) add(d Detection) {
	r.n++
	if d.Rules >= DefaultThreshold {
		r.rules++
	}
	if d.Model >= DefaultThreshold {
		r.model++
	}
	if d.Score >= DefaultThreshold {
		r.both++
	}
}

func pct(k, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(k)/float64(n))
}

func (r rates) row(name string) string {
	return fmt.Sprintf("| %s | %d | %s | %s | %s |", name, r.n, pct(r.rules, r.n), pct(r.model, r.n), pct(r.both, r.n))
}

// table accumulates rates by group name, keeping first-seen order.
type table struct {
	order []string
	by    map[string]*rates
}

func (t *table) add(group string, d Detection) {
	if t.by == nil {
		t.by = map[string]*rates{}
	}
	r, ok := t.by[group]
	if !ok {
		r = &rates{}
		t.by[group] = r
		t.order = append(t.order, group)
	}
	r.add(d)
}

func (t *table) log(tb testing.TB, title string) {
	tb.Logf("%s", title)
	tb.Logf("| group | texts | rules | model | rules+model |")
	tb.Logf("| --- | ---: | ---: | ---: | ---: |")
	for _, g := range t.order {
		tb.Logf("%s", t.by[g].row(g))
	}
}

func (t *table) rate(group string) float64 {
	r := t.by[group]
	if r == nil || r.n == 0 {
		return 0
	}
	return float64(r.both) / float64(r.n)
}

// loadHeldOut reads a file of testdata/heldout: sets no model is trained
// on, in the corpus format.
func loadHeldOut(t *testing.T, name string) []corpusLine {
	t.Helper()
	return loadCorpusFile(t, "testdata/heldout/"+name)
}

func without(ex []Example, source string) []Example {
	return slices.DeleteFunc(slices.Clone(ex), func(e Example) bool { return e.Source == source })
}

func label(e Example) string {
	if e.Attack {
		return "attacks: " + e.Source
	}
	return "benign: " + e.Source
}

// sharedQA reads the questions and reference answers of a data set in
// ../shared/datasets, or returns nil when it is absent.
func sharedQA(t *testing.T, path string) []struct{ Question, Answer string } {
	f, err := os.Open("../../../shared/datasets/" + path)
	if err != nil {
		t.Logf("%s absent: not measured", path)
		return nil
	}
	defer f.Close()
	var out []struct{ Question, Answer string }
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var row struct{ Question, Answer string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row))
		out = append(out, row)
	}
	require.NoError(t, sc.Err())
	return out
}

func sharedQuestions(t *testing.T, path string) []string {
	var out []string
	for _, r := range sharedQA(t, path) {
		out = append(out, r.Question)
	}
	return out
}

func goldenQuestions(t *testing.T) []string {
	data, err := os.ReadFile("../../goldenset/demo.jsonl")
	require.NoError(t, err)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var row struct{ Question string }
		require.NoError(t, json.Unmarshal([]byte(line), &row))
		out = append(out, row.Question)
	}
	return out
}

// TestDetectorReport measures the detector three ways and logs the tables
// README and docs/threat-model.md quote (`make detector-report`):
//
//  1. 5-fold cross-validation over the training data without the mosscap
//     source (the data the parameters were tuned on);
//  2. a model trained without mosscap, scored on mosscap and on sets that
//     are never trained on (testdata/injection, the demo golden set, the
//     S10 and developer-docs questions in ../shared): never tuned on;
//  3. leave-one-source-out for the other attack sources.
//
// Under the race detector (make test) it runs part 2 only, which trains one
// model instead of nine and still holds its floors; make detector-report
// runs it without -race, in full.
func TestDetectorReport(t *testing.T) {
	t.Parallel()
	all, err := LoadTrainingSet(os.DirFS("testdata/train"))
	require.NoError(t, err)
	p := DefaultTrainParams()
	tuned := without(all, "mosscap")

	// Floors a little under the figures measured when the report was
	// written, so a change that loses detection fails here.
	held := heldOutReport(t, all, tuned, p)
	require.GreaterOrEqual(t, held.rate("attacks: mosscap (human, password game)"), 0.85)
	require.LessOrEqual(t, held.rate("benign: demo golden set"), 0.02)
	if raceDetector {
		t.Log("Under -race only the never-tuned-on part runs; make detector-report runs all three.")
		return
	}
	cv := crossValidatedReport(t, tuned, p)
	require.GreaterOrEqual(t, cv.rate("attacks: gandalf"), 0.95)
	require.GreaterOrEqual(t, cv.rate("attacks: own"), 0.80)
	require.LessOrEqual(t, cv.rate("benign: banking77"), 0.015)
	leaveOneSourceOutReport(t, all, p)
}

// crossValidatedReport is part 1: 5 folds by position over tuned.
func crossValidatedReport(t *testing.T, tuned []Example, p TrainParams) *table {
	t.Helper()
	const k = 5
	cv, fam := &table{}, &table{}
	for f := range k {
		var train, test []Example
		for i, e := range tuned {
			if i%k == f {
				test = append(test, e)
			} else {
				train = append(train, e)
			}
		}
		d := NewDetectorWithModel(TrainModel(train, p))
		for _, e := range test {
			det := d.Score(e.Text)
			cv.add(label(e), det)
			if e.Attack && e.Source == "own" {
				fam.add(e.Family, det)
			}
		}
	}
	cv.log(t, "Cross-validated (5 folds; training data without mosscap; tuned on):")
	fam.log(t, "Cross-validated recall by technique family (own attack set):")
	return cv
}

// heldOutReport is part 2: a model trained on tuned, scored on what it was
// never tuned on.
func heldOutReport(t *testing.T, all, tuned []Example, p TrainParams) *table {
	t.Helper()
	d := NewDetectorWithModel(TrainModel(tuned, p))
	held := &table{}
	for _, e := range all {
		if e.Source == "mosscap" {
			held.add("attacks: mosscap (human, password game)", d.Score(e.Text))
		}
	}
	for _, l := range loadCorpus(t, "attacks.txt") {
		held.add("attacks: testdata/injection "+l.category, d.Score(l.text))
	}
	for _, l := range loadCorpus(t, "benign.txt") {
		held.add("benign: testdata/injection", d.Score(l.text))
	}
	for _, q := range goldenQuestions(t) {
		held.add("benign: demo golden set", d.Score(q))
	}
	for _, l := range loadHeldOut(t, "notinject.txt") {
		held.add("benign: NotInject (general requests with attack words)", d.Score(l.text))
	}
	for _, q := range sharedQuestions(t, "emanual-s10/s10_qa.jsonl") {
		held.add("benign: S10 manual questions", d.Score(q))
	}
	for _, q := range sharedQuestions(t, "anthropic-docs/qa.jsonl") {
		held.add("benign: developer-docs questions", d.Score(q))
	}
	held.log(t, "Never tuned on (model trained without mosscap):")
	return held
}

// leaveOneSourceOutReport is part 3: for each attack source, a model
// trained without it, scored on it.
func leaveOneSourceOutReport(t *testing.T, all []Example, p TrainParams) {
	t.Helper()
	loso := &table{}
	for _, src := range []string{"gandalf", "deepset", "promptinject", "own"} {
		d := NewDetectorWithModel(TrainModel(without(all, src), p))
		for _, e := range all {
			if e.Source == src && e.Attack {
				loso.add("attacks: "+src, d.Score(e.Text))
			}
		}
	}
	loso.log(t, "Leave one source out (model trained without that source):")
}
