package guard

import (
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// A prefilter skips a rule's regexp on text that cannot match it. Go's
// regexp finds no literal prefix in a pattern that starts with \b or an
// alternation, so it steps its automaton over every byte of the text; over
// a long document (ingestion screens whole pages) that was nearly all of
// the Detector's time. The substrings every match must contain are read
// off the pattern's syntax tree, as an AND/OR query of literals (the shape
// of Russ Cox's code search index), and one pass over a view finds which
// literals occur. The query is a necessary condition of a match, never a
// guess: where the tree gives no literal, the rule always runs.

// litQuery is a condition on which literals a text contains: all of and
// (when non-empty), then one of or (when non-nil), then lit.
type litQuery struct {
	op   litOp
	lit  string
	subs []*litQuery
}

type litOp uint8

const (
	qAll litOp = iota // true for every text
	qLit
	qAnd
	qOr
)

var matchAll = &litQuery{op: qAll}

// maxExact bounds the finite sets of strings a pattern fragment is
// expanded into before it is treated as open-ended.
const maxExact = 256

// litInfo is what a syntax node tells about its matches: exact, when not
// nil, is every string it matches; q is a condition every match meets.
type litInfo struct {
	exact []string
	q     *litQuery
}

func exactInfo(set []string) litInfo {
	slices.Sort(set)
	set = slices.Compact(set)
	return litInfo{exact: set, q: orOf(set)}
}

// orOf is "contains one of set"; matchAll when a string in it is too
// short to index (the empty string, a single byte).
func orOf(set []string) *litQuery {
	subs := make([]*litQuery, 0, len(set))
	for _, s := range set {
		if len(s) < 2 {
			return matchAll
		}
		subs = append(subs, &litQuery{op: qLit, lit: s})
	}
	if len(subs) == 1 {
		return subs[0]
	}
	return &litQuery{op: qOr, subs: subs}
}

func andOf(qs ...*litQuery) *litQuery {
	var subs []*litQuery
	for _, q := range qs {
		if q.op != qAll {
			subs = append(subs, q)
		}
	}
	switch len(subs) {
	case 0:
		return matchAll
	case 1:
		return subs[0]
	}
	return &litQuery{op: qAnd, subs: subs}
}

func anyOf(qs ...*litQuery) *litQuery {
	for _, q := range qs {
		if q.op == qAll {
			return matchAll
		}
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return &litQuery{op: qOr, subs: qs}
}

// analyze returns what re's syntax tree says every match contains.
func analyze(re *regexp.Regexp) *litQuery {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return matchAll // cannot happen for a compiled regexp; run it then
	}
	return litsOf(t).q
}

func litsOf(t *syntax.Regexp) litInfo {
	switch t.Op {
	case syntax.OpLiteral:
		if t.Flags&syntax.FoldCase != 0 {
			return litInfo{q: matchAll}
		}
		return exactInfo([]string{string(t.Rune)})
	case syntax.OpCharClass:
		return classInfo(t.Rune)
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return exactInfo([]string{""})
	case syntax.OpCapture:
		return litsOf(t.Sub[0])
	case syntax.OpQuest:
		if in := litsOf(t.Sub[0]); in.exact != nil && len(in.exact) < maxExact {
			return exactInfo(append(slices.Clone(in.exact), ""))
		}
		return litInfo{q: matchAll}
	case syntax.OpPlus:
		return litInfo{q: litsOf(t.Sub[0]).q}
	case syntax.OpRepeat:
		if t.Min == 0 {
			return litInfo{q: matchAll}
		}
		return litInfo{q: litsOf(t.Sub[0]).q}
	case syntax.OpConcat:
		return concatInfo(t.Sub)
	case syntax.OpAlternate:
		return alternateInfo(t.Sub)
	}
	return litInfo{q: matchAll} // any character, star
}

// classInfo expands a character class of a few characters.
func classInfo(ranges []rune) litInfo {
	var set []string
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			if len(set) >= 8 {
				return litInfo{q: matchAll}
			}
			set = append(set, string(r))
		}
	}
	return exactInfo(set)
}

// concatInfo: a match of a concatenation holds a match of every part,
// and runs of parts with finite sets are multiplied out into longer
// literals.
func concatInfo(parts []*syntax.Regexp) litInfo {
	run, exact := []string{""}, true
	var qs []*litQuery
	for _, p := range parts {
		in := litsOf(p)
		if in.exact == nil {
			qs = append(qs, in.q)
		}
		if in.exact != nil && len(run)*len(in.exact) <= maxExact {
			run = product(run, in.exact)
			continue
		}
		exact = false
		qs = append(qs, orOf(run))
		run = []string{""}
		if in.exact != nil {
			run = in.exact
		}
	}
	if exact {
		return exactInfo(run)
	}
	return litInfo{q: andOf(append(qs, orOf(run))...)}
}

func product(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

func alternateInfo(alts []*syntax.Regexp) litInfo {
	var set []string
	qs := make([]*litQuery, 0, len(alts))
	exact := true
	for _, a := range alts {
		in := litsOf(a)
		qs = append(qs, in.q)
		exact = exact && in.exact != nil
		set = append(set, in.exact...)
	}
	if exact && len(set) <= maxExact {
		return exactInfo(set)
	}
	return litInfo{q: anyOf(qs...)}
}

// eval reports whether a text whose literals are has meets q.
func (q *litQuery) eval(has []bool, id map[string]int) bool {
	switch q.op {
	case qLit:
		return has[id[q.lit]]
	case qAnd:
		for _, s := range q.subs {
			if !s.eval(has, id) {
				return false
			}
		}
		return true
	case qOr:
		for _, s := range q.subs {
			if s.eval(has, id) {
				return true
			}
		}
		return false
	}
	return true
}

func (q *litQuery) literals(out map[string]bool) {
	if q.op == qLit {
		out[q.lit] = true
	}
	for _, s := range q.subs {
		s.literals(out)
	}
}

// literalSet finds which of a fixed set of literals occur in a text, in
// one pass: candidates are looked up by their first bytes (up to four),
// after a bitmap of the first two bytes has ruled most positions out.
type literalSet struct {
	lits  []string
	id    map[string]int
	pairs [1 << 16 / 64]uint64 // first two bytes of some literal
	start [5]map[uint32][]int  // by prefix length 2..4: literal ids
}

func newLiteralSet(lits map[string]bool) *literalSet {
	s := &literalSet{id: map[string]int{}}
	for n := 2; n <= 4; n++ {
		s.start[n] = map[uint32][]int{}
	}
	for _, l := range slices.Sorted(maps.Keys(lits)) {
		s.id[l] = len(s.lits)
		pair := uint16(l[0])<<8 | uint16(l[1])
		s.pairs[pair/64] |= 1 << (pair % 64)
		n := min(len(l), 4)
		key := prefixKey(l, n)
		s.start[n][key] = append(s.start[n][key], len(s.lits))
		s.lits = append(s.lits, l)
	}
	return s
}

func prefixKey(s string, n int) uint32 {
	var k uint32
	for i := range n {
		k = k<<8 | uint32(s[i])
	}
	return k
}

// in returns, by literal id, whether each literal occurs in text.
func (s *literalSet) in(text string) []bool {
	has := make([]bool, len(s.lits))
	for i := 0; i+1 < len(text); i++ {
		if pair := uint16(text[i])<<8 | uint16(text[i+1]); s.pairs[pair/64]&(1<<(pair%64)) == 0 {
			continue
		}
		for n := 2; n <= 4 && i+n <= len(text); n++ {
			for _, l := range s.start[n][prefixKey(text[i:], n)] {
				if !has[l] && strings.HasPrefix(text[i:], s.lits[l]) {
					has[l] = true
				}
			}
		}
	}
	return has
}

// prefilter holds every rule's query and, per view, the literals the
// queries on that view name.
type prefilter struct {
	query []*litQuery // by rule index
	sets  [viewCompact + 1]*literalSet
}

func newPrefilter(rules []rule) *prefilter {
	p := &prefilter{query: make([]*litQuery, len(rules))}
	var lits [viewCompact + 1]map[string]bool
	for i := range lits {
		lits[i] = map[string]bool{}
	}
	for i := range rules {
		p.query[i] = analyze(rules[i].re)
		p.query[i].literals(lits[rules[i].view])
	}
	for i := range lits {
		p.sets[i] = newLiteralSet(lits[i])
	}
	return p
}

// candidates reports which rules may match v; false means the rule's
// regexp cannot match its view of v.
type candidates struct {
	p   *prefilter
	v   *views
	has [viewCompact + 1][]bool
}

func (c *candidates) may(i int, w view) bool {
	if c.p == nil || c.p.query[i].op == qAll {
		return true
	}
	if c.has[w] == nil {
		c.has[w] = c.p.sets[w].in(c.v.get(w))
	}
	return c.p.query[i].eval(c.has[w], c.p.sets[w].id)
}

func (q *litQuery) String() string {
	switch q.op {
	case qLit:
		return strconv.Quote(q.lit)
	case qAll:
		return "ALL"
	}
	parts := make([]string, len(q.subs))
	for i, s := range q.subs {
		parts[i] = s.String()
	}
	sep := " | "
	if q.op == qAnd {
		sep = " & "
	}
	return "(" + strings.Join(parts, sep) + ")"
}
