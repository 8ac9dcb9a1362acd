package extract

import (
	"slices"
	"strings"
)

// Scoring constants, tuned on the Galaxy S10 manual set (s10_test.go).
const (
	rankBonus       = 0.20 // first pick: bonus / (1 + passage index)
	rechoiceCredit  = 0.20 // later picks: credit for already covered weight
	leadInBonus     = 0.50 // the sentence introducing a chosen item's list
	nextBonus       = 0.25 // the unit right after a chosen one
	stepBonus       = 0.10 // extra when that unit is an instruction
	prevBonus       = 0.10 // the unit right before a chosen one
	openingBonus    = 0.30 // the opening sentence of a passage already used
	navBonus        = 0.35 // the menu path leading to a chosen unit
	newDocumentCost = 0.20 // a later pick that would add a citation
	minGain         = 0.30 // a later pick must gain at least this much
	maxSteps        = 12   // longest procedure quoted whole
	// corroboration is the share of the first pick's relevance that the
	// best unit of another considered passage must hold to be quoted too.
	corroboration = 0.7
)

// selection is the chosen candidates and how many sentences they count as
// (a procedure counts as one).
type selection struct {
	picked []int
	slots  int
}

// choose picks up to limit sentences that answer the question, returned
// in passage and reading order.
func (a *analysis) choose(limit int) []int {
	first, best := -1, 0.0
	for i := range a.cands {
		c := &a.cands[i]
		if !c.quoted {
			continue
		}
		rel := a.relevance(c)
		if s := rel + rankBonus/float64(1+c.passage); rel > 0 && s > best {
			first, best = i, s
		}
	}
	if first < 0 {
		return nil
	}
	sel := &selection{}
	a.take(sel, first)
	for sel.slots < limit {
		next, gain := a.bestNext(sel)
		if next < 0 || gain < minGain {
			break
		}
		a.take(sel, next)
	}
	a.corroborate(sel, a.relevance(&a.cands[first]))
	slices.Sort(sel.picked)
	return sel.picked
}

// corroborate adds, from each considered passage not yet quoted, its most
// relevant unit (a step brings its procedure) when that holds at least
// corroboration of the first pick's relevance: a second passage that
// answers as well is quoted and cited rather than dropped. It may take the
// answer past Params.MaxSentences, by at most one unit or procedure per
// passage.
func (a *analysis) corroborate(sel *selection, top float64) {
	used := map[int]bool{}
	for _, j := range sel.picked {
		used[a.cands[j].passage] = true
	}
	for p := range a.passages {
		if used[p] {
			continue
		}
		best, bestRel := -1, 0.0
		for i := range a.cands {
			if c := &a.cands[i]; c.passage == p && c.quoted {
				if r := a.relevance(c); r > bestRel {
					best, bestRel = i, r
				}
			}
		}
		if best >= 0 && bestRel >= corroboration*top {
			a.take(sel, best)
		}
	}
}

// take adds candidate i or, for a numbered step, its whole procedure (at
// most maxSteps steps around i); a sentence introducing a list brings the
// list's first item (and so a whole procedure), since a lead-in alone
// answers nothing.
func (a *analysis) take(sel *selection, i int) {
	sel.slots++
	c := a.cands[i]
	if c.kind != kindStep {
		if !slices.Contains(sel.picked, i) {
			sel.picked = append(sel.picked, i)
		}
		if n := a.quotable(i, 1); n >= 0 && a.cands[n].leadIn == i && !slices.Contains(sel.picked, n) {
			a.take(sel, n)
			sel.slots--
		}
		return
	}
	var steps []int
	for j := range a.cands {
		if d := a.cands[j]; d.passage == c.passage && d.kind == kindStep && d.list == c.list {
			steps = append(steps, j)
		}
	}
	start := max(0, min(slices.Index(steps, i)-maxSteps/2, len(steps)-maxSteps))
	for _, j := range steps[start:min(len(steps), start+maxSteps)] {
		if !slices.Contains(sel.picked, j) {
			sel.picked = append(sel.picked, j)
		}
	}
}

// bestNext returns the candidate whose addition gains most, and the gain.
func (a *analysis) bestNext(sel *selection) (int, float64) {
	covered := a.coveredMatch(sel.picked)
	bonus := a.structure(sel.picked)
	cited := make(map[string]bool)
	for _, j := range sel.picked {
		cited[documentKey(a.passages[a.cands[j].passage])] = true
	}
	next, best := -1, 0.0
	for i := range a.cands {
		c := &a.cands[i]
		if !c.quoted || slices.Contains(sel.picked, i) {
			continue
		}
		g := a.gain(c, covered) + bonus[i]
		if !cited[documentKey(a.passages[c.passage])] {
			g -= newDocumentCost
		}
		if g > best {
			next, best = i, g
		}
	}
	return next, best
}

// coveredMatch returns, per question term, the best match among picked.
func (a *analysis) coveredMatch(picked []int) []float64 {
	cov := make([]float64, len(a.question))
	for k, q := range a.question {
		for _, i := range picked {
			cov[k] = max(cov[k], a.cands[i].match(q.term))
		}
	}
	return cov
}

// gain is the question weight candidate c adds beyond what is covered,
// plus a little credit for weight it repeats.
func (a *analysis) gain(c *candidate, covered []float64) float64 {
	if a.total == 0 {
		return 0
	}
	s := 0.0
	for k, q := range a.question {
		m := c.match(q.term)
		s += q.weight * (max(m-covered[k], 0) + rechoiceCredit*min(m, covered[k]))
	}
	return s / a.total
}

// structure returns, by candidate index, the bonus for a candidate's place
// next to what is picked: it introduces a picked item's list, is the menu
// path leading to it, follows or precedes a picked unit, or opens a
// passage already quoted. Each pick costs one scan of its own passage at
// most, keeping the selection linear in the number of units.
func (a *analysis) structure(picked []int) map[int]float64 {
	bonus := make(map[int]float64)
	raise := func(i int, b float64) {
		if i >= 0 {
			bonus[i] = max(bonus[i], b)
		}
	}
	for _, j := range picked {
		d := &a.cands[j]
		raise(d.leadIn, leadInBonus)
		raise(a.navigationTo(j), navBonus)
		if n := a.quotable(j, 1); n >= 0 {
			raise(n, nextBonus+stepBonus*boolFloat(isInstruction(a.cands[n].text)))
		}
		raise(a.quotable(j, -1), prevBonus)
		raise(a.opening(d.passage), openingBonus)
	}
	return bonus
}

// quotable returns the nearest quotable candidate after (dir 1) or before
// (dir -1) candidate j in the same passage, or -1.
func (a *analysis) quotable(j, dir int) int {
	for k := j + dir; k >= 0 && k < len(a.cands) && a.cands[k].passage == a.cands[j].passage; k += dir {
		if a.cands[k].quoted {
			return k
		}
	}
	return -1
}

// opening returns the opening candidate of passage p, or -1.
func (a *analysis) opening(p int) int {
	for k := range a.cands {
		if a.cands[k].passage == p && a.cands[k].opening {
			return k
		}
	}
	return -1
}

// navigationTo returns the nearest candidate before j in its passage that
// tells the reader where to go ("From Settings, tap Display > Font"), or -1.
func (a *analysis) navigationTo(j int) int {
	for k := j - 1; k >= 0 && a.cands[k].passage == a.cands[j].passage; k-- {
		if c := &a.cands[k]; c.quoted && isInstruction(c.text) && isMenuPath(c.text) {
			return k
		}
	}
	return -1
}

// isInstruction reports whether a sentence reads as a step of a procedure
// ("Tap …", "From Settings, tap …").
func isInstruction(s string) bool {
	f := strings.Fields(strings.ToLower(s))
	if len(f) == 0 || isOptionLine(s) {
		return false
	}
	switch strings.Trim(f[0], ",.:;") {
	case "add", "change", "check", "choose", "clear", "click", "close",
		"confirm", "contact", "copy", "create", "delete", "disable", "download",
		"drag", "edit", "enable", "enter", "finally", "from", "go", "install",
		"log", "navigate", "next", "open", "paste", "press", "reinstall",
		"remove", "reset", "restart", "run", "save", "scroll", "select", "set",
		"sign", "swipe", "tap", "then", "toggle", "touch", "try", "turn",
		"type", "update", "upload", "visit":
		return true
	}
	return false
}

// isOptionLine reports whether s describes a setting, "Name: what it does",
// rather than telling the reader to do something.
func isOptionLine(s string) bool {
	i := strings.Index(s, ": ")
	return i > 0 && len(strings.Fields(s[:i])) <= 5
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
