// Package testclock gives tests a settable clock to inject wherever time
// decides behaviour (cool-downs, expiry, windows), so that no test sleeps or
// asserts a wall-clock bound.
//
// It is test support: it imports no supportd package, and production code
// must not import it.
package testclock
