package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"supportd/internal/auth"
	"supportd/internal/config"
	"supportd/internal/guard"
	"supportd/internal/httpapi"
	"supportd/internal/limit"
	"supportd/internal/store"
)

func runServe(ctx context.Context, env *environment, args []string) error {
	cfg, _, err := loadConfig(env, "serve", "", config.All, args, nil)
	if err != nil {
		return err
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	a, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.checkSchema(ctx); err != nil {
		return err
	}
	a.warnMismatchedKBs(ctx)
	a.publishLatestEvals(ctx)

	deps := httpapi.Deps{
		Assistant: a.assistant, Library: a.store, Uploader: a.syncer, Health: a.store, Log: log,
		Tenant: cfg.Tenant, EmbedModel: a.embedder.Model(), EmbedDim: a.embedder.Dimension(),
		MaxUploadBytes: int64(cfg.MaxUploadMB) << 20, ClientLimit: limiter{a.clientLimit},
		WidgetLimit: limiter{limit.New(limit.Rate{Limit: cfg.WidgetRPM, Period: time.Minute}, a.redis, "supportd:rl:widget:")},
		EvalRuns:    a.evalRunner(), Privacy: a.store, Origins: a.store,
		Metrics: a.metrics, TracerProvider: a.tracer,
		Reviews: a.store, ReviewObserver: a.reviewed(), Drift: a.store, Audit: a.store,
	}
	if cfg.RedactStored {
		deps.Redact = guard.NewRedactor(guard.DefaultRedactOptions()).Redact
	}
	if cfg.MetricsAddr == "" {
		deps.MetricsHandler = a.metrics.Handler()
	} else if err := a.serveMetrics(ctx); err != nil {
		return err
	}
	if cfg.Auth == "required" {
		deps.Auth = auth.New(a.store, nil)
	} else {
		log.Warn("authentication is off: every request acts for the configured tenant with every scope (development only)", "tenant", cfg.Tenant)
	}
	if a.cache != nil {
		deps.Cache = a.cache
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
	models := []string{"extractive"}
	if a.gateway != nil {
		models = a.gateway.Providers()
	}
	log.Info("serving", "addr", ln.Addr().String(), "embedder", a.embedder.Model(), "models", models)
	fmt.Fprintf(env.stdout, "supportd listening on http://%s\n", ln.Addr())

	hctx, stopHooks := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHooks()
	go a.reviewHook.Run(hctx)
	go a.driftHook.Run(hctx)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	jobsDone := make(chan error, 1)
	jctx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	if cfg.Jobs {
		client, err := a.jobClient()
		if err != nil {
			return err
		}
		go func() { jobsDone <- runJobs(jctx, client) }()
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

// warnMismatchedKBs logs knowledge bases that the configured embedder
// cannot serve; requests to them fail with embedding_mismatch.
func (a *app) warnMismatchedKBs(ctx context.Context) {
	kbs, err := a.store.KBs(ctx, a.cfg.Tenant)
	if err != nil {
		a.log.Warn("cannot list knowledge bases", "err", err)
		return
	}
	for _, kb := range kbs {
		if err := store.CheckEmbedder(kb, a.embedder.Model(), a.embedder.Dimension()); err != nil {
			a.log.Error("knowledge base unusable with this embedder", "kb", kb.Name, "err", err)
		}
	}
}
