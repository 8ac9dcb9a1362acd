package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// views holds the forms of one text that detection rules run on. Each is
// derived from the one before it.
type views struct {
	// raw is NFKC with invisible characters removed and Unicode tag
	// characters decoded; case is kept (base64 and "DAN" need it).
	raw string
	// plain is raw lower-cased, with Latin diacritics dropped, Cyrillic and
	// Greek look-alikes folded inside mixed-script words, typographic quotes
	// made ASCII and white space collapsed (newlines kept, one at a time).
	plain string
	// folded is plain with leetspeak undone and near-miss spellings of key
	// words ("instrucitons", "ignroe") repaired.
	folded string
	// compact is the letters of folded and nothing else, so "i g n o r e",
	// "ig-\nnore" and "ignore" all read "ignore".
	compact string
	// hidden counts Unicode tag characters (U+E0020..U+E007E), which
	// render as nothing but spell ASCII ("ASCII smuggling").
	hidden int
}

// makeViews normalises s into the views the rules need.
func makeViews(s string) views {
	var v views
	v.raw, v.hidden = reveal(s)
	v.raw = norm.NFKC.String(v.raw)
	v.plain = plainText(v.raw)
	v.folded = foldTokens(v.plain)
	v.compact = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, v.folded)
	return v
}

// invisible reports characters that render as nothing: zero-width spaces
// and joiners, direction marks and overrides, the soft hyphen, word joiners,
// variation selectors, Hangul fillers and the byte-order mark.
func invisible(r rune) bool {
	switch {
	case r == 0x00ad, r == 0x034f, r == 0x061c, r == 0x115f, r == 0x1160,
		r == 0x17b4, r == 0x17b5, r == 0x180e, r == 0x3164, r == 0xfeff, r == 0xffa0:
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x206f,
		r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0000 && r <= 0xe0fff:
		return true
	}
	return false
}

// reveal drops invisible characters and turns Unicode tag characters back
// into the ASCII they shadow, counting them.
func reveal(s string) (string, int) {
	if isASCIIPrintable(s) {
		return s, 0
	}
	hidden := 0
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 0xe0020 && r <= 0xe007e:
			hidden++
			return r - 0xe0000
		case invisible(r):
			return -1
		}
		return r
	}, s)
	return out, hidden
}

func isASCIIPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// plainText lower-cases s, folds Latin diacritics, look-alike letters in
// mixed-script words and typographic quotes, and collapses white space: a
// run containing a line break becomes "\n", any other run " ".
func plainText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	word := make([]rune, 0, 32)
	space := rune(0) // pending separator: 0, ' ' or '\n'
	prevASCIILetter := false
	flush := func() {
		writeWord(&b, word)
		word = word[:0]
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			flush()
			if r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x2028 || r == 0x2029 || r == 0x85 {
				space = '\n'
			} else if space == 0 {
				space = ' '
			}
			prevASCIILetter = false
			continue
		}
		if space != 0 && b.Len()+len(word) > 0 {
			flush()
			b.WriteRune(space)
		}
		space = 0
		// A combining mark on a Latin letter is decoration ("i̸g̸n̸o̸r̸e̸").
		if unicode.Is(unicode.Mn, r) && prevASCIILetter {
			continue
		}
		r = foldRune(r)
		prevASCIILetter = r < utf8.RuneSelf && unicode.IsLetter(r)
		if unicode.IsLetter(r) {
			word = append(word, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// foldRune lower-cases r, drops the diacritic of a precomposed Latin
// letter ("é" → "e") and makes typographic quotes ASCII.
func foldRune(r rune) rune {
	switch r {
	case '‘', '’', '‚', '‛', '′', '`', '´':
		return '\''
	case '“', '”', '„', '‟', '″', '«', '»':
		return '"'
	}
	r = unicode.ToLower(r)
	if (r >= 0xc0 && r <= 0x24f) || (r >= 0x1e00 && r <= 0x1eff) {
		d := norm.NFD.PropertiesString(string(r)).Decomposition()
		if len(d) > 0 && d[0] < utf8.RuneSelf {
			return rune(d[0])
		}
	}
	return r
}

// homoglyphs maps Cyrillic and Greek letters to the Latin letters they are
// drawn like. It applies only inside words that also hold Latin letters, so
// Russian and Greek text is left alone.
var homoglyphs = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd',
	'ԛ': 'q', 'ԝ': 'w', 'ɡ': 'g', 'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k',
	'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'γ': 'y', 'ı': 'i',
}

// writeWord writes a word, folding look-alikes when it mixes Latin letters
// with Cyrillic or Greek ones.
func writeWord(b *strings.Builder, word []rune) {
	latin, other := false, false
	for _, r := range word {
		if r < 0x250 {
			latin = true
		} else if _, ok := homoglyphs[r]; ok {
			other = true
		}
	}
	for _, r := range word {
		if latin && other {
			if l, ok := homoglyphs[r]; ok {
				r = l
			}
		}
		b.WriteRune(r)
	}
}

// leet maps the digits and symbols of leetspeak to the letters they stand
// for.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's'}

// foldTokens undoes leetspeak and repairs misspelt key words, token by
// token (tokens are separated by the single spaces and newlines plainText
// leaves).
func foldTokens(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ' ' && s[i] != '\n' {
			continue
		}
		b.WriteString(foldToken(s[start:i]))
		if i < len(s) {
			b.WriteByte(s[i])
		}
		start = i + 1
	}
	return b.String()
}

// foldToken undoes leetspeak in one token, then repairs each run of ASCII
// letters that is a near miss of a key word.
func foldToken(tok string) string {
	tok = deleet(tok)
	var b strings.Builder
	start := -1
	for i := 0; i <= len(tok); i++ {
		isLetter := i < len(tok) && tok[i] >= 'a' && tok[i] <= 'z'
		switch {
		case isLetter && start < 0:
			start = i
		case !isLetter && start >= 0:
			b.WriteString(repairWord(tok[start:i]))
			start = -1
		}
		if !isLetter && i < len(tok) {
			b.WriteByte(tok[i])
		}
	}
	return b.String()
}

// deleet replaces leetspeak characters that touch a letter, in tokens that
// hold at least two ASCII letters: "1gn0r3" → "ignore", "pr3v10u5" →
// "previous". Plain numbers, versions ("v1.2") and prices are untouched.
func deleet(tok string) string {
	letters, leets := 0, 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c >= 'a' && c <= 'z' {
			letters++
		} else if _, ok := leet[rune(c)]; ok {
			leets++
		}
	}
	if letters < 2 || leets == 0 {
		return tok
	}
	out := []byte(tok)
	isLetter := func(i int) bool { return i >= 0 && i < len(tok) && tok[i] >= 'a' && tok[i] <= 'z' }
	isLeet := func(i int) bool {
		if i < 0 || i >= len(tok) {
			return false
		}
		_, ok := leet[rune(tok[i])]
		return ok
	}
	for i := 0; i < len(tok); i++ {
		l, ok := leet[rune(tok[i])]
		if !ok {
			continue
		}
		// Touching a letter, or inside a run of leet characters that
		// touches one ("10" in "pr3v10u5").
		j, k := i, i
		for isLeet(j - 1) {
			j--
		}
		for isLeet(k + 1) {
			k++
		}
		if isLetter(j-1) || isLetter(k+1) {
			out[i] = byte(l)
		}
	}
	return string(out)
}
