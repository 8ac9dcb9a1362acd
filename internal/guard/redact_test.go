package guard

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		// E-mail.
		{"email", "write to john.doe+billing@example.co.uk today", "write to [email] today"},
		{"email unicode", "contact: jürgen@müller.de", "contact: [email]"},
		{"two emails", "a@b.io, c.d@e-f.org", "[email], [email]"},
		{"no tld", "user@localhost is not an address", "user@localhost is not an address"},
		{"npm scope", "install @angular/core@15.2.0", "install @angular/core@15.2.0"},

		// Phones.
		{"us parens", "call (555) 123-4567 after 5", "call [phone] after 5"},
		{"international", "+1 (555) 123-4567", "[phone]"},
		{"uk", "ring +44 20 7946 0958.", "ring [phone]."},
		{"france", "mon numéro: 06 12 34 56 78", "mon numéro: [phone]"},
		{"germany", "Tel. 030 1234567", "Tel. [phone]"},
		{"dots", "555.123.4567", "[phone]"},
		{"e164 plain", "+14155552671", "[phone]"},
		{"00 prefix", "0049 30 1234567", "[phone]"},
		{"keyword before bare run", "phone: 4155552671", "phone: [phone]"},
		{"call me at", "call me at 0612345678 please", "call me at [phone] please"},

		// Phone near misses.
		{"iso date", "since 2024-01-15 10:23:45", "since 2024-01-15 10:23:45"},
		{"dotted date", "on 15.01.2024", "on 15.01.2024"},
		{"version", "build 10.0.19045.3693", "build 10.0.19045.3693"},
		{"semver", "v1.2.3.4 and 2.10.3", "v1.2.3.4 and 2.10.3"},
		{"ip", "from 192.168.100.200", "from 192.168.100.200"},
		{"order id", "order #1234567890", "order #1234567890"},
		{"bare id", "ticket 20240113884 failed", "ticket 20240113884 failed"},
		{"timestamp", "ts=1699999999", "ts=1699999999"},
		{"isbn", "ISBN 978-3-16-148410-0", "ISBN 978-3-16-148410-0"},
		{"two groups", "code 1234 5678", "code 1234 5678"},
		{"price", "€12 345 678 budget", "€12 345 678 budget"},
		{"decimal", "3.14159265358979", "3.14159265358979"},
		{"too long", "ref 4111 5555 1234 5678 9012 3456", "ref 4111 5555 1234 5678 9012 3456"},
		{"plus runs on", "+1 555 123 4567 8901 2345", "[phone] 2345"},

		// Cards.
		{"visa spaced", "card 4111 1111 1111 1111 exp 12/25", "card [card] exp 12/25"},
		{"visa dashed", "4111-1111-1111-1111", "[card]"},
		{"mastercard plain", "5555555555554444", "[card]"},
		{"mastercard 2-series", "2221 0000 0000 0009", "[card]"},
		{"amex", "amex 3782 822463 10005 ok", "amex [card] ok"},
		{"card in run", "ref 12 4111111111111111 x", "ref 12 [card] x"},

		// Card near misses.
		{"not luhn", "4111 1111 1111 1112", "4111 1111 1111 1112"},
		{"not luhn plain", "1234567812345678", "1234567812345678"},
		{"luhn but no issuer", "1234 5678 1234 5670", "1234 5678 1234 5670"},
		{"years", "2023 2024 2025 2026", "2023 2024 2025 2026"},
		{"twenty digits", "41111111111111111111", "41111111111111111111"},

		// IBANs.
		{"iban grouped", "IBAN DE89 3704 0044 0532 0130 00 thanks", "IBAN [iban] thanks"},
		{"iban plain", "GB82WEST12345698765432", "[iban]"},
		{"iban lower", "nl91abna0417164300", "[iban]"},
		{"iban bad checksum", "DE89 3704 0044 0532 0130 01", "DE89 3704 0044 0532 0130 01"},
		{"iban wrong length", "DE89 3704 0044 0532 0130", "DE89 3704 0044 0532 0130"},
		{"iban unknown country", "ZZ89370400440532013000", "ZZ89370400440532013000"},

		// Secrets.
		{"openai", "key sk-proj-abcdefghijklmnopqrstuvwxyz123456 end", "key [secret] end"},
		{"github", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[secret]"},
		{"slack", "xoxb-123456789012-abcdefghijkl", "[secret]"},
		{"stripe", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[secret]"},
		{"aws", "AKIAIOSFODNN7EXAMPLE", "[secret]"},
		{"google", "AIzaSyA1234567890abcdefghijklmnopqrstuv", "[secret]"},
		{"jwt", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc_DEF-123 ok", "token [secret] ok"},
		{"bearer", "Authorization: Bearer abc.def.ghi123456", "Authorization: Bearer [secret]"},
		{"basic", "sent Basic dXNlcjpwYXNzd29yZA== header", "sent Basic [secret] header"},
		{"basic plan", "the Basic planfortwo users", "the Basic planfortwo users"},
		{"password field", "password=hunter2&user=bob", "password=[secret]&user=bob"},
		{"api key json", `{"api_key": "xyz123", "name": "x"}`, `{"api_key": "[secret]", "name": "x"}`},
		{"env", "DB_PASSWORD='p@ss w'", "DB_PASSWORD='[secret]'"},
		{"header", "X-Auth-Token: 9f8e7d", "X-Auth-Token: [secret]"},
		{"private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "[secret]"},
		{"random token", "use 4f9d2c7a1b8e3f6d0a5c9b2e7f1d4a8c6b3e9f0d", "use [secret]"},
		{"random base62", "id Xq7Lp2Rt9Vm4Kc8Ws1Hb6Nz3Jd5Fg0YaQ", "id [secret]"},

		// Secret near misses.
		{"uuid", "request 3f2a1b4c-9d8e-4f70-a1b2-c3d4e5f60718 failed", "request 3f2a1b4c-9d8e-4f70-a1b2-c3d4e5f60718 failed"},
		{"path", "/usr/local/lib/python3.11/site-packages/acme/cli.py", "/usr/local/lib/python3.11/site-packages/acme/cli.py"},
		{"identifier", "com_example_feature_flag_enabled_v2_2024", "com_example_feature_flag_enabled_v2_2024"},
		{"camel case", "ConfigurationManagerFactory2024Impl", "ConfigurationManagerFactory2024Impl"},
		{"max tokens", "max_tokens: 512", "max_tokens: 512"},
		{"tokenizer", "tokenizer: bert", "tokenizer: bert"},
	}
	r := NewRedactor(DefaultRedactOptions())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := r.Redact(tc.in)
			require.Equal(t, tc.want, got)
			require.Equal(t, got, r.Redact(got), "idempotent")
		})
	}
}

func TestRedactOptions(t *testing.T) {
	t.Parallel()
	in := "a@b.io +44 20 7946 0958 4111111111111111 GB82WEST12345698765432 sk-abcdefghijklmnopqrstuvwxyz"
	tests := []struct {
		opts RedactOptions
		want string
	}{
		{RedactOptions{}, in},
		{RedactOptions{Emails: true}, "[email] +44 20 7946 0958 4111111111111111 GB82WEST12345698765432 sk-abcdefghijklmnopqrstuvwxyz"},
		{RedactOptions{Phones: true}, "a@b.io [phone] 4111111111111111 GB82WEST12345698765432 sk-abcdefghijklmnopqrstuvwxyz"},
		{RedactOptions{Cards: true}, "a@b.io +44 20 7946 0958 [card] GB82WEST12345698765432 sk-abcdefghijklmnopqrstuvwxyz"},
		{RedactOptions{IBANs: true}, "a@b.io +44 20 7946 0958 4111111111111111 [iban] sk-abcdefghijklmnopqrstuvwxyz"},
		{RedactOptions{Secrets: true}, "a@b.io +44 20 7946 0958 4111111111111111 GB82WEST12345698765432 [secret]"},
		{DefaultRedactOptions(), "[email] [phone] [card] [iban] [secret]"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, NewRedactor(tc.opts).Redact(in), "%+v", tc.opts)
	}
}

func TestRedactLuhnAndMod97(t *testing.T) {
	t.Parallel()
	require.True(t, luhn("4111111111111111"))
	require.False(t, luhn("4111111111111112"))
	require.True(t, luhn("378282246310005"))
	require.Equal(t, 1, mod97("DE89370400440532013000"))
	require.Equal(t, 1, mod97("GB82WEST12345698765432"))
	require.NotEqual(t, 1, mod97("DE89370400440532013001"))
}

func TestRedactLargeInput(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("Contact jane@example.com or +44 20 7946 0958 about order #12345. ", 2000)
	out := NewRedactor(DefaultRedactOptions()).Redact(in)
	require.Equal(t, 2000, strings.Count(out, PlaceholderEmail))
	require.Equal(t, 2000, strings.Count(out, PlaceholderPhone))
	require.Equal(t, 2000, strings.Count(out, "#12345"))
}
