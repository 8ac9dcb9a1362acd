package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
)

// decodeJSON reads a JSON request body into dst strictly: the content type
// must be JSON, unknown fields and trailing data are errors, and every
// failure says what was wrong.
func decodeJSON(c echo.Context, dst any) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON {
		return core.Errorf(core.CodeUnsupportedMedia, "send the body as application/json")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return bodyError(err, "cannot read the request body")
	}
	// encoding/json silently replaces invalid UTF-8 with U+FFFD; a client
	// sending garbage should hear about it instead.
	if !utf8.Valid(body) {
		return core.Errorf(core.CodeInvalid, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return core.Errorf(core.CodeInvalid, "request body has data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var coded *core.Error
	switch {
	case errors.As(err, &coded): // from a type that reads itself, such as core.Filter
		return err
	case errors.Is(err, io.EOF):
		return core.Errorf(core.CodeInvalid, "request body is empty")
	case errors.As(err, &syntax):
		return core.Errorf(core.CodeInvalid, "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return core.Errorf(core.CodeInvalid, "field %q must be %s", typ.Field, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return core.Errorf(core.CodeInvalid, "malformed JSON: unexpected end of body")
	}
	return bodyError(err, "invalid JSON")
}
