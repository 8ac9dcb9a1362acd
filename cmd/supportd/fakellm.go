package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"supportd/internal/fakellm"
)

// fakeLLMShutdown bounds how long fake-llm waits for responses in flight
// once it is told to stop.
const fakeLLMShutdown = 5 * time.Second

// runFakeLLM serves the deterministic fake OpenAI-compatible LLM until ctx
// is cancelled. It is a development tool, so its settings are flags only,
// not part of the configuration registry.
func runFakeLLM(ctx context.Context, env *environment, args []string) error {
	fs := newCmdline(env, "fake-llm", "[--addr 127.0.0.1:8081] [--dim 384] [--token-delay D]",
		"Serves a deterministic OpenAI-compatible chat and embeddings API at http://ADDR/v1\n"+
			"for tests and demos. Inject faults with POST /_fault or a [[fault:KIND]] marker\n"+
			"in the last user message (see internal/fakellm).")
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	dim := fs.Int("dim", fakellm.DefaultDim, "embedding dimension")
	tokenDelay := fs.Duration("token-delay", 0, "pause between streamed tokens (a model's token rate)")
	if err := fs.parseArgs(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.misuse("takes no arguments, got %q", fs.Args())
	}
	if *dim < 1 || *tokenDelay < 0 {
		return fmt.Errorf("--dim must be positive and --token-delay not negative, got %d and %s", *dim, *tokenDelay)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	// Hanging responses only end when their client leaves, so shutdown
	// cancels every request context instead of waiting for them.
	base, cancelRequests := context.WithCancel(context.Background())
	defer cancelRequests()
	srv := &http.Server{
		Handler:           fakellm.New(fakellm.Options{Dim: *dim, TokenDelay: *tokenDelay}).Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	srv.RegisterOnShutdown(cancelRequests)
	fmt.Fprintf(env.stdout, "fake LLM listening on http://%s/v1\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), fakeLLMShutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
