// Package config reads supportd's settings from environment variables, with
// command-line flags overriding them, into one typed struct, and validates
// them with errors that name the variable. Every setting is declared once in
// a registry that also renders README's configuration table, so the docs
// cannot drift from the code. It imports only the standard library and must
// not import any supportd package.
package config
