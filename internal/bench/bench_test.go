package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/embed"
	"supportd/internal/eval"
	"supportd/internal/ingest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// newDeps wires the real components over a fresh database, as the
// composition root does from the default configuration, except for a
// retrieval deadline long enough for a busy machine: tests check results,
// not timings.
func newDeps(t *testing.T) Deps {
	t.Helper()
	st := dbtest.New(t)
	emb, err := embed.New(embed.Params{})
	require.NoError(t, err)
	return Deps{
		Store: st, Embedder: emb, Chunker: chunker(), Retriever: retrieve.New(st, emb, retrieve.Params{Timeout: time.Minute}), Tenant: "default",
		Settings: Settings{ChunkTokens: ingest.DefaultChunkSize, ChunkOverlap: ingest.DefaultChunkOverlap, Candidates: 50, EfSearch: 100},
	}
}

// writeTinyDataset writes a six-section, four-question set as corpus.jsonl
// and qa.jsonl and returns its folder.
func writeTinyDataset(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny-set")
	require.NoError(t, os.Mkdir(dir, 0o755))
	sections := []DatasetSection{
		{DocID: "section_0", Title: "Wi-Fi", Text: "Wi-Fi\nConnect to a Wi-Fi network. From Settings, tap Connections, then Wi-Fi, and tap a network. Enter the network password when asked."},
		{DocID: "section_1", Title: "Bluetooth", Text: "Bluetooth\nPair your device with Bluetooth headphones, speakers and car kits. From Settings, tap Connections, then Bluetooth, and tap a device to pair."},
		{DocID: "section_2", Title: "Battery", Text: "Battery\nPower saving mode makes the battery last longer by limiting background apps, lowering screen brightness and turning off always-on display."},
		{DocID: "section_3", Title: "Camera", Text: "Camera\nTake pictures and record videos. Tap the shutter button to take a picture; press and hold it to record a video."},
		{DocID: "section_4", Title: "Screen lock types", Text: "Screen lock types\nSet a PIN, password or pattern to lock your screen. From Settings, tap Lock screen, then Screen lock type."},
		{DocID: "section_5", Title: "Wi-Fi Calling", Text: "Wi-Fi Calling\nMake calls over a Wi-Fi network when mobile signal is weak. From Settings, tap Connections, then Wi-Fi Calling."},
	}
	questions := []DatasetQuestion{
		{QID: "q1", Question: "How do I connect to a Wi-Fi network?", Answer: "From Settings, tap Connections, then Wi-Fi.", Candidates: []string{"section_0", "section_5"}},
		{QID: "q2", Question: "How can I pair my headphones over Bluetooth?", Answer: "From Settings, tap Connections, then Bluetooth.", Candidates: []string{"section_1"}},
		{QID: "q3", Question: "How do I make the battery last longer?", Answer: "Turn on power saving mode.", Candidates: []string{"section_2"}},
		{QID: "q4", Question: "How do I set a PIN to lock my screen?", Answer: "From Settings, tap Lock screen, then Screen lock type.", Candidates: []string{"section_4"}},
	}
	writeJSONL(t, filepath.Join(dir, "corpus.jsonl"), sections)
	writeJSONL(t, filepath.Join(dir, "qa.jsonl"), questions)
	return dir
}

func TestLoadDatasetLayouts(t *testing.T) {
	t.Parallel()
	plain := writeTinyDataset(t)
	ds, err := LoadDataset(plain)
	require.NoError(t, err)
	require.Len(t, ds.Sections, 6)
	require.Len(t, ds.Questions, 4)
	require.Equal(t, []string{"section_1"}, ds.Questions[1].Candidates)

	s10 := filepath.Join(t.TempDir(), "s10-set")
	require.NoError(t, os.Mkdir(s10, 0o755))
	for _, name := range []string{"corpus.jsonl", "qa.jsonl"} {
		b, err := os.ReadFile(filepath.Join(plain, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(s10, "s10_"+name), b, 0o644))
	}
	again, err := LoadDataset(s10)
	require.NoError(t, err)
	require.Equal(t, ds.Sections, again.Sections)
	require.Equal(t, ds.Questions, again.Questions)

	// The golden-set runner reads the same folder as a golden set.
	set, err := eval.LoadGolden(plain)
	require.NoError(t, err)
	require.Equal(t, plain, set.Path)
	require.Len(t, set.Hash, 64)
	require.Len(t, set.Cases, 4)
	require.Equal(t, eval.Case{ID: "q1", Question: "How do I connect to a Wi-Fi network?",
		ReferenceAnswer: "From Settings, tap Connections, then Wi-Fi.", RequiredFacts: []string{},
		ExpectedSources: []string{"section_0", "section_5"}, Tags: []string{"tiny-set"}}, set.Cases[0])

	_, err = LoadDataset(filepath.Join(t.TempDir(), "absent"))
	require.ErrorIs(t, err, ErrNoDataset)
	_, err = LoadDataset(t.TempDir())
	require.ErrorContains(t, err, "s10_corpus.jsonl")
}

func writeJSONL[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range rows {
		require.NoError(t, enc.Encode(r))
	}
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

func TestQualityOnTinyDataset(t *testing.T) {
	t.Parallel()
	d := newDeps(t)
	rep, err := Quality(context.Background(), d, QualityParams{Dataset: writeTinyDataset(t)})
	require.NoError(t, err)
	require.Equal(t, 6, rep.Sections)
	require.Equal(t, 4, rep.Questions)
	require.Equal(t, "bench-quality-tiny-set", rep.Params.KBName())
	require.Positive(t, rep.Chunks)

	hybrid, rescored := rep.row(hybridRow), rep.row(configuredRow)
	require.NotNil(t, hybrid)
	require.NotNil(t, rescored)
	require.Equal(t, hybrid.Scores, rescored.Scores, "re-scoring one Search must rank as Retrieve does")
	for _, row := range rep.Rows {
		require.Equal(t, 4, row.Scores.N(), row.Name)
	}
	require.Equal(t, 4, rep.Recall.Queries)
	// Six documents and fifty candidates: the vector list holds them all.
	require.InDelta(t, 1.0, rep.row("vector").Scores.HitAt(10), 1e-12)
	require.InDelta(t, 1.0, hybrid.Scores.HitAt(10), 1e-12)
	// The top-postings path, forced on: every posting of six documents fits
	// in what it reads, so it agrees with exact BM25.
	require.InDelta(t, 1.0, rep.Recall.TextMean, 1e-12)

	var out bytes.Buffer
	rep.WriteMarkdown(&out)
	require.Contains(t, out.String(), "| hybrid (Retrieve, configured fusion)")
	require.Contains(t, out.String(), "BM25 top-10 overlap with exact BM25, the top-postings path forced on whatever the size, same questions: 1.000")
	require.Contains(t, out.String(), "best: ")
	require.NotContains(t, out.String(), "note:")
}

func TestIngestSkipsUnchangedOnResync(t *testing.T) {
	t.Parallel()
	d := newDeps(t)
	rep, err := Ingest(context.Background(), d, IngestParams{Chunks: 40, Seed: 2})
	require.NoError(t, err)
	require.Equal(t, rep.Articles, rep.First.Written)
	require.InDelta(t, 40, rep.First.Chunks, 6)
	require.Equal(t, rep.Articles, rep.Again.Skipped)
	require.Zero(t, rep.Again.Chunks)
	require.Positive(t, rep.First.Embed)
	require.Positive(t, rep.First.Database)
	require.Positive(t, rep.Bare)
	rows := rep.RatioRows()
	require.Len(t, rows, 2)
	require.Equal(t, rep.Bare.Seconds(), rows[1].Bare)
	var md bytes.Buffer
	rep.WriteMarkdown(&md)
	require.Contains(t, md.String(), "bare COPY + CREATE INDEX of the same rows, same run: "+seconds(rep.Bare)+" s")
	var leftover bool
	require.NoError(t, d.Store.(*store.Store).Pool().QueryRow(context.Background(),
		`SELECT to_regclass('bench_bare_load') IS NOT NULL`).Scan(&leftover))
	require.False(t, leftover, "the bare baseline's table is rolled back")
	_, err = d.Store.KB(context.Background(), d.Tenant, rep.Params.KBName())
	require.Equal(t, core.CodeKBNotFound, core.ErrorCode(err), "the knowledge base is deleted after the run")

	// A rerun starts from an empty knowledge base again.
	again, err := Ingest(context.Background(), d, IngestParams{Chunks: 40, Seed: 2})
	require.NoError(t, err)
	require.Equal(t, rep.First.Chunks, again.First.Chunks)
	require.Equal(t, rep.Articles, again.First.Written)
}

func TestRetrievalReusesSeededCorpus(t *testing.T) {
	t.Parallel()
	d := newDeps(t)
	p := RetrievalParams{Chunks: 60, Queries: 5, RecallQueries: 4, Seed: 3}
	first, err := Retrieval(context.Background(), d, p)
	require.NoError(t, err)
	require.False(t, first.Reused)
	require.Positive(t, first.Chunks)
	require.Len(t, first.Methods, 3)
	for _, m := range first.Methods {
		require.Equal(t, 5, m.Latency.N+m.Errors, m.Method)
	}
	require.Equal(t, 4, first.Recall.Queries)
	require.Greater(t, first.Recall.Mean, 0.0)
	require.Equal(t, 4, first.Recall.Bare.N)
	require.Equal(t, 4, first.Recall.TextExact.N)
	require.Equal(t, 1.0, first.Recall.TextMean, "a small knowledge base's text list is exact BM25")
	rows := first.RatioRows()
	require.Len(t, rows, 3)
	require.Equal(t, 1.0, rows[2].Ours)
	require.True(t, rows[2].Met())

	second, err := Retrieval(context.Background(), d, p)
	require.NoError(t, err)
	require.True(t, second.Reused)
	require.Equal(t, first.Chunks, second.Chunks)

	p.Reseed = true
	reseeded, err := Retrieval(context.Background(), d, p)
	require.NoError(t, err)
	require.False(t, reseeded.Reused)
	require.Equal(t, first.Chunks, reseeded.Chunks)
	p.Reseed = false

	// Another size is another corpus, in its own knowledge base.
	p.Chunks = 30
	third, err := Retrieval(context.Background(), d, p)
	require.NoError(t, err)
	require.False(t, third.Reused)
}

// TestExactNeighboursIsExact ranks a small knowledge base's chunks by
// cosine similarity in Go and expects the same order from the store, after
// enough searches for the connection to cache a generic plan of the search
// statement (which defeats store.Search's Exact).
func TestExactNeighboursIsExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDeps(t)
	corpus := Synthetic(SyntheticParams{Seed: 4, Chunks: 40, Tokens: chunker().CountTokens})
	files, cleanup, err := writeCorpus(corpus)
	require.NoError(t, err)
	t.Cleanup(cleanup)
	kb, err := d.freshKB(ctx, "exact")
	require.NoError(t, err)
	_, err = d.sync(ctx, kb, files, "seeding")
	require.NoError(t, err)

	queries := Queries(corpus, 4, 12)
	for _, q := range queries {
		_, err := d.retrieve(ctx, kb, q.Text, "vector")
		require.NoError(t, err)
	}
	for _, q := range queries[:4] {
		vec, err := d.Embedder.EmbedQuery(ctx, q.Text)
		require.NoError(t, err)
		all, err := d.Store.Search(ctx, store.SearchParams{KB: kb, Query: q.Text, Vector: vec, Candidates: 1000, SkipText: true})
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(all), 30)
		texts := make([]string, len(all))
		for i, p := range all {
			texts[i] = ingest.IndexText(p.Title, p.Heading, p.Text)
		}
		vecs, err := d.Embedder.EmbedDocuments(ctx, texts)
		require.NoError(t, err)
		sims := make(map[int64]float64, len(all))
		for i, p := range all {
			sims[p.ChunkID] = dot(vec, vecs[i])
		}
		slices.SortFunc(all, func(a, b core.Passage) int {
			return cmp.Or(cmp.Compare(sims[b.ChunkID], sims[a.ChunkID]), cmp.Compare(a.ChunkID, b.ChunkID))
		})
		want := make([]int64, 10)
		for i := range want {
			want[i] = all[i].ChunkID
		}
		got, err := d.Store.ExactNeighbours(ctx, kb, vec, 10)
		require.NoError(t, err)
		require.Equal(t, want, got, q.Text)
	}
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestQualityKBName(t *testing.T) {
	t.Parallel()
	require.Equal(t, "bench-quality-emanual-s10", QualityParams{Dataset: "../shared/datasets/emanual-s10/"}.KBName())
	require.Equal(t, "bench-quality-my-set-v2", QualityParams{Dataset: "/data/My Set v2"}.KBName())
	long := QualityParams{Dataset: strings.Repeat("x", 100)}.KBName()
	require.Len(t, long, 63)
}

// A split keeps the questions of its half by id; --append adds the word to
// each kept question; both show in the command that repeats the run.
func TestQualityParamsSplitAndAppend(t *testing.T) {
	t.Parallel()
	qs := []DatasetQuestion{{QID: "q1", Question: "How do I charge it? "}, {QID: "q2", Question: "How do I reset it?"}}
	p := QualityParams{Dataset: "ds", Split: eval.SplitTune, Append: "banana"}
	require.Equal(t, []DatasetQuestion{{QID: "q2", Question: "How do I reset it? banana"}}, p.questions(qs))
	require.Equal(t, "supportd bench quality --dataset ds --split tune --append banana", p.Command())
	p = QualityParams{Dataset: "ds", Negatives: "n.jsonl", Split: eval.SplitHoldout}
	require.Equal(t, []DatasetQuestion{{QID: "q1", Question: "How do I charge it? "}}, p.questions(qs))
	require.Equal(t, "supportd bench quality --dataset ds --negatives n.jsonl --split holdout", p.Command())
	require.Equal(t, qs, QualityParams{Split: eval.SplitAll}.questions(qs))
	require.Equal(t, "bench-quality-ds", p.KBName(), "both halves use one knowledge base")
}
