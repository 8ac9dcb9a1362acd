package llm

import (
	"fmt"
	"strconv"
	"strings"
)

// Prices maps a model name to its USD price per million prompt and
// completion tokens.
type Prices map[string]Price

// Price is one model's USD price per million tokens.
type Price struct {
	Prompt     float64
	Completion float64
}

// ParsePrices reads "model=prompt/completion,model2=..." (USD per million
// tokens), e.g. "gpt-4o-mini=0.15/0.60,claude-3-5-haiku-latest=0.80/4".
func ParsePrices(s string) (Prices, error) {
	out := Prices{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		model, pair, ok := strings.Cut(item, "=")
		in, outStr, ok2 := strings.Cut(pair, "/")
		if !ok || !ok2 || strings.TrimSpace(model) == "" {
			return nil, fmt.Errorf("price %q: want model=prompt/completion", item)
		}
		p, err1 := strconv.ParseFloat(strings.TrimSpace(in), 64)
		c, err2 := strconv.ParseFloat(strings.TrimSpace(outStr), 64)
		if err1 != nil || err2 != nil || p < 0 || c < 0 {
			return nil, fmt.Errorf("price %q: prices must be non-negative numbers", item)
		}
		out[strings.TrimSpace(model)] = Price{Prompt: p, Completion: c}
	}
	return out, nil
}

// Cost is the USD cost of u on model; 0 for models without a price.
func (ps Prices) Cost(model string, u Usage) float64 {
	p, ok := ps[model]
	if !ok {
		return 0
	}
	return (float64(u.PromptTokens)*p.Prompt + float64(u.CompletionTokens)*p.Completion) / 1e6
}
