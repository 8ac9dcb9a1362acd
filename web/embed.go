// Package web embeds what supportd serves to browsers: the chat widget
// (widget.js, hand-written, no build step) and the /demo help-centre page
// that embeds it. internal/httpapi serves them.
package web

import "embed"

// FS holds widget.js, demo.html (an html/template) and demo.css.
//
//go:embed widget.js demo.html demo.css
var FS embed.FS
