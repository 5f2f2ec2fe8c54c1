// Command airules indexes the rules teams write for AI coding assistants and answers,
// for any file, which rules apply, in which order, and why: as a language server
// (`airules serve`) and on the command line.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand of the binary.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"lint":    {"report problems in rule files", wrap(cmdLint)},
	"context": {"print the rule context for a file (the prompt, or JSON)", wrap(cmdContext)},
	"rules":   {"list every indexed rule", wrap(cmdRules)},
	"init":    {"scaffold a .ai-rules/ tree with two example rules", wrap(cmdInit)},
	"version": {"print the version", wrap(cmdVersion)},
	"serve":   {"run the language server on stdio", cmdServe},
	"history": {"print the index's event log (rule created, updated, deleted, invalid)", wrap(cmdHistory)},
	"team":    {"team rules on NATS JetStream: init, publish, history, status", wrap(cmdTeam)},
}

// wrap adapts commands that read no standard input.
func wrap(f func(args []string, stdout, stderr io.Writer) int) func([]string, io.Reader, io.Writer, io.Writer) int {
	return func(args []string, _ io.Reader, stdout, stderr io.Writer) int { return f(args, stdout, stderr) }
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	case "-v", "--version":
		return cmdVersion(nil, stdout, stderr)
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "airules: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "airules: which AI-assistant rules apply to a file, in which order, and why.\n\n")
	fmt.Fprintf(w, "Usage: airules <command> [flags] [args]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'airules <command> --help' for the flags of a command.\n")
}

// usageFor builds a flag.FlagSet Usage function with a synopsis and a description; it
// writes wherever the flag set's output points at the time.
func usageFor(fs *flag.FlagSet, synopsis, description string) func() {
	return func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: airules %s\n\n%s\n", synopsis, strings.TrimSpace(description))
		fmt.Fprintf(w, "\nFlags:\n")
		fs.PrintDefaults()
	}
}

// parseFlags parses args, printing help to stdout when asked for it and usage errors to
// stderr. It returns false with the exit code when the command should stop.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (bool, int) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return false, 0
		}
	}
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return false, 2
	}
	return true, 0
}
