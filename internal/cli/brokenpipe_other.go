//go:build !windows

package cli

// pipeGoneErrnos are the errors besides EPIPE of a write to a pipe whose
// reader has gone: none here (see brokenpipe_windows.go).
var pipeGoneErrnos []error
