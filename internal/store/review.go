package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// Feedback is a rating of a turn.
type Feedback struct {
	TurnID int64
	// ConversationID must be the turn's: turn ids are sequential, the
	// conversation id is not guessable, so only the conversation's
	// participant can rate its turns.
	ConversationID string
	Rating         int // 1 up, -1 down
	Reason         string
	Comment        string
}

// FeedbackAdded is what storing a rating found and did.
type FeedbackAdded struct {
	// KB and EndUser are the turn's knowledge base and end user.
	KB, EndUser string
	// Queued says whether the rating queued the turn for review.
	Queued bool
}

// AddFeedback stores a rating of one of the tenant's turns and, for a
// thumbs-down, queues the turn for review. Another tenant's or an unknown
// turn is core.CodeNotFound.
func (s *Store) AddFeedback(ctx context.Context, tenant string, f Feedback) (FeedbackAdded, error) {
	var out FeedbackAdded
	err := s.inTx(ctx, tenant, "add feedback", func(tx pgx.Tx) error {
		var err error
		if out.KB, out.EndUser, err = conversationTurn(ctx, tx, tenant, f.TurnID, f.ConversationID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO feedback (tenant_id, turn_id, rating, reason, comment) VALUES ($1, $2, $3, $4, $5)`,
			tenant, f.TurnID, f.Rating, f.Reason, f.Comment); err != nil {
			return err
		}
		if f.Rating >= 0 {
			return nil
		}
		out.Queued, err = queueReview(ctx, tx, tenant, f.TurnID, "thumbs_down")
		return err
	})
	return out, err
}

// conversationTurn returns the knowledge base and end user of one of the
// tenant's turns in the given conversation; any other turn is
// core.CodeNotFound.
func conversationTurn(ctx context.Context, tx pgx.Tx, tenant string, turnID int64, conversationID string) (kb, endUser string, err error) {
	err = tx.QueryRow(ctx, `SELECT coalesce(k.name, ''), coalesce(t.end_user_id, '') FROM turns t
		LEFT JOIN knowledge_bases k ON k.id = t.kb_id
		WHERE t.id = $1 AND t.tenant_id = $2 AND t.conversation_id::text = $3`, turnID, tenant, conversationID).Scan(&kb, &endUser)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", core.Errorf(core.CodeNotFound, "turn %d does not exist", turnID)
	}
	return kb, endUser, err
}

// queueReview puts a turn in the review queue for reason, or puts it back
// (relabelling cleared) when it was resolved or queued for another reason;
// it says whether the queue changed.
func queueReview(ctx context.Context, tx pgx.Tx, tenant string, turnID int64, reason string) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO review_items (tenant_id, turn_id, reason) VALUES ($1, $2, $3)
		ON CONFLICT (turn_id) DO UPDATE SET reason = $3, status = 'pending', resolved_at = NULL,
		    label = '', corrected_answer = '', expected_sources = '{}', missing_document = '', required_facts = '{}',
		    resolved_by = '', export_id = NULL, created_at = now()
		WHERE review_items.status = 'resolved' OR review_items.reason <> $3`, tenant, turnID, reason)
	return tag.RowsAffected() > 0, err
}

// FeedbackCount is ratings of one knowledge base or document.
type FeedbackCount struct {
	Name string `json:"name"`
	Up   int    `json:"up"`
	Down int    `json:"down"`
}

// FeedbackSummary counts the tenant's ratings per knowledge base and per
// cited document of kb ("" for every knowledge base).
func (s *Store) FeedbackSummary(ctx context.Context, tenant, kb string) (byKB, byDoc []FeedbackCount, err error) {
	rows, err := s.as(tenant).Query(ctx, `
		SELECT coalesce(k.name, ''), count(*) FILTER (WHERE f.rating > 0), count(*) FILTER (WHERE f.rating < 0)
		FROM feedback f JOIN turns t ON t.id = f.turn_id LEFT JOIN knowledge_bases k ON k.id = t.kb_id
		WHERE f.tenant_id = $1 AND ($2 = '' OR k.name = $2) GROUP BY 1 ORDER BY 1`, tenant, kb)
	if err != nil {
		return nil, nil, translate(err, "summarise feedback")
	}
	if byKB, err = pgx.CollectRows(rows, pgx.RowToStructByPos[FeedbackCount]); err != nil {
		return nil, nil, translate(err, "summarise feedback")
	}
	rows, err = s.as(tenant).Query(ctx, `
		SELECT c->>'document', count(*) FILTER (WHERE f.rating > 0), count(*) FILTER (WHERE f.rating < 0)
		FROM feedback f JOIN turns t ON t.id = f.turn_id LEFT JOIN knowledge_bases k ON k.id = t.kb_id,
		     jsonb_array_elements(t.citations) c
		WHERE f.tenant_id = $1 AND ($2 = '' OR k.name = $2) GROUP BY 1 ORDER BY 3 DESC, 1`, tenant, kb)
	if err != nil {
		return nil, nil, translate(err, "summarise feedback")
	}
	byDoc, err = pgx.CollectRows(rows, pgx.RowToStructByPos[FeedbackCount])
	return byKB, byDoc, translate(err, "summarise feedback")
}

// ReviewItem is a queued turn with what a reviewer needs to judge it, and
// once resolved, the reviewer's verdict.
type ReviewItem struct {
	ID             int64  `json:"id"`
	TurnID         int64  `json:"turn_id"`
	ConversationID string `json:"conversation_id"`
	EndUser        string `json:"end_user,omitempty"`
	KB             string `json:"kb"`
	Reason         string `json:"reason"`
	Status         string `json:"status"`
	// History is the conversation's earlier turns, oldest first (at most
	// 10), so a follow-up question can be judged in context.
	History    []Exchange      `json:"history"`
	Question   string          `json:"question"`
	Answer     string          `json:"answer"`
	Mode       string          `json:"mode"`
	Confidence float64         `json:"confidence"`
	Citations  []core.Citation `json:"citations"`
	// FeedbackReason and FeedbackComment are those of the latest
	// thumbs-down that gave either.
	FeedbackReason  string `json:"feedback_reason,omitempty"`
	FeedbackComment string `json:"feedback_comment,omitempty"`
	Label           string `json:"label,omitempty"`
	CorrectedAnswer string `json:"corrected_answer,omitempty"`
	// ExpectedSources are the documents the answer should have cited;
	// MissingDocument names one the knowledge base lacks.
	ExpectedSources []string   `json:"expected_sources,omitempty"`
	MissingDocument string     `json:"missing_document,omitempty"`
	RequiredFacts   []string   `json:"required_facts,omitempty"`
	ResolvedBy      string     `json:"resolved_by,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	// ExportID is the golden-set export that included the item.
	ExportID *int64 `json:"export_id,omitempty"`
	// DocumentID, Document (its source URI) and Flags are set, and the
	// turn's fields empty, on an item about a quarantined document
	// (reason "quarantined_document").
	DocumentID int64    `json:"document_id,omitempty"`
	Document   string   `json:"document,omitempty"`
	Flags      []string `json:"flags,omitempty"`
}

// Exchange is one earlier question and its answer.
type Exchange struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

const reviewSelect = `SELECT r.id, coalesce(r.turn_id, 0), coalesce(t.conversation_id::text, ''), coalesce(t.end_user_id, ''),
	coalesce(k.name, dk.name, ''), r.reason, r.status,
	coalesce((SELECT jsonb_agg(jsonb_build_object('question', h.question, 'answer', h.answer) ORDER BY h.id)
	          FROM (SELECT id, question, answer FROM turns WHERE conversation_id = t.conversation_id AND id < t.id
	                ORDER BY id DESC LIMIT 10) h), '[]'),
	coalesce(t.question, ''), coalesce(t.answer, ''), coalesce(t.mode, ''), coalesce(t.confidence, 0), coalesce(t.citations, '[]'),
	coalesce(fb.reason, ''), coalesce(fb.comment, ''),
	r.label, r.corrected_answer, r.expected_sources, r.missing_document, r.required_facts,
	r.resolved_by, r.created_at, r.resolved_at, r.export_id,
	coalesce(r.document_id, 0), coalesce(dd.source_uri, ''), coalesce(dd.flags, '{}')
	FROM review_items r LEFT JOIN turns t ON t.id = r.turn_id LEFT JOIN knowledge_bases k ON k.id = t.kb_id
	LEFT JOIN documents dd ON dd.id = r.document_id LEFT JOIN knowledge_bases dk ON dk.id = dd.kb_id
	LEFT JOIN LATERAL (SELECT f.reason, f.comment FROM feedback f
	                   WHERE f.turn_id = t.id AND f.rating < 0 AND (f.reason <> '' OR f.comment <> '')
	                   ORDER BY f.id DESC LIMIT 1) fb ON true`

// ReviewFilter selects queue items.
type ReviewFilter struct {
	Tenant string
	Status string // "pending", "resolved" or "" for both
	Before int64
	// ResolvedSince keeps items resolved at or after it (zero: no bound).
	ResolvedSince time.Time
	// KB and Reason keep the items of one knowledge base or queued for one
	// reason ("": any).
	KB, Reason string
	// From and To bound when items were queued, [From, To) (zero: no
	// bound).
	From, To time.Time
	Limit    int
}

// ReviewItems lists the tenant's queue, newest first.
func (s *Store) ReviewItems(ctx context.Context, f ReviewFilter) ([]ReviewItem, error) {
	rows, err := s.as(f.Tenant).Query(ctx, reviewSelect+` WHERE r.tenant_id = $1 AND ($2 = '' OR r.status = $2)
		AND ($3 = 0 OR r.id < $3) AND ($5::timestamptz IS NULL OR r.resolved_at >= $5)
		AND ($6 = '' OR k.name = $6) AND ($7 = '' OR r.reason = $7)
		AND ($8::timestamptz IS NULL OR r.created_at >= $8) AND ($9::timestamptz IS NULL OR r.created_at < $9)
		ORDER BY r.id DESC LIMIT $4`, f.Tenant, f.Status, f.Before, max(f.Limit, 1), nullTime(f.ResolvedSince),
		f.KB, f.Reason, nullTime(f.From), nullTime(f.To))
	if err != nil {
		return nil, translate(err, "list review items")
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ReviewItem])
	return items, translate(err, "list review items")
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Resolution is a reviewer's verdict: a label, and what a golden case
// built from the item needs.
type Resolution struct {
	Label           string
	CorrectedAnswer string
	ExpectedSources []string
	MissingDocument string
	RequiredFacts   []string
	Actor           string
}

// ResolveReview closes a pending item of the tenant with the reviewer's
// verdict, and audits it. Unknown items are core.CodeNotFound, already
// resolved ones core.CodeConflict.
func (s *Store) ResolveReview(ctx context.Context, tenant string, id int64, r Resolution) (ReviewItem, error) {
	var item ReviewItem
	err := s.inTx(ctx, tenant, "resolve review item", func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM review_items WHERE id = $1 AND tenant_id = $2 FOR UPDATE`, id, tenant).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return core.Errorf(core.CodeNotFound, "review item %d does not exist", id)
		}
		if err != nil {
			return err
		}
		if status == "resolved" {
			return core.Errorf(core.CodeConflict, "review item %d is already resolved", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE review_items SET status = 'resolved', label = $2, corrected_answer = $3,
			expected_sources = $4, missing_document = $5, required_facts = $6, resolved_by = $7, resolved_at = now()
			WHERE id = $1`, id, r.Label, r.CorrectedAnswer, nonNilSlice(r.ExpectedSources), r.MissingDocument,
			nonNilSlice(r.RequiredFacts), r.Actor); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, reviewSelect+` WHERE r.id = $1`, id)
		if err != nil {
			return err
		}
		if item, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[ReviewItem]); err != nil {
			return err
		}
		return audit(ctx, tx, AuditEntry{Tenant: tenant, Actor: r.Actor, Action: "review.resolve", Target: strconv.FormatInt(id, 10),
			Details: map[string]any{"label": r.Label, "corrected": r.CorrectedAnswer != ""}})
	})
	return item, err
}

// ExportReviews records an export of the tenant's resolved items that no
// earlier export included, and returns its id with the items, oldest
// first. With nothing new it records nothing and returns id 0. deliver
// gets the items before the export commits (also when there are none);
// its error undoes the export, so an item counts as exported only once it
// was delivered. It holds the items' rows locked while it runs.
func (s *Store) ExportReviews(ctx context.Context, tenant, actor string, deliver func([]ReviewItem) error) (int64, []ReviewItem, error) {
	var id int64
	var items []ReviewItem
	err := s.inTx(ctx, tenant, "export review items", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, reviewSelect+` WHERE r.tenant_id = $1 AND r.status = 'resolved' AND r.export_id IS NULL AND r.turn_id IS NOT NULL
			ORDER BY r.id FOR UPDATE OF r`, tenant)
		if err != nil {
			return err
		}
		if items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ReviewItem]); err != nil {
			return err
		}
		if len(items) == 0 {
			return deliver(nil)
		}
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO review_exports (tenant_id, actor, items) VALUES ($1, $2, $3) RETURNING id`,
			tenant, actor, len(items)).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE review_items SET export_id = $1 WHERE id = ANY($2)`, id, ids); err != nil {
			return err
		}
		for i := range items {
			items[i].ExportID = &id
		}
		if err := audit(ctx, tx, AuditEntry{Tenant: tenant, Actor: actor, Action: "review.export", Target: strconv.FormatInt(id, 10),
			Details: map[string]any{"items": len(items)}}); err != nil {
			return err
		}
		return deliver(items)
	})
	if err != nil {
		return 0, nil, err
	}
	return id, items, nil
}

// ReviewLabels counts the tenant's items of kb resolved in [from, to), per
// label.
func (s *Store) ReviewLabels(ctx context.Context, tenant, kb string, from, to time.Time) (map[string]int, error) {
	rows, err := s.as(tenant).Query(ctx, `SELECT r.label, count(*) FROM review_items r JOIN turns t ON t.id = r.turn_id
		JOIN knowledge_bases k ON k.id = t.kb_id
		WHERE r.tenant_id = $1 AND k.name = $2 AND r.status = 'resolved' AND r.resolved_at >= $3 AND r.resolved_at < $4
		GROUP BY r.label`, tenant, kb, from, to)
	if err != nil {
		return nil, translate(err, "count review labels")
	}
	out := map[string]int{}
	var label string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&label, &n}, func() error { out[label] = n; return nil })
	return out, translate(err, "count review labels")
}
