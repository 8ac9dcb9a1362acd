package guard

import "strings"

// Placeholders that replace what a Redactor removes. They hold no digits,
// '@' or token characters, so redacting redacted text changes nothing.
const (
	PlaceholderEmail  = "[email]"
	PlaceholderPhone  = "[phone]"
	PlaceholderCard   = "[card]"
	PlaceholderIBAN   = "[iban]"
	PlaceholderSecret = "[secret]"
)

// RedactOptions selects what a Redactor removes.
type RedactOptions struct {
	// Emails: addresses of the form local@domain.tld, Unicode allowed.
	Emails bool
	// Phones: international numbers (+CC or 00CC) and national numbers
	// written in groups, 8 to 15 digits. See redactPhones for what is
	// deliberately left alone.
	Phones bool
	// Cards: payment card numbers, 13 to 19 digits, plain or grouped with
	// spaces or dashes, that pass the Luhn check and start like a card.
	Cards bool
	// IBANs: international bank account numbers with the right length for
	// their country and a valid mod-97 checksum, plain or grouped.
	IBANs bool
	// Secrets: API keys with known prefixes, JWTs, private keys, bearer and
	// basic credentials, values of password/secret/token/api-key fields,
	// and long random-looking tokens.
	Secrets bool
}

// DefaultRedactOptions turns every kind of redaction on.
func DefaultRedactOptions() RedactOptions {
	return RedactOptions{Emails: true, Phones: true, Cards: true, IBANs: true, Secrets: true}
}

// Redactor replaces personal data and secrets in text with typed
// placeholders ([email], [phone], [card], [iban], [secret]) before the text
// is logged, stored or sent on. It is immutable and safe for concurrent
// use.
//
// What it keeps on purpose: UUIDs (identifiers, not secrets), IP
// addresses, dates and times, version numbers, order numbers (#12345),
// bare digit runs without a phone keyword (ids and timestamps), and
// numbers that fail the Luhn or mod-97 check. What it removes that a
// stricter reader might keep: any hex or base62 token of 32+ characters
// that looks random, commit hashes and checksums included.
type Redactor struct {
	opts RedactOptions
}

// NewRedactor returns a Redactor for opts.
func NewRedactor(opts RedactOptions) *Redactor {
	return &Redactor{opts: opts}
}

// maxPasses bounds the passes Redact makes to reach a fixed point.
const maxPasses = 4

// Redact returns s with the selected kinds of data replaced. Redacting
// its result again returns it unchanged, and valid UTF-8 stays valid.
func (r *Redactor) Redact(s string) string {
	// One pass can expose new matches (a card removed from a run of digit
	// groups leaves a shorter phone-like run), so repeat until nothing
	// changes; that is also what makes Redact idempotent.
	for range maxPasses {
		out := r.pass(s)
		if out == s {
			break
		}
		s = out
	}
	return s
}

// pass applies each enabled redaction once. Order matters: secrets first
// (a key may contain digit runs or an '@'), then e-mail addresses, then the
// number formats from the most to the least specific.
func (r *Redactor) pass(s string) string {
	if r.opts.Secrets {
		s = redactKnownSecrets(s)
	}
	if r.opts.Emails && strings.Contains(s, "@") {
		s = emailPattern.ReplaceAllString(s, PlaceholderEmail)
	}
	if r.opts.Secrets {
		s = redactRandomTokens(s)
	}
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	if r.opts.IBANs {
		s = redactIBANs(s)
	}
	if r.opts.Cards {
		s = redactCards(s)
	}
	if r.opts.Phones {
		s = redactPhones(s)
	}
	return s
}
