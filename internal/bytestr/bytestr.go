// Package bytestr writes strings of any bytes, such as file names, in
// JSON without losing any. A Linux file name is bytes, not text: one that
// is not UTF-8 (a name from an old Latin-1 system, or a zip made on
// Windows) cannot be a JSON string as it is, and encoding/json replaces
// each such byte with U+FFFD, so the record no longer names its file.
// String writes each byte that is not part of UTF-8 as the lone surrogate
// \udc80 … \udcff, as Python's surrogateescape does (os.fsdecode): Python's
// json.loads gives the str that os.listdir gives for the file, and open()
// takes it; reading it back here gives the same bytes. Text writes such a
// string on one line of text, for messages.
package bytestr

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Text is s, a name of any bytes, as one line of text prints it: as it
// is, or quoted as Go and JSON quote strings ("new\nline.jpg",
// "bad\xff.jpg") when it would not read back as one name on one line:
// with a control character (a newline, a carriage return, a tab), bytes
// that are not UTF-8, a space at either end, or a double quote first.
// Text output and messages name files with it, so that each message
// stays one line of stderr whatever the names it holds.
func Text(s string) string {
	if !utf8.ValidString(s) || strings.TrimSpace(s) != s || strings.HasPrefix(s, `"`) ||
		strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

// String is a string of any bytes that JSON carries losslessly.
type String string

// MarshalJSON writes s as a JSON string, each byte that is not part of
// UTF-8 as \udcXX.
func (s String) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(s)) {
		return quote(string(s)), nil
	}
	var b strings.Builder
	b.WriteByte('"')
	for rest := string(s); rest != ""; {
		r, n := utf8.DecodeRuneInString(rest)
		if r == utf8.RuneError && n == 1 {
			b.WriteString(`\udc` + strconv.FormatUint(uint64(rest[0]), 16))
		} else {
			q := quote(rest[:n])
			b.Write(q[1 : len(q)-1])
		}
		rest = rest[n:]
	}
	b.WriteByte('"')
	return []byte(b.String()), nil
}

// quote is s as a JSON string, its &, < and > as they are: json.Marshal
// writes them \u0026, \u003c and \u003e for HTML, which JSON readers
// decode but grep and awk do not match ("R&D.jpg").
func quote(s string) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(s) // a string: no error
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// UnmarshalJSON reads a JSON string, each lone surrogate \udc80 … \udcff
// as the byte it stands for (other lone surrogates as U+FFFD, as
// encoding/json reads them).
func (s *String) UnmarshalJSON(b []byte) error {
	var plain string
	if err := json.Unmarshal(b, &plain); err != nil {
		return err
	}
	if !strings.Contains(strings.ToLower(string(b)), `\udc`) {
		*s = String(plain)
		return nil
	}
	v, err := unquote(string(b))
	*s = String(v)
	return err
}

// unquote decodes the JSON string literal q, which json.Unmarshal has
// found valid.
func unquote(q string) (string, error) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", errors.New("bytestr: not a JSON string")
	}
	q = q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(q); {
		if q[i] != '\\' {
			b.WriteByte(q[i])
			i++
			continue
		}
		if q[i+1] != 'u' {
			b.WriteByte(map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}[q[i+1]])
			i += 2
			continue
		}
		r := hex4(q[i+2:])
		i += 6
		switch {
		case utf16.IsSurrogate(r) && r < 0xdc00 && i+6 <= len(q) && q[i] == '\\' && q[i+1] == 'u':
			if pair := utf16.DecodeRune(r, hex4(q[i+2:])); pair != utf8.RuneError {
				b.WriteRune(pair)
				i += 6
				continue
			}
			b.WriteRune(utf8.RuneError)
		case r >= 0xdc80 && r <= 0xdcff:
			b.WriteByte(byte(r - 0xdc00))
		default:
			b.WriteRune(r) // a lone surrogate other than these is U+FFFD
		}
	}
	return b.String(), nil
}

// hex4 is the value of the four hex digits h starts with.
func hex4(h string) rune {
	v, _ := strconv.ParseUint(h[:4], 16, 32)
	return rune(v)
}
