package cli

import (
	"bytes"
	"strings"
	"testing"
)

// run executes vitctl with args on buffers, stdin read from the string:
// the one way tests call Main.
func run(t testing.TB, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}
