// Package wire holds the JSON shapes that airules answers in: the result of
// airules/context and of airules/rules, and a problem as `airules lint --format json`
// prints it. The language server, the MCP server and the CLI build their answers here
// from the same domain values (rules.Context, rules.Set, rules.Problem), so the three
// can never disagree; the editors' clients mirror these types (a test holds them to
// the JSON samples under testdata/wire).
package wire
