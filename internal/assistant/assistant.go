package assistant

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"supportd/internal/extract"
	"supportd/internal/retrieve"
	"supportd/internal/store"
	"supportd/internal/support"
)

// KBs resolves a tenant's knowledge base by name; unknown names fail with
// support.CodeKBNotFound.
type KBs interface {
	KB(ctx context.Context, tenant, name string) (store.KB, error)
}

// Retriever finds passages for a question, best first. It fails with
// support.CodeUpstreamTimeout when it overruns its deadline and
// support.CodeUnavailable when the database is down.
type Retriever interface {
	Retrieve(ctx context.Context, q retrieve.Query) ([]support.Passage, error)
}

// Extractor builds an answer from passages alone, without a model.
type Extractor interface {
	Answer(question string, passages []support.Passage) extract.Result
}

// TurnLog stores turns and reads conversations back. Both fail with
// support.CodeNotFound for another tenant's conversation.
type TurnLog interface {
	SaveTurn(ctx context.Context, t store.TurnWrite) (int64, error)
	ConversationTurns(ctx context.Context, tenant, conversationID string, limit int) ([]store.Turn, error)
}

// Assistant answers turns.
type Assistant struct {
	kbs       KBs
	retriever Retriever
	extractor Extractor
	turns     TurnLog
	log       *slog.Logger
	now       func() time.Time
	p         Params
}

// Params tunes an Assistant.
type Params struct {
	TopK             int           // passages per question; default 5
	MaxQuestionChars int           // default 2000
	SaveTimeout      time.Duration // writing the turn; default 5 s
}

// Deps are an Assistant's collaborators; all are required except Now.
type Deps struct {
	KBs       KBs
	Retriever Retriever
	Extractor Extractor
	Turns     TurnLog
	Log       *slog.Logger
	Now       func() time.Time
}

// New returns an Assistant; it panics when a required dependency is
// missing, which is a wiring bug.
func New(d Deps, p Params) *Assistant {
	if d.KBs == nil || d.Retriever == nil || d.Extractor == nil || d.Turns == nil || d.Log == nil {
		panic("assistant.New: missing dependency")
	}
	p.TopK = cmp.Or(p.TopK, 5)
	p.MaxQuestionChars = cmp.Or(p.MaxQuestionChars, 2000)
	p.SaveTimeout = cmp.Or(p.SaveTimeout, 5*time.Second)
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Assistant{kbs: d.KBs, retriever: d.Retriever, extractor: d.Extractor, turns: d.Turns,
		log: d.Log, now: d.Now, p: p}
}

// Turn is one question to answer.
type Turn struct {
	Tenant         string
	KB             string
	Question       string
	ConversationID string // empty starts a new conversation
	Filter         map[string]any
}

// Answer answers t and records it. Invalid input fails before anything
// expensive runs; a slow retrieval degrades to an honest handoff; only a
// database that cannot record the turn makes it fail (support.CodeUnavailable).
func (a *Assistant) Answer(ctx context.Context, t Turn) (support.Answer, error) {
	start := a.now()
	question, err := a.validate(t.Question)
	if err != nil {
		return support.Answer{}, err
	}
	kb, err := a.kbs.KB(ctx, t.Tenant, t.KB)
	if err != nil {
		return support.Answer{}, err
	}
	conv, err := a.conversation(ctx, t)
	if err != nil {
		return support.Answer{}, err
	}
	ans := a.respond(ctx, kb, question, t.Filter)
	if ans.Mode == "" {
		return support.Answer{}, ans.err
	}
	ans.ConversationID = conv
	ans.Latency = a.now().Sub(start)
	if err := a.record(ctx, t.Tenant, kb, question, &ans.Answer); err != nil {
		return support.Answer{}, err
	}
	a.log.InfoContext(ctx, "answer", "tenant", t.Tenant, "kb", kb.Name, "turn_id", ans.TurnID,
		"mode", ans.Mode, "degraded_reason", ans.DegradedReason, "confidence", ans.Confidence,
		"latency_ms", ans.Latency.Milliseconds(), "cited", citedDocs(ans.Citations))
	return ans.Answer, nil
}

// outcome is an answer, or the error that prevented one (Mode empty).
type outcome struct {
	support.Answer
	err error
}

// respond retrieves and answers; failures that still allow an honest
// answer become a handoff with the reason, the rest are returned.
func (a *Assistant) respond(ctx context.Context, kb store.KB, question string, filter map[string]any) outcome {
	passages, err := a.retriever.Retrieve(ctx, retrieve.Query{KB: kb, Question: question, TopK: a.p.TopK, Filter: filter})
	if err != nil {
		if support.ErrorCode(err) == support.CodeUpstreamTimeout {
			return outcome{Answer: handoff("retrieval_timeout")}
		}
		return outcome{err: err}
	}
	res := a.extractor.Answer(question, passages)
	ans := support.Answer{Text: res.Text, Citations: res.Citations, Confidence: res.Confidence, Mode: support.ModeExtractive}
	if res.Handoff {
		ans.Mode = support.ModeHandoff
		ans.DegradedReason = "low_confidence"
	}
	if ans.Citations == nil {
		ans.Citations = []support.Citation{}
	}
	return outcome{Answer: ans}
}

func handoff(reason string) support.Answer {
	return support.Answer{Text: extract.HandoffText, Citations: []support.Citation{}, Mode: support.ModeHandoff, DegradedReason: reason}
}

// record stores the turn even when the client has gone: an answer that was
// produced is logged whole, within its own deadline.
func (a *Assistant) record(ctx context.Context, tenant string, kb store.KB, question string, ans *support.Answer) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.p.SaveTimeout)
	defer cancel()
	id, err := a.turns.SaveTurn(ctx, store.TurnWrite{
		Tenant: tenant, ConversationID: ans.ConversationID, KBID: kb.ID, Question: question,
		Answer: ans.Text, Citations: ans.Citations, Confidence: ans.Confidence, Mode: ans.Mode,
		DegradedReason: ans.DegradedReason, Latency: ans.Latency,
	})
	ans.TurnID = id
	return err
}

func (a *Assistant) validate(q string) (string, error) {
	if !utf8.ValidString(q) {
		return "", support.Errorf(support.CodeInvalid, "question is not valid UTF-8")
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return "", support.Errorf(support.CodeQuestionEmpty, "question is empty")
	}
	if n := utf8.RuneCountInString(q); n > a.p.MaxQuestionChars {
		return "", support.Errorf(support.CodeQuestionTooLong, "question has %d characters; the limit is %d", n, a.p.MaxQuestionChars)
	}
	return q, nil
}

// conversation returns the turn's conversation id: a new one, or the given
// one after checking that it is a UUID the tenant already owns.
func (a *Assistant) conversation(ctx context.Context, t Turn) (string, error) {
	if t.ConversationID == "" {
		return uuid.NewString(), nil
	}
	id, err := uuid.Parse(t.ConversationID)
	if err != nil {
		return "", support.Errorf(support.CodeInvalid, "conversation_id must be a UUID")
	}
	_, err = a.turns.ConversationTurns(ctx, t.Tenant, id.String(), 1)
	if err != nil && !errors.Is(err, context.Canceled) {
		return "", err
	}
	return id.String(), err
}

func citedDocs(cs []support.Citation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Document
	}
	return out
}
