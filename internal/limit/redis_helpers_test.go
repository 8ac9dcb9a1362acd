package limit_test

import (
	"net"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"supportd/internal/redistest"
)

// newRedis is the test Redis; it fails the test when none answers.
func newRedis(t *testing.T) *redis.Client { return redistest.Client(t) }

// testPrefix is a key prefix of this test's own, removed when it ends.
func testPrefix(t *testing.T, c *redis.Client) string { return redistest.Prefix(t, c, "limit") }

// deadRedis returns a client for a port where nothing listens.
func deadRedis(t *testing.T) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// hungRedis returns a client for a local server that accepts connections
// and never answers: a stalled Redis, which only a timeout can escape.
func hungRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
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
	c := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true})
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
