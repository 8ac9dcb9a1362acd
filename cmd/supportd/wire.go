package main

import (
	"context"
	"io"
	"log/slog"

	"supportd/internal/app"
	"supportd/internal/config"
)

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// openApp builds the app for a command that needs the current schema: it
// logs to stderr and refuses a database that is not migrated.
func openApp(ctx context.Context, env *environment, cfg config.Config) (*app.App, error) {
	a, err := app.Build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return nil, err
	}
	if err := a.CheckSchema(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}
