package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// HandoffRequest is a visitor asking for a person about a turn of their
// conversation.
type HandoffRequest struct {
	TurnID int64
	// ConversationID must be the turn's, as for feedback: only the
	// conversation's participant knows it.
	ConversationID string
	// Email is where the visitor wants the reply; empty when they left
	// none.
	Email string
}

// HandoffTurn is what a handoff request was about.
type HandoffTurn struct {
	RequestID int64
	KB        string
	EndUser   string
	// Queued is true when the request put the turn in the review queue
	// (it was not there already).
	Queued bool
}

// AddHandoffRequest records a visitor's request for a person, puts the
// conversation in the handoff inbox (reopening it if it was handled) and
// queues the turn for review ("handoff_requested"). An unknown turn, or one of
// another conversation or tenant, is core.CodeNotFound.
func (s *Store) AddHandoffRequest(ctx context.Context, tenant string, h HandoffRequest) (HandoffTurn, error) {
	var out HandoffTurn
	err := s.inTx(ctx, tenant, "add handoff request", func(tx pgx.Tx) error {
		var err error
		if out.KB, out.EndUser, err = conversationTurn(ctx, tx, tenant, h.TurnID, h.ConversationID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO handoff_requests (tenant_id, turn_id, email) VALUES ($1, $2, $3) RETURNING id`,
			tenant, h.TurnID, h.Email).Scan(&out.RequestID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE conversations SET person_requested_at = now(), handled_at = NULL, handled_by = ''
			WHERE tenant_id = $1 AND id = $2`, tenant, h.ConversationID); err != nil {
			return err
		}
		out.Queued, err = queueReview(ctx, tx, tenant, h.TurnID, "handoff_requested")
		return err
	})
	return out, err
}
