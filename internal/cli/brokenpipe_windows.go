package cli

import "syscall"

// pipeGoneErrnos are what a write to a pipe whose reader has gone fails
// with on Windows, which has no EPIPE: ERROR_BROKEN_PIPE, ERROR_NO_DATA
// ("The pipe is being closed") and ERROR_PIPE_NOT_CONNECTED (Wine's).
var pipeGoneErrnos = []error{syscall.ERROR_BROKEN_PIPE, syscall.Errno(232), syscall.Errno(233)}
