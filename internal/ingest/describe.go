package ingest

import (
	"slices"
	"sort"
	"unicode/utf8"

	"supportd/internal/core"
)

// Limits of the title and metadata a caller may give a document.
const (
	MaxTitleChars       = 300
	MaxMetadataKeys     = 32
	MaxMetadataKeyChars = 64
	MaxMetadataValue    = 1000 // characters of a string value
)

// reservedMetadata are the keys Load sets itself.
var reservedMetadata = []string{"format", "bytes"}

// CheckMetadata checks metadata a caller gives a document: at most
// MaxMetadataKeys keys of 1 to MaxMetadataKeyChars characters, none of the
// keys supportd sets itself, and values that are strings (up to
// MaxMetadataValue characters), numbers (float64, as decoded from JSON) or
// booleans. The error is core.CodeInvalid naming the first offending key.
func CheckMetadata(meta map[string]any) error {
	if len(meta) > MaxMetadataKeys {
		return core.Errorf(core.CodeInvalid, "metadata holds at most %d keys", MaxMetadataKeys)
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n := utf8.RuneCountInString(k); n == 0 || n > MaxMetadataKeyChars {
			return core.Errorf(core.CodeInvalid, "metadata keys must be 1 to %d characters", MaxMetadataKeyChars)
		}
		if slices.Contains(reservedMetadata, k) {
			return core.Errorf(core.CodeInvalid, "metadata[%q] is set by supportd", k)
		}
		if err := checkValue(k, meta[k]); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(key string, v any) error {
	switch v := v.(type) {
	case float64, bool:
		return nil
	case string:
		if utf8.RuneCountInString(v) > MaxMetadataValue {
			return core.Errorf(core.CodeInvalid, "metadata[%q] must be at most %d characters", key, MaxMetadataValue)
		}
		return nil
	}
	return core.Errorf(core.CodeInvalid, "metadata[%q] must be a string, number or boolean", key)
}

// describe gives a loaded document the caller's title (when set) and
// metadata; the content hash then covers them, so changing either updates
// the document.
func (d Document) describe(title string, meta map[string]any) Document {
	if title = cleanTitle(title); title != "" {
		d.Title = title
	}
	own := make(map[string]any, len(d.Metadata)+len(meta))
	for k, v := range d.Metadata {
		if !slices.Contains(reservedMetadata, k) {
			own[k] = v
		}
	}
	for k, v := range meta {
		own[k], d.Metadata[k] = v, v
	}
	d.ContentHash = contentHash(d.Title, d.Text, own)
	return d
}
