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
	Answer(question string, passages []core.Passage) extract.Result
	Confidence(question string, passages []core.Passage) float64
}

// TurnLog stores turns and reads conversations and usage back. Reads fail
// with core.CodeNotFound for another tenant's conversation.
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

// Assistant answers turns.
type Assistant struct {
	d        Deps
	p        Params
	detector *guard.Detector
	redactor *guard.Redactor
	filter   *guard.OutputFilter // nil without a model
}

// Params tunes an Assistant.
type Params struct {
	TopK             int           // passages per question; default 5
	MaxQuestionChars int           // default 2000
	SaveTimeout      time.Duration // writing the turn; default 5 s
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
	OnReview func(ctx context.Context, turnID int64, reason string)
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
	p.MaxQuestionChars = cmp.Or(p.MaxQuestionChars, 2000)
	p.SaveTimeout = cmp.Or(p.SaveTimeout, 5*time.Second)
	p.MinConfidence = cmp.Or(p.MinConfidence, extract.DefaultMinConfidence)
	p.HistoryTurns = cmp.Or(p.HistoryTurns, 6)
	p.MaxTokens = cmp.Or(p.MaxTokens, 512)
	p.ReviewConfidence = cmp.Or(p.ReviewConfidence, 0.5)
	p.InjectionAction = cmp.Or(p.InjectionAction, "handoff")
	p.InjectionThreshold = cmp.Or(p.InjectionThreshold, guard.DefaultThreshold)
	if len(p.Canary) < 16 {
		p.Canary = randomCanary()
	}
	a := &Assistant{d: d, p: p, detector: guard.NewDetector(), redactor: guard.NewRedactor(guard.DefaultRedactOptions())}
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
	Filter         map[string]any
	// ClientID identifies the caller for usage budgets.
	ClientID string
	// EndUserID is the caller's opaque id for the person asking, so their
	// data can be deleted with one call.
	EndUserID string
	// OnToken, when set, receives the answer as it is produced (streaming).
	// Its error aborts a model generation.
	OnToken func(ctx context.Context, text string) error
	// History, for a turn without ConversationID, stands in for the
	// stored conversation (evaluation cases carry their own).
	History []Exchange
	// SkipCache answers afresh even when a cached answer exists, so an
	// evaluation measures the pipeline rather than the cache.
	SkipCache bool
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

func (a *Assistant) answer(ctx context.Context, t Turn, start time.Time) (core.Answer, error) {
	question, err := a.validate(t.Question)
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
	w := &work{turn: t, kb: kb, question: question}
	if !a.screen(ctx, w) {
		w.standalone = a.standalone(ctx, w, history)
		if err := a.respond(ctx, w); err != nil {
			return core.Answer{}, err
		}
	}
	w.ans.ConversationID = conv
	w.ans.Latency = a.d.Now().Sub(start)
	if err := a.record(ctx, w); err != nil {
		return core.Answer{}, err
	}
	a.d.Observer.Stage("total", w.ans.Latency)
	a.d.Observer.Answered(w.ans, w.dropped)
	a.d.Log.InfoContext(ctx, "answer", "request_id", core.RequestID(ctx), "tenant", t.Tenant, "kb", kb.Name, "turn_id", w.ans.TurnID,
		"mode", w.ans.Mode, "degraded_reason", w.ans.DegradedReason, "confidence", w.ans.Confidence,
		"latency_ms", w.ans.Latency.Milliseconds(), "model", w.ans.Model, "prompt_version", w.promptVersion,
		"prompt_tokens", w.usage.PromptTokens, "completion_tokens", w.usage.CompletionTokens,
		"dropped_citations", w.dropped, "cited", citedDocs(w.ans.Citations))
	return w.ans, nil
}

// work is one turn in progress.
type work struct {
	turn          Turn
	kb            store.KB
	question      string // as asked, trimmed
	standalone    string // with the conversation's context folded in
	ans           core.Answer
	usage         llm.Usage
	cost          float64
	promptVersion string
	dropped       int
	cacheKey      string
	injection     float64
}

// RefusalText is the answer to a question taken for an attack on the
// assistant rather than a support question.
const RefusalText = "I can only help with questions about our product and its help articles. Could you rephrase your question?"

// screen scores the question for prompt injection and, past the threshold,
// refuses or hands off instead of answering (per InjectionAction). It
// reports whether it settled the turn.
func (a *Assistant) screen(ctx context.Context, w *work) bool {
	det := a.detector.Score(w.question)
	w.injection = det.Score
	if det.Score < a.p.InjectionThreshold {
		return false
	}
	a.d.Observer.Guard("injection")
	a.d.Log.WarnContext(ctx, "prompt injection suspected", "request_id", core.RequestID(ctx), "tenant", w.turn.Tenant,
		"score", det.Score, "signals", det.Signals, "action", a.p.InjectionAction)
	switch a.p.InjectionAction {
	case "refuse":
		w.ans = core.Answer{Text: RefusalText, Citations: []core.Citation{}, Mode: core.ModeRefused, DegradedReason: "prompt_injection"}
		emit(ctx, w.turn, RefusalText)
		return true
	case "handoff":
		a.handoff(ctx, w, "prompt_injection")
		return true
	}
	return false
}

func randomCanary() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "cnry" + hex.EncodeToString(b)
}

// respond fills w.ans: from the cache, the model chain, the extractive
// answerer, or a handoff.
func (a *Assistant) respond(ctx context.Context, w *work) error {
	if a.cached(ctx, w) {
		return nil
	}
	rctx, span := a.d.Tracer.Start(ctx, "retrieve")
	began := a.d.Now()
	passages, err := a.d.Retriever.Retrieve(rctx, retrieve.Query{KB: w.kb, Question: w.standalone, TopK: a.p.TopK, Filter: w.turn.Filter})
	a.d.Observer.Stage("retrieve", a.d.Now().Sub(began))
	span.SetAttributes(attribute.Int("supportd.passages", len(passages)))
	span.End()
	w.ans.Retrieved = passages
	if err != nil {
		if core.ErrorCode(err) == core.CodeUpstreamTimeout {
			a.handoff(ctx, w, "retrieval_timeout")
			return nil
		}
		return err
	}
	if a.d.Generator == nil {
		a.extractive(ctx, w, passages, "", "")
		return nil
	}
	w.ans.Confidence = a.d.Extractor.Confidence(w.standalone, passages)
	if w.ans.Confidence < a.p.MinConfidence {
		a.handoff(ctx, w, "low_confidence")
		return nil
	}
	if err := a.checkBudget(ctx, w.turn); err != nil {
		return err
	}
	return a.generate(ctx, w, passages)
}

// extractive answers from the passages alone; prefix is text already sent
// to a streaming client, reason why the model did not answer.
func (a *Assistant) extractive(ctx context.Context, w *work, passages []core.Passage, prefix, reason string) {
	res := a.d.Extractor.Answer(w.standalone, passages)
	w.ans.Text, w.ans.Citations, w.ans.Confidence = prefix+res.Text, res.Citations, res.Confidence
	w.ans.Mode, w.ans.DegradedReason = core.ModeExtractive, reason
	if res.Handoff {
		w.ans.Mode, w.ans.DegradedReason = core.ModeHandoff, cmp.Or(reason, "low_confidence")
	}
	emit(ctx, w.turn, res.Text)
}

func (a *Assistant) handoff(ctx context.Context, w *work, reason string) {
	w.ans.Text, w.ans.Citations = extract.HandoffText, []core.Citation{}
	w.ans.Mode, w.ans.DegradedReason = core.ModeHandoff, reason
	emit(ctx, w.turn, extract.HandoffText)
}

// emit sends text to a streaming client; a client that went away is
// noticed by the caller through ctx.
func emit(ctx context.Context, t Turn, text string) {
	if t.OnToken != nil && text != "" {
		_ = t.OnToken(ctx, text)
	}
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
// produced is logged whole, within its own deadline.
func (a *Assistant) record(ctx context.Context, w *work) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.p.SaveTimeout)
	defer cancel()
	if w.ans.Citations == nil {
		w.ans.Citations = []core.Citation{}
	}
	review := a.reviewReason(w)
	question, answer := w.question, w.ans.Text
	if a.p.RedactStored {
		question, answer = a.redactor.Redact(question), a.redactor.Redact(answer)
	}
	id, err := a.d.Turns.SaveTurn(ctx, store.TurnWrite{
		Tenant: w.turn.Tenant, ConversationID: w.ans.ConversationID, KBID: w.kb.ID, Question: question,
		Answer: answer, InjectionScore: w.injection, Citations: w.ans.Citations, Confidence: clamp01(w.ans.Confidence), Mode: w.ans.Mode,
		DegradedReason: w.ans.DegradedReason, Latency: w.ans.Latency, ClientID: w.turn.ClientID,
		PromptVersion: w.promptVersion, Model: w.ans.Model, PromptTokens: w.usage.PromptTokens,
		CompletionTokens: w.usage.CompletionTokens, CostUSD: w.cost, DroppedCitations: w.dropped,
		EndUserID: w.turn.EndUserID, CacheKey: w.cacheKey, Review: review, TopDocument: topDocument(w.ans.Retrieved),
	})
	w.ans.TurnID = id
	if err == nil && review != "" && a.d.OnReview != nil {
		a.d.OnReview(ctx, id, review)
	}
	return err
}

func topDocument(ps []core.Passage) string {
	if len(ps) == 0 {
		return ""
	}
	return ps[0].SourceURI
}

// reviewReason says why a person should look at this answer, or "".
// Evaluation traffic is never queued.
func (a *Assistant) reviewReason(w *work) string {
	switch {
	case w.turn.ClientID == "eval":
		return ""
	case w.ans.Mode == core.ModeHandoff:
		return "handoff"
	case w.ans.Mode == core.ModeRefused:
		return "refused"
	case w.ans.Confidence < a.p.ReviewConfidence:
		return "low_confidence"
	}
	return ""
}

func clamp01(f float64) float64 { return min(1, max(0, f)) }

// validate rejects what no support question is — empty, too long, not
// text, garbled or a flood of repeats — before anything expensive runs.
func (a *Assistant) validate(q string) (string, error) {
	q = strings.TrimSpace(q) // surrounding white space does not count
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
	if t.ConversationID == "" {
		history := make([]store.Turn, len(t.History))
		for i, h := range t.History {
			history[i] = store.Turn{Question: h.Question, Answer: h.Answer}
		}
		return uuid.NewString(), history, nil
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
