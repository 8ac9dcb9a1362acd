package core

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Filter narrows retrieval to some documents of a knowledge base. Every
// condition given must hold; the zero Filter keeps every document. As JSON:
//
//	{"uri_prefix": "billing/",
//	 "document_ids": [12, 40],
//	 "metadata": {"format": "html", "product": {"in": ["a", "b"]}}}
//
// A metadata condition is a string, number or boolean the document's
// metadata value must equal, or {"in": [...]} listing values it may equal.
type Filter struct {
	// URIPrefix keeps documents whose source URI starts with it, such as
	// a folder ("billing/") or one file.
	URIPrefix string `json:"uri_prefix,omitempty"`
	// DocumentIDs keeps only these documents (ids as listed by the API).
	DocumentIDs []int64 `json:"document_ids,omitempty"`
	// Metadata keeps documents whose metadata value under each key is one
	// of the listed values.
	Metadata map[string]AnyOf `json:"metadata,omitempty"`
}

// AnyOf is the values a metadata key may have: strings, json.Number or
// booleans, compared as JSON values (the string "2" is not the number 2).
type AnyOf []any

// MarshalJSON writes the values in the filter grammar's {"in": [...]} form.
func (a AnyOf) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]any{"in": a})
}

// filterLimit bounds each list in a filter.
const filterLimit = 1000

// IsZero reports whether f keeps every document.
func (f Filter) IsZero() bool {
	return f.URIPrefix == "" && len(f.DocumentIDs) == 0 && len(f.Metadata) == 0
}

// Validate checks a filter built in code the way UnmarshalJSON checks one
// read from a request; it fails with CodeInvalid naming the bad part.
func (f Filter) Validate() error {
	if strings.ContainsRune(f.URIPrefix, 0) {
		return Errorf(CodeInvalid, "filter.uri_prefix must not contain NUL")
	}
	if len(f.DocumentIDs) > filterLimit {
		return Errorf(CodeInvalid, "filter.document_ids lists more than %d ids", filterLimit)
	}
	for _, id := range f.DocumentIDs {
		if id <= 0 {
			return Errorf(CodeInvalid, "filter.document_ids holds %d; document ids are positive", id)
		}
	}
	for key, values := range f.Metadata {
		if key == "" || strings.ContainsRune(key, 0) {
			return Errorf(CodeInvalid, "filter.metadata has an empty key or one containing NUL")
		}
		if len(values) == 0 || len(values) > filterLimit {
			return Errorf(CodeInvalid, "filter.metadata.%s.in must list 1 to %d values", key, filterLimit)
		}
		for _, v := range values {
			if !scalar(v) {
				return Errorf(CodeInvalid, "filter.metadata.%s: values must be strings, numbers or booleans", key)
			}
		}
	}
	return nil
}

func scalar(v any) bool {
	switch v := v.(type) {
	case string:
		return !strings.ContainsRune(v, 0)
	case json.Number, bool:
		return true
	case int, int64:
		return true
	}
	return false
}

// UnmarshalJSON reads the filter grammar strictly: a key it does not know
// is an error naming the key, not a filter that silently matches nothing.
func (f *Filter) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Filter{}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return Errorf(CodeInvalid, "filter must be a JSON object")
	}
	var out Filter
	for _, key := range sortedKeys(raw) {
		var err error
		switch v := raw[key]; key {
		case "uri_prefix":
			if json.Unmarshal(v, &out.URIPrefix) != nil || out.URIPrefix == "" {
				err = Errorf(CodeInvalid, "filter.uri_prefix must be a non-empty string")
			}
		case "document_ids":
			if json.Unmarshal(v, &out.DocumentIDs) != nil || len(out.DocumentIDs) == 0 {
				err = Errorf(CodeInvalid, "filter.document_ids must be a non-empty list of document ids")
			}
		case "metadata":
			out.Metadata, err = metadataFilter(v)
		default:
			err = Errorf(CodeInvalid, "filter has an unknown key %q: filter by uri_prefix, document_ids or metadata (metadata values go under \"metadata\")", key)
		}
		if err != nil {
			return err
		}
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*f = out
	return nil
}

// metadataFilter reads {"key": value | {"in": [values]}, ...}.
func metadataFilter(b json.RawMessage) (map[string]AnyOf, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return nil, Errorf(CodeInvalid, "filter.metadata must be an object of metadata keys")
	}
	out := make(map[string]AnyOf, len(raw))
	for _, key := range sortedKeys(raw) {
		values, err := metadataValues(key, raw[key])
		if err != nil {
			return nil, err
		}
		out[key] = values
	}
	return out, nil
}

// metadataValues reads one metadata condition: a value, or {"in": [...]}.
// Validate checks the values themselves.
func metadataValues(key string, b json.RawMessage) (AnyOf, error) {
	v, _ := decodeValue(b) // valid JSON: the enclosing object parsed
	op, isObject := v.(map[string]any)
	if !isObject {
		if !scalar(v) {
			return nil, Errorf(CodeInvalid, "filter.metadata.%s must be a string, number, boolean or {\"in\": [...]}", key)
		}
		return AnyOf{v}, nil
	}
	for _, name := range sortedKeys(op) {
		if name != "in" {
			return nil, Errorf(CodeInvalid, "filter.metadata.%s has an unknown operator %q (want \"in\")", key, name)
		}
	}
	list, ok := op["in"].([]any)
	if !ok {
		return nil, Errorf(CodeInvalid, "filter.metadata.%s needs \"in\": a list of values", key)
	}
	return list, nil
}

// decodeValue decodes JSON keeping numbers exact.
func decodeValue(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// sortedKeys makes error messages independent of map order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// String is the filter as canonical JSON, for cache keys and logs.
func (f Filter) String() string {
	if f.IsZero() {
		return ""
	}
	b, _ := json.Marshal(f) // map keys marshal sorted; values are JSON scalars
	return string(b)
}
