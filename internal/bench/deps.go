package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"supportd/internal/core"
	"supportd/internal/embed"
	"supportd/internal/ingest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// Store is what the benchmarks need from the database.
type Store interface {
	ingest.Writer
	retrieve.Searcher
	// EnsureKB returns the named knowledge base, creating it when absent;
	// it fails with a coded core.Error.
	EnsureKB(ctx context.Context, p store.KBParams) (store.KB, error)
	// KB returns the tenant's knowledge base, or core.CodeKBNotFound.
	KB(ctx context.Context, tenant, name string) (store.KB, error)
	// DeleteKB removes a knowledge base with everything in it and says
	// whether it existed.
	DeleteKB(ctx context.Context, tenant, name string) (bool, error)
	// ExactNeighbours returns the ids of the k chunks nearest to vec by an
	// exact scan.
	ExactNeighbours(ctx context.Context, kb store.KB, vec []float32, k int) ([]int64, error)
	// Neighbours returns the ids of the k chunks nearest to vec through
	// the HNSW index, in one bare query.
	Neighbours(ctx context.Context, kb store.KB, vec []float32, k int) ([]int64, error)
	// BareLoad times a bare COPY of (text, vector) rows and an HNSW index
	// built over them, in a table rolled back after.
	BareLoad(ctx context.Context, dim int, texts []string, vecs [][]float32) (time.Duration, error)
	// ServerVersion names the database and pgvector versions.
	ServerVersion(ctx context.Context) (string, error)
}

// Retriever is the retrieval under test.
type Retriever interface {
	// Retrieve returns passages best first; it fails with a coded
	// core.Error (core.CodeUpstreamTimeout past its deadline).
	Retrieve(ctx context.Context, q retrieve.Query) ([]core.Passage, error)
	// Settings returns the fusion and candidates per list it uses for kb.
	Settings(kb store.KB) (retrieve.Fusion, int)
}

// Deps are the real components a benchmark measures, wired by the
// composition root exactly as the server wires them.
type Deps struct {
	Store     Store
	Embedder  embed.Embedder
	Chunker   *ingest.Chunker
	Retriever Retriever
	// Answerer, when set, answers the quality benchmark's questions end
	// to end.
	Answerer Answerer
	// Signals, when set with Answerer, measures each answer's
	// answerability signals for QualityParams.Signals.
	Signals  SignalFunc
	Tenant   string
	Settings Settings
	// Progress receives a line per step of a long run; nil discards them.
	Progress io.Writer
}

// Settings are the configured values that shape the figures; each report
// prints them so that runs can be compared.
type Settings struct {
	ChunkTokens  int // chunk size the chunker was built with
	ChunkOverlap int
	Candidates   int // per list before fusion, as the retriever uses
	EfSearch     int // HNSW ef_search of the store's connections
}

func (d Deps) check() error {
	if d.Store == nil || d.Embedder == nil || d.Chunker == nil || d.Retriever == nil {
		return fmt.Errorf("bench: missing dependency")
	}
	if d.Settings.ChunkTokens <= 0 || d.Settings.Candidates <= 0 {
		return fmt.Errorf("bench: settings need the chunk size and the candidate count")
	}
	return nil
}

func (d Deps) progress(format string, args ...any) {
	if d.Progress != nil {
		fmt.Fprintf(d.Progress, format+"\n", args...)
	}
}

// setup describes what the figures were measured with.
func (d Deps) setup(ctx context.Context) (string, error) {
	db, err := d.Store.ServerVersion(ctx)
	if err != nil {
		return "", err
	}
	s := d.Settings
	return fmt.Sprintf("embedder %s · chunks ≤ %d tokens, overlap %d · %d candidates per list · hnsw.ef_search %d · %s · %s %s/%s, %d CPUs%s",
		d.Embedder.Model(), s.ChunkTokens, s.ChunkOverlap, s.Candidates, s.EfSearch, db,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadAverage()), nil
}

// loadAverage returns ", load average N" on systems that publish it: the
// benchmarks share the machine with whatever else runs, and a busy machine
// explains slow figures.
func loadAverage() string {
	if l := loadNow(); l != "" {
		return ", load average " + l + " at start"
	}
	return ""
}

// freshKB deletes the named knowledge base when it exists and creates it
// anew for the embedder, so a run starts from nothing.
func (d Deps) freshKB(ctx context.Context, name string) (store.KB, error) {
	if _, err := d.Store.DeleteKB(ctx, d.Tenant, name); err != nil {
		return store.KB{}, err
	}
	return d.Store.EnsureKB(ctx, store.KBParams{
		Tenant: d.Tenant, Name: name, Model: d.Embedder.Model(), Dim: d.Embedder.Dimension()})
}

// header prints a report's title, command and setup lines.
func header(w io.Writer, title, command, kb, setup string) {
	fmt.Fprintf(w, "## %s\n\n", title)
	fmt.Fprintf(w, "command: `%s`\n\n", command)
	fmt.Fprintf(w, "knowledge base: `%s` · %s\n\n", kb, setup)
}
