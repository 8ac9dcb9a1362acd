package store

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"golang.org/x/sync/errgroup"

	"supportd/internal/core"
)

// SearchParams is one hybrid search over a knowledge base.
type SearchParams struct {
	KB     KB
	Query  string    // the question, for full-text search
	Vector []float32 // the question's embedding, for nearest neighbours
	// Candidates is how many chunks each list (vector, full text) returns
	// before fusion. Default 50.
	Candidates int
	// Filter keeps only the documents it matches, in both lists; the zero
	// Filter keeps all. Callers validate it (core.Filter.Validate).
	Filter core.Filter
	// SkipVector or SkipText leave one list empty, to measure the other.
	SkipVector, SkipText bool
	// Exact replaces the HNSW index with an exact scan, to measure recall.
	Exact bool
	// ExactText scores every chunk holding a query term, whatever the
	// knowledge base's size, and finds them by scanning the knowledge
	// base's tsvectors rather than in the postings: the reference the
	// postings are measured against.
	ExactText bool
	// PostingsFrom is the chunk count from which an unfiltered text list
	// is read from the top postings of each query term; a smaller
	// knowledge base, or a filtered search, scores every chunk holding a
	// query term. Default 5,000.
	PostingsFrom int
	// PostingsRead is how many of each term's highest-impact postings
	// the first round reads; default 8 × Candidates.
	PostingsRead int
	// Fields weighs an occurrence of a word in the document's title or the
	// chunk's heading against one in its text; the zero value is
	// DefaultFields.
	Fields Fields
}

// Fields are BM25's per-field term-frequency weights (a BM25F-like
// scheme with one length normalisation): an occurrence in the title counts
// Title times, one in a heading Heading times, one in the text once,
// before saturation.
type Fields struct {
	Title   float64 `json:"title"`
	Heading float64 `json:"heading"`
}

// DefaultFields are the field weights chosen on the development sets
// (README, "Retrieval quality on real text"): there, boosting the title or
// heading did not help on either set, whose sections repeat their title
// in the text, so an occurrence counts once wherever it is.
var DefaultFields = Fields{Title: 1, Heading: 1}

// BM25 parameters, the usual defaults. Migration 00018's bm25_impact
// holds them too.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// The top-postings path reads postingsPerTerm × candidates postings of
// each query term and scores rescored × candidates chunks exactly.
// Measured at 100k chunks (README, "Retrieval latency at 100k chunks").
const (
	postingsPerTerm = 8
	rescored        = 4
	// exactTop is how many of the best chunks by impact score the second
	// round makes exact; secondPerCandidate × candidates is how many more
	// chunks it scores at most.
	exactTop           = 10
	secondPerCandidate = 4
)

// searchSQL finds candidates in one round trip: the nearest neighbours by
// cosine distance through the dimension's HNSW index, and full-text matches
// of any query lexeme (OR semantics) ranked by BM25 with IDF from the
// knowledge base's own term statistics, each term's frequency weighted by
// the fields it occurs in (the tsvector's weights: A title, B heading). It
// returns the union with each chunk's rank in either list; the caller
// fuses them.
//
// The full-text matches are either every chunk holding a query term or,
// in a large knowledge base, found from the impact-ordered postings
// (kb_postings, migration 00018) in two rounds, so that BM25 never scores
// every chunk that says "account":
//
//  1. each term's highest-impact postings are summed per chunk and the
//     best chunks scored exactly; the exactTop-th best of their impact
//     scores (BM25 with the reference length the postings hold) is θ;
//  2. MaxScore: with each term's bound (IDF × its highest impact), the
//     terms of lowest bounds that together stay below θ are minor: a
//     chunk holding none of the other, essential, terms cannot reach θ.
//     The essential terms' postings are read whole (they are the rarer
//     terms, so the shorter lists) and each chunk whose essential sum
//     plus the minor bounds reaches θ is scored exactly too.
//
// Every chunk whose impact score reaches θ is thus scored, so the top
// exactTop by impact score is exact (up to the second round's cap); the
// final order is BM25 with the current statistics and field weights,
// which differ from the impact score only as far as the average length
// has drifted from the reference.
//
// The dimension and the knowledge base id are formatted into the text
// because the typed cast and the knowledge base's partial HNSW index need
// literals; both come from the knowledge base row.
var searchSQL = `
WITH kb AS (
	SELECT fts_config, greatest(chunk_count, 1)::float8 AS n,
	       greatest(lexeme_total::float8 / greatest(chunk_count, 1), 1) AS avgdl,
	       coalesce(bm25_avgdl, 1) AS ref
	FROM knowledge_bases WHERE id = $1
), allowed AS (
	-- The filter: $9 a source URI prefix, $10 document ids, $5 metadata
	-- as {key: [values]} where each key's value must be one of its values.
	SELECT d.id FROM documents d
	WHERE d.kb_id = $1
	  AND ($9::text IS NULL OR starts_with(d.source_uri, $9))
	  AND ($10::bigint[] IS NULL OR d.id = ANY ($10))
	  AND ($5::jsonb IS NULL OR NOT EXISTS (
		SELECT FROM jsonb_each($5) AS f(key, vals)
		WHERE NOT EXISTS (SELECT FROM jsonb_array_elements(f.vals) AS v(val) WHERE d.metadata -> f.key = v.val)))
), qterms AS MATERIALIZED ( -- a handful of rows: never let the planner inline it into the chunk scan
	SELECT t.lexeme, ln(1 + (kb.n - t.df + 0.5) / (t.df + 0.5)) AS idf
	FROM kb, unnest(to_tsvector(kb.fts_config, $2)) AS q
	JOIN kb_terms t ON t.kb_id = $1 AND t.lexeme = q.lexeme
	WHERE NOT $7
), qarr AS MATERIALIZED (
	SELECT array_agg(lexeme) AS a FROM qterms
), tsq AS (
	-- Lexemes are already normalised: quote them for tsquery (doubling
	-- quotes, escaping backslashes) rather than parse them again.
	SELECT string_agg('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''', ' | ')::tsquery AS q FROM qterms
), top_postings AS (
	-- When $11: each term's $12 highest-impact postings, summed per chunk;
	-- the best $13 chunks go on to exact scoring.
	SELECT p.chunk_id AS id
	FROM qterms q CROSS JOIN LATERAL (
		SELECT p.chunk_id, p.impact FROM kb_postings p
		WHERE p.kb_id = $1 AND p.lexeme = q.lexeme
		ORDER BY p.impact DESC LIMIT $12) p
	WHERE $11
	GROUP BY p.chunk_id
	ORDER BY sum(q.idf * p.impact) DESC, p.chunk_id
	LIMIT $13
), matches AS (
	-- Otherwise every chunk holding a query term (in the filter's
	-- documents): found in the postings, which list each (lexeme, chunk)
	-- of the knowledge base once (migration 00024), or when $16 (the
	-- exact scan, the postings' ground truth) in the chunks' tsvectors.
	SELECT DISTINCT p.chunk_id AS id FROM qterms q
	JOIN kb_postings p ON p.kb_id = $1 AND p.lexeme = q.lexeme
	WHERE NOT $11 AND NOT $16 AND (NOT $8 OR p.chunk_id IN (
		SELECT c.id FROM chunks c WHERE c.kb_id = $1 AND c.document_id IN (SELECT id FROM allowed)))
	UNION ALL
	SELECT c.id FROM chunks c, tsq
	WHERE $16 AND c.kb_id = $1 AND c.tsv @@ tsq.q AND (NOT $8 OR c.document_id IN (SELECT id FROM allowed))
	UNION ALL
	SELECT id FROM top_postings
), first AS MATERIALIZED (
	` + scoreSQL("matches") + `
), theta AS (
	-- θ, a hair low so that a tie with it is not lost to rounding.
	SELECT coalesce((SELECT imp FROM first ORDER BY imp DESC OFFSET $14 - 1 LIMIT 1), 0) * (1 - 1e-9) AS v
), ladder AS MATERIALIZED (
	-- When $11: the terms by bound, each with the sum of the bounds up to
	-- its own; those whose sum stays below θ are minor.
	SELECT q.lexeme, q.idf, sum(q.idf * m.impact) OVER (ORDER BY q.idf * m.impact, q.lexeme) AS below
	FROM qterms q CROSS JOIN LATERAL (
		SELECT p.impact FROM kb_postings p
		WHERE p.kb_id = $1 AND p.lexeme = q.lexeme
		ORDER BY p.impact DESC LIMIT 1) m
	WHERE $11
), minor AS (
	SELECT coalesce(max(l.below), 0) AS bound FROM ladder l, theta WHERE l.below < theta.v
), second AS (
	-- The chunks of the essential terms that can reach θ, best $15 first.
	SELECT p.chunk_id AS id
	FROM theta, ladder l
	JOIN kb_postings p ON p.kb_id = $1 AND p.lexeme = l.lexeme
	WHERE l.below >= theta.v
	GROUP BY p.chunk_id
	HAVING sum(l.idf * p.impact) + (SELECT bound FROM minor) >= (SELECT v FROM theta)
	   AND p.chunk_id NOT IN (SELECT id FROM first)
	ORDER BY sum(l.idf * p.impact) DESC, p.chunk_id
	LIMIT $15
), text_hits AS (
	SELECT id, bm25 FROM (SELECT * FROM first UNION ALL (` + scoreSQL("second") + `)) s
	ORDER BY bm25 DESC, id
	LIMIT $4
), vec_hits AS (
	SELECT c.id, c.embedding::vector(%[1]d) <=> $3::vector(%[1]d) AS dist
	FROM chunks c
	WHERE c.kb_id = %[5]d AND c.embed_dim = %[1]d AND NOT $6
	  AND (NOT $8 OR c.document_id IN (SELECT id FROM allowed))
	ORDER BY dist
	LIMIT $4
), ranked AS MATERIALIZED (
	-- Materialized: inlined, the planner met the chunks join below with a
	-- full scan of chunks (100k chunks: 80-200 ms) rather than ~100 look-ups
	-- by primary key.
	SELECT coalesce(v.id, t.id) AS id, coalesce(v.rnk, 0) AS vrank, coalesce(t.rnk, 0) AS trank, coalesce(t.bm25, 0) AS bm25
	FROM (SELECT id, dist, row_number() OVER (ORDER BY dist, id) AS rnk FROM vec_hits) v
	FULL JOIN (SELECT id, bm25, row_number() OVER (ORDER BY bm25 DESC, id) AS rnk FROM text_hits) t ON t.id = v.id
)
SELECT r.id, c.document_id, d.source_uri, d.title, c.heading, c.text, c.ordinal,
       r.vrank, r.trank, 1 - (c.embedding::vector(%[1]d) <=> $3::vector(%[1]d)) AS similarity, r.bm25
FROM ranked r
JOIN chunks c ON c.id = r.id
JOIN documents d ON d.id = c.document_id
WHERE NOT ` + quarantinedSQL

// scoreSQL scores the chunks whose ids the CTE from holds: bm25 is BM25
// with the current statistics and field weights; imp is the impact score
// the postings sum to (plain term frequency, the reference length), in
// which the second round's bounds are.
//
// A chunk's tsvector is cut down to the question's lexemes before it is
// unnested (deleting from it every lexeme that remains once the
// question's are deleted keeps their positions and weights): unnesting a
// whole tsvector builds three values per lexeme of the chunk, and cost
// ~10× more (400 chunks at 100k: 30 ms against 5.5).
func scoreSQL(from string) string {
	return `SELECT c.id,
		sum(qt.idf * u.tf * %[2]g / (u.tf + %[3]g * (1 - %[4]g + %[4]g * c.lexemes / kb.avgdl))) AS bm25,
		sum(qt.idf * bm25_impact(u.n, c.lexemes, kb.ref)) AS imp
	FROM kb, qarr, ` + from + ` m
	JOIN chunks c ON c.id = m.id
	CROSS JOIN LATERAL (SELECT x.lexeme, coalesce(array_length(x.positions, 1), 1) AS n, coalesce(array_length(x.positions, 1), 1)
		+ %[6]g * coalesce(cardinality(array_positions(x.weights, 'A')), 0)
		+ %[7]g * coalesce(cardinality(array_positions(x.weights, 'B')), 0) AS tf
		FROM unnest(ts_delete(c.tsv, tsvector_to_array(ts_delete(c.tsv, qarr.a)))) AS x) u
	JOIN qterms qt ON qt.lexeme = u.lexeme
	GROUP BY c.id`
}

// Search returns the union of the vector and full-text candidates for p,
// unordered, each with its ranks, cosine similarity and BM25 score.
//
// A hybrid search runs its two lists as two statements on two connections
// at once, so that its latency is the slower list's rather than their
// sum (one statement runs its parts one after the other); the lists share
// nothing but the knowledge base row. An exact search keeps one statement
// in one transaction.
func (s *Store) Search(ctx context.Context, p SearchParams) ([]core.Passage, error) {
	if len(p.Vector) != p.KB.EmbedDim {
		return nil, core.Errorf(core.CodeEmbeddingMismatch,
			"query vector has %d dimensions; knowledge base %q stores %d", len(p.Vector), p.KB.Name, p.KB.EmbedDim)
	}
	if p.Exact {
		return s.search(ctx, nil, p)
	}
	// Both lists read from the same server: one search counts as one read.
	db := s.reader()
	if p.SkipVector || p.SkipText {
		return s.search(ctx, db, p)
	}
	var vec, text []core.Passage
	g, gctx := errgroup.WithContext(ctx)
	list := func(out *[]core.Passage, q SearchParams) {
		g.Go(func() (err error) {
			*out, err = s.search(gctx, db, q)
			return err
		})
	}
	vq, tq := p, p
	vq.SkipText, tq.SkipVector = true, true
	list(&vec, vq)
	list(&text, tq)
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return mergeLists(vec, text), nil
}

// mergeLists is the union of a vector list and a text list by chunk: a
// chunk in both carries the vector list's rank and the text list's rank
// and BM25 score (its similarity is the same in both).
func mergeLists(vec, text []core.Passage) []core.Passage {
	at := make(map[int64]int, len(vec))
	for i, p := range vec {
		at[p.ChunkID] = i
	}
	out := vec
	for _, t := range text {
		if i, ok := at[t.ChunkID]; ok {
			out[i].TextRank, out[i].BM25 = t.TextRank, t.BM25
			continue
		}
		out = append(out, t)
	}
	return out
}

// search runs searchSQL once: on db, or for p.Exact in a transaction on
// the primary.
func (s *Store) search(ctx context.Context, db querier, p SearchParams) ([]core.Passage, error) {
	fields := cmp.Or(p.Fields, DefaultFields)
	sql := fmt.Sprintf(searchSQL, p.KB.EmbedDim, bm25K1+1, bm25K1, bm25B, p.KB.ID, fields.Title-1, fields.Heading-1)
	f := p.Filter
	var prefix, meta any
	var ids []int64 // nil is NULL
	if f.URIPrefix != "" {
		prefix = f.URIPrefix
	}
	if len(f.DocumentIDs) > 0 {
		ids = f.DocumentIDs
	}
	if len(f.Metadata) > 0 {
		m := make(map[string][]any, len(f.Metadata))
		for key, values := range f.Metadata {
			m[key] = values
		}
		meta = m
	}
	candidates := cmp.Or(p.Candidates, 50)
	postings := !p.ExactText && f.IsZero() && p.KB.ChunkCount >= int64(cmp.Or(p.PostingsFrom, 5000))
	args := []any{p.KB.ID, p.Query, pgvector.NewVector(p.Vector), candidates, meta, p.SkipVector, p.SkipText,
		!f.IsZero(), prefix, ids, postings, cmp.Or(p.PostingsRead, postingsPerTerm*candidates), rescored * candidates,
		exactTop, secondPerCandidate * candidates, p.ExactText}
	var out []core.Passage
	run := func(q querier) error {
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanPassage)
		return err
	}
	if !p.Exact {
		return out, translate(run(scoped{db: db, set: setTenant, arg: p.KB.TenantID, rewrite: s.rewrite}), "search")
	}
	err := s.inTx(ctx, p.KB.TenantID, "exact search", func(tx pgx.Tx) error {
		// A cached generic plan would keep the index whatever the setting.
		if _, err := tx.Exec(ctx, "SET LOCAL enable_indexscan = off; SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
			return err
		}
		return run(tx)
	})
	return out, err
}

func scanPassage(row pgx.CollectableRow) (core.Passage, error) {
	var p core.Passage
	var vrank, trank int64
	err := row.Scan(&p.ChunkID, &p.DocumentID, &p.SourceURI, &p.Title, &p.Heading, &p.Text, &p.Ordinal,
		&vrank, &trank, &p.Similarity, &p.BM25)
	p.VectorRank, p.TextRank = int(vrank), int(trank)
	return p, err
}
