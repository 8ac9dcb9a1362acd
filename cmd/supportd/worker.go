package main

import (
	"context"
	"fmt"

	"supportd/internal/app"
	"supportd/internal/config"
)

func runWorker(ctx context.Context, env *environment, args []string) error {
	cfg, _, err := loadConfig(env, "worker", "", answerSettings|config.Eval|config.Jobs|config.Drift|config.Telemetry, args, nil)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	client, err := a.Jobs()
	if err != nil {
		return err
	}
	if err := a.ServeMetrics(ctx); err != nil {
		return err
	}
	stopHooks := a.RunHooks(ctx)
	defer stopHooks()
	fmt.Fprintf(env.stdout, "supportd worker running (evaluation schedule %q, drift schedule %q)\n", cfg.EvalSchedule, cfg.DriftSchedule)
	return app.RunJobs(ctx, client)
}
