// Package limit decides whether a keyed caller (an API key, a tenant, an IP)
// may spend n units now: in process with golang.org/x/time/rate token
// buckets for one replica, or with GCRA in Redis (go-redis/redis_rate) so
// that a limit holds across every replica sharing that Redis. It only
// decides; whether a limiter failure lets requests through or turns them
// away is the caller's choice.
//
// It imports only the standard library, x/time/rate, otter, go-redis and
// redis_rate; it must not import any other supportd package.
package limit
