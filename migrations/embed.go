// Package migrations embeds the numbered SQL migrations so the binary and the
// tests apply exactly the files in this folder.
package migrations

import "embed"

// FS holds the migration files, applied in numeric order by goose.
//
//go:embed *.sql
var FS embed.FS
