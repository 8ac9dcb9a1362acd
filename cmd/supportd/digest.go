package main

import (
	"context"
	"flag"
	"time"

	"supportd/internal/config"
)

func runDigest(ctx context.Context, env *environment, args []string) error {
	var kb, format string
	var send bool
	cfg, c, err := loadConfig(env, "digest", "[--kb NAME] [--format markdown|json] [--send]", config.General|config.Database|config.Eval|config.Digest, args, func(fs *flag.FlagSet) {
		fs.StringVar(&kb, "kb", "", "knowledge base; default SUPPORTD_EVAL_KB")
		fs.StringVar(&format, "format", "markdown", "markdown or json")
		fs.BoolVar(&send, "send", false, "also post it to SUPPORTD_DIGEST_WEBHOOK_URL")
	})
	if err != nil {
		return err
	}
	if c.NArg() > 0 || (format != "markdown" && format != "json") {
		return c.misuse("digest takes no arguments and --format markdown or json")
	}
	if send && cfg.DigestWebhookURL == "" {
		return c.misuse("--send needs SUPPORTD_DIGEST_WEBHOOK_URL")
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	d, err := a.Digests().Build(ctx, cfg.Tenant, or(kb, cfg.EvalKB))
	if err != nil {
		return err
	}
	if err := d.Write(env.stdout, format); err != nil {
		return err
	}
	if send {
		if err := a.SendDigest(d); err != nil {
			return err
		}
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		a.DigestHook.Drain(dctx)
	}
	return nil
}
