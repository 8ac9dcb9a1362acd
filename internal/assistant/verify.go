package assistant

import (
	"strings"
	"unicode"
)

// everyClaimCited reports whether each paragraph of a model's answer (a
// run of lines between blank lines: prose, or a list) cites a passage, as
// the answer prompt asks: an answer drawing on several passages must cite
// each where it uses it, not once for everything. A paragraph that only
// introduces what follows (it ends with a colon), a fenced code block
// (cited by the prose around it) and one without letters need no
// citation. Whether the cited ids were given is citations' check.
func everyClaimCited(text string) bool {
	fenced := false
	var para []string
	ok := true
	flush := func() {
		p := strings.TrimSpace(strings.Join(para, "\n"))
		para = para[:0]
		if p == "" || strings.HasSuffix(p, ":") || !strings.ContainsFunc(p, unicode.IsLetter) {
			return
		}
		ok = ok && citeRE.MatchString(p)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			flush()
			fenced = !fenced
			continue
		}
		switch {
		case fenced:
		case strings.TrimSpace(line) == "":
			flush()
		default:
			para = append(para, line)
		}
	}
	flush()
	return ok
}
