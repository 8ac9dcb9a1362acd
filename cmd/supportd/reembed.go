package main

import (
	"context"
	"flag"
	"fmt"

	"supportd/internal/config"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

// runReembed embeds every chunk of a knowledge base again with the
// configured embedder: the way forward for a knowledge base built by an
// older recipe of the built-in embedder, which requests otherwise refuse
// with embedding_mismatch.
func runReembed(ctx context.Context, env *environment, args []string) error {
	var kbName string
	cfg, fs, err := loadConfig(env, "reembed", "--kb NAME", config.General|config.Database|config.Embedding, args, func(fs *flag.FlagSet) {
		fs.StringVar(&kbName, "kb", "", "knowledge base whose chunks to embed again")
	})
	if err != nil {
		return err
	}
	if kbName == "" {
		return fs.misuse("--kb is required")
	}
	if fs.NArg() > 0 {
		return fs.misuse("takes no arguments, got %q", fs.Args())
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	kb, err := a.Store.KB(ctx, cfg.Tenant, kbName)
	if err != nil {
		return err
	}
	from := kb.EmbedModel
	kb, n, err := ingest.Reembed(ctx, a.Store, a.Embedder, kb)
	if err != nil {
		return err
	}
	if n == 0 && from == kb.EmbedModel {
		fmt.Fprintf(env.stdout, "kb %s: already embedded by %s\n", kb.Name, kb.EmbedModel)
		return nil
	}
	if err := a.Store.Audit(ctx, store.AuditEntry{Tenant: cfg.Tenant, Actor: "cli", Action: "kb.reembed", Target: kb.Name,
		Details: map[string]any{"from": from, "to": kb.EmbedModel, "chunks": n}}); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "kb %s: %d chunks re-embedded, %s → %s\n", kb.Name, n, from, kb.EmbedModel)
	return nil
}
