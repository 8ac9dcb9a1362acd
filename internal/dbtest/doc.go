// Package dbtest gives each test its own PostgreSQL database, cloned from a
// template that is migrated once per migration set, so tests run in parallel
// against the real database without seeing each other's rows.
//
// It reads DATABASE_URL (default: the local supportd database that
// scripts/db.sh provisions). The pristine source for templates is the
// database named like DATABASE_URL's with a "_test" suffix, which
// provisioning creates with the vector extension.
//
// It is test support: it imports the store, the migrations and jobs (whose
// River tables the template holds), and production code must not import
// it.
package dbtest
