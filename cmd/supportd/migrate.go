package main

import (
	"cmp"
	"context"
	"fmt"
	"net/url"

	"supportd/internal/config"
	"supportd/internal/jobs"
	"supportd/internal/store"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	cfg, _, err := loadConfig(env, "migrate", "", config.Database, args, nil)
	if err != nil {
		return err
	}
	// Migrations run as the schema's owner; the application role then gets
	// its rights on what they created.
	st, err := store.Open(ctx, store.Params{URL: cmp.Or(cfg.DatabaseOwnerURL, cfg.DatabaseURL), MaxConns: 2})
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
	if err := grantApp(ctx, st, cfg.DatabaseURL); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "database schema at version %d\n", v)
	return nil
}

// grantApp grants the role of appURL (DATABASE_URL) its rights, unless it
// is the role migrations ran as.
func grantApp(ctx context.Context, st *store.Store, appURL string) error {
	u, err := url.Parse(appURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL is not a URL")
	}
	if u.User == nil || u.User.Username() == "" {
		return nil // the driver's default user: the same role as the owner's connection
	}
	return st.GrantApp(ctx, u.User.Username())
}

func runConfig(_ context.Context, env *environment, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("config takes no arguments")
	}
	fmt.Fprint(env.stdout, config.Markdown())
	return nil
}
