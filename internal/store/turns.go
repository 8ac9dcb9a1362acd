package store

import (
	"context"
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
// core.CodeNotFound. It is SaveTurns for one turn: the turn write is one
// statement, which alone keeps the conversation's last turn.
func (s *Store) SaveTurn(ctx context.Context, t TurnWrite) (int64, error) {
	ids, err := s.SaveTurns(ctx, []TurnWrite{t})
	if err != nil {
		return 0, err
	}
	if ids[0] == 0 {
		return 0, core.Errorf(core.CodeNotFound, "conversation %s does not exist", t.ConversationID)
	}
	return ids[0], nil
}

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
