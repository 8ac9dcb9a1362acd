package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"supportd/internal/config"
	"supportd/internal/eval"
	"supportd/internal/store"
)

func runGoldenset(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "candidates" {
		fmt.Fprintln(env.stderr, "usage: supportd goldenset candidates [--kb NAME] [--since 168h] [--limit 100] [--out FILE]")
		return errors.New("goldenset needs the subcommand candidates")
	}
	var kbName, out string
	var since time.Duration
	var limit int
	cfg, _, err := loadConfig(env, "goldenset candidates", "[--kb NAME] [--since 168h] [--limit 100] [--out FILE]", config.General|config.Database|config.Review, args[1:], func(fs *flag.FlagSet) {
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
	w := env.stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := writeCandidates(w, cands); err != nil {
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
