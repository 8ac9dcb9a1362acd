package store

import (
	"context"
	"time"

	"supportd/internal/core"
)

// Retrieval is a knowledge base's tuned retrieval settings, recorded by
// `supportd tune` when they beat the settings in use on the knowledge
// base's golden set.
type Retrieval struct {
	RRFK         float64 `json:"rrf_k"`
	VectorWeight float64 `json:"vector_weight"`
	TextWeight   float64 `json:"text_weight"`
	Candidates   int     `json:"candidates"`
	// MinConfidence is the confidence below which the assistant hands off;
	// 0 keeps the configured one.
	MinConfidence float64 `json:"min_confidence"`
	// What they were tuned on: the golden set's hash and number of cases,
	// the objective before and after, and when.
	GoldenHash  string    `json:"golden_hash"`
	GoldenCases int       `json:"golden_cases"`
	Before      float64   `json:"before"`
	After       float64   `json:"after"`
	TunedAt     time.Time `json:"tuned_at"`
}

// SetRetrieval records r as the tenant's knowledge base's retrieval
// settings, or core.CodeKBNotFound.
func (s *Store) SetRetrieval(ctx context.Context, tenant, kb string, r Retrieval) error {
	defer s.changed(Change{Table: TableKBs}) // by name: any of them
	tag, err := s.as(tenant).Exec(ctx, `UPDATE knowledge_bases SET retrieval = $3, updated_at = now()
		WHERE tenant_id = $1 AND name = $2`, tenant, kb, r)
	if err != nil {
		return translate(err, "record retrieval settings")
	}
	if tag.RowsAffected() == 0 {
		return core.Errorf(core.CodeKBNotFound, "knowledge base %q does not exist", kb)
	}
	return nil
}
