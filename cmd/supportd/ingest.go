package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"supportd/internal/config"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

func runIngest(ctx context.Context, env *environment, args []string) error {
	var kbName string
	var prune bool
	cfg, fs, err := loadConfig(env, "ingest", "--kb NAME [--prune] PATH...", config.General|config.Database|config.Embedding|config.Chunking, args, func(fs *flag.FlagSet) {
		fs.StringVar(&kbName, "kb", "", "knowledge base to sync into (created when absent)")
		fs.BoolVar(&prune, "prune", false, "remove documents whose source file is gone")
	})
	if err != nil {
		return err
	}
	if kbName == "" {
		return fs.misuse("--kb is required")
	}
	if fs.NArg() == 0 {
		return fs.misuse("no PATH to ingest")
	}
	found, err := ingest.Scan(fs.Args()...)
	if err != nil {
		return err
	}
	files := found.Files
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	kb, err := a.Store.EnsureKB(ctx, a.Library.KBParams(cfg.Tenant, kbName))
	if err != nil {
		return err
	}
	progress, finish := progressReporter(env.stdout, len(files))
	rep, err := a.Syncer.Sync(ctx, ingest.SyncParams{KB: kb, Files: files, Prune: prune, Progress: progress})
	finish()
	for _, r := range rep.Results {
		if r.Outcome == ingest.Failed {
			fmt.Fprintf(env.stderr, "failed: %s: %s\n", r.SourceURI, r.Error)
		}
		if len(r.Flags) > 0 {
			fmt.Fprintf(env.stderr, "flagged: %s holds text aimed at a language model (%s); review it\n", r.SourceURI, strings.Join(r.Flags, ", "))
		}
	}
	for _, s := range found.Skipped {
		fmt.Fprintf(env.stderr, "skipped: %s: %s\n", s.SourceURI, s.Reason)
	}
	fmt.Fprintf(env.stdout, "kb %s: %d added, %d updated, %d unchanged, %d pruned, %d failed; %d chunks written\n",
		kb.Name, rep.Counts[ingest.Added], rep.Counts[ingest.Updated], rep.Counts[ingest.Unchanged],
		rep.Counts[ingest.Pruned], rep.Counts[ingest.Failed], rep.Chunks)
	switch n := len(found.Skipped); n {
	case 0:
	case 1:
		fmt.Fprintln(env.stdout, "1 file skipped")
	default:
		fmt.Fprintf(env.stdout, "%d files skipped\n", n)
	}
	if err != nil {
		return err
	}
	if aerr := a.Store.Audit(ctx, store.AuditEntry{Tenant: cfg.Tenant, Actor: "cli", Action: "documents.ingest", Target: kb.Name,
		Details: map[string]any{"counts": rep.Counts, "prune": prune, "skipped": len(found.Skipped)}}); aerr != nil {
		return aerr
	}
	if rep.Failed() {
		return exitCode(2)
	}
	return nil
}

// progressReporter draws a bar on a terminal and prints plain lines
// otherwise (logs, CI), one per file.
func progressReporter(w io.Writer, total int) (func(done, total int, r ingest.Result), func()) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("ingesting"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		return func(done, _ int, _ ingest.Result) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
	}
	return func(done, total int, r ingest.Result) {
		fmt.Fprintf(w, "[%d/%d] %s %s\n", done, total, r.Outcome, r.SourceURI)
	}, func() {}
}
