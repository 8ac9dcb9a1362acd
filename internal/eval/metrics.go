package eval

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"supportd/internal/text"
)

// NDCGDepth is the cut-off of [MetricNDCG10].
const NDCGDepth = 10

// Score turns one case's observation into a CaseResult with status ok or
// error; deciding that a case is stale is the runner's job, done before
// or instead of scoring. A pipeline error yields StatusError, no metrics
// and a "pipeline error" failure: it is not scored as a model failure.
//
// Otherwise the metrics that apply are filled in (see the Metric
// constants): retrieval metrics when the case has expected sources
// (recall@k over the top k, k ≤ 0 meaning all), answer metrics when the
// case expects an answer, groundedness when the assistant answered with
// text, and decline_correct always. Answer metrics and groundedness read
// the answer without citation markers ([1], [P2]) and without lines that
// are entirely in square brackets (the assistant's notices).
//
// A case passes when it declines and the assistant declined; or when it
// expects an answer, the assistant did not decline, every required fact
// is present, and — if it has expected sources — one of them was
// retrieved in the top k or cited. Failures says which of those failed.
func Score(c Case, o Observation, k int) CaseResult {
	r := CaseResult{CaseID: c.ID, Tags: slices.Clone(c.Tags), Status: StatusOK, Metrics: map[string]float64{}, Obs: o}
	if o.Error != "" {
		r.Status = StatusError
		r.Failures = []string{"pipeline error: " + o.Error}
		return r
	}
	body := answerBody(o.Answer)
	scoreRetrieval(r.Metrics, c, o, k)
	if !c.Declines() {
		scoreAnswer(r.Metrics, c, o, body)
	}
	if !o.Handled() {
		if g, ok := Groundedness(o.Answer, o.Passages); ok {
			r.Metrics[MetricGroundedness] = g
		}
	}
	r.Metrics[MetricDeclineCorrect] = indicator(o.Handled() == c.Declines())
	r.Failures = caseFailures(c, o, body, r.Metrics)
	r.Pass = len(r.Failures) == 0
	return r
}

func scoreRetrieval(m map[string]float64, c Case, o Observation, k int) {
	if len(c.ExpectedSources) == 0 {
		return
	}
	m[MetricRecallAtK] = RecallAtK(c.ExpectedSources, o.Retrieved, k)
	m[MetricMRR] = ReciprocalRank(c.ExpectedSources, o.Retrieved)
	m[MetricNDCG10] = NDCG(c.ExpectedSources, o.Retrieved, NDCGDepth)
}

// answerBody is the answer without notice lines and citation markers.
func answerBody(answer string) string {
	return markerRE.ReplaceAllString(noticeRE.ReplaceAllString(answer, ""), "")
}

func scoreAnswer(m map[string]float64, c Case, o Observation, body string) {
	if len(c.RequiredFacts) > 0 {
		m[MetricFactCoverage] = FactCoverage(c.RequiredFacts, body)
	}
	if strings.TrimSpace(c.ReferenceAnswer) != "" {
		m[MetricTokenF1] = TokenF1(body, c.ReferenceAnswer)
		m[MetricRougeL] = RougeL(body, c.ReferenceAnswer)
	}
	if len(c.ExpectedSources) == 0 {
		return
	}
	if p, ok := CitationPrecision(c.ExpectedSources, o.Cited); ok {
		m[MetricCitationPrecision] = p
	}
	m[MetricCitationRecall] = CitationRecall(c.ExpectedSources, o.Cited)
}

// caseFailures applies the pass rule of [Score]. Missing facts are not
// listed for an answer that was declined: they are all missing.
func caseFailures(c Case, o Observation, body string, m map[string]float64) []string {
	if c.Declines() {
		if o.Handled() {
			return nil
		}
		if c.ShouldHandoff {
			return []string{"answered but should hand off"}
		}
		return []string{"answered but should refuse"}
	}
	var out []string
	if o.Handled() {
		out = append(out, declinedVerb(o.Mode)+" but should answer")
	} else {
		for _, f := range c.RequiredFacts {
			if !FactPresent(f, body) {
				out = append(out, fmt.Sprintf("missing fact %q", f))
			}
		}
	}
	if len(c.ExpectedSources) > 0 && m[MetricRecallAtK] == 0 && m[MetricCitationRecall] == 0 {
		out = append(out, "expected source not retrieved or cited: "+strings.Join(c.ExpectedSources, ", "))
	}
	return out
}

func declinedVerb(mode string) string {
	if mode == "refused" {
		return "refused"
	}
	return "handed off"
}

func indicator(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// distinct returns xs without repeats, keeping first occurrences in order.
func distinct(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// RecallAtK is the share of the distinct expected sources found among the
// first k distinct retrieved documents (all of them when k ≤ 0). A
// document retrieved twice keeps its first rank and counts once. It is 0
// when nothing is expected; Score omits it then.
func RecallAtK(expected, retrieved []string, k int) float64 {
	exp := distinct(expected)
	if len(exp) == 0 {
		return 0
	}
	top := distinct(retrieved)
	if k > 0 && k < len(top) {
		top = top[:k]
	}
	return float64(countIn(exp, setOf(top))) / float64(len(exp))
}

func countIn(xs []string, set map[string]bool) int {
	n := 0
	for _, x := range xs {
		if set[x] {
			n++
		}
	}
	return n
}

// ReciprocalRank is 1/r where r is the 1-based rank, among the distinct
// retrieved documents, of the first expected source; 0 when none was
// retrieved. Its mean over cases is the MRR.
func ReciprocalRank(expected, retrieved []string) float64 {
	exp := setOf(expected)
	for i, doc := range distinct(retrieved) {
		if exp[doc] {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// NDCG is the normalised discounted cumulative gain at depth n with binary
// relevance: DCG = Σ rel_i / log2(i+1) over the first n distinct retrieved
// documents (rank i from 1, rel_i = 1 for an expected source), divided by
// the ideal DCG, Σ 1/log2(i+1) for i = 1..min(|expected|, n). It is 0 when
// nothing is expected.
func NDCG(expected, retrieved []string, n int) float64 {
	exp := distinct(expected)
	relevant := setOf(exp)
	var dcg, ideal float64
	for i, doc := range distinct(retrieved) {
		if i >= n {
			break
		}
		if relevant[doc] {
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	for i := range min(len(exp), n) {
		ideal += 1 / math.Log2(float64(i+2))
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

// CitationPrecision is the share of the distinct cited documents that are
// expected sources; ok is false when nothing was cited, where precision
// is undefined.
func CitationPrecision(expected, cited []string) (float64, bool) {
	c := distinct(cited)
	if len(c) == 0 {
		return 0, false
	}
	return float64(countIn(c, setOf(expected))) / float64(len(c)), true
}

// CitationRecall is the share of the distinct expected sources that are
// cited; 0 when nothing is expected.
func CitationRecall(expected, cited []string) float64 {
	exp := distinct(expected)
	if len(exp) == 0 {
		return 0
	}
	return float64(countIn(exp, setOf(cited))) / float64(len(exp))
}

// FactCoverage is the share of facts present in answer by [FactPresent];
// 1 when there are no facts (Score omits it then).
func FactCoverage(facts []string, answer string) float64 {
	if len(facts) == 0 {
		return 1
	}
	n := 0
	for _, f := range facts {
		if FactPresent(f, answer) {
			n++
		}
	}
	return float64(n) / float64(len(facts))
}

// FactPresent reports whether answer states fact. A literal fact must be a
// substring of the answer after both are folded by [FoldText], so case,
// runs of white space and typographic variants do not matter: "Settings →
// Billing" matches "settings -> billing". A fact "re:PATTERN" is a
// case-insensitive regular expression that must match the answer as
// written or folded; an invalid pattern matches nothing.
func FactPresent(fact, answer string) bool {
	pat, isRE := strings.CutPrefix(fact, "re:")
	if !isRE {
		return strings.Contains(FoldText(answer), FoldText(fact))
	}
	re, err := regexp.Compile("(?i)" + pat)
	if err != nil {
		return false
	}
	return re.MatchString(answer) || re.MatchString(FoldText(answer))
}

// typography maps Unicode arrows, dashes and quotes to ASCII forms.
var typography = strings.NewReplacer(
	"→", "->", "⟶", "->", "➔", "->", "➜", "->", "➝", "->", "➞", "->", "⇢", "->",
	"⇒", "=>", "⟹", "=>", "←", "<-", "⟵", "<-", "⇐", "<=", "↔", "<->", "⇔", "<=>",
	"‐", "-", "‒", "-", "–", "-", "—", "-", "―", "-", "−", "-",
	"‘", "'", "’", "'", "‚", "'", "‛", "'", "′", "'",
	"“", `"`, "”", `"`, "„", `"`, "‟", `"`, "«", `"`, "»", `"`,
)

// FoldText is the form facts are compared in: Unicode NFKC (which also
// turns no-break spaces into spaces and "…" into "..."), arrows to "->",
// "=>", "<-" (→ ⟶ ➔ ➜ ➝ ➞ ⇢, ⇒ ⟹, ← ⟵ …), dashes and the minus sign to
// "-", curly and angle quotes to ' and ", lower case, and every run of
// white space to one space, trimmed.
func FoldText(s string) string {
	s = strings.ToLower(typography.Replace(norm.NFKC.String(s)))
	return strings.Join(strings.Fields(s), " ")
}

// articles are dropped by [TokenF1]'s normalisation, as in SQuAD.
var articles = map[string]bool{"a": true, "an": true, "the": true}

// squadTokens lower-cases s, deletes punctuation and symbols (so
// "read-only" is "readonly" and "$9" is "9"), splits on white space and
// drops the articles a, an, the.
func squadTokens(s string) []string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, strings.ToLower(norm.NFKC.String(s)))
	return slices.DeleteFunc(strings.Fields(s), func(w string) bool { return articles[w] })
}

// TokenF1 is SQuAD's token F1 of an answer against a reference: both are
// normalised (lower case, punctuation and symbols deleted, articles
// a/an/the dropped) and split on white space; with c the size of the
// multiset intersection, precision = c/|answer|, recall = c/|reference|
// and F1 = 2PR/(P+R). It is 1 when both are empty and 0 when only one is.
func TokenF1(answer, reference string) float64 {
	pred, gold := squadTokens(answer), squadTokens(reference)
	if len(pred) == 0 || len(gold) == 0 {
		return indicator(len(pred) == len(gold))
	}
	counts := map[string]int{}
	for _, w := range gold {
		counts[w]++
	}
	common := 0
	for _, w := range pred {
		if counts[w] > 0 {
			counts[w]--
			common++
		}
	}
	return f1(float64(common)/float64(len(pred)), float64(common)/float64(len(gold)))
}

// f1 is the harmonic mean of p and r, 0 when both are 0.
func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// wordTokens is the words of s after NFKC, as internal/text tokenizes
// them: lower case, maximal runs of letters and digits, an apostrophe
// between letters dropped so "don't" is one word.
func wordTokens(s string) []string {
	return text.Words(norm.NFKC.String(s))
}

// RougeL is the ROUGE-L F-measure (β = 1) of an answer against a
// reference over word tokens (lower case, maximal runs of letters and
// digits): with l the length of their longest common subsequence,
// P = l/|answer|, R = l/|reference| and F = 2PR/(P+R). It is 1 when both
// are empty and 0 when only one is.
func RougeL(answer, reference string) float64 {
	a, b := wordTokens(answer), wordTokens(reference)
	if len(a) == 0 || len(b) == 0 {
		return indicator(len(a) == len(b))
	}
	l := float64(lcsLen(a, b))
	return f1(l/float64(len(a)), l/float64(len(b)))
}

// lcsLen is the length of the longest common subsequence, in O(|a|·|b|)
// time and O(|b|) space.
func lcsLen(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Groundedness heuristics: what is stripped from an answer before it is
// split, how it is split, and the share of a sentence's content words one
// passage must contain.
var (
	// noticeRE is a whole line in square brackets: the assistant's notices
	// ("[The generated answer was interrupted. …]") and markers on their
	// own line after code.
	noticeRE = regexp.MustCompile(`(?m)^[ \t]*\[[^\]\n]*\][ \t]*$`)
	// markerRE is a citation marker: [1], [P2], [P1, P3].
	markerRE = regexp.MustCompile(`\[\s*P?\d+(?:\s*[,;]\s*P?\d+)*\s*\]`)
)

// SupportShare is the share of a sentence's content words that one
// passage must contain for [Groundedness] to count it as supported.
const SupportShare = 0.6

// Groundedness is the share of the answer's sentences that are supported
// by a retrieved passage. The heuristic, lexical and cheap:
//
//  1. Lines that are entirely in square brackets (the assistant's notices)
//     and citation markers ([1], [P2], [P1, P3]) are removed.
//  2. The rest is split into lines and each line into sentences
//     (text.Sentences).
//  3. A sentence's content words are its distinct content terms
//     (text.Terms: words minus English stop words and single letters, each
//     lightly stemmed), so "invoices" and "invoice" meet at "invoice".
//     Sentences with no content word ("Yes.") are not counted.
//  4. A sentence is supported when at least [SupportShare] (60%) of its
//     content words occur, stemmed, in one single passage.
//
// ok is false when no sentence counts (empty answer); with no passages
// every sentence is unsupported. Paraphrase scores low and a sentence that
// reuses a passage's words but negates it scores high: read it as "how
// much of the answer is lifted from the context", not as entailment.
func Groundedness(answer string, passages []string) (float64, bool) {
	sentences := answerSentences(answer)
	if len(sentences) == 0 {
		return 0, false
	}
	bags := make([]map[string]bool, len(passages))
	for i, p := range passages {
		bags[i] = setOf(text.Terms(p))
	}
	supported := 0
	for _, s := range sentences {
		if supportedBy(s, bags) {
			supported++
		}
	}
	return float64(supported) / float64(len(sentences)), true
}

// answerSentences returns the content words of each countable sentence.
func answerSentences(answer string) [][]string {
	var out [][]string
	for _, line := range strings.Split(answerBody(answer), "\n") {
		for _, s := range text.Sentences(line) {
			if words := distinct(text.Terms(s)); len(words) > 0 {
				out = append(out, words)
			}
		}
	}
	return out
}

func supportedBy(words []string, bags []map[string]bool) bool {
	for _, bag := range bags {
		if float64(countIn(words, bag)) >= SupportShare*float64(len(words)) {
			return true
		}
	}
	return false
}
