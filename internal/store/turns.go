package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/support"
)

// TurnWrite is one answered question to record.
type TurnWrite struct {
	Tenant         string
	ConversationID string // a UUID; the conversation is created with its first turn
	KBID           int64
	Question       string
	Answer         string
	Citations      []support.Citation
	Confidence     float64
	Mode           support.Mode
	DegradedReason string
	Latency        time.Duration
}

// Turn is a stored turn.
type Turn struct {
	ID             int64              `json:"id"`
	ConversationID string             `json:"conversation_id"`
	Question       string             `json:"question"`
	Answer         string             `json:"answer"`
	Citations      []support.Citation `json:"citations"`
	Confidence     float64            `json:"confidence"`
	Mode           support.Mode       `json:"mode"`
	DegradedReason string             `json:"degraded_reason,omitempty"`
	LatencyMS      int                `json:"latency_ms"`
	CreatedAt      time.Time          `json:"created_at"`
}

// SaveTurn records a turn, creating its conversation on first use, in one
// transaction so a turn is either stored whole or not at all. It returns the
// turn's id. A conversation id owned by another tenant is
// support.CodeNotFound.
func (s *Store) SaveTurn(ctx context.Context, t TurnWrite) (int64, error) {
	var id int64
	err := s.inTx(ctx, "save turn", func(tx pgx.Tx) error {
		var owner string
		err := tx.QueryRow(ctx, `
			WITH ins AS (
				INSERT INTO conversations (id, tenant_id, kb_id) VALUES ($1, $2, $3)
				ON CONFLICT (id) DO NOTHING RETURNING tenant_id
			)
			SELECT tenant_id FROM ins UNION ALL SELECT tenant_id FROM conversations WHERE id = $1`,
			t.ConversationID, t.Tenant, t.KBID).Scan(&owner)
		if err != nil {
			return err
		}
		if owner != t.Tenant {
			return support.Errorf(support.CodeNotFound, "conversation %s does not exist", t.ConversationID)
		}
		citations := t.Citations
		if citations == nil {
			citations = []support.Citation{}
		}
		return tx.QueryRow(ctx, `
			INSERT INTO turns (tenant_id, conversation_id, kb_id, question, answer, citations,
			                   confidence, mode, degraded_reason, latency_ms)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			t.Tenant, t.ConversationID, t.KBID, t.Question, t.Answer, citations,
			t.Confidence, string(t.Mode), t.DegradedReason, t.Latency.Milliseconds()).Scan(&id)
	})
	return id, err
}

// ConversationTurns returns the tenant's conversation, oldest turn first, or
// support.CodeNotFound when it does not exist for that tenant.
func (s *Store) ConversationTurns(ctx context.Context, tenant, conversationID string, limit int) ([]Turn, error) {
	rows, err := s.pool.Query(ctx, `
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
		return nil, support.Errorf(support.CodeNotFound, "conversation %s does not exist", conversationID)
	}
	return turns, nil
}
