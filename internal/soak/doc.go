// Package soak holds a server under a steady, realistic load for a long
// time and says whether it stays flat: `make soak`. It drives the real
// HTTP API (cache hits and misses, streamed and JSON answers, feedback,
// background ingestion) at a fixed rate, samples the server process every
// interval (resident memory from /proc, goroutines and heap in use from
// its Prometheus metrics, open Postgres connections, the p99 of the last
// window) and judges the run: no error, and resident memory and goroutines
// that grow less than a bound after warm-up.
//
// The server is another process: the caller starts it and hands over its
// address, its pid and how to count its database connections. The
// sampler also serves `supportd bench streams`, which reads the same
// figures of a server holding many streams.
//
// It must not import any supportd package: it speaks to the server only
// over HTTP and /proc, as an operator's tools would.
package soak
