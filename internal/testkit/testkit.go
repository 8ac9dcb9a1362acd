// Package testkit wires the real components (store on a fresh test
// database, built-in embedder, chunker, retriever, extractive answerer,
// assistant, syncer) for tests that exercise more than one package.
// Test-only: production code never imports it; the composition root in
// cmd/supportd does the same wiring from configuration.
package testkit

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"

	"supportd/internal/assistant"
	"supportd/internal/dbtest"
	"supportd/internal/embed"
	"supportd/internal/extract"
	"supportd/internal/ingest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// Tenant is the tenant every kit acts for.
const Tenant = "default"

// Kit is a wired set of real components over a private database.
type Kit struct {
	Store     *store.Store
	Embedder  embed.Embedder
	Chunker   *ingest.Chunker
	Retriever *retrieve.Retriever
	Extractor *extract.Answerer
	Assistant *assistant.Assistant
	Syncer    *ingest.Syncer
	Log       *slog.Logger
}

// New wires a kit over a fresh database that is dropped when t ends.
func New(t testing.TB) *Kit {
	t.Helper()
	return Wire(t, dbtest.New(t))
}

// Wire builds a kit over an existing store.
func Wire(t testing.TB, st *store.Store) *Kit {
	t.Helper()
	emb, err := embed.New(embed.Params{})
	if err != nil {
		t.Fatalf("testkit: embedder: %v", err)
	}
	chunker, err := ingest.NewChunker(ingest.ChunkerParams{})
	if err != nil {
		t.Fatalf("testkit: chunker: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ret := retrieve.New(st, emb, retrieve.Params{})
	ext := extract.New(extract.Params{})
	return &Kit{
		Store: st, Embedder: emb, Chunker: chunker, Retriever: ret, Extractor: ext, Log: log,
		Assistant: assistant.New(assistant.Deps{KBs: st, Retriever: ret, Extractor: ext, Turns: st, Log: log}, assistant.Params{}),
		Syncer:    ingest.NewSyncer(st, emb, chunker, ingest.SyncerParams{}),
	}
}

// KB creates (or returns) a knowledge base for the kit's embedder.
func (k *Kit) KB(t testing.TB, name string) store.KB {
	t.Helper()
	kb, err := k.Store.EnsureKB(context.Background(), store.KBParams{
		Tenant: Tenant, Name: name, Model: k.Embedder.Model(), Dim: k.Embedder.Dimension()})
	if err != nil {
		t.Fatalf("testkit: knowledge base: %v", err)
	}
	return kb
}

// Ingest syncs the files under paths into the named knowledge base and
// returns it with the report.
func (k *Kit) Ingest(t testing.TB, name string, prune bool, paths ...string) (store.KB, ingest.Report) {
	t.Helper()
	files, err := ingest.Discover(paths...)
	if err != nil {
		t.Fatalf("testkit: discover: %v", err)
	}
	kb := k.KB(t, name)
	rep, err := k.Syncer.Sync(context.Background(), ingest.SyncParams{KB: kb, Files: files, Prune: prune})
	if err != nil {
		t.Fatalf("testkit: sync: %v", err)
	}
	kb, err = k.Store.KB(context.Background(), Tenant, name)
	if err != nil {
		t.Fatalf("testkit: reload knowledge base: %v", err)
	}
	return kb, rep
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// DemoCorpus is the demo knowledge base's folder.
func DemoCorpus() string { return filepath.Join(RepoRoot(), "goldenset", "corpus") }
