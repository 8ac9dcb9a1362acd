package guard

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxQuestionChars is the question length limit, in runes, used when
// QuestionLimits.MaxChars is zero or negative. Real bug reports hold pasted
// logs and system info (a median of 2,737 characters in issue 15's
// sample, a third over 2,000), so the limit is eight times that.
const DefaultMaxQuestionChars = 16000

// QuestionLimits configures CheckQuestion.
type QuestionLimits struct {
	// MaxChars is the longest accepted question, in runes (Unicode code
	// points, not bytes). Zero or negative means DefaultMaxQuestionChars.
	MaxChars int
}

// Reason is the stable, machine-readable cause of a Rejection. Clients and
// logs may match on it; the values never change meaning.
type Reason string

// Reasons CheckQuestion rejects a question for, in the order it checks them.
const (
	// ReasonTooLong: more runes than QuestionLimits.MaxChars.
	ReasonTooLong Reason = "too_long"
	// ReasonInvalidUTF8: the bytes are not valid UTF-8.
	ReasonInvalidUTF8 Reason = "invalid_utf8"
	// ReasonEmpty: nothing but white space and invisible characters.
	ReasonEmpty Reason = "empty"
	// ReasonControlChars: a C0 or C1 control character other than tab,
	// line feed and carriage return, or U+FFFD (the mark of text that was
	// already broken before it reached us).
	ReasonControlChars Reason = "control_chars"
	// ReasonFlood: one character, or a short pattern, repeated at length, or
	// one word making up most of a long message.
	ReasonFlood Reason = "flood"
	// ReasonGarbled: too few letters to be a question in any language.
	ReasonGarbled Reason = "garbled"
)

// Rejection says why a question was refused. Message is safe to show to the
// end user: it names the problem and never echoes the input.
type Rejection struct {
	Reason  Reason
	Message string
}

// Error returns the message, so a Rejection can travel as an error.
func (r *Rejection) Error() string { return r.Message }

// Tuning of the flood and garbled checks. See floodReason and garbled for
// why each value is what it is.
const (
	// runLimit is how many times in a row a letter, digit, emoji or
	// punctuation mark may repeat.
	runLimit = 30
	// separatorRunLimit is the same for characters people draw rules and
	// indentation with ("-----", "=====", spaces), which pasted logs, tables
	// and psql output legitimately repeat.
	separatorRunLimit = 200
	// patternMaxPeriod is the longest repeated pattern looked for
	// ("lol ", "asdf", "ha").
	patternMaxPeriod = 8
	// patternRunLimit is how many runes a repeated pattern (period ≥ 2) may
	// cover.
	patternRunLimit = 64
	// tokenFloodMin and tokenFloodShare: among at least tokenFloodMin words,
	// no single one may make up more than tokenFloodShare of them.
	tokenFloodMin   = 20
	tokenFloodShare = 0.6
	// garbledMinRunes: shorter inputs are never called garbled ("ok??", "#1").
	garbledMinRunes = 12
	// garbledRatio is the least share of letter-like runes (letters, marks,
	// digits at half weight) among visible runes.
	garbledRatio = 0.35
	// garbledWords: text with this many real words is never garbled, however
	// much punctuation surrounds them (pasted JSON, logs, code).
	garbledWords = 3
)

// CheckQuestion validates q before anything expensive (retrieval, a model
// call) runs. It returns nil when q is acceptable, or the first problem
// found. Checks run cheapest first: length, encoding, emptiness, control
// characters, floods, garbage.
//
// It is tuned to let through what real users paste into a support chat —
// stack traces, JSON, HTTP logs, URLs, error codes, any script, emoji — and
// to stop inputs that cannot be questions and would only burn a model call.
func CheckQuestion(q string, p QuestionLimits) *Rejection {
	limit := p.MaxChars
	if limit <= 0 {
		limit = DefaultMaxQuestionChars
	}
	// A valid rune is at most 4 bytes, so longer inputs are too long
	// whatever they contain; refuse them before reading them.
	if len(q) > 4*limit || (utf8.ValidString(q) && utf8.RuneCountInString(q) > limit) {
		return reject(ReasonTooLong, fmt.Sprintf("Your question is too long: the limit is %d characters.", limit))
	}
	if !utf8.ValidString(q) {
		return reject(ReasonInvalidUTF8, "Your question contains bytes that are not valid text (UTF-8).")
	}
	if strings.IndexFunc(q, visible) < 0 {
		return reject(ReasonEmpty, "Your question is empty.")
	}
	if brokenControl(q) {
		return reject(ReasonControlChars, "Your question contains control characters or broken text; please retype or paste it as plain text.")
	}
	runes := []rune(q)
	if flooded(runes) || tokenFlood(q) {
		return reject(ReasonFlood, "Your question repeats the same characters or words too many times.")
	}
	if garbled(runes) {
		return reject(ReasonGarbled, "Your question doesn't look like readable text; please rephrase it.")
	}
	return nil
}

func reject(r Reason, msg string) *Rejection { return &Rejection{Reason: r, Message: msg} }

// visible reports whether r shows as something: not white space and not an
// invisible format character such as a zero-width space.
func visible(r rune) bool {
	return !unicode.IsSpace(r) && !invisible(r)
}

// brokenControl reports a forbidden control character in q, except C1
// controls that are mojibake: UTF-8 decoded as Latin-1 turns the bytes
// 0x80–0x9f into C1 controls after the letter of a lead byte, so "け"
// becomes "ã\u0081‘". A report quoting such text is answered.
func brokenControl(q string) bool {
	var prev rune
	inMojibake := false
	for _, r := range q {
		if inMojibake = c1(r) && (inMojibake || mojibakeLead(prev)); !inMojibake && forbiddenControl(r) {
			return true
		}
		prev = r
	}
	return false
}

// c1 reports a C1 control character.
func c1(r rune) bool { return r >= 0x80 && r <= 0x9f }

// mojibakeLead reports the Latin-1 reading of a UTF-8 lead byte of a two-
// to four-byte sequence (Â…ô).
func mojibakeLead(r rune) bool { return r >= 0xc2 && r <= 0xf4 }

// forbiddenControl reports C0 and C1 controls except tab, LF and CR, and
// U+FFFD, the replacement character that marks an earlier decoding failure.
func forbiddenControl(r rune) bool {
	switch r {
	case '\t', '\n', '\r':
		return false
	case utf8.RuneError:
		return true
	}
	return r < 0x20 || (r >= 0x7f && r <= 0x9f)
}

// separatorRune reports runes that people repeat on purpose to draw rules,
// boxes and indentation: ASCII and full-width rule characters, every dash
// (em, en, wave, horizontal bar), box drawing and block elements,
// ellipses and middle dots, white space and invisible characters (a run
// of zero-width spaces is something to report, not a flood).
func separatorRune(r rune) bool {
	if r >= 0xff01 && r <= 0xff5e { // full-width ASCII: ＝ － ＊ ～
		r -= 0xfee0
	}
	switch r {
	case '-', '=', '_', '*', '#', '~', '.', '+', '|', '/', '\\', '<', '>', '^', '·', '•', '…', '‥', '⋯', '・', '･', '¯', '‾', '〰':
		return true
	}
	return (r >= 0x2500 && r <= 0x259f) || unicode.Is(unicode.Pd, r) || unicode.IsSpace(r) || invisible(r)
}

// flooded reports a rune repeated more than the run limits allow, or a
// pattern of 2..patternMaxPeriod runes repeated over patternRunLimit runes.
// Repeats made only of separators get the larger separatorRunLimit.
func flooded(rs []rune) bool {
	for period := 1; period <= patternMaxPeriod; period++ {
		run, onlySep := 0, true
		for i := period; i < len(rs); i++ {
			if rs[i] != rs[i-period] {
				run, onlySep = 0, true
				continue
			}
			if run == 0 {
				// The run covers rs[i-period:i+1]; its first period
				// runes are the pattern.
				onlySep = allSeparators(rs[i-period : i])
			}
			run++
			onlySep = onlySep && separatorRune(rs[i])
			if run+period > floodLimit(period, onlySep) {
				return true
			}
		}
	}
	return false
}

func floodLimit(period int, onlySep bool) int {
	switch {
	case onlySep:
		return separatorRunLimit
	case period == 1:
		return runLimit - 1
	default:
		return patternRunLimit
	}
}

func allSeparators(rs []rune) bool {
	for _, r := range rs {
		if !separatorRune(r) {
			return false
		}
	}
	return true
}

// tokenFlood reports one word making up more than tokenFloodShare of at
// least tokenFloodMin words. Only words with a letter, digit or symbol
// count, so table borders ("|", "--") in pasted output do not.
func tokenFlood(q string) bool {
	counts := map[string]int{}
	total, top := 0, 0
	for _, f := range strings.Fields(q) {
		w := strings.ToLower(strings.TrimFunc(f, unicode.IsPunct))
		if strings.IndexFunc(w, wordish) < 0 {
			continue
		}
		total++
		counts[w]++
		top = max(top, counts[w])
	}
	return total >= tokenFloodMin && float64(top) > tokenFloodShare*float64(total)
}

func wordish(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.So, r)
}

// decoration reports a separator that is part of a drawn rule ("=====",
// "-----"): it says nothing about whether the text around it is language.
func decoration(rs []rune, i int) bool {
	r := rs[i]
	return separatorRune(r) && ((i > 0 && rs[i-1] == r) || (i+1 < len(rs) && rs[i+1] == r))
}

// garbled reports text with too few letters to be language: at least
// garbledMinRunes visible runes, a letter share below garbledRatio (digits
// count half, since logs and error codes are full of them; drawn rules are
// not counted), and fewer than garbledWords words of three or more letters.
// Marks count as letters so that Devanagari, Thai and Arabic vowel signs do
// not lower the share.
func garbled(rs []rune) bool {
	var seen, letters float64
	words, wordLen := 0, 0
	for i, r := range rs {
		isLetter := unicode.IsLetter(r) || (unicode.IsMark(r) && !invisible(r))
		if isLetter {
			wordLen++
			if wordLen == 3 {
				words++
			}
		} else {
			wordLen = 0
		}
		if !visible(r) || decoration(rs, i) {
			continue
		}
		seen++
		switch {
		case isLetter:
			letters++
		case unicode.IsDigit(r):
			letters += 0.5
		}
	}
	return seen >= garbledMinRunes && letters/seen < garbledRatio && words < garbledWords
}
