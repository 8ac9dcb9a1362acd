package drift_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"supportd/internal/core"
	"supportd/internal/drift"
)

// template is one kind of question about Quillstack: text with {slot}s,
// the document it retrieves first, and how hard it is (the relative odds
// that it goes unanswered).
type template struct {
	text   string
	topic  string
	weight float64
	hard   float64
}

// english are the everyday questions about Quillstack: billing, sync, SSO,
// API and export.
var english = []template{
	{"How do I download my invoice for {month}?", "kb/billing/invoices.md", 3, 0.5},
	{"Where can I find past invoices for our {plan} plan?", "kb/billing/invoices.md", 2, 0.5},
	{"Why was I charged twice on my {card} card in {month}?", "kb/billing/refunds.md", 2, 1.5},
	{"Can I get a refund after downgrading from {plan} to {plan}?", "kb/billing/refunds.md", 1, 2},
	{"Can I switch from the {plan} plan to {plan} in the middle of the month?", "kb/billing/plans.md", 2, 0.5},
	{"Does the {plan} plan include {feature}?", "kb/billing/plans.md", 2, 1},
	{"How do I add VAT number {vat} to my invoices?", "kb/billing/tax.md", 1, 1},
	{"Sync fails with {synccode} on {os}", "kb/sync/errors.md", 3, 1.5},
	{"I get {synccode} when syncing the {folder} folder", "kb/sync/errors.md", 2, 1.5},
	{"Quillstack desktop stopped syncing {folder} since {when}", "kb/sync/troubleshooting.md", 3, 1},
	{"How do I pause sync on {os} while I travel?", "kb/sync/settings.md", 1, 0.5},
	{"Files in {folder} show a red cross after the {version} update", "kb/sync/troubleshooting.md", 2, 1.5},
	{"Does offline mode keep my edits when I reconnect on {os}?", "kb/sync/offline.md", 1, 0.5},
	{"How do I configure SAML SSO with {idp}?", "kb/sso/saml.md", 3, 0.5},
	{"SSO login with {idp} loops back to the sign-in page", "kb/sso/troubleshooting.md", 2, 2},
	{"SCIM provisioning from {idp} creates duplicate users", "kb/sso/scim.md", 1, 2},
	{"Can we enforce SSO for all members and keep one admin with a password?", "kb/sso/enforce.md", 1, 1},
	{"The API returns {httpcode} when I call {endpoint}", "kb/api/errors.md", 3, 1.5},
	{"What is the rate limit for {endpoint}?", "kb/api/rate-limits.md", 2, 0.5},
	{"How do I rotate an API key without downtime?", "kb/api/authentication.md", 2, 0.5},
	{"Webhook signature verification fails for {event} events", "kb/api/webhooks.md", 2, 1.5},
	{"Is there an official {lang} SDK for the API?", "kb/api/sdks.md", 1, 1},
	{"How do I paginate results from {endpoint}?", "kb/api/pagination.md", 1, 0.5},
	{"How do I export {what} to {format}?", "kb/export/formats.md", 3, 0.5},
	{"Export to {format} is stuck at {pct}%", "kb/export/troubleshooting.md", 2, 1.5},
	{"Can I schedule a weekly export of {what} to {storage}?", "kb/export/scheduled.md", 1, 1},
	{"The {format} export is missing {what} since {when}", "kb/export/troubleshooting.md", 1, 2},
	{"How do I reset my password if I no longer have access to my email?", "kb/account/password.md", 2, 1},
	{"How do I invite {n} people to my workspace at once?", "kb/account/members.md", 2, 0.5},
	{"Can I transfer workspace ownership to another admin?", "kb/account/members.md", 1, 1},
}

// foreign are questions in German and Spanish on the same topics.
var foreign = []template{
	{"Wie kann ich meine Rechnung für {month} herunterladen?", "kb/billing/invoices.md", 2, 1},
	{"Die Synchronisierung schlägt mit {synccode} fehl, was kann ich tun?", "kb/sync/errors.md", 2, 1.5},
	{"Wie richte ich SAML SSO mit {idp} ein?", "kb/sso/saml.md", 1, 1},
	{"Warum bekomme ich {httpcode} von der API bei {endpoint}?", "kb/api/errors.md", 1, 1.5},
	{"Ich möchte meine Daten als {format} exportieren, wie geht das?", "kb/export/formats.md", 1, 1},
	{"Kann ich mein Abo auf {plan} ändern?", "kb/billing/plans.md", 1, 1},
	{"¿Cómo descargo la factura de {month}?", "kb/billing/invoices.md", 2, 1},
	{"La sincronización falla con el error {synccode}, ¿qué hago?", "kb/sync/errors.md", 2, 1.5},
	{"¿Cómo configuro el SSO con {idp}?", "kb/sso/saml.md", 1, 1},
	{"La API me devuelve {httpcode} cuando llamo a {endpoint}", "kb/api/errors.md", 1, 1.5},
	{"¿Puedo exportar mis datos a {format}?", "kb/export/formats.md", 1, 1},
	{"¿Cómo cambio mi plan a {plan}?", "kb/billing/plans.md", 1, 1},
}

// quillpad are questions about a new product the knowledge base does not
// cover yet: they retrieve a loosely related document or nothing.
var quillpad = []template{
	{"How do I pair QuillPad with my {os} laptop?", "", 3, 1},
	{"QuillPad shows {qpcode} when pairing", "kb/sync/errors.md", 3, 1},
	{"My QuillPad notes don't sync to Quillstack", "kb/sync/troubleshooting.md", 2, 1},
	{"QuillPad firmware update stuck at {pct}%", "", 2, 1},
	{"Is QuillPad included in the {plan} plan?", "kb/billing/plans.md", 1, 1},
	{"QuillPad pen stops writing and shows {qpcode}", "", 2, 1},
}

var slots = map[string][]string{
	"month":    {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"plan":     {"Free", "Team", "Business", "Enterprise"},
	"card":     {"Visa", "Mastercard", "Amex"},
	"feature":  {"SSO", "audit logs", "API access", "scheduled exports", "SCIM"},
	"vat":      {"DE123456789", "FR40303265045", "ESB12345678"},
	"synccode": {"QS-SYNC-409", "QS-SYNC-410", "QS-SYNC-502", "QS-SYNC-503"},
	"os":       {"macOS", "Windows", "Linux", "iPad", "Android"},
	"folder":   {"Design", "Shared", "Contracts", "Photos", "Clients"},
	"when":     {"yesterday", "Monday", "last week", "this morning"},
	"version":  {"4.2", "4.3", "4.3.1"},
	"idp":      {"Okta", "Azure AD", "Google Workspace", "OneLogin", "JumpCloud"},
	"httpcode": {"401", "403", "404", "429", "500", "502"},
	"endpoint": {"/v1/projects", "/v1/documents", "/v1/export", "/v1/members", "/v1/webhooks"},
	"event":    {"document.created", "export.finished", "member.added"},
	"lang":     {"Python", "Go", "Java", "Ruby", "C#"},
	"what":     {"projects", "comments", "audit logs", "documents", "members"},
	"format":   {"CSV", "PDF", "Excel", "JSON", "Markdown"},
	"pct":      {"0", "12", "50", "87", "99"},
	"storage":  {"S3", "Google Drive", "Dropbox"},
	"n":        {"20", "50", "200"},
	"qpcode":   {"QP-PAIR-512", "QP-PAIR-513", "QP-INK-201", "QP-FW-330"},
}

// related are the documents a question sometimes retrieves instead of its
// own: the neighbours in the same section.
var related = []string{
	"kb/billing/faq.md", "kb/sync/faq.md", "kb/sso/faq.md", "kb/api/faq.md", "kb/export/faq.md",
}

// logs are pasted machine output; {n}, {ms} and {line} vary per paste.
var logs = []string{
	"panic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine 1 [running]:\nmain.(*Syncer).Run(0x0)\n\t/home/dev/quillsync/syncer.go:{line} +0x1c\nmain.main()\n\t/home/dev/quillsync/main.go:17 +0x85",
	"Exception in thread \"main\" java.lang.IllegalStateException: token missing\n\tat com.quillstack.sso.SamlHandler.parse(SamlHandler.java:{line})\n\tat com.quillstack.sso.SamlHandler.handle(SamlHandler.java:41)",
	"Traceback (most recent call last):\n  File \"/app/export.py\", line {line}, in <module>\n    client.export(project_id)\nquillstack.errors.ApiError: 502 Bad Gateway",
	"TypeError: Cannot read properties of undefined (reading 'id')\n    at syncFolder (/srv/app/sync.js:{line}:23)\n    at async main (/srv/app/index.js:12:5)",
	"203.0.113.{n} - - [12/Mar/2025:10:15:32 +0000] \"POST /v1/export HTTP/1.1\" 504 167 \"-\" \"quillstack-cli/2.3.1\"",
	"2025-03-12T10:15:32.{ms}Z ERROR sync/worker.go:{line} sync failed code=QS-SYNC-409 folder=/Shared/Design",
	"{\n  \"error\": {\n    \"code\": \"rate_limited\",\n    \"message\": \"Too many requests\",\n    \"retry_after\": {n}\n  }\n}",
	"* Connected to api.quillstack.com (198.51.100.4) port 443\n> GET /v1/projects HTTP/2\n< HTTP/2 {httpcode}\n< content-type: application/json",
}

var logIntros = []string{"", "", "Sync keeps failing, here is the log:\n", "Help! I get this:\n\n", "Export broke:\n"}

// stream synthesises questions: mostly English template questions, with
// given shares of pasted logs, German/Spanish questions and questions about
// QuillPad, and a base rate of unanswered questions.
type stream struct {
	rng        *rand.Rand
	pasted     float64 // share of pasted logs
	foreign    float64 // share of German and Spanish questions
	quillpad   float64 // share of questions about QuillPad
	unanswered float64 // average share handed off or answered with low confidence
}

// newStream is the reference stream: 5% pasted logs, 5% German or Spanish,
// 10% unanswered; seed picks the sample.
func newStream(seed uint64) *stream {
	return &stream{rng: rand.New(rand.NewPCG(seed, 0x51)), pasted: 0.05, foreign: 0.05, unanswered: 0.10}
}

func (s *stream) questions(n int) []drift.Question {
	qs := make([]drift.Question, n)
	for i := range qs {
		qs[i] = s.question()
	}
	return qs
}

func (s *stream) question() drift.Question {
	u := s.rng.Float64()
	switch {
	case u < s.quillpad:
		t := s.pick(quillpad)
		return s.answer(s.fill(t.text), t.topic, 0.6)
	case u < s.quillpad+s.pasted:
		t := s.pick(english)
		intro := logIntros[s.rng.IntN(len(logIntros))]
		return s.answer(intro+s.fill(logs[s.rng.IntN(len(logs))]), t.topic, 1.5*s.unanswered)
	case u < s.quillpad+s.pasted+s.foreign:
		t := s.pick(foreign)
		return s.answer(s.fill(t.text), s.topic(t), t.hard*s.unanswered)
	}
	t := s.pick(english)
	return s.answer(s.fill(t.text), s.topic(t), t.hard*s.unanswered)
}

// pick draws a template by weight.
func (s *stream) pick(ts []template) template {
	total := 0.0
	for _, t := range ts {
		total += t.weight
	}
	u := s.rng.Float64() * total
	for _, t := range ts {
		if u -= t.weight; u < 0 {
			return t
		}
	}
	return ts[len(ts)-1]
}

// topic is the template's document, sometimes a neighbour or nothing.
func (s *stream) topic(t template) string {
	switch u := s.rng.Float64(); {
	case u < 0.03:
		return ""
	case u < 0.10:
		section := strings.Split(t.topic, "/")[1]
		for _, r := range related {
			if strings.Contains(r, "/"+section+"/") {
				return r
			}
		}
	}
	return t.topic
}

func (s *stream) fill(text string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		j := strings.IndexByte(text[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(text)
			return b.String()
		}
		v, ok := s.slot(text[i+1 : i+j])
		if !ok { // a JSON brace, not a slot
			b.WriteString(text[:i+1])
			text = text[i+1:]
			continue
		}
		b.WriteString(text[:i])
		b.WriteString(v)
		text = text[i+j+1:]
	}
}

func (s *stream) slot(name string) (string, bool) {
	switch name {
	case "line":
		return fmt.Sprint(10 + s.rng.IntN(400)), true
	case "ms":
		return fmt.Sprintf("%03d", s.rng.IntN(1000)), true
	}
	vs, ok := slots[name]
	if !ok {
		return "", false
	}
	return vs[s.rng.IntN(len(vs))], true
}

// answer decides how the assistant fared: unanswered with probability p
// (a handoff, or now and then a low-confidence extractive answer),
// otherwise answered by the model, the cache or a fallback with good
// confidence. One question in a hundred is refused.
func (s *stream) answer(text, topic string, p float64) drift.Question {
	q := drift.Question{Text: text, TopDoc: topic}
	switch u := s.rng.Float64(); {
	case u < 0.01:
		q.Mode, q.Confidence = core.ModeRefused, 0
	case u < 0.01+0.8*p:
		q.Mode, q.Confidence = core.ModeHandoff, 0.05+0.29*s.rng.Float64()
	case u < 0.01+p:
		q.Mode, q.Confidence = core.ModeExtractive, 0.15+0.19*s.rng.Float64()
	default:
		modes := []core.Mode{core.ModeLLM, core.ModeLLM, core.ModeLLM, core.ModeCache, core.ModeExtractive, core.ModeFallback}
		q.Mode, q.Confidence = modes[s.rng.IntN(len(modes))], 0.4+0.58*s.rng.Float64()
	}
	return q
}
