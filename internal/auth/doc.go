// Package auth issues and checks API keys and says what a caller may do.
// A key is "sk_" (secret, server-side) or "pk_" (publishable widget key)
// followed by a public id and a 256-bit random secret; only the secret's
// SHA-256 is stored, and presented secrets are compared in constant time.
// Scopes (chat, ingest, eval, agent, admin) gate endpoints; a widget key is
// chat-only and bound to the origins it was issued for.
//
// It imports only the store and the core nouns, and must not import any
// other supportd package; the HTTP layer uses it, nothing below does.
package auth
