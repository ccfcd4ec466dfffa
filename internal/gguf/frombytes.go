package gguf

// FromBytes parses a GGUF file held in memory, such as an embedded model.
// data must stay unchanged while the File is in use.
func FromBytes(data []byte) (*File, error) {
	return parse(data)
}
