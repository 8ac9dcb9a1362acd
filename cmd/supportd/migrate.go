package main

import (
	"context"
	"fmt"

	"supportd/internal/config"
	"supportd/internal/jobs"
	"supportd/internal/store"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	cfg, _, err := loadConfig(env, "migrate", "", config.Database, args, nil)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Params{URL: cfg.DatabaseURL, MaxConns: 2})
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	defer st.Close()
	v, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if err := jobs.Migrate(ctx, st.Pool()); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "database schema at version %d\n", v)
	return nil
}

func runConfig(_ context.Context, env *environment, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("config takes no arguments")
	}
	fmt.Fprint(env.stdout, config.Markdown())
	return nil
}
