package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// exitError carries the exit status the contract assigns to an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports bad usage or bad input: exit status 2.
func usageErrorf(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

// usageError wraps err as bad usage or bad input: exit status 2.
func usageError(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: 2, err: err}
}

// failuref reports that the check or operation said no: exit status 1.
func failuref(format string, a ...any) error {
	return &exitError{code: 1, err: fmt.Errorf(format, a...)}
}

// failure wraps err as "the operation said no": exit status 1.
func failure(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: 1, err: err}
}

// noArgs rejects positional arguments with exit status 2.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q (see '%s --help')", c.Name(), args, c.CommandPath())
	}
	return nil
}
