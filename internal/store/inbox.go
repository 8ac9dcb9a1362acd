package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// InboxFilter selects conversations whose last support turn was a handoff
// or a refusal, or whose visitor asked for a person since they were last
// handled.
type InboxFilter struct {
	Tenant string
	// Handled lists conversations an agent marked handled instead of open
	// ones.
	Handled bool
	// Before continues a page: conversations whose last turn is older than
	// this turn id (0: from the newest).
	Before int64
	Limit  int
}

// InboxEntry is one conversation of the handoff inbox.
type InboxEntry struct {
	ConversationID string     `json:"conversation_id"`
	KB             string     `json:"kb"`
	EndUser        string     `json:"end_user,omitempty"`
	LastTurnID     int64      `json:"last_turn_id"`
	LastMode       string     `json:"last_mode"`
	LastQuestion   string     `json:"last_question"`
	DegradedReason string     `json:"degraded_reason,omitempty"`
	LastTurnAt     time.Time  `json:"last_turn_at"`
	Turns          int        `json:"turns"`
	HandledAt      *time.Time `json:"handled_at,omitempty"`
	HandledBy      string     `json:"handled_by,omitempty"`
	// Contact is the email the visitor last left with a request for a
	// person, as stored (redacted when the policy says so); empty when
	// they left none.
	Contact string `json:"contact,omitempty"`
}

// Inbox lists the tenant's handed-off and refused conversations and those
// whose visitor asked for a person, the latest last turn first, in one
// query whatever the page size. The condition repeats the predicate of the
// partial index conversations_inbox so the planner can use it.
func (s *Store) Inbox(ctx context.Context, f InboxFilter) ([]InboxEntry, error) {
	rows, err := s.as(f.Tenant).Query(ctx, `
		SELECT c.id::text, coalesce(k.name, ''), coalesce(c.end_user_id, ''), c.last_turn_id, c.last_mode,
		       coalesce(t.question, ''), coalesce(t.degraded_reason, ''), coalesce(t.created_at, c.created_at),
		       (SELECT count(*) FROM turns n WHERE n.conversation_id = c.id)::int, c.handled_at, c.handled_by,
		       coalesce((SELECT h.email FROM handoff_requests h JOIN turns ht ON ht.id = h.turn_id
		                 WHERE ht.conversation_id = c.id AND h.email <> '' ORDER BY h.id DESC LIMIT 1), '')
		FROM conversations c
		LEFT JOIN knowledge_bases k ON k.id = c.kb_id
		LEFT JOIN turns t ON t.id = c.last_turn_id
		WHERE c.tenant_id = $1 AND (c.last_mode IN ('handoff', 'refused') OR c.person_requested_at IS NOT NULL) AND (c.handled_at IS NOT NULL) = $2
		  AND ($3 = 0 OR c.last_turn_id < $3)
		ORDER BY c.last_turn_id DESC LIMIT $4`, f.Tenant, f.Handled, f.Before, max(f.Limit, 1))
	if err != nil {
		return nil, translate(err, "list the handoff inbox")
	}
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByPos[InboxEntry])
	return entries, translate(err, "list the handoff inbox")
}

// FeedbackNote is a rating of one of a conversation's turns.
type FeedbackNote struct {
	TurnID    int64     `json:"turn_id"`
	Rating    int       `json:"rating"`
	Reason    string    `json:"reason"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
}

// ConversationDetail is everything an agent reads before replying.
type ConversationDetail struct {
	ID        string         `json:"id"`
	KB        string         `json:"kb"`
	EndUser   string         `json:"end_user,omitempty"`
	LastMode  string         `json:"last_mode,omitempty"`
	HandledAt *time.Time     `json:"handled_at,omitempty"`
	HandledBy string         `json:"handled_by,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	Turns     []Turn         `json:"turns"`
	Feedback  []FeedbackNote `json:"feedback"`
	// Handoffs are the visitor's requests for a person, oldest first.
	Handoffs []HandoffNote `json:"handoffs"`
}

// HandoffNote is a visitor's request for a person about a turn, with the
// email they left as stored (redacted when the policy says so).
type HandoffNote struct {
	TurnID    int64     `json:"turn_id"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// maxConversationTurns bounds what one conversation page reads.
const maxConversationTurns = 200

// ConversationDetail reads the tenant's conversation (id a UUID) with its last 200
// turns and their ratings; another tenant's or an unknown one is
// core.CodeNotFound.
func (s *Store) ConversationDetail(ctx context.Context, tenant, id string) (ConversationDetail, error) {
	c := ConversationDetail{ID: id}
	err := s.as(tenant).QueryRow(ctx, `SELECT coalesce(k.name, ''), coalesce(c.end_user_id, ''), coalesce(c.last_mode, ''),
		c.handled_at, c.handled_by, c.created_at,
		coalesce((SELECT json_agg(json_build_object('turn_id', h.turn_id, 'email', h.email, 'created_at', h.created_at) ORDER BY h.id)
		          FROM handoff_requests h JOIN turns t ON t.id = h.turn_id
		          WHERE t.conversation_id = c.id AND h.tenant_id = c.tenant_id), '[]')
		FROM conversations c LEFT JOIN knowledge_bases k ON k.id = c.kb_id
		WHERE c.tenant_id = $1 AND c.id = $2`, tenant, id).Scan(&c.KB, &c.EndUser, &c.LastMode, &c.HandledAt, &c.HandledBy, &c.CreatedAt,
		&c.Handoffs)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, core.Errorf(core.CodeNotFound, "conversation %s does not exist", id)
	}
	if err != nil {
		return c, translate(err, "read conversation")
	}
	if c.Turns, err = s.ConversationTurns(ctx, tenant, id, maxConversationTurns); err != nil && core.ErrorCode(err) != core.CodeNotFound {
		return c, err
	}
	rows, err := s.as(tenant).Query(ctx, `SELECT f.turn_id, f.rating, f.reason, f.comment, f.created_at
		FROM feedback f JOIN turns t ON t.id = f.turn_id
		WHERE t.conversation_id = $2 AND f.tenant_id = $1 ORDER BY f.id`, tenant, id)
	if err != nil {
		return c, translate(err, "read conversation feedback")
	}
	c.Feedback, err = pgx.CollectRows(rows, pgx.RowToStructByPos[FeedbackNote])
	return c, translate(err, "read conversation feedback")
}

// MarkHandled records that an agent took care of the tenant's
// conversation, and audits it; an unknown one is core.CodeNotFound. The
// conversation's next turn reopens it.
func (s *Store) MarkHandled(ctx context.Context, tenant, id, actor string) error {
	return s.inTx(ctx, tenant, "mark conversation handled", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE conversations SET handled_at = coalesce(handled_at, now()),
			handled_by = CASE WHEN handled_at IS NULL THEN $3 ELSE handled_by END
			WHERE tenant_id = $1 AND id = $2`, tenant, id, actor)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return core.Errorf(core.CodeNotFound, "conversation %s does not exist", id)
		}
		return audit(ctx, tx, AuditEntry{Tenant: tenant, Actor: actor, Action: "conversation.handled", Target: id})
	})
}
