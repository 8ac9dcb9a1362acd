// Package redistest gives tests the Redis that scripts/redis.sh provisions
// and key prefixes of their own. A missing Redis fails the test rather than
// skipping it: CI provisions one, so its absence is a broken setup.
//
// It is test support: it imports no supportd package, and production code
// must not import it.
package redistest
