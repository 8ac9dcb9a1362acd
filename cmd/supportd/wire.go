package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"supportd/internal/assistant"
	"supportd/internal/config"
	"supportd/internal/embed"
	"supportd/internal/extract"
	"supportd/internal/ingest"
	"supportd/internal/retrieve"
	"supportd/internal/store"
)

// loadConfig parses a subcommand's flags (the configuration registry plus
// its own) and environment.
func loadConfig(env *environment, name, synopsis string, args []string, own func(fs *flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("supportd "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "usage: supportd %s %s\n\nflags (each also settable by its environment variable):\n", name, synopsis)
		fs.PrintDefaults()
	}
	if own != nil {
		own(fs)
	}
	cfg, err := config.Load(fs, args, env.getenv)
	if err != nil {
		if err == flag.ErrHelp {
			return cfg, fs, err
		}
		return cfg, fs, fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return cfg, fs, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// app is the object graph shared by the subcommands.
type app struct {
	cfg       config.Config
	log       *slog.Logger
	store     *store.Store
	embedder  embed.Embedder
	chunker   *ingest.Chunker
	retriever *retrieve.Retriever
	assistant *assistant.Assistant
	syncer    *ingest.Syncer
}

// build connects to the database and wires every component.
func build(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	st, err := store.Open(ctx, store.Params{URL: cfg.DatabaseURL, MaxConns: int32(cfg.DBMaxConns), EfSearch: cfg.HNSWEfSearch})
	if err != nil {
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	emb, err := embed.New(embed.Params{
		Provider: cfg.Embedder, Model: cfg.EmbedModel, Dimension: cfg.EmbedDim, BaseURL: cfg.EmbedBaseURL,
		APIKey: cfg.EmbedAPIKey, BatchSize: cfg.EmbedBatchSize, Timeout: cfg.EmbedTimeout,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	chunker, err := ingest.NewChunker(ingest.ChunkerParams{Size: cfg.ChunkTokens, Overlap: cfg.ChunkOverlap})
	if err != nil {
		st.Close()
		return nil, err
	}
	ret := retrieve.New(st, emb, retrieve.Params{Candidates: cfg.Candidates, Timeout: cfg.RetrieveTimeout})
	asst := assistant.New(assistant.Deps{
		KBs: st, Retriever: ret, Turns: st, Log: log,
		Extractor: extract.New(extract.Params{MaxSentences: cfg.ExtractSentences, MinConfidence: cfg.MinConfidence}),
	}, assistant.Params{TopK: cfg.TopK, MaxQuestionChars: cfg.MaxQuestionChars})
	return &app{
		cfg: cfg, log: log, store: st, embedder: emb, chunker: chunker, retriever: ret, assistant: asst,
		syncer: ingest.NewSyncer(st, emb, chunker, ingest.SyncerParams{}),
	}, nil
}

func (a *app) close() { a.store.Close() }

// checkSchema refuses to run against a database whose schema is not the
// one this binary was built for.
func (a *app) checkSchema(ctx context.Context) error {
	current, target, err := a.store.MigrationState(ctx)
	if err != nil {
		return err
	}
	if current != target {
		return fmt.Errorf("database schema is at version %d; this binary needs %d: run 'supportd migrate'", current, target)
	}
	return nil
}
