package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Candidate is a recent turn worth turning into a golden case: handed off,
// low in confidence, or rated down.
type Candidate struct {
	TurnID     int64
	KB         string
	Question   string
	Answer     string
	Mode       string
	Confidence float64
	Cited      []string
	Thumbs     int // -1 rated down, 0 not rated or mixed
	Reason     string
	CreatedAt  time.Time
}

// CandidateFilter selects turns for relabelling.
type CandidateFilter struct {
	Tenant        string
	KB            string // "" for every knowledge base
	Since         time.Time
	MinConfidence float64 // turns below it qualify
	Limit         int
}

// Candidates returns qualifying turns, newest first, one per distinct
// question, skipping evaluation traffic.
func (s *Store) Candidates(ctx context.Context, f CandidateFilter) ([]Candidate, error) {
	rows, err := s.as(f.Tenant).Query(ctx, `
		SELECT * FROM (
		SELECT DISTINCT ON (lower(t.question)) t.id, coalesce(k.name, ''), t.question, t.answer, t.mode, t.confidence,
		       coalesce((SELECT array_agg(c->>'document') FROM jsonb_array_elements(t.citations) c), '{}'),
		       coalesce((SELECT min(rating) FROM feedback f WHERE f.turn_id = t.id), 0) AS thumbs,
		       CASE WHEN EXISTS (SELECT 1 FROM feedback f WHERE f.turn_id = t.id AND f.rating < 0) THEN 'thumbs_down'
		            WHEN t.mode IN ('handoff', 'refused') THEN t.mode
		            ELSE 'low_confidence' END,
		       t.created_at
		FROM turns t LEFT JOIN knowledge_bases k ON k.id = t.kb_id
		WHERE t.tenant_id = $1 AND ($2 = '' OR k.name = $2) AND t.created_at >= $3 AND t.purpose <> 'evaluation'
		  AND (t.mode IN ('handoff', 'refused') OR t.confidence < $4
		       OR EXISTS (SELECT 1 FROM feedback f WHERE f.turn_id = t.id AND f.rating < 0))
		ORDER BY lower(t.question), t.id DESC
		) latest ORDER BY id DESC LIMIT $5`, f.Tenant, f.KB, f.Since, f.MinConfidence, max(f.Limit, 1))
	if err != nil {
		return nil, translate(err, "list golden candidates")
	}
	cands, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Candidate])
	return cands, translate(err, "list golden candidates")
}
