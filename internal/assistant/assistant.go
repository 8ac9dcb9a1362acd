package assistant

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"supportd/internal/core"
	"supportd/internal/extract"
	"supportd/internal/guard"
	"supportd/internal/llm"
	"supportd/internal/paste"
	"supportd/internal/prompt"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// KBs resolves a tenant's knowledge base by name; unknown names fail with
// core.CodeKBNotFound.
type KBs interface {
	KB(ctx context.Context, tenant, name string) (store.KB, error)
}

// Retriever finds passages for a question, best first. It fails with
// core.CodeUpstreamTimeout when it overruns its deadline and
// core.CodeUnavailable when the database is down.
type Retriever interface {
	Retrieve(ctx context.Context, q retrieve.Query) ([]core.Passage, error)
}

// Extractor builds an answer from passages alone, without a model, and
// scores how well passages cover a question.
type Extractor interface {
	AnswerAt(question string, passages []core.Passage, minConfidence float64) extract.Result
	Confidence(question string, passages []core.Passage) float64
}

// TurnLog stores turns and reads conversations and usage back. Reads fail
// with core.CodeNotFound for another tenant's conversation. SaveTurn
// bounds its own write (store.TurnWriter: each batch's deadline starts
// when the batch is taken, not when the turn queued), so the caller sets
// no deadline that would count the time spent behind other turns.
type TurnLog interface {
	SaveTurn(ctx context.Context, t store.TurnWrite) (int64, error)
	ConversationTurns(ctx context.Context, tenant, conversationID string, limit int) ([]store.Turn, error)
	TokensToday(ctx context.Context, tenant, clientID string) (int64, error)
}

// Generator runs a completion down the model chain (llm.Gateway).
type Generator interface {
	Generate(ctx context.Context, req llm.Request) (llm.Result, error)
	Providers() []string
}

// Prompts renders the prompt templates (prompt.Set).
type Prompts interface {
	System(d prompt.SystemData) (string, error)
	Answer(d prompt.AnswerData) (string, error)
	Condense(d prompt.CondenseData) (string, error)
	Fingerprint() string
}

// Cache stores finished model answers (cache.Cache). It never fails: a
// broken cache is a miss.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, string, bool)
	Set(ctx context.Context, key string, val []byte)
}

// Observer is told how each answer went (metrics.Metrics). It must not
// block.
type Observer interface {
	Stage(stage string, d time.Duration)
	Answered(a core.Answer, droppedCitations int)
	CacheLookup(hit bool)
	// Guard counts guard events: rejected questions, injections, blocked
	// outputs.
	Guard(event string)
}

type noObserver struct{}

func (noObserver) Stage(string, time.Duration) {}
func (noObserver) Answered(core.Answer, int)   {}
func (noObserver) CacheLookup(bool)            {}
func (noObserver) Guard(string)                {}

// screenMemory is how many texts' injection verdicts, and how many texts'
// redactions, the assistant keeps: a question asked again and a cached
// answer (a cache hit, typically) are screened and redacted from memory,
// with the result the screen or the redactor would give
// (guard.Verdicts, guard.Redactions).
const screenMemory = 4096

// Assistant answers turns.
type Assistant struct {
	d        Deps
	p        Params
	detector *guard.Verdicts
	redactor *guard.Redactions
	filter   *guard.OutputFilter // nil without a model
	degraded *degradedLog
}

// DefaultMaxPastedChars is how many runes of pasted text (logs, stack
// traces, system info) the model sees by default: the errors, then the
// system info, then as much of the rest as fits.
const DefaultMaxPastedChars = 2000

// Params tunes an Assistant.
type Params struct {
	TopK             int // passages per question; default 5
	MaxQuestionChars int // default guard.DefaultMaxQuestionChars
	// MaxPastedChars bounds the excerpt of a message's pasted logs and
	// system info that the model sees; default DefaultMaxPastedChars.
	MaxPastedChars int
	// MinConfidence is the retrieval confidence below which the assistant
	// hands off without asking a model; default extract.DefaultMinConfidence.
	MinConfidence float64
	// HistoryTurns is how many earlier turns condense a follow-up; default 6.
	HistoryTurns int
	MaxTokens    int     // per model answer; default 512
	Temperature  float64 // default 0
	// DailyTokenBudget caps a client's tokens per UTC day; 0 is unlimited.
	DailyTokenBudget int64
	// ReviewConfidence queues answers below it for a person; default 0.5.
	ReviewConfidence float64
	// InjectionAction is what a question scored as a prompt-injection
	// attempt gets: "answer" (answer normally, log and count it),
	// "refuse" or "handoff" (the default). InjectionThreshold is the score
	// that counts; default guard.DefaultThreshold.
	InjectionAction    string
	InjectionThreshold float64
	// RedactStored replaces emails, phone numbers, card numbers, IBANs and
	// secrets in stored questions and answers with placeholders.
	RedactStored bool
	Product      string // named in the system prompt
	Canary       string // secret marker in the system prompt; output containing it is blocked
	Prices       llm.Prices
	// DegradedLogInterval is how often each degraded reason may write a
	// WARN line; default 10 s.
	DegradedLogInterval time.Duration
}

// Deps are an Assistant's collaborators. KBs, Retriever, Extractor, Turns
// and Log are required; without a Generator (and Prompts) the assistant
// answers extractively; Cache and Now are optional.
type Deps struct {
	KBs       KBs
	Retriever Retriever
	Extractor Extractor
	Turns     TurnLog
	Log       *slog.Logger
	Generator Generator
	Prompts   Prompts
	Cache     Cache
	Now       func() time.Time
	// Observer receives metrics; Tracer spans. Both default to no-ops.
	Observer Observer
	Tracer   trace.Tracer
	// OnReview, when set, is told about each turn queued for review (a
	// helpdesk webhook). It must not block.
	OnReview func(ctx context.Context, q core.ReviewQueued)
}

// New returns an Assistant; it panics when a required dependency is
// missing, which is a wiring bug.
func New(d Deps, p Params) *Assistant {
	if d.KBs == nil || d.Retriever == nil || d.Extractor == nil || d.Turns == nil || d.Log == nil {
		panic("assistant.New: missing dependency")
	}
	if d.Generator != nil && d.Prompts == nil {
		panic("assistant.New: a generator needs prompts")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Observer == nil {
		d.Observer = noObserver{}
	}
	if d.Tracer == nil {
		d.Tracer = noop.NewTracerProvider().Tracer("supportd/assistant")
	}
	p.TopK = cmp.Or(p.TopK, 5)
	p.MaxQuestionChars = cmp.Or(p.MaxQuestionChars, guard.DefaultMaxQuestionChars)
	p.MaxPastedChars = cmp.Or(p.MaxPastedChars, DefaultMaxPastedChars)
	p.MinConfidence = cmp.Or(p.MinConfidence, extract.DefaultMinConfidence)
	p.HistoryTurns = cmp.Or(p.HistoryTurns, 6)
	p.MaxTokens = cmp.Or(p.MaxTokens, 512)
	p.ReviewConfidence = cmp.Or(p.ReviewConfidence, 0.5)
	p.InjectionAction = cmp.Or(p.InjectionAction, "handoff")
	p.InjectionThreshold = cmp.Or(p.InjectionThreshold, guard.DefaultThreshold)
	p.DegradedLogInterval = cmp.Or(p.DegradedLogInterval, 10*time.Second)
	if len(p.Canary) < 16 {
		p.Canary = randomCanary()
	}
	a := &Assistant{d: d, p: p, detector: guard.NewVerdicts(guard.NewDetector(), screenMemory), redactor: guard.NewRedactions(guard.NewRedactor(guard.DefaultRedactOptions()), screenMemory),
		degraded: &degradedLog{every: p.DegradedLogInterval, per: map[string]*reasonLog{}}}
	if d.Generator != nil {
		sys, err := d.Prompts.System(prompt.SystemData{Product: p.Product, Canary: p.Canary})
		if err != nil {
			panic(fmt.Sprintf("assistant.New: render the system prompt: %v", err))
		}
		a.filter = guard.NewOutputFilter(p.Canary, sys)
	}
	return a
}

// Turn is one question to answer.
type Turn struct {
	Tenant         string
	KB             string
	Question       string
	ConversationID string // empty starts a new conversation
	Filter         core.Filter
	// ClientID identifies the caller for usage budgets.
	ClientID string
	// EndUserID is the caller's opaque id for the person asking, so their
	// data can be deleted with one call.
	EndUserID string
	// Purpose says why the question is asked; the zero value is a
	// person's support question (core.PurposeSupport).
	Purpose core.Purpose
	// OnToken, when set, receives the answer as it is produced (streaming).
	// Its error aborts a model generation.
	OnToken func(ctx context.Context, text string) error
	// OnStatus, when set, is told once that the answer is degraded, before
	// the text that stands in for the model's is sent: the mode it falls
	// back to and why. It must not block.
	OnStatus func(ctx context.Context, mode core.Mode, reason string)
	// History is the conversation so far when the caller holds it rather
	// than the store: an evaluation case carries the exchanges before its
	// question. It folds into the question exactly as a stored
	// conversation would, and is not stored. A turn gives either History
	// or ConversationID, not both.
	History []Exchange
}

// Exchange is one earlier question and its answer.
type Exchange struct {
	Question, Answer string
}

// Answer answers t and records it. Invalid input fails before anything
// expensive runs; slow or failing stages degrade to an honest answer with
// a degraded_reason; only a database that cannot record the turn, a spent
// budget or a client that went away make it fail.
func (a *Assistant) Answer(ctx context.Context, t Turn) (ans core.Answer, err error) {
	start := a.d.Now()
	ctx, span := a.d.Tracer.Start(ctx, "assistant.answer", trace.WithAttributes(attribute.String("supportd.kb", t.KB),
		attribute.String("supportd.tenant", t.Tenant)))
	defer func() {
		span.SetAttributes(attribute.String("supportd.mode", string(ans.Mode)), attribute.String("supportd.model", ans.Model),
			attribute.Float64("supportd.confidence", ans.Confidence))
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, core.ErrorMessage(err))
		}
		span.End()
	}()
	return a.answer(ctx, t, start)
}

// answer runs the stages in order. Each stage returns its outcome; only
// here is the outcome streamed to the client, turned into the answer and
// recorded.
func (a *Assistant) answer(ctx context.Context, t Turn, start time.Time) (core.Answer, error) {
	question, err := a.validate(t)
	if err != nil {
		return core.Answer{}, err
	}
	kb, err := a.d.KBs.KB(ctx, t.Tenant, t.KB)
	if err != nil {
		return core.Answer{}, err
	}
	conv, history, err := a.conversation(ctx, t)
	if err != nil {
		return core.Answer{}, err
	}
	w := newWork(t, kb, question, a.p.MaxPastedChars)
	w.began = start
	o, err := a.settle(ctx, w, history)
	if err != nil {
		return core.Answer{}, err
	}
	if o.reason != "" && t.OnStatus != nil {
		t.OnStatus(ctx, o.mode, o.reason)
	}
	for _, text := range o.unsent {
		_ = a.emit(ctx, t, text) // a client that went away is noticed through ctx
	}
	ans := w.answer(o, conv, a.d.Now().Sub(start))
	if ans.TurnID, err = a.record(ctx, w, o, ans); err != nil {
		return core.Answer{}, err
	}
	a.d.Observer.Stage("total", ans.Latency)
	a.d.Observer.Answered(ans, o.dropped)
	a.warnDegraded(ctx, w, ans, o.detail)
	a.d.Log.InfoContext(ctx, "answer", "request_id", core.RequestID(ctx), "tenant", t.Tenant, "kb", kb.Name, "turn_id", ans.TurnID,
		"mode", ans.Mode, "degraded_reason", ans.DegradedReason, "confidence", ans.Confidence,
		"latency_ms", ans.Latency.Milliseconds(), "model", ans.Model, "prompt_version", o.promptVersion,
		"prompt_tokens", w.spent.usage.PromptTokens, "completion_tokens", w.spent.usage.CompletionTokens,
		"dropped_citations", o.dropped, "cited", citedDocs(ans.Citations), "question_notes", w.notes,
		"pasted_lines", w.pastedLines)
	return ans, nil
}

// settle decides how the turn is answered: refused or handed off as an
// attack, from the cache, handed off when retrieval fails or finds too
// little, extractively without a model, or by the model chain.
func (a *Assistant) settle(ctx context.Context, w *work, history []store.Turn) (outcome, error) {
	var action string
	w.injection, action = a.screen(ctx, w)
	switch action {
	case "refuse":
		return refusal("prompt_injection"), nil
	case "handoff":
		return handoff("prompt_injection", 0), nil
	}
	w.standalone = a.standalone(ctx, w, history)
	w.query, w.focus = w.message.Query(w.standalone), w.message.Focus(w.standalone)
	if o, ok := a.cached(ctx, w); ok {
		return o, nil
	}
	passages, err := a.retrieve(ctx, w)
	w.retrieved = passages
	if err != nil {
		if core.ErrorCode(err) == core.CodeUpstreamTimeout {
			return handoff("retrieval_timeout", 0), nil
		}
		return outcome{}, err
	}
	if a.d.Generator == nil {
		return a.extractive(w, passages, ""), nil
	}
	confidence := a.d.Extractor.Confidence(w.focus, passages)
	if confidence < a.minConfidence(w.kb) {
		return handoff("low_confidence", confidence), nil
	}
	if err := a.checkBudget(ctx, w.turn); err != nil {
		return outcome{}, err
	}
	standIn := a.hedge(w, passages)
	g, err := a.generate(ctx, w, passages)
	if err != nil {
		return outcome{}, err
	}
	return a.fromModel(ctx, w, standIn, confidence, g), nil
}

// fromModel turns what the model chain produced into the outcome: its
// answer, or a handoff or extractive answer when it may not stand.
// Streamed text that cannot stand is completed honestly: a notice, then
// the extractive answer.
func (a *Assistant) fromModel(ctx context.Context, w *work, standIn *standIn, confidence float64, g generation) outcome {
	var o outcome
	switch g.verdict {
	case verdictBlocked:
		a.d.Observer.Guard("output_blocked")
		a.d.Log.WarnContext(ctx, "model output blocked", "request_id", core.RequestID(ctx), "reason", g.reason)
		o = handoff("output_blocked", confidence)
	case verdictDeclined:
		o = handoff("model_declined", confidence)
	case verdictUncited:
		// An answer that cites nothing in its context is not grounded.
		o = extractiveFrom(standIn.result(), "uncited_answer")
		if g.streamed {
			o = o.after(g.text, uncitedNotice)
		}
		o.dropped = g.dropped
	case verdictFailed:
		o = extractiveFrom(standIn.result(), g.reason)
		o.detail = g.detail
		if g.streamed {
			o = o.after(g.text, interruptedNotice)
		}
	default:
		o = outcome{text: g.text, citations: g.citations, confidence: confidence, mode: g.mode, reason: g.reason,
			model: g.model, dropped: g.dropped}
	}
	o.promptVersion = g.promptVersion
	if o.mode == core.ModeLLM {
		o.cacheKey = a.remember(ctx, w, o)
	}
	return o
}

// work is one turn in progress: what the stages read, and what they spent.
type work struct {
	turn     Turn
	began    time.Time // when the turn arrived: the model's deadlines count from it
	kb       store.KB
	question string // as asked, trimmed: stored, and scored for injection whole
	// message is the question split into the customer's words and what
	// they pasted; asked is the former normalised (guard.NormalizeQuestion)
	// with notes of what that changed.
	message     paste.Message
	asked       string
	notes       []guard.Note
	excerpt     string // of the pasted text, for the model
	pastedLines int
	standalone  string // asked, with the conversation's context folded in
	query       string // standalone and the pasted text's salient lines: what retrieval gets
	focus       string // what confidence and quoting score against (paste.Message.Focus)
	injection   float64
	retrieved   []core.Passage
	spent       ledger
}

// newWork starts a turn: it splits the question from what was pasted
// under it and bounds the excerpt the model sees to maxPasted runes.
func newWork(t Turn, kb store.KB, question string, maxPasted int) *work {
	w := &work{turn: t, kb: kb, question: question, message: paste.Split(question)}
	w.asked, w.notes = guard.NormalizeQuestion(w.message.Question)
	w.excerpt = w.message.Excerpt(maxPasted)
	if w.message.Pasted != "" {
		w.pastedLines = strings.Count(w.message.Pasted, "\n") + 1
	}
	return w
}

// answer is the turn's answer as the client gets it.
func (w *work) answer(o outcome, conversation string, latency time.Duration) core.Answer {
	ans := core.Answer{ConversationID: conversation, Text: o.text, Citations: o.citations, Confidence: o.confidence,
		Mode: o.mode, DegradedReason: o.reason, Model: cmp.Or(o.model, w.spent.model), Latency: latency, Retrieved: w.retrieved}
	if ans.Citations == nil {
		ans.Citations = []core.Citation{}
	}
	if w.spent.billed {
		ans.Usage = &core.Usage{PromptTokens: w.spent.usage.PromptTokens, CompletionTokens: w.spent.usage.CompletionTokens,
			CostUSD: w.spent.cost, Estimated: w.spent.usage.Estimated}
	}
	return ans
}

// RefusalText is the answer to a question taken for an attack on the
// assistant rather than a support question.
const RefusalText = "I can only help with questions about our product and its help articles. Could you rephrase your question?"

// screen scores the question for prompt injection and, past the threshold,
// says what to do instead of answering: "refuse", "handoff", or "" to
// answer (per InjectionAction).
func (a *Assistant) screen(ctx context.Context, w *work) (float64, string) {
	det := a.detector.Score(w.question)
	if det.Score < a.p.InjectionThreshold {
		return det.Score, ""
	}
	a.d.Observer.Guard("injection")
	a.d.Log.WarnContext(ctx, "prompt injection suspected", "request_id", core.RequestID(ctx), "tenant", w.turn.Tenant,
		"score", det.Score, "signals", det.Signals, "action", a.p.InjectionAction)
	if a.p.InjectionAction == "answer" {
		return det.Score, ""
	}
	return det.Score, a.p.InjectionAction
}

func randomCanary() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "cnry" + hex.EncodeToString(b)
}

// retrieve finds the passages for the standalone question and the salient
// lines of what was pasted.
// minConfidence is the handoff threshold for kb: its tuned one when
// recorded, else the configured one.
func (a *Assistant) minConfidence(kb store.KB) float64 {
	if t := kb.Retrieval; t != nil && t.MinConfidence > 0 {
		return t.MinConfidence
	}
	return a.p.MinConfidence
}

func (a *Assistant) retrieve(ctx context.Context, w *work) ([]core.Passage, error) {
	ctx, span := a.d.Tracer.Start(ctx, "retrieve")
	defer span.End()
	began := a.d.Now()
	passages, err := a.d.Retriever.Retrieve(ctx, retrieve.Query{KB: w.kb, Question: w.query, TopK: a.p.TopK, Filter: w.turn.Filter})
	a.d.Observer.Stage("retrieve", a.d.Now().Sub(began))
	span.SetAttributes(attribute.Int("supportd.passages", len(passages)))
	return passages, err
}

// emit sends text to a streaming client: the settled answer's unsent
// pieces, and a model's tokens as they pass the output filter. Its error
// (the client went away) aborts a generation.
func (a *Assistant) emit(ctx context.Context, t Turn, text string) error {
	if t.OnToken == nil || text == "" {
		return nil
	}
	return t.OnToken(ctx, text)
}

// checkBudget refuses a model answer once the client's daily tokens are
// spent, until the next UTC midnight.
func (a *Assistant) checkBudget(ctx context.Context, t Turn) error {
	if a.p.DailyTokenBudget <= 0 || t.ClientID == "" {
		return nil
	}
	spent, err := a.d.Turns.TokensToday(ctx, t.Tenant, t.ClientID)
	if err != nil || spent < a.p.DailyTokenBudget {
		return err
	}
	now := a.d.Now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	return &core.Error{Code: core.CodeBudgetExhausted, RetryAfter: midnight.Sub(now),
		Message: "today's token budget for this client is spent; it resets at 00:00 UTC"}
}

// record stores the turn even when the client has gone: an answer that was
// produced is logged whole. It returns the turn's id. No deadline of the
// request's is put on it: with many streams ending at once the turn waits
// behind other batches of the group commit, and that wait is not a
// failure (the turn log bounds each write itself).
func (a *Assistant) record(ctx context.Context, w *work, o outcome, ans core.Answer) (int64, error) {
	ctx = context.WithoutCancel(ctx)
	review := a.reviewReason(w.turn, ans)
	question, text := w.question, ans.Text
	if a.p.RedactStored {
		question, text = a.redactor.Redact(question), a.redactor.Redact(text)
	}
	id, err := a.d.Turns.SaveTurn(ctx, store.TurnWrite{
		Tenant: w.turn.Tenant, ConversationID: ans.ConversationID, KBID: w.kb.ID, Question: question,
		Answer: text, InjectionScore: w.injection, Citations: ans.Citations, Confidence: clamp01(ans.Confidence), Mode: ans.Mode,
		DegradedReason: ans.DegradedReason, Latency: ans.Latency, ClientID: w.turn.ClientID, Purpose: purpose(w.turn),
		PromptVersion: o.promptVersion, Model: ans.Model, PromptTokens: w.spent.usage.PromptTokens,
		CompletionTokens: w.spent.usage.CompletionTokens, UsageEstimated: w.spent.usage.Estimated, CostUSD: w.spent.cost,
		DroppedCitations: o.dropped, EndUserID: w.turn.EndUserID, CacheKey: o.cacheKey, Review: review,
		TopDocument: topDocument(ans.Retrieved),
	})
	if err == nil && review != "" && a.d.OnReview != nil {
		a.d.OnReview(ctx, core.ReviewQueued{TurnID: id, ConversationID: ans.ConversationID, EndUserID: w.turn.EndUserID,
			Reason: review})
	}
	return id, err
}

// purpose is the turn's purpose, support unless it says otherwise.
func purpose(t Turn) core.Purpose { return cmp.Or(t.Purpose, core.PurposeSupport) }

func topDocument(ps []core.Passage) string {
	if len(ps) == 0 {
		return ""
	}
	return ps[0].SourceURI
}

// reviewReason says why a person should look at this answer, or "".
// Evaluation traffic is never queued.
func (a *Assistant) reviewReason(t Turn, ans core.Answer) string {
	switch {
	case purpose(t) == core.PurposeEvaluation:
		return ""
	case ans.Mode == core.ModeHandoff:
		return "handoff"
	case ans.Mode == core.ModeRefused:
		return "refused"
	case ans.Confidence < a.p.ReviewConfidence:
		return "low_confidence"
	}
	return ""
}

func clamp01(f float64) float64 { return min(1, max(0, f)) }

// validate rejects what no support question is — empty, too long, not
// text, garbled or a flood of repeats — before anything expensive runs, and
// returns the question trimmed.
func (a *Assistant) validate(t Turn) (string, error) {
	if p := purpose(t); p != core.PurposeSupport && p != core.PurposeEvaluation {
		return "", core.Errorf(core.CodeInvalid, "unknown turn purpose %q", t.Purpose)
	}
	q := strings.TrimSpace(t.Question) // surrounding white space does not count
	if r := guard.CheckQuestion(q, guard.QuestionLimits{MaxChars: a.p.MaxQuestionChars}); r != nil {
		a.d.Observer.Guard("rejected_" + string(r.Reason))
		code := core.CodeInvalid
		switch r.Reason {
		case guard.ReasonEmpty:
			code = core.CodeQuestionEmpty
		case guard.ReasonTooLong:
			code = core.CodeQuestionTooLong
		}
		return "", core.Errorf(code, "%s", r.Message)
	}
	return q, nil
}

// conversation returns the turn's conversation id and its recent turns: a
// new id, or the given one after checking that it is a UUID the tenant
// already owns.
func (a *Assistant) conversation(ctx context.Context, t Turn) (string, []store.Turn, error) {
	if t.ConversationID != "" && len(t.History) > 0 {
		return "", nil, core.Errorf(core.CodeInvalid, "a turn continues a stored conversation or carries its history, not both")
	}
	if t.ConversationID == "" {
		history := make([]store.Turn, len(t.History))
		for i, h := range t.History {
			history[i] = store.Turn{Question: h.Question, Answer: h.Answer}
		}
		// Time-ordered (version 7): the turn write appends it to the
		// indexes on conversation ids instead of touching a random page.
		id, err := uuid.NewV7()
		if err != nil {
			return "", nil, core.Errorf(core.CodeInternal, "new conversation id: %v", err)
		}
		return id.String(), history, nil
	}
	id, err := uuid.Parse(t.ConversationID)
	if err != nil {
		return "", nil, core.Errorf(core.CodeInvalid, "conversation_id must be a UUID")
	}
	history, err := a.d.Turns.ConversationTurns(ctx, t.Tenant, id.String(), a.p.HistoryTurns)
	return id.String(), history, err
}

func citedDocs(cs []core.Citation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Document
	}
	return out
}
