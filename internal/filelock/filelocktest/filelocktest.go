// Package filelocktest runs a writer in a process of its own, for tests
// of what a writer killed with SIGKILL leaves behind: no cleanup of its
// runs, and its locks go with it.
package filelocktest

import (
	"bufio"
	"os"
	"os/exec"
	"testing"
)

// Ready is what the helper prints on stdout once it holds what the test
// wants to see a killed writer leave; then it waits to be killed.
func Ready() { os.Stdout.WriteString("ready\n") }

// Start runs the test named test of this test binary in a new process,
// with the environment variable env (NAME=value) added, and waits until it
// says Ready. kill ends it with SIGKILL and waits for it.
func Start(t *testing.T, test, env string) (kill func()) {
	t.Helper()
	helper := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	helper.Env = append(os.Environ(), env)
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	kill = func() {
		helper.Process.Kill()
		helper.Wait()
	}
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		kill()
		t.Fatalf("%s said %q", test, line)
	}
	return kill
}
