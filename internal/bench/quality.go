package bench

import (
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
	"supportd/internal/eval"
	"supportd/internal/ingest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// QualityParams is one retrieval quality benchmark.
type QualityParams struct {
	Dataset string // folder holding corpus.jsonl and qa.jsonl (see LoadDataset)
	// Negatives is a JSONL file of questions the dataset does not answer
	// (see LoadNegatives); empty for none.
	Negatives string
	// Split keeps only the questions and negatives of one half (see
	// eval.Split); the knowledge base holds every section either way.
	Split eval.Split
	// Append is a word appended to every dataset question (not to the
	// negatives), to measure how an off-topic word moves retrieval and
	// confidence; empty for none.
	Append string
	// Signals, when set, is a file that receives every answered
	// question's answerability signals as JSON lines (SignalRecord).
	Signals string
}

// DefaultDataset is where the S10 e-manual set lives beside the repository.
const DefaultDataset = "../shared/datasets/emanual-s10"

// Command is the command line that repeats the run.
func (p QualityParams) Command() string {
	cmd := "supportd bench quality --dataset " + p.Dataset
	if p.Negatives != "" {
		cmd += " --negatives " + p.Negatives
	}
	if p.Split != "" && p.Split != eval.SplitAll {
		cmd += " --split " + string(p.Split)
	}
	if p.Append != "" {
		cmd += " --append " + p.Append
	}
	return cmd
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

// configuredRow names the re-scored row of the fusion Retrieve uses for the
// knowledge base; it must rank exactly as the hybrid row does.
const configuredRow = "configured fusion, re-scored"

// variants are the fusions the quality report compares: the configured
// one, plain RRF (the default with a real embedding model), the former
// default (text ×1.5) and lighter vector weights down to 0, where the
// vector list only adds what BM25 missed.
func variants(configured retrieve.Fusion) []variant {
	return []variant{
		{configuredRow, configured},
		{"RRF k=60", retrieve.Fusion{K: 60, VectorWeight: 1, TextWeight: 1}},
		{"RRF k=10", retrieve.Fusion{K: 10, VectorWeight: 1, TextWeight: 1}},
		{"RRF k=60, text ×1.5 (former default)", retrieve.Fusion{K: 60, VectorWeight: 1, TextWeight: 1.5}},
		{"RRF k=60, vector ×0.5", retrieve.Fusion{K: 60, VectorWeight: 0.5, TextWeight: 1}},
		{"RRF k=60, vector ×0.25", retrieve.Fusion{K: 60, VectorWeight: 0.25, TextWeight: 1}},
		{"RRF k=60, vector ×0 (recall only)", retrieve.Fusion{K: 60, VectorWeight: 0, TextWeight: 1}},
	}
}

// fieldVariant is one weighting of title and heading in BM25, measured on
// the text list alone.
type fieldVariant struct {
	name   string
	fields store.Fields
}

// fieldVariants are the BM25 field weights the report compares; title and
// heading move together, since a heading is its subsection's title.
func fieldVariants() []fieldVariant {
	var out []fieldVariant
	for _, w := range []float64{1, 1.5, 2, 3, 4} {
		out = append(out, fieldVariant{fmt.Sprintf("text, title and heading ×%g", w), store.Fields{Title: w, Heading: w}})
	}
	return out
}

// qualityMethods are the Retrieve methods of the quality report, in
// report order.
var qualityMethods = [...]string{"vector", "text", "hybrid"}

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
	// Answers is the end-to-end run, when Deps has an Answerer.
	Answers *AnswerRun
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
	ds.Questions = p.questions(ds.Questions)
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
			name = hybridRow
		}
		rows = append(rows, QualityRow{Name: name, Source: "Retrieve"})
	}
	fusion, _ := d.Retriever.Settings(kb)
	for _, v := range variants(fusion) {
		rows = append(rows, QualityRow{Name: v.name, Source: "re-scored"})
	}
	for _, v := range fieldVariants() {
		rows = append(rows, QualityRow{Name: v.name, Source: "Search"})
	}
	for _, q := range ds.Questions {
		ranked, overruns, err := d.rankQuestion(ctx, kb, fusion, q)
		if err != nil {
			return rep, err
		}
		rep.Overruns += overruns
		for i, r := range ranked {
			rows[i].Scores.AddRanked(r, q.Candidates)
		}
	}
	rep.Rows, rep.Best = rows, best(rows)
	queries := make([]Query, len(ds.Questions))
	for i, q := range ds.Questions {
		queries[i] = Query{Text: q.Question}
	}
	if rep.Recall, err = d.recall(ctx, kb, queries, 1); err != nil || d.Answerer == nil {
		return rep, err
	}
	var negs []Negative
	if p.Negatives != "" {
		if negs, err = LoadNegatives(p.Negatives); err != nil {
			return rep, err
		}
		negs = eval.Filter(p.Split, negs, func(n Negative) string { return n.QID })
	}
	run, err := d.answerAll(ctx, kb, ds, negs)
	rep.Answers = &run
	if err == nil && p.Signals != "" {
		err = WriteSignals(p.Signals, run.Signals)
	}
	return rep, err
}

// questions are the dataset's questions of the split, each with the
// appended word.
func (p QualityParams) questions(qs []DatasetQuestion) []DatasetQuestion {
	out := eval.Filter(p.Split, qs, func(q DatasetQuestion) string { return q.QID })
	for i := range out {
		if p.Append != "" {
			out[i].Question = strings.TrimSpace(out[i].Question) + " " + p.Append
		}
	}
	return out
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

// rankQuestion returns, per report row, the documents ranked for q, and
// how many Retrieve calls overran the retrieval deadline (ranked empty).
func (d Deps) rankQuestion(ctx context.Context, kb store.KB, fusion retrieve.Fusion, q DatasetQuestion) ([][]string, int, error) {
	var ranks [][]string
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
		ranks = append(ranks, RankDocuments(ps))
	}
	vec, err := d.Embedder.EmbedQuery(ctx, q.Question)
	if err != nil {
		return nil, 0, err
	}
	found, err := d.Store.Search(ctx, store.SearchParams{KB: kb, Query: q.Question, Vector: vec, Candidates: d.Settings.Candidates})
	if err != nil {
		return nil, 0, fmt.Errorf("question %s: %w", q.QID, err)
	}
	for _, v := range variants(fusion) {
		ranks = append(ranks, RankDocuments(Fuse(found, v.fusion)))
	}
	for _, v := range fieldVariants() {
		found, err := d.Store.Search(ctx, store.SearchParams{KB: kb, Query: q.Question, Vector: vec,
			Candidates: d.Settings.Candidates, SkipVector: true, Fields: v.fields})
		if err != nil {
			return nil, 0, fmt.Errorf("question %s: %w", q.QID, err)
		}
		ranks = append(ranks, RankDocuments(Fuse(found, fusion)))
	}
	return ranks, overruns, nil
}

// Fuse orders a copy of the candidates of one store.Search as
// Retriever.Retrieve does with fusion f: fused score, then chunk id, then
// near-duplicates dropped.
func Fuse(found []core.Passage, f retrieve.Fusion) []core.Passage {
	ps := slices.Clone(found)
	f.Rank(ps)
	return retrieve.Dedupe(ps, retrieve.DedupeThreshold)
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
	t := newTable("method", "from", "hit@1", "hit@5", "hit@10", "MRR@10", "nDCG@10")
	for _, row := range r.Rows {
		s := row.Scores
		t.add(row.Name, row.Source, share(s.HitAt(1)), share(s.HitAt(5)), share(s.HitAt(10)), fmt.Sprintf("%.3f", s.MRR()),
			fmt.Sprintf("%.3f", s.NDCG()))
	}
	t.write(w)
	fmt.Fprintf(w, "\nbest: %s (by MRR@10, then hit@1, hit@5, hit@10)\n", r.Best)
	r.writeGoals(w)
	if r.Overruns > 0 {
		fmt.Fprintf(w, "\n%d Retrieve calls overran the retrieval deadline and count as misses\n", r.Overruns)
	}
	fmt.Fprintf(w, "\nvector search recall@10 against an exact scan, same questions: %.3f (below 1, the vector and hybrid rows lose hits to the approximate index)\n", r.Recall.Mean)
	fmt.Fprintf(w, "\nBM25 top-10 overlap with exact BM25, the top-postings path forced on whatever the size, same questions: %.3f (min %.2f)\n", r.Recall.TextMean, r.Recall.TextMin)
	if r.Answers != nil {
		r.Answers.writeMarkdown(w, r.Params.Negatives)
	}
}

// hybridRow names the row of Retrieve's default method.
const hybridRow = "hybrid (Retrieve, configured fusion)"

// writeGoals prints issue 12's goal rows: the default against the better
// of its two lists, by MRR@10 and hit@5, and its nDCG@10.
func (r QualityReport) writeGoals(w io.Writer) {
	hybrid, vector, text := r.row(hybridRow), r.row("vector"), r.row("text")
	if hybrid == nil || vector == nil || text == nil {
		return
	}
	single := text
	if vector.Scores.MRR() > text.Scores.MRR() {
		single = vector
	}
	h, s := hybrid.Scores, single.Scores
	verdict := func(d float64) string {
		if d >= -1e-9 {
			return "met"
		}
		return "NOT met"
	}
	fmt.Fprintf(w, "\ngoal, default never below its best single list (%s): MRR@10 %.3f vs %.3f (%+.3f, %s), hit@5 %s vs %s (%+.2f, %s)\n",
		single.Name, h.MRR(), s.MRR(), h.MRR()-s.MRR(), verdict(h.MRR()-s.MRR()),
		share(h.HitAt(5)), share(s.HitAt(5)), h.HitAt(5)-s.HitAt(5), verdict(h.HitAt(5)-s.HitAt(5)))
	fmt.Fprintf(w, "goal rows, default: hit@5 %s (manual-style goal ≥ 0.95), nDCG@10 %.3f (benchmark goal ≥ 0.70)\n",
		share(h.HitAt(5)), h.NDCG())
}

func (r QualityReport) row(name string) *QualityRow {
	for i := range r.Rows {
		if r.Rows[i].Name == name {
			return &r.Rows[i]
		}
	}
	return nil
}
