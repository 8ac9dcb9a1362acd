package cache

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/redis/go-redis/v9"
)

// Defaults for the zero values of [Params].
const (
	DefaultSize         = 10_000
	DefaultTTL          = 24 * time.Hour
	DefaultPrefix       = "supportd:cache:"
	DefaultRedisTimeout = 50 * time.Millisecond
)

// The tiers [Cache.Get] reports a hit from.
const (
	TierLocal = "local"
	TierRedis = "redis"
)

// Params configures a [Cache]. Zero values take the defaults above.
type Params struct {
	// Size is the most entries kept in process.
	Size int
	// TTL is how long an entry lives in either tier after it is set.
	TTL time.Duration
	// Redis is the optional tier shared across replicas; nil keeps the
	// cache in process only. The client must have
	// Options.ContextTimeoutEnabled set, or RedisTimeout could not bound a
	// call to a stalled server.
	Redis *redis.Client
	// Prefix starts every Redis key the cache writes.
	Prefix string
	// RedisTimeout bounds each Redis command.
	RedisTimeout time.Duration
	// Now is the clock the local tier expires entries by; tests inject one.
	// Redis expires its copies by its own clock.
	Now func() time.Time
	// OnRedisChange, when set, is told when Redis starts failing (down,
	// with the error; the cache then works from its local tier alone) and
	// when it answers again. It must not block.
	OnRedisChange func(down bool, err error)
}

// Stats counts what a [Cache] has done since it was made.
type Stats struct {
	LocalHits   uint64
	RedisHits   uint64
	Misses      uint64
	RedisErrors uint64
}

// Cache is a two-tier byte cache, safe for concurrent use. A Redis hit is
// copied into the local tier, so a hot key costs one Redis round trip per
// replica per TTL at most.
type Cache struct {
	local   *otter.Cache[string, entry]
	rdb     *redis.Client
	ttl     time.Duration
	prefix  string
	timeout time.Duration

	localHits, redisHits, misses, redisErrors atomic.Uint64
	redisDown                                 atomic.Bool
	onRedisChange                             func(down bool, err error)
}

// entry carries its own lifetime so that a copy taken from Redis expires
// when the Redis original does, not a full TTL later.
type entry struct {
	val []byte
	ttl time.Duration
}

// New returns a Cache configured by p.
func New(p Params) (*Cache, error) {
	if p.Size < 0 || p.TTL < 0 || p.RedisTimeout < 0 {
		return nil, errors.New("cache: Size, TTL and RedisTimeout must not be negative")
	}
	if p.Redis != nil && !p.Redis.Options().ContextTimeoutEnabled {
		return nil, errors.New("cache: the Redis client needs Options.ContextTimeoutEnabled so that RedisTimeout bounds each call")
	}
	opts := &otter.Options[string, entry]{
		MaximumSize: cmp.Or(p.Size, DefaultSize),
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, entry]) time.Duration {
			return e.Value.ttl
		}),
	}
	if p.Now != nil {
		opts.Clock = clock{now: p.Now}
	}
	local, err := otter.New(opts)
	if err != nil {
		return nil, fmt.Errorf("cache: create local tier: %w", err)
	}
	return &Cache{
		local:   local,
		rdb:     p.Redis,
		ttl:     cmp.Or(p.TTL, DefaultTTL),
		prefix:  cmp.Or(p.Prefix, DefaultPrefix),
		timeout: cmp.Or(p.RedisTimeout, DefaultRedisTimeout),

		onRedisChange: p.OnRedisChange,
	}, nil
}

// Close stops the local tier's background clean-up. The Redis client is
// the caller's to close. The cache must not be used afterwards.
func (c *Cache) Close() { c.local.StopAllGoroutines() }

// Get returns a copy of the value for key and the tier that had it
// ("local" or "redis"). A Redis failure or timeout is a miss.
func (c *Cache) Get(ctx context.Context, key string) (val []byte, tier string, ok bool) {
	if e, ok := c.local.GetIfPresent(key); ok {
		c.localHits.Add(1)
		return bytes.Clone(e.val), TierLocal, true
	}
	if e, ok := c.getRedis(ctx, key); ok {
		c.local.Set(key, e)
		c.redisHits.Add(1)
		return bytes.Clone(e.val), TierRedis, true
	}
	c.misses.Add(1)
	return nil, "", false
}

// getRedis reads the value and its remaining lifetime in one round trip.
func (c *Cache) getRedis(ctx context.Context, key string) (entry, bool) {
	if c.rdb == nil {
		return entry{}, false
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	pipe := c.rdb.Pipeline()
	get := pipe.Get(rctx, c.prefix+key)
	pttl := pipe.PTTL(rctx, c.prefix+key)
	if _, err := pipe.Exec(rctx); err != nil {
		if errors.Is(err, redis.Nil) {
			c.redisAnswered()
		} else {
			c.redisFailed(ctx, err)
		}
		return entry{}, false
	}
	c.redisAnswered()
	ttl := c.ttl
	if left := pttl.Val(); left > 0 && left < ttl {
		ttl = left
	}
	return entry{val: []byte(get.Val()), ttl: ttl}, true
}

// Set stores a copy of val under key in both tiers. The Redis write goes
// ahead even when ctx is cancelled (the answer is worth keeping after its
// requester has left), still bounded by RedisTimeout; a failure is counted
// and otherwise ignored.
func (c *Cache) Set(ctx context.Context, key string, val []byte) {
	val = bytes.Clone(val)
	c.local.Set(key, entry{val: val, ttl: c.ttl})
	if c.rdb == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	if err := c.rdb.Set(rctx, c.prefix+key, val, c.ttl).Err(); err != nil {
		c.redisFailed(ctx, err)
		return
	}
	c.redisAnswered()
}

// Delete removes keys from both tiers. Other replicas' local tiers keep
// their copies until these expire (at most TTL).
func (c *Cache) Delete(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		c.local.Invalidate(k)
		full[i] = c.prefix + k
	}
	c.unlink(ctx, full)
}

// DeletePrefix removes every key starting with prefix from this process's
// local tier and from Redis (SCAN + UNLINK, each call bounded by
// RedisTimeout; ctx bounds the whole walk). Keys are only scoped if callers
// put the scope in clear before any hash, e.g. tenant + "/" + Key(...).
// As with [Cache.Delete], other replicas' local copies live out their TTL;
// a Redis failure stops the walk, is counted, and leaves the rest to expire.
func (c *Cache) DeletePrefix(ctx context.Context, prefix string) {
	var doomed []string
	for k := range c.local.Keys() {
		if strings.HasPrefix(k, prefix) {
			doomed = append(doomed, k)
		}
	}
	for _, k := range doomed {
		c.local.Invalidate(k)
	}
	if c.rdb == nil {
		return
	}
	match := escapeGlob(c.prefix+prefix) + "*"
	var cursor uint64
	for {
		rctx, cancel := context.WithTimeout(ctx, c.timeout)
		keys, next, err := c.rdb.Scan(rctx, cursor, match, 1000).Result()
		cancel()
		if err != nil {
			c.redisFailed(ctx, err)
			return
		}
		if !c.unlink(ctx, keys) || next == 0 {
			return
		}
		cursor = next
	}
}

// unlink removes full (already prefixed) keys from Redis and reports
// whether that worked.
func (c *Cache) unlink(ctx context.Context, full []string) bool {
	if c.rdb == nil || len(full) == 0 {
		return true
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.rdb.Unlink(rctx, full...).Err(); err != nil {
		c.redisFailed(ctx, err)
		return false
	}
	c.redisAnswered()
	return true
}

// redisFailed counts a Redis failure, unless it was the caller giving up,
// and reports the first of a run.
func (c *Cache) redisFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	c.redisErrors.Add(1)
	if !c.redisDown.Swap(true) && c.onRedisChange != nil {
		c.onRedisChange(true, err)
	}
}

// redisAnswered reports Redis back after a failure.
func (c *Cache) redisAnswered() {
	if c.redisDown.Swap(false) && c.onRedisChange != nil {
		c.onRedisChange(false, nil)
	}
}

// Len returns the number of live entries in the local tier, after running
// any pending evictions and expirations so the count is current.
func (c *Cache) Len() int {
	c.local.CleanUp()
	return c.local.EstimatedSize()
}

// Stats returns the counters so far.
func (c *Cache) Stats() Stats {
	return Stats{
		LocalHits:   c.localHits.Load(),
		RedisHits:   c.redisHits.Load(),
		Misses:      c.misses.Load(),
		RedisErrors: c.redisErrors.Load(),
	}
}

// escapeGlob quotes the characters SCAN MATCH treats as wildcards.
func escapeGlob(s string) string {
	var b strings.Builder
	for i := range len(s) {
		if strings.IndexByte(`*?[]\`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// clock adapts an injected time source to otter. It never ticks: expired
// entries are then dropped on access and during write maintenance rather
// than by a background sweep, which is what a test clock wants.
type clock struct{ now func() time.Time }

func (c clock) NowNano() int64                      { return c.now().UnixNano() }
func (c clock) Tick(time.Duration) <-chan time.Time { return nil }
