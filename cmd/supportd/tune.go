package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"supportd/internal/eval"
	"supportd/internal/tune"
)

// runTune grid-searches a knowledge base's retrieval settings on a golden
// set and records them when they beat the settings in use beyond the
// bootstrap interval.
func runTune(ctx context.Context, env *environment, args []string) error {
	var golden, kbName, negatives string
	var dryRun, asJSON bool
	split := eval.SplitAll
	cfg, fs, err := loadConfig(env, "tune", "--kb NAME --golden FILE [--negatives FILE] [--split all|tune|holdout] [--dry-run] [--json]", answerSettings, args, func(fs *flag.FlagSet) {
		fs.StringVar(&kbName, "kb", "", "knowledge base")
		fs.StringVar(&golden, "golden", "", "golden set (JSONL, or a dataset folder) of the knowledge base")
		fs.StringVar(&negatives, "negatives", "", "JSONL file of questions the knowledge base does not answer (as bench quality reads them), added as cases to hand off")
		fs.Var(&split, "split", "tune on the cases of one half only, by a hash of their id: tune, holdout or all")
		fs.BoolVar(&dryRun, "dry-run", false, "only print the comparison; record nothing")
		fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	})
	if err != nil {
		return err
	}
	if kbName == "" || golden == "" || fs.NArg() > 0 {
		return errors.New("tune needs --kb and --golden, and takes no arguments")
	}
	set, err := tuneSet(golden, negatives, split)
	if err != nil {
		return err
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
	fusion, candidates := a.Retriever.Settings(kb)
	current := tune.Setting{Fusion: fusion, Candidates: candidates, MinConfidence: cfg.MinConfidence}
	if kb.Retrieval != nil && kb.Retrieval.MinConfidence > 0 {
		current.MinConfidence = kb.Retrieval.MinConfidence
	}
	res, err := tune.Tune(ctx, tune.Deps{Store: a.Store, Embedder: a.Embedder, Confidence: a.Extractor.Confidence, Now: time.Now},
		tune.Params{KB: kb, Golden: set, Current: current, TopK: cfg.TopK, DryRun: dryRun})
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(env.stdout, "## Tuning %s on %s\n\n", kb.Name, golden)
	res.WriteText(env.stdout)
	return nil
}

// tuneSet is the golden set with the negatives as cases to hand off, both
// cut to the split.
func tuneSet(golden, negatives string, split eval.Split) (eval.GoldenSet, error) {
	set, err := eval.LoadGolden(golden)
	if err != nil {
		return set, err
	}
	set.Cases = eval.Filter(split, set.Cases, func(c eval.Case) string { return c.ID })
	if negatives == "" {
		return set, nil
	}
	ns, err := eval.LoadNegatives(negatives)
	if err != nil {
		return set, err
	}
	for _, n := range eval.Filter(split, ns, func(n eval.Negative) string { return n.QID }) {
		set.Cases = append(set.Cases, n.Case())
	}
	return set, nil
}
