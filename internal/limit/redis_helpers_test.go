package limit_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"supportd/internal/redistest"
)

// newRedis is the test Redis; it fails the test when none answers.
func newRedis(t *testing.T) *redis.Client { return redistest.Client(t) }

// testPrefix is a key prefix of this test's own, removed when it ends.
func testPrefix(t *testing.T, c *redis.Client) string { return redistest.Prefix(t, c, "limit") }
