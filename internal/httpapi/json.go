package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
)

// decodeJSON reads a JSON request body into dst strictly: the content type
// must be JSON, unknown fields and trailing data are errors, and every
// failure says what was wrong.
func decodeJSON(c echo.Context, dst any) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

// readJSON reads a request body that must be JSON in valid UTF-8.
func readJSON(c echo.Context) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON {
		return nil, core.Errorf(core.CodeUnsupportedMedia, "send the body as application/json")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, bodyError(err, "cannot read the request body")
	}
	// encoding/json silently replaces invalid UTF-8 with U+FFFD; a client
	// sending garbage should hear about it instead.
	if !utf8.Valid(body) {
		return nil, core.Errorf(core.CodeInvalid, "request body is not valid UTF-8")
	}
	return body, nil
}

// decodeStrict decodes one JSON object into dst: unknown fields and
// trailing data are errors.
func decodeStrict(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err, reflect.TypeOf(dst))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return core.Errorf(core.CodeInvalid, "request body has data after the JSON object")
	}
	return nil
}

// jsonError says what was wrong with a body in JSON terms: Go's type names
// and the decoder's own wording never reach clients.
func jsonError(err error, dst reflect.Type) error {
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
	case errors.As(err, &typ) && typ.Field == "":
		return core.Errorf(core.CodeInvalid, "request body must be a JSON object")
	case errors.As(err, &typ):
		return core.Errorf(core.CodeInvalid, "%s must be %s", typ.Field, describe(fieldType(dst, typ.Field), typ.Type))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return core.Errorf(core.CodeInvalid, "malformed JSON: unexpected end of body")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return core.Errorf(core.CodeInvalid, "request body has an unknown field %s", name)
	}
	return core.Wrap(core.CodeInvalid, err, "request body is not valid JSON")
}

// fieldType finds the Go type of a dotted JSON field path in t, looking
// through pointers and slices; nil when the path leads nowhere.
func fieldType(t reflect.Type, path string) reflect.Type {
	for name := range strings.SplitSeq(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			return nil
		}
		var next reflect.Type
		for f := range t.Fields() {
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name || tag == "" && f.Name == name {
				next = f.Type
			}
		}
		t = next
	}
	return t
}

// describe names a field's type in JSON terms; fallback is the type the
// decoder reported, for a path fieldType could not follow.
func describe(t, fallback reflect.Type) string {
	if t == nil {
		t = fallback
	}
	switch t.Kind() {
	case reflect.Pointer:
		return describe(t.Elem(), nil)
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array of " + plural(t.Elem())
	}
	return "a JSON object"
}

func plural(t reflect.Type) string {
	switch d := describe(t, nil); d {
	case "a string", "a number", "a whole number":
		return strings.TrimPrefix(d, "a ") + "s"
	case "true or false":
		return "booleans"
	case "a JSON object":
		return "objects"
	default:
		return "arrays"
	}
}
