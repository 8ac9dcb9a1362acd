package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"supportd/internal/app"
	"supportd/internal/config"
	"supportd/internal/httpapi"
)

// memoryLimit is the soft memory limit serve sets, in bytes: the
// configured one, unless it is off (0) or GOMEMLIMIT is set, when the
// runtime's own setting stands (0 returned).
func memoryLimit(getenv func(string) string, mb int) int64 {
	if mb <= 0 || getenv("GOMEMLIMIT") != "" {
		return 0
	}
	return int64(mb) << 20
}

func runServe(ctx context.Context, env *environment, args []string) error {
	cfg, _, err := loadConfig(env, "serve", "", config.All, args, nil)
	if err != nil {
		return err
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	if limit := memoryLimit(env.getenv, cfg.MemoryLimitMB); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	a, err := app.Build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.CheckSchema(ctx); err != nil {
		return err
	}
	a.WarnMismatchedKBs(ctx)
	a.PublishLatestEvals(ctx)
	if err := a.ServeMetrics(ctx); err != nil {
		return err
	}
	if err := a.ServeDebug(ctx); err != nil {
		return err
	}
	deps := a.API()
	if deps.Access.Auth == nil {
		log.Warn("authentication is off: every request acts for the configured tenant with every scope (development only)", "tenant", cfg.Tenant)
	}
	e := httpapi.New(deps)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("serving", "addr", ln.Addr().String(), "embedder", a.Embedder.Model(), "models", a.ModelNames())
	fmt.Fprintf(env.stdout, "supportd listening on http://%s\n", ln.Addr())

	stopHooks := a.RunHooks(ctx)
	defer stopHooks()
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	jobsDone := make(chan error, 1)
	jctx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	if cfg.Jobs {
		client, err := a.Jobs()
		if err != nil {
			return err
		}
		go func() { jobsDone <- app.RunJobs(jctx, client) }()
	} else {
		jobsDone <- nil
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// In-flight requests finish (and record their turns) before the pool
	// closes; new connections are refused from here on.
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopJobs()
	if err := <-jobsDone; err != nil {
		log.Warn("job worker stopped with an error", "err", err)
	}
	log.Info("stopped")
	return nil
}
