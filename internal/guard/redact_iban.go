package guard

import "strings"

// ibanLength is the length of an IBAN for each country that issues them
// (SWIFT IBAN registry).
var ibanLength = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
	"ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
	"MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
	"RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// redactIBANs replaces IBANs, written plain or in groups separated by
// single spaces, in upper or lower case, that have their country's length
// and a valid mod-97 checksum.
func redactIBANs(s string) string {
	var spans [][2]int
	for i := 0; i+4 <= len(s); i++ {
		if i > 0 && isAlnum(s[i-1]) {
			continue
		}
		if end, ok := ibanAt(s, i); ok {
			spans = append(spans, [2]int{i, end})
			i = end - 1
		}
	}
	return replaceSpans(s, spans, PlaceholderIBAN)
}

// ibanAt reports whether a valid IBAN starts at s[i], and where it ends.
func ibanAt(s string, i int) (int, bool) {
	country := strings.ToUpper(s[i : i+2])
	n, ok := ibanLength[country]
	if !ok || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return 0, false
	}
	var b strings.Builder
	j := i
	for j < len(s) && b.Len() < n {
		c := s[j]
		switch {
		case isAlnum(c):
			b.WriteByte(upper(c))
		case c == ' ' && j+1 < len(s) && isAlnum(s[j+1]) && b.Len() >= 4:
		default:
			return 0, false
		}
		j++
	}
	if b.Len() < n || (j < len(s) && isAlnum(s[j])) {
		return 0, false
	}
	return j, mod97(b.String()) == 1
}

// mod97 computes the IBAN checksum: the first four characters moved to the
// end, letters read as 10..35, the whole taken modulo 97.
func mod97(iban string) int {
	r := 0
	for _, c := range iban[4:] + iban[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A'+10)) % 97
		default:
			return -1
		}
	}
	return r
}

func isAlnum(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
