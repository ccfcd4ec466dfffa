package gguf

import "fmt"

// FromBytes parses a GGUF file held in memory, such as an embedded model.
// data must stay unchanged while the File is in use; F32 tensors may alias it.
func FromBytes(data []byte) (*File, error) {
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("in-memory model file: %w", err)
	}
	f.path = "in-memory model file"
	return f, nil
}

// TensorNames lists the file's tensor names in table order.
func (f *File) TensorNames() []string {
	names := make([]string, len(f.tensors))
	for i, t := range f.tensors {
		names[i] = t.Name
	}
	return names
}
