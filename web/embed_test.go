package web_test

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/web"
)

// widgetBudget is the most widget.js may weigh gzipped (README's figure).
const widgetBudget = 25 << 10

func TestWidgetFitsItsGzippedBudget(t *testing.T) {
	t.Parallel()
	raw, err := web.FS.ReadFile("widget.js")
	require.NoError(t, err)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	t.Logf("widget.js: %d bytes, %d bytes gzipped (budget %d)", len(raw), buf.Len(), widgetBudget)
	require.LessOrEqual(t, buf.Len(), widgetBudget, "widget.js is over its gzipped budget")
}
