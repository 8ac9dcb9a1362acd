package bench

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"supportd/internal/core"
	"supportd/internal/ingest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// QualityParams is one retrieval quality benchmark.
type QualityParams struct {
	Dataset string // folder holding corpus.jsonl and qa.jsonl (see LoadDataset)
}

// DefaultDataset is where the S10 e-manual set lives beside the repository.
const DefaultDataset = "../shared/datasets/emanual-s10"

// Command is the command line that repeats the run.
func (p QualityParams) Command() string {
	return fmt.Sprintf("supportd bench quality --dataset %s", p.Dataset)
}

// KBName is the knowledge base the dataset is ingested into, named after
// the dataset's folder.
func (p QualityParams) KBName() string {
	slug := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return '-'
	}, strings.ToLower(filepath.Base(filepath.Clean(p.Dataset))))
	name := "bench-quality-" + slug
	return name[:min(len(name), 63)]
}

// variant is one fusion of the vector and text lists, re-scored from a
// single store.Search per question.
type variant struct {
	name   string
	fusion retrieve.Fusion
}

// variants are the fusions the quality report compares.
func variants() []variant {
	return []variant{
		{"RRF k=10", retrieve.Fusion{K: 10, VectorWeight: 1, TextWeight: 1}},
		{"RRF k=30", retrieve.Fusion{K: 30, VectorWeight: 1, TextWeight: 1}},
		{"RRF k=60", retrieve.Fusion{K: 60, VectorWeight: 1, TextWeight: 1}},
		{"RRF k=60, text ×1.5", retrieve.Fusion{K: 60, VectorWeight: 1, TextWeight: 1.5}},
		{"RRF k=60, text ×2", retrieve.Fusion{K: 60, VectorWeight: 1, TextWeight: 2}},
		{"RRF k=60, vector ×1.5", retrieve.Fusion{K: 60, VectorWeight: 1.5, TextWeight: 1}},
	}
}

// qualityMethods are the Retrieve methods of the quality report, in
// report order.
var qualityMethods = [...]string{"vector", "text", "hybrid"}

// dedupeThreshold is the near-duplicate threshold Retriever.Retrieve
// applies, repeated so re-scored variants rank exactly as it would.
const dedupeThreshold = 0.8

// QualityRow is one method's scores.
type QualityRow struct {
	Name   string
	Source string // "Retrieve" or "re-scored"
	Scores Scores
}

// QualityReport is the outcome of Quality.
type QualityReport struct {
	Params    QualityParams
	Setup     string
	Sections  int
	Questions int
	Chunks    int64
	Ingest    time.Duration
	Rows      []QualityRow
	Best      string
	// Overruns counts Retrieve calls that overran the retrieval deadline;
	// each counts as a miss.
	Overruns int
	// Recall is the vector search's HNSW recall@10 against an exact scan
	// over the same questions; below 1 the vector and hybrid rows lose hits
	// to the approximate index.
	Recall RecallRun
}

// Quality ingests the dataset's sections, one document each, through the
// real Syncer into a knowledge base emptied first, then scores every
// question by the rank of its first relevant document in the top ten.
// Documents are ranked by their best chunk. The vector, text and hybrid
// rows come from Retriever.Retrieve; the fusion variants re-score one
// store.Search per question with retrieve.Fusion.
func Quality(ctx context.Context, d Deps, p QualityParams) (QualityReport, error) {
	rep := QualityReport{Params: p}
	if err := d.check(); err != nil {
		return rep, err
	}
	ds, err := LoadDataset(p.Dataset)
	if err != nil {
		return rep, err
	}
	rep.Sections, rep.Questions = len(ds.Sections), len(ds.Questions)
	if rep.Setup, err = d.setup(ctx); err != nil {
		return rep, err
	}
	start := time.Now()
	kb, err := d.ingestDataset(ctx, p.KBName(), ds)
	if err != nil {
		return rep, err
	}
	rep.Ingest, rep.Chunks = time.Since(start), kb.ChunkCount

	var rows []QualityRow
	for _, m := range qualityMethods {
		name := m
		if m == "hybrid" {
			name = "hybrid (Retrieve, configured fusion)"
		}
		rows = append(rows, QualityRow{Name: name, Source: "Retrieve"})
	}
	for _, v := range variants() {
		rows = append(rows, QualityRow{Name: v.name, Source: "re-scored"})
	}
	for _, q := range ds.Questions {
		ranks, overruns, err := d.rankQuestion(ctx, kb, q)
		if err != nil {
			return rep, err
		}
		rep.Overruns += overruns
		for i, r := range ranks {
			rows[i].Scores.Add(r)
		}
	}
	rep.Rows, rep.Best = rows, best(rows)
	queries := make([]Query, len(ds.Questions))
	for i, q := range ds.Questions {
		queries[i] = Query{Text: q.Question}
	}
	rep.Recall, err = d.recall(ctx, kb, queries)
	return rep, err
}

// ingestDataset upserts each section as one document, as the upload API
// does, into a fresh knowledge base, and returns it reloaded.
func (d Deps) ingestDataset(ctx context.Context, name string, ds Dataset) (store.KB, error) {
	kb, err := d.freshKB(ctx, name)
	if err != nil {
		return kb, err
	}
	syncer := ingest.NewSyncer(d.Store, d.Embedder, d.Chunker, ingest.SyncerParams{})
	for i, s := range ds.Sections {
		sum := sha256.Sum256([]byte(s.Text))
		doc := ingest.Document{SourceURI: s.DocID, Title: s.Title, Text: s.Text, ContentHash: hex.EncodeToString(sum[:]),
			Metadata: map[string]any{"format": "jsonl"}}
		if _, err := syncer.Upsert(ctx, kb, doc); err != nil {
			return kb, fmt.Errorf("ingest section %s: %w", s.DocID, err)
		}
		if (i+1)%100 == 0 {
			d.progress("ingested %d/%d sections", i+1, len(ds.Sections))
		}
	}
	return d.Store.KB(ctx, d.Tenant, name)
}

// rankQuestion returns, per report row, the rank of q's first relevant
// document in the top ten (0 for none), and how many Retrieve calls
// overran the retrieval deadline (ranked 0).
func (d Deps) rankQuestion(ctx context.Context, kb store.KB, q DatasetQuestion) ([]int, int, error) {
	relevant := make(map[string]bool, len(q.Candidates))
	for _, c := range q.Candidates {
		relevant[c] = true
	}
	var ranks []int
	overruns := 0
	for _, m := range qualityMethods {
		// Every fused candidate, so that ten distinct documents remain
		// after ranking chunks by document.
		ps, err := d.Retriever.Retrieve(ctx, retrieve.Query{KB: kb, Question: q.Question, TopK: d.Settings.Candidates, Method: m})
		switch {
		case core.ErrorCode(err) == core.CodeUpstreamTimeout:
			overruns++
		case err != nil:
			return nil, 0, fmt.Errorf("question %s, %s: %w", q.QID, m, err)
		}
		ranks = append(ranks, FirstHit(RankDocuments(ps), relevant, 10))
	}
	vec, err := d.Embedder.EmbedQuery(ctx, q.Question)
	if err != nil {
		return nil, 0, err
	}
	found, err := d.Store.Search(ctx, store.SearchParams{KB: kb, Query: q.Question, Vector: vec, Candidates: d.Settings.Candidates})
	if err != nil {
		return nil, 0, fmt.Errorf("question %s: %w", q.QID, err)
	}
	for _, v := range variants() {
		ranks = append(ranks, FirstHit(RankDocuments(Fuse(found, v.fusion)), relevant, 10))
	}
	return ranks, overruns, nil
}

// Fuse orders a copy of the candidates of one store.Search as
// Retriever.Retrieve does with fusion f: fused score, then chunk id, then
// near-duplicates dropped.
func Fuse(found []core.Passage, f retrieve.Fusion) []core.Passage {
	ps := slices.Clone(found)
	f.Score(ps)
	slices.SortStableFunc(ps, func(a, b core.Passage) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ChunkID, b.ChunkID))
	})
	return retrieve.Dedupe(ps, dedupeThreshold)
}

// best names the row with the highest MRR@10, then hit@1, hit@5 and
// hit@10; the earlier row wins a tie.
func best(rows []QualityRow) string {
	key := func(s Scores) []float64 { return []float64{s.MRR(), s.HitAt(1), s.HitAt(5), s.HitAt(10)} }
	b := 0
	for i := range rows {
		if slices.Compare(key(rows[i].Scores), key(rows[b].Scores)) > 0 {
			b = i
		}
	}
	return rows[b].Name
}

// WriteMarkdown prints the report.
func (r QualityReport) WriteMarkdown(w io.Writer) {
	header(w, "Retrieval quality", r.Params.Command(), r.Params.KBName(), r.Setup)
	fmt.Fprintf(w, "dataset: %d sections (one document each, %d chunks, ingested in %s s), %d questions; a hit is any candidate section among the top documents, each document ranked by its best chunk\n\n",
		r.Sections, r.Chunks, seconds(r.Ingest), r.Questions)
	t := newTable("method", "from", "hit@1", "hit@5", "hit@10", "MRR@10")
	for _, row := range r.Rows {
		s := row.Scores
		t.add(row.Name, row.Source, share(s.HitAt(1)), share(s.HitAt(5)), share(s.HitAt(10)), fmt.Sprintf("%.3f", s.MRR()))
	}
	t.write(w)
	fmt.Fprintf(w, "\nbest: %s (by MRR@10, then hit@1, hit@5, hit@10)\n", r.Best)
	if r.Overruns > 0 {
		fmt.Fprintf(w, "\n%d Retrieve calls overran the retrieval deadline and count as misses\n", r.Overruns)
	}
	fmt.Fprintf(w, "\nvector search recall@10 against an exact scan, same questions: %.3f (below 1, the vector and hybrid rows lose hits to the approximate index)\n", r.Recall.Mean)
}

func (r QualityReport) row(name string) *QualityRow {
	for i := range r.Rows {
		if r.Rows[i].Name == name {
			return &r.Rows[i]
		}
	}
	return nil
}
