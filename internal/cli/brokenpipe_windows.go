package cli

import "golang.org/x/sys/windows"

// pipeGoneErrnos are what a write to a pipe whose reader has gone fails
// with on Windows, which has no EPIPE; ERROR_PIPE_NOT_CONNECTED is Wine's.
var pipeGoneErrnos = []error{windows.ERROR_BROKEN_PIPE, windows.ERROR_NO_DATA, windows.ERROR_PIPE_NOT_CONNECTED}
