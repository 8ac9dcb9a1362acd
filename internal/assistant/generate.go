package assistant

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"supportd/internal/core"
	"supportd/internal/guard"
	"supportd/internal/llm"
	"supportd/internal/prompt"
	"supportd/internal/store"
)

// The notices join streamed model text that could not stand to the
// extractive answer that replaces it, so the reader knows what happened.
const (
	interruptedNotice = "\n\n[The generated answer was interrupted. Here is what our help articles say:]\n\n"
	uncitedNotice     = "\n\n[That answer could not be checked against our help articles. Here is what they say:]\n\n"
)

// generate asks the model chain for an answer grounded in passages and
// falls back to the extractive answer when no model answers usably.
func (a *Assistant) generate(ctx context.Context, w *work, passages []core.Passage) error {
	sys, user, err := a.render(w, passages)
	if err != nil {
		return err
	}
	w.promptVersion = a.d.Prompts.Fingerprint()
	gctx, span := a.d.Tracer.Start(ctx, "llm.generate")
	defer span.End()
	req := llm.Request{
		Messages:    []llm.Message{{Role: "system", Content: sys}, {Role: "user", Content: user}},
		MaxTokens:   a.p.MaxTokens,
		Temperature: a.p.Temperature,
	}
	// A streamed answer passes the output filter on its way to the client:
	// a canary split across tokens is caught before it is sent.
	var sf *guard.StreamFilter
	if w.turn.OnToken != nil {
		sf = a.filter.Stream(func(text string) error { return w.turn.OnToken(ctx, text) })
		req.OnToken = func(_ context.Context, text string) error { return sf.Write(text) }
	}
	res, err := a.d.Generator.Generate(gctx, req)
	span.SetAttributes(attribute.String("supportd.model", res.Provider), attribute.Int("supportd.attempts", res.Attempts))
	if blocked := a.blocked(sf, res.Text, err); blocked != "" {
		a.d.Observer.Guard("output_blocked")
		a.d.Log.WarnContext(ctx, "model output blocked", "request_id", core.RequestID(ctx), "reason", blocked)
		a.account(w, res.Response)
		a.handoff(ctx, w, "output_blocked")
		return nil
	}
	if err != nil {
		span.RecordError(err)
		return a.modelFailed(ctx, w, passages, err)
	}
	a.account(w, res.Response)
	mode, reason := core.ModeLLM, ""
	if res.Position > 0 {
		mode, reason = core.ModeFallback, string(res.Skipped[0].Kind)
	}
	text := strings.TrimSpace(res.Text)
	switch {
	case declined(text):
		a.handoff(ctx, w, "model_declined")
		return nil
	}
	cites, dropped := citations(text, passages)
	w.dropped = dropped
	if len(cites) == 0 {
		// An answer that cites nothing in its context is not grounded.
		a.extractive(ctx, w, passages, prefixIfStreamed(ctx, w.turn, text, uncitedNotice), "uncited_answer")
		return nil
	}
	w.ans.Text, w.ans.Citations, w.ans.Mode, w.ans.DegradedReason = text, cites, mode, reason
	if mode == core.ModeLLM {
		a.remember(ctx, w)
	}
	return nil
}

// blocked says why the model's output may not be shown ("" when it may):
// the stream filter's verdict for a streamed answer, which also flushes
// the clean text it held back, or a check of the whole text otherwise.
func (a *Assistant) blocked(sf *guard.StreamFilter, text string, err error) string {
	if sf != nil {
		if blocked, reason := sf.Blocked(); blocked {
			return reason
		}
		if cerr := sf.Close(); errors.Is(cerr, guard.ErrBlocked) {
			_, reason := sf.Blocked()
			return reason
		}
		return ""
	}
	if err != nil {
		return ""
	}
	if blocked, reason := a.filter.Check(text); blocked {
		return reason
	}
	return ""
}

// modelFailed answers extractively after the chain failed, completing a
// cut stream honestly. A client that went away is not answered.
func (a *Assistant) modelFailed(ctx context.Context, w *work, passages []core.Passage, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("answer abandoned: %w", context.Cause(ctx))
	}
	var chain *llm.ChainError
	if !errors.As(err, &chain) {
		return err
	}
	reason := "model_unavailable"
	if len(chain.Skipped) > 0 {
		reason = string(chain.Skipped[0].Kind)
	}
	prefix := ""
	if chain.Last != nil && chain.Last.Streamed {
		reason = string(llm.KindInterrupted)
		if chain.Last.Kind == llm.KindTimeout {
			reason = string(llm.KindTimeout)
		}
		prefix = chain.Last.Partial + interruptedNotice
		emit(ctx, w.turn, interruptedNotice)
	}
	a.extractive(ctx, w, passages, prefix, reason)
	return nil
}

// prefixIfStreamed returns the model's text followed by notice when it was
// already streamed to the client, so the stored answer matches what the
// client saw.
func prefixIfStreamed(ctx context.Context, t Turn, text, notice string) string {
	if t.OnToken == nil {
		return ""
	}
	emit(ctx, t, notice)
	return text + notice
}

func (a *Assistant) render(w *work, passages []core.Passage) (string, string, error) {
	sys, err := a.d.Prompts.System(prompt.SystemData{Product: a.p.Product, Canary: a.p.Canary})
	if err != nil {
		return "", "", fmt.Errorf("render system prompt: %w", err)
	}
	ps := make([]prompt.Passage, len(passages))
	for i, p := range passages {
		ps[i] = prompt.Passage{ID: passageID(i), Title: p.Title, Source: p.SourceURI, Text: p.Text}
	}
	user, err := a.d.Prompts.Answer(prompt.AnswerData{Question: w.standalone, Passages: ps})
	if err != nil {
		return "", "", fmt.Errorf("render answer prompt: %w", err)
	}
	return sys, user, nil
}

func passageID(i int) string { return "P" + strconv.Itoa(i+1) }

func (a *Assistant) account(w *work, r llm.Response) {
	w.usage.PromptTokens += r.Usage.PromptTokens
	w.usage.CompletionTokens += r.Usage.CompletionTokens
	w.cost += a.p.Prices.Cost(modelOf(r.Provider), r.Usage)
	w.ans.Model = r.Provider
	w.ans.Usage = &core.Usage{PromptTokens: w.usage.PromptTokens, CompletionTokens: w.usage.CompletionTokens, CostUSD: w.cost}
}

// modelOf strips the provider kind from "kind:model".
func modelOf(provider string) string {
	_, model, ok := strings.Cut(provider, ":")
	if !ok {
		return provider
	}
	return model
}

// declined reports the system prompt's exact "I don't know." reply.
func declined(text string) bool {
	t := strings.ToLower(strings.Trim(strings.TrimSpace(text), ".! "))
	return t == "i don't know" || t == "i do not know" || t == "i don’t know"
}

// citeRE finds passage ids inside square brackets: [P1], [P1, P3], [P2][P4].
var citeRE = regexp.MustCompile(`\[\s*(P\d+(?:\s*[,;]\s*P\d+)*)\s*\]`)

// citations maps the passage ids the answer cites to documents, in order
// of first mention, one per document. Ids that were not in the context are
// dropped and counted.
func citations(text string, passages []core.Passage) ([]core.Citation, int) {
	var out []core.Citation
	seen := map[int64]bool{}
	dropped := 0
	for _, m := range citeRE.FindAllStringSubmatch(text, -1) {
		for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			n, err := strconv.Atoi(strings.TrimPrefix(id, "P"))
			if err != nil || n < 1 || n > len(passages) {
				dropped++
				continue
			}
			p := passages[n-1]
			if seen[p.DocumentID] {
				continue
			}
			seen[p.DocumentID] = true
			out = append(out, core.Citation{Marker: "[" + id + "]", DocumentID: p.DocumentID, Document: p.SourceURI,
				Title: p.Title, URI: p.SourceURI, Snippet: snippet(p.Text), Score: p.Score})
		}
	}
	return out, dropped
}

func snippet(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if len([]rune(text)) <= 240 {
		return text
	}
	r := []rune(text)[:240]
	if i := strings.LastIndexByte(string(r), ' '); i > 120 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}

// standalone folds the conversation into the question, so that "and for
// monthly plans?" retrieves what the customer means. With a model it asks
// the condense prompt; without one, or when that fails, a short follow-up
// is prefixed with the previous question.
func (a *Assistant) standalone(ctx context.Context, w *work, history []store.Turn) string {
	if len(history) == 0 {
		return w.question
	}
	if a.d.Generator != nil {
		if q, ok := a.condense(ctx, w, history); ok {
			return q
		}
	}
	if len(strings.Fields(w.question)) >= 8 {
		return w.question
	}
	return history[len(history)-1].Question + " " + w.question
}

func (a *Assistant) condense(ctx context.Context, w *work, history []store.Turn) (string, bool) {
	msgs := make([]prompt.Message, 0, 2*len(history))
	for _, t := range history {
		msgs = append(msgs, prompt.Message{Role: prompt.RoleUser, Content: t.Question},
			prompt.Message{Role: prompt.RoleAssistant, Content: t.Answer})
	}
	text, err := a.d.Prompts.Condense(prompt.CondenseData{History: msgs, Question: w.question})
	if err != nil {
		a.d.Log.WarnContext(ctx, "render condense prompt", "err", err)
		return "", false
	}
	res, err := a.d.Generator.Generate(ctx, llm.Request{Messages: []llm.Message{{Role: "user", Content: text}}, MaxTokens: 128})
	if err != nil {
		a.d.Log.WarnContext(ctx, "condense follow-up", "err", err)
		return "", false
	}
	a.account(w, res.Response)
	q := strings.TrimSpace(res.Text)
	if q == "" || len([]rune(q)) > a.p.MaxQuestionChars {
		return "", false
	}
	return q, true
}
