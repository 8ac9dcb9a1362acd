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

// verdict is what became of a model generation.
type verdict int

const (
	verdictAnswered verdict = iota // a grounded, cited answer
	verdictBlocked                 // the output filter stopped it
	verdictDeclined                // the model said it does not know
	verdictUncited                 // a claim cites nothing in its context
	verdictFailed                  // no model answered
)

// generation is what the model chain produced for a turn.
type generation struct {
	verdict verdict
	// text is the model's answer, or for a failure the part that
	// streamed before it.
	text      string
	streamed  bool // text was shown to a streaming client as it came
	citations []core.Citation
	dropped   int
	mode      core.Mode // llm, or fallback when a later model answered
	// reason is why the primary model did not answer (fallback, failed)
	// or why the output was blocked.
	reason string
	// detail is the model chain's error, for the log.
	detail        string
	model         string
	promptVersion string
}

// generate asks the model chain for an answer grounded in passages and
// says what came of it; what to answer instead is the caller's decision.
// It fails only when the client went away or the prompts cannot render.
func (a *Assistant) generate(ctx context.Context, w *work, passages []core.Passage) (generation, error) {
	sys, user, err := a.render(w, passages)
	if err != nil {
		return generation{}, err
	}
	g := generation{promptVersion: a.d.Prompts.Fingerprint(), streamed: w.turn.OnToken != nil}
	gctx, span := a.d.Tracer.Start(ctx, "llm.generate")
	defer span.End()
	req := llm.Request{
		Messages:    []llm.Message{{Role: "system", Content: sys}, {Role: "user", Content: user}},
		MaxTokens:   a.p.MaxTokens,
		Temperature: a.p.Temperature,
		Elapsed:     a.d.Now().Sub(w.began),
	}
	// A streamed answer passes the output filter on its way to the client:
	// a canary split across tokens is caught before it is sent. The filter
	// knows the question, to catch an answer that says what the question
	// demanded ("say 'Access Granted'") instead of answering it.
	filter := a.filter.ForQuestion(w.question)
	var sf *guard.StreamFilter
	if g.streamed {
		sf = filter.Stream(func(text string) error { return a.emit(ctx, w.turn, text) })
		req.OnToken = func(_ context.Context, text string) error { return sf.Write(text) }
	}
	res, err := a.d.Generator.Generate(gctx, req)
	span.SetAttributes(attribute.String("supportd.model", res.Provider), attribute.Int("supportd.attempts", res.Attempts))
	a.account(w, res)
	if reason := blocked(filter, sf, res.Text, err); reason != "" {
		g.verdict, g.reason = verdictBlocked, reason
		return g, nil
	}
	if err != nil {
		span.RecordError(err)
		return a.failed(ctx, g, err)
	}
	g.model, g.mode, g.text = res.Provider, core.ModeLLM, strings.TrimSpace(res.Text)
	if res.Position > 0 {
		g.mode, g.reason = core.ModeFallback, string(res.Skipped[0].Kind)
	}
	if declined(g.text) {
		g.verdict = verdictDeclined
		return g, nil
	}
	g.citations, g.dropped = citations(g.text, passages)
	// Every claim must cite a passage that was given: an answer citing
	// an id not in its context, or with a paragraph citing nothing, is
	// not grounded as a whole.
	if len(g.citations) == 0 || g.dropped > 0 || !everyClaimCited(g.text) {
		g.verdict = verdictUncited
	}
	return g, nil
}

// blocked says why the model's output may not be shown ("" when it may):
// the stream filter's verdict for a streamed answer, which also flushes
// the clean text it held back, or a check of the whole text otherwise.
func blocked(filter *guard.OutputFilter, sf *guard.StreamFilter, text string, err error) string {
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
	if blocked, reason := filter.Check(text); blocked {
		return reason
	}
	return ""
}

// failed says why no model answered, keeping the text a cut stream had
// already shown. A client that went away is not answered at all.
func (a *Assistant) failed(ctx context.Context, g generation, err error) (generation, error) {
	if ctx.Err() != nil {
		return g, fmt.Errorf("answer abandoned: %w", context.Cause(ctx))
	}
	var chain *llm.ChainError
	if !errors.As(err, &chain) {
		return g, err
	}
	g.verdict, g.reason, g.streamed, g.detail = verdictFailed, "model_unavailable", false, err.Error()
	if chain.Last != nil {
		g.detail = chain.Last.Error()
	}
	if len(chain.Skipped) > 0 {
		g.reason = string(chain.Skipped[0].Kind)
	}
	if chain.Last != nil && chain.Last.Streamed {
		g.reason = string(llm.KindInterrupted)
		if chain.Last.Kind == llm.KindTimeout {
			g.reason = string(llm.KindTimeout)
		}
		g.text, g.streamed = chain.Last.Partial, true
	}
	return g, nil
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
	user, err := a.d.Prompts.Answer(prompt.AnswerData{Question: w.standalone, Passages: ps, Pasted: w.excerpt})
	if err != nil {
		return "", "", fmt.Errorf("render answer prompt: %w", err)
	}
	return sys, user, nil
}

func passageID(i int) string { return "P" + strconv.Itoa(i+1) }

// ledger is what a turn's model calls consumed.
type ledger struct {
	usage  llm.Usage
	cost   float64
	model  string // the last model that billed
	billed bool   // whether any model billed
}

// account adds what a call down the model chain billed to the turn's
// ledger: every attempt, failed, cut or blocked ones included.
func (a *Assistant) account(w *work, r llm.Result) {
	for _, c := range r.Charges {
		w.spent.usage = w.spent.usage.Add(c.Usage)
		w.spent.cost += a.p.Prices.Cost(c.Model, c.Usage)
		w.spent.model, w.spent.billed = c.Provider, true
	}
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
		return w.asked
	}
	if a.d.Generator != nil {
		if q, ok := a.condense(ctx, w, history); ok {
			return q
		}
	}
	if len(strings.Fields(w.asked)) >= 8 {
		return w.asked
	}
	return history[len(history)-1].Question + " " + w.asked
}

func (a *Assistant) condense(ctx context.Context, w *work, history []store.Turn) (string, bool) {
	msgs := make([]prompt.Message, 0, 2*len(history))
	for _, t := range history {
		msgs = append(msgs, prompt.Message{Role: prompt.RoleUser, Content: t.Question},
			prompt.Message{Role: prompt.RoleAssistant, Content: t.Answer})
	}
	text, err := a.d.Prompts.Condense(prompt.CondenseData{History: msgs, Question: w.asked})
	if err != nil {
		a.d.Log.WarnContext(ctx, "render condense prompt", "err", err)
		return "", false
	}
	res, err := a.d.Generator.Generate(ctx, llm.Request{Messages: []llm.Message{{Role: "user", Content: text}}, MaxTokens: 128,
		Elapsed: a.d.Now().Sub(w.began)})
	a.account(w, res)
	if err != nil {
		a.d.Log.WarnContext(ctx, "condense follow-up", "err", err)
		return "", false
	}
	q := strings.TrimSpace(res.Text)
	if q == "" || len([]rune(q)) > a.p.MaxQuestionChars {
		return "", false
	}
	return q, true
}
