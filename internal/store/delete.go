package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// Deleted says what a deletion removed, so derived copies elsewhere (the
// answer cache) can follow.
type Deleted struct {
	Conversations int      `json:"conversations"`
	Turns         int      `json:"turns"`
	Feedback      int      `json:"feedback"`
	CacheKeys     []string `json:"-"`
	Questions     []string `json:"-"`
}

// DeleteConversation removes one of the tenant's conversations with its
// turns and feedback, and audits it. An unknown id is core.CodeNotFound.
func (s *Store) DeleteConversation(ctx context.Context, tenant, id, actor string) (Deleted, error) {
	d, err := s.deleteConversations(ctx, tenant, actor, "conversation.delete", id,
		`SELECT id FROM conversations WHERE tenant_id = $1 AND id::text = $2`, tenant, id)
	if err == nil && d.Conversations == 0 {
		err = core.Errorf(core.CodeNotFound, "conversation %s does not exist", id)
	}
	return d, err
}

// DeleteEndUser removes everything of one end user of the tenant: the
// conversations they started and every turn they asked elsewhere, with
// feedback, and audits it.
func (s *Store) DeleteEndUser(ctx context.Context, tenant, endUser, actor string) (Deleted, error) {
	return s.deleteConversations(ctx, tenant, actor, "end_user.delete", endUser,
		`SELECT id FROM conversations WHERE tenant_id = $1 AND end_user_id = $2
		 UNION SELECT conversation_id FROM turns WHERE tenant_id = $1 AND end_user_id = $2`, tenant, endUser)
}

// PurgeTurnsOlderThan deletes turns older than the cutoff (and
// conversations left empty) for every tenant: the retention policy. Each
// tenant is purged in its own transaction, under its own tenant, and
// audited in its own log.
func (s *Store) PurgeTurnsOlderThan(ctx context.Context, days int) (Deleted, error) {
	total := Deleted{CacheKeys: []string{}, Questions: []string{}}
	err := s.eachTenant(ctx, "purge old turns", func(tenant string, q querier) error {
		return pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
			d, err := purgeTenantTurns(ctx, tx, tenant, days)
			total.Turns += d.Turns
			total.Feedback += d.Feedback
			total.Conversations += d.Conversations
			total.CacheKeys = append(total.CacheKeys, d.CacheKeys...)
			total.Questions = append(total.Questions, d.Questions...)
			return err
		})
	})
	return total, err
}

// purgeTenantTurns is PurgeTurnsOlderThan for one tenant, in tx.
func purgeTenantTurns(ctx context.Context, tx pgx.Tx, tenant string, days int) (Deleted, error) {
	d, err := deleteTurns(ctx, tx, `SELECT id FROM turns WHERE tenant_id = $1 AND created_at < now() - make_interval(days => $2)`, tenant, days)
	if err != nil {
		return d, err
	}
	tag, err := tx.Exec(ctx, `DELETE FROM conversations c WHERE c.tenant_id = $1
		AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id)
		AND c.created_at < now() - make_interval(days => $2)`, tenant, days)
	d.Conversations = int(tag.RowsAffected())
	if err != nil {
		return d, err
	}
	// Drift reports quote example questions: they age out with turns.
	if _, err := tx.Exec(ctx, `DELETE FROM drift_reports WHERE tenant_id = $1 AND created_at < now() - make_interval(days => $2)`, tenant, days); err != nil {
		return d, err
	}
	if d.Turns == 0 {
		return d, nil
	}
	return d, audit(ctx, tx, AuditEntry{Tenant: tenant, Actor: "system", Action: "retention.purge",
		Details: map[string]any{"days": days, "turns": d.Turns, "conversations": d.Conversations}})
}

func (s *Store) deleteConversations(ctx context.Context, tenant, actor, action, target, selectIDs string, args ...any) (Deleted, error) {
	var d Deleted
	err := s.inTx(ctx, tenant, "delete conversations", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, selectIDs, args...)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(ids) == 0 {
			return err
		}
		if d, err = deleteTurns(ctx, tx, `SELECT id FROM turns WHERE conversation_id::text = ANY($1)`, ids); err != nil {
			return err
		}
		if err := scrubDriftReports(ctx, tx, tenant, d.Questions); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM conversations WHERE id::text = ANY($1)`, ids)
		if err != nil {
			return err
		}
		d.Conversations = int(tag.RowsAffected())
		return audit(ctx, tx, AuditEntry{Tenant: tenant, Actor: actor, Action: action, Target: target,
			Details: map[string]any{"conversations": d.Conversations, "turns": d.Turns, "feedback": d.Feedback}})
	})
	return d, err
}

// deleteTurns removes the turns selectIDs names with their feedback and
// returns the cache keys they filled or read and their questions.
func deleteTurns(ctx context.Context, tx pgx.Tx, selectIDs string, args ...any) (Deleted, error) {
	var d Deleted
	err := tx.QueryRow(ctx, `
		WITH doomed AS (`+selectIDs+`),
		fb AS (DELETE FROM feedback WHERE turn_id IN (SELECT id FROM doomed) RETURNING 1),
		gone AS (DELETE FROM turns WHERE id IN (SELECT id FROM doomed) RETURNING cache_key, question)
		SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM fb),
		       coalesce((SELECT array_agg(DISTINCT cache_key) FROM gone WHERE cache_key <> ''), '{}'),
		       coalesce((SELECT array_agg(question) FROM gone), '{}')`, args...).
		Scan(&d.Turns, &d.Feedback, &d.CacheKeys, &d.Questions)
	return d, err
}

// scrubDriftReports deletes the tenant's drift reports that quote any of
// the deleted questions among their examples (examples are the question's
// first line with whitespace collapsed; a 30-character prefix identifies
// it). Reports are regenerated on schedule, so dropping one loses nothing
// a later report will not show again.
func scrubDriftReports(ctx context.Context, tx pgx.Tx, tenant string, questions []string) error {
	if len(questions) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		DELETE FROM drift_reports r WHERE r.tenant_id = $1 AND EXISTS (
			SELECT 1 FROM jsonb_array_elements(coalesce(r.report->'unanswered_topics', '[]')) t,
			     jsonb_array_elements_text(coalesce(t->'examples', '[]')) e, unnest($2::text[]) q
			WHERE left(regexp_replace(btrim(q), '\s+', ' ', 'g'), 30) = left(e, 30))`, tenant, questions)
	return err
}
