package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"

	"github.com/labstack/echo/v4"

	"supportd/internal/support"
)

// decodeJSON reads a JSON request body into dst strictly: the content type
// must be JSON, unknown fields and trailing data are errors, and every
// failure says what was wrong.
func decodeJSON(c echo.Context, dst any) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON {
		return support.Errorf(support.CodeUnsupportedMedia, "send the body as application/json")
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return support.Errorf(support.CodeInvalid, "request body has data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return support.Errorf(support.CodeInvalid, "request body is empty")
	case errors.As(err, &syntax):
		return support.Errorf(support.CodeInvalid, "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return support.Errorf(support.CodeInvalid, "field %q must be %s", typ.Field, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return support.Errorf(support.CodeInvalid, "malformed JSON: unexpected end of body")
	}
	return bodyError(err, fmt.Sprintf("invalid JSON"))
}
