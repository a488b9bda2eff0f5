// updatemaxprocs=0: the kiosk runs on a board with a fixed number of CPUs
// and no CPU quota that changes while it runs; without it the runtime wakes
// up every second to re-read its CPU limit (Go 1.25's container-aware
// GOMAXPROCS), which an idle kiosk should not.

// Command ventanilla is the self-service kiosk for FNMT certificates and
// Cl@ve registration in Spanish public offices.
//
// Exit status follows the contract in docs/ARCHITECTURE.md: 0 success, 1 the
// check or operation said no, 2 usage or input error.
//
//go:debug updatemaxprocs=0
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// execute runs the command tree and turns its error into an exit status.
// It never lets a Go error escape as a stack trace.
func execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "ventanilla: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ventanilla",
		Short: "Self-service kiosk for the FNMT certificate and Cl@ve registration",
		Long: `ventanilla guides visitors of a public office, in their language, through
getting the FNMT personal certificate and registering in Cl@ve, using the
kiosk's webcam and GSM modem. Technicians look after it over SSH.

Start the kiosk in demo mode (simulated devices):  ventanilla run --demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		newVersionCmd(),
		newRunCmd(),
		newModemCmd(),
		newSMSCmd(),
		newCameraCmd(),
		newQueueCmd(),
	)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this build",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(c.OutOrStdout(), "ventanilla %s\n", version)
			return nil
		},
	}
}
