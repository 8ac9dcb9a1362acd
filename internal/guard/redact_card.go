package guard

import "strings"

// digitGroup is a run of ASCII digits at s[start:end].
type digitGroup struct{ start, end int }

func (g digitGroup) len() int { return g.end - g.start }

// groupRuns splits s into runs of digit groups joined by one separator
// from seps, the same one throughout a run ("4111 1111 1111 1111",
// "4111-1111-1111-1111"). A group is a maximal run of digits; where the
// separator changes, the group between belongs to both runs.
func groupRuns(s string, seps string) [][]digitGroup {
	var runs [][]digitGroup
	var cur []digitGroup
	sep := byte(0)
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		g := digitGroup{i, j}
		adjacent := len(cur) > 0 && i == cur[len(cur)-1].end+1 && strings.IndexByte(seps, s[i-1]) >= 0
		switch {
		case adjacent && (sep == 0 || s[i-1] == sep):
			sep = s[i-1]
			cur = append(cur, g)
		case adjacent:
			// The separator changes ("0 5555-5555-…"): the last group
			// starts a new run as well as ending the old one.
			runs = append(runs, cur)
			cur, sep = []digitGroup{cur[len(cur)-1], g}, s[i-1]
		default:
			if len(cur) > 0 {
				runs = append(runs, cur)
			}
			cur, sep = []digitGroup{g}, 0
		}
		i = j
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// redactCards replaces payment card numbers: 13 to 19 digits, either one
// unbroken run or groups of 3 to 6 digits starting with a group of 4
// (4-4-4-4, 4-6-5, 4-4-4-4-3), that pass the Luhn check and start with an
// issuer prefix (2221–2720, 3, 4, 5, 6). Years in a row ("2023 2024 2025
// 2026") and non-Luhn numbers are left alone.
func redactCards(s string) string {
	var spans [][2]int
	done := 0 // runs overlap by a group where the separator changes
	for _, run := range groupRuns(s, " -") {
		for i := 0; i < len(run); i++ {
			if run[i].start < done {
				continue
			}
			if j := longestCard(s, run, i); j >= 0 {
				spans = append(spans, [2]int{run[i].start, run[j].end})
				done = run[j].end
				i = j
			}
		}
	}
	return replaceSpans(s, spans, PlaceholderCard)
}

// longestCard returns the last group of the longest card number starting
// at group i of run, or -1.
func longestCard(s string, run []digitGroup, i int) int {
	total := 0
	last := -1
	for j := i; j < len(run); j++ {
		total += run[j].len()
		if total > 19 {
			break
		}
		if j > i && (run[i].len() != 4 || run[j].len() < 3 || run[j].len() > 6) {
			break
		}
		if total < 13 {
			continue
		}
		digits := collectDigits(s, run[i].start, run[j].end)
		if issuerPrefix(digits) && luhn(digits) {
			last = j
		}
	}
	return last
}

func collectDigits(s string, start, end int) string {
	var b strings.Builder
	for i := start; i < end; i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// issuerPrefix reports whether a number starts like a payment card:
// Mastercard's 2221–2720, or 3 (Amex, Diners, JCB), 4 (Visa), 5
// (Mastercard, Maestro) or 6 (Discover, UnionPay, Maestro).
func issuerPrefix(d string) bool {
	switch d[0] {
	case '3', '4', '5', '6':
		return true
	case '2':
		p := d[:4]
		return p >= "2221" && p <= "2720"
	}
	return false
}

// luhn reports whether the digits pass the Luhn checksum.
func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// replaceSpans replaces the given non-overlapping, ordered byte spans of s
// with placeholder.
func replaceSpans(s string, spans [][2]int, placeholder string) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	prev := 0
	for _, sp := range spans {
		b.WriteString(s[prev:sp[0]])
		b.WriteString(placeholder)
		prev = sp[1]
	}
	b.WriteString(s[prev:])
	return b.String()
}
