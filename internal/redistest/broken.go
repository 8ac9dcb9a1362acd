package redistest

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Dead returns a client for a port where nothing listens: a Redis that
// refuses every connection.
func Dead(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Hung returns a client for a local server that accepts connections and
// never answers: a stalled Redis, which only a timeout can escape. The
// client has no read or write timeout of its own, so only the caller's
// context deadline ends a call: a test that returns proves the caller set one.
func Hung(t testing.TB) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for a hung Redis: %v", err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	c := redis.NewClient(&redis.Options{
		Addr: ln.Addr().String(), ContextTimeoutEnabled: true,
		ReadTimeout: -1, WriteTimeout: -1, // -1: no timeout of the client's own
	})
	t.Cleanup(func() {
		_ = c.Close()
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			_ = conn.Close()
		}
	})
	return c
}

// Outage stops a working client's commands from reaching Redis until it
// is lifted, as if the server had stopped and come back: each command
// then fails the way a refused connection does.
type Outage struct {
	mu   sync.Mutex
	down bool
}

// errRefused is what a command fails with during an outage.
var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused (redistest outage)")}

// NewOutage installs a switchable outage on c, lifted to start with.
func NewOutage(c *redis.Client) *Outage {
	o := &Outage{}
	c.AddHook(o)
	return o
}

// Set starts (true) or lifts (false) the outage.
func (o *Outage) Set(down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = down
}

func (o *Outage) failing() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down
}

// DialHook implements redis.Hook.
func (o *Outage) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (o *Outage) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if o.failing() {
			cmd.SetErr(errRefused)
			return errRefused
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (o *Outage) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if o.failing() {
			for _, c := range cmds {
				c.SetErr(errRefused)
			}
			return errRefused
		}
		return next(ctx, cmds)
	}
}
