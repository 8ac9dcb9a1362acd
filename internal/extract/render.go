package extract

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"supportd/internal/core"
)

// snippetRunes is the length a citation snippet is trimmed to.
const snippetRunes = 240

// render prints the chosen candidates with citation markers and builds one
// citation per document, in order of first use.
func (a *analysis) render(chosen []int) (string, []core.Citation) {
	var b strings.Builder
	var cites []core.Citation
	var parts [][]string // chosen text per citation
	index := make(map[string]int)
	prev := -1
	for _, i := range chosen {
		c := &a.cands[i]
		p := a.passages[c.passage]
		key := documentKey(p)
		n, ok := index[key]
		if !ok {
			n = len(cites)
			index[key] = n
			cites = append(cites, citation(p))
			parts = append(parts, nil)
		}
		cites[n].Score = max(cites[n].Score, p.Score)
		parts[n] = append(parts[n], c.text)
		b.WriteString(a.separator(prev, i))
		b.WriteString(c.text)
		b.WriteString(marker(c.text, n+1))
		prev = i
	}
	for n := range cites {
		cites[n].Snippet = trimSnippet(strings.Join(parts[n], " "), snippetRunes)
		cites[n].Marker = "[" + strconv.Itoa(n+1) + "]"
	}
	return b.String(), cites
}

// separator goes between the previously printed candidate and i: a blank
// line between passages, a line break around list items and code, and a
// space between sentences of prose.
func (a *analysis) separator(prev, i int) string {
	if prev < 0 {
		return ""
	}
	p, c := &a.cands[prev], &a.cands[i]
	switch {
	case p.passage != c.passage:
		return "\n\n"
	case p.kind != kindProse || c.kind != kindProse:
		return "\n"
	}
	return " "
}

// marker is the citation marker printed after text; after a fenced code
// block it goes on its own line so the fence still closes.
func marker(text string, n int) string {
	if isFence(text) {
		return "\n[" + strconv.Itoa(n) + "]"
	}
	return " [" + strconv.Itoa(n) + "]"
}

// documentKey identifies a passage's document for deduplication.
func documentKey(p core.Passage) string {
	if p.DocumentID != 0 {
		return "id:" + strconv.FormatInt(p.DocumentID, 10)
	}
	return "uri:" + p.SourceURI
}

func citation(p core.Passage) core.Citation {
	return core.Citation{
		DocumentID: p.DocumentID,
		Document:   p.SourceURI,
		Title:      p.Title,
		URI:        p.SourceURI,
		Score:      p.Score,
	}
}

// trimSnippet shortens s to at most n runes (plus an ellipsis), cutting at
// the last word boundary; a single word longer than n is cut mid-word.
func trimSnippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	head := s[:cut]
	if next, _ := utf8.DecodeRuneInString(s[cut:]); next != ' ' {
		if i := strings.LastIndexByte(head, ' '); i > 0 {
			head = head[:i]
		}
	}
	head = strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' && r != '"'
	})
	return head + "…"
}
