package guard

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	// phoneCandidate is an optional + or 00 prefix, then digit groups
	// joined by a space, dash, dot or parentheses.
	phoneCandidate = regexp.MustCompile(`(?:\+|\b00)?\(?\d+\)?(?:(?:[ .\-]|[ ]?-[ ]?|\)[ .\-]?|[ .\-]?\()\d+\)?){0,7}`)
	// phoneKeyword before a bare digit run says it is a phone number.
	phoneKeyword = regexp.MustCompile(`(?i)(?:phone|tel|telephone|mobile|cell|call(?: me)?(?: at| on)?|text me|sms|whatsapp|fax|telefon|teléfono|telefone|téléphone|handy|portable)\s*(?:no\.?|number|nr\.?|#)?\s*[:.]?\s*$`)
)

// redactPhones replaces phone numbers of 8 to 15 digits (the E.164
// maximum): any number written with + or 00 and a country code, and
// national numbers written in groups ("(555) 123-4567", "06 12 34 56 78",
// "030 1234567", "555.123.4567"). A bare run of digits counts only after a
// word such as "phone" or "call me at"; otherwise it is an id, an order
// number or a timestamp.
//
// Left alone: dates ("2024-01-15", "15.01.2024"), times, versions and IP
// addresses ("10.0.19045.3693", "192.168.100.200"), ISBNs and other
// numbers with single-digit groups after the first, numbers glued to
// letters or to '#' (order ids), and anything of more than 15 digits.
func redactPhones(s string) string {
	var spans [][2]int
	for _, loc := range phoneCandidate.FindAllStringIndex(s, -1) {
		start, end := loc[0], loc[1]
		// Drop a closing parenthesis that belongs to the text around.
		if s[end-1] == ')' && strings.Count(s[start:end], "(") < strings.Count(s[start:end], ")") {
			end--
		}
		spans = append(spans, phonesIn(s, start, end)...)
	}
	return replaceSpans(s, spans, PlaceholderPhone)
}

// phonesIn finds phone numbers in the candidate s[start:end]. A number
// written with + or 00 may run into the digit groups that follow it
// ("+44 20 7946 0958 4111…"), so for those the longest run of its groups
// that is a phone number is taken, and the rest scanned again. Any other
// candidate is a phone number as a whole or not at all: a row of digit
// groups ("4111 1111 1111 1112", "2023 2024 2025") is not cut into one.
func phonesIn(s string, start, end int) [][2]int {
	var ends []int // where each digit group of the candidate ends
	for i := start; i < end; i++ {
		if isDigit(s[i]) && (i+1 == end || !isDigit(s[i+1])) {
			ends = append(ends, i+1)
		}
	}
	var spans [][2]int
	for from := start; from < end; {
		to := -1
		if strings.HasPrefix(s[from:end], "+") || strings.HasPrefix(s[from:end], "00") {
			for k := len(ends) - 1; k >= 0 && ends[k] > from; k-- {
				if phoneLike(s, from, ends[k]) {
					to = ends[k]
					break
				}
			}
		} else if phoneLike(s, from, end) {
			to = end
		}
		if to < 0 {
			break
		}
		spans = append(spans, [2]int{from, to})
		from = to
		for from < end && !isDigit(s[from]) && s[from] != '+' && s[from] != '(' {
			from++
		}
	}
	return spans
}

// phoneLike applies the rules of redactPhones to the candidate s[start:end].
func phoneLike(s string, start, end int) bool {
	cand := s[start:end]
	plus := strings.HasPrefix(cand, "+") || strings.HasPrefix(cand, "00")
	if !boundaryBefore(s, start, plus) || !boundaryAfter(s, end) {
		return false
	}
	groups := strings.FieldsFunc(cand, func(r rune) bool { return r < '0' || r > '9' })
	digits := len(strings.Join(groups, ""))
	if digits < 8 || digits > 15 {
		return false
	}
	if plus {
		return true
	}
	if len(groups) == 1 {
		return phoneKeyword.MatchString(s[max(0, start-32):start])
	}
	for _, g := range groups[1:] {
		if len(g) < 2 {
			return false // versions, ISBNs
		}
	}
	if strings.Contains(cand, ".") && (len(groups) < 3 || dottedNumber(groups)) {
		return false // decimals, IP addresses
	}
	if dateShaped(groups) {
		return false
	}
	paren := strings.Contains(cand, "(")
	return paren || digits >= 10 || len(groups) >= 3
}

// boundaryBefore rejects a candidate glued to a word, an order-number '#',
// a path, a decimal or a currency sign. A '+' candidate may follow a
// colon ("tel:+44…").
func boundaryBefore(s string, start int, plus bool) bool {
	if start == 0 {
		return true
	}
	c := s[start-1]
	switch {
	case isDigit(c), c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return false
	case strings.IndexByte("#/_.=@$\\-,", c) >= 0:
		return false
	case c == ':':
		return plus
	case c >= 0x80:
		// A letter or a currency sign from outside ASCII.
		r := lastRune(s[:start])
		return !isWordRune(r) && !strings.ContainsRune("€£¥₹₽", r)
	}
	return true
}

// boundaryAfter rejects a candidate that continues as a word, a decimal,
// a version, a percentage or a time.
func boundaryAfter(s string, end int) bool {
	if end == len(s) {
		return true
	}
	c := s[end]
	switch {
	case isDigit(c), c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '%', c == '_':
		return false
	case (c == '.' || c == ',' || c == ':' || c == '-' || c == '/') && end+1 < len(s) && isDigit(s[end+1]):
		return false
	case c >= 0x80:
		return !isWordRune(firstRune(s[end:]))
	}
	return true
}

// dottedNumber reports groups that look like an IP address.
func dottedNumber(groups []string) bool {
	if len(groups) != 4 {
		return false
	}
	for _, g := range groups {
		if len(g) > 3 {
			return false
		}
	}
	return true
}

// dateShaped reports groups that begin like a date: year-month-day or
// day-month-year.
func dateShaped(groups []string) bool {
	if len(groups) < 3 {
		return false
	}
	a, b, c := groups[0], groups[1], groups[2]
	switch {
	case len(a) == 4 && len(b) <= 2 && len(c) <= 2:
		return plausibleYear(a) && atoi(b) >= 1 && atoi(b) <= 12 && atoi(c) >= 1 && atoi(c) <= 31
	case len(a) <= 2 && len(b) <= 2 && len(c) == 4:
		return plausibleYear(c) && atoi(a) >= 1 && atoi(a) <= 31 && atoi(b) >= 1 && atoi(b) <= 31
	}
	return false
}

func plausibleYear(y string) bool { return y >= "1900" && y <= "2199" }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
