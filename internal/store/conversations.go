package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Conversation is a stored conversation with a summary of its turns.
type Conversation struct {
	ID          string    `json:"id"`
	KB          *string   `json:"kb"` // null once its knowledge base is deleted
	EndUserID   *string   `json:"end_user_id"`
	Turns       int       `json:"turns"`
	CreatedAt   time.Time `json:"created_at"`
	LastTurnAt  time.Time `json:"last_turn_at"`
	FirstPrompt string    `json:"first_question"`
}

// ConversationFilter selects conversations, newest first.
type ConversationFilter struct {
	Tenant    string
	KB        string // empty: every knowledge base
	EndUserID string // empty: every end user
	// Since keeps conversations created at or after it; zero keeps all.
	Since time.Time
	// Before pages: conversations created before this one (its id); empty
	// is the newest.
	Before string
	Limit  int
}

// Conversations lists the tenant's conversations that have turns, newest
// first.
func (s *Store) Conversations(ctx context.Context, f ConversationFilter) ([]Conversation, error) {
	var since *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	rows, err := s.as(f.Tenant).Query(ctx, `
		SELECT c.id::text, kb.name, c.end_user_id, t.n, c.created_at, t.last, t.first
		FROM conversations c
		LEFT JOIN knowledge_bases kb ON kb.id = c.kb_id
		JOIN LATERAL (SELECT count(*)::int AS n, max(created_at) AS last,
			(array_agg(question ORDER BY id))[1] AS first FROM turns WHERE conversation_id = c.id) t ON t.n > 0
		WHERE c.tenant_id = $1 AND ($2 = '' OR kb.name = $2) AND ($3 = '' OR c.end_user_id = $3)
		  AND ($4::timestamptz IS NULL OR c.created_at >= $4)
		  AND ($5 = '' OR (c.created_at, c.id) < (SELECT created_at, id FROM conversations WHERE id::text = $5 AND tenant_id = $1))
		ORDER BY c.created_at DESC, c.id DESC LIMIT $6`,
		f.Tenant, f.KB, f.EndUserID, since, f.Before, max(f.Limit, 1))
	if err != nil {
		return nil, translate(err, "list conversations")
	}
	convs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Conversation])
	return convs, translate(err, "list conversations")
}
