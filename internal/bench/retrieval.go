package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"supportd/internal/core"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// RetrievalParams is one retrieval benchmark.
type RetrievalParams struct {
	Chunks  int // target chunk count of the synthetic corpus
	Queries int
	// RecallQueries is how many of the queries also measure recall; each
	// needs an exact scan of the whole knowledge base.
	RecallQueries int
	Seed          uint64
	// Reseed rebuilds the knowledge base even when it already holds the
	// corpus, to measure seeding again.
	Reseed bool
}

// Command is the command line that repeats the run.
func (p RetrievalParams) Command() string {
	cmd := fmt.Sprintf("supportd bench retrieval --chunks %d --queries %d --recall-queries %d --seed %d",
		p.Chunks, p.Queries, p.RecallQueries, p.Seed)
	if p.Reseed {
		cmd += " --reseed"
	}
	return cmd
}

// KBName is the knowledge base the corpus is seeded into.
func (p RetrievalParams) KBName() string {
	return fmt.Sprintf("bench-retrieval-%d-%d", p.Seed, p.Chunks)
}

// latencyMethods are the Retrieve methods timed, in report order.
var latencyMethods = [...]string{"hybrid", "vector", "text"}

// warmup is how many queries run once per method before timing starts.
const warmup = 20

// markerURI names the chunkless document that records which corpus a
// retrieval knowledge base holds. It is written last, so its presence also
// says that seeding finished.
const markerURI = "_bench/corpus-marker"

// RetrievalReport is the outcome of Retrieval.
type RetrievalReport struct {
	Params   RetrievalParams
	Setup    string
	Articles int
	Chunks   int64   // chunks in the knowledge base
	Reused   bool    // the seeded corpus was already there
	Seed     SyncRun // when not reused
	Methods  []MethodRun
	Recall   RecallRun
}

// MethodRun is the latency of one retrieval method over the queries.
type MethodRun struct {
	Method string
	// Latency includes the queries that overran the retrieval deadline, at
	// the time they failed.
	Latency Latency
	Errors  int // retrieval deadline overruns
	// SourceHit is the share of queries whose source article is among the
	// documents of the top ten passages: a sanity check, not a quality
	// figure (the queries are built from the corpus's own words).
	SourceHit float64
}

// RecallRun compares the HNSW index with an exact scan on the vector list,
// and the text list (top postings in a large knowledge base) with exact
// BM25 over every chunk holding a query term.
type RecallRun struct {
	Queries     int
	Mean, Min   float64
	Full        int // queries whose top ten matched exactly
	HNSW, Exact Latency
	// Bare is one bare HNSW query through pgx (Store.Neighbours): the
	// floor any retrieval is measured against.
	Bare Latency
	// TextMean and TextMin are the share of exact BM25's top ten that the
	// text list's top ten holds; Text and TextExact their latencies.
	TextMean, TextMin float64
	Text, TextExact   Latency
}

// Retrieval seeds a knowledge base with about p.Chunks synthetic chunks
// (unless it already holds exactly that corpus), then times p.Queries
// generated questions through Retriever.Retrieve for each method, and
// measures recall@10 of the vector search through the HNSW index against an
// exact scan.
func Retrieval(ctx context.Context, d Deps, p RetrievalParams) (RetrievalReport, error) {
	rep := RetrievalReport{Params: p}
	if err := d.check(); err != nil {
		return rep, err
	}
	if p.Chunks <= 0 || p.Queries <= 0 || p.RecallQueries < 0 {
		return rep, fmt.Errorf("bench retrieval: --chunks and --queries must be positive, --recall-queries not negative")
	}
	var err error
	if rep.Setup, err = d.setup(ctx); err != nil {
		return rep, err
	}
	d.progress("generating a corpus of about %d chunks", p.Chunks)
	corpus := Synthetic(SyntheticParams{Seed: p.Seed, Chunks: p.Chunks, ChunkTokens: d.Settings.ChunkTokens, Tokens: d.Chunker.CountTokens})
	rep.Articles = len(corpus.Articles)
	kb, err := d.seeded(ctx, p, corpus, &rep)
	if err != nil {
		return rep, err
	}
	rep.Chunks = kb.ChunkCount
	queries := Queries(corpus, p.Seed, p.Queries)
	if rep.Methods, err = d.latencies(ctx, kb, queries); err != nil {
		return rep, err
	}
	rep.Recall, err = d.recall(ctx, kb, queries[:min(p.RecallQueries, len(queries))], 0)
	return rep, err
}

// marker identifies a seeded corpus: generator, seed, size, chunking and
// embedder.
func (d Deps) marker(p RetrievalParams) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s seed=%d chunks=%d chunk_tokens=%d overlap=%d model=%s dim=%d",
		SyntheticVersion, p.Seed, p.Chunks, d.Settings.ChunkTokens, d.Settings.ChunkOverlap, d.Embedder.Model(), d.Embedder.Dimension()))
	return hex.EncodeToString(sum[:])
}

// seeded returns the knowledge base holding corpus, reusing it when it
// already does (unless p.Reseed), else seeding it afresh through the
// Syncer and marking it.
func (d Deps) seeded(ctx context.Context, p RetrievalParams, corpus Corpus, rep *RetrievalReport) (store.KB, error) {
	if !p.Reseed {
		kb, ok, err := d.holds(ctx, p, len(corpus.Articles))
		if err != nil || ok {
			rep.Reused = ok
			return kb, err
		}
	}
	d.progress("seeding %s", p.KBName())
	files, cleanup, err := writeCorpus(corpus)
	if err != nil {
		return store.KB{}, err
	}
	defer cleanup()
	kb, err := d.freshKB(ctx, p.KBName())
	if err != nil {
		return kb, err
	}
	if rep.Seed, err = d.sync(ctx, kb, files, "seeding"); err != nil {
		return kb, err
	}
	err = d.Store.WriteDocuments(ctx, kb, []store.DocumentWrite{{
		SourceURI: markerURI, Title: "benchmark corpus marker", ContentHash: d.marker(p),
		Metadata: map[string]any{"generator": SyntheticVersion, "seed": p.Seed, "chunks": p.Chunks},
	}})
	if err != nil {
		return kb, err
	}
	return d.Store.KB(ctx, d.Tenant, p.KBName())
}

// holds reports whether p's knowledge base already holds its corpus: the
// marker matches and every article is there.
func (d Deps) holds(ctx context.Context, p RetrievalParams, articles int) (store.KB, bool, error) {
	kb, err := d.Store.KB(ctx, d.Tenant, p.KBName())
	if err != nil {
		if core.ErrorCode(err) == core.CodeKBNotFound {
			err = nil
		}
		return kb, false, err
	}
	hashes, err := d.Store.DocumentHashes(ctx, kb)
	if err != nil {
		return kb, false, err
	}
	ok := hashes[markerURI] == d.marker(p) && len(hashes) == articles+1 && kb.ChunkCount > 0
	if ok {
		d.progress("knowledge base %s already holds this corpus: not seeding", kb.Name)
	}
	return kb, ok, nil
}

// latencies times every query through each method, interleaved so that
// the methods see the same cache state, after a short untimed warm-up.
func (d Deps) latencies(ctx context.Context, kb store.KB, queries []Query) ([]MethodRun, error) {
	for _, q := range queries[:min(warmup, len(queries))] {
		for _, m := range latencyMethods {
			if _, err := d.retrieve(ctx, kb, q.Text, m); err != nil && core.ErrorCode(err) != core.CodeUpstreamTimeout {
				return nil, err
			}
		}
	}
	times := make([][]time.Duration, len(latencyMethods))
	runs := make([]MethodRun, len(latencyMethods))
	for i, q := range queries {
		if i%100 == 0 {
			d.progress("retrieval: query %d/%d", i, len(queries))
		}
		for j, m := range latencyMethods {
			start := time.Now()
			ps, err := d.retrieve(ctx, kb, q.Text, m)
			times[j] = append(times[j], time.Since(start))
			switch {
			case core.ErrorCode(err) == core.CodeUpstreamTimeout:
				runs[j].Errors++
				continue
			case err != nil:
				return nil, err
			}
			if FirstHit(RankDocuments(ps), map[string]bool{q.Source: true}, 10) > 0 {
				runs[j].SourceHit++
			}
		}
	}
	for j, m := range latencyMethods {
		runs[j].Method, runs[j].Latency = m, Summarize(times[j])
		runs[j].SourceHit /= float64(len(queries))
	}
	return runs, nil
}

func (d Deps) retrieve(ctx context.Context, kb store.KB, question, method string) ([]core.Passage, error) {
	return d.Retriever.Retrieve(ctx, retrieve.Query{KB: kb, Question: question, TopK: 10, Method: method})
}

// recall runs each query's vector search through the HNSW index, as
// Retrieve does (store.Search without the text list), and compares its top
// ten chunks with an exact scan's; times a bare HNSW query; and compares
// the text list's top ten with exact BM25's. postingsFrom is the text
// list's store.SearchParams.PostingsFrom: 0 searches as configured, 1
// reads top postings whatever the knowledge base's size (a small real
// corpus would otherwise be scored exactly and match trivially).
//
// The reference is Store.ExactNeighbours rather than store.Search with
// Exact set: Search's Exact turns index scans off for its transaction, but
// once the connection has cached a generic plan for the search statement
// the cached plan, HNSW index and all, is used regardless.
func (d Deps) recall(ctx context.Context, kb store.KB, queries []Query, postingsFrom int) (RecallRun, error) {
	run := RecallRun{Queries: len(queries), Min: 1, TextMin: 1}
	var times [5][]time.Duration // HNSW, exact, bare, text, exact text
	timed := func(i int, f func() ([]int64, error)) ([]int64, error) {
		start := time.Now()
		ids, err := f()
		times[i] = append(times[i], time.Since(start))
		return ids, err
	}
	_, candidates := d.Retriever.Settings(kb)
	for i, q := range queries {
		if i%25 == 0 {
			d.progress("recall: query %d/%d", i, len(queries))
		}
		vec, err := d.Embedder.EmbedQuery(ctx, q.Text)
		if err != nil {
			return run, err
		}
		search := func(p store.SearchParams) func() ([]int64, error) {
			p.KB, p.Query, p.Vector = kb, q.Text, vec
			return func() ([]int64, error) { return d.topTen(ctx, p) }
		}
		got, err := timed(0, search(store.SearchParams{Candidates: 10, SkipText: true}))
		if err != nil {
			return run, err
		}
		want, err := timed(1, func() ([]int64, error) { return d.Store.ExactNeighbours(ctx, kb, vec, 10) })
		if err != nil {
			return run, err
		}
		r := Recall(got, want)
		run.Mean += r
		run.Min = min(run.Min, r)
		if r == 1 {
			run.Full++
		}
		if _, err := timed(2, func() ([]int64, error) { return d.Store.Neighbours(ctx, kb, vec, 10) }); err != nil {
			return run, err
		}
		if got, err = timed(3, search(store.SearchParams{Candidates: candidates, SkipVector: true, PostingsFrom: postingsFrom})); err != nil {
			return run, err
		}
		if want, err = timed(4, search(store.SearchParams{Candidates: candidates, SkipVector: true, ExactText: true})); err != nil {
			return run, err
		}
		r = Recall(got, want)
		run.TextMean += r
		run.TextMin = min(run.TextMin, r)
	}
	n := float64(max(len(queries), 1))
	run.Mean /= n
	run.TextMean /= n
	run.HNSW, run.Exact, run.Bare, run.Text, run.TextExact = Summarize(times[0]), Summarize(times[1]), Summarize(times[2]), Summarize(times[3]), Summarize(times[4])
	return run, nil
}

// topTen returns the ids of the top ten of the one list p searches.
func (d Deps) topTen(ctx context.Context, p store.SearchParams) ([]int64, error) {
	ps, err := d.Store.Search(ctx, p)
	var ids []int64
	for _, c := range ps {
		if rank := max(c.VectorRank, c.TextRank); rank > 0 && rank <= 10 {
			ids = append(ids, c.ChunkID)
		}
	}
	return ids, err
}

// WriteMarkdown prints the report.
func (r RetrievalReport) WriteMarkdown(w io.Writer) {
	header(w, "Retrieval latency and HNSW recall", r.Params.Command(), r.Params.KBName(), r.Setup)
	if r.Reused {
		fmt.Fprintf(w, "corpus: %d synthetic articles, %d chunks — already seeded by an earlier run (same marker), not rebuilt\n\n", r.Articles, r.Chunks)
	} else {
		fmt.Fprintf(w, "corpus: %d synthetic articles, %d chunks seeded in %s s (%s chunks/s; load + chunk %s s, embed %s s, database %s s including HNSW index upkeep)\n\n",
			r.Articles, r.Chunks, seconds(r.Seed.Total), rate(r.Seed.Chunks, r.Seed.Total),
			seconds(r.Seed.LoadAndChunk()), seconds(r.Seed.Embed), seconds(r.Seed.Database))
	}
	t := newTable("method", "queries", "p50 ms", "p95 ms", "p99 ms", "mean ms", "max ms", "deadline overruns", "source article in top 10")
	for _, m := range r.Methods {
		l := m.Latency
		t.add(m.Method, fmt.Sprintf("%d", l.N), millis(l.P50), millis(l.P95), millis(l.P99), millis(l.Mean), millis(l.Max),
			fmt.Sprintf("%d", m.Errors), share(m.SourceHit))
	}
	t.write(w)
	fmt.Fprintf(w, "\nRetriever.Retrieve end to end (embedding the question, one store.Search, fusion, dedupe), top 10, one query at a time after %d warm-up queries, methods interleaved per query. Queries that overran the retrieval deadline count at the time they failed.\n\n", warmup)
	rc := r.Recall
	t = newTable("vector search, top 10", "queries", "recall@10 mean", "recall@10 min", "queries with all 10", "p50 ms", "p95 ms")
	t.add("HNSW index", fmt.Sprintf("%d", rc.Queries), fmt.Sprintf("%.4f", rc.Mean), share(rc.Min),
		fmt.Sprintf("%d", rc.Full), millis(rc.HNSW.P50), millis(rc.HNSW.P95))
	t.add("exact scan (reference)", fmt.Sprintf("%d", rc.Queries), "1", "1", fmt.Sprintf("%d", rc.Queries), millis(rc.Exact.P50), millis(rc.Exact.P95))
	t.write(w)
	fmt.Fprintln(w, "\nrecall@10: share of the exact top-10 chunk ids (Store.ExactNeighbours, a full scan) that the index path (store.Search with SkipText) also returns.")
	fmt.Fprintln(w)
	t = newTable("text list, top 10", "queries", "overlap@10 mean", "overlap@10 min", "p50 ms", "p95 ms")
	t.add("BM25 as searched (top postings from 5,000 chunks)", fmt.Sprintf("%d", rc.Queries), fmt.Sprintf("%.4f", rc.TextMean), share(rc.TextMin),
		millis(rc.Text.P50), millis(rc.Text.P95))
	t.add("exact BM25 (reference)", fmt.Sprintf("%d", rc.Queries), "1", "1", millis(rc.TextExact.P50), millis(rc.TextExact.P95))
	t.write(w)
	fmt.Fprintln(w, "\noverlap@10: share of exact BM25's top-10 chunk ids (every chunk holding a query term scored) that the text list (store.Search with SkipVector) also ranks in its top ten.")
}

// RatioRows are retrieval's rows of the benchmark table: hybrid p95
// against the vector-only p95 and a bare HNSW query through pgx of the
// same run, and the text list's top-10 overlap with exact BM25.
func (r RetrievalReport) RatioRows() []RatioRow {
	p95 := map[string]float64{}
	for _, m := range r.Methods {
		p95[m.Method] = ms(m.Latency.P95)
	}
	size := fmt.Sprintf("%dk chunks", r.Chunks/1000)
	return []RatioRow{
		NewRatioRow("hybrid retrieval p95 at "+size+" vs vector-only p95", "ms", p95["hybrid"], "vector-only retrieval", p95["vector"], RatioAtMost(2)),
		NewRatioRow("hybrid retrieval p95 at "+size+" vs a bare HNSW query", "ms", p95["hybrid"], "bare HNSW query through pgx", ms(r.Recall.Bare.P95), Goal{}),
		NewRatioRow("BM25 top-10 overlap with exact BM25 at "+size, "", r.Recall.TextMean, "", 0, AtLeast(0.95)),
	}
}
