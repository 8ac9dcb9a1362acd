// Package cache keeps computed answers (opaque bytes) in a two-tier cache: a
// bounded in-process tier (W-TinyLFU, via otter) in front of an optional
// Redis tier shared by every API replica. Redis is an accelerator, never a
// dependency: its failures degrade to misses and no-ops, are counted, and
// never fail a request.
//
// It imports only the standard library, otter and go-redis; it must not
// import any other supportd package (callers build keys with [Key] from
// their own nouns).
package cache
