package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// Key returns a stable cache key for parts: the hex SHA-256 of each part
// prefixed by its length, so that ("ab", "c") and ("a", "bc") differ. The
// result reveals nothing of the parts (questions may hold personal data),
// and is always 64 characters.
func Key(parts ...string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
