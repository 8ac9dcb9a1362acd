package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// serve's soft memory limit is the configured MiB, unless it is off or
// GOMEMLIMIT already says what it is.
func TestServeMemoryLimit(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	require.Equal(t, int64(200)<<20, memoryLimit(env(), 200))
	require.Zero(t, memoryLimit(env(), 0), "0 is off")
	require.Zero(t, memoryLimit(env("GOMEMLIMIT", "1GiB"), 200), "GOMEMLIMIT stands")
}
