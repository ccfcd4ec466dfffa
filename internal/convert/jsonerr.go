package convert

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// jsonError rewrites a decoding error of the JSON file path (content
// data) for a person: where the syntax breaks, or which field has the
// wrong kind of value. Other errors are only prefixed with path.
func jsonError(path string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case len(data) == 0:
		return fmt.Errorf("%s: empty file (0 bytes): the download or copy wrote nothing; fetch it again", path)
	case errors.As(err, &se):
		// Offset counts the bytes read, the offending one included; at the
		// end of the input there is no offending byte.
		at := se.Offset
		if at > 0 && at <= int64(len(data)) && !strings.HasPrefix(se.Error(), "unexpected end") {
			at--
		}
		line, col := position(data, at)
		return fmt.Errorf("%s: not valid JSON at line %d, column %d: %w", path, line, col, err)
	case errors.As(err, &te):
		// Offset is just past the value; its last byte is on the value's line.
		line, _ := position(data, max(te.Offset-1, 0))
		if te.Field == "" {
			return fmt.Errorf("%s: the file holds %s, expected %s", path, jsonValue(te.Value), jsonKind(te.Type))
		}
		return fmt.Errorf("%s: line %d: %q is %s, expected %s", path, line, te.Field, jsonValue(te.Value), jsonKind(te.Type))
	}
	return fmt.Errorf("%s: %w", path, err)
}

// position gives the 1-based line and column (in characters) of byte
// offset off in data.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = 1 + strings.Count(string(before), "\n")
	start := strings.LastIndexByte(string(before), '\n') + 1
	return line, 1 + utf8.RuneCount(before[start:])
}

// jsonValue names the kind of JSON value a json.UnmarshalTypeError found
// ("string", "number 1.5", …).
func jsonValue(v string) string {
	switch {
	case v == "bool":
		return "true or false"
	case v == "array" || v == "object":
		return "an " + v
	case strings.HasPrefix(v, "number "):
		return "the " + v
	}
	return "a " + v
}

// jsonKind says which JSON value decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}
