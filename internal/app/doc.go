// Package app is supportd's composition: it builds the object graph (store,
// embedder, chunker, retriever, model gateway, cache, assistant, ingestion,
// evaluation, jobs and the HTTP API's services) from one typed
// configuration, for cmd/supportd and for tests alike, and holds the small
// adapters that join components which must not know each other.
//
// It may import any supportd package of a lower layer; it must not import
// cmd or the test support (testkit, dbtest, redistest), nor fakellm. Only
// cmd/supportd and testkit import it.
package app
