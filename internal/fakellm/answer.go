package fakellm

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Message is one chat message as the server received it.
type Message struct {
	// Role is "system", "user", "assistant" or "tool".
	Role string
	// Content is the message text; the text parts of a multi-part content
	// array are joined with newlines.
	Content string
}

// IDontKnow is the answer when no passage shares a word with the question.
const IDontKnow = "I don't know."

var (
	passagePattern   = regexp.MustCompile(`(?s)<passage\b([^>]*)>(.*?)</passage>`)
	idPattern        = regexp.MustCompile(`\bid\s*=\s*"([^"]*)"`)
	questionPattern  = regexp.MustCompile(`(?s)<question>(.*?)</question>`)
	answerPattern    = regexp.MustCompile(`(?s)<answer>(.*?)</answer>`)
	referencePattern = regexp.MustCompile(`(?s)<reference>(.*?)</reference>`)
	sentenceEnd      = regexp.MustCompile(`[.!?]+["')\]]*(\s|$)`)
)

// followUpMarker introduces the follow-up in a condense prompt.
const followUpMarker = "Follow-up:"

// passage is one <passage> block of a prompt.
type passage struct {
	id   string
	text string
}

// Answer returns the reply the server gives to messages when no fault
// applies: see the package documentation for the rule. Fault markers in the
// last user message are ignored.
func Answer(messages []Message) string {
	a, _ := answer(markerPattern.ReplaceAllString(lastUser(messages), ""))
	return a
}

// answer computes the reply to the last user message's text and returns
// the id it cites ("" when it cites none).
func answer(text string) (string, string) {
	if verdict, ok := judge(text); ok {
		return verdict, ""
	}
	q := questionPattern.FindAllStringSubmatch(text, -1)
	if len(q) == 0 {
		return echo(text), ""
	}
	best, bestScore := passage{}, 0
	question := wordSet(q[len(q)-1][1])
	for _, p := range passages(text) {
		score := overlap(question, wordSet(p.text))
		if score > bestScore || (score == bestScore && score > 0 && lowerID(p.id, best.id)) {
			best, bestScore = p, score
		}
	}
	if bestScore == 0 {
		return IDontKnow, ""
	}
	return leadSentences(best.text, 2) + " [" + best.id + "]", best.id
}

// echo answers a prompt that asks no <question>.
func echo(text string) string {
	if i := strings.LastIndex(text, followUpMarker); i >= 0 {
		return strings.TrimSpace(text[i+len(followUpMarker):])
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// lastUser returns the content of the last user message, or "".
func lastUser(messages []Message) string {
	for i := len(messages) - 1; i >= 0; i-- {
		if messages[i].Role == "user" {
			return messages[i].Content
		}
	}
	return ""
}

// passages returns the <passage> blocks of text in order.
func passages(text string) []passage {
	var out []passage
	for _, m := range passagePattern.FindAllStringSubmatch(text, -1) {
		id := ""
		if idm := idPattern.FindStringSubmatch(m[1]); idm != nil {
			id = idm[1]
		}
		out = append(out, passage{id: id, text: m[2]})
	}
	return out
}

// ids returns the set of passage ids in text.
func ids(text string) map[string]bool {
	set := map[string]bool{}
	for _, p := range passages(text) {
		set[p.id] = true
	}
	return set
}

// wordSet returns the distinct lower-cased words of s: maximal runs of
// letters and digits.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		set[w] = true
	}
	return set
}

// overlap counts the words a and b share.
func overlap(a, b map[string]bool) int {
	n := 0
	for w := range a {
		if b[w] {
			n++
		}
	}
	return n
}

// lowerID reports whether id a sorts before id b, comparing a trailing
// number numerically when the prefixes agree, so "P2" < "P10".
func lowerID(a, b string) bool {
	pa, na, okA := splitNumber(a)
	pb, nb, okB := splitNumber(b)
	if okA && okB && pa == pb && na != nb {
		return na < nb
	}
	return a < b
}

// splitNumber splits "P12" into "P" and 12.
func splitNumber(id string) (string, int, bool) {
	i := strings.LastIndexFunc(id, func(r rune) bool { return r < '0' || r > '9' }) + 1
	n, err := strconv.Atoi(id[i:])
	return id[:i], n, err == nil
}

// leadSentences returns the first n sentences of text with its whitespace
// collapsed to single spaces.
func leadSentences(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	ends := sentenceEnd.FindAllStringIndex(text, n)
	if len(ends) < n {
		return text
	}
	return strings.TrimSpace(text[:ends[n-1][1]])
}

// freeID returns want, or when the prompt already has it, the first id with
// the same prefix and a higher number that it does not have.
func freeID(want string, taken map[string]bool) string {
	if !taken[want] {
		return want
	}
	prefix, n, ok := splitNumber(want)
	if !ok {
		prefix, n = want+"-", 0
	}
	for {
		n++
		if id := prefix + strconv.Itoa(n); !taken[id] {
			return id
		}
	}
}

// tokens splits s into words, each keeping the whitespace after it, so the
// tokens concatenate to s. Leading whitespace goes with the first token.
func tokens(s string) []string {
	var out []string
	start, inSpace := 0, true
	for i, r := range s {
		space := unicode.IsSpace(r)
		if !space && inSpace && strings.TrimSpace(s[start:i]) != "" {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = space
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// countTokens counts whitespace-separated words, the fake's token unit.
func countTokens(s string) int { return len(strings.Fields(s)) }

// judge answers an LLM-as-judge prompt (one with <reference> and <answer>
// blocks) with the JSON verdict it asks for: faithfulness is the share of
// the answer's words found in the passages, relevance the share of the
// reference's words found in the answer, both rounded to two decimals.
func judge(text string) (string, bool) {
	a := answerPattern.FindStringSubmatch(text)
	ref := referencePattern.FindStringSubmatch(text)
	if a == nil || ref == nil {
		return "", false
	}
	answerWords := wordSet(a[1])
	context := map[string]bool{}
	for _, p := range passages(text) {
		for w := range wordSet(p.text) {
			context[w] = true
		}
	}
	share := func(part, whole map[string]bool) float64 {
		if len(part) == 0 {
			return 0
		}
		return float64(overlap(part, whole)) / float64(len(part))
	}
	faith := share(answerWords, context)
	rel := share(wordSet(ref[1]), answerWords)
	return `{"faithfulness": ` + strconv.FormatFloat(round2(faith), 'f', -1, 64) +
		`, "relevance": ` + strconv.FormatFloat(round2(rel), 'f', -1, 64) + `, "reason": "word overlap (fake judge)"}`, true
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }
