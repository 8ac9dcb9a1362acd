package store

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// TurnWrite is one answered question to record.
type TurnWrite struct {
	Tenant         string
	ConversationID string // a UUID; the conversation is created with its first turn
	KBID           int64
	Question       string
	Answer         string
	Citations      []core.Citation
	Confidence     float64
	Mode           core.Mode
	DegradedReason string
	Latency        time.Duration
	// ClientID is who asked (an API key or address), for usage budgets.
	ClientID string
	// Purpose is why it was asked; evaluation turns are kept out of
	// drift reports and golden-set candidates. Empty means support.
	Purpose          core.Purpose
	PromptVersion    string
	Model            string
	PromptTokens     int
	CompletionTokens int
	// UsageEstimated says some tokens were counted by the tokenizer, the
	// provider having reported none (a failed or cut generation).
	UsageEstimated bool
	CostUSD        float64
	// DroppedCitations counts ids the model cited that were not in its context.
	DroppedCitations int
	// EndUserID is the caller's opaque id for the person asking, set on
	// the conversation when it is created.
	EndUserID string
	// CacheKey is the answer-cache entry this turn filled or read.
	CacheKey       string
	InjectionScore float64
	// Review, when set, queues the turn for a person with this reason.
	Review string
	// TopDocument is the document the question retrieved first.
	TopDocument string
}

// Turn is a stored turn.
type Turn struct {
	ID             int64           `json:"id"`
	ConversationID string          `json:"conversation_id"`
	Question       string          `json:"question"`
	Answer         string          `json:"answer"`
	Citations      []core.Citation `json:"citations"`
	Confidence     float64         `json:"confidence"`
	Mode           core.Mode       `json:"mode"`
	DegradedReason string          `json:"degraded_reason,omitempty"`
	LatencyMS      int             `json:"latency_ms"`
	CreatedAt      time.Time       `json:"created_at"`
}

// SaveTurn records a turn, creating its conversation on first use, in one
// transaction so a turn is either stored whole or not at all. It returns the
// turn's id. A conversation id owned by another tenant is
// core.CodeNotFound.
func (s *Store) SaveTurn(ctx context.Context, t TurnWrite) (int64, error) {
	citations := t.Citations
	if citations == nil {
		citations = []core.Citation{}
	}
	var id int64
	err := s.as(t.Tenant).QueryRow(ctx, saveTurnSQL,
		t.Tenant, t.ConversationID, t.KBID, t.Question, t.Answer, citations,
		t.Confidence, string(t.Mode), t.DegradedReason, t.Latency.Milliseconds(), t.ClientID, t.PromptVersion,
		t.Model, t.PromptTokens, t.CompletionTokens, t.CostUSD, t.DroppedCitations, t.CacheKey, t.InjectionScore, t.TopDocument,
		t.EndUserID, t.Review, string(cmp.Or(t.Purpose, core.PurposeSupport)), t.UsageEstimated).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, core.Errorf(core.CodeNotFound, "conversation %s does not exist", t.ConversationID)
	}
	return id, translate(err, "save turn")
}

// saveTurnSQL records a turn in one statement, so one round trip and one
// implicit transaction: the conversation is created on first use (or, when
// it exists for the same tenant, adopts the end user if it had none), and
// only then are the turn, its review item and its usage written. A
// conversation of another tenant matches no row, so nothing is written and
// no row comes back.
const saveTurnSQL = `
WITH existing AS (
	SELECT id FROM conversations WHERE id = $2 AND tenant_id = $1
), adopt AS (
	UPDATE conversations SET end_user_id = nullif($21, '')
	WHERE id = $2 AND tenant_id = $1 AND end_user_id IS NULL AND nullif($21, '') IS NOT NULL
), created AS (
	INSERT INTO conversations (id, tenant_id, kb_id, end_user_id)
	SELECT $2, $1, $3, nullif($21, '') WHERE NOT EXISTS (SELECT 1 FROM existing)
	ON CONFLICT (id) DO NOTHING
	RETURNING id
), conv AS (
	SELECT id FROM existing UNION ALL SELECT id FROM created
), ins AS (
	INSERT INTO turns (tenant_id, conversation_id, kb_id, question, answer, citations,
	                   confidence, mode, degraded_reason, latency_ms, client_id, prompt_version,
	                   model, prompt_tokens, completion_tokens, cost_usd, dropped_citations, cache_key,
	                   injection_score, top_document, end_user_id, purpose, usage_estimated)
	SELECT $1, conv.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, nullif($21, ''), $23, $24
	FROM conv
	RETURNING id
), review AS (
	INSERT INTO review_items (tenant_id, turn_id, reason) SELECT $1, ins.id, $22 FROM ins WHERE $22 <> ''
), usage AS (
	INSERT INTO usage_daily (tenant_id, client_id, day, tokens, cost_usd)
	SELECT $1, $11, (now() AT TIME ZONE 'UTC')::date, $14::int + $15::int, $16 FROM ins WHERE $14::int + $15::int > 0
	ON CONFLICT (tenant_id, client_id, day)
	DO UPDATE SET tokens = usage_daily.tokens + EXCLUDED.tokens, cost_usd = usage_daily.cost_usd + EXCLUDED.cost_usd
)
SELECT id FROM ins`

// ConversationTurns returns the tenant's conversation, oldest turn first, or
// core.CodeNotFound when it does not exist for that tenant.
func (s *Store) ConversationTurns(ctx context.Context, tenant, conversationID string, limit int) ([]Turn, error) {
	rows, err := s.as(tenant).Query(ctx, `
		SELECT * FROM (
			SELECT t.id, t.conversation_id::text, t.question, t.answer, t.citations, t.confidence,
			       t.mode, t.degraded_reason, t.latency_ms, t.created_at
			FROM turns t JOIN conversations c ON c.id = t.conversation_id
			WHERE c.id = $2 AND c.tenant_id = $1
			ORDER BY t.id DESC LIMIT $3
		) last ORDER BY id`, tenant, conversationID, limit)
	if err != nil {
		return nil, translate(err, "read conversation")
	}
	turns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Turn])
	if err != nil {
		return nil, translate(err, "read conversation")
	}
	if len(turns) == 0 {
		return nil, core.Errorf(core.CodeNotFound, "conversation %s does not exist", conversationID)
	}
	return turns, nil
}

// TokensToday returns the tokens the client has spent on the current UTC day.
func (s *Store) TokensToday(ctx context.Context, tenant, clientID string) (int64, error) {
	var n int64
	err := s.as(tenant).QueryRow(ctx, `
		SELECT coalesce(sum(tokens), 0) FROM usage_daily
		WHERE tenant_id = $1 AND client_id = $2 AND day = (now() AT TIME ZONE 'UTC')::date`,
		tenant, clientID).Scan(&n)
	return n, translate(err, "read token usage")
}
