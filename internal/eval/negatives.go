package eval

import (
	"encoding/json"
	"fmt"
	"os"
)

// Negative is a question the knowledge base does not answer: about the
// same product ("product", a hard negative) or about something else
// ("out-of-domain").
type Negative struct {
	QID      string `json:"qid"`
	Question string `json:"question"`
	Kind     string `json:"kind"`
}

// Kinds of Negative.
const (
	KindProduct     = "product"
	KindOutOfDomain = "out-of-domain"
)

// LoadNegatives reads a JSONL file of negatives; every line needs a
// question and a known kind.
func LoadNegatives(path string) ([]Negative, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read negatives: %w", err)
	}
	defer f.Close()
	var ns []Negative
	for dec := json.NewDecoder(f); dec.More(); {
		var n Negative
		if err := dec.Decode(&n); err != nil {
			return nil, fmt.Errorf("read negatives %s: %w", path, err)
		}
		ns = append(ns, n)
	}
	for _, n := range ns {
		if n.Question == "" || n.Kind != KindProduct && n.Kind != KindOutOfDomain {
			return nil, fmt.Errorf("negatives %s: %s needs a question and kind %q or %q", path, n.QID, KindProduct, KindOutOfDomain)
		}
	}
	return ns, nil
}

// Case is the negative as a golden case that should be handed off, tagged
// with its kind.
func (n Negative) Case() Case {
	return Case{ID: n.QID, Question: n.Question, RequiredFacts: []string{}, ExpectedSources: []string{},
		ShouldHandoff: true, Tags: []string{"negative", n.Kind}}
}
