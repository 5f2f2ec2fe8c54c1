package main

import (
	"fmt"
	"os"
	"time"

	"github.com/airules/airules/index"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
)

// countWorkerIdle is how long a server's token count worker outlives its last count.
const countWorkerIdle = 20 * time.Second

// newCountWorker is the token count worker of a long-running server: this binary's
// hidden count-worker command. Without the path of this binary, the server counts
// in its own process.
func newCountWorker(log *zap.Logger) *index.CountWorker {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return index.NewCountWorker([]string{exe, "count-worker"}, nil, countWorkerIdle, log)
}

// newCountWorkerCmd is the worker itself, which a server starts: not for users.
func newCountWorkerCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "count-worker",
		Short: "count tokens for a server (internal)",
		Long: `Count o200k tokens for the airules server that started this process, reading
requests on standard input and answering on standard output until the input ends.
Servers (serve, mcp) start it themselves; it is not meant to be run by hand.`,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := index.ServeTokenCounts(a.stdin, a.stdout); err != nil {
				fmt.Fprintf(a.stderr, "airules count-worker: %v\n", err)
				a.code = 1
			}
			return nil
		},
	}
}
