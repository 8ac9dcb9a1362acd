package drift

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Undetermined is the BCP 47 code DetectLanguage returns when it cannot
// tell the language.
const Undetermined = "und"

// Script weights: a Han character carries about a word, a kana or Hangul
// syllable about two letters, so counting letters alone would let a Latin
// product name outvote a Chinese sentence around it.
const (
	weightHan      = 3
	weightSyllable = 2
	// minScriptShare is the weighted share of letters a non-Latin script
	// needs to decide the language; below it the text is treated as Latin
	// script with a few foreign words.
	minScriptShare = 0.3
)

// scripts maps non-Latin scripts to the language they stand for. Han and
// kana are handled apart (Japanese mixes them).
var scripts = [...]struct {
	table *unicode.RangeTable
	lang  string
}{
	{unicode.Hangul, "ko"},
	{unicode.Cyrillic, "ru"},
	{unicode.Arabic, "ar"},
	{unicode.Devanagari, "hi"},
	{unicode.Greek, "el"},
	{unicode.Hebrew, "he"},
	{unicode.Thai, "th"},
}

// DetectLanguage returns a coarse, offline guess of the language of text as
// a BCP 47 code, or Undetermined ("und").
//
// It first counts letters by Unicode script (Han ×3, kana and Hangul ×2,
// others ×1). When a non-Latin script holds at least 30% of that weight it
// decides: Han with any kana → "ja", Han alone → "zh", Hangul → "ko",
// Cyrillic → "ru", Arabic → "ar", Devanagari → "hi", Greek → "el", Hebrew
// → "he", Thai → "th". Otherwise the text is taken as Latin script and each
// of en, de, fr, es, pt, it, nl scores one point per token that is one of
// its stop words, plus up to 0.9 for letters typical of it (0.3 each: ä ö ü
// ß for German, ñ ¿ ¡ for Spanish, ã õ for Portuguese, …). The best score
// wins if it is at least 0.6 and strictly ahead of the runner-up.
//
// Limits, honestly: a script is not a language, so Ukrainian and Bulgarian
// come out "ru", Persian and Urdu "ar", Marathi and Nepali "hi". Latin text
// without stop words — keyword queries ("invoice pdf"), product names, one
// word greetings shared by two languages ("hallo") — is "und". Latin-script
// languages outside the seven (Polish, Turkish, Swedish, …) are "und" or
// mistaken for a neighbour. Short Spanish and Portuguese, or Dutch and
// German, texts that share their only stop words are "und". Mixed-language
// text gets the majority language.
func DetectLanguage(text string) string {
	var (
		latin, total, han, kana float64
		other                   [len(scripts)]float64
		hints                   [len(latinLanguages)]float64
	)
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf:
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				latin++
				total++
			}
			continue
		case !unicode.IsLetter(r):
			continue
		case unicode.Is(unicode.Latin, r):
			latin++
			addHints(&hints, unicode.ToLower(r))
		case unicode.Is(unicode.Han, r):
			han++
			total += weightHan - 1
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
			total += weightSyllable - 1
		default:
			for i, s := range scripts {
				if unicode.Is(s.table, r) {
					other[i]++
					if s.lang == "ko" {
						total += weightSyllable - 1
					}
					break
				}
			}
		}
		total++
	}
	if total == 0 {
		return Undetermined
	}
	return pickScript(latin, total, han, kana, other[:], hints[:], text)
}

func addHints(hints *[len(latinLanguages)]float64, r rune) {
	set := hintRunes[r]
	for i := range hints {
		if set&(1<<i) != 0 {
			hints[i] += 0.3
		}
	}
}

// pickScript decides between the non-Latin script with the most weight and
// the stop-word vote on Latin text.
func pickScript(latin, total, han, kana float64, other, hints []float64, text string) string {
	bestLang, bestWeight := "", 0.0
	if cjk := han*weightHan + kana*weightSyllable; cjk > 0 {
		bestLang, bestWeight = "zh", cjk
		if kana > 0 {
			bestLang = "ja"
		}
	}
	for i, n := range other {
		w := n
		if scripts[i].lang == "ko" {
			w *= weightSyllable
		}
		if w > bestWeight {
			bestLang, bestWeight = scripts[i].lang, w
		}
	}
	if bestWeight >= minScriptShare*total {
		return bestLang
	}
	if latin == 0 {
		return Undetermined
	}
	return latinLanguage(text, hints)
}

// latinLanguage votes by stop words, with letter hints capped at 0.9 so that
// they break ties but never outvote a stop word.
func latinLanguage(text string, hints []float64) string {
	var score [len(latinLanguages)]float64
	words(text, func(w string, spaceless bool) {
		if spaceless {
			return
		}
		set := stopWords[strings.Trim(w, "-_")]
		for i := range score {
			if set&(1<<i) != 0 {
				score[i]++
			}
		}
	})
	best, second := -1, -1
	for i := range score {
		score[i] += min(hints[i], 0.9)
		switch {
		case best < 0 || score[i] > score[best]:
			best, second = i, best
		case second < 0 || score[i] > score[second]:
			second = i
		}
	}
	if score[best] < 0.6 || score[best]-score[second] < 0.05 {
		return Undetermined
	}
	return latinLanguages[best]
}
