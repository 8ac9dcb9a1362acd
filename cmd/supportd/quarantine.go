package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"supportd/internal/config"
	"supportd/internal/store"
)

// runQuarantine lists a knowledge base's quarantined documents (flagged at
// ingestion, skipped by retrieval) or releases one, audited as "cli".
func runQuarantine(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "release") {
		fmt.Fprintln(env.stderr, "usage: supportd quarantine list|release [flags]\n\n"+
			"  list    --kb NAME [--tenant T]\n"+
			"  release --kb NAME [--tenant T] DOCUMENT_ID")
		return errors.New("quarantine needs a subcommand: list or release")
	}
	var kbName string
	synopsis := "--kb NAME [--tenant T]"
	if args[0] == "release" {
		synopsis += " DOCUMENT_ID"
	}
	cfg, fs, err := loadConfig(env, "quarantine "+args[0], synopsis, config.General|config.Database, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&kbName, "kb", "", "knowledge base")
	})
	if err != nil {
		return err
	}
	if kbName == "" {
		return errors.New("quarantine needs --kb")
	}
	st, err := store.Open(ctx, store.Params{URL: cfg.DatabaseURL, MaxConns: 2})
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	defer st.Close()
	kb, err := st.KB(ctx, cfg.Tenant, kbName)
	if err != nil {
		return err
	}
	if args[0] == "list" {
		docs, err := st.QuarantinedDocuments(ctx, kb)
		if err != nil {
			return err
		}
		for _, d := range docs {
			fmt.Fprintf(env.stdout, "%d\t%s\t%s\n", d.ID, d.SourceURI, strings.Join(d.Flags, ","))
		}
		return nil
	}
	if fs.NArg() != 1 {
		return errors.New("quarantine release takes one document id")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("document id %q is not a number", fs.Arg(0))
	}
	doc, err := st.ReleaseDocument(ctx, kb, id, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "released %d %s\n", doc.ID, doc.SourceURI)
	return nil
}
