package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/airules/airules/rules"
)

// schemaOptions are the parsed flags of `airules schema`.
type schemaOptions struct {
	format string
}

// schemaFormats names the formats that have a schema, for help and completion.
func schemaFormats() []string {
	out := make([]string, len(rules.FormatSpecs))
	for i, s := range rules.FormatSpecs {
		out[i] = string(s.Format)
	}
	return out
}

func runSchema(o schemaOptions, stdout, stderr io.Writer) int {
	if _, ok := rules.SpecOf(rules.Format(o.format)); !ok {
		fmt.Fprintf(stderr, "airules schema: unknown format %q (want one of %s)\n", o.format, strings.Join(schemaFormats(), ", "))
		return 2
	}
	data, err := rules.Schema(rules.Format(o.format))
	if err != nil {
		fmt.Fprintf(stderr, "airules schema: %v\n", err)
		return 1
	}
	if _, err := stdout.Write(data); err != nil {
		fmt.Fprintf(stderr, "airules schema: %v\n", err)
		return 1
	}
	return 0
}
