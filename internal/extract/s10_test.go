package extract

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

// s10Dir is the shared Galaxy S10 manual set, relative to this package.
const s10Dir = "../../../shared/datasets/emanual-s10"

// s10Section is one manual section of s10_corpus.jsonl.
type s10Section struct {
	ID    string `json:"doc_id"`
	Title string `json:"title"`
	URL   string `json:"section_url"`
	Text  string `json:"text"`
}

// s10Question is one row of s10_qa.jsonl.
type s10Question struct {
	ID       string   `json:"qid"`
	Question string   `json:"question"`
	Answer   string   `json:"answer"`
	Gold     []string `json:"candidate_section_ids"`
}

// s10OffTopic returns questions the manual cannot answer.
func s10OffTopic() []string {
	return []string{
		"What's the weather in Paris tomorrow?",
		"Who won the 2022 World Cup?",
		"What is a good recipe for lasagna?",
		"What is the capital of Australia?",
		"How much is Tesla stock worth today?",
		"How do I file my income taxes?",
		"Who is the president of France?",
		"How many calories are in an avocado?",
		"Can you explain quantum entanglement?",
		"What time does the pharmacy on Main Street close?",
	}
}

// TestS10 measures the answerer on the real Galaxy S10 manual: token F1
// against the annotators' answers when retrieval puts the gold section(s)
// first, followed by the two best other sections, and how often off-topic
// questions are handed off when given the sections retrieval would return.
// The floors sit slightly below the figures measured when the defaults
// were chosen: mean F1 0.745, 1 handoff in 50, 10 off-topic handoffs in 10;
// since a second passage that answers as well is quoted too (which lifts
// the cited-section rate end to end, README), mean F1 is 0.693 and 9 of the
// 10 off-topic questions are handed off.
func TestS10(t *testing.T) {
	t.Parallel()
	corpus, questions := loadS10(t)
	idx := newS10Index(corpus)
	a := New(Params{})

	meanF1, answeredF1, inHandoff := s10Answers(t, a, idx, questions)
	offShare := s10OffTopicHandoffs(t, a, idx)
	t.Logf("S10: %d questions, mean token F1 %.3f (a handoff scores 0), F1 when answered %.3f, handoff share %.2f; off-topic handoff share %.2f",
		len(questions), meanF1, answeredF1, inHandoff, offShare)

	require.GreaterOrEqual(t, meanF1, 0.68)
	require.LessOrEqual(t, inHandoff, 0.04)
	require.GreaterOrEqual(t, offShare, 0.9)
}

// s10Answers returns the mean token F1 over all questions (a handoff
// scores 0), the mean over answered ones, and the share handed off.
func s10Answers(t *testing.T, a *Answerer, idx *s10Index, questions []s10Question) (mean, answered, handoff float64) {
	t.Helper()
	var sum float64
	var handoffs int
	for _, q := range questions {
		res := a.Answer(q.Question, idx.goldPassages(q))
		requireMarkersValid(t, res)
		f1 := 0.0
		if res.Handoff {
			handoffs++
		} else {
			f1 = tokenF1(stripMarkers(res.Text), q.Answer)
		}
		sum += f1
		if testing.Verbose() {
			t.Logf("%s conf=%.2f f1=%.2f handoff=%v q=%q\n  answer: %q", q.ID, res.Confidence, f1, res.Handoff, q.Question, res.Text)
		}
	}
	n := float64(len(questions))
	return sum / n, sum / max(1, n-float64(handoffs)), float64(handoffs) / n
}

// s10OffTopicHandoffs returns the share of s10OffTopic handed off.
func s10OffTopicHandoffs(t *testing.T, a *Answerer, idx *s10Index) float64 {
	t.Helper()
	handoffs, questions := 0, s10OffTopic()
	for _, q := range questions {
		res := a.Answer(q, idx.search(q, nil, 3))
		if res.Handoff {
			handoffs++
		}
		t.Logf("off-topic conf=%.2f handoff=%v q=%q", res.Confidence, res.Handoff, q)
	}
	return float64(handoffs) / float64(len(questions))
}

// loadS10 reads the data set, skipping the test when it is absent.
func loadS10(t *testing.T) ([]s10Section, []s10Question) {
	t.Helper()
	if _, err := os.Stat(s10Dir); err != nil {
		t.Skipf("Galaxy S10 data set not found at %s (shared/datasets/emanual-s10 beside the repository): %v", s10Dir, err)
	}
	return readJSONL[s10Section](t, filepath.Join(s10Dir, "s10_corpus.jsonl")),
		readJSONL[s10Question](t, filepath.Join(s10Dir, "s10_qa.jsonl"))
}

func readJSONL[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v T
		require.NoError(t, json.Unmarshal(sc.Bytes(), &v))
		out = append(out, v)
	}
	require.NoError(t, sc.Err())
	return out
}

// s10Index is a stand-in for retrieval over the manual: BM25 for the text
// list and a TF-IDF cosine for the vector list, so passages carry scores
// and ranks of the kind the real retriever produces.
type s10Index struct {
	sections []s10Section
	byID     map[string]int
	tf       []map[string]float64
	length   []float64
	avgLen   float64
	df       map[string]int
}

func newS10Index(sections []s10Section) *s10Index {
	x := &s10Index{sections: sections, byID: map[string]int{}, df: map[string]int{}}
	total := 0.0
	for i, s := range sections {
		x.byID[s.ID] = i
		tf := map[string]float64{}
		terms := tokenize(s.Title + "\n" + s.Text)
		for _, term := range terms {
			tf[term]++
		}
		for term := range tf {
			x.df[term]++
		}
		x.tf = append(x.tf, tf)
		x.length = append(x.length, float64(len(terms)))
		total += float64(len(terms))
	}
	x.avgLen = total / float64(len(sections))
	return x
}

func (x *s10Index) idf(term string) float64 {
	n, df := float64(len(x.sections)), float64(x.df[term])
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

func (x *s10Index) bm25(q []string, i int) float64 {
	const k1, b = 1.2, 0.75
	s := 0.0
	for _, term := range q {
		f := x.tf[i][term]
		s += x.idf(term) * f * (k1 + 1) / (f + k1*(1-b+b*x.length[i]/x.avgLen))
	}
	return s
}

func (x *s10Index) cosine(q []string, i int) float64 {
	dot, qn, dn := 0.0, 0.0, 0.0
	for _, term := range q {
		w := x.idf(term)
		qn += w * w
		dot += w * w * x.tf[i][term]
	}
	for term, f := range x.tf[i] {
		w := x.idf(term) * f
		dn += w * w
	}
	if qn == 0 || dn == 0 {
		return 0
	}
	return dot / math.Sqrt(qn*dn)
}

// ranks returns each section's 1-based rank under score (0 when it scores
// nothing) and the scores.
func (x *s10Index) ranks(score func(int) float64) ([]int, []float64) {
	scores := make([]float64, len(x.sections))
	order := make([]int, len(x.sections))
	for i := range x.sections {
		scores[i], order[i] = score(i), i
	}
	slices.SortStableFunc(order, func(a, b int) int { return -cmpFloat(scores[a], scores[b]) })
	rank := make([]int, len(x.sections))
	for r, i := range order {
		if scores[i] > 0 {
			rank[i] = r + 1
		}
	}
	return rank, scores
}

// search returns the sections in first (in that order), then the best
// others by reciprocal-rank fusion, k passages in all.
func (x *s10Index) search(question string, first []int, k int) []core.Passage {
	q := distinct(tokenize(question), maxQuestionTerms)
	textRank, bm := x.ranks(func(i int) float64 { return x.bm25(q, i) })
	vecRank, sim := x.ranks(func(i int) float64 { return x.cosine(q, i) })
	fused := func(i int) float64 {
		s := 0.0
		for _, r := range []int{textRank[i], vecRank[i]} {
			if r > 0 {
				s += 1 / float64(60+r)
			}
		}
		return s
	}
	order := slices.Clone(first)
	fusedRank, _ := x.ranks(fused)
	rest := make([]int, len(x.sections))
	for i := range rest {
		rest[i] = i
	}
	slices.SortStableFunc(rest, func(a, b int) int { return fusedRank[a] - fusedRank[b] })
	for _, i := range rest {
		if len(order) >= k {
			break
		}
		if fusedRank[i] > 0 && !slices.Contains(order, i) {
			order = append(order, i)
		}
	}
	out := make([]core.Passage, 0, len(order))
	for _, i := range order {
		s := x.sections[i]
		out = append(out, core.Passage{
			DocumentID: int64(i + 1), SourceURI: s.URL, Title: s.Title, Text: s.Text,
			Score: fused(i), VectorRank: vecRank[i], TextRank: textRank[i],
			Similarity: sim[i], BM25: bm[i],
		})
	}
	return out
}

// goldPassages returns q's gold sections followed by two others.
func (x *s10Index) goldPassages(q s10Question) []core.Passage {
	var gold []int
	for _, id := range q.Gold {
		if i, ok := x.byID[id]; ok {
			gold = append(gold, i)
		}
	}
	return x.search(q.Question, gold, len(gold)+2)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// tokenF1 is the harmonic mean of token precision and recall between an
// answer and a reference, after lower-casing, cutting at anything but
// letters and digits and dropping articles (SQuAD's normalisation, except
// that punctuation separates words, since the references glue sentences
// together: "settings.From").
func tokenF1(answer, reference string) float64 {
	a, r := f1Tokens(answer), f1Tokens(reference)
	if len(a) == 0 || len(r) == 0 {
		return 0
	}
	count := map[string]int{}
	for _, w := range r {
		count[w]++
	}
	common := 0
	for _, w := range a {
		if count[w] > 0 {
			count[w]--
			common++
		}
	}
	if common == 0 {
		return 0
	}
	p, rc := float64(common)/float64(len(a)), float64(common)/float64(len(r))
	return 2 * p * rc / (p + rc)
}

func f1Tokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if w != "a" && w != "an" && w != "the" {
			out = append(out, w)
		}
	}
	return out
}

// stripMarkers removes citation markers from an answer.
func stripMarkers(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		for _, f := range strings.Fields(line) {
			if len(f) > 2 && f[0] == '[' && f[len(f)-1] == ']' && strings.Trim(f[1:len(f)-1], "0123456789") == "" {
				continue
			}
			b.WriteString(f + " ")
		}
	}
	return strings.TrimSpace(b.String())
}
