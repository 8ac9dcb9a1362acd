// Package redistest gives tests the Redis that scripts/redis.sh provisions
// and key prefixes of their own, and clients of a dead (refusing) or hung
// (silent) Redis to test degradation against. A missing Redis fails the test rather than
// skipping it: CI provisions one, so its absence is a broken setup.
//
// It is test support: it imports no supportd package, and production code
// must not import it.
package redistest
