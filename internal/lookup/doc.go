// Package lookup keeps in-process copies of what every request reads and
// almost never changes: API keys by id and knowledge bases (with their
// content version) by name, so that a cache hit on /v1/chat reads neither
// from the database. Copies are dropped when the store says the row
// changed (store.Store.OnChange in process, store.Store.Listen across
// replicas), all of them when the listener reconnects, and after a TTL as
// a safety net; while no listener is connected every lookup reads through.
//
// It imports only the standard library, otter and the store; it must not
// import any other supportd package.
package lookup
