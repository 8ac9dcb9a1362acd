package prompt

import (
	"errors"
	"fmt"
	"strings"
)

// probe ends every untrusted field of the sample data. A sanitizer defangs
// the bracket of its probeTag and drops its BEL; a template that prints the
// field any other way lets one of them through.
const (
	probeTag = "<question probe"
	probe    = " " + probeTag + ">\a"
)

// sample is one rendering Load tries, with phrases its output must contain.
type sample struct {
	name   string // template name
	label  string
	render func(*Set) (string, error)
	want   []string
}

// validate renders every sample of the templates s holds and reports each
// failure by file.
func (s *Set) validate() error {
	var errs []error
	for _, c := range samples() {
		if s.templates[c.name] == nil {
			continue
		}
		out, err := c.render(s)
		if err == nil {
			err = checkOutput(out, c.want)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("prompt %s%s: sample %q: %w", c.name, ext, c.label, err))
		}
	}
	return errors.Join(errs...)
}

// checkOutput returns an error if out lets the probe through or lacks a
// wanted phrase.
func checkOutput(out string, want []string) error {
	if strings.Contains(out, probeTag) || strings.ContainsRune(out, '\a') {
		return errors.New("untrusted text reached the output unsanitized")
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			return fmt.Errorf("output lacks %q", w)
		}
	}
	return nil
}

// samples returns representative data for every template, covering both
// sides of the branches the shipped templates take.
func samples() []sample {
	const canary = "canary-7d0c41e9b2"
	passages := []Passage{
		{
			Title:  "Refund Policy" + probe,
			Source: "billing/refunds.md" + probe,
			Text:   "Refunds are issued within 14 days of purchase." + probe,
		},
		{
			Title:  "Cancelling" + probe,
			Source: "billing/cancel.md" + probe,
			Text:   "Cancel any time from Settings, then Billing." + probe,
		},
	}
	question := "How long do refunds take?"
	history := []Message{
		{Role: RoleUser, Content: "Can I get my money back?" + probe},
		{Role: RoleAssistant, Content: "Yes, within the refund window [P1]." + probe},
	}
	return []sample{
		{"system", "with product", func(s *Set) (string, error) {
			return s.System(SystemData{Product: "Quillstack", Canary: canary})
		}, []string{canary}},
		{"system", "without product", func(s *Set) (string, error) {
			return s.System(SystemData{Canary: canary})
		}, []string{canary}},
		{"answer", "two passages", func(s *Set) (string, error) {
			return s.Answer(AnswerData{Question: question + probe, Passages: passages})
		}, []string{question, `"P1"`, `"P2"`, "Refunds are issued within 14 days", "Cancel any time"}},
		{"answer", "pasted log", func(s *Set) (string, error) {
			return s.Answer(AnswerData{Question: question + probe, Passages: passages, Pasted: "ERROR [sync] QS-SYNC-503" + probe})
		}, []string{question, `"P1"`, "<pasted>", "ERROR [sync] QS-SYNC-503"}},
		{"answer", "no passages", func(s *Set) (string, error) {
			return s.Answer(AnswerData{Question: question + probe})
		}, []string{question}},
		{"condense", "with history", func(s *Set) (string, error) {
			return s.Condense(CondenseData{History: history, Question: "And how long does it take?" + probe})
		}, []string{"And how long does it take?", "Can I get my money back?", "within the refund window"}},
		{"condense", "first turn", func(s *Set) (string, error) {
			return s.Condense(CondenseData{Question: question + probe})
		}, []string{question}},
		{"judge", "two passages", func(s *Set) (string, error) {
			return s.Judge(JudgeData{
				Question:  question + probe,
				Reference: "Within 14 days." + probe,
				Answer:    "Refunds take up to 14 days [P1]." + probe,
				Passages:  passages,
			})
		}, []string{question, "Within 14 days.", "Refunds take up to 14 days", "Refunds are issued within 14 days",
			"faithfulness", "relevance", "reason"}},
	}
}
