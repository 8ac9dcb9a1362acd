package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"supportd/internal/llm"
	"supportd/internal/prompt"
)

// Generator is the model chain a judge asks (llm.Gateway).
type Generator interface {
	Generate(ctx context.Context, req llm.Request) (llm.Result, error)
}

// JudgePrompts renders prompts/judge.tmpl (prompt.Set).
type JudgePrompts interface {
	Judge(d prompt.JudgeData) (string, error)
}

// Judge grades answers with a language model: faithfulness to the
// retrieved passages and relevance to the question given the reference.
// Its scores are opinions of a model, kept apart from the deterministic
// metrics under their own names (judge_*), and only present when a judge
// is configured.
type Judge struct {
	gen     Generator
	prompts JudgePrompts
}

// NewJudge returns a judge over a model chain and the judge prompt.
func NewJudge(gen Generator, prompts JudgePrompts) *Judge {
	if gen == nil || prompts == nil {
		panic("eval.NewJudge: missing dependency")
	}
	return &Judge{gen: gen, prompts: prompts}
}

// Verdict is one graded answer.
type Verdict struct {
	Faithfulness float64 `json:"faithfulness"`
	Relevance    float64 `json:"relevance"`
	Reason       string  `json:"reason"`
}

// Grade asks the judge about one answer. A reply that is not the JSON
// object the prompt asks for is an error, never a guessed score.
func (j *Judge) Grade(ctx context.Context, c Case, o Observation) (Verdict, error) {
	ps := make([]prompt.Passage, len(o.Passages))
	for i, text := range o.Passages {
		ps[i] = prompt.Passage{Text: text}
	}
	text, err := j.prompts.Judge(prompt.JudgeData{Question: c.Question, Reference: c.ReferenceAnswer, Answer: o.Answer, Passages: ps})
	if err != nil {
		return Verdict{}, fmt.Errorf("render judge prompt: %w", err)
	}
	res, err := j.gen.Generate(ctx, llm.Request{Messages: []llm.Message{{Role: "user", Content: text}}, MaxTokens: 200})
	if err != nil {
		return Verdict{}, fmt.Errorf("ask the judge: %w", err)
	}
	return parseVerdict(res.Text)
}

// parseVerdict reads the judge's JSON object, tolerating a code fence or
// text around it, and checks both scores are in [0, 1].
func parseVerdict(s string) (Verdict, error) {
	start, end := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
	if start < 0 || end < start {
		return Verdict{}, fmt.Errorf("judge reply has no JSON object: %q", trim(s, 120))
	}
	var v struct {
		Faithfulness *float64 `json:"faithfulness"`
		Relevance    *float64 `json:"relevance"`
		Reason       string   `json:"reason"`
	}
	if err := json.Unmarshal([]byte(s[start:end+1]), &v); err != nil {
		return Verdict{}, fmt.Errorf("judge reply is not valid JSON: %w", err)
	}
	if v.Faithfulness == nil || v.Relevance == nil {
		return Verdict{}, errors.New("judge reply lacks faithfulness or relevance")
	}
	for _, f := range []float64{*v.Faithfulness, *v.Relevance} {
		if f < 0 || f > 1 {
			return Verdict{}, fmt.Errorf("judge score %v is outside 0..1", f)
		}
	}
	return Verdict{Faithfulness: *v.Faithfulness, Relevance: *v.Relevance, Reason: v.Reason}, nil
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
