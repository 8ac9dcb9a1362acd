package httpapi

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/store"
	"supportd/web"
)

// Demo configures the /demo help-centre page, which embeds the widget
// against a knowledge base of the configured tenant.
type Demo struct {
	// KB is the knowledge base the widget asks and the page lists.
	KB string
	// Key is the publishable widget key the page embeds; a key in the
	// page's ?key= parameter overrides it. Empty in development mode.
	Key string
	// Product names the help centre; PublicURL is where supportd is
	// reached, for the embed snippet the page shows.
	Product   string
	PublicURL string
}

// asset is an embedded file with its validator, read and gzipped once at
// start-up.
type asset struct {
	body, gz    []byte
	etag, gzTag string
}

// loadAsset reads an embedded file; go:embed already failed the build if
// it were missing.
func loadAsset(name string) asset {
	body, err := web.FS.ReadFile(name)
	if err != nil {
		panic("web: " + name + " is not embedded: " + err.Error())
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // a valid level cannot fail
	_, _ = w.Write(body)                                   // a bytes.Buffer does not fail
	_ = w.Close()
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:8])
	return asset{body: body, gz: gz.Bytes(), etag: `"` + tag + `"`, gzTag: `"` + tag + `-gzip"`}
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (listed without q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get(echo.HeaderAcceptEncoding), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// handleStatic serves an embedded file any page may load: cached for five
// minutes, then revalidated by its content hash.
func handleStatic(a asset, contentType string) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, "public, max-age=300")
		h.Set(echo.HeaderVary, echo.HeaderAcceptEncoding)
		body, etag := a.body, a.etag
		if acceptsGzip(c.Request()) {
			body, etag = a.gz, a.gzTag
			h.Set(echo.HeaderContentEncoding, "gzip")
		}
		h.Set("ETag", etag)
		// Help-centre pages on other sites load the script.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		if slices.Contains(strings.Split(c.Request().Header.Get("If-None-Match"), ", "), etag) {
			return c.NoContent(http.StatusNotModified)
		}
		// Known up front, so HEAD says it too.
		h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
		return c.Blob(http.StatusOK, contentType, body)
	}
}

var demoPage = template.Must(template.ParseFS(web.FS, "demo.html"))

// keyShape is a publishable key as auth issues it; anything else in ?key=
// is ignored.
var keyShape = regexp.MustCompile(`^pk_[A-Za-z0-9_-]{8,120}$`)

type demoFolder struct {
	Name      string
	Documents []demoDocument
}

type demoDocument struct{ URI, Title string }

// handleDemo renders a help-centre page listing the demo knowledge base's
// articles, with the widget embedded. Citations link back to the articles'
// entries on this page.
func handleDemo(d Demo, lib Library, tenant string) echo.HandlerFunc {
	return func(c echo.Context) error {
		key, note := d.Key, ""
		if q := c.QueryParam("key"); q != "" {
			if !keyShape.MatchString(q) {
				return core.Errorf(core.CodeInvalid, "key must be a publishable widget key (pk_…)")
			}
			key = q
		}
		lang := c.QueryParam("lang")
		if lang != "" && lang != "en" && lang != "fr" {
			return core.Errorf(core.CodeInvalid, `lang must be "en" or "fr"`)
		}
		_, docs, err := lib.Documents(c.Request().Context(), tenant, d.KB)
		if core.ErrorCode(err) == core.CodeKBNotFound {
			note = "The knowledge base " + d.KB + " is empty: make run ingests the demo corpus into it."
		} else if err != nil {
			return err
		}
		if key == "" && note == "" {
			note = "No widget key is configured: make run creates one, or open this page with ?key=pk_… (supportd keys create --widget --origin " + d.PublicURL + ")."
		}
		var buf bytes.Buffer
		err = demoPage.Execute(&buf, map[string]any{
			"Product": d.Product, "KB": d.KB, "Key": key, "Lang": lang, "Note": note, "Folders": demoFolders(docs),
			"Snippet": `<script src="` + d.PublicURL + `/widget.js" data-key="` + cmp.Or(key, "pk_…") + `" data-kb="` + d.KB + `" async></script>`,
		})
		if err != nil {
			return core.Wrap(core.CodeInternal, err, "render the demo page")
		}
		// The page runs no inline script and loads nothing from elsewhere.
		c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
			"connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		return c.HTMLBlob(http.StatusOK, buf.Bytes())
	}
}

// demoFolders groups documents by their top folder, in URI order.
func demoFolders(docs []store.Document) []demoFolder {
	var out []demoFolder
	slices.SortFunc(docs, func(a, b store.Document) int { return strings.Compare(a.SourceURI, b.SourceURI) })
	for _, doc := range docs {
		name, _, found := strings.Cut(doc.SourceURI, "/")
		if !found {
			name = "general"
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, demoFolder{Name: name})
		}
		title := cmp.Or(doc.Title, strings.TrimSuffix(path.Base(doc.SourceURI), path.Ext(doc.SourceURI)))
		out[len(out)-1].Documents = append(out[len(out)-1].Documents, demoDocument{URI: doc.SourceURI, Title: title})
	}
	return out
}
