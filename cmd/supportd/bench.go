package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"supportd/internal/bench"
	"supportd/internal/config"
)

// benchmark is one subcommand of bench.
type benchmark struct{ name, synopsis, summary string }

func benchmarks() []benchmark {
	return []benchmark{
		{"ingest", "[--chunks N] [--seed S]", "sync a synthetic corpus of about N chunks, then again unchanged"},
		{"retrieval", "[--chunks N] [--queries Q] [--recall-queries R] [--seed S] [--reseed]", "retrieval latency per method and HNSW recall@10 over N chunks"},
		{"quality", "[--dataset DIR]", "hit@k and MRR@10 of each retrieval method and fusion variant on a question set"},
	}
}

// runBench runs one benchmark and prints its Markdown report to stdout;
// progress goes to stderr.
func runBench(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		benchUsage(env.stderr)
		if len(args) == 0 {
			return errors.New("bench needs one of ingest, retrieval, quality")
		}
		return flag.ErrHelp
	}
	name, args := args[0], args[1:]
	for _, b := range benchmarks() {
		if b.name == name {
			return runBenchmark(ctx, env, name, b.synopsis, args)
		}
	}
	benchUsage(env.stderr)
	return fmt.Errorf("unknown benchmark %q", name)
}

func benchUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: supportd bench <benchmark> [flags]\n\nbenchmarks:")
	for _, b := range benchmarks() {
		fmt.Fprintf(w, "  %-10s %s\n", b.name, b.summary)
	}
}

func runBenchmark(ctx context.Context, env *environment, name, synopsis string, args []string) error {
	var chunks, queries, recallQueries int
	var seed uint64
	var dataset string
	var reseed bool
	cfg, fs, err := loadConfig(env, "bench "+name, synopsis, args, func(fs *flag.FlagSet) {
		switch name {
		case "ingest":
			fs.IntVar(&chunks, "chunks", 10000, "target chunk count of the synthetic corpus")
		case "retrieval":
			fs.IntVar(&chunks, "chunks", 100000, "target chunk count of the synthetic corpus")
			fs.IntVar(&queries, "queries", 500, "generated questions to time")
			fs.IntVar(&recallQueries, "recall-queries", 100, "of those, how many also measure HNSW recall against an exact scan")
			fs.BoolVar(&reseed, "reseed", false, "rebuild the knowledge base even when it already holds this corpus")
		case "quality":
			fs.StringVar(&dataset, "dataset", bench.DefaultDataset, "folder holding s10_corpus.jsonl and s10_qa.jsonl")
		}
		if name != "quality" {
			fs.Uint64Var(&seed, "seed", 1, "seed of the synthetic corpus and queries")
		}
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("bench %s takes no arguments, got %q", name, fs.Args())
	}
	if name == "quality" {
		// Checked before connecting: the skip must not need a database.
		if _, err := bench.LoadDataset(dataset); errors.Is(err, bench.ErrNoDataset) {
			fmt.Fprintf(env.stdout, "skipped: %v\n", err)
			return nil
		}
	}
	a, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.checkSchema(ctx); err != nil {
		return err
	}
	d := benchDeps(a, cfg, env.stderr)
	var report interface{ WriteMarkdown(io.Writer) }
	switch name {
	case "ingest":
		report, err = bench.Ingest(ctx, d, bench.IngestParams{Chunks: chunks, Seed: seed})
	case "retrieval":
		report, err = bench.Retrieval(ctx, d, bench.RetrievalParams{Chunks: chunks, Queries: queries, RecallQueries: recallQueries, Seed: seed, Reseed: reseed})
	default:
		report, err = bench.Quality(ctx, d, bench.QualityParams{Dataset: dataset})
	}
	if err != nil {
		return err
	}
	report.WriteMarkdown(env.stdout)
	return nil
}

// benchDeps hands the benchmarks the components build wired.
func benchDeps(a *app, cfg config.Config, progress io.Writer) bench.Deps {
	return bench.Deps{
		Store: a.store, Embedder: a.embedder, Chunker: a.chunker, Retriever: a.retriever, Tenant: cfg.Tenant,
		Settings: bench.Settings{
			ChunkTokens: cfg.ChunkTokens, ChunkOverlap: cfg.ChunkOverlap, Candidates: cfg.Candidates, EfSearch: cfg.HNSWEfSearch,
		},
		Progress: progress,
	}
}
