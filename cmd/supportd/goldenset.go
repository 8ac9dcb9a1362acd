package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"supportd/internal/config"
	"supportd/internal/eval"
	"supportd/internal/store"
)

const goldensetUsage = `usage: supportd goldenset candidates|export|add [flags]

  candidates  recent low-confidence, handed-off and rated-down turns as draft cases
  export      resolved review items as golden cases (--since last: only those not exported before)
  add         append cases to the golden set, skipping questions it already has`

func runGoldenset(ctx context.Context, env *environment, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "candidates":
			return runGoldenCandidates(ctx, env, args[1:])
		case "export":
			return runGoldenExport(ctx, env, args[1:])
		case "add":
			return runGoldenAdd(env, args[1:])
		}
	}
	fmt.Fprintln(env.stderr, goldensetUsage)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return flag.ErrHelp
	}
	return errors.New("goldenset needs the subcommand candidates, export or add")
}

func runGoldenCandidates(ctx context.Context, env *environment, args []string) error {
	var kbName, out string
	var since time.Duration
	var limit int
	cfg, _, err := loadConfig(env, "goldenset candidates", "[--kb NAME] [--since 168h] [--limit 100] [--out FILE]", config.General|config.Database|config.Review, args, func(fs *flag.FlagSet) {
		fs.StringVar(&kbName, "kb", "", "only turns of this knowledge base")
		fs.DurationVar(&since, "since", 7*24*time.Hour, "how far back to look")
		fs.IntVar(&limit, "limit", 100, "most candidates to export")
		fs.StringVar(&out, "out", "", "write to this file instead of standard output")
	})
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Params{URL: cfg.DatabaseURL, MaxConns: 2})
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	defer st.Close()
	cands, err := st.Candidates(ctx, store.CandidateFilter{Tenant: cfg.Tenant, KB: kbName, Since: time.Now().Add(-since),
		MinConfidence: cfg.MinConfidence, Limit: limit})
	if err != nil {
		return err
	}
	if err := writeOut(env.stdout, out, func(w io.Writer) error { return writeCandidates(w, cands) }); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "%d candidate case(s) exported; fill in reference_answer, required_facts and expected_sources (or set should_handoff), then add them to the golden set\n", len(cands))
	return nil
}

// writeCandidates prints draft golden cases. Each is preceded by a comment
// line with what the assistant did; reference_answer is left empty, so the
// golden-set validator refuses a draft until a person has labelled it.
func writeCandidates(w io.Writer, cands []store.Candidate) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, c := range cands {
		answer := strings.Join(strings.Fields(c.Answer), " ")
		if len(answer) > 300 {
			answer = answer[:300] + "…"
		}
		if _, err := fmt.Fprintf(w, "// turn %d (%s, %s): mode=%s confidence=%.2f cited=%v answer=%q\n",
			c.TurnID, c.KB, c.Reason, c.Mode, c.Confidence, c.Cited, answer); err != nil {
			return err
		}
		draft := eval.Case{ID: fmt.Sprintf("candidate-%d", c.TurnID), Question: c.Question, RequiredFacts: []string{},
			ExpectedSources: c.Cited, Tags: []string{"candidate", c.Reason}}
		if draft.ExpectedSources == nil {
			draft.ExpectedSources = []string{}
		}
		if err := enc.Encode(draft); err != nil {
			return err
		}
	}
	return nil
}

// writeOut writes to the file at path, or to stdout when path is empty.
func writeOut(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runGoldenExport writes resolved review items as golden cases. --since
// last (the default) takes only the items no earlier export included and
// records this export, so running it every week exports each item once.
func runGoldenExport(ctx context.Context, env *environment, args []string) error {
	var since, out string
	cfg, c, err := loadConfig(env, "goldenset export", "[--since last|all|TIME] [--out FILE]", config.General|config.Database, args, func(fs *flag.FlagSet) {
		fs.StringVar(&since, "since", "last", `"last": items not exported before (recorded as a new export); "all": every resolved item; or an RFC 3339 time: items resolved since then`)
		fs.StringVar(&out, "out", "", "write to this file instead of standard output")
	})
	if err != nil {
		return err
	}
	if c.NArg() > 0 {
		return c.misuse("goldenset export takes no arguments, got %q", c.Args())
	}
	var resolvedSince time.Time
	if since != "last" && since != "all" {
		if resolvedSince, err = time.Parse(time.RFC3339, since); err != nil {
			return c.misuse(`--since must be "last", "all" or an RFC 3339 time, not %q`, since)
		}
	}
	st, err := store.Open(ctx, store.Params{URL: cfg.DatabaseURL, MaxConns: 2})
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	defer st.Close()
	var items []store.ReviewItem
	var exportID int64
	var n int
	write := func(items []store.ReviewItem) error {
		return writeOut(env.stdout, out, func(w io.Writer) error {
			var err error
			n, err = eval.WriteReviewCases(w, items)
			return err
		})
	}
	if since == "last" {
		// A failed write records no export, so the next run exports the
		// same items again.
		exportID, items, err = st.ExportReviews(ctx, cfg.Tenant, "cli", write)
	} else {
		items, err = st.ReviewItems(ctx, store.ReviewFilter{Tenant: cfg.Tenant, Status: "resolved", ResolvedSince: resolvedSince, Limit: 100000})
		slices.Reverse(items)
		if err == nil {
			err = write(items)
		}
	}
	if err != nil {
		return err
	}
	switch {
	case exportID > 0:
		fmt.Fprintf(env.stderr, "export #%d: %d case(s) from %d resolved review item(s); add them with 'supportd goldenset add FILE'\n", exportID, n, len(items))
	case since == "last":
		fmt.Fprintln(env.stderr, "nothing resolved since the last export")
	default:
		fmt.Fprintf(env.stderr, "%d case(s) from %d resolved review item(s)\n", n, len(items))
	}
	return nil
}

// runGoldenAdd appends cases to the golden set, skipping the questions it
// already asks of the same knowledge base, and rewrites it only when the
// result validates.
func runGoldenAdd(env *environment, args []string) error {
	var golden, kbName string
	cfg, c, err := loadConfig(env, "goldenset add", "[--golden FILE] [--kb NAME] CASES.jsonl", config.General, args, func(fs *flag.FlagSet) {
		fs.StringVar(&golden, "golden", "", "golden set to grow; default SUPPORTD_EVAL_GOLDEN")
		fs.StringVar(&kbName, "kb", "", `knowledge base of cases without a "kb:NAME" tag; default SUPPORTD_EVAL_KB`)
	})
	if err != nil {
		return err
	}
	if c.NArg() != 1 {
		return c.misuse("goldenset add takes one file of cases")
	}
	golden = or(golden, cfg.EvalGolden)
	add, err := eval.LoadGolden(c.Arg(0))
	if err != nil {
		return err
	}
	added, dups, total, err := eval.GrowFile(golden, add.Cases, or(kbName, cfg.EvalKB))
	if err != nil {
		return err
	}
	for _, d := range dups {
		fmt.Fprintf(env.stderr, "skipped %s: the golden set already asks this (%s)\n", d.Case.ID, d.Of)
	}
	fmt.Fprintf(env.stdout, "%s: %d case(s) added, %d duplicate(s) skipped; %d cases now\n", golden, len(added), len(dups), total)
	return nil
}
