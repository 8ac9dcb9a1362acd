// Package store is supportd's only door to PostgreSQL: the connection pool,
// migrations, and the queries for each aggregate (knowledge bases, documents
// and chunks, hybrid search, conversations and turns). All SQL lives here.
//
// Every method that reads user-facing data takes the tenant or an object
// already resolved within a tenant, so a query can never cross tenants.
// Foreign errors are translated where they enter: no rows becomes
// core.CodeNotFound, a unique violation core.CodeConflict, and a lost
// or refused connection core.CodeUnavailable.
//
// It imports pgx, pgvector-go, goose, the embedded migrations and the core
// nouns; it must not import any other supportd package.
package store
