package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"supportd/internal/httpapi"
)

func TestDeprecatedRoutesCarryDeprecationSunsetAndLink(t *testing.T) {
	t.Parallel()
	e := echo.New()
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	e.GET("/v1/old", ok, httpapi.Deprecated(httpapi.Deprecation{
		Since:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Sunset: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		Link:   "https://supportd.example/docs#versioning-policy"}))
	e.GET("/v1/new", ok)

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/old", nil))
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, "@1767225600", rec.Header().Get("Deprecation"))
	require.Equal(t, "Wed, 01 Jul 2026 00:00:00 GMT", rec.Header().Get("Sunset"))
	require.Equal(t, []string{`<https://supportd.example/docs#versioning-policy>; rel="deprecation"; type="text/html"`}, rec.Header().Values("Link"))

	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/new", nil))
	require.Empty(t, rec.Header().Values("Deprecation"))
	require.Empty(t, rec.Header().Values("Sunset"))
}

func TestASunsetSoonerThanThePolicyAllowsIsRefused(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.PanicsWithValue(t, "httpapi.Deprecated: sunset 2026-06-30 is less than 6 months after 2026-01-01, or no link", func() {
		httpapi.Deprecated(httpapi.Deprecation{Since: since, Sunset: since.AddDate(0, 6, -1), Link: "/docs"})
	})
}
