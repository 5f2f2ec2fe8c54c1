// Command airules indexes the rules teams write for AI coding assistants and answers,
// for any file, which rules apply, in which order, and why: as a language server
// (`airules serve`) and on the command line.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// app is one invocation: its streams, and the exit status the command chose.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	code           int
	profile        profileFlags
}

// run executes the command line args and returns the exit status: the command's own,
// or 2 for a usage error (unknown command or flag, wrong arguments).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(a)
	root.SetArgs(longFlags(root, args))
	cmd, err := root.ExecuteC()
	if perr := a.profile.stop(); perr != nil && err == nil {
		fmt.Fprintf(stderr, "airules: %v\n", perr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd.CommandPath(), err)
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return 2
	}
	return a.code
}

// longFlags spells a long flag given with one dash (`-root DIR`, as Go's flag package
// took it before the move to cobra) with two, so that scripts written then still work.
// Only names the command defines are rewritten; shorthands (-h, -v) stay as they are.
func longFlags(root *cobra.Command, args []string) []string {
	out := make([]string, 0, len(args)) // never nil: cobra reads os.Args for a nil slice
	cmd, _, err := root.Find(args)
	if err != nil {
		cmd = root
	}
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if len(name) > 1 && a[0] == '-' && !strings.HasPrefix(a, "--") && (name == "help" || cmd.Flags().Lookup(name) != nil) {
			a = "-" + a
		}
		out = append(out, a)
	}
	return out
}

// helpTemplate is every command's --help: the synopsis first, as before cobra, then the
// description, the examples and the flags.
const helpTemplate = `Usage: {{.UseLine}}{{with .Long}}

{{. | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Commands:{{range .Commands}}{{if .IsAvailableCommand}}
  {{rpad .Name .NamePadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Run '{{.CommandPath}} <command> --help' for the flags of a command.{{end}}
`

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "airules <command> [flags] [args]",
		Short: "which AI-assistant rules apply to a file, in which order, and why",
		Long:  rootLong,
		Example: `  airules context lib/app_web/live/page_live.ex --explain
  airules lint
  airules completion zsh > "${fpath[1]}/_airules"`,
		Version: versionLine(),
		// Without a command: the overview on stderr and a usage error, as before.
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(a.stderr)
			_ = cmd.Help()
			a.code = 2
			return nil
		},
		SilenceErrors:         true,
		SilenceUsage:          true,
		DisableFlagsInUseLine: true,
	}
	a.profile.register(root)
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return a.profile.start() }
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetHelpTemplate(helpTemplate)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	root.CompletionOptions.DisableDefaultCmd = true // our own, with examples
	root.AddCommand(
		newContextCmd(a), newLintCmd(a), newRulesCmd(a), newHistoryCmd(a), newInitCmd(a),
		newSchemaCmd(a), newServeCmd(a), newMCPCmd(a), newTeamCmd(a), newVersionCmd(a), newCompletionCmd(a, root),
		newCountWorkerCmd(a),
	)
	for _, c := range root.Commands() {
		c.DisableFlagsInUseLine = true
	}
	return root
}
