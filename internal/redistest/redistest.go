package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is where scripts/redis.sh provisions Redis.
const DefaultURL = "redis://127.0.0.1:6379/0"

// Client connects to REDIS_URL (default DefaultURL), closed when t ends.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = DefaultURL
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redistest: REDIS_URL: %v", err)
	}
	opt.ContextTimeoutEnabled = true
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("redistest: no Redis answers at %s (%v): run scripts/redis.sh, or set REDIS_URL to a reachable Redis", url, err)
	}
	return c
}

// Prefix returns a key prefix no other test uses ("supportd:test:<scope>:
// <random>:") and, when t ends, removes every key under it — also the
// limiter's keys, which redis_rate stores under "rate:" + prefix.
func Prefix(t testing.TB, c *redis.Client, scope string) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "supportd:test:" + scope + ":" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
			iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
			for iter.Next(ctx) {
				_ = c.Unlink(ctx, iter.Val()).Err()
			}
			if err := iter.Err(); err != nil {
				t.Errorf("redistest: clean up %s: %v", pattern, err)
			}
		}
	})
	return prefix
}
