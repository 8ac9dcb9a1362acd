// Package embed turns text into vectors for retrieval. Its one job is the
// Embedder interface and its implementations: Hashing, the built-in default,
// and Remote, which reaches OpenAI-compatible or Ollama embedding services
// through langchaingo. New picks one from configuration.
//
// It must not import the store, retrieval, assistant or HTTP packages; it
// depends only on the shared core nouns (for error codes), internal/text
// and langchaingo.
//
// # What the hashing embedder can and cannot do
//
// Hashing is deterministic and needs no network, model files or corpus. It
// maps three families of features into a fixed number of dimensions with
// signed feature hashing (FNV-1a, finalised with a MurmurHash3 mixer; one bit
// gives the sign, the rest the index):
//
//   - words: as internal/text tokenizes and stems them (lower-cased,
//     Unicode-aware, plurals, -ing and -ed stripped), so "passwords" matches
//     "password"; a hyphenated compound also counts whole, so "Wi-Fi"
//     matches "wifi";
//   - word pairs: adjacent non-stop words within a sentence, so "screen
//     timeout" counts for more than "screen" and "timeout" apart;
//   - character 3- to 5-grams of each non-stop word, framed by '<' and '>',
//     so typos ("pasword") and shared word pieces still overlap.
//
// Term frequency is damped to tf^0.75. Each family is normalised to an
// equal share of the vector, which is then L2-normalised, so cosine
// similarity equals the dot product.
//
// Rarity cannot come from corpus statistics (IDF), because a document's
// vector must not change as the corpus grows. A static prior stands in:
// English function words and question scaffolding ("how", "can", "the")
// weigh a tenth of a content word and form no pairs or n-grams; one- and
// two-letter tokens and numbers weigh a half.
//
// This is lexical matching: shared words, shared word pieces and near-miss
// spellings. It has no notion of meaning, so "lighten my screen" does not
// find "brightness", and it cannot tell which common words of a given
// product's manual are uninformative. On the Galaxy S10 manual set (451
// sections, 50 questions) it places a right section first for about two
// questions in three and in the top five for about four in five; see
// s10_test.go. A real embedding model through Remote is the upgrade path.
//
// A text with no words at all (empty, blank, punctuation) embeds to a fixed
// unit vector rather than the zero vector, keeping cosine defined; it is
// nearly orthogonal to every real text and so matches nothing.
//
// The model name, such as "hash-v2-384", encodes the recipe version and the
// dimension. Any change that moves vectors must bump the version, because
// vectors of different recipes are not comparable.
package embed
