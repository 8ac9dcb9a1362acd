package extract

import (
	"math"
	"strings"
	"unicode/utf8"

	"supportd/internal/core"
)

const (
	// maxQuestionTerms bounds the work one question can cause.
	maxQuestionTerms = 64
	// maxPassageBytes bounds how much of one passage is read; retrieved
	// chunks are far smaller, so only abuse is cut.
	maxPassageBytes = 32 << 10
	// contextMatch is the credit for a question term found only in a
	// unit's title or heading rather than in the unit itself.
	contextMatch = 0.5
	// maxLeadInReach is how many units after a lead-in ("…the following
	// options:") still count as its list.
	maxLeadInReach = 15
)

// candidate is a unit with what the scorer needs to know about it.
type candidate struct {
	unit
	passage int                 // index among the considered passages
	index   int                 // position among its passage's units
	terms   map[string]struct{} // the unit's own terms
	context map[string]struct{} // terms of its passage title, heading and nearest heading line
	leadIn  int                 // candidate index of the sentence introducing its list, -1 if none
	opening bool                // the first quotable unit of its passage
	quoted  bool                // may be quoted (not a heading, not a stub)
}

// qterm is a distinct question term and its weight.
type qterm struct {
	term   string
	weight float64
}

// analysis is everything derived from one question and its passages.
type analysis struct {
	passages []core.Passage
	cands    []candidate
	question []qterm
	total    float64 // sum of question term weights
}

// analyze splits the passages, tokenises everything and weighs the
// question's terms by their rarity among the quotable units.
func analyze(question string, passages []core.Passage) *analysis {
	a := &analysis{passages: passages}
	for p := range passages {
		a.addPassage(p)
	}
	df, pdf, n := a.documentFrequencies()
	for _, t := range distinct(tokenize(question), maxQuestionTerms) {
		w := (idf(n, df[t]) + idf(len(passages), pdf[t])) / 2
		a.question = append(a.question, qterm{term: t, weight: w})
		a.total += w
	}
	return a
}

// documentFrequencies counts, for every term, the quotable units (df) and
// the passages (pdf) that hold it, and returns the number of quotable
// units.
func (a *analysis) documentFrequencies() (df, pdf map[string]int, n int) {
	df, pdf = make(map[string]int), make(map[string]int)
	seen := make(map[string]int) // term -> last passage counted, plus one
	for _, c := range a.cands {
		if !c.quoted {
			continue
		}
		n++
		for t := range c.terms {
			df[t]++
			if seen[t] != c.passage+1 {
				seen[t] = c.passage + 1
				pdf[t]++
			}
		}
	}
	return df, pdf, n
}

// idf is a smoothed inverse document frequency; a term in no document
// weighs as much as one in a single document.
func idf(n, df int) float64 {
	return math.Log(1 + float64(n+1)/float64(df+1))
}

// addPassage appends the candidates of passage p.
func (a *analysis) addPassage(p int) {
	ps := a.passages[p]
	text := ps.Text
	if len(text) > maxPassageBytes {
		n := maxPassageBytes
		for n > 0 && !utf8.RuneStart(text[n]) {
			n--
		}
		text = text[:n]
	}
	base := ps.Title + "\n" + ps.Heading
	ctx := termSet(base)
	lead, opened := -1, false
	for i, u := range splitUnits(text) {
		if u.kind == kindHeading {
			ctx = termSet(base + "\n" + u.text)
		}
		c := candidate{unit: u, passage: p, index: i, context: ctx, leadIn: -1}
		c.text = neutralizeMarkers(c.text)
		c.terms = termSet(c.text)
		c.quoted = u.kind != kindHeading && len(c.terms) > 0 && (len(c.terms) > 1 || hasLetterWords(c.text, 2))
		c.opening = c.quoted && !opened
		opened = opened || c.quoted
		if c.quoted && lead >= 0 && i-a.cands[lead].index <= maxLeadInReach && !isLeadIn(c.text) {
			c.leadIn = lead
		}
		if c.quoted && isLeadIn(c.text) {
			lead = len(a.cands)
		}
		a.cands = append(a.cands, c)
	}
}

// distinct returns the first limit distinct values of ts, in order.
func distinct(ts []string, limit int) []string {
	seen := make(map[string]struct{}, len(ts))
	var out []string
	for _, t := range ts {
		if _, ok := seen[t]; ok {
			continue
		}
		seen[t] = struct{}{}
		if out = append(out, t); len(out) == limit {
			break
		}
	}
	return out
}

// isLeadIn reports whether a sentence introduces a list: it ends with a
// colon, or with a colon followed by a short title (a manual's "…for the
// following options: Useful features").
func isLeadIn(s string) bool {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return false
	}
	tail := strings.TrimSpace(s[i+1:])
	return tail == "" || (len(strings.Fields(tail)) <= 3 && !endsSentence(tail))
}

// match is how much of question term t candidate c holds: 1 in its text,
// contextMatch in its title or heading only, else 0.
func (c *candidate) match(t string) float64 {
	if _, ok := c.terms[t]; ok {
		return 1
	}
	if _, ok := c.context[t]; ok {
		return contextMatch
	}
	return 0
}

// relevance is the share of the question's weight candidate c holds.
func (a *analysis) relevance(c *candidate) float64 {
	if a.total == 0 {
		return 0
	}
	s := 0.0
	for _, q := range a.question {
		s += q.weight * c.match(q.term)
	}
	return s / a.total
}

// coverage is the share of the question's weight held by the chosen
// candidates together, each term counted at its best match.
func (a *analysis) coverage(chosen []int) float64 {
	if a.total == 0 {
		return 0
	}
	s := 0.0
	for _, q := range a.question {
		best := 0.0
		for _, i := range chosen {
			best = math.Max(best, a.cands[i].match(q.term))
		}
		s += q.weight * best
	}
	return s / a.total
}
