package httpapi

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"
)

// openAPIYAML is the API's contract, written as YAML for people and served
// as JSON; the contract test holds it to the routes and their responses.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// docsHTML renders the contract in the browser with inline script and
// style only, so the page loads nothing from elsewhere.
//
//go:embed docs.html
var docsHTML string

// OpenAPI returns the contract as JSON.
func OpenAPI() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("read openapi.yaml: %w", err)
	}
	return json.Marshal(doc)
}

func handleOpenAPI(doc []byte) echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
	}
}

// handleDocs serves the reference page with a CSP that admits exactly its
// inline script and style (by hash) and fetches of this origin.
func handleDocs() echo.HandlerFunc {
	csp := "default-src 'none'; connect-src 'self'; script-src " + inlineHash(docsHTML, "script") +
		"; style-src " + inlineHash(docsHTML, "style") + "; frame-ancestors 'none'"
	return func(c echo.Context) error {
		c.Response().Header().Set("Content-Security-Policy", csp)
		return c.HTML(http.StatusOK, docsHTML)
	}
}

// inlineHash is the CSP source of the page's one inline <tag> element.
func inlineHash(page, tag string) string {
	_, rest, _ := strings.Cut(page, "<"+tag+">")
	body, _, _ := strings.Cut(rest, "</"+tag+">")
	sum := sha256.Sum256([]byte(body))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
