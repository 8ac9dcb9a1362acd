package assistant

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"

	"supportd/internal/cache"
	"supportd/internal/core"
)

// cachedAnswer is what a cache entry holds.
type cachedAnswer struct {
	Text       string          `json:"text"`
	Citations  []core.Citation `json:"citations"`
	Confidence float64         `json:"confidence"`
	Model      string          `json:"model"`
}

// cacheKey names an answer by everything that shapes it: the tenant and
// knowledge base at its current content version (any document change
// moves it, so an update never serves a stale answer), the normalised
// question and the excerpt of what was pasted, the prompts' versions, the
// model chain and the sampling parameters.
func (a *Assistant) cacheKey(w *work) string {
	// The readable tenant prefix lets a tenant's entries be deleted together.
	return w.turn.Tenant + "/" + cache.Key("answer/v1", w.turn.Tenant, strconv.FormatInt(w.kb.ID, 10),
		strconv.FormatInt(w.kb.ContentVersion, 10), normalise(w.standalone), w.excerpt, a.d.Prompts.Fingerprint(),
		strings.Join(a.d.Generator.Providers(), ">"), strconv.Itoa(a.p.MaxTokens),
		strconv.FormatFloat(a.p.Temperature, 'g', -1, 64), w.turn.Filter.String())
}

// normalise folds case, spacing and trailing punctuation, so trivially
// different spellings of a question share an entry.
func normalise(q string) string {
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	return strings.TrimRightFunc(q, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}

// cached serves a stored model answer. Only undegraded model answers are
// ever stored, and evaluation never reads them: it measures the pipeline.
func (a *Assistant) cached(ctx context.Context, w *work) (outcome, bool) {
	if a.d.Cache == nil || a.d.Generator == nil || purpose(w.turn) == core.PurposeEvaluation {
		return outcome{}, false
	}
	key := a.cacheKey(w)
	raw, _, ok := a.d.Cache.Get(ctx, key)
	a.d.Observer.CacheLookup(ok)
	if !ok {
		return outcome{}, false
	}
	var c cachedAnswer
	if json.Unmarshal(raw, &c) != nil {
		return outcome{}, false
	}
	return outcome{text: c.Text, citations: c.Citations, confidence: c.Confidence, mode: core.ModeCache, model: c.Model,
		promptVersion: a.d.Prompts.Fingerprint(), cacheKey: key, unsent: []string{c.Text}}, true
}

// remember stores a model answer and returns the key it is stored under,
// or "" without a cache.
func (a *Assistant) remember(ctx context.Context, w *work, o outcome) string {
	if a.d.Cache == nil {
		return ""
	}
	raw, err := json.Marshal(cachedAnswer{Text: o.text, Citations: o.citations, Confidence: o.confidence, Model: o.model})
	if err != nil {
		return ""
	}
	key := a.cacheKey(w)
	a.d.Cache.Set(ctx, key, raw)
	return key
}
