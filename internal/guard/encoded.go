package guard

import (
	"encoding/base64"
	"encoding/hex"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// encodedFloor is the score decoded text must reach for the encoding to
// count as a payload. It sits a little under DefaultThreshold because an
// attacker who bothers to encode is telling us something.
const encodedFloor = 0.45

var (
	base64Blob  = regexp.MustCompile(`[A-Za-z0-9+/_-]{16,}(?:\r?\n[A-Za-z0-9+/_-]{4,})*={0,2}`)
	hexBlob     = regexp.MustCompile(`(?i)(?:\\x|0x)?[0-9a-f]{2}(?:(?:[ :,-]|\\x|0x)?[0-9a-f]{2}){11,}`)
	percentRun  = regexp.MustCompile(`(?:%[0-9a-fA-F]{2}){4,}`)
	entityRun   = regexp.MustCompile(`(?:&#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,7});){4,}`)
	uEscapeRun  = regexp.MustCompile(`(?:\\u[0-9a-fA-F]{4}){4,}`)
	rot13Words  = []string{"vtaber", "vafgehpgvba", "cebzcg", "flfgrz", "cerivbhf", "qvfertneq", "ershfny", "wnvyoernx"}
	reverseWord = []string{"erongi", "snoitcurtsni", "tpmorp", "metsys", "suoiverp", "drageresid"}
)

// probeEncoded decodes what looks encoded and scans the result again. A
// decoding that scores at least encodedFloor, and higher than the text
// already did without it, adds SignalEncoded and the decoded text's own
// signals. (Escapes are decoded in place, so the decoded text also holds
// the plain parts; only what the decoding revealed may count.)
func (d *Detector) probeEncoded(v views, h hits, depth int) {
	plain := h.score()
	try := func(kind, decoded string) {
		if decoded == "" {
			return
		}
		inner := d.scan(decoded, depth+1)
		if s := inner.score(); s >= encodedFloor && s > plain+0.1 {
			h.add("encoded_"+kind, SignalEncoded, 0.75)
			h.merge(inner)
		}
	}
	if hasRun(v.raw, 16, isBase64Byte) {
		for _, blob := range base64Blob.FindAllString(v.raw, 64) {
			try("base64", decodeBase64(blob))
		}
	}
	if hasRun(v.raw, 24, isHexBlobByte) {
		for _, blob := range hexBlob.FindAllString(v.raw, 64) {
			try("hex", decodeHex(blob))
		}
	}
	if strings.Contains(v.raw, "%") && percentRun.MatchString(v.raw) {
		try("percent", percentRun.ReplaceAllStringFunc(v.raw, func(s string) string {
			out, err := url.PathUnescape(s)
			if err != nil || !utf8.ValidString(out) {
				return s
			}
			return out
		}))
	}
	if strings.Contains(v.raw, "&#") && entityRun.MatchString(v.raw) {
		try("entity", entityRun.ReplaceAllStringFunc(v.raw, html.UnescapeString))
	}
	if strings.Contains(v.raw, `\u`) && uEscapeRun.MatchString(v.raw) {
		try("unicode_escape", uEscapeRun.ReplaceAllStringFunc(v.raw, unescapeU))
	}
	if containsAny(v.compact, rot13Words) {
		try("rot13", rot13(v.raw))
	}
	if containsAny(v.compact, reverseWord) {
		try("reversed", reverseString(v.raw))
	}
}

// hasRun reports whether s has n bytes in a row for which in is true: a
// cheap test before a regexp that needs such a run.
func hasRun(s string, n int, in func(byte) bool) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if in(s[i]) {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func isBase64Byte(c byte) bool { return isAlnum(c) || c == '+' || c == '/' || c == '_' || c == '-' }

func isHexBlobByte(c byte) bool {
	return isHexDigit(c) || c == ' ' || c == ':' || c == ',' || c == '-' || c == '\\' || c == 'x' || c == 'X'
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// decodeBase64 decodes blob in any of the four base64 alphabets, or
// returns "" when it is not base64 of readable text.
func decodeBase64(blob string) string {
	blob = strings.NewReplacer("\r", "", "\n", "").Replace(blob)
	trimmed := strings.TrimRight(blob, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		// Tolerate a stray character or two glued to the end.
		for cut := 0; cut < 3 && cut < len(trimmed); cut++ {
			b, err := enc.DecodeString(trimmed[:len(trimmed)-cut])
			if err == nil {
				if s := string(b); readable(s) {
					return s
				}
				break
			}
		}
	}
	return ""
}

// decodeHex decodes pairs of hex digits, with or without separators and
// 0x or \x prefixes, or returns "" when they do not spell readable text.
func decodeHex(blob string) string {
	var digits []byte
	for i := 0; i < len(blob); i++ {
		c := blob[i]
		if (c == '0' || c == '\\') && i+1 < len(blob) && (blob[i+1] == 'x' || blob[i+1] == 'X') {
			i++
			continue
		}
		if isHexDigit(c) {
			digits = append(digits, c)
		}
	}
	if len(digits)%2 == 1 {
		digits = digits[:len(digits)-1]
	}
	b := make([]byte, len(digits)/2)
	if _, err := hex.Decode(b, digits); err != nil {
		return ""
	}
	if s := string(b); readable(s) {
		return s
	}
	return ""
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// readable reports text that could be an instruction: valid UTF-8, at
// least four letters, and at most a tenth of it control characters or
// other unprintable runes.
func readable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	letters, bad, n := 0, 0, 0
	for _, r := range s {
		n++
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == '\n' || r == '\t' || r == '\r':
		case !unicode.IsPrint(r):
			bad++
		}
	}
	return letters >= 4 && bad*10 <= n
}

func unescapeU(s string) string {
	var b strings.Builder
	for i := 0; i+6 <= len(s); i += 6 {
		n, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
		if err != nil {
			return s
		}
		b.WriteRune(rune(n))
	}
	return b.String()
}

func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

func reverseString(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}
