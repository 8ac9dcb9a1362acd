package guard

import (
	"encoding/base64"
	"math"
	"regexp"
	"strings"
)

// knownSecrets match credentials by their published formats. Each runs
// only if its literal occurs, which keeps redaction cheap.
var knownSecrets = []struct {
	literals []string
	re       *regexp.Regexp
}{
	{[]string{"-----BEGIN"}, regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`)},
	{[]string{"sk-"}, regexp.MustCompile(`\bsk-(?:proj-|ant-|live-|test-|svcacct-)?[A-Za-z0-9_\-]{20,}`)}, // OpenAI, Anthropic
	{[]string{"k_live_", "k_test_"}, regexp.MustCompile(`\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}`)},       // Stripe
	{[]string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "npm_"}, regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{22,}|\bnpm_[A-Za-z0-9]{36}`)},
	{[]string{"glpat-"}, regexp.MustCompile(`\bglpat-[A-Za-z0-9_\-]{20,}`)},                                                                                              // GitLab
	{[]string{"xox"}, regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9\-]{10,}`)},                                                                                             // Slack
	{[]string{"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "AIza"}, regexp.MustCompile(`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_\-]{35}`)}, // AWS, Google
	{[]string{"SG."}, regexp.MustCompile(`\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}`)},                                                                              // SendGrid
	{[]string{"eyJ"}, regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{4,}\.eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*`)},                                                             // JWT
}

var (
	emailPattern = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}`)

	// bearer matches a credential after an HTTP authentication scheme.
	bearer = regexp.MustCompile(`(?i)(\bauthorization\s*:\s*(?:basic|bearer|token|digest|apikey)\s+|\bbearer\s+)([A-Za-z0-9._~+/\-]{8,}=*)`)

	// basicAuth matches HTTP basic credentials written without the header
	// name; the value must decode to "user:password".
	basicAuth = regexp.MustCompile(`\b([Bb]asic\s+)([A-Za-z0-9+/]{8,}={0,2})`)

	// secretField matches "name: value" and "name=value" where the name
	// ends in password, secret, token, api key and the like.
	// (The key's own prefix, "DB_" in "DB_PASSWORD", is left out of the
	// match: it is kept anyway.)
	secretField = regexp.MustCompile(`(?i)(password|passwd|pwd|passphrase|secret|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|token|session[_\-]?id|sessionid|credentials?)(["']?\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s"',;&<>)]+)`)

	// tokenRun is a run of characters keys and tokens are written with.
	tokenRun = regexp.MustCompile(`[A-Za-z0-9_\-+/=]{32,}`)
	uuidLike = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// redactKnownSecrets replaces credentials recognisable by format, by an
// authentication scheme before them, or by the name of the field they
// are the value of.
func redactKnownSecrets(s string) string {
	for _, k := range knownSecrets {
		if containsAny(s, k.literals) {
			s = k.re.ReplaceAllString(s, PlaceholderSecret)
		}
	}
	lower := strings.ToLower(s)
	if strings.Contains(lower, "bearer") || strings.Contains(lower, "authorization") {
		s = bearer.ReplaceAllString(s, "${1}"+PlaceholderSecret)
	}
	if !strings.Contains(lower, "asic") {
		return redactSecretFields(s, lower)
	}
	s = basicAuth.ReplaceAllStringFunc(s, func(m string) string {
		sub := basicAuth.FindStringSubmatch(m)
		if decoded, err := base64.StdEncoding.DecodeString(sub[2]); err == nil && strings.Contains(string(decoded), ":") {
			return sub[1] + PlaceholderSecret
		}
		return m
	})
	return redactSecretFields(s, strings.ToLower(s))
}

// secretFieldWords are the words a secret field's name ends in; one must
// occur before secretField runs.
var secretFieldWords = []string{"pass", "pwd", "secret", "key", "token", "session", "credential"}

// redactSecretFields replaces the values of fields named like secrets;
// lower is s lower-cased.
func redactSecretFields(s, lower string) string {
	if !containsAny(lower, secretFieldWords) {
		return s
	}
	return secretField.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretField.FindStringSubmatch(m)
		value := sub[3]
		quote := ""
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') {
			quote = value[:1]
		}
		return sub[1] + sub[2] + quote + PlaceholderSecret + quote
	})
}

// redactRandomTokens replaces runs of 32 or more token characters that
// look random: see randomToken.
func redactRandomTokens(s string) string {
	if !hasRun(s, 32, isTokenByte) {
		return s
	}
	return tokenRun.ReplaceAllStringFunc(s, func(m string) string {
		if randomToken(m) {
			return PlaceholderSecret
		}
		return m
	})
}

func isTokenByte(c byte) bool { return isBase64Byte(c) || c == '=' }

// randomToken reports whether t looks like a generated secret rather than
// an identifier, a path or a word: not a UUID; an unbroken stretch of at
// least 20 letters and digits (identifiers and paths break into short
// pieces at '_', '-' and '/'); letters and digits both present and mixed
// (at least four changes between them, where "Version2024Final" has two);
// and at least 3 bits of entropy per character.
func randomToken(t string) bool {
	t = strings.TrimRight(t, "=")
	if len(t) < 32 || uuidLike.MatchString(t) {
		return false
	}
	longest, run := 0, 0
	letters, digits, changes := 0, 0, 0
	prev := byte(0) // 'a' letter, '0' digit
	counts := [256]int{}
	for i := 0; i < len(t); i++ {
		c := t[i]
		counts[c]++
		kind := byte(0)
		switch {
		case c >= '0' && c <= '9':
			kind, digits = '0', digits+1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			kind, letters = 'a', letters+1
		}
		if kind == 0 {
			run = 0
		} else {
			run++
			longest = max(longest, run)
			if prev != 0 && kind != prev {
				changes++
			}
		}
		prev = kind
	}
	return longest >= 20 && letters >= 2 && digits >= 2 && changes >= 4 && entropy(counts[:], len(t)) >= 3
}

// entropy is the Shannon entropy, in bits per character, of a text of n
// characters with the given character counts.
func entropy(counts []int, n int) float64 {
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return h
}
